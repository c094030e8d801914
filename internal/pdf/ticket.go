package pdf

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/signintech/gopdf"

	"kaowu"
)

// TicketSession is one exam session on an admission ticket.
type TicketSession struct {
	Subject string // 基础知识 / 相关专业知识 / 专业知识 / 专业实践能力
	Date    string // as printed, e.g. 2024年4月13日
	Time    string // e.g. 08:30—10:00
	Room    string // room name, e.g. 第3考场（机房 A301）
	Seat    string // e.g. 17
}

// TicketData is one admission ticket (准考证, notice 四): who, what, where
// and when, and the signed QR payload the entrance staff check.
type TicketData struct {
	Year          int
	TicketNo      string // 准考证号, 16 digits
	ArchiveNo     string // 档案号
	Name          string
	IDType        string // label, e.g. 居民身份证
	IDNumber      string // as printed: already masked by the caller, e.g. 110106********0516
	Photo         []byte // JPEG (the candidate's registration photo, 3:4), may be nil: then a box saying 照片
	PhotoNote     string // what the box says when there is no photo, instead of 照片 (e.g. that it was deleted)
	SpecialtyCode string // e.g. 368
	SpecialtyName string // e.g. 护理学
	LevelLabel    string // e.g. 中级
	Mode          string // 人机对话 or 纸笔作答
	Site          string // e.g. 丰台考点
	Venue         string // the exam venue's name
	Address       string
	Directions    string          // how to get there, may be empty
	Sessions      []TicketSession // usually 4
	Rules         []string        // the rules for exam day (考生须知), one paragraph each
	QR            string          // the signed payload, printed as a QR code (may be ~300 ASCII characters)
	Issued        string          // as printed, e.g. 2024年4月1日 10:00 打印
}

// TicketRoster is the cover page(s) of a bundle of tickets: a title, some
// lines, and a table with one row per ticket (for a military unit
// collecting its tickets, or one room's tickets).
type TicketRoster struct {
	Title string
	Lines []string
	// Header and Rows: the table (e.g. 序号, 准考证号, 姓名, 证件号码, 报考专业,
	// 考场, 座位号, 领取人签字). Long tables flow over pages with the header
	// repeated.
	Header []string
	Rows   [][]string
}

// Layout of the ticket, in mm and points.
const (
	tkFieldSize = 10.5 // field text
	tkNoSize    = 15.0 // the ticket number
	tkNameSize  = 12.0
	tkRowH      = 8.5
	tkLabelW    = 20.0
	tkPhotoColW = 38.0 // photo column beside the identity rows
	tkPhotoW    = 30.0 // photo, at most (3:4)
	tkPhotoH    = 40.0
	tkQR        = 35.0 // QR code side
	tkQRColW    = 50.0 // QR column beside the rules
	tkRuleSize  = 10.0 // the rules' size, made smaller down to tkRuleMin when they do not fit
	tkRuleMin   = 7.5
	tkRuleGap   = 1.0 // between two rules
	tkQRCaption = "入场验证码（考点工作人员扫码核验）"
)

func (t *TicketData) title() string {
	return fmt.Sprintf("%d年度卫生专业技术资格考试 准考证", t.Year)
}

// ticketFields is the order the refusal messages name the fields in.
var ticketFields = []string{"year", "ticket_no", "name", "sessions", "qr", "photo"}

// check returns the QR code's modules and, for each field the ticket
// cannot do without, a message.
func (t *TicketData) check() ([][]bool, map[string]string) {
	fields := map[string]string{}
	if t.Year <= 0 {
		fields["year"] = "缺少考试年度"
	}
	if strings.TrimSpace(t.TicketNo) == "" {
		fields["ticket_no"] = "缺少准考证号"
	}
	if strings.TrimSpace(t.Name) == "" {
		fields["name"] = "缺少姓名"
	}
	if len(t.Sessions) == 0 {
		fields["sessions"] = "缺少考试科目安排"
	}
	var qr [][]bool
	if t.QR == "" {
		fields["qr"] = "缺少入场验证码内容"
	} else if m, err := qrModules(t.QR); err != nil {
		fields["qr"] = "入场验证码内容过长"
	} else {
		qr = m
	}
	if len(t.Photo) > 0 && !isJPEG(t.Photo) {
		fields["photo"] = "照片不是可读取的JPEG图片"
	}
	return qr, fields
}

