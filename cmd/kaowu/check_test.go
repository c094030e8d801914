package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const nurseFacts = `{
  "id_type": "resident_id",
  "education": [{"level": "bachelor", "major": "护理学", "relevant": true, "medical": true, "full_time": true, "graduated_on": "2015-07-01", "recognised": true}],
  "titles": [{"level": "junior", "specialty": "护理学", "obtained_on": "2019-05-20", "relevant": true}],
  "licences": [{"kind": "nurse", "obtained_on": "2015-09-01"}],
  "practice_registered_on": "2015-10-01",
  "specialty_started_on": "2015-10-01",
  "unit": {"name": "丰台区直属第一医院", "district": "丰台区", "unit_category": "direct_hospital"},
  "target": {"specialty": "368", "site": "fengtai"}
}`

// checkCLI runs `kaowu check` with facts on standard input.
func checkCLI(t *testing.T, db, facts string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"check", "--db", db}, args...), strings.NewReader(facts), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckCLIAndAPIAgree(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	for _, c := range []struct {
		facts, query string
		args         []string
		outcome      string
	}{
		{nurseFacts, "", nil, "eligible"},
		{nurseFacts, "?trace=true", []string{"--trace"}, "eligible"},
		{strings.Replace(nurseFacts, `"specialty": "368"`, `"specialty": "374"`, 1), "?year=2024", []string{"--year", "2024"}, "ineligible"},
		{strings.Replace(nurseFacts, `"district": "丰台区"`, `"district": "朝阳区"`, 1), "", nil, "ineligible"},
	} {
		code, cliOut, errOut := checkCLI(t, db, c.facts, c.args...)
		if code != 0 {
			t.Fatalf("check %v: %d %s", c.args, code, errOut)
		}
		url, _, stop := startServe(t, "--db", filepath.Join(t.TempDir(), "api.db"))
		resp, err := http.Post(url+"/api/v1/eligibility/check"+c.query, "application/json", strings.NewReader(c.facts))
		if err != nil {
			t.Fatal(err)
		}
		apiOut, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		stop()
		var fromCLI, fromAPI map[string]any
		if err := json.Unmarshal([]byte(cliOut), &fromCLI); err != nil {
			t.Fatalf("CLI output is not JSON: %s", cliOut)
		}
		if err := json.Unmarshal(apiOut, &fromAPI); err != nil {
			t.Fatalf("API output is not JSON: %s", apiOut)
		}
		if !reflect.DeepEqual(fromCLI, fromAPI) {
			t.Errorf("CLI and API differ for %v:\nCLI %s\nAPI %s", c.args, cliOut, apiOut)
		}
		if fromCLI["outcome"] != c.outcome {
			t.Errorf("%v: outcome %v, want %s", c.args, fromCLI["outcome"], c.outcome)
		}
		if _, traced := fromCLI["trace"]; traced != (len(c.args) > 0 && c.args[0] == "--trace") {
			t.Errorf("%v: trace present = %v", c.args, traced)
		}
	}
}

func TestCheckRefusesBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	for _, facts := range []string{"", "{", `{"id_type": "resident_id", "shoe_size": 42}`, `{"education": [{"graduated_on": "2023-02-30"}]}`} {
		code, out, errOut := checkCLI(t, db, facts)
		if code != 1 || out != "" || errOut == "" || strings.Contains(errOut, "panic") {
			t.Errorf("check %q = %d, stdout %q, stderr %q; want a refusal", facts, code, out, errOut)
		}
	}
	url, _, stop := startServe(t, "--db", db)
	defer stop()
	resp, err := http.Post(url+"/api/v1/eligibility/check", "application/json", strings.NewReader(`{"id_type": 7}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code, Message string }
	}
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != 422 || e.Error.Code != "invalid" || e.Error.Message == "" {
		t.Errorf("API bad input = %d %+v, want 422 invalid", resp.StatusCode, e)
	}
}
