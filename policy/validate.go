package policy

import (
	"fmt"
	"strings"

	"kaowu"
)

// problems collects validation problems, each naming its field.
type problems struct {
	fields map[string]string
	order  []string
}

func (p *problems) add(field, format string, args ...any) {
	if p.fields == nil {
		p.fields = map[string]string{}
	}
	msg := fmt.Sprintf(format, args...)
	if old, ok := p.fields[field]; ok {
		p.fields[field] = old + "；" + msg
		return
	}
	p.fields[field] = msg
	p.order = append(p.order, field)
}

func (p *problems) err(what string) error {
	if len(p.order) == 0 {
		return nil
	}
	lines := make([]string, len(p.order))
	for i, f := range p.order {
		lines[i] = f + "：" + p.fields[f]
	}
	return &kaowu.Error{
		Code:    kaowu.EINVALID,
		Message: what + "有误，未载入：\n" + strings.Join(lines, "\n"),
		Fields:  p.fields,
	}
}

// Validate checks the year's internal consistency and returns an EINVALID
// error listing every problem, each with the field it concerns.
func (y *Year) Validate() error {
	var p problems
	if y.Year < 2000 || y.Year > 2100 {
		p.add("year", "考试年度 %d 不在 2000–2100 之间", y.Year)
	}
	clauses := map[string]bool{}
	for i, c := range y.Clauses {
		f := fmt.Sprintf("clauses[%d]", i)
		if c.ID == "" {
			p.add(f+".id", "条款编号不能为空")
		}
		if clauses[c.ID] {
			p.add(f+".id", "条款编号 %s 重复", c.ID)
		}
		clauses[c.ID] = true
	}
	cite := func(field, id string) {
		if id == "" {
			p.add(field, "必须注明依据的通知条款")
		} else if !clauses[id] {
			p.add(field, "引用的条款 %s 不在 clauses 中", id)
		}
	}
	if y.Cutoff.Date.IsZero() {
		p.add("cutoff.date", "必须填写学历和工作年限的截止日期")
	}
	cite("cutoff.clause", y.Cutoff.Clause)
	if y.Fee.PerSubjectFen <= 0 {
		p.add("fee.per_subject_fen", "每科报名费必须大于 0（单位：分）")
	}
	cite("fee.clause", y.Fee.Clause)
	if y.PassLine.Max <= 0 || y.PassLine.Score <= 0 || y.PassLine.Score > y.PassLine.Max {
		p.add("pass_line", "合格线 %d 必须在 1 到满分 %d 之间", y.PassLine.Score, y.PassLine.Max)
	}
	cite("pass_line.clause", y.PassLine.Clause)

	windows := map[string]bool{}
	for i, w := range y.Calendar {
		f := fmt.Sprintf("calendar[%d](%s)", i, w.Key)
		if w.Key == "" {
			p.add(f+".key", "时间窗口必须有 key")
		}
		if windows[w.Key] {
			p.add(f+".key", "时间窗口 %s 重复", w.Key)
		}
		windows[w.Key] = true
		if w.Start.IsZero() || w.End.IsZero() {
			p.add(f, "必须填写开始和结束时间")
		} else if !w.Start.Before(w.End) {
			p.add(f, "结束时间 %s 不晚于开始时间 %s", w.End.Format("2006-01-02 15:04"), w.Start.Format("2006-01-02 15:04"))
		}
		cite(f+".clause", w.Clause)
	}
	for _, k := range []string{kaowu.WindowApplication, kaowu.WindowConfirmation, kaowu.WindowPayment, kaowu.WindowTicketPrint, kaowu.WindowExam} {
		if !windows[k] {
			p.add("calendar", "缺少时间窗口 %s", k)
		}
	}
	order := []string{kaowu.WindowApplication, kaowu.WindowConfirmation, kaowu.WindowPayment, kaowu.WindowTicketPrint, kaowu.WindowExam, kaowu.WindowScores}
	for i := 1; i < len(order); i++ {
		a, okA := y.Window(order[i-1])
		b, okB := y.Window(order[i])
		if okA && okB && b.Start.Before(a.Start) {
			p.add("calendar("+order[i]+")", "开始时间早于前一阶段 %s 的开始时间，窗口顺序颠倒", order[i-1])
		}
	}

	for i, s := range y.Sessions {
		f := fmt.Sprintf("sessions[%d]", i)
		if s.Mode != kaowu.ModePaper && s.Mode != kaowu.ModeCBT {
			p.add(f+".mode", "考试方式 %q 无效（paper 或 cbt）", s.Mode)
		}
		if s.Subject.Label() == string(s.Subject) {
			p.add(f+".subject", "科目 %q 无效（basics、related、professional、practice）", s.Subject)
		}
		if !s.Start.Before(s.End) {
			p.add(f, "结束时间不晚于开始时间")
		}
		cite(f+".clause", s.Clause)
	}
	for _, m := range []kaowu.Mode{kaowu.ModePaper, kaowu.ModeCBT} {
		for _, sub := range kaowu.Subjects {
			found := false
			for _, s := range y.Sessions {
				found = found || (s.Mode == m && s.Subject == sub)
			}
			if !found {
				p.add("sessions", "%s 缺少科目 %s 的场次", m.Label(), sub.Label())
			}
		}
	}

	if y.Region.Code == "" || y.Region.Name == "" {
		p.add("region", "必须填写考区代码和名称")
	}
	cats := map[string]bool{}
	for i, c := range y.UnitCategories {
		if c.Key == "" || c.Name == "" || cats[c.Key] {
			p.add(fmt.Sprintf("unit_categories[%d]", i), "单位类别 key 必须非空且不重复，名称必须填写")
		}
		cats[c.Key] = true
	}
	sites, districts, areas := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, s := range y.Sites {
		f := fmt.Sprintf("sites[%d](%s)", i, s.Code)
		if s.Code == "" || sites[s.Code] {
			p.add(f+".code", "考点代码必须非空且不重复")
		}
		sites[s.Code] = true
		if s.District == "" || districts[s.District] {
			p.add(f+".district", "所在区必须填写，且每个区只能有一个考点")
		}
		districts[s.District] = true
		if s.AreaCode != "" {
			if len(s.AreaCode) != 6 || strings.Trim(s.AreaCode, "0123456789") != "" || areas[s.AreaCode] {
				p.add(f+".area_code", "行政区划代码应为 6 位数字（GB/T 2260，如丰台区 110106），且不重复")
			}
			areas[s.AreaCode] = true
		}
		if c := s.Confirmation; c != nil {
			cite(f+".confirmation.clause", c.Clause)
			if c.Venue == "" {
				p.add(f+".confirmation.venue", "必须填写现场确认地点")
			}
			seen := map[string]bool{}
			for j, d := range c.Days {
				for _, k := range d.Categories {
					if !cats[k] {
						p.add(fmt.Sprintf("%s.confirmation.days[%d]", f, j), "单位类别 %s 不在 unit_categories 中", k)
					}
					if seen[k] {
						p.add(fmt.Sprintf("%s.confirmation.days[%d]", f, j), "单位类别 %s 被安排了两天", k)
					}
					seen[k] = true
				}
			}
			for _, k := range y.UnitCategories {
				if !seen[k.Key] {
					p.add(f+".confirmation.days", "单位类别 %s（%s）没有安排现场确认日", k.Key, k.Name)
				}
			}
		}
	}
	if len(y.Sites) == 0 {
		p.add("sites", "至少需要一个考点")
	}

	for i, r := range y.LicenceRules {
		f := fmt.Sprintf("licence_rules[%d]", i)
		if r.From > r.To {
			p.add(f, "代码范围 %d–%d 颠倒", r.From, r.To)
		}
		if r.Licence != kaowu.LicencePhysician && r.Licence != kaowu.LicenceNurse {
			p.add(f+".licence", "执业资格 %q 无效（physician 或 nurse）", r.Licence)
		}
		cite(f+".clause", r.Clause)
	}

	p.catalog(y.Catalog, y, func(i int) string { return fmt.Sprintf("catalog[%d]", i) })
	p.eligibility(y, cite)
	p.retention(y)
	return p.err(fmt.Sprintf("%d考试年度数据", y.Year))
}