// isJPEG reports whether b is a JPEG image with a size (its header read,
// not the image decoded).
func isJPEG(b []byte) bool {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	return err == nil && format == "jpeg" && cfg.Width > 0 && cfg.Height > 0
}

// joinMessages joins the messages of fields in the order given.
func joinMessages(fields map[string]string, order []string) string {
	msgs := make([]string, 0, len(fields))
	for _, k := range order {
		if m, ok := fields[k]; ok {
			msgs = append(msgs, m)
		}
	}
	return strings.Join(msgs, "；")
}

// Ticket renders one admission ticket as a one-page A4 PDF.
func Ticket(t TicketData) ([]byte, error) {
	qr, fields := t.check()
	if len(fields) > 0 {
		return nil, &kaowu.Error{Code: kaowu.EINVALID, Message: "无法生成准考证：" + joinMessages(fields, ticketFields) + "。", Fields: fields}
	}
	return renderTickets([]TicketData{t}, [][][]bool{qr}, nil)
}

// Tickets renders many tickets into one PDF, one page each, after the
// roster's pages when roster is not nil.
func Tickets(ts []TicketData, roster *TicketRoster) ([]byte, error) {
	fields := map[string]string{}
	var msgs []string
	if len(ts) == 0 {
		fields["tickets"] = "没有要打印的准考证"
		msgs = append(msgs, fields["tickets"])
	}
	qrs := make([][][]bool, len(ts))
	for i := range ts {
		qr, f := ts[i].check()
		qrs[i] = qr
		if len(f) == 0 {
			continue
		}
		for k, m := range f {
			fields[fmt.Sprintf("tickets[%d].%s", i, k)] = m
		}
		who := ""
		if no := strings.TrimSpace(ts[i].TicketNo); no != "" {
			who = "（准考证号" + no + "）"
		}
		msgs = append(msgs, fmt.Sprintf("第%d张%s%s", i+1, who, joinMessages(f, ticketFields)))
	}
	if roster != nil {
		for i, r := range roster.Rows {
			if len(r) > len(roster.Header) {
				k := fmt.Sprintf("roster.rows[%d]", i)
				fields[k] = fmt.Sprintf("封面名单第%d行的列数多于表头", i+1)
				msgs = append(msgs, fields[k])
			}
		}
	}
	if len(fields) > 0 {
		return nil, &kaowu.Error{Code: kaowu.EINVALID, Message: "无法生成准考证：" + strings.Join(msgs, "；") + "。", Fields: fields}
	}
	return renderTickets(ts, qrs, roster)
}

// renderTickets draws the roster, if any, then each ticket from the top of
// a new page. The tickets have been checked.
func renderTickets(ts []TicketData, qrs [][][]bool, roster *TicketRoster) ([]byte, error) {
	title := ts[0].title()
	if roster != nil && roster.Title != "" {
		title = roster.Title
	}
	d, err := newDoc(title)
	if err != nil {
		return nil, err
	}
	rosterPages := 0
	if roster != nil {
		roster.draw(d, title)
		rosterPages = d.pages
	}
	for i := range ts {
		if i > 0 || roster != nil {
			d.running, d.onNewPage = "", nil
			d.newPage()
		}
		ts[i].draw(d, qrs[i])
	}
	// Page numbers of the roster's pages.
	d.font(8)
	for i := 1; i <= rosterPages; i++ {
		d.fail(d.pdf.SetPage(i))
		s := fmt.Sprintf("第%d页 共%d页", i, rosterPages)
		d.text(pageW-marginX-d.width(s), pageH-marginBottom+4, s)
	}
	return d.bytes()
}

