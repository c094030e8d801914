package auth

import "testing"

func TestHashVerify(t *testing.T) {
	h, err := Hash("Kaowu@2024")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		hash, pw string
		want     bool
	}{
		{h, "Kaowu@2024", true},
		{h, "kaowu@2024", false},
		{h, "", false},
		{"plain", "plain", false},
		{"$argon2id$v=19$m=999999999,t=1,p=1$AAAA$AAAA", "x", false},
	} {
		if got := Verify(c.hash, c.pw); got != c.want {
			t.Errorf("Verify(%q, %q) = %v, want %v", c.hash, c.pw, got, c.want)
		}
	}
	h2, _ := Hash("Kaowu@2024")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

func BenchmarkVerify(b *testing.B) {
	h, _ := Hash("Kaowu@2024")
	for b.Loop() {
		Verify(h, "Kaowu@2024")
	}
}
