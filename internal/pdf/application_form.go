package pdf

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of the photo
	"strings"
	"time"

	"github.com/signintech/gopdf"

	"kaowu"
)

// ApplicationFormData is everything the printed application form
// (《2024年卫生专业技术资格考试申报表》, 二（一）) shows. The app layer fills
// it from the submitted application version: the notice requires the
// printed form to match the final submission (二（一）4(6)), so every field
// comes from that version and the QR payload names it. Labels are the
// Chinese texts to print (kaowu.Level.Label() and so on); dates are
// calendar days, the zero Date printing as blank.
type ApplicationFormData struct {
	Year          int    // exam year, e.g. 2024
	Title         string // empty: "<Year>年卫生专业技术资格考试申报表"
	ApplicationID string
	Version       int       // submission version, from 1
	SubmittedAt   time.Time // printed in Asia/Shanghai

	Name        string
	Gender      string // 男 / 女
	BirthDate   kaowu.Date
	IDTypeLabel string // e.g. 居民身份证
	// IDNumber is printed in full: the form is the candidate's own
	// document, checked against the ID card at confirmation.
	IDNumber string
	Mobile   string
	// Photo is the registration photo as JPEG bytes (internal/photo
	// normalises it to 295×413); nil prints an empty box saying 照片.
	Photo []byte
	// PhotoNote is what the photo box says when there is no photo, instead
	// of 照片 (e.g. that it was deleted at the end of its retention).
	PhotoNote string

	Region        string // 北京考区
	Site          string // 丰台考点
	SpecialtyCode string // 368
	SpecialtyName string // 护理学
	LevelLabel    string // 中级
	ModeLabel     string // 人机对话
	Subjects      []string

	Education []EducationRow
	Work      WorkRow

	// Route is the eligibility condition the candidate applies under (the
	// engine's Route.Text) and RouteClauses the clauses it cites.
	Route        string
	RouteClauses []string
	// Materials are the materials to bring to the on-site confirmation.
	Materials []MaterialRow

	// QRPayload is encoded in the QR code (a verification URL or token
	// naming the application and version).
	QRPayload string
}

// EducationRow is one education held.
type EducationRow struct {
	Level       string // 本科
	School      string
	Major       string
	GraduatedOn kaowu.Date
	FullTime    bool
}

// WorkRow is the candidate's work situation.
type WorkRow struct {
	UnitName             string
	UnitCategory         string // label, e.g. 直属医院
	Post                 string
	StartedOn            kaowu.Date // 从事本专业工作起始时间
	PracticeRegisteredOn kaowu.Date // 执业注册时间
	Titles               []TitleRow
	Licences             []LicenceRow
}

// TitleRow is a professional title held (专业技术资格).
type TitleRow struct {
	Name       string // e.g. 护理学
	Level      string // e.g. 初级（师）
	ObtainedOn kaowu.Date
}

// LicenceRow is a practice licence held.
type LicenceRow struct {
	Name       string // e.g. 护士执业证书
	Category   string // 执业类别 (physicians)
	Scope      string // 执业范围
	ObtainedOn kaowu.Date
}

// MaterialRow is one material and the clause that asks for it.
type MaterialRow struct {
	Text   string
	Clause string
}

// Column widths of the application form, in mm; each row adds up to
// contentW (180).
const (
	afPhotoW  = 32.0 // photo column of the first block
	afLabelW  = 20.0
	afLeftW   = contentW - afPhotoW        // 148
	afValueW  = (afLeftW - 3*afLabelW) / 3 // 29.33
	afRowH    = 6.5
	afSectH   = 6.0
	afSize    = 9.0
	afHeaderQ = 22.0 // QR side
	afPhotoH  = 37.0 // least height of the photo box: a 25×35 mm photo
)

// ApplicationForm renders the application form as a PDF: one A4 page for
// a typical candidate, longer education, title and licence lists flowing
// to a second page with their table headers repeated.
func ApplicationForm(f ApplicationFormData) ([]byte, error) {
	qr, err := f.validate()
	if err != nil {
		return nil, err
	}
	title := f.Title
	if title == "" {
		title = fmt.Sprintf("%d年卫生专业技术资格考试申报表", f.Year)
	}
	d, err := newDoc(title)
	if err != nil {
		return nil, err
	}
	if err := f.header(d, title, qr); err != nil {
		return nil, err
	}
	d.running = fmt.Sprintf("%s（续页）　申报编号：%s　姓名：%s　第%d版", title, f.ApplicationID, f.Name, f.Version)
	d.font(afSize)
	if err := f.basic(d); err != nil {
		return nil, err
	}
	f.education(d)
	f.work(d)
	f.eligibility(d)
	f.signatures(d)
	d.footers("本表须与网上最终提交的报名信息一致（二（一）4(6)），经所在单位审查盖章后用于现场确认。")
	return d.bytes()
}