// draw draws the ticket from the top of the current page; a ticket whose
// texts are too long for one page continues on the next with a running
// header.
func (t *TicketData) draw(d *doc, qr [][]bool) {
	title := t.title()
	d.font(18)
	lines := d.wrap(title, contentW)
	d.textIn(marginX, d.y, contentW, lines, alignCenter)
	d.y += float64(len(lines))*d.lineH() + 2.5
	d.running = title + "（续页）　准考证号：" + t.TicketNo + "　姓名：" + t.Name

	d.font(tkFieldSize)
	t.identity(d)
	t.place(d)
	d.y += 3
	t.sessions(d)
	d.y += 3
	t.rules(d, qr)
	if t.Issued != "" {
		// One line at the foot of the page, smaller when it is long.
		d.font(8.5)
		if w := d.width(t.Issued); w > contentW {
			d.font(8.5 * contentW / w)
		}
		d.text(pageW-marginX-d.width(t.Issued), pageH-marginBottom+4, t.Issued)
	}
	d.running = ""
}

// identity draws the fields of bounded length beside the photo: the
// ticket number (large), name, ID document, archive number, specialty,
// mode and site.
func (t *TicketData) identity(d *doc) {
	const lw = tkLabelW
	left := contentW - tkPhotoColW
	span := left - lw
	vw := (left - 2*lw) / 2
	rows := [][]cell{
		{label(lw, "准考证号"), {w: span, text: t.TicketNo, size: tkNoSize}},
		{label(lw, "姓名"), {w: vw, text: t.Name, size: tkNameSize}, label(lw, "证件类型"), value(vw, t.IDType)},
		{label(lw, "证件号码"), value(vw, t.IDNumber), label(lw, "档案号"), value(vw, t.ArchiveNo)},
		{label(lw, "报考专业"), value(vw, target(t.SpecialtyCode, t.SpecialtyName, t.LevelLabel)), label(lw, "考试方式"), value(vw, t.Mode)},
		{label(lw, "考点"), value(span, t.Site)},
	}
	heights := make([]float64, len(rows))
	total := 0.0
	for i, r := range rows {
		heights[i] = d.rowHeight(r, tkRowH)
		total += heights[i]
	}
	// The rows are at least as tall as the photo and its margins: the
	// extra height is shared out.
	if need := tkPhotoH + 4; total < need {
		for i := range heights {
			heights[i] += (need - total) / float64(len(heights))
		}
		total = need
	}
	top := d.y
	for i, r := range rows {
		d.drawCells(marginX, d.y, heights[i], r)
		d.y += heights[i]
	}
	px := marginX + left
	d.rect(px, top, tkPhotoColW, total)
	drawPhoto(d, t.Photo, px, top, tkPhotoColW, total, tkPhotoW, tkPhotoH, cmp.Or(t.PhotoNote, "照片"))
}

// place draws the fields that may be long, across the page: the venue,
// its address and the directions.
func (t *TicketData) place(d *doc) {
	const lw = tkLabelW
	d.row(marginX, []cell{label(lw, "考试地点"), value(contentW-lw, t.Venue)}, tkRowH)
	d.row(marginX, []cell{label(lw, "地址"), value(contentW-lw, t.Address)}, tkRowH)
	if strings.TrimSpace(t.Directions) != "" {
		d.row(marginX, []cell{label(lw, "乘车路线"), value(contentW-lw, t.Directions)}, tkRowH)
	}
}

// sessions draws the table of exam sessions, its header repeated should
// it flow to another page.
func (t *TicketData) sessions(d *doc) {
	section(d, "考试安排")
	ws := []float64{38, 34, 32, 58, 18}
	header := []cell{label(ws[0], "科目"), label(ws[1], "考试日期"), label(ws[2], "考试时间"), label(ws[3], "考场"), label(ws[4], "座位号")}
	d.row(marginX, header, tkRowH-1)
	d.onNewPage = func() { d.row(marginX, header, tkRowH-1) }
	for _, s := range t.Sessions {
		d.row(marginX, []cell{
			{w: ws[0], text: s.Subject, align: alignCenter}, {w: ws[1], text: s.Date, align: alignCenter},
			{w: ws[2], text: s.Time, align: alignCenter}, {w: ws[3], text: s.Room, align: alignCenter},
			{w: ws[4], text: s.Seat, align: alignCenter, size: 13},
		}, tkRowH)
	}
	d.onNewPage = nil
}

