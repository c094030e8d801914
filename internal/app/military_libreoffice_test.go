package app_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/store/storetest"
	"kaowu/internal/tabular"
)

// TestMilitaryRosterFromLibreOffice: the example roster saved as .xlsx by
// LibreOffice Calc from its CSV — a file kaowu did not write. Opened as
// LibreOffice does by default, the 18-digit ID numbers become floating
// point numbers and lose their last digits: the import is refused, saying
// so and how to fix it. With the ID column imported as text, the file
// imports like the CSV.
func TestMilitaryRosterFromLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("libreoffice")
	if err != nil {
		t.Skip("libreoffice not installed (apt-get install libreoffice-calc): skipping the LibreOffice file case")
	}
	src, err := os.ReadFile("../../docs/examples/military-roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	convert := func(filter string) [][]string {
		dir := t.TempDir()
		csvPath := filepath.Join(dir, "roster.csv")
		os.WriteFile(csvPath, src, 0o644)
		cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
			"--infilter="+filter, "--convert-to", "xlsx", "--outdir", dir, csvPath)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("libreoffice: %v\n%s", err, out)
		}
		f, err := os.Open(filepath.Join(dir, "roster.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := tabular.Read("roster.xlsx", f)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	s := storetest.SQLite(t)
	a, _ := newApp(t, s)
	mil := militaryUnitActor(t, s, "mil-lo", "某部队医院")
	ctx := context.Background()

	// Default: comma, double quote, UTF-8, from line 1 — numbers guessed.
	rows := convert("CSV:44,34,76,1")
	_, err = a.ImportMilitaryRoster(ctx, mil, rows, "roster.xlsx")
	if kaowu.ErrorCode(err) != kaowu.EINVALID || !strings.Contains(kaowu.ErrorMessage(err)+fmtFields(err), "存成了数字") {
		t.Errorf("LibreOffice's default file: %v %v, want a refusal naming the lost digits", err, kaowu.ErrorFields(err))
	}
	// Column 3 (证件号码) as text (format 2).
	rows = convert("CSV:44,34,76,1,3/2")
	out, err := a.ImportMilitaryRoster(ctx, mil, rows, "roster.xlsx")
	if err != nil || out.Candidates != len(rows)-1 {
		t.Fatalf("LibreOffice's file with the ID column as text = %+v %v", out, err)
	}
}

func fmtFields(err error) string {
	var b strings.Builder
	for k, v := range kaowu.ErrorFields(err) {
		b.WriteString(k + v)
	}
	return b.String()
}
