// Package tabular reads and writes the spreadsheets offices exchange:
// .xlsx (excelize) and .csv (UTF-8, with or without a byte-order mark).
package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"kaowu"
)

// Read returns the rows of the first sheet of an .xlsx file, or of a .csv
// file, as text; name's extension decides the format. Trailing empty rows
// are dropped and cells are trimmed.
func Read(name string, r io.Reader) ([][]string, error) {
	var rows [][]string
	var err error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		rows, err = readCSV(r)
	case ".xlsx":
		rows, err = readXLSX(r)
	default:
		return nil, kaowu.Errorf(kaowu.EINVALID, "文件 %s 的格式不支持：请上传 .xlsx 或 .csv 文件", filepath.Base(name))
	}
	if err != nil {
		return nil, err
	}
	for i := range rows {
		for j := range rows[i] {
			rows[i][j] = strings.TrimSpace(rows[i][j])
		}
	}
	for len(rows) > 0 && blank(rows[len(rows)-1]) {
		rows = rows[:len(rows)-1]
	}
	return rows, nil
}

func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func readCSV(r io.Reader) ([][]string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		return nil, kaowu.Errorf(kaowu.EINVALID, "CSV 文件不是 UTF-8 编码（可能是 GBK）：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重试")
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	var rows [][]string
	for {
		r, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &kaowu.Error{Code: kaowu.EINVALID, Message: "CSV 文件无法读取：" + err.Error() + "。文件可能不完整，请用 Excel 另存为“CSV UTF-8”后重试", Err: err}
		}
		if len(rows) > MaxRows {
			return nil, tooMany(len(rows))
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func readXLSX(r io.Reader) ([][]string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read xlsx: %w", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, &kaowu.Error{Code: kaowu.EINVALID, Message: "Excel 文件无法打开，请确认是 .xlsx 格式且未加密", Err: err}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, kaowu.Errorf(kaowu.EINVALID, "Excel 文件中没有工作表")
	}
	sheet := sheets[0]
	formulas, merged := scanSheets(b)
	if merged != "" {
		return nil, kaowu.Errorf(kaowu.EINVALID, "工作表中有合并单元格（%s）：请取消合并，每个单元格填一个值后再导入", merged)
	}
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("read xlsx: %w", err)
	}
	if len(rows) > MaxRows+1 {
		return nil, tooMany(len(rows) - 1)
	}
	// A formula's value may be stale or missing from the file: refuse any
	// formula in the columns that are imported (those under a header).
	// Looking a cell's formula up is slow, so the cells are searched only
	// when the worksheets hold a formula at all.
	if !formulas {
		return rows, nil
	}
	width := 0
	if len(rows) > 0 {
		width = len(rows[0])
	}
	for i := range rows {
		for j := 0; j < width; j++ {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
				return nil, kaowu.Errorf(kaowu.EINVALID, "单元格 %s 是公式（=%s）：请把公式转换为数值（复制后“选择性粘贴—数值”）再导入", cell, formula)
			}
		}
	}
	return rows, nil
}

// scanSheets reads the worksheets' XML of an .xlsx file, which is much
// faster than asking excelize cell by cell, and reports whether any holds
// a formula (<f>…</f> or <f …/>) and the first merged range (<mergeCell
// ref="A1:B2"/>), if any.
func scanSheets(xlsx []byte) (formulas bool, merged string) {
	z, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		return true, "" // let the cell search decide
	}
	for _, zf := range z.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/") || !strings.HasSuffix(zf.Name, ".xml") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return true, ""
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return true, ""
		}
		formulas = formulas || bytes.Contains(data, []byte("<f>")) || bytes.Contains(data, []byte("<f "))
		if k := bytes.Index(data, []byte(`<mergeCell ref="`)); k >= 0 && merged == "" {
			rest := data[k+len(`<mergeCell ref="`):]
			if end := bytes.IndexByte(rest, '"'); end > 0 {
				merged = string(rest[:end])
			}
		}
	}
	return formulas, merged
}

// MaxRows is the most data rows one imported file may hold; a larger file
// is refused whole, to be split.
const MaxRows = 50000

func tooMany(n int) error {
	return kaowu.Errorf(kaowu.EINVALID, "文件有 %d 行数据，超过每次导入的上限 %d 行：请拆分为几个文件分批导入", n, MaxRows)
}

// Write writes rows as .xlsx or .csv (with a UTF-8 byte-order mark so that
// Excel shows Chinese right); name's extension decides the format.
func Write(name string, w io.Writer, rows [][]string) error {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		if _, err := w.Write([]byte("\xef\xbb\xbf")); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(rows); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		return nil
	case ".xlsx":
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		for i, r := range rows {
			cells := make([]any, len(r))
			for j, c := range r {
				cells[j] = c
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := sw.SetRow(cell, cells); err != nil {
				return fmt.Errorf("write xlsx: %w", err)
			}
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		if _, err := f.WriteTo(w); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		return nil
	}
	return kaowu.Errorf(kaowu.EINVALID, "文件 %s 的格式不支持：请使用 .xlsx 或 .csv", filepath.Base(name))
}

// Date is a calendar day for a Sheet: the instant's day in Beijing time,
// written as a date the spreadsheet can sort and compute with.
type Date time.Time

// DateTime is an instant for a Sheet, written as Beijing date and time
// (to the minute).
type DateTime time.Time

// Yuan is an amount of money in fen for a Sheet, written as yuan with two
// decimals.
type Yuan int64

// Sheet writes one worksheet of an .xlsx file row by row with excelize's
// StreamWriter, which keeps the rows on disk rather than in memory: for
// exports of any size. Cells are strings (written as text, so that ID,
// ticket and order numbers keep every digit), ints, Date, DateTime, Yuan,
// Percent, or nil for an empty cell.
type Sheet struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
	st  styles
}

