package eligibility

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"testing"
)

// TestRegister rebuilds the clause register from the cases: every rule that
// cites a clause in a trace (every rule is traced, applicable or not), and
// for each clause the cases that name it or whose decision cites it. It fails when register.json differs, so a clause that
// loses its implementation (or gains one) shows in review.
func TestRegister(t *testing.T) {
	y := testYear(t)
	rules := map[string]map[string]bool{}
	cases := map[string]int{}
	for _, c := range loadCases(t) {
		d := Evaluate(c.facts(t), y, true)
		seen := map[string]bool{c.Clause: c.Clause != ""}
		for _, id := range cited(d) {
			seen[id] = true
		}
		for _, s := range d.Trace {
			if s.Clause == "" {
				continue
			}
			if rules[s.Clause] == nil {
				rules[s.Clause] = map[string]bool{}
			}
			rules[s.Clause][s.Rule] = true
		}
		for id, ok := range seen {
			if ok {
				cases[id]++
			}
		}
	}
	reg := map[string]ClauseUse{}
	for id, n := range cases {
		u := ClauseUse{Cases: n, Rules: []string{}}
		for r := range rules[id] {
			u.Rules = append(u.Rules, r)
		}
		sort.Strings(u.Rules)
		reg[id] = u
	}
	got, err := json.MarshalIndent(reg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile("register.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, registerJSON) {
		t.Errorf("register.json is stale: a clause gained or lost rules or cases; review the change and run go test ./eligibility -run TestRegister -update")
	}
}
