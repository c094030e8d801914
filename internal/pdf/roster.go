package pdf

import (
	"fmt"
	"strings"

	"kaowu"
)

// RosterData is a unit's roster and checklist for its on-site
// confirmation day (现场确认, 二（二）): the day, the half-day slots and the
// venue, then every candidate awaiting confirmation with the materials to
// check. ID numbers are printed as given: pass them masked.
type RosterData struct {
	Year         int
	Site         string // 丰台考点
	UnitName     string
	UnitCategory string // the category's Chinese name
	Day          kaowu.Date
	Slots        []string // "上午 09:00—11:30"
	Venue        string
	Clause       string // 二（二）
	Candidates   []RosterCandidate
	// AutoConfirmed counts the unit's returning candidates confirmed
	// automatically (二（一）), who need not come.
	AutoConfirmed int
}

// RosterCandidate is one candidate of the roster.
type RosterCandidate struct {
	Name          string
	IDNumber      string // as printed: masked
	SpecialtyCode string
	SpecialtyName string
	LevelLabel    string
	Version       int // the application form's version to hand in
	Materials     []RosterMaterial
	// IDChange marks a candidate whose ID document changed since last
	// year: they must ask for a score merge (二（一）).
	IDChange bool
}

// RosterMaterial is one material to check, with its clause.
type RosterMaterial struct {
	Text   string
	Clause string
}

func (m RosterMaterial) label() string {
	if m.Clause == "" {
		return m.Text
	}
	return m.Text + "（" + m.Clause + "）"
}

// idChangeNote is printed for a candidate whose ID document changed.
const idChangeNote = "※ 证件类型或号码与上一年度不一致：考生须本人携带有效身份证件及相关证明材料到考点申请成绩合并，否则视为放弃上一年度成绩（二（一））"

func (r RosterData) title() string {
	return fmt.Sprintf("%d年度卫生专业技术资格考试现场确认名单及材料核对表", r.Year)
}

func (r RosterData) validate() error {
	fields := map[string]string{}
	if r.Year <= 0 {
		fields["year"] = "缺少考试年度"
	}
	if strings.TrimSpace(r.UnitName) == "" {
		fields["unit_name"] = "缺少单位名称"
	}
	if r.Day.IsZero() {
		fields["day"] = "缺少现场确认日期"
	}
	if len(r.Candidates) == 0 {
		fields["candidates"] = "没有待确认的考生"
	}
	if len(fields) == 0 {
		return nil
	}
	var msgs []string
	for _, k := range []string{"year", "unit_name", "day", "candidates"} {
		if m, ok := fields[k]; ok {
			msgs = append(msgs, m)
		}
	}
	return &kaowu.Error{Code: kaowu.EINVALID, Message: "无法生成现场确认名单：" + strings.Join(msgs, "；") + "。", Fields: fields}
}