// Percent is a ratio for a cell (0.25 is 25%), written as a number shown
// with one decimal place and a percent sign.
type Percent float64

// styles are a workbook's number formats for the typed cells.
type styles struct {
	date, datetime, money, percent, bold int
}

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	dateFmt, datetimeFmt, pct := "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "0.0%"
	for _, x := range []struct {
		id *int
		s  *excelize.Style
	}{
		{&st.date, &excelize.Style{CustomNumFmt: &dateFmt}},
		{&st.datetime, &excelize.Style{CustomNumFmt: &datetimeFmt}},
		{&st.money, &excelize.Style{NumFmt: 2}}, // 0.00
		{&st.percent, &excelize.Style{CustomNumFmt: &pct}},
		{&st.bold, &excelize.Style{Font: &excelize.Font{Bold: true}}},
	} {
		var err error
		if *x.id, err = f.NewStyle(x.s); err != nil {
			return st, fmt.Errorf("styles: %w", err)
		}
	}
	return st, nil
}

// cell is v as the stream writer takes it: strings stay text, numbers
// numbers, and the typed cells get their formats.
func (st styles) cell(v any) (any, error) {
	switch v := v.(type) {
	case Date:
		if time.Time(v).IsZero() {
			return nil, nil
		}
		return excelize.Cell{StyleID: st.date, Value: serial(time.Time(v), false)}, nil
	case DateTime:
		if time.Time(v).IsZero() {
			return nil, nil
		}
		return excelize.Cell{StyleID: st.datetime, Value: serial(time.Time(v), true)}, nil
	case Yuan:
		return excelize.Cell{StyleID: st.money, Value: float64(v) / 100}, nil
	case Percent:
		return excelize.Cell{StyleID: st.percent, Value: float64(v)}, nil
	case string, int, int64, nil:
		return v, nil
	}
	return nil, fmt.Errorf("cell of type %T", v)
}

// NewSheet starts a workbook whose one sheet, name, has header as its
// first row (bold, frozen) and the columns widths (in characters; fewer
// widths than columns leave the rest as they are).
func NewSheet(name string, header []string, widths []float64) (*Sheet, error) {
	f := excelize.NewFile()
	s := &Sheet{f: f}
	fail := func(err error) (*Sheet, error) {
		f.Close()
		return nil, fmt.Errorf("new sheet: %w", err)
	}
	if name != "Sheet1" {
		if err := f.SetSheetName("Sheet1", name); err != nil {
			return fail(err)
		}
	}
	var err error
	if s.sw, err = f.NewStreamWriter(name); err != nil {
		return fail(err)
	}
	if s.st, err = newStyles(f); err != nil {
		return fail(err)
	}
	for i, w := range widths {
		if err := s.sw.SetColWidth(i+1, i+1, w); err != nil {
			return fail(err)
		}
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fail(err)
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: s.st.bold, Value: h}
	}
	if err := s.sw.SetRow("A1", cells); err != nil {
		return fail(err)
	}
	s.row = 1
	return s, nil
}

// excelEpoch is day 0 of the spreadsheet's serial dates (1900 system, for
// days after 1900-03-01).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// serial is t's Beijing wall clock as a spreadsheet serial number.
func serial(t time.Time, minutes bool) float64 {
	b := t.In(kaowu.Shanghai)
	day := float64(time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC).Sub(excelEpoch) / (24 * time.Hour))
	if !minutes {
		return day
	}
	// A minute is not a binary fraction of a day: a hair more than it,
	// so that a reader that truncates (LibreOffice) shows the minute too.
	return day + float64(b.Hour()*60+b.Minute())/(24*60) + 1e-8
}

// Add writes one row.
func (s *Sheet) Add(cells ...any) error {
	row := make([]any, len(cells))
	for i, c := range cells {
		var err error
		if row[i], err = s.st.cell(c); err != nil {
			return fmt.Errorf("sheet row %d: %w", s.row+1, err)
		}
	}
	s.row++
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	if err := s.sw.SetRow(cell, row); err != nil {
		return fmt.Errorf("sheet row %d: %w", s.row, err)
	}
	return nil
}

// Rows returns the number of rows written, the header's included.
func (s *Sheet) Rows() int { return s.row }

// WriteTo finishes the sheet and writes the workbook to w. The Sheet is
// closed afterwards.
func (s *Sheet) WriteTo(w io.Writer) (int64, error) {
	defer s.Close()
	if err := s.sw.Flush(); err != nil {
		return 0, fmt.Errorf("write sheet: %w", err)
	}
	n, err := s.f.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("write sheet: %w", err)
	}
	return n, nil
}

// Close releases the sheet's temporary files.
func (s *Sheet) Close() error { return s.f.Close() }
