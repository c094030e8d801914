package pdf

import (
	"fmt"
	"strings"

	"kaowu"
)

// ScoreSubjectLine is one subject on a score report.
type ScoreSubjectLine struct {
	Subject string // 基础知识 …
	Score   string // 72, or 缺考
	Result  string // 合格 / 不合格
}

// ScoreReportData is a candidate's score report (成绩单, 六): the year's four
// subjects, the two-year result (七) and a QR code signed by the site
// office's key, checkable offline with its public key.
type ScoreReportData struct {
	Year          int
	Name          string
	IDNumber      string // masked by the caller
	TicketNo      string
	ArchiveNo     string
	SpecialtyCode string
	SpecialtyName string
	LevelLabel    string
	PassLine      string // e.g. 各科合格标准：60 分（满分 100 分）
	Subjects      []ScoreSubjectLine
	Outcome       string   // the two-year result in one sentence
	Notes         []string // the reasons, each with its clause
	QR            string   // the signed payload
	Issued        string   // e.g. 2024年6月20日 10:00 打印
}

// ScoreReport renders a score report: one A4 page.
func ScoreReport(r ScoreReportData) ([]byte, error) {
	if r.TicketNo == "" || strings.TrimSpace(r.Name) == "" || len(r.Subjects) == 0 {
		return nil, kaowu.Errorf(kaowu.EINVALID, "成绩单缺少准考证号、姓名或成绩")
	}
	qr, err := qrModules(r.QR)
	if err != nil {
		return nil, err
	}
	title := fmt.Sprintf("%d年度卫生专业技术资格考试 成绩单", r.Year)
	d, err := newDoc(title)
	if err != nil {
		return nil, err
	}
	d.font(18)
	d.textIn(marginX, d.y, contentW, d.wrap(title, contentW), alignCenter)
	d.y += d.lineH() + 4
	d.font(11)
	lw, vw := 28.0, contentW/2-28.0
	for _, pair := range [][2][2]string{
		{{"姓名", r.Name}, {"证件号码", r.IDNumber}},
		{{"准考证号", r.TicketNo}, {"档案号", r.ArchiveNo}},
		{{"报考专业", r.SpecialtyCode + " " + r.SpecialtyName + "（" + r.LevelLabel + "）"}, {"合格标准", r.PassLine}},
	} {
		d.row(marginX, []cell{label(lw, pair[0][0]), value(vw, pair[0][1]), label(lw, pair[1][0]), value(vw, pair[1][1])}, 9)
	}
	d.y += 4
	section(d, "各科成绩")
	ws := []float64{contentW / 3, contentW / 3, contentW / 3}
	d.row(marginX, []cell{label(ws[0], "科目"), label(ws[1], "成绩"), label(ws[2], "结果")}, 8)
	for _, s := range r.Subjects {
		d.row(marginX, []cell{{w: ws[0], text: s.Subject, align: alignCenter}, {w: ws[1], text: s.Score, align: alignCenter, size: 13},
			{w: ws[2], text: s.Result, align: alignCenter}}, 10)
	}
	d.y += 4
	section(d, "两年滚动管理")
	const qrSide = 34.0
	top := d.y + 2
	d.qr(pageW-marginX-qrSide, top, qrSide, qr)
	d.font(8)
	d.textIn(pageW-marginX-qrSide-6, top+qrSide+1.5, qrSide+12, d.wrap("成绩单验证码（用考区公钥核验）", qrSide+12), alignCenter)
	d.y = top
	d.font(11)
	w := contentW - qrSide - 8
	d.paragraph(marginX+1, w, r.Outcome, alignLeft)
	d.font(9.5)
	for _, n := range r.Notes {
		d.y += 1
		d.paragraph(marginX+1, w, n, alignLeft)
	}
	if r.Issued != "" {
		d.font(8.5)
		d.text(pageW-marginX-d.width(r.Issued), pageH-marginBottom+4, r.Issued)
	}
	return d.bytes()
}
