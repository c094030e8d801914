package tabular

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Table is one worksheet of a workbook that WriteWorkbook writes whole:
// its name (at most 31 characters, none of : \ / ? * [ ]) and its rows,
// the first of them the header. A cell is what a Sheet takes.
type Table struct {
	Name string
	Rows [][]any
}

// SheetName makes a valid worksheet name of s: the characters Excel
// refuses replaced, at most 31 characters.
func SheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 31 {
		s = string([]rune(s)[:31])
	}
	return s
}

// WriteWorkbook writes sheets as one .xlsx workbook with excelize's
// streaming writer: numbers stay numbers (counts, percentages, money), the
// header row is bold and frozen, and columns are as wide as their text.
func WriteWorkbook(w io.Writer, sheets []Table) error {
	if len(sheets) == 0 {
		return fmt.Errorf("write workbook: no sheets")
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	for i, sh := range sheets {
		name := SheetName(sh.Name)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return fmt.Errorf("write workbook: sheet %q: %w", name, err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("write workbook: sheet %q: %w", name, err)
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return fmt.Errorf("write workbook: sheet %q: %w", name, err)
		}
		for col, width := range columnWidths(sh.Rows) {
			if err := sw.SetColWidth(col+1, col+1, width); err != nil {
				return fmt.Errorf("write workbook: sheet %q: %w", name, err)
			}
		}
		if len(sh.Rows) > 1 {
			if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
				return fmt.Errorf("write workbook: sheet %q: %w", name, err)
			}
		}
		for r, row := range sh.Rows {
			cells := make([]any, len(row))
			for c, v := range row {
				if cells[c], err = st.cell(v); err != nil {
					return fmt.Errorf("write workbook: sheet %q row %d: %w", name, r+1, err)
				}
				if r == 0 && v != nil {
					cells[c] = excelize.Cell{StyleID: st.bold, Value: v}
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := sw.SetRow(cell, cells); err != nil {
				return fmt.Errorf("write workbook: sheet %q row %d: %w", name, r+1, err)
			}
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("write workbook: sheet %q: %w", name, err)
		}
	}
	f.SetActiveSheet(0)
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// columnWidths returns each column's width in Excel's units: its longest
// text, a CJK character counting two, between 6 and 60.
func columnWidths(rows [][]any) []float64 {
	var out []float64
	for _, row := range rows {
		for c, v := range row {
			for len(out) <= c {
				out = append(out, 6)
			}
			n := 0
			for _, r := range fmt.Sprint(v) {
				if r >= 0x2E80 {
					n += 2
				} else {
					n++
				}
			}
			out[c] = min(max(out[c], float64(n)+2), 60)
		}
	}
	return out
}
