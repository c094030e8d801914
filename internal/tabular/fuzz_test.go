package tabular

import (
	"bytes"
	"testing"
)

// FuzzRead feeds arbitrary bytes as an uploaded .xlsx or .csv: Read must
// answer with rows or an error, never panic, and never return a ragged or
// formula-bearing result it claims to be clean.
func FuzzRead(f *testing.F) {
	var x bytes.Buffer
	if err := Write("seed.xlsx", &x, [][]string{{"证件号码", "姓名"}, {"110106198801150010", "王𠮷"}}); err != nil {
		f.Fatal(err)
	}
	f.Add("seed.xlsx", x.Bytes())
	f.Add("seed.csv", []byte("\ufeff证件号码,姓名\n110106198801150010,王𠮷\n"))
	f.Add("seed.csv", []byte("a,\"b\nc\",d\n=1+1,x\n"))
	f.Add("seed.xlsx", []byte("PK\x03\x04 not really a zip"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		rows, err := Read(name, bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(rows) > 50001 {
			t.Fatalf("%d rows passed the 50 000-row limit", len(rows))
		}
	})
}
