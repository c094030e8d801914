package kaowu

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// withCheck appends the GB 11643 check character to 17 digits.
func withCheck(s17 string) string { return s17 + string(GBCheckChar(s17)) }

func TestGBCheckChar(t *testing.T) {
	// The example of GB 11643-1999 Annex: 11010519491231002X.
	if c := GBCheckChar("11010519491231002"); c != 'X' {
		t.Errorf("check of the standard's example = %c, want X", c)
	}
	if c := GBCheckChar("44052418800101001"); c != '4' {
		t.Errorf("check = %c, want 4", c)
	}
}

func TestParseIDNumber(t *testing.T) {
	today := NewDate(2023, 12, 5)
	for _, c := range []struct {
		typ    IDType
		in     string
		ok     bool
		norm   string
		birth  Date
		detail string // a part of the refusal message
	}{
		{IDResident, "11010519491231002X", true, "11010519491231002X", NewDate(1949, 12, 31), ""},
		{IDResident, " 11010519491231002x ", true, "11010519491231002X", NewDate(1949, 12, 31), ""},
		{IDResident, "１１０１０５１９４９１２３１００２Ｘ", true, "11010519491231002X", NewDate(1949, 12, 31), ""},
		{IDResident, "110105194912310021", false, "", Date{}, "校验码"},
		{IDResident, withCheck("11010519490230002"), false, "", Date{}, "出生日期"}, // 30 February
		{IDResident, withCheck("11010518991231002"), false, "", Date{}, "出生日期"}, // before 1900
		{IDResident, withCheck("11010520240101002"), false, "", Date{}, "晚于今天"}, // born after today
		{IDResident, withCheck("99010519491231002"), false, "", Date{}, "地址码"},  // no province 99
		{IDResident, withCheck("81000019491231002"), false, "", Date{}, "地址码"},  // HK code is not a resident ID
		{IDResident, "110105491231002", false, "", Date{}, "18 位"},              // first-generation, 15 digits
		{IDResident, "1101051949123100", false, "", Date{}, "18 位"},
		{IDResident, "11010519491231002X1", false, "", Date{}, "18 位"},
		{IDResident, "', DROP TABLE users;--", false, "", Date{}, "18 位"},
		{IDResident, "<script>alert(1)</script>", false, "", Date{}, "过长"},
		{IDResident, "", false, "", Date{}, "请填写"},
		{IDResident, "\xff\xfe", false, "", Date{}, "无效字符"},
		{IDHKMacaoTaiwanResidence, withCheck("81000019900101001"), true, withCheck("81000019900101001"), NewDate(1990, 1, 1), ""},
		{IDHKMacaoTaiwanResidence, withCheck("83000019900101001"), true, withCheck("83000019900101001"), NewDate(1990, 1, 1), ""},
		{IDHKMacaoTaiwanResidence, withCheck("11010519900101001"), false, "", Date{}, "810000"},
		{IDHKMacaoTaiwanResidence, withCheck("81000019901301001"), false, "", Date{}, "出生日期"},
		{IDHKMacaoPass, "H12345678", true, "H12345678", Date{}, ""},
		{IDHKMacaoPass, "m1234567801", true, "M1234567801", Date{}, ""},
		{IDHKMacaoPass, "K12345678", false, "", Date{}, "H 或 M"},
		{IDHKMacaoPass, "H1234567", false, "", Date{}, "H 或 M"},
		{IDTaiwanPass, "12345678", true, "12345678", Date{}, ""},
		{IDTaiwanPass, "1234567890", true, "1234567890", Date{}, ""},
		{IDTaiwanPass, "123456789", false, "", Date{}, "8 位"},
		{IDTaiwanPass, "T1234567", false, "", Date{}, "8 位"},
		{IDForeignPermanentResidence, withCheck("91184019850101001"), true, withCheck("91184019850101001"), Date{}, ""},
		{IDForeignPermanentResidence, "911840198501010010", false, "", Date{}, "校验码"},
		{IDForeignPermanentResidence, "USA110085010101", true, "USA110085010101", Date{}, ""},
		{IDForeignPermanentResidence, "US1110085010101", false, "", Date{}, "15 位"},
		{IDMilitaryOfficer, "军字第1234567号", true, "军字第1234567号", Date{}, ""},
		{"passport", "E12345678", false, "", Date{}, "证件类型"},
	} {
		p, err := ParseIDNumber(c.typ, c.in, today)
		if c.ok {
			if err != nil {
				t.Errorf("%s %q: %v", c.typ, c.in, err)
				continue
			}
			if string(p.Number) != c.norm || p.Birth != c.birth {
				t.Errorf("%s %q = %q born %v, want %q born %v", c.typ, c.in, string(p.Number), p.Birth, c.norm, c.birth)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s %q accepted, want refused", c.typ, c.in)
			continue
		}
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), c.detail) {
			t.Errorf("%s %q: %v, want invalid mentioning %q", c.typ, c.in, err, c.detail)
		}
		if f := ErrorFields(err); f["id_number"] == "" && f["id_type"] == "" {
			t.Errorf("%s %q: no field named in %v", c.typ, c.in, f)
		}
	}
}