// validate checks the fields the form cannot do without and returns the
// QR code's modules.
func (f *ApplicationFormData) validate() ([][]bool, error) {
	fields := map[string]string{}
	var qr [][]bool
	if f.Year <= 0 {
		fields["year"] = "缺少考试年度"
	}
	if strings.TrimSpace(f.ApplicationID) == "" {
		fields["application_id"] = "缺少申报编号"
	}
	if f.Version < 1 {
		fields["version"] = "版本号须从1开始"
	}
	if strings.TrimSpace(f.Name) == "" {
		fields["name"] = "缺少姓名"
	}
	if strings.TrimSpace(f.IDNumber) == "" {
		fields["id_number"] = "缺少证件号码"
	}
	if f.QRPayload == "" {
		fields["qr_payload"] = "缺少核验二维码内容"
	} else if m, err := qrModules(f.QRPayload); err != nil {
		fields["qr_payload"] = "核验二维码内容过长"
	} else {
		qr = m
	}
	if len(f.Photo) > 0 {
		if _, format, err := image.DecodeConfig(bytes.NewReader(f.Photo)); err != nil || format != "jpeg" {
			fields["photo"] = "照片不是可读取的JPEG图片"
		}
	}
	if len(fields) == 0 {
		return qr, nil
	}
	msgs := make([]string, 0, len(fields))
	for _, k := range []string{"year", "application_id", "version", "name", "id_number", "qr_payload", "photo"} {
		if m, ok := fields[k]; ok {
			msgs = append(msgs, m)
		}
	}
	return nil, &kaowu.Error{Code: kaowu.EINVALID, Message: "无法生成申报表：" + strings.Join(msgs, "；") + "。", Fields: fields}
}

// header draws the title, the application's identity line and the QR
// code with its caption at the top right.
func (f *ApplicationFormData) header(d *doc, title string, qr [][]bool) error {
	qx, qy := pageW-marginX-afHeaderQ, marginTop-4
	d.qr(qx, qy, afHeaderQ, qr)
	d.font(7.5)
	caption := fmt.Sprintf("扫码核验：第%d版", f.Version)
	d.text(qx+(afHeaderQ-d.width(caption))/2, qy+afHeaderQ+1, caption)

	// Title and identity line, centred in the space left of the QR code
	// (its quiet zone, 4 modules ≈ 3 mm, stays clear).
	left := contentW - afHeaderQ - 6
	d.font(17)
	y := marginTop
	lines := d.wrap(title, left)
	d.textIn(marginX, y, left, lines, alignCenter)
	y += float64(len(lines))*d.lineH() + 0.5
	d.font(9)
	submitted := ""
	if !f.SubmittedAt.IsZero() {
		submitted = f.SubmittedAt.In(kaowu.Shanghai).Format("2006-01-02 15:04")
	}
	lines = d.wrap(fmt.Sprintf("申报编号：%s　第%d版　提交时间：%s", f.ApplicationID, f.Version, submitted), left)
	d.textIn(marginX, y, left, lines, alignCenter)
	y += float64(len(lines)) * d.lineH()
	d.y = max(qy+afHeaderQ+4.5, y) + 0.5
	return d.err
}

// section draws a section title row across the page.
func section(d *doc, title string) {
	size := d.size
	d.font(10)
	h := afSectH
	d.ensure(h + afRowH) // never a title alone at the foot of a page
	d.fill(marginX, d.y, contentW, h, 0.82)
	d.rect(marginX, d.y, contentW, h)
	d.text(marginX+cellPadX, d.y+(h-d.lineH())/2, title)
	d.y += h
	d.font(size)
}

