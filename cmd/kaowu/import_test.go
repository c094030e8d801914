package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// importCLI runs `kaowu import ARGS…` in-process (the command is called
// directly, so that the test does not depend on the commands list).
func importCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := importCmd(context.Background(), args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut})
	if errOut.Len() > 0 {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), err
}

func TestImportPrevious(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	example := filepath.Join("..", "..", "docs", "examples", "previous-2023.csv")

	out, err := importCLI(t, "previous", "2023", example, "--db", db)
	if err != nil || !strings.Contains(out, "已导入 2023 年度考生记录 6 条（替换原有 0 条）") {
		t.Fatalf("import example: %v %s", err, out)
	}
	out, err = importCLI(t, "previous", "2023", example, "--db", db)
	if err != nil || !strings.Contains(out, "6 条（替换原有 6 条）") {
		t.Errorf("re-import: %v %s", err, out)
	}

	// Break one row: refused as a whole, the row named, the ID masked.
	good, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(good), "2023110600003,北京考区,丰台考点,303,内科学,中级", "2023110600003,北京考区,丰台考点,303,内科学,初级（士）", 1)
	if bad == string(good) {
		t.Fatal("test setup: row 王五 not found in the example")
	}
	bad = strings.Replace(bad, "2023110600005", "2023110600001", 1)
	badPath := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(badPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = importCLI(t, "previous", "2023", badPath, "--db", db)
	if err == nil || out != "" {
		t.Fatalf("a bad file was imported: %s", out)
	}
	msg := err.Error()
	for _, w := range []string{"第4行.level", "第6行.archive_no：档案号 2023110600001 与第2行重复", "未做任何修改"} {
		if !strings.Contains(msg, w) {
			t.Errorf("report lacks %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, "110106198808080222") {
		t.Errorf("report shows an ID number unmasked:\n%s", msg)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"previous", "2023", "--db", db}, "参数个数不对"},
		{[]string{"previous", "abc", example, "--db", db}, "应为四位数字"},
		{[]string{"previous", "2023", filepath.Join(dir, "none.csv"), "--db", db}, "打开"},
		{[]string{"previous", "2023", filepath.Join(dir, "x.pdf"), "--db", db}, ""},
		{[]string{"grades", "2023", example, "--db", db}, "未知的子命令"},
	} {
		if _, err := importCLI(t, c.args...); err == nil || !strings.Contains(userMessage(err), c.want) {
			t.Errorf("import %v = %v, want an error containing %q", c.args, err, c.want)
		}
	}
	if out, err := importCLI(t, "-h"); err != nil || !strings.Contains(out, "kaowu import previous YEAR FILE") {
		t.Errorf("help = %v %q", err, out)
	}
}
