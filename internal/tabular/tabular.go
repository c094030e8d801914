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

// XLSXStream writes one .xlsx sheet row by row, for exports too large to
// hold as [][]string: excelize's stream writer keeps the rows in a
// temporary file beyond 16 MB, and WriteTo writes the finished file.
type XLSXStream struct {
	f    *excelize.File
	sw   *excelize.StreamWriter
	rows int
}

// NewXLSXStream starts a sheet; widths, when given, are the columns'
// widths in characters.
func NewXLSXStream(widths ...float64) (*XLSXStream, error) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("xlsx stream: %w", err)
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			f.Close()
			return nil, fmt.Errorf("xlsx stream: %w", err)
		}
	}
	return &XLSXStream{f: f, sw: sw}, nil
}

// Row appends a row of text cells.
func (x *XLSXStream) Row(cells ...string) error {
	vs := make([]any, len(cells))
	for i, c := range cells {
		vs[i] = c
	}
	x.rows++
	cell, _ := excelize.CoordinatesToCellName(1, x.rows)
	if err := x.sw.SetRow(cell, vs); err != nil {
		return fmt.Errorf("xlsx stream: %w", err)
	}
	return nil
}

// Rows returns how many rows were appended.
func (x *XLSXStream) Rows() int { return x.rows }

// WriteTo finishes the sheet and writes the .xlsx file to w.
func (x *XLSXStream) WriteTo(w io.Writer) (int64, error) {
	if err := x.sw.Flush(); err != nil {
		return 0, fmt.Errorf("xlsx stream: %w", err)
	}
	n, err := x.f.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("xlsx stream: %w", err)
	}
	return n, nil
}

// Close removes the temporary files.
func (x *XLSXStream) Close() error { return x.f.Close() }