// ruleLayout is the rules wrapped at one size: for each rule its lines,
// the first after its number.
type ruleLayout struct {
	size   float64
	indent float64 // width of the widest number, where the text starts
	lines  [][]string
	height float64
}

// layoutRules wraps the rules at size to width w.
func (t *TicketData) layoutRules(d *doc, size, w float64) ruleLayout {
	d.font(size)
	l := ruleLayout{size: size, indent: d.width(fmt.Sprintf("%d. ", len(t.Rules)))}
	for i, r := range t.Rules {
		lines := d.wrap(strings.TrimSpace(r), w-l.indent)
		l.lines = append(l.lines, lines)
		l.height += float64(len(lines)) * d.lineH()
		if i > 0 {
			l.height += tkRuleGap
		}
	}
	return l
}

// rules draws the heading 考生须知, the numbered rules and, beside them on
// the right, the QR code with its caption. The rules are set smaller when
// they do not fit above the foot of the page; when they do not fit even
// at the smallest size they continue on the next page, across its width.
func (t *TicketData) rules(d *doc, qr [][]bool) {
	d.font(8)
	caption := d.wrap(tkQRCaption, tkQRColW)
	qrH := 1.5 + tkQR + 1.5 + float64(len(caption))*d.lineH()
	d.ensure(afSectH + qrH)
	section(d, "考生须知")
	top := d.y + 2
	qx := pageW - marginX - tkQRColW
	d.qr(qx+(tkQRColW-tkQR)/2, top+1.5, tkQR, qr)
	d.font(8)
	d.textIn(qx, top+1.5+tkQR+1.5, tkQRColW, caption, alignCenter)

	narrow, wide := contentW-tkQRColW-4, contentW-2
	x := marginX + 1
	var l ruleLayout
	for size := tkRuleSize; size >= tkRuleMin; size -= 0.5 {
		if l = t.layoutRules(d, size, narrow); top+l.height <= bottomY {
			break
		}
	}
	d.font(l.size)
	d.y = top
	page := d.pages
	for i, lines := range l.lines {
		if i > 0 {
			d.y += tkRuleGap
		}
		if d.pages != page {
			lines = d.wrap(strings.TrimSpace(t.Rules[i]), wide-l.indent) // past the QR code
		}
		for j := 0; j < len(lines); j++ {
			if d.y+d.lineH() > bottomY {
				d.newPage()
				// The rest of the rule, wrapped again across the page.
				lines = append(lines[:j:j], d.wrap(joinLines(lines[j:]), wide-l.indent)...)
			}
			if j == 0 {
				d.text(x, d.y, fmt.Sprintf("%d. ", i+1))
			}
			d.text(x+l.indent, d.y, lines[j])
			d.y += d.lineH()
		}
	}
	if d.pages == page {
		d.y = max(d.y, top+qrH)
	}
}