func TestOnlineIDTypes(t *testing.T) {
	for _, ty := range IDTypes {
		if ty.Online() == (ty == IDMilitaryOfficer) {
			t.Errorf("%s online = %v", ty, ty.Online())
		}
	}
}

func TestMaskID(t *testing.T) {
	for in, want := range map[string]string{
		"11010519491231002X": "110105********002X",
		"USA110085010101":    "USA110*****0101",
		"H12345678":          "H1*****78",
		"12345678":           "12****78",
		"1234":               "****",
		"":                   "",
	} {
		if got := MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
	n := IDNumber("11010519491231002X")
	if s := n.String(); s != "110105********002X" {
		t.Errorf("String = %q", s)
	}
}

func TestIDNumbersNeverReachTheLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewMaskingHandler(slog.NewJSONHandler(&buf, nil)))
	n := IDNumber("11010519491231002X")
	log.With("id", "11010519491231002X").Info("register 11010519491231002X", "id_number", n, "text", "证件 H12345678 已注册",
		"err", Errorf(ECONFLICT, "110105194912310021 conflict"), slog.Group("g", "x", "11010519491231002X"))
	slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: MaskingReplaceAttr})).Info("x", "n", "11010519491231002X", "typed", n)
	out := buf.String()
	for _, leak := range []string{"11010519491231002X", "H12345678", "110105194912310021"} {
		if strings.Contains(out, leak) {
			t.Errorf("log contains %s: %s", leak, out)
		}
	}
	if !strings.Contains(out, "110105********002X") {
		t.Errorf("log lacks the masked number: %s", out)
	}
}

// FuzzParseIDNumber checks that the parser never panics, that what it
// accepts is normalised (re-parsing gives the same result), and that an
// accepted resident number always carries a real birth date and a valid
// check character.
func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "H12345678", "12345678", "USA110085010101", "911840198501010010",
		"81000019900101001X", "", "\xff", "１１０１０５", "11010519490230002X"} {
		for i := range IDTypes {
			f.Add(uint8(i), s)
		}
	}
	today := NewDate(2023, 12, 5)
	f.Fuzz(func(t *testing.T, typ uint8, s string) {
		ty := IDTypes[int(typ)%len(IDTypes)]
		p, err := ParseIDNumber(ty, s, today)
		if err != nil {
			if ErrorCode(err) != EINVALID || ErrorMessage(err) == "" {
				t.Fatalf("refusal %v is not a field error", err)
			}
			return
		}
		n := string(p.Number)
		if n == "" || !utf8.ValidString(n) || len(n) > 20 {
			t.Fatalf("accepted %q as %q", s, n)
		}
		again, err := ParseIDNumber(ty, n, today)
		if err != nil || again != p {
			t.Fatalf("normalised %q does not re-parse the same: %v %v", n, again, err)
		}
		if ty == IDResident || ty == IDHKMacaoTaiwanResidence {
			if len(n) != 18 || GBCheckChar(n) != n[17] || p.Birth.IsZero() || p.Birth.After(today) {
				t.Fatalf("accepted %q: birth %v", n, p.Birth)
			}
			if _, err := time.Parse("20060102", n[6:14]); err != nil {
				t.Fatalf("accepted %q with a bad birth date", n)
			}
		}
		if m := MaskID(n); m == n && len(n) > 4 {
			t.Fatalf("MaskID(%q) hides nothing", n)
		}
	})
}

// TestParseIDNumberFromSpreadsheetFloat: a number a spreadsheet turned into
// a float has lost digits; the refusal says so and how to fix it.
func TestParseIDNumberFromSpreadsheetFloat(t *testing.T) {
	for _, n := range []string{"1.1010619900315E+017", "1.10106E17", "1.1010619900315e+17"} {
		_, err := ParseIDNumber(IDResident, n, Date{})
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "存成了数字") {
			t.Errorf("%s: %v", n, err)
		}
	}
}