// Roster renders the roster and checklist: a heading with the day, slots
// and venue; per candidate a row (序号, 姓名, 证件号码, 报考专业, 申报表版本)
// and below it a checkbox (□) for each material that applies, with its
// clause; then the signature lines of the unit and the site.
func Roster(r RosterData) ([]byte, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	title := r.title()
	d, err := newDoc(title)
	if err != nil {
		return nil, err
	}
	d.running = title + "　" + r.UnitName
	d.font(16)
	d.textIn(marginX, d.y, contentW, []string{title}, alignCenter)
	d.y += d.lineH() + 3

	d.font(10.5)
	head := []string{
		"考点：" + r.Site + "　　单位：" + r.UnitName + unitCategory(r.UnitCategory),
		"确认日期：" + r.Day.Chinese() + "　　时间：" + strings.Join(r.Slots, "；"),
		"地点：" + r.Venue,
		fmt.Sprintf("本单位待现场确认考生 %d 名。请按名单逐人核对材料，在□内打√；所有复印件须加盖单位公章或人事章（%s）。", len(r.Candidates), clauseOr(r.Clause)),
	}
	if r.AutoConfirmed > 0 {
		head = append(head, fmt.Sprintf("另有 %d 名历史考生已自动确认，无需现场确认（二（一））。", r.AutoConfirmed))
	}
	for _, l := range head {
		d.paragraph(marginX, contentW, l, alignLeft)
	}
	d.y += 2

	ws := []float64{12, 28, 44, 70, 26}
	header := []cell{label(ws[0], "序号"), label(ws[1], "姓名"), label(ws[2], "证件号码"), label(ws[3], "报考专业"), label(ws[4], "申报表版本")}
	d.font(10)
	d.ensure(3 * afRowH)
	d.row(marginX, header, afRowH)
	d.onNewPage = func() { d.row(marginX, header, afRowH) }
	for i, c := range r.Candidates {
		first := []cell{
			{w: ws[0], text: fmt.Sprint(i + 1), align: alignCenter}, {w: ws[1], text: c.Name, align: alignCenter},
			{w: ws[2], text: c.IDNumber, align: alignCenter}, value(ws[3], target(c.SpecialtyCode, c.SpecialtyName, c.LevelLabel)),
			{w: ws[4], text: fmt.Sprintf("第%d版", c.Version), align: alignCenter},
		}
		lines := make([]string, 0, len(c.Materials)+1)
		for _, m := range c.Materials {
			lines = append(lines, "□ "+m.label())
		}
		if len(lines) == 0 {
			lines = append(lines, "□ 按通知二（二）所列材料核对")
		}
		if c.IDChange {
			lines = append(lines, idChangeNote)
		}
		checks := []cell{label(ws[0], "材料"), {w: contentW - ws[0], text: strings.Join(lines, "\n"), size: 9}}
		// Keep a candidate's row with the start of their checklist.
		d.ensure(d.rowHeight(first, afRowH) + min(d.rowHeight(checks, afRowH), 40))
		d.row(marginX, first, afRowH)
		d.row(marginX, checks, afRowH)
	}
	d.onNewPage = nil

	d.font(11)
	d.ensure(4 * d.lineH())
	d.y += 8
	d.text(marginX+5, d.y, "单位经办人（签字）：")
	d.text(marginX+contentW/2, d.y, "考点核对人（签字）：")
	d.y += 2 * d.lineH()
	d.text(marginX+5, d.y, "单位（盖章）：")
	d.text(marginX+contentW/2, d.y, "核对日期：　　年　　月　　日")
	d.y += d.lineH()
	d.footers(r.UnitName)
	return d.bytes()
}

func unitCategory(c string) string {
	if c == "" {
		return ""
	}
	return "（" + c + "）"
}

func clauseOr(c string) string {
	if c == "" {
		return "二（二）"
	}
	return c
}

// RosterRows returns the same roster as spreadsheet rows: a title block
// (考点, 单位, 日期, 时间, 地点), a header, then one row per candidate with
// one column per material of the roster: □ where it applies to the
// candidate, — where it does not.
func RosterRows(r RosterData) [][]string {
	var mats []RosterMaterial
	seen := map[string]bool{}
	for _, c := range r.Candidates {
		for _, m := range c.Materials {
			if k := m.label(); !seen[k] {
				seen[k] = true
				mats = append(mats, m)
			}
		}
	}
	rows := [][]string{
		{r.title()},
		{"考点", r.Site, "单位", r.UnitName, "单位类别", r.UnitCategory},
		{"确认日期", r.Day.Chinese(), "时间", strings.Join(r.Slots, "；"), "地点", r.Venue},
		{fmt.Sprintf("待现场确认考生 %d 名；在□内打√（%s）", len(r.Candidates), clauseOr(r.Clause))},
	}
	header := []string{"序号", "姓名", "证件号码", "报考专业", "级别", "申报表版本"}
	for _, m := range mats {
		header = append(header, m.label())
	}
	header = append(header, "备注")
	rows = append(rows, header)
	for i, c := range r.Candidates {
		row := []string{fmt.Sprint(i + 1), c.Name, c.IDNumber, strings.TrimSpace(c.SpecialtyCode + " " + c.SpecialtyName), c.LevelLabel,
			fmt.Sprintf("第%d版", c.Version)}
		has := map[string]bool{}
		for _, m := range c.Materials {
			has[m.label()] = true
		}
		for _, m := range mats {
			if has[m.label()] {
				row = append(row, "□")
			} else {
				row = append(row, "—")
			}
		}
		note := ""
		if c.IDChange {
			note = "证件与上一年度不一致，须申请成绩合并（二（一））"
		}
		rows = append(rows, append(row, note))
	}
	return rows
}
