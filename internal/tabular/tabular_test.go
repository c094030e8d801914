package tabular

import (
	"bytes"
	"reflect"
	"testing"

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
