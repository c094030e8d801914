package policy

import (
	"reflect"
	"testing"

	"kaowu"
)

// catalog2024 loads the embedded 2024 catalogue, indexed by code.
func catalog2024(t *testing.T) ([]kaowu.Specialty, map[string]kaowu.Specialty) {
	t.Helper()
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]kaowu.Specialty{}
	for _, s := range y.Catalog {
		byCode[s.Code] = s
	}
	return y.Catalog, byCode
}

// The notice (一（十）, 五) fixes the counts: 113 specialties in 2024 and six
// removed ones kept for the score carry-over.
func TestCatalog2024Counts(t *testing.T) {
	rows, _ := catalog2024(t)
	active, removed, paper, cbt := 0, 0, 0, 0
	for _, s := range rows {
		switch s.Status {
		case kaowu.SpecialtyActive:
			active++
			switch s.Mode {
			case kaowu.ModePaper:
				paper++
			case kaowu.ModeCBT:
				cbt++
			}
		case kaowu.SpecialtyRemoved:
			removed++
		}
	}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"rows", len(rows), 119},
		{"active", active, 113},
		{"removed", removed, 6},
		{"active paper (五: 护理学（初级师）)", paper, 1},
		{"active cbt (五: 其他112个专业)", cbt, 112},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.what, c.got, c.want)
		}
	}
}

// 一（十）: the removed specialties and what they merged into.
func TestCatalog2024Removed(t *testing.T) {
	rows, byCode := catalog2024(t)
	cases := []struct {
		code, name string
		level      kaowu.Level
		into       []string // names of the targets
		intoCodes  []string // codes of the targets, where the notice fixes them
	}{
		{"204", "中医护理学", kaowu.LevelJunior, []string{"护理学"}, []string{"203"}},
		{"374", "中医护理学", kaowu.LevelIntermediate, []string{"护理学"}, []string{"368"}},
		{"311", "结核病学", kaowu.LevelIntermediate, []string{"传染病学"}, nil},
		{"314", "职业病学", kaowu.LevelIntermediate, []string{"内科学"}, nil},
		{"360", "计划生育", kaowu.LevelIntermediate, []string{"妇产科学", "泌尿外科学"}, nil},
		{"363", "职业卫生", kaowu.LevelIntermediate, []string{"公共卫生"}, nil},
	}
	want := map[string]bool{}
	for _, c := range cases {
		want[c.code] = true
		t.Run(c.code, func(t *testing.T) {
			s, ok := byCode[c.code]
			if !ok {
				t.Fatalf("%s missing", c.code)
			}
			if s.Name != c.name || s.Level != c.level || s.Status != kaowu.SpecialtyRemoved {
				t.Errorf("%s = %s/%s/%s, want %s/%s/removed", c.code, s.Name, s.Level, s.Status, c.name, c.level)
			}
			if c.intoCodes != nil && !reflect.DeepEqual(s.MergedInto, c.intoCodes) {
				t.Errorf("%s merged_into = %v, want %v", c.code, s.MergedInto, c.intoCodes)
			}
			var names []string
			for _, code := range s.MergedInto {
				target, ok := byCode[code]
				if !ok {
					t.Fatalf("%s merges into %s, not in the catalogue", c.code, code)
				}
				if !target.Active() || target.Level != c.level {
					t.Errorf("%s merges into %s, which is %s/%s", c.code, code, target.Status, target.Level)
				}
				names = append(names, target.Name)
			}
			if !reflect.DeepEqual(names, c.into) {
				t.Errorf("%s merges into %v, want %v", c.code, names, c.into)
			}
		})
	}
	for _, s := range rows {
		if !s.Active() && !want[s.Code] {
			t.Errorf("%s %s is removed, but the notice removes only 204, 374, 311, 314, 360, 363", s.Code, s.Name)
		}
	}
}

