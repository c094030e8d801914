package kaowu

import (
	"fmt"
	"time"
)

// Date is a calendar day without time of day or zone: graduation dates,
// title dates, the cut-off date. The zero Date means "unknown".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date { return Date{y, m, d} }

// ParseDate parses "2006-01-02" and refuses impossible days.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("日期 %q 无效，应为 YYYY-MM-DD 格式的真实日期", s)
	}
	return DateOf(t), nil
}

// DateOf returns the calendar day of t in its own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is unknown.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as 2006-01-02.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Chinese formats d as 2006年1月2日.
func (d Date) Chinese() string {
	return fmt.Sprintf("%d年%d月%d日", d.Year, d.Month, d.Day)
}

// In returns the instant at which d starts in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.compare(e) > 0 }

func (d Date) compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return d.Year - e.Year
	case d.Month != e.Month:
		return int(d.Month) - int(e.Month)
	default:
		return d.Day - e.Day
	}
}

// AddYears returns d moved by n years; 29 February becomes 28 February in a
// common year.
func (d Date) AddYears(n int) Date {
	r := Date{d.Year + n, d.Month, d.Day}
	if r.Month == time.February && r.Day == 29 && !isLeap(r.Year) {
		r.Day = 28
	}
	return r
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// FullYears returns the number of whole years from d up to and including
// until: a year is full when its anniversary falls on or before until. A
// title obtained 2019-12-31 has 4 full years on 2023-12-31; one obtained
// 2020-01-01 has 3. A negative span gives 0.
func FullYears(d, until Date) int {
	if d.IsZero() || until.Before(d) {
		return 0
	}
	n := until.Year - d.Year
	if d.AddYears(n).After(until) {
		n--
	}
	return n
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