// MaxKeepMonths bounds retention.keep_months: ten years, far beyond any
// need of the exam's business (a typo such as 240 for 24 is refused).
const MaxKeepMonths = 120

// retention checks the retention period, when the year sets one: the
// year closes after its last window ends, the period is 1 to
// MaxKeepMonths months, and its legal basis is given.
func (p *problems) retention(y *Year) {
	r := y.Retention
	if r == nil {
		return
	}
	if r.YearCloses.IsZero() {
		p.add("retention.year_closes", "必须填写考试年度结束日期（个人信息保存期限从次日起算）")
	} else {
		var last kaowu.Window
		for _, w := range y.Calendar {
			if w.End.After(last.End) {
				last = w
			}
		}
		// A window's end is exclusive: a window ending at 00:00 of a day
		// has its last day the day before.
		if !last.End.IsZero() && r.YearCloses.Before(last.LastDay()) {
			p.add("retention.year_closes", "考试年度结束日期 %s 早于最后一个时间窗口 %s（%s）的最后一天 %s",
				r.YearCloses, last.Key, last.Name, last.LastDay())
		}
	}
	if r.KeepMonths < 1 || r.KeepMonths > MaxKeepMonths {
		p.add("retention.keep_months", "个人信息保存期限 %d 个月无效，应为 1 至 %d 个月", r.KeepMonths, MaxKeepMonths)
	}
	if strings.TrimSpace(r.Basis) == "" {
		p.add("retention.basis", "必须注明保存期限的法律依据（如《个人信息保护法》第十九条）")
	}
}

