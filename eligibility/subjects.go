package eligibility

import (
	"strings"

	"kaowu"
)

// rolling decides the subjects to sit: all four, less the previous year's
// passes in the same specialty (七) or in a removed specialty merged into
// the target (一（十）).
func (e *ev) rolling() {
	f, p, s := e.f, e.p.Rolling, e.spec
	if e.refused {
		return // no subjects to sit; notes about scores would mislead
	}
	prev := f.PreviousExam
	carry, clause := false, p.Clause
	if prev != nil {
		old := e.ix.byCode[prev.Specialty]
		age := e.y.Year - prev.Year
		switch {
		case age >= p.Years:
			e.note(p.Clause, itoa(prev.Year)+"年度的合格成绩已超过"+itoa(p.Years)+"年滚动周期，须参加全部四个科目（"+p.Clause+"）。")
		case prev.Specialty == s.Code:
			carry = true
		case old != nil && !old.Active() && contains(old.MergedInto, s.Code):
			carry, clause = true, p.MergedClause
		case len(prev.Passed) > 0:
			e.note(p.Clause, "不同专业之间各科目的考试合格成绩不得作为同一专业合并计算；"+itoa(prev.Year)+"年度报考的是"+e.names([]string{prev.Specialty})+"，本年度须参加全部四个科目（"+p.Clause+"）。")
		}
		if prev.Absent || prev.Misconduct {
			what := "缺考"
			if prev.Misconduct {
				what = "违纪"
			}
			e.note(p.AutoConfirmationClause, itoa(prev.Year)+"年度"+what+"的考生不适用历史考生自动确认，须按所在考点要求完成报名确认，未进行报名确认的视为自动放弃本次考试（"+p.AutoConfirmationClause+"）。")
		}
	}
	e.d.Subjects = make([]kaowu.Subject, 0, len(kaowu.Subjects))
	for _, sub := range kaowu.Subjects {
		if carry && containsSubject(prev.Passed, sub) {
			e.d.CarriedOver = append(e.d.CarriedOver, sub)
		} else {
			e.d.Subjects = append(e.d.Subjects, sub)
		}
	}
	if e.tracing {
		kv := []string{"previous_exam", bool2s(prev != nil), "p:eligibility.rolling.years", itoa(p.Years)}
		if prev != nil {
			kv = append(kv, "previous_exam.year", itoa(prev.Year), "previous_exam.specialty", prev.Specialty, "previous_exam.passed", subjectList(prev.Passed))
		}
		e.step("rolling", clause, "sit "+subjectList(e.d.Subjects), kv...)
	}
	switch {
	case carry && len(e.d.Subjects) == 0:
		e.refuse(p.Clause, "previous_exam.passed", itoa(prev.Year)+"年度已通过"+s.Name+"全部四个科目，成绩合格即可取得该专业资格证书，无需再报考（"+p.Clause+"）。")
	case carry && len(e.d.CarriedOver) > 0:
		e.note(clause, "保留"+itoa(prev.Year)+"年度通过的科目成绩（"+subjectLabels(e.d.CarriedOver)+"），本年度须参加"+subjectLabels(e.d.Subjects)+"；两年内通过四个科目为考试合格（"+clause+"）。")
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func containsSubject(xs []kaowu.Subject, x kaowu.Subject) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func subjectList(xs []kaowu.Subject) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(x))
	}
	return b.String()
}

func subjectLabels(xs []kaowu.Subject) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteString("、")
		}
		b.WriteString(x.Label())
	}
	return b.String()
}