// joinLines joins wrapped lines back into one text, with a space between
// two Latin words that a line break separated.
func joinLines(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 && l != "" && b.Len() > 0 {
			prev, _ := utf8.DecodeLastRuneInString(b.String())
			next, _ := utf8.DecodeRuneInString(l)
			if isWordRune(prev) && isWordRune(next) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// photoNote writes text in the middle of a photo box (x, y, w, h), at
// 10 pt when it fits on one line, else wrapped at 8 pt.
func photoNote(d *doc, x, y, w, h float64, text string) {
	size := d.size
	defer d.font(size)
	d.font(10)
	if d.width(text) > w-2 {
		d.font(8)
	}
	lines := d.wrap(text, w-2)
	d.textIn(x, y+(h-float64(len(lines))*d.lineH())/2, w, lines, alignCenter)
}

// drawPhoto draws a JPEG photo centred in the box (x, y, w, h), at most
// maxW×maxH mm and keeping its proportions, or, when there is none, the
// word empty in the middle of the box. The photo's bytes are embedded as
// they are (DCTDecode): it is not decoded.
func drawPhoto(d *doc, photo []byte, x, y, w, h, maxW, maxH float64, empty string) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(photo))
	if len(photo) == 0 || err != nil || cfg.Width == 0 || cfg.Height == 0 {
		photoNote(d, x, y, w, h, empty)
		return
	}
	maxW, maxH = min(maxW, w-2), min(maxH, h-2)
	pw, ph := maxW, maxW*float64(cfg.Height)/float64(cfg.Width)
	if ph > maxH {
		ph, pw = maxH, maxH*float64(cfg.Width)/float64(cfg.Height)
	}
	img, err := gopdf.ImageHolderByBytes(photo)
	if err != nil {
		d.fail(err)
		return
	}
	d.fail(d.pdf.ImageByHolder(img, x+(w-pw)/2, y+(h-ph)/2, &gopdf.Rect{W: pw, H: ph}))
}

// draw draws the roster from the top of the current page: the title, the
// lines, then the table, its header repeated on every page.
func (r *TicketRoster) draw(d *doc, title string) {
	d.running = title
	d.font(16)
	lines := d.wrap(title, contentW)
	d.textIn(marginX, d.y, contentW, lines, alignCenter)
	d.y += float64(len(lines))*d.lineH() + 3
	d.font(10.5)
	for _, l := range r.Lines {
		d.paragraph(marginX, contentW, l, alignLeft)
	}
	d.y += 2
	if len(r.Header) == 0 {
		return
	}
	d.font(9.5)
	ws := r.widths(d)
	header := make([]cell, len(r.Header))
	for i, h := range r.Header {
		header[i] = label(ws[i], h)
	}
	d.ensure(2 * afRowH)
	d.row(marginX, header, afRowH)
	d.onNewPage = func() { d.row(marginX, header, afRowH) }
	for _, row := range r.Rows {
		cells := make([]cell, len(ws))
		for i := range cells {
			cells[i] = cell{w: ws[i], align: alignCenter}
			if i < len(row) {
				cells[i].text = row[i]
			}
			if ws[i] > 40 {
				cells[i].align = alignLeft
			}
		}
		// Rows are tall enough to sign in.
		d.row(marginX, cells, 8.5)
	}
	d.onNewPage = nil
}

// widths returns the roster's column widths: each column as wide as its
// widest text (at most 60 mm, at least 12 mm; a column with nothing under
// its header, for signatures, at least 26 mm). When the columns are too
// wide together, each gives way in proportion to what it has above its
// widest unbreakable piece (a ticket or ID number stays on one line);
// room left over goes to the empty columns, or else to all alike.
func (r *TicketRoster) widths(d *doc) []float64 {
	n := len(r.Header)
	ws := make([]float64, n)
	least := make([]float64, n)
	empty := make([]bool, n)
	for i, h := range r.Header {
		ws[i] = d.width(h)
		least[i] = ws[i] // headers do not wrap
		empty[i] = true
	}
	for _, row := range r.Rows {
		for i, s := range row {
			if i >= n || s == "" {
				continue
			}
			empty[i] = false
			for _, l := range strings.Split(s, "\n") {
				ws[i] = max(ws[i], d.width(l))
				for _, tok := range tokens(l) {
					least[i] = max(least[i], d.width(tok))
				}
			}
		}
	}
	total, slack := 0.0, 0.0
	for i := range ws {
		lo := 12.0
		if empty[i] {
			lo = 26
		}
		ws[i] = min(max(ws[i]+2*cellPadX+0.5, lo), 60)
		least[i] = min(max(least[i]+2*cellPadX+0.5, lo), ws[i])
		total += ws[i]
		slack += ws[i] - least[i]
	}
	switch {
	case total > contentW && total-slack <= contentW:
		k := (total - contentW) / slack
		for i := range ws {
			ws[i] -= (ws[i] - least[i]) * k
		}
	case total > contentW:
		for i := range ws {
			ws[i] *= contentW / total
		}
	default:
		var to []int
		for i := range ws {
			if empty[i] {
				to = append(to, i)
			}
		}
		for i := range ws {
			switch {
			case len(to) == 0:
				ws[i] += (contentW - total) * ws[i] / total
			case empty[i]:
				ws[i] += (contentW - total) / float64(len(to))
			}
		}
	}
	return ws
}

