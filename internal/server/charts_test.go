package server

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestNiceScale(t *testing.T) {
	for _, c := range []struct{ max, top, step int }{
		{0, 1, 1}, {1, 1, 1}, {5, 5, 1}, {6, 6, 2}, {41, 50, 10}, {77, 80, 20}, {100, 100, 20}, {100000, 100000, 20000}, {123456, 150000, 50000},
	} {
		top, step := niceScale(c.max)
		if top != c.top || step != c.step {
			t.Errorf("niceScale(%d) = %d, %d; want %d, %d", c.max, top, step, c.top, c.step)
		}
		if top < c.max || top/step > 5 {
			t.Errorf("niceScale(%d) = %d, %d does not hold the maximum in 5 steps", c.max, top, step)
		}
	}
}

// svgTokens parses an SVG and counts its elements by name and class.
func svgTokens(t *testing.T, s string) map[string]int {
	t.Helper()
	out := map[string]int{}
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, s)
		}
		if se, ok := tok.(xml.StartElement); ok {
			out[se.Name.Local]++
			for _, a := range se.Attr {
				if a.Name.Local == "class" {
					out[se.Name.Local+"."+a.Value]++
				}
			}
		}
	}
}

func TestBarChart(t *testing.T) {
	ss := []series{{"甲", "s-ok"}, {"乙", "s-wait"}}
	svg := string(barChart("c1", `标题 <&> "引号"`, ss, []barRow{
		{Label: "第一 <行>", Values: []int{3, 1}},
		{Label: "第二", Values: []int{0, 2}, Of: 8},
		{Label: "第三", Values: []int{0, 0}},
	}))
	n := svgTokens(t, svg)
	// Bars only for values above zero; a track for the progress row.
	if n["rect.s-ok"] != 1 || n["rect.s-wait"] != 2 || n["rect.track"] != 1 || n["title"] != 1 || n["text.label"] != 3 {
		t.Errorf("elements %v\n%s", n, svg)
	}
	for _, w := range []string{`role="img"`, `aria-labelledby="c1-t c1-d"`, `标题 &lt;&amp;&gt; &#34;引号&#34;`, "第一 &lt;行&gt;", ">4<", "2/8（25%）", ">0<"} {
		if !strings.Contains(svg, w) {
			t.Errorf("the chart lacks %q:\n%s", w, svg)
		}
	}
	if n := svgTokens(t, string(barChart("c2", "空", ss, nil))); n["text"] != 1 {
		t.Errorf("an empty chart: %v", n)
	}
}

func TestXYChart(t *testing.T) {
	v := func(n int) *int { return &n }
	c := xyChart{ID: "c3", Title: "每日", X: []string{"1", "2", "3", "4", "5"},
		Bars:   &xySeries{series{"当日", "s-info"}, []*int{v(2), v(0), v(5), nil, nil}},
		Lines:  []xySeries{{series{"累计", "s-ok"}, []*int{v(2), v(2), v(7), nil, nil}}, {series{"去年", "s-last"}, []*int{v(1), nil, v(3), v(4), v(6)}}},
		Target: 10, TargetLabel: "目标 10"}
	svg := string(c.svg())
	n := svgTokens(t, svg)
	// Bars above zero only; a line broken where a value is missing (one
	// point alone draws no line); a dot per value; the target dashed.
	if n["rect.s-info"] != 2 || n["polyline"] != 2 || n["circle"] != 7 || n["line.target"] != 1 {
		t.Errorf("elements %v\n%s", n, svg)
	}
	if !strings.Contains(svg, "目标 10") || !strings.Contains(svg, ">10<") {
		t.Errorf("the axis or target label is missing:\n%s", svg)
	}
}
