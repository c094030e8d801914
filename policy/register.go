package policy

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"kaowu"
)

// Use is one thing in the system that carries out a clause: a parameter or
// window of the year's data, a rule of an engine, a state transition, or a
// page where a user meets it.
type Use struct {
	Clause string `json:"clause"`
	Kind   string `json:"kind"` // 规则, 状态变化, 页面 (applies it); 参数, 展示 (data, shown)
	What   string `json:"what"`
	Link   string `json:"link,omitempty"`
}

// Coverage statuses of a clause: implemented when a rule, a state
// transition or a page applies it; data only when its values are in the
// year's data (and perhaps shown) but nothing acts on them yet.
const (
	Implemented    = "implemented"
	DataOnly       = "data_only"
	InfoOnly       = "info_only"
	NotImplemented = "not_implemented"
)

// ClauseEntry is a clause with everything that carries it out.
type ClauseEntry struct {
	Clause
	Status string `json:"status"`
	Uses   []Use  `json:"uses"`
	Cases  int    `json:"cases"`
}

// Citations returns a Use for every value of the year's data that cites a
// clause (any struct with a Clause field, found by walking the year), plus
// the catalogue as a whole (附件2) and each removed specialty (一（十）).
func (y *Year) Citations() []Use {
	var out []Use
	v := reflect.ValueOf(*y)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := yamlName(t.Field(i))
		if name == "clauses" || name == "catalog" {
			continue
		}
		walkCitations(v.Field(i), name, &out)
	}
	active, removed := y.CatalogCounts()
	out = append(out, Use{Clause: "附件2", Kind: "参数", What: fmt.Sprintf("catalog：专业目录 %d 个在用、%d 个取消", active, removed)})
	for _, s := range y.Catalog {
		if !s.Active() {
			out = append(out, Use{Clause: "一（十）", Kind: "参数", What: fmt.Sprintf("catalog[%s]：%s 已取消，并入 %s", s.Code, s.Name, strings.Join(s.MergedInto, "、"))})
		}
	}
	return out
}

func walkCitations(v reflect.Value, path string, out *[]Use) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkCitations(v.Elem(), path, out)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkCitations(v.Index(i), fmt.Sprintf("%s[%s]", path, elemKey(v.Index(i), i)), out)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) || v.Type() == reflect.TypeOf(kaowu.Date{}) {
			return
		}
		if c := v.FieldByName("Clause"); c.IsValid() && c.Kind() == reflect.String && c.String() != "" {
			*out = append(*out, Use{Clause: c.String(), Kind: "参数", What: path + "：" + summary(v)})
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				walkCitations(v.Field(i), path+"."+yamlName(t.Field(i)), out)
			}
		}
	}
}

// elemKey names a list element by its key, code, id or date when it has
// one, else by its index.
func elemKey(v reflect.Value, i int) string {
	if v.Kind() == reflect.Struct {
		for _, f := range []string{"Key", "Code", "ID", "Date"} {
			if k := v.FieldByName(f); k.IsValid() {
				if s := fmt.Sprint(k.Interface()); s != "" {
					return s
				}
			}
		}
	}
	return fmt.Sprint(i)
}

// summary renders a cited struct's scalar values briefly.
func summary(v reflect.Value) string {
	var parts []string
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		switch f.Name {
		case "Clause", "Verified", "Source", "Note", "Key":
			continue
		}
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		var s string
		switch x := fv.Interface().(type) {
		case time.Time:
			s = x.In(kaowu.Shanghai).Format("2006-01-02 15:04")
		case kaowu.Date:
			s = x.String()
		default:
			switch fv.Kind() {
			case reflect.String, reflect.Int, reflect.Int64, reflect.Bool:
				s = fmt.Sprint(x)
			case reflect.Slice:
				if fv.Len() > 0 && fv.Len() <= 8 && fv.Index(0).Kind() == reflect.String {
					s = fmt.Sprint(x)
				}
			}
		}
		if s != "" && s != "false" && s != "0" {
			parts = append(parts, yamlName(f)+"="+s)
		}
	}
	out := strings.Join(parts, "，")
	if r := []rune(out); len(r) > 160 {
		out = string(r[:160]) + "…"
	}
	return out
}

func yamlName(f reflect.StructField) string {
	if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag != "" && tag != "-" {
		return tag
	}
	return strings.ToLower(f.Name)
}

// Dangling returns the uses that cite a clause the year does not have.
func (y *Year) Dangling(uses []Use) []Use {
	var out []Use
	for _, u := range uses {
		if _, ok := y.Clause(u.Clause); !ok {
			out = append(out, u)
		}
	}
	return out
}

// Register returns every clause in notice order with the uses that carry
// it out (the year's own citations plus extra, from the engines and pages)
// and its status: information only when the clause says so; implemented
// when a rule, transition or page applies it; data only when only data
// cites it; not implemented otherwise. cases counts the test cases
// exercising each clause.
func (y *Year) Register(extra []Use, cases map[string]int) []ClauseEntry {
	by := map[string][]Use{}
	for _, u := range append(y.Citations(), extra...) {
		by[u.Clause] = append(by[u.Clause], u)
	}
	out := make([]ClauseEntry, 0, len(y.Clauses))
	for _, c := range y.Clauses {
		e := ClauseEntry{Clause: c, Uses: by[c.ID], Cases: cases[c.ID]}
		sort.SliceStable(e.Uses, func(i, j int) bool { return kindOrder(e.Uses[i].Kind) < kindOrder(e.Uses[j].Kind) })
		switch {
		case c.Info != "":
			e.Status = InfoOnly
		case applies(e.Uses):
			e.Status = Implemented
		case len(e.Uses) > 0:
			e.Status = DataOnly
		default:
			e.Status = NotImplemented
		}
		out = append(out, e)
	}
	return out
}

func applies(uses []Use) bool {
	for _, u := range uses {
		if u.Kind == "规则" || u.Kind == "状态变化" || u.Kind == "页面" {
			return true
		}
	}
	return false
}

func kindOrder(k string) int {
	return strings.Index("规则 状态变化 页面 参数 展示", k)
}
