package tabular

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaowu"
)

func TestRoundTrip(t *testing.T) {
	rows := [][]string{{"专业代码", "专业名称"}, {"368", "护理学"}, {"301", "全科医学, 含逗号"}}
	for _, name := range []string{"a.csv", "a.xlsx", "A.XLSX"} {
		var buf bytes.Buffer
		if err := Write(name, &buf, rows); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := Read(name, &buf)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, rows) {
			t.Errorf("%s: got %q, want %q", name, got, rows)
		}
	}
}

func TestReadRefusals(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"a.pdf", "x"},
		{"a.xlsx", "not a zip"},
		{"a.csv", "\"unterminated"},
	} {
		_, err := Read(c.name, bytes.NewBufferString(c.body))
		if kaowu.ErrorCode(err) != kaowu.EINVALID {
			t.Errorf("%s: got %v, want invalid", c.name, err)
		}
	}
}

func TestReadTrimsBOMAndTrailingBlankRows(t *testing.T) {
	got, err := Read("a.csv", bytes.NewBufferString("\xef\xbb\xbfcode, name \n1,a\n,\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"code", "name"}, {"1", "a"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestReadRefusesWhatOfficesSend: the files offices really send that would
// import wrong values are refused whole, saying what to do.
func TestReadRefusesWhatOfficesSend(t *testing.T) {
	xlsx := func(build func(f *excelize.File)) []byte {
		f := excelize.NewFile()
		f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "证件号码"})
		f.SetSheetRow("Sheet1", "A2", &[]any{"张三", "110106198602020013"})
		build(f)
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	good := xlsx(func(*excelize.File) {})
	var big bytes.Buffer
	big.WriteString("姓名,证件号码\n")
	for i := range MaxRows + 1 {
		fmt.Fprintf(&big, "考生%d,%d\n", i, i)
	}
	for _, c := range []struct {
		name, file string
		body       []byte
		want       string
	}{
		{"formula", "a.xlsx", xlsx(func(f *excelize.File) { f.SetCellFormula("Sheet1", "B2", "1+1") }), "单元格 B2 是公式"},
		{"merged cells", "a.xlsx", xlsx(func(f *excelize.File) { f.MergeCell("Sheet1", "A1", "B1") }), "合并单元格"},
		{"truncated xlsx", "a.xlsx", good[:len(good)/2], "无法打开"},
		{"truncated csv", "a.csv", []byte("姓名,证件号码\n\"张三,1101"), "文件可能不完整"},
		{"GBK csv", "a.csv", []byte{0xd0, 0xd5, 0xc3, 0xfb, ',', '1', '\n'}, "不是 UTF-8"},
		{"too many rows", "a.csv", big.Bytes(), "超过每次导入的上限"},
	} {
		_, err := Read(c.file, bytes.NewReader(c.body))
		if kaowu.ErrorCode(err) != kaowu.EINVALID || !strings.Contains(kaowu.ErrorMessage(err), c.want) {
			t.Errorf("%s: got %v, want invalid saying %q", c.name, err, c.want)
		}
	}
	if rows, err := Read("a.xlsx", bytes.NewReader(good)); err != nil || len(rows) != 2 {
		t.Errorf("the good file: %v %v", rows, err)
	}
}

// BenchmarkReadXLSX10k reads a 10 000-row, 15-column workbook, checks
// included (merged cells, formulas, row limit).
func BenchmarkReadXLSX10k(b *testing.B) {
	rows := make([][]string, 10001)
	for i := range rows {
		rows[i] = make([]string, 15)
		for j := range rows[i] {
			rows[i][j] = fmt.Sprintf("值%d-%d", i, j)
		}
	}
	var buf bytes.Buffer
	if err := Write("a.xlsx", &buf, rows); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Read("a.xlsx", bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSheet: a streamed sheet reads back as written: the header, text
// (digits kept as text), numbers, Beijing dates and times as dates, money
// as yuan with two decimals, empty cells; a cell of another type is
// refused.
func TestSheet(t *testing.T) {
	sh, err := NewSheet("名单", []string{"准考证号", "日期", "时间", "金额", "人数", "空"}, []float64{20, 12})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 29, 16, 30, 59, 0, time.UTC) // 2024-01-30 00:30:59 in Beijing
	if err := sh.Add("2411010636800001", Date(at), DateTime(at), Yuan(20005), 3, nil); err != nil {
		t.Fatal(err)
	}
	if err := sh.Add(3.5); err == nil {
		t.Error("a float cell was accepted")
	}
	var b bytes.Buffer
	if _, err := sh.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("名单")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"准考证号", "日期", "时间", "金额", "人数", "空"}, {"2411010636800001", "2024-01-30", "2024-01-30 00:30", "200.05", "3"}}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("rows = %q, want %q", rows, want)
	}
	raw, _ := f.GetRows("名单", excelize.Options{RawCellValue: true})
	if raw[1][1] != "45321" || raw[1][3] != "200.05" {
		t.Errorf("raw values %q: the date is serial 45321, the money 200.05", raw[1])
	}
	if typ, _ := f.GetCellType("名单", "A2"); typ == excelize.CellTypeNumber {
		t.Error("the ticket number is a number, not text")
	}
}
