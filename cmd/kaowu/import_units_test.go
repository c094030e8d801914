package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportUnits(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	good := filepath.Join(dir, "units.csv")
	if err := os.WriteFile(good, []byte("\ufeff单位名称,所在区,单位类别,社会资本举办\n丰台甲医院,丰台区,直属医院,否\n丰台乙门诊部,丰台区,clinic,是\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := importCLI(t, "units", good, "--db", db); err != nil || !strings.Contains(out, "已导入用人单位 2 个") {
		t.Fatalf("import units: %v %s", err, out)
	}
	// Again: every row exists already, the file is refused as a whole.
	_, err := importCLI(t, "units", good, "--db", db)
	if err == nil || !strings.Contains(err.Error(), "第2行.name") || !strings.Contains(err.Error(), "第3行.name") || !strings.Contains(err.Error(), "未做任何修改") {
		t.Errorf("re-import: %v", err)
	}
	if _, err := importCLI(t, "units", "--db", db); err == nil || !strings.Contains(userMessage(err), "参数个数不对") {
		t.Errorf("no file: %v", err)
	}
	if out, err := importCLI(t, "-h"); err != nil || !strings.Contains(out, "kaowu import units FILE") {
		t.Errorf("help: %v %s", err, out)
	}
}
