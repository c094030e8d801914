package kaowu

import "testing"

func TestMaskIDsIn(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"报名成功", "报名成功"},
		{"证件号码 11010519491231002X 已核对", "证件号码 110105********002X 已核对"},
		{"id=110105194912310021,", "id=110105********0021,"},
		{"准考证号 2411010630200001，基础知识 60 分", "准考证号 2411010630200001，基础知识 60 分"}, // 16 digits: a ticket, kept
		{"档案号 2024-110106-0000001", "档案号 2024-110106-0000001"},
		{"金额 1234567890 分", "金额 1234567890 分"},
		{"通行证 H12345678 与 M1234567890", "通行证 H1*****78 与 M12345*7890"},
		{"永居证 ABC123456789012", "永居证 ABC123*****9012"},
		{"1101051949123100211", "1101051949123100211"}, // 19 digits: not a number we know
	} {
		if got := MaskIDsIn(c.in); got != c.want {
			t.Errorf("MaskIDsIn(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzMayHoldID checks that MaskIDsIn's shortcut never skips text the
// pattern would mask.
func FuzzMayHoldID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "x110105194912310021 ", "H12345678", "ABC123456789012", "2411010630200001", "m1234567890"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if idPattern.MatchString(s) && !mayHoldID(s) {
			t.Fatalf("mayHoldID(%q) = false, but the pattern matches %q", s, idPattern.FindString(s))
		}
	})
}
