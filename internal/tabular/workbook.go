package tabular

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Percent is a cell holding a ratio (0.25 is 25%), written as a number
// shown with one decimal place and a percent sign.
type Percent float64

// Fen is a cell holding an amount of money in fen, written as a number of
// yuan with two decimal places.
type Fen int64

// Sheet is one worksheet of a workbook: its name (at most 31 characters,
// none of : \ / ? * [ ]) and its rows, the first of them the header. A
// cell is a string, an int or int64, a Percent, a Fen, or nil (empty).
type Sheet struct {
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
func WriteWorkbook(w io.Writer, sheets []Sheet) error {
	if len(sheets) == 0 {
		return fmt.Errorf("write workbook: no sheets")
	}
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	pct := "0.0%"
	percent, err := f.NewStyle(&excelize.Style{CustomNumFmt: &pct})
	if err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	yuan, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
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
				switch v := v.(type) {
				case Percent:
					cells[c] = excelize.Cell{StyleID: percent, Value: float64(v)}
				case Fen:
					cells[c] = excelize.Cell{StyleID: yuan, Value: float64(v) / 100}
				case nil:
					cells[c] = nil
				default:
					if r == 0 {
						cells[c] = excelize.Cell{StyleID: bold, Value: v}
					} else {
						cells[c] = v
					}
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
