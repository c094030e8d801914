package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportScoresRefused checks the command's report for a file whose
// ticket numbers are unknown and whose score is out of range: every row
// named, nothing written. (The import itself is tested in internal/app.)
func TestImportScoresRefused(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	bad := filepath.Join(dir, "scores.csv")
	if err := os.WriteFile(bad, []byte("准考证号,证件类型,证件号码,姓名,专业代码,基础知识,相关专业知识,专业知识,专业实践能力,违纪\n"+
		"2411010630200001,居民身份证,11010519491231002X,张三,302,60,70,80,90,否\n"+
		"2411010630200002,居民身份证,110105194912310021,李四,302,101,70,80,90,否\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := importCLI(t, "scores", "2024", bad, "--db", db)
	if err == nil || !strings.Contains(err.Error(), "第2行") || !strings.Contains(err.Error(), "第3行") || !strings.Contains(err.Error(), "未做任何修改") {
		t.Errorf("import scores: %v", err)
	}
	if _, err := importCLI(t, "scores", "24", bad, "--db", db); err == nil || !strings.Contains(userMessage(err), "四位数字") {
		t.Errorf("bad year: %v", err)
	}
	if out, err := importCLI(t, "-h"); err != nil || !strings.Contains(out, "kaowu import scores YEAR FILE") {
		t.Errorf("help: %v %s", err, out)
	}
}
