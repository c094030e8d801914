// Package tabular reads and writes the spreadsheets offices exchange:
// .xlsx (excelize) and .csv (UTF-8, with or without a byte-order mark).
package tabular

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"

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
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, &kaowu.Error{Code: kaowu.EINVALID, Message: "CSV 文件无法读取：" + err.Error() + "。请用 Excel 另存为“CSV UTF-8”后重试", Err: err}
	}
	return rows, nil
}

func readXLSX(r io.Reader) ([][]string, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, &kaowu.Error{Code: kaowu.EINVALID, Message: "Excel 文件无法打开，请确认是 .xlsx 格式且未加密", Err: err}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, kaowu.Errorf(kaowu.EINVALID, "Excel 文件中没有工作表")
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("read xlsx: %w", err)
	}
	return rows, nil
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