// basic draws the candidate's identity and the target, with the photo
// box spanning the rows on the right.
func (f *ApplicationFormData) basic(d *doc) error {
	section(d, "一、基本信息及报考信息")
	lw, vw := afLabelW, afValueW
	span2 := vw + lw + vw
	birth := f.BirthDate.String()
	specialty := strings.TrimSpace(f.SpecialtyCode + " " + f.SpecialtyName)
	rows := [][]cell{
		{label(lw, "姓名"), value(vw, f.Name), label(lw, "性别"), value(vw, f.Gender), label(lw, "出生日期"), value(vw, birth)},
		{label(lw, "证件类型"), value(vw, f.IDTypeLabel), label(lw, "证件号码"), value(span2, f.IDNumber)},
		{label(lw, "手机号码"), value(vw, f.Mobile), label(lw, "报考考区"), value(vw, f.Region), label(lw, "报考考点"), value(vw, f.Site)},
		{label(lw, "报考专业"), value(span2, specialty), label(lw, "报考级别"), value(vw, f.LevelLabel)},
		{label(lw, "考试方式"), value(vw, f.ModeLabel), label(lw, "报考科目"), value(span2, strings.Join(f.Subjects, "、"))},
	}
	heights := make([]float64, len(rows))
	total := 0.0
	for i, r := range rows {
		heights[i] = d.rowHeight(r, afRowH)
		total += heights[i]
	}
	if total < afPhotoH {
		heights[len(heights)-1] += afPhotoH - total
		total = afPhotoH
	}
	d.ensure(total)
	top := d.y
	for i, r := range rows {
		d.drawCells(marginX, d.y, heights[i], r)
		d.y += heights[i]
	}
	px := marginX + afLeftW
	d.rect(px, top, afPhotoW, total)
	return f.photo(d, px, top, afPhotoW, total)
}

// photo draws the photo centred in the box, at most 25×35 mm (one inch),
// or the word 照片 when there is none.
func (f *ApplicationFormData) photo(d *doc, x, y, w, h float64) error {
	if len(f.Photo) == 0 {
		photoNote(d, x, y, w, h, cmp.Or(f.PhotoNote, "照片"))
		return nil
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(f.Photo))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		return kaowu.FieldError("photo", "照片不是可读取的JPEG图片。")
	}
	maxW, maxH := min(25.0, w-4), min(35.0, h-4)
	pw, ph := maxW, maxW*float64(cfg.Height)/float64(cfg.Width)
	if ph > maxH {
		ph, pw = maxH, maxH*float64(cfg.Width)/float64(cfg.Height)
	}
	img, err := gopdf.ImageHolderByBytes(f.Photo)
	if err != nil {
		return kaowu.FieldError("photo", "照片不是可读取的JPEG图片。")
	}
	if err := d.pdf.ImageByHolder(img, x+(w-pw)/2, y+(h-ph)/2, &gopdf.Rect{W: pw, H: ph}); err != nil {
		return &kaowu.Error{Code: kaowu.EINVALID, Message: "照片无法放入申报表。", Fields: map[string]string{"photo": "照片无法读取"}, Err: err}
	}
	return nil
}

// table draws a header row and the rows under it; after a page break
// inside the table the header is repeated, marked （续）.
func table(d *doc, header []cell, rows [][]cell, contTitle string) {
	d.ensure(2 * afRowH)
	d.row(marginX, header, afRowH)
	d.onNewPage = func() {
		size := d.size
		d.font(9)
		d.text(marginX, d.y, contTitle+"（续）")
		d.y += d.lineH() + 0.5
		d.font(size)
		d.row(marginX, header, afRowH)
	}
	for _, r := range rows {
		d.row(marginX, r, afRowH)
	}
	d.onNewPage = nil
}

func (f *ApplicationFormData) education(d *doc) {
	section(d, "二、教育情况")
	ws := []float64{24, 64, 48, 26, 18}
	header := []cell{label(ws[0], "学历"), label(ws[1], "毕业学校"), label(ws[2], "所学专业"), label(ws[3], "毕业时间"), label(ws[4], "全日制")}
	var rows [][]cell
	for _, e := range f.Education {
		full := "否"
		if e.FullTime {
			full = "是"
		}
		rows = append(rows, []cell{
			{w: ws[0], text: e.Level, align: alignCenter}, value(ws[1], e.School), value(ws[2], e.Major),
			{w: ws[3], text: e.GraduatedOn.String(), align: alignCenter}, {w: ws[4], text: full, align: alignCenter},
		})
	}
	if len(rows) == 0 {
		rows = append(rows, []cell{value(contentW, "（未填写）")})
	}
	table(d, header, rows, "二、教育情况")
}