// DoorListRow is one candidate on a room's door list.
type DoorListRow struct {
	Seat      int
	TicketNo  string
	Name      string
	IDNumber  string // masked by the caller
	Specialty string // e.g. 368 护理学（中级）
	Photo     []byte // JPEG, may be nil
	PhotoNote string // what the box says when there is no photo, instead of 无照片
}

// DoorListData is the list of one room on one exam day (考场门贴 and 签到表
// with photos), for identity checks at the door.
type DoorListData struct {
	Year  int
	Site  string
	Venue string
	Room  string        // e.g. 第3考场（机房 A301）
	Kind  string        // 计算机考场 or 纸笔考场
	Day   string        // e.g. 2024年4月13日 (paper rooms: 2024年4月13日、4月14日)
	Times string        // the sessions, e.g. 08:30—10:00、10:45—12:15、14:00—15:30、16:15—17:45
	Rows  []DoorListRow // sorted by seat
}

// Layout of the door list, in mm.
const (
	dlPhotoW = 18.0
	dlPhotoH = 24.0
	dlRowH   = dlPhotoH + 2 // a row fits its photo
	dlHeadH  = 7.0          // the table's header row
	dlFootH  = 11.0         // the proctors' line at the foot of every page
	dlSize   = 10.0
)

// dlWidths are the door list's columns: 座位号, 照片, 姓名, 准考证号／证件号码,
// 报考专业, 考生签名 (contentW in all).
var dlWidths = []float64{14, 22, 28, 40, 46, 30}

func (l *DoorListData) title() string {
	return fmt.Sprintf("%d年度卫生专业技术资格考试 考场门贴及签到表", l.Year)
}

