package policy

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"kaowu"
)

// Change is one difference between two exam years.
type Change struct {
	Section string `json:"section"` // top-level key: calendar, fee, catalog, eligibility, clauses…
	Path    string `json:"path"`
	Old     string `json:"old,omitempty"`
	New     string `json:"new,omitempty"`
}

// Kind says whether a change adds, removes or modifies a value.
func (c Change) Kind() string {
	switch {
	case c.Old == "":
		return "新增"
	case c.New == "":
		return "删除"
	}
	return "修改"
}

// Diff returns what changed from exam year a to exam year b. a is first
// moved to b's year as Draft does (dates shifted), so that only real
// changes show, not the yearly move of every date. The notice's identity is
// left out: it differs every year.
func Diff(a, b *Year) ([]Change, error) {
	base, err := a.Draft(b.Year)
	if err != nil {
		return nil, err
	}
	fa, err := flatten(base)
	if err != nil {
		return nil, err
	}
	fb, err := flatten(b)
	if err != nil {
		return nil, err
	}
	// The notice's identity (title, date, basis) differs every year and is
	// shown beside the diff, not in it.
	for _, f := range []map[string]string{fa, fb} {
		for p := range f {
			if section(p) == "notice" {
				delete(f, p)
			}
		}
	}
	var out []Change
	for p, va := range fa {
		if vb, ok := fb[p]; !ok {
			out = append(out, Change{Section: section(p), Path: p, Old: va})
		} else if va != vb {
			out = append(out, Change{Section: section(p), Path: p, Old: va, New: vb})
		}
	}
	for p, vb := range fb {
		if _, ok := fa[p]; !ok {
			out = append(out, Change{Section: section(p), Path: p, New: vb})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return groupCatalog(out), nil
}

// groupCatalog folds the field-level changes of a catalogue row that was
// added or removed into one change per row.
func groupCatalog(cs []Change) []Change {
	rows := map[string][]Change{}
	var out []Change
	for _, c := range cs {
		if c.Section == "catalog" {
			code, _, _ := strings.Cut(strings.TrimPrefix(c.Path, "catalog["), "]")
			rows[code] = append(rows[code], c)
			continue
		}
		out = append(out, c)
	}
	codes := make([]string, 0, len(rows))
	for code := range rows {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		rc := rows[code]
		added, removed := true, true
		for _, c := range rc {
			added = added && c.Old == ""
			removed = removed && c.New == ""
		}
		switch {
		case added:
			out = append(out, Change{Section: "catalog", Path: "catalog[" + code + "]", New: rowText(rc, false)})
		case removed:
			out = append(out, Change{Section: "catalog", Path: "catalog[" + code + "]", Old: rowText(rc, true)})
		default:
			out = append(out, rc...)
		}
	}
	return out
}

func rowText(cs []Change, old bool) string {
	var parts []string
	for _, c := range cs {
		v := c.New
		if old {
			v = c.Old
		}
		parts = append(parts, strings.TrimPrefix(c.Path[strings.Index(c.Path, "]")+1:], ".")+"="+v)
	}
	return strings.Join(parts, "，")
}

func section(path string) string {
	return strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' })[0]
}

// flatten renders a year as path → value, naming list elements by their key
// (key, code, id, date, or mode+subject+start for sessions) so that a
// reordered list does not show as changed.
func flatten(y *Year) (map[string]string, error) {
	b, err := yaml.Marshal(y)
	if err != nil {
		return nil, fmt.Errorf("flatten year %d: %w", y.Year, err)
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("flatten year %d: %w", y.Year, err)
	}
	out := map[string]string{}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(e, p)
			}
		case []any:
			if len(x) > 0 {
				if _, scalar := x[0].(map[string]any); !scalar {
					out[path] = fmt.Sprint(x)
					return
				}
			}
			for i, e := range x {
				walk(e, fmt.Sprintf("%s[%s]", path, listKey(e, i)))
			}
		case nil:
		case time.Time:
			out[path] = instant(x)
		default:
			out[path] = fmt.Sprint(x)
		}
	}
	walk(doc, "")
	return out, nil
}

// instant formats a decoded time: a plain date (YAML decodes 2023-12-31 as
// midnight UTC) as the date, an instant in Beijing time.
func instant(t time.Time) string {
	if t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.In(kaowu.Shanghai).Format("2006-01-02 15:04")
}

func listKey(v any, i int) string {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprint(i)
	}
	for _, k := range []string{"key", "code", "id", "date"} {
		if s, ok := m[k]; ok && fmt.Sprint(s) != "" {
			return fmt.Sprint(s)
		}
	}
	if m["mode"] != nil && m["subject"] != nil {
		return fmt.Sprintf("%v %v %v", m["mode"], m["subject"], m["start"])
	}
	return fmt.Sprint(i)
}