func (f *ApplicationFormData) work(d *doc) {
	section(d, "三、工作情况")
	w := f.Work
	const lw, lw2 = 33.0, 25.0
	vw := (contentW - lw - lw2) / 2
	d.row(marginX, []cell{label(lw, "工作单位"), value(contentW-lw, w.UnitName)}, afRowH)
	d.row(marginX, []cell{label(lw, "单位类别"), value(vw, w.UnitCategory), label(lw2, "岗位"), value(vw, w.Post)}, afRowH)
	d.row(marginX, []cell{label(lw, "从事本专业工作时间"), value(vw, dateFrom(w.StartedOn)), label(lw2, "执业注册时间"), value(vw, w.PracticeRegisteredOn.String())}, afRowH)

	tw := []float64{lw, 73, 40, 34}
	header := []cell{label(tw[0], "专业技术资格"), label(tw[1], "专业"), label(tw[2], "级别"), label(tw[3], "取得时间")}
	var rows [][]cell
	for i, t := range w.Titles {
		rows = append(rows, []cell{{w: tw[0], text: fmt.Sprint(i + 1), align: alignCenter}, value(tw[1], t.Name),
			{w: tw[2], text: t.Level, align: alignCenter}, {w: tw[3], text: t.ObtainedOn.String(), align: alignCenter}})
	}
	if len(rows) == 0 {
		rows = append(rows, []cell{{w: tw[0], text: "—", align: alignCenter}, value(contentW-tw[0], "无")})
	}
	table(d, header, rows, "三、工作情况·专业技术资格")

	lwid := []float64{lw, 45, 28, 40, 34}
	header = []cell{label(lwid[0], "执业资格"), label(lwid[1], "证书"), label(lwid[2], "执业类别"), label(lwid[3], "执业范围"), label(lwid[4], "取得时间")}
	rows = rows[:0]
	for i, l := range w.Licences {
		rows = append(rows, []cell{{w: lwid[0], text: fmt.Sprint(i + 1), align: alignCenter}, value(lwid[1], l.Name),
			{w: lwid[2], text: l.Category, align: alignCenter}, value(lwid[3], l.Scope), {w: lwid[4], text: l.ObtainedOn.String(), align: alignCenter}})
	}
	if len(rows) == 0 {
		rows = append(rows, []cell{{w: lwid[0], text: "—", align: alignCenter}, value(contentW-lwid[0], "无")})
	}
	table(d, header, rows, "三、工作情况·执业资格")
}

func dateFrom(d kaowu.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String() + " 起"
}

func (f *ApplicationFormData) eligibility(d *doc) {
	section(d, "四、报考条件及现场确认材料")
	const lw, lw2, cw = 33.0, 20.0, 46.0
	d.row(marginX, []cell{label(lw, "报考条件"), value(contentW-lw-lw2-cw, f.Route),
		label(lw2, "依据条款"), {w: cw, items: f.RouteClauses}}, afRowH)
	var b strings.Builder
	for i, m := range f.Materials {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d. %s", i+1, m.Text)
		if m.Clause != "" {
			fmt.Fprintf(&b, "（%s）", m.Clause)
		}
	}
	mats := b.String()
	if mats == "" {
		mats = "（无）"
	}
	d.row(marginX, []cell{label(lw, "现场确认材料"), {w: contentW - lw, text: mats, size: 8.5}}, afRowH)
}

// signatures draws, side by side, the candidate's pledge with the
// signature and date lines and the unit's review box with its stamp and
// date lines; under them the unit's contact line, filled in by hand
// (二（二）2: 联系方式栏需手工填写). The block stays on one page.
func (f *ApplicationFormData) signatures(d *doc) {
	const bandH, contactH, lw = 34.0, 7.5, 33.0
	d.ensure(afSectH + bandH + contactH)
	section(d, "五、考生承诺及单位审查")
	half := contentW / 2
	top := d.y
	d.rect(marginX, top, half, bandH)
	d.rect(marginX+half, top, half, bandH)
	inner := half - 2*cellPadX
	x := marginX + cellPadX
	d.text(x, top+1.5, "考生承诺：")
	pledge := d.wrap("　　本人承诺以上信息真实、准确，与网上最终提交的报名信息一致；如有不实，本人愿承担由此产生的一切后果。", inner)
	d.textIn(x, top+1.5+d.lineH(), inner, pledge, alignLeft)
	d.text(x, top+bandH-d.lineH()-2, "考生签字：")
	date := "年　　月　　日"
	d.text(x+inner-d.width(date)-2, top+bandH-d.lineH()-2, date)

	x = marginX + half + cellPadX
	d.text(x, top+1.5, "单位审查意见：")
	d.text(x+inner-52, top+bandH-2*d.lineH()-4, "单位（盖章）")
	d.text(x, top+bandH-d.lineH()-2, "审查人签字：")
	d.text(x+inner-d.width(date)-2, top+bandH-d.lineH()-2, date)
	d.y += bandH

	top = d.y
	d.drawCells(marginX, top, contactH, []cell{label(lw, "单位联系方式"), value(contentW-lw, "")})
	x = marginX + lw + cellPadX
	d.text(x, top+(contactH-d.lineH())/2, "联系人：")
	d.text(x+60, top+(contactH-d.lineH())/2, "联系电话：")
	size := d.size
	d.font(7.5)
	note := "（须手工填写）"
	d.text(pageW-marginX-cellPadX-d.width(note), top+(contactH-d.lineH())/2, note)
	d.font(size)
	d.y += contactH
}
