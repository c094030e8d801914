package policy

import (
	"strings"
	"testing"
	"time"

	"kaowu"
)

// TestRetention2024: the embedded year keeps personal data 24 months after
// it closes on 2024-12-31, cites the Personal Information Protection Law
// (not the notice), and the purge may start at 2027-01-01 00:00 Beijing
// time, not a nanosecond earlier.
func TestRetention2024(t *testing.T) {
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	r := y.Retention
	if r == nil || r.YearCloses != kaowu.NewDate(2024, 12, 31) || r.KeepMonths != 24 || !strings.Contains(r.Basis, "个人信息保护法》第十九条") {
		t.Fatalf("retention = %+v", r)
	}
	ends, ok := y.RetentionEnds()
	if want := time.Date(2027, 1, 1, 0, 0, 0, 0, kaowu.Shanghai); !ok || !ends.Equal(want) {
		t.Errorf("RetentionEnds = %v %v, want %v", ends, ok, want)
	}
}

// TestRetentionEnds counts months from the day after the year closes; a
// day that the target month lacks moves forward (time.AddDate), so the
// data is never purged early.
func TestRetentionEnds(t *testing.T) {
	for _, c := range []struct {
		closes kaowu.Date
		months int
		want   string
	}{
		{kaowu.NewDate(2024, 12, 31), 24, "2027-01-01"},
		{kaowu.NewDate(2024, 8, 31), 1, "2024-10-01"},
		{kaowu.NewDate(2024, 1, 30), 1, "2024-03-02"},  // 01-31 + 1 month: 02-31 is 03-02
		{kaowu.NewDate(2024, 2, 28), 12, "2025-03-01"}, // 02-29 + 12 months: 2025-02-29 is 03-01
	} {
		y := &Year{Retention: &Retention{YearCloses: c.closes, KeepMonths: c.months}}
		ends, ok := y.RetentionEnds()
		want, _ := time.ParseInLocation(time.DateOnly, c.want, kaowu.Shanghai)
		if !ok || !ends.Equal(want) {
			t.Errorf("%s + %d months: ends %v, want %v", c.closes, c.months, ends, want)
		}
	}
	if _, ok := (&Year{}).RetentionEnds(); ok {
		t.Error("a year without retention has an end")
	}
}

// TestYearWithoutRetentionLoads: a year stored before retention existed
// still loads (and is never purged).
func TestYearWithoutRetentionLoads(t *testing.T) {
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	y.Retention = nil
	b, err := y.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "retention") {
		t.Fatal("a year without retention marshals the field")
	}
	got, err := Load(b)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if _, ok := got.RetentionEnds(); ok {
		t.Error("a year without retention has an end")
	}
}

// TestRetentionDraftAndDiff: a draft moves the closing day by a year and
// keeps the period, so an untouched draft shows no change; a changed
// period shows as one change.
func TestRetentionDraftAndDiff(t *testing.T) {
	y, err := Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	d, err := y.Draft(2025)
	if err != nil {
		t.Fatal(err)
	}
	if d.Retention.YearCloses != kaowu.NewDate(2025, 12, 31) || d.Retention.KeepMonths != 24 {
		t.Errorf("draft retention %+v", d.Retention)
	}
	if y.Retention.YearCloses != kaowu.NewDate(2024, 12, 31) {
		t.Error("drafting changed the base year's retention")
	}
	d.Retention.KeepMonths = 36
	cs, err := Diff(y, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Path != "retention.keep_months" || cs[0].Old != "24" || cs[0].New != "36" || cs[0].Section != "retention" {
		t.Errorf("diff = %+v, want retention.keep_months 24 → 36", cs)
	}
	d.Retention = nil
	cs, _ = Diff(y, d)
	removed := 0
	for _, c := range cs {
		if c.Section == "retention" && c.Kind() == "删除" {
			removed++
		}
	}
	if removed != 3 {
		t.Errorf("a dropped retention shows as %d removals, want 3: %+v", removed, cs)
	}
}
