package pdf

import (
	"fmt"
	"strings"

	"kaowu"
)

// PledgeKind is the version of the truthfulness pledge (报名材料真实性
// 承诺书): the candidate's own (附件3) or the employer unit's (附件4).
type PledgeKind string

// The two versions.
const (
	PledgePersonal PledgeKind = "personal"
	PledgeUnit     PledgeKind = "unit"
)

// Label returns the Chinese name of the version.
func (k PledgeKind) Label() string {
	switch k {
	case PledgePersonal:
		return "个人版"
	case PledgeUnit:
		return "单位版"
	}
	return string(k)
}

// annex is the notice's annex number of the version.
func (k PledgeKind) annex() string {
	if k == PledgeUnit {
		return "附件4"
	}
	return "附件3"
}

// PledgeData is what a pledge is pre-filled with. IDNumber is printed as
// given: pass kaowu.MaskID(n) for a masked number, the full number for the
// candidate's own copy.
type PledgeData struct {
	Kind          PledgeKind
	Year          int
	CandidateName string
	IDNumber      string
	UnitName      string
	SpecialtyCode string
	SpecialtyName string
	LevelLabel    string
	// Site is the exam site addressed, e.g. 丰台考点; Region its region.
	Region string
	Site   string
	// Candidates lists the unit's candidates on a unit pledge that covers
	// several (the unit confirms its candidates together, 二（二）). When
	// empty, the unit pledge covers CandidateName alone.
	Candidates []PledgeCandidate
	// Date pre-fills the date line; the zero Date leaves 年 月 日 blank.
	Date kaowu.Date
}

// PledgeCandidate is one line of a unit pledge's list of candidates.
type PledgeCandidate struct {
	Name          string
	IDNumber      string // as printed: masked or full
	SpecialtyCode string
	SpecialtyName string
	LevelLabel    string
}

// Pledge renders the truthfulness pledge, personal (附件3) or unit
// (附件4), pre-filled, with the signature, stamp and date lines.
//
// NOT THE OFFICIAL TEXT: the notice names the annexes but their text was
// not at hand. The wording below is the standard wording such pledges use
// (materials true and complete, conditions met, consequences accepted,
// the unit's review and responsibility); replace it with the official
// annex text when it is available.
func Pledge(p PledgeData) ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	title := "报名材料真实性承诺书（" + p.Kind.Label() + "）"
	d, err := newDoc(title)
	if err != nil {
		return nil, err
	}
	d.font(12)
	d.text(marginX, d.y, p.Kind.annex())
	d.y += 14
	d.font(18)
	d.textIn(marginX, d.y, contentW, []string{title}, alignCenter)
	d.y += d.lineH() + 8

	d.font(12)
	d.gap = 1.9
	x, w := marginX+5, contentW-10
	addressee := strings.TrimSpace(p.Region + p.Site)
	if addressee == "" {
		addressee = "考试管理机构"
	}
	d.paragraph(x, w, addressee+"：", alignLeft)
	for _, para := range p.body() {
		d.paragraph(x, w, "　　"+para, alignLeft)
	}
	if p.Kind == PledgeUnit && len(p.Candidates) > 0 {
		p.candidateTable(d)
	}
	p.signature(d, x, w)
	if d.pages > 1 {
		d.footers("")
	}
	return d.bytes()
}

func (p *PledgeData) validate() error {
	fields := map[string]string{}
	if p.Kind != PledgePersonal && p.Kind != PledgeUnit {
		fields["kind"] = "承诺书类型须为个人版或单位版"
	}
	if p.Year <= 0 {
		fields["year"] = "缺少考试年度"
	}
	if p.Kind == PledgePersonal && strings.TrimSpace(p.CandidateName) == "" {
		fields["candidate_name"] = "缺少考生姓名"
	}
	if p.Kind == PledgeUnit && strings.TrimSpace(p.UnitName) == "" {
		fields["unit_name"] = "缺少单位名称"
	}
	if p.Kind == PledgeUnit && len(p.Candidates) == 0 && strings.TrimSpace(p.CandidateName) == "" {
		fields["candidates"] = "缺少考生"
	}
	if len(fields) == 0 {
		return nil
	}
	var msgs []string
	for _, k := range []string{"kind", "year", "candidate_name", "unit_name", "candidates"} {
		if m, ok := fields[k]; ok {
			msgs = append(msgs, m)
		}
	}
	return &kaowu.Error{Code: kaowu.EINVALID, Message: "无法生成承诺书：" + strings.Join(msgs, "；") + "。", Fields: fields}
}

// target is "368 护理学（中级）" or "203 护理学（初级师）" as the notice
// writes it, or "" when no specialty is given.
func target(code, name, level string) string {
	s := strings.TrimSpace(code + " " + name)
	if level = strings.NewReplacer("（", "", "）", "").Replace(level); level != "" {
		s += "（" + level + "）"
	}
	return s
}

