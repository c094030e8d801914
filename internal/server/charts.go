package server

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// The dashboards' charts, drawn on the server as inline SVG: no script, no
// library, nothing fetched. Each has a title (its accessible name, with
// role="img"); its data is the table beside it, which is the accessible
// form. Colours come from classes in style.css (.s-*), so that a chart's
// legend, drawn in HTML, uses the same ones.

// chartWidth is the width of every chart's coordinate system; the SVG
// scales to its box, and the text sizes are chosen for a phone's width.
const chartWidth = 400

// series is one kind of value a chart draws: its name (for the legend)
// and its colour class.
type series struct {
	Name  string
	Class string
}

// legendItem is one entry of a chart's legend.
type legendItem = series

func esc(s string) string { return template.HTMLEscapeString(s) }

// svgOpen starts an SVG of the given height with its title and description.
func svgOpen(b *strings.Builder, id, title, desc string, height int) {
	fmt.Fprintf(b, `<svg class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMinYMin meet">`,
		esc(id), chartWidth, height, esc(id), esc(id))
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
}

// barRow is one row of a horizontal bar chart: its label and its values,
// one per series, stacked. With Of > 0 the bar is a progress bar against
// Of (a grey track for the whole); otherwise bars share one scale.
type barRow struct {
	Label  string
	Values []int
	Of     int
	// Text, when set, is written after the bar instead of the count.
	Text string
}

func (r barRow) total() int {
	n := 0
	for _, v := range r.Values {
		n += v
	}
	return n
}

// barChart draws rows as horizontal stacked bars, the label above each bar
// (long names fit a phone) and the count (of Of, with the share) after it.
func barChart(id, title string, ss []series, rows []barRow) template.HTML {
	const pitch, labelH, barH, valueW = 44, 18, 16, 118
	var b strings.Builder
	h := max(len(rows), 1)*pitch + 4
	svgOpen(&b, id, title, "数据见本图旁边的表格", h)
	if len(rows) == 0 {
		b.WriteString(`<text x="0" y="20" class="axis">暂无数据</text></svg>`)
		return template.HTML(b.String())
	}
	scale := 1
	for _, r := range rows {
		scale = max(scale, r.total())
	}
	area := float64(chartWidth - valueW)
	for i, r := range rows {
		y := i*pitch + labelH
		fmt.Fprintf(&b, `<text x="0" y="%d" class="label">%s</text>`, y-3, esc(r.Label))
		whole := scale
		if r.Of > 0 {
			whole = max(r.Of, r.total())
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="%.1f" height="%d" class="track"/>`, y, area, barH)
		}
		x := 0.0
		for k, v := range r.Values {
			if v <= 0 || k >= len(ss) {
				continue
			}
			w := area * float64(v) / float64(whole)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" class="%s"/>`, x, y, math.Max(w, 1), barH, ss[k].Class)
			x += w
		}
		value := fmt.Sprint(r.total())
		if r.Of > 0 {
			value = fmt.Sprintf("%d/%d（%s）", r.total(), r.Of, percent(r.total(), r.Of))
		}
		if r.Text != "" {
			value = r.Text
		}
		tx := x + 4
		if r.Of > 0 {
			tx = area + 4
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="value">%s</text>`, tx, y+barH-3, esc(value))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func percent(n, of int) string {
	if of == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}

// niceScale returns the top of a y axis holding max and its step: 1, 2 or
// 5 times a power of ten, at most 5 steps.
func niceScale(maxV int) (top, step int) {
	if maxV <= 0 {
		return 1, 1
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = m * p
			if (maxV+step-1)/step <= 5 {
				return (maxV + step - 1) / step * step, step
			}
		}
	}
}

// xySeries is a series of an xy chart: one value per x, nil where there
// is none (the days still to come).
type xySeries struct {
	series
	Values []*int
}

// xyChart is a chart over days: bars for one series, lines for others, and
// a dashed line for a target.
type xyChart struct {
	ID, Title   string
	X           []string // the x labels
	Bars        *xySeries
	Lines       []xySeries
	Target      int // 0: none
	TargetLabel string
}

// svg draws the chart.
func (c xyChart) svg() template.HTML {
	const h, left, right, top, bottom = 250, 38, 10, 22, 40
	var b strings.Builder
	svgOpen(&b, c.ID, c.Title, "数据见本图旁边的表格", h)
	maxV := c.Target
	all := c.Lines
	if c.Bars != nil {
		all = append(all[:len(all):len(all)], *c.Bars)
	}
	for _, s := range all {
		for _, v := range s.Values {
			if v != nil {
				maxV = max(maxV, *v)
			}
		}
	}
	yTop, step := niceScale(maxV)
	plotW, plotH := float64(chartWidth-left-right), float64(h-top-bottom)
	n := max(len(c.X), 1)
	slot := plotW / float64(n)
	xAt := func(i int) float64 { return float64(left) + slot*(float64(i)+0.5) }
	yAt := func(v int) float64 { return float64(top) + plotH*(1-float64(v)/float64(yTop)) }
	for v := 0; v <= yTop; v += step {
		y := yAt(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="grid"/>`, left, y, chartWidth-right, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="axis" text-anchor="end">%d</text>`, left-5, y+5, v)
	}
	// At most 7 x labels; the last day's too when it does not crowd the
	// one before it.
	every := (n + 6) / 7
	for i, l := range c.X {
		if i%every != 0 && (i != n-1 || (n-1)%every < every/2+1) {
			continue
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="axis" text-anchor="middle">%s</text>`, xAt(i), h-bottom+20, esc(l))
	}
	if c.Bars != nil {
		w := slot * 0.6
		for i, v := range c.Bars.Values {
			if v == nil || *v <= 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" class="%s"/>`, xAt(i)-w/2, yAt(*v), w, yAt(0)-yAt(*v), c.Bars.Class)
		}
	}
	if c.Target > 0 {
		y := yAt(c.Target)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="target"/>`, left, y, chartWidth-right, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="axis" text-anchor="end">%s</text>`, chartWidth-right, y-5, esc(c.TargetLabel))
	}
	for _, s := range c.Lines {
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline points="%s" class="line %s"/>`, strings.Join(pts, " "), s.Class)
			}
			pts = pts[:0]
		}
		for i, v := range s.Values {
			if v == nil {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xAt(i), yAt(*v)))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" class="dot %s"/>`, xAt(i), yAt(*v), s.Class)
		}
		flush()
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="axisline"/>`, left, yAt(0), chartWidth-right, yAt(0))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
