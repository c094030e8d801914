package pdf

import (
	"compress/zlib"
	"fmt"
	"strings"
	"unicode"

	"github.com/signintech/gopdf"
)

// Page geometry in millimetres (A4 portrait).
const (
	pageW        = 210.0
	pageH        = 297.0
	marginX      = 15.0
	marginTop    = 14.0
	marginBottom = 16.0
	contentW     = pageW - 2*marginX
	bottomY      = pageH - marginBottom

	ptPerMM = 72 / 25.4
	// lineGap is the default line height as a multiple of the font size.
	lineGap = 1.4
	// cellPadX and cellPadY are a table cell's inner margins.
	cellPadX = 1.6
	cellPadY = 1.0
)

// Text alignment inside a cell.
type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// doc is the small layout helper every document shares: a gopdf
// document with the shared font, a vertical cursor, text measured and
// wrapped by width, bordered table rows and page breaks. Drawing errors
// are sticky: the first one is returned by bytes.
type doc struct {
	pdf   *gopdf.GoPdf
	err   error
	size  float64 // current font size in points
	gap   float64 // line height as a multiple of the font size
	y     float64 // cursor: top of the next row, in mm
	pages int
	// running is printed at the top of every page after the first, so
	// that a loose page can be matched to its document.
	running string
	// onNewPage, when set, runs after a page break (to repeat a table
	// header, say).
	onNewPage func()
	widths    map[widthKey]float64
	wraps     map[wrapKey][]string
}

type widthKey struct {
	r    rune
	size float64
}

type wrapKey struct {
	s       string
	w, size float64
}

// newDoc starts an A4 document with the shared font and one page.
func newDoc(title string) (*doc, error) {
	fc, err := fonts()
	if err != nil {
		return nil, err
	}
	p := &gopdf.GoPdf{}
	p.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitMM})
	// Page content is small; the fastest level costs little in size.
	p.SetCompressLevel(zlib.BestSpeed)
	if err := p.AddTTFFontFromFontContainer(fontFamily, fc); err != nil {
		return nil, fmt.Errorf("pdf: add font: %w", err)
	}
	// No creation date: the same data gives the same file.
	p.SetInfo(gopdf.PdfInfo{Title: title, Creator: "kaowu", Producer: "kaowu (gopdf)"})
	d := &doc{pdf: p, gap: lineGap, widths: map[widthKey]float64{}, wraps: map[wrapKey][]string{}}
	d.newPage()
	d.font(10)
	return d, nil
}

func (d *doc) fail(err error) {
	if err != nil && d.err == nil {
		d.err = err
	}
}

// newPage adds a page and puts the cursor at its top margin.
func (d *doc) newPage() {
	d.pdf.AddPage()
	d.pages++
	d.y = marginTop
	d.pdf.SetLineWidth(0.3)
	d.pdf.SetStrokeColor(0, 0, 0)
	d.pdf.SetTextColor(0, 0, 0)
	if d.size > 0 {
		d.font(d.size)
	}
	if d.pages > 1 && d.running != "" {
		size := d.size
		d.font(8)
		for _, l := range d.wrap(d.running, contentW) {
			d.text(marginX, d.y, l)
			d.y += d.lineH()
		}
		d.y++
		d.font(size)
	}
	if d.onNewPage != nil {
		d.onNewPage()
	}
}

// ensure starts a new page unless h millimetres fit below the cursor.
func (d *doc) ensure(h float64) {
	if d.y+h > bottomY {
		d.newPage()
	}
}

// font sets the font size in points.
func (d *doc) font(size float64) {
	d.size = size
	d.fail(d.pdf.SetFont(fontFamily, "", size))
}

// lineH is the height of one line of text at the current size, in mm.
func (d *doc) lineH() float64 { return d.size * d.gap / ptPerMM }

// runeWidth is the advance of r at the current size, in mm.
func (d *doc) runeWidth(r rune) float64 {
	k := widthKey{r, d.size}
	if w, ok := d.widths[k]; ok {
		return w
	}
	// Measuring adds the character to the document's font subset: a
	// cache shared by documents would change the order characters are
	// added in, and so the bytes of the file.
	w, err := d.pdf.MeasureTextWidth(string(r))
	d.fail(err)
	d.widths[k] = w
	return w
}

// width is the advance of s at the current size, in mm.
func (d *doc) width(s string) float64 {
	w := 0.0
	for _, r := range s {
		w += d.runeWidth(r)
	}
	return w
}

// text draws s with its top-left corner at (x, y).
func (d *doc) text(x, y float64, s string) {
	if s == "" {
		return
	}
	d.pdf.SetXY(x, y+(d.lineH()-d.size/ptPerMM)/2)
	d.fail(d.pdf.Cell(nil, s))
}