// body returns the pledge's paragraphs (standard wording, not the official
// annex text; see Pledge).
func (p *PledgeData) body() []string {
	exam := fmt.Sprintf("%d年度卫生专业技术资格考试", p.Year)
	if p.Kind == PledgePersonal {
		intro := "本人" + p.CandidateName
		if p.IDNumber != "" {
			intro += "（证件号码：" + p.IDNumber + "）"
		}
		if p.UnitName != "" {
			intro += "，工作单位：" + p.UnitName
		}
		intro += "，报名参加" + exam
		if t := target(p.SpecialtyCode, p.SpecialtyName, p.LevelLabel); t != "" {
			intro += "，报考专业：" + t
		}
		intro += "。本人郑重承诺："
		return []string{
			intro,
			"一、本人网上填报的报名信息及提交的身份证件、学历学位证书、专业技术资格证书、执业证书、工作年限证明等全部报名材料真实、准确、完整、有效，不存在伪造、变造、涂改或冒用他人材料的情况。",
			"二、本人符合所报考专业及级别的报名条件，打印的申报表与网上最终提交的报名信息一致。",
			"三、本人已认真阅读报考通知及相关规定，自觉遵守考试纪律。",
			"四、如有弄虚作假或违反上述承诺，本人自愿承担取消考试资格、考试成绩及所获证书无效等一切后果，并接受有关部门依照有关规定作出的处理。",
		}
	}
	who := "本单位考生" + p.CandidateName
	if p.IDNumber != "" {
		who += "（证件号码：" + p.IDNumber + "）"
	}
	who += "报名参加" + exam
	if t := target(p.SpecialtyCode, p.SpecialtyName, p.LevelLabel); t != "" {
		who += "（报考专业：" + t + "）"
	}
	if len(p.Candidates) > 0 {
		who = fmt.Sprintf("本单位%d名考生（名单见下表）报名参加%s", len(p.Candidates), exam)
	}
	return []string{
		p.UnitName + "郑重承诺：",
		"一、我单位已对" + who + "所提交的报名材料进行了认真审核，材料真实、准确、完整、有效。",
		"二、上述考生确在我单位从事所报考专业的工作，其学历、专业技术资格、执业注册及从事本专业工作年限等情况属实，符合报名条件；人档分离的考生已在我单位缴纳社会保险满3个月以上。",
		"三、考生申报表经我单位审查盖章，与其网上最终提交的报名信息一致。",
		"四、如有弄虚作假或审核把关不严，我单位愿承担相应责任，并接受有关部门依照有关规定作出的处理。",
	}
}

// candidateTable lists the unit pledge's candidates, the header repeated
// after a page break.
func (p *PledgeData) candidateTable(d *doc) {
	gap, size := d.gap, d.size
	d.gap = lineGap
	d.font(10)
	ws := []float64{14, 40, 60, 66}
	header := []cell{label(ws[0], "序号"), label(ws[1], "姓名"), label(ws[2], "证件号码"), label(ws[3], "报考专业")}
	d.y += 2
	d.ensure(2 * afRowH)
	d.row(marginX, header, afRowH)
	d.onNewPage = func() { d.row(marginX, header, afRowH) }
	for i, c := range p.Candidates {
		d.row(marginX, []cell{
			{w: ws[0], text: fmt.Sprint(i + 1), align: alignCenter}, {w: ws[1], text: c.Name, align: alignCenter},
			{w: ws[2], text: c.IDNumber, align: alignCenter}, value(ws[3], target(c.SpecialtyCode, c.SpecialtyName, c.LevelLabel)),
		}, afRowH)
	}
	d.onNewPage = nil
	d.y += 4
	d.gap = gap
	d.font(size)
}

// signature draws the signature (and for the unit the stamp) lines and
// the date, right-aligned in a block that stays on one page.
func (p *PledgeData) signature(d *doc, x, w float64) {
	date := "年　　月　　日"
	if !p.Date.IsZero() {
		date = p.Date.Chinese()
	}
	var lines []string
	if p.Kind == PledgePersonal {
		lines = []string{"承诺人（签字）：", "", date}
	} else {
		lines = []string{"单位（盖章）：", "单位负责人（签字）：", "经办人（签字）：", "联系电话：", "", date}
	}
	h := float64(len(lines)+1) * d.lineH()
	d.ensure(h + 10)
	d.y += 10
	sx := x + w - 88
	for _, l := range lines {
		if l == date {
			d.text(x+w-d.width(l)-10, d.y, l)
		} else {
			d.text(sx, d.y, l)
		}
		d.y += d.lineH()
	}
}
