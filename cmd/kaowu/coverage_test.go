package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"kaowu/internal/server"
	"kaowu/policy"
)

var update = flag.Bool("update", false, "rewrite testdata/coverage-2024.json")

// TestCoverageBaseline keeps the notice's coverage from going backwards: a
// clause recorded as implemented that is no longer fails the test. Any
// other change (a clause newly implemented) asks for the baseline to be
// updated with -update, so that progress is recorded in review.
func TestCoverageBaseline(t *testing.T) {
	y, err := policy.Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	got := coverageJSON(server.ClauseRegister(y))
	const file = "testdata/coverage-2024.json"
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var base coverage
	if err := json.Unmarshal(b, &base); err != nil {
		t.Fatal(err)
	}
	for id, was := range base.Clauses {
		if was == policy.Implemented && got.Clauses[id] != policy.Implemented {
			t.Errorf("clause %s was implemented and no longer is (now %s)", id, got.Clauses[id])
		}
	}
	now, _ := json.MarshalIndent(got, "", "  ")
	if !t.Failed() && !bytes.Equal(append(now, '\n'), b) {
		t.Errorf("the coverage changed; review `kaowu policy coverage 2024` and run go test ./cmd/kaowu -run TestCoverageBaseline -update")
	}
}
