package policy

import (
	"os"
	"strings"
	"testing"
	"time"

	"kaowu"
)

// TestNoDanglingCitations: every value of the year that cites a clause
// cites one the year has.
func TestNoDanglingCitations(t *testing.T) {
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range y.Dangling(y.Citations()) {
		t.Errorf("%s cites %s, which is not a clause of the notice", u.What, u.Clause)
	}
	if len(y.Citations()) < 40 {
		t.Errorf("only %d citations found: the walk misses values", len(y.Citations()))
	}
}

// TestNoticeFullyRegistered: every line of the notice as published is in
// the text of some clause, so nothing of it is left out of the register.
func TestNoticeFullyRegistered(t *testing.T) {
	b, err := os.ReadFile("../../shared/policy/2024-fengtai-notice.zh.txt")
	if err != nil {
		t.Skipf("the notice text is not beside the project (../shared/policy): %v", err)
	}
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	var all strings.Builder
	for _, c := range y.Clauses {
		all.WriteString(squash(c.Text))
	}
	for i, line := range strings.Split(string(b), "\n") {
		if l := squash(line); l != "" && !strings.Contains(all.String(), l) {
			t.Errorf("notice line %d is in no clause: %s", i+1, line)
		}
	}
}

func TestRegisterStatuses(t *testing.T) {
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	reg := y.Register([]Use{{Clause: "一（一）", Kind: "规则", What: "post_change"}}, map[string]int{"一（一）": 5})
	status := map[string]ClauseEntry{}
	for _, e := range reg {
		status[e.ID] = e
	}
	for id, want := range map[string]string{"序": InfoOnly, "八": InfoOnly, "三": DataOnly, "二（一）1": DataOnly, "二（一）4(6)": NotImplemented, "一（一）": Implemented, "一（七）": DataOnly} {
		if got := status[id].Status; got != want {
			t.Errorf("%s: status %s, want %s", id, got, want)
		}
	}
	if e := status["一（一）"]; e.Cases != 5 || e.Uses[0].Kind != "规则" {
		t.Errorf("一（一） = %+v, want 5 cases and the rule first", e)
	}
	for _, e := range reg {
		if e.Status == InfoOnly && len(e.Info) < 10 {
			t.Errorf("%s is information only without a reason", e.ID)
		}
	}
}

func TestDiffReportsExactlyTheChanges(t *testing.T) {
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	next, err := y.Draft(2025)
	if err != nil {
		t.Fatal(err)
	}
	if cs, err := Diff(y, next); err != nil || len(cs) != 0 {
		t.Fatalf("an untouched draft differs: %+v %v", cs, err)
	}
	// Three deliberate changes: the fee, the payment window's end, and a
	// specialty renamed.
	next.Fee.PerSubjectFen = 6000
	for i := range next.Calendar {
		if next.Calendar[i].Key == kaowu.WindowPayment {
			next.Calendar[i].End = time.Date(2025, 2, 12, 0, 0, 0, 0, kaowu.Shanghai)
		}
	}
	for i := range next.Catalog {
		if next.Catalog[i].Code == "368" {
			next.Catalog[i].Name = "护理学（新）"
		}
	}
	cs, err := Diff(y, next)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"fee.per_subject_fen": true, "calendar[payment].end": true, "catalog[368].name": true}
	if len(cs) != 3 {
		t.Fatalf("got %d changes, want 3: %+v", len(cs), cs)
	}
	for _, c := range cs {
		if !want[c.Path] || c.Kind() != "修改" {
			t.Errorf("unexpected change %+v", c)
		}
	}
	// A removed and an added specialty show as one change each.
	next.Catalog = append(next.Catalog[:0:0], next.Catalog...)
	next.Catalog = append(next.Catalog, kaowu.Specialty{Code: "399", Name: "新专业", Level: kaowu.LevelIntermediate, Mode: kaowu.ModeCBT, Licence: kaowu.LicenceNone, Status: kaowu.SpecialtyActive, Source: "t"})
	cs, _ = Diff(y, next)
	found := false
	for _, c := range cs {
		if c.Path == "catalog[399]" && c.Kind() == "新增" && strings.Contains(c.New, "name=新专业") {
			found = true
		}
	}
	if !found {
		t.Errorf("the added specialty is not one 新增 change: %+v", cs)
	}
}
