package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs the command line in-process and returns its exit code and
// output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestPolicyCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")

	code, out, errOut := cli(t, "policy", "show", "2024", "--db", db)
	if code != 0 {
		t.Fatalf("show: %d %s", code, errOut)
	}
	for _, w := range []string{"2024年度卫生专业技术资格考试", "application", "2023-12-01 00:00", "专业目录：113 个在用，6 个取消"} {
		if !strings.Contains(out, w) {
			t.Errorf("show lacks %q", w)
		}
	}

	draft := filepath.Join(dir, "2025.yaml")
	if code, _, errOut := cli(t, "policy", "draft", "2025", "--from", "2024", "-o", draft, "--db", db); code != 0 {
		t.Fatalf("draft: %s", errOut)
	}
	if code, out, errOut := cli(t, "policy", "load", draft, "--db", db); code != 0 || !strings.Contains(out, "已载入 2025") {
		t.Fatalf("load draft: %d %s %s", code, out, errOut)
	}
	if _, out, _ := cli(t, "policy", "show", "2025", "--db", db); !strings.Contains(out, "2024-12-01 00:00") {
		t.Error("the loaded 2025 draft does not open its application on 2024-12-01")
	}

	// Export, break one row, import: refused as a whole with the row named.
	csv := filepath.Join(dir, "catalog.csv")
	if code, _, errOut := cli(t, "policy", "export-catalog", "2024", csv, "--db", db); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	good, _ := os.ReadFile(csv)
	bad := strings.Replace(string(good), "368,护理学,中级,人机对话,护士执业证书", "368,护理学,中级,人机对话,无", 1)
	if bad == string(good) {
		t.Fatal("test setup: row 368 not found in the export")
	}
	badPath := filepath.Join(dir, "bad.csv")
	os.WriteFile(badPath, []byte(bad), 0o644)
	code, _, errOut = cli(t, "policy", "import-catalog", "2024", badPath, "--db", db)
	if code == 0 || !strings.Contains(errOut, "(368).licence") || !strings.Contains(errOut, "未做任何修改") {
		t.Errorf("bad import: code %d, stderr %s", code, errOut)
	}
	if _, out, _ := cli(t, "policy", "show", "2024", "--db", db); !strings.Contains(line(out, "    368 "), "须护士执业证书") {
		t.Error("a refused import changed the catalogue")
	}

	// The same file as .xlsx imports.
	xlsx := filepath.Join(dir, "catalog.xlsx")
	if code, _, errOut := cli(t, "policy", "export-catalog", "2024", xlsx, "--db", db); code != 0 {
		t.Fatalf("export xlsx: %s", errOut)
	}
	if code, out, errOut := cli(t, "policy", "import-catalog", "2024", xlsx, "--db", db); code != 0 || !strings.Contains(out, "已导入 119 行：113 个在用专业，6 个已取消专业") {
		t.Errorf("xlsx import: %d %s %s", code, out, errOut)
	}
}

func TestCommandErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "未知的命令"},
		{[]string{"policy", "show", "abc", "--db", db}, 1, "应为四位数字"},
		{[]string{"policy", "show", "1999", "--db", db}, 1, "没有1999考试年度的数据"},
		{[]string{"policy", "import-catalog", "2024", "/no/such.csv", "--db", db}, 1, "打开 /no/such.csv"},
		{[]string{"policy", "import-catalog", "2024", "x.pdf", "--db", db}, 1, ""},
		{[]string{"serve", "--now", "yesterday", "--db", db}, 1, "--now \"yesterday\" 无效"},
		{[]string{"serve", "--log-format", "xml", "--db", db}, 1, "--log-format \"xml\" 无效"},
	} {
		code, _, errOut := cli(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("kaowu %v = %d %q, want %d containing %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	t.Setenv("KAOWU_DB", db)
	if code, _, errOut := cli(t, "migrate"); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("KAOWU_DB was not used: %v", err)
	}
	t.Setenv("KAOWU_LOG_FORMAT", "yaml")
	if code, _, errOut := cli(t, "migrate"); code == 0 || !strings.Contains(errOut, "yaml") {
		t.Errorf("a bad KAOWU_LOG_FORMAT was accepted: %s", errOut)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h/db": "postgres://u:***@h/db",
		"postgres://u@h/db":        "postgres://u@h/db",
		"kaowu.db":                 "kaowu.db",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// line returns the first line of out that starts with prefix.
func line(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestPolicyDiffAndCoverage(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	draft := filepath.Join(dir, "2025.yaml")
	if code, _, errOut := cli(t, "policy", "draft", "2025", "--from", "2024", "-o", draft, "--db", db); code != 0 {
		t.Fatal(errOut)
	}
	b, _ := os.ReadFile(draft)
	s := string(b)
	for _, r := range [][2]string{
		{"per_subject_fen: 5000", "per_subject_fen: 6000"},
		{"end: 2025-02-09T00:00:00+08:00", "end: 2025-02-12T00:00:00+08:00"},
		{"name: 传染病学", "name: 传染病学（含结核病）"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("draft lacks %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	os.WriteFile(draft, []byte(s), 0o644)
	if code, _, errOut := cli(t, "policy", "load", draft, "--db", db); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := cli(t, "policy", "diff", "2024", "2025", "--db", db)
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, w := range []string{
		"修改 fee.per_subject_fen：5000 → 6000",
		"修改 calendar[payment].end：2025-02-09 00:00 → 2025-02-12 00:00",
		"修改 catalog[312].name：传染病学 → 传染病学（含结核病）",
		"共 3 处变化。",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("diff lacks %q:\n%s", w, out)
		}
	}

	code, out, _ = cli(t, "policy", "coverage", "2024", "--json", "--db", db)
	var cov coverage
	if code != 0 || json.Unmarshal([]byte(out), &cov) != nil || cov.Clauses["一（七）"] != "implemented" || cov.Clauses["八"] != "info_only" {
		t.Errorf("coverage --json = %d %s", code, out)
	}
}