// Level follows the code (1xx 士, 2xx 师, 3xx 中级); 五 fixes the mode.
func TestCatalog2024LevelAndMode(t *testing.T) {
	rows, _ := catalog2024(t)
	for _, s := range rows {
		lvl, ok := kaowu.LevelOfCode(s.Code)
		if !ok || s.Level != lvl {
			t.Errorf("%s %s level = %s, want %s", s.Code, s.Name, s.Level, lvl)
		}
		want := kaowu.ModeCBT
		if s.Code == "203" {
			want = kaowu.ModePaper
		}
		if s.Mode != want {
			t.Errorf("%s %s mode = %s, want %s", s.Code, s.Name, s.Mode, want)
		}
	}
}

// 一（七）: 301–365 and 392 need the physician qualification, 203 and
// 368–373 the nurse certificate, everything else none.
func TestCatalog2024Licence(t *testing.T) {
	rows, _ := catalog2024(t)
	for _, s := range rows {
		n := s.Number()
		want := kaowu.LicenceNone
		switch {
		case n >= 301 && n <= 365, n == 392:
			want = kaowu.LicencePhysician
		case n == 203, n >= 368 && n <= 373:
			want = kaowu.LicenceNurse
		}
		if s.Licence != want {
			t.Errorf("%s %s licence = %s, want %s", s.Code, s.Name, s.Licence, want)
		}
	}
}

// Codes whose names the notice and policy/README.md state.
func TestCatalog2024KnownCodes(t *testing.T) {
	_, byCode := catalog2024(t)
	cases := []struct {
		code, name string
		level      kaowu.Level
		licence    kaowu.Licence
	}{
		{"201", "药学", kaowu.LevelJunior, kaowu.LicenceNone},
		{"203", "护理学", kaowu.LevelJunior, kaowu.LicenceNurse},
		{"368", "护理学", kaowu.LevelIntermediate, kaowu.LicenceNurse},
		{"369", "内科护理", kaowu.LevelIntermediate, kaowu.LicenceNurse},
		{"370", "外科护理", kaowu.LevelIntermediate, kaowu.LicenceNurse},
		{"371", "妇产科护理", kaowu.LevelIntermediate, kaowu.LicenceNurse},
		{"372", "儿科护理", kaowu.LevelIntermediate, kaowu.LicenceNurse},
		{"373", "社区护理", kaowu.LevelIntermediate, kaowu.LicenceNurse},
	}
	for _, c := range cases {
		s, ok := byCode[c.code]
		switch {
		case !ok:
			t.Errorf("%s missing", c.code)
		case s.Name != c.name || s.Level != c.level || s.Licence != c.licence || !s.Active():
			t.Errorf("%s = %s/%s/%s/%s, want %s/%s/%s/active", c.code, s.Name, s.Level, s.Licence, s.Status, c.name, c.level, c.licence)
		}
	}
}

// Names the notice (一（二）, 一（十）) uses for 2024 specialties within the
// physician range.
func TestCatalog2024NamedPhysicianSpecialties(t *testing.T) {
	rows, _ := catalog2024(t)
	for _, name := range []string{"全科医学", "全科医学（中医类）", "内科学", "传染病学", "公共卫生", "妇产科学", "泌尿外科学"} {
		found := 0
		for _, s := range rows {
			n := s.Number()
			if s.Name == name && s.Active() && (n >= 301 && n <= 365 || n == 392) {
				found++
			}
		}
		if found != 1 {
			t.Errorf("%s: %d active rows in 301–365/392, want 1", name, found)
		}
	}
}

// Rows marked verified must cite the notice.
func TestCatalog2024Sources(t *testing.T) {
	rows, _ := catalog2024(t)
	verified := 0
	for _, s := range rows {
		if s.Source == "" {
			t.Errorf("%s %s has no source", s.Code, s.Name)
		}
		if s.Verified {
			verified++
			if len(s.Source) < len("通知") || s.Source[:len("通知")] != "通知" {
				t.Errorf("%s %s is verified but its source %q is not the notice", s.Code, s.Name, s.Source)
			}
		}
	}
	if verified == 0 {
		t.Error("no verified rows")
	}
}