// textIn draws the lines of text in a box of width w from its top y,
// aligned horizontally.
func (d *doc) textIn(x, y, w float64, lines []string, a align) {
	for i, l := range lines {
		lx := x
		switch a {
		case alignCenter:
			lx = x + (w-d.width(l))/2
		case alignRight:
			lx = x + w - d.width(l)
		}
		d.text(lx, y+float64(i)*d.lineH(), l)
	}
}

// line draws a line segment.
func (d *doc) line(x1, y1, x2, y2 float64) { d.pdf.Line(x1, y1, x2, y2) }

// rect draws a rectangle outline.
func (d *doc) rect(x, y, w, h float64) { d.pdf.RectFromUpperLeftWithStyle(x, y, w, h, "D") }

// fill draws a filled rectangle in a grey level (0 black, 1 white).
func (d *doc) fill(x, y, w, h, grey float64) {
	g := uint8(grey * 255)
	d.pdf.SetFillColor(g, g, g)
	d.pdf.RectFromUpperLeftWithStyle(x, y, w, h, "F")
	d.pdf.SetFillColor(0, 0, 0)
}

// wrap breaks s into lines no wider than w at the current size. Newlines
// in s start new lines. Chinese text breaks between any two characters;
// runs of Latin letters and digits (ID numbers, dates, codes) are kept
// whole when they fit on a line; closing punctuation never starts a
// line and opening punctuation never ends one (避头尾).
//
// The lines are remembered for the document (a table row is wrapped to
// measure it, then again to draw it): callers must not change them.
func (d *doc) wrap(s string, w float64) []string {
	k := wrapKey{s, w, d.size}
	if lines, ok := d.wraps[k]; ok {
		return lines
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, d.wrapPara(para, w)...)
	}
	out = out[:len(out):len(out)] // an append copies
	d.wraps[k] = out
	return out
}

func (d *doc) wrapPara(s string, w float64) []string {
	toks := tokens(s)
	if len(toks) == 0 {
		return []string{""}
	}
	var lines []string
	var cur strings.Builder
	curW := 0.0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		curW = 0
	}
	for _, t := range toks {
		tw := d.width(t)
		if curW+tw <= w+1e-6 {
			cur.WriteString(t)
			curW += tw
			continue
		}
		if t == " " {
			flush()
			continue
		}
		if curW > 0 {
			flush()
		}
		if tw <= w+1e-6 {
			cur.WriteString(t)
			curW = tw
			continue
		}
		// A token wider than the line: break it between characters.
		for _, r := range t {
			rw := d.runeWidth(r)
			if curW+rw > w+1e-6 && curW > 0 {
				flush()
			}
			cur.WriteRune(r)
			curW += rw
		}
	}
	if cur.Len() > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// tokens splits s into unbreakable pieces: a run of ASCII letters,
// digits and joiners; a space; or one other character, with closing
// punctuation attached to the piece before and opening punctuation to
// the piece after.
func tokens(s string) []string {
	var toks []string
	var pendingOpen string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		var t string
		switch {
		case r == ' ':
			t, i = " ", i+1
		case isWordRune(r):
			j := i
			for j < len(rs) && isWordRune(rs[j]) {
				j++
			}
			// A number keeps its unit: 满4年, 3个月, 第2版.
			if j < len(rs) && unicode.IsDigit(rs[j-1]) && strings.ContainsRune(numberUnits, rs[j]) {
				j++
			}
			t, i = string(rs[i:j]), j
		default:
			t, i = string(r), i+1
		}
		if t != " " && strings.ContainsRune(openingPunct, r) {
			pendingOpen += t
			continue
		}
		if t != " " && len(toks) > 0 && pendingOpen == "" && strings.ContainsRune(closingPunct, r) && toks[len(toks)-1] != " " {
			toks[len(toks)-1] += t
			continue
		}
		toks = append(toks, pendingOpen+t)
		pendingOpen = ""
	}
	if pendingOpen != "" {
		toks = append(toks, pendingOpen)
	}
	return toks
}

const (
	numberUnits  = "年月日号个名次期版岁页分元"
	closingPunct = "，。、；：？！）》」』”’】〕…—,.;:?!)]}%％·～"
	openingPunct = "（《「『“‘【〔([{"
)

func isWordRune(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./@#+*&'", r))
}

// cell is one cell of a table row: a width in mm, the text, its
// alignment, whether it is a label (shaded), and an optional font size
// (0: the row's). A cell with items instead of text lists them joined by
// "、", never breaking an item across lines when it fits on one (clause
// numbers such as 一（七）).
type cell struct {
	w     float64
	text  string
	items []string
	align align
	label bool
	size  float64
}

// cellLines wraps the cell's content to its inner width.
func (d *doc) cellLines(c cell) []string {
	w := c.w - 2*cellPadX
	if c.items == nil {
		return d.wrap(c.text, w)
	}
	var lines []string
	cur := ""
	for i, it := range c.items {
		if i < len(c.items)-1 {
			it += "、"
		}
		if cur != "" && d.width(cur+it) > w+1e-6 {
			lines = append(lines, cur)
			cur = ""
		}
		if cur == "" && d.width(it) > w+1e-6 {
			wrapped := d.wrap(it, w)
			lines = append(lines, wrapped[:len(wrapped)-1]...)
			cur = wrapped[len(wrapped)-1]
			continue
		}
		cur += it
	}
	return append(lines, cur)
}

