package app_test

import (
	"context"
	"strings"
	"testing"

	"kaowu/internal/store/storetest"
)

// FuzzVerifyForm feeds arbitrary text to the desk's QR check, as a USB
// scanner would type it: only the genuine payload of a stored version is
// genuine; anything else is refused without an error.
func FuzzVerifyForm(f *testing.F) {
	s := storetest.SQLite(f)
	a, clock := newApp(f, s)
	ctx := context.Background()
	unit := deskUnit(f, s, "丰台模糊测试医院", "direct_hospital")
	_, ap := submitted(f, a, clock, "fuzzer", 1, unit)
	v, err := s.Version(ctx, ap.ID, 1)
	if err != nil {
		f.Fatal(err)
	}
	genuine, err := a.FormPayload(ctx, v)
	if err != nil {
		f.Fatal(err)
	}
	site := siteStaff(f, s, "fuzzdesk", "fengtai")
	f.Add(genuine)
	f.Add(genuine[:len(genuine)-1] + "A")
	f.Add("KW1." + ap.ID + ".1.")
	f.Add("KW1..1.x")
	f.Add("KW1.x.-1.y.z")
	f.Add("")
	f.Fuzz(func(t *testing.T, payload string) {
		check, err := a.VerifyForm(ctx, site, payload)
		if err != nil {
			t.Fatalf("VerifyForm(%q): %v", payload, err)
		}
		if check.Genuine && strings.TrimSpace(payload) != genuine {
			t.Fatalf("VerifyForm(%q) genuine, but it is not the stored payload", payload)
		}
		if !check.Genuine && strings.TrimSpace(payload) == genuine {
			t.Fatal("the genuine payload was refused")
		}
	})
}