func (l *DoorListData) check() error {
	fields := map[string]string{}
	var msgs []string
	add := func(k, m string) {
		fields[k] = m
		msgs = append(msgs, m)
	}
	if l.Year <= 0 {
		add("year", "缺少考试年度")
	}
	if strings.TrimSpace(l.Room) == "" {
		add("room", "缺少考场名称")
	}
	if len(l.Rows) == 0 {
		add("rows", "考场没有考生")
	}
	for i, r := range l.Rows {
		if len(r.Photo) > 0 && !isJPEG(r.Photo) {
			add(fmt.Sprintf("rows[%d].photo", i), fmt.Sprintf("%d号座位考生的照片不是可读取的JPEG图片", r.Seat))
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &kaowu.Error{Code: kaowu.EINVALID, Message: "无法生成考场门贴及签到表：" + strings.Join(msgs, "；") + "。", Fields: fields}
}

// DoorList renders a room's door list: a header (site, venue, room, day,
// count) and a grid or table of candidates with their photos, seat
// numbers, names, ticket numbers, masked ID numbers and specialty, and a
// signature column (签名) for the sign-in sheet. Many candidates flow over
// pages.
func DoorList(l DoorListData) ([]byte, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	rows := make([]DoorListRow, len(l.Rows))
	copy(rows, l.Rows)
	slices.SortStableFunc(rows, func(a, b DoorListRow) int { return a.Seat - b.Seat })

	d, err := newDoc(l.title() + " " + l.Room)
	if err != nil {
		return nil, err
	}
	ws := dlWidths
	cells := make([][]cell, len(rows))
	heights := make([]float64, len(rows))
	d.font(dlSize)
	for i, r := range rows {
		cells[i] = []cell{
			{w: ws[0], text: fmt.Sprint(r.Seat), align: alignCenter, size: 16},
			{w: ws[1]},
			{w: ws[2], text: r.Name, align: alignCenter, size: 12},
			{w: ws[3], text: r.TicketNo + "\n" + r.IDNumber, align: alignCenter},
			{w: ws[4], text: r.Specialty, align: alignCenter},
			{w: ws[5]},
		}
		heights[i] = d.rowHeight(cells[i], dlRowH)
	}

	// Pages are counted first, so that each header says 第 N 页 共 M 页.
	headH := l.head(d, 0, 0, false)
	avail := bottomY - dlFootH - marginTop - headH - dlHeadH
	pages, y := 1, 0.0
	for _, h := range heights {
		if y+h > avail && y > 0 {
			pages, y = pages+1, 0
		}
		y += h
	}

	header := []cell{label(ws[0], "座位号"), label(ws[1], "照片"), label(ws[2], "姓名"),
		label(ws[3], "准考证号／证件号码"), label(ws[4], "报考专业"), label(ws[5], "考生签名")}
	page := 1
	start := func() {
		l.head(d, page, pages, true)
		d.font(dlSize)
		d.drawCells(marginX, d.y, dlHeadH, header)
		d.y += dlHeadH
	}
	start()
	first := d.y
	for i, r := range rows {
		if d.y+heights[i] > bottomY-dlFootH && d.y > first {
			l.foot(d)
			page++
			d.newPage()
			start()
		}
		top := d.y
		d.drawCells(marginX, top, heights[i], cells[i])
		drawPhoto(d, r.Photo, marginX+ws[0], top, ws[1], heights[i], dlPhotoW, dlPhotoH, cmp.Or(r.PhotoNote, "无照片"))
		d.y += heights[i]
	}
	l.foot(d)
	return d.bytes()
}

// head draws (when draw is set) the header of a page of the door list and
// returns its height: the title, the room in large type, the site, venue,
// kind, day and times, and the count with the page number.
func (l *DoorListData) head(d *doc, page, pages int, draw bool) float64 {
	y := d.y
	put := func(size float64, s string, w float64, a align) {
		d.font(size)
		lines := d.wrap(s, w)
		if draw {
			d.textIn(marginX, y, w, lines, a)
		}
		y += float64(len(lines)) * d.lineH()
	}
	put(14, l.title(), contentW, alignCenter)
	y += 0.5
	put(20, l.Room, contentW, alignCenter)
	y += 1
	kind := ""
	if l.Kind != "" {
		kind = "　考场类型：" + l.Kind
	}
	put(10, "考点："+l.Site+"　考试地点："+l.Venue+kind, contentW, alignLeft)
	put(10, "考试日期："+l.Day+"　考试时间："+l.Times, contentW, alignLeft)
	count := fmt.Sprintf("本考场考生 %d 名", len(l.Rows))
	if n := len(l.Rows); n > 0 {
		lo, hi := l.Rows[0].Seat, l.Rows[0].Seat
		for _, r := range l.Rows {
			lo, hi = min(lo, r.Seat), max(hi, r.Seat)
		}
		count += fmt.Sprintf("（座位号 %d—%d）", lo, hi)
	}
	count += "。请核对考生本人、照片与有效身份证件，考生本人签名。"
	d.font(10)
	if draw {
		s := fmt.Sprintf("第 %d 页 共 %d 页", page, pages)
		d.text(pageW-marginX-d.width(s), y, s)
	}
	put(10, count, contentW-32, alignLeft)
	y += 1.5
	h := y - d.y
	if draw {
		d.y = y
	}
	return h
}

// foot draws the proctors' signatures and the attendance counts at the
// foot of the page.
func (l *DoorListData) foot(d *doc) {
	d.font(10)
	y := bottomY - d.lineH() - 1
	x := marginX
	for _, s := range []string{"监考员签字：", "监考员签字：", "实到人数：", "缺考人数："} {
		d.text(x, y, s)
		x += d.width(s)
		w := 26.0
		if strings.HasSuffix(s, "人数：") {
			w = 12
		}
		d.line(x, y+d.lineH()-0.5, x+w, y+d.lineH()-0.5)
		x += w + 4
	}
}