// label returns a shaded, centred label cell.
func label(w float64, text string) cell {
	return cell{w: w, text: text, align: alignCenter, label: true}
}

// value returns a left-aligned value cell.
func value(w float64, text string) cell { return cell{w: w, text: text} }

// labelShade is the grey of label cells: light enough for any printer.
const labelShade = 0.93

// rowHeight is the height the cells need: the tallest wrapped text plus
// padding, at least minH.
func (d *doc) rowHeight(cells []cell, minH float64) float64 {
	h := minH
	base := d.size
	for _, c := range cells {
		if c.size > 0 {
			d.font(c.size)
		}
		n := len(d.cellLines(c))
		h = max(h, float64(n)*d.lineH()+2*cellPadY)
		if c.size > 0 {
			d.font(base)
		}
	}
	return h
}

// row draws a bordered table row starting at x on the cursor line (after
// a page break if it does not fit) and advances the cursor. Its height
// fits the tallest cell, at least minH. A row taller than a page is split
// between pages: the value cells' lines continue on the next page and the
// label cells are repeated.
func (d *doc) row(x float64, cells []cell, minH float64) {
	h := d.rowHeight(cells, minH)
	if d.y+h > bottomY && h <= bottomY-marginTop-20 {
		d.newPage() // fits on a fresh page: keep the row whole
	}
	for d.y+h > bottomY {
		if bottomY-d.y < 20 {
			d.newPage()
			continue
		}
		part, rest := d.splitCells(cells, bottomY-d.y)
		d.drawCells(x, d.y, bottomY-d.y, part)
		d.newPage()
		cells = rest
		h = d.rowHeight(cells, minH)
	}
	d.drawCells(x, d.y, h, cells)
	d.y += h
}

// splitCells splits cells at the height avail: the first part holds the
// lines that fit, the rest the lines that do not; label cells are whole
// in both.
func (d *doc) splitCells(cells []cell, avail float64) (part, rest []cell) {
	base := d.size
	for _, c := range cells {
		if c.label {
			part, rest = append(part, c), append(rest, c)
			continue
		}
		if c.size > 0 {
			d.font(c.size)
		}
		lines := d.cellLines(c)
		k := min(len(lines), max(1, int((avail-2*cellPadY)/d.lineH())))
		p, r := c, c
		p.items, r.items = nil, nil
		p.text, r.text = strings.Join(lines[:k], "\n"), strings.Join(lines[k:], "\n")
		part, rest = append(part, p), append(rest, r)
		if c.size > 0 {
			d.font(base)
		}
	}
	return part, rest
}

// drawCells draws cells side by side in a band of height h.
func (d *doc) drawCells(x, top, h float64, cells []cell) {
	base := d.size
	for _, c := range cells {
		if c.label {
			d.fill(x, top, c.w, h, labelShade)
		}
		d.rect(x, top, c.w, h)
		if c.size > 0 {
			d.font(c.size)
		}
		lines := d.cellLines(c)
		th := float64(len(lines)) * d.lineH()
		d.textIn(x+cellPadX, top+(h-th)/2, c.w-2*cellPadX, lines, c.align)
		if c.size > 0 {
			d.font(base)
		}
		x += c.w
	}
}

// paragraph draws wrapped text across width w from x at the cursor,
// breaking pages between lines, and advances the cursor.
func (d *doc) paragraph(x, w float64, s string, a align) {
	for _, l := range d.wrap(s, w) {
		d.ensure(d.lineH())
		d.textIn(x, d.y, w, []string{l}, a)
		d.y += d.lineH()
	}
}

// footers writes "第i页 共N页" and an optional note at the foot of every
// page. It runs once all pages exist.
func (d *doc) footers(note string) {
	size := d.size
	d.font(8)
	for i := 1; i <= d.pages; i++ {
		d.fail(d.pdf.SetPage(i))
		y := pageH - marginBottom + 4
		if note != "" {
			d.text(marginX, y, note)
		}
		s := fmt.Sprintf("第%d页 共%d页", i, d.pages)
		d.text(pageW-marginX-d.width(s), y, s)
	}
	d.font(size)
}

// bytes returns the finished PDF, its ToUnicode map repaired.
func (d *doc) bytes() ([]byte, error) {
	if d.err != nil {
		return nil, fmt.Errorf("pdf: %w", d.err)
	}
	b, err := d.pdf.GetBytesPdfReturnErr()
	if err != nil {
		return nil, fmt.Errorf("pdf: write: %w", err)
	}
	return fixToUnicode(b)
}
