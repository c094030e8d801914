package kaowu

import (
	"fmt"
	"testing"
	"time"
)

func TestFullYears(t *testing.T) {
	cut := NewDate(2023, 12, 31)
	for _, c := range []struct {
		from, until Date
		want        int
	}{
		{NewDate(2019, 12, 31), cut, 4},
		{NewDate(2020, 1, 1), cut, 3},
		{NewDate(2019, 1, 1), cut, 4},
		{NewDate(2020, 12, 31), NewDate(2023, 12, 30), 2},
		{NewDate(2020, 2, 29), NewDate(2024, 2, 28), 3},
		{NewDate(2020, 2, 29), NewDate(2024, 2, 29), 4},
		{NewDate(2020, 2, 29), NewDate(2023, 2, 28), 3},
		{NewDate(2024, 1, 1), cut, 0},
		{Date{}, cut, 0},
		{cut, cut, 0},
	} {
		if got := FullYears(c.from, c.until); got != c.want {
			t.Errorf("FullYears(%s, %s) = %d, want %d", c.from, c.until, got, c.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2023-02-30", "2023-13-01", "20231201", "", "2023-1-1"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
	d, err := ParseDate("2023-12-31")
	if err != nil || d != NewDate(2023, 12, 31) || d.String() != "2023-12-31" || d.Chinese() != "2023年12月31日" {
		t.Errorf("ParseDate = %v, %v", d, err)
	}
}

func TestWindowPhases(t *testing.T) {
	w := Window{Start: time.Date(2023, 12, 1, 0, 0, 0, 0, Shanghai), End: time.Date(2023, 12, 15, 0, 0, 0, 0, Shanghai)}
	for _, c := range []struct {
		at   time.Time
		want Phase
	}{
		{time.Date(2023, 11, 30, 23, 59, 59, 0, Shanghai), PhaseBefore},
		{time.Date(2023, 12, 1, 0, 0, 0, 0, Shanghai), PhaseOpen},
		{time.Date(2023, 11, 30, 16, 0, 0, 0, time.UTC), PhaseOpen}, // 2023-12-01 00:00 in Beijing
		{time.Date(2023, 12, 14, 23, 59, 59, 999, Shanghai), PhaseOpen},
		{time.Date(2023, 12, 15, 0, 0, 0, 0, Shanghai), PhaseClosed},
	} {
		if got := w.PhaseAt(c.at); got != c.want {
			t.Errorf("PhaseAt(%s) = %d, want %d", c.at, got, c.want)
		}
	}
	if got := w.LastDay(); got != NewDate(2023, 12, 14) {
		t.Errorf("LastDay = %s, want 2023-12-14", got)
	}
}

func TestErrors(t *testing.T) {
	cause := Errorf(ENOTFOUND, "没有")
	wrapped := fmt.Errorf("load: %w", cause)
	if ErrorCode(wrapped) != ENOTFOUND || ErrorMessage(wrapped) != "没有" {
		t.Errorf("wrapped application error lost: %q %q", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	plain := fmt.Errorf("disk on fire")
	if ErrorCode(plain) != EINTERNAL || ErrorMessage(plain) == "disk on fire" {
		t.Error("an internal error's text reached the user message")
	}
	if ErrorCode(nil) != "" {
		t.Error("nil error has a code")
	}
}

func TestOffsetClockRuns(t *testing.T) {
	at := time.Date(2023, 12, 5, 10, 0, 0, 0, Shanghai)
	c := NewOffsetClock(at)
	if d := c.Now().Sub(at); d < 0 || d > time.Minute {
		t.Errorf("offset clock is %s away from its start", d)
	}
}