// catalog checks catalogue rows against each other and the licence rules;
// row names a row in messages (catalog[3], 第5行).
func (p *problems) catalog(rows []kaowu.Specialty, y *Year, row func(i int) string) {
	codes := map[string]kaowu.Specialty{}
	for _, s := range rows {
		if _, dup := codes[s.Code]; !dup {
			codes[s.Code] = s
		}
	}
	seen := map[string]bool{}
	for i, s := range rows {
		f := fmt.Sprintf("%s(%s)", row(i), s.Code)
		if seen[s.Code] {
			p.add(f+".code", "专业代码 %s 重复", s.Code)
		}
		seen[s.Code] = true
		lvl, ok := kaowu.LevelOfCode(s.Code)
		if !ok || s.Number() < 0 {
			p.add(f+".code", "专业代码 %q 应为以 1、2 或 3 开头的三位数字", s.Code)
		} else if s.Level != lvl {
			p.add(f+".level", "级别 %q 与代码不符：%s 开头的代码是%s", s.Level, s.Code[:1], lvl.Label())
		}
		if strings.TrimSpace(s.Name) == "" {
			p.add(f+".name", "专业名称不能为空")
		}
		if s.Mode != kaowu.ModePaper && s.Mode != kaowu.ModeCBT {
			p.add(f+".mode", "考试方式 %q 无效（paper 或 cbt）", s.Mode)
		}
		if s.Licence != kaowu.LicenceNone && s.Licence != kaowu.LicencePhysician && s.Licence != kaowu.LicenceNurse {
			p.add(f+".licence", "执业资格 %q 无效（none、physician 或 nurse）", s.Licence)
		} else if n := s.Number(); n >= 0 {
			if want, clause := y.RequiredLicence(n); want != s.Licence {
				p.add(f+".licence", "执业资格为 %s，但按 %s 应为 %s", s.Licence, orDash(clause), want)
			}
		}
		switch s.Status {
		case kaowu.SpecialtyActive:
			if len(s.MergedInto) > 0 {
				p.add(f+".merged_into", "在用专业不应填写 merged_into")
			}
		case kaowu.SpecialtyRemoved:
			if len(s.MergedInto) == 0 {
				p.add(f+".merged_into", "已取消的专业必须填写并入的专业代码（merged_into）")
			}
			for _, t := range s.MergedInto {
				target, ok := codes[t]
				switch {
				case !ok:
					p.add(f+".merged_into", "并入的专业代码 %s 不在目录中", t)
				case !target.Active():
					p.add(f+".merged_into", "并入的专业 %s 本身已取消", t)
				}
			}
		default:
			p.add(f+".status", "状态 %q 无效（active 或 removed）", s.Status)
		}
		if strings.TrimSpace(s.Source) == "" {
			p.add(f+".source", "必须注明数据来源")
		}
	}
	if len(rows) == 0 {
		p.add("catalog", "专业目录为空")
	}
}

func orDash(s string) string {
	if s == "" {
		return "（无对应规则）"
	}
	return s
}
