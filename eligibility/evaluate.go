package eligibility

import (
	"strings"

	"kaowu"
	"kaowu/policy"
)

// Evaluate decides whether the candidate described by f may sit the target
// exam of year y, as of the year's cut-off date. It is pure: no I/O, no
// clock (f.Today stands for "today"), the same answer for the same input,
// and it never panics. With trace, the decision lists every rule evaluated
// with the facts and parameters it read.
func Evaluate(f Facts, y *policy.Year, trace bool) (d Decision) {
	defer func() {
		if r := recover(); r != nil {
			d = newDecision(y)
			d.Outcome = Review
			d.Reasons = append(d.Reasons, Reason{Kind: KindReview, Text: "系统未能根据所填信息作出判断，请联系考点人工审核。"})
		}
	}()
	return evaluate(&f, y, trace)
}

func newDecision(y *policy.Year) Decision {
	d := Decision{
		Reasons:     []Reason{},
		Materials:   []Material{},
		Subjects:    []kaowu.Subject{},
		CarriedOver: []kaowu.Subject{},
	}
	if y != nil {
		d.Year = y.Year
	}
	return d
}

// ev is one evaluation in progress.
type ev struct {
	f       *Facts
	y       *policy.Year
	p       *policy.Eligibility
	ix      *index
	tracing bool
	d       Decision
	cutoff  kaowu.Date

	spec      *kaowu.Specialty
	licClause string // clause of the target's licence rule (一（七）)

	refused, nonYears bool
	firstYear         int
	review            bool

	// what the materials depend on
	overseas          bool
	residencyRequired bool
	chosen            attempt // the route taken, when hasChosen
	hasChosen         bool
}

func evaluate(f *Facts, y *policy.Year, trace bool) Decision {
	if y == nil {
		d := newDecision(nil)
		d.Outcome = Ineligible
		d.Reasons = append(d.Reasons, Reason{Kind: KindRefusal, Text: "未载入考试年度数据，无法判断报名条件。"})
		return d
	}
	e := &ev{f: f, y: y, p: &y.Eligibility, ix: indexOf(y), tracing: trace, d: newDecision(y), cutoff: y.Cutoff.Date}
	e.d.Reasons = make([]Reason, 0, 4)
	if e.checkFacts() && e.online() && e.target() {
		e.site()
		e.licence()
		e.fileElsewhere()
		e.postChange()
		e.residency()
		e.conditions()
		e.rolling()
	}
	return e.finish()
}

func (e *ev) finish() Decision {
	d := &e.d
	switch {
	case e.refused:
		d.Outcome = Ineligible
		if !e.nonYears && e.firstYear > 0 {
			d.FirstEligibleYear = e.firstYear
		}
		d.Route = nil
		d.Subjects = d.Subjects[:0]
		d.CarriedOver = d.CarriedOver[:0]
	case e.review:
		d.Outcome = Review
	default:
		d.Outcome = Eligible
	}
	if d.Outcome != Ineligible {
		e.materials()
	}
	if e.tracing {
		e.step("outcome", "", string(d.Outcome))
	}
	return e.d
}

func (e *ev) add(kind ReasonKind, clause, field, text string) {
	e.d.Reasons = append(e.d.Reasons, Reason{Kind: kind, Clause: clause, Text: text, Field: field})
}

// refuse records a refusal that waiting will not cure.
func (e *ev) refuse(clause, field, text string) {
	e.refused, e.nonYears = true, true
	e.add(KindRefusal, clause, field, text)
}

// refuseYears records a refusal by years only, curable in exam year first.
func (e *ev) refuseYears(clause, field, text string, first int) {
	e.refused = true
	if first > e.firstYear {
		e.firstYear = first
	}
	e.add(KindRefusal, clause, field, text)
}

func (e *ev) toReview(clause, field, text string) {
	e.review = true
	e.add(KindReview, clause, field, text)
}

func (e *ev) note(clause, text string) { e.add(KindNote, clause, "", text) }

// step appends a trace step. kv alternates names and values; a name with
// the prefix "p:" is a parameter of the year, any other a fact.
func (e *ev) step(rule, clause, result string, kv ...string) {
	all := make([]KV, 0, len(kv)/2) // one allocation: facts, then params
	for i := 0; i+1 < len(kv); i += 2 {
		if !strings.HasPrefix(kv[i], "p:") {
			all = append(all, KV{kv[i], kv[i+1]})
		}
	}
	nf := len(all)
	for i := 0; i+1 < len(kv); i += 2 {
		if name, ok := strings.CutPrefix(kv[i], "p:"); ok {
			all = append(all, KV{name, kv[i+1]})
		}
	}
	if e.d.Trace == nil {
		e.d.Trace = make([]Step, 0, 48)
	}
	e.d.Trace = append(e.d.Trace, Step{Rule: rule, Clause: clause, Result: result, Facts: all[:nf:nf], Params: all[nf:]})
}

// firstYearFor returns the first exam year whose cut-off gives need full
// years from anchor.
func (e *ev) firstYearFor(anchor kaowu.Date, need int) int {
	for k := 1; k <= need+2; k++ {
		if kaowu.FullYears(anchor, e.cutoff.AddYears(k)) >= need {
			return e.y.Year + k
		}
	}
	return 0
}

// checkFacts refuses malformed or inconsistent facts, naming the field.
func (e *ev) checkFacts() bool {
	f := e.f
	ps := f.shapeProblems()
	// Field names are built only for a problem: i < 0 names a plain field.
	field := func(list string, i int, name string) string {
		if i < 0 {
			return list
		}
		return path(list, i, name)
	}
	future := func(list string, i int, name string, d kaowu.Date) {
		if !f.Today.IsZero() && d.After(f.Today) {
			ps = append(ps, problem{field(list, i, name), "日期 " + d.String() + " 晚于今天（" + f.Today.String() + "），请核对"})
		}
	}
	var earliest kaowu.Date
	for i, ed := range f.Education {
		future("education", i, "graduated_on", ed.GraduatedOn)
		if !ed.GraduatedOn.IsZero() && (earliest.IsZero() || ed.GraduatedOn.Before(earliest)) {
			earliest = ed.GraduatedOn
		}
	}
	beforeStudy := func(list string, i int, name, what string, d kaowu.Date) {
		if !earliest.IsZero() && !d.IsZero() && d.Before(earliest) {
			ps = append(ps, problem{field(list, i, name), what + " " + d.String() + " 早于最早的毕业时间 " + earliest.String() + "，请核对"})
		}
	}
	var firstLicence kaowu.Date
	for i, t := range f.Titles {
		future("titles", i, "obtained_on", t.ObtainedOn)
		beforeStudy("titles", i, "obtained_on", "取得资格时间", t.ObtainedOn)
	}
	for i, l := range f.Licences {
		future("licences", i, "obtained_on", l.ObtainedOn) // nurses may pass the licensing exam before graduating
		if !l.ObtainedOn.IsZero() && (firstLicence.IsZero() || l.ObtainedOn.Before(firstLicence)) {
			firstLicence = l.ObtainedOn
		}
	}
	future("practice_registered_on", -1, "", f.PracticeRegisteredOn)
	beforeStudy("practice_registered_on", -1, "", "执业注册时间", f.PracticeRegisteredOn)
	if !firstLicence.IsZero() && f.PracticeRegisteredOn.Before(firstLicence) && !f.PracticeRegisteredOn.IsZero() {
		ps = append(ps, problem{"practice_registered_on", "执业注册时间 " + f.PracticeRegisteredOn.String() + " 早于取得执业资格的时间 " + firstLicence.String() + "，请核对"})
	}
	future("specialty_started_on", -1, "", f.SpecialtyStartedOn)
	for i, p := range f.PostChanges {
		future("post_changes", i, "on", p.On)
	}
	if r := f.ResidencyCertificate; r != nil {
		future("residency_certificate.obtained_on", -1, "", r.ObtainedOn)
		beforeStudy("residency_certificate.obtained_on", -1, "", "取得住院医师规范化培训合格证书时间", r.ObtainedOn)
	}
	if c := f.Unit.Category; c != "" && !e.ix.unitCats[c] {
		ps = append(ps, problem{"unit.unit_category", "单位类别 " + c + " 不是已知的单位类别"})
	}
	if s := f.Target.Site; s != "" {
		if _, ok := e.ix.sites[s]; !ok {
			ps = append(ps, problem{"target.site", "考点代码 " + s + " 不存在"})
		}
	}
	if p := f.PreviousExam; p != nil {
		if p.Specialty != "" {
			if _, ok := e.ix.byCode[p.Specialty]; !ok {
				ps = append(ps, problem{"previous_exam.specialty", "上一年度报考的专业代码 " + p.Specialty + " 不在专业目录中"})
			}
		}
		if p.Year >= e.y.Year {
			ps = append(ps, problem{"previous_exam.year", "上一年度考试的年度 " + itoa(p.Year) + " 应早于本考试年度 " + itoa(e.y.Year)})
		}
	}
	for _, p := range ps {
		e.refuse(e.clauseOfField(p.field), p.field, "所填信息有误："+p.msg+"。")
	}
	if e.tracing {
		r := "ok"
		if len(ps) > 0 {
			r = itoa(len(ps)) + " problems"
		}
		e.step("facts", "", r, "today", f.Today.String(), "p:cutoff.date", e.ix.cutoff)
	}
	return len(ps) == 0
}

// clauseOfField names the clause a fact feeds, for messages about it.
func (e *ev) clauseOfField(field string) string {
	p := e.p
	switch {
	case strings.HasPrefix(field, "id_type") && len(p.OnlineIDTypes) > 0:
		return p.OnlineIDTypes[0].Clause
	case strings.HasPrefix(field, "licences"):
		return p.PhysicianCategories.Clause
	case strings.HasPrefix(field, "post_changes"):
		return p.PostChange.Clause
	case strings.HasPrefix(field, "unit"), strings.HasPrefix(field, "target.site"):
		return p.Site.Clause
	case strings.HasPrefix(field, "hubei_aid"):
		return p.HubeiAid.Clause
	case strings.HasPrefix(field, "social_insurance"):
		return p.FileElsewhere.Clause
	case strings.HasPrefix(field, "previous_exam"):
		return p.Rolling.Clause
	case strings.HasPrefix(field, "target"):
		return p.Catalog.Clause
	case strings.HasPrefix(field, "residency"):
		return p.Residency.Clause
	}
	return p.Counting.Clause
}

func path(list string, i int, field string) string {
	return list + "[" + itoa(i) + "]." + field
}

// online applies 一（六）/二（三）1 (military health personnel do not apply
// online) and the ID types accepted online (一（五）).
func (e *ev) online() bool {
	f, p := e.f, e.p
	military := f.Military || f.IDType == kaowu.IDMilitaryOfficer
	roster := military && f.MilitaryRoster
	if e.tracing {
		r := "online"
		switch {
		case roster:
			r = "roster"
		case military:
			r = "refused: military"
		}
		e.step("military", p.Military.Clause, r, "military", bool2s(f.Military), "id_type", string(f.IDType),
			"unit.military", bool2s(f.Unit.Military), "p:eligibility.military.clause", p.Military.Clause)
	}
	if roster {
		// 二（三）1: registered by the military unit's roster, not online.
		e.note(p.Military.Clause, "军队卫生人员由团级以上单位负责报名组织工作，师级以上单位负责审核报考资格（"+p.Military.Clause+"）：按所在军队单位报送的名单报名。")
		return true
	}
	if military {
		e.refuse(p.Military.Clause, "military", "军队卫生人员不实行网上报名，由团级以上单位负责报名组织工作，师级以上单位负责审核报考资格（"+p.Military.Clause+"）；请通过所在军队单位报名。")
		e.note(p.Military.BasisClause, "军队卫生人员按人社厅发〔2011〕16号参加卫生专业技术资格考试（"+p.Military.BasisClause+"）。")
		return false
	}
	if f.Unit.Military {
		e.note(p.Military.BasisClause, "您的单位为军队医疗机构，您不是军队卫生人员，按地方人员网上报名（"+p.Military.BasisClause+"）。")
	}
	i, ok := e.ix.onlineIDs[f.IDType]
	clause := ""
	if ok {
		clause = p.OnlineIDTypes[i].Clause
	}
	if e.tracing {
		param := "p:eligibility.online_id_types"
		if ok {
			param = e.ix.tr.onlineIDParam[i]
		}
		e.step("online_id_type", clause, bool2s(ok), "id_type", string(f.IDType), param, string(f.IDType))
	}
	if !ok {
		e.refuse(e.clauseOfField("id_type"), "id_type", "证件类型"+f.IDType.Label()+"不能用于网上报名。")
		return false
	}
	if f.IDType != kaowu.IDResident {
		e.overseas = true
		e.note(clause, "持"+f.IDType.Label()+"的港澳台居民及外籍人员可按就近原则在北京考区报名，报名时须出示本人身份证明、国务院教育行政部门认可的相应专业学历或学位证书以及在医疗卫生机构从事相关专业工作年限的材料（"+clause+"）。")
	}
	return true
}

// target resolves the target specialty in the catalogue (附件2, 一（一）,
// 一（八）, 一（十）).
func (e *ev) target() bool {
	f, p, t := e.f, e.p, e.f.Target
	s, ok := e.ix.resolve(t)
	if e.tracing {
		r := "found"
		if !ok {
			r = "not found"
		} else if !s.Active() {
			r = "removed"
		}
		e.step("target", p.Catalog.Clause, r, "target.specialty", t.Specialty, "target.level", string(t.Level),
			"p:catalog", e.ix.tr.catalogLen, "p:eligibility.catalog.clause", p.Catalog.Clause,
			"p:eligibility.nurse_assistant.names", e.ix.tr.nurseNames,
			"p:eligibility.nurse_assistant.level", string(p.NurseAssistant.Level),
			"p:eligibility.removed.clause", p.Removed.Clause)
	}
	switch {
	case !ok && isCode(t.Specialty):
		e.refuse(p.Catalog.Clause, "target.specialty", "专业代码 "+t.Specialty+" 不在"+itoa(e.y.Year)+"年度卫生专业技术资格考试专业目录（"+p.Catalog.Clause+"）中，请核对专业代码。")
		return false
	case !ok && e.ix.nurseAsst[t.Specialty] && t.Level == p.NurseAssistant.Level:
		e.refuse(p.NurseAssistant.Clause, "target.level", "护理、助产专业的"+t.Level.Label()+"资格通过参加护士执业资格考试并成绩合格取得，不在本考试中（"+p.NurseAssistant.Clause+"）；护理学（初级（师））可参加本考试。")
		return false
	case !ok:
		for _, l := range kaowu.Levels {
			if _, other := e.ix.byName[t.Specialty+"|"+string(l)]; other {
				e.refuse(p.Catalog.Clause, "target.level", "专业“"+t.Specialty+"”没有"+t.Level.Label()+"的考试（"+p.Catalog.Clause+"）。")
				return false
			}
		}
		e.refuse(p.Catalog.UnlistedClause, "target.specialty", "专业“"+t.Specialty+"”未列入考试目录：经单位相关部门考核并人事部门审核后，由市人力资源社会保障局批准组建的评审委员会组织评审（"+p.Catalog.UnlistedClause+"），不能报名参加本考试。")
		return false
	case t.Level != "" && t.Level != s.Level:
		e.refuse(p.Catalog.Clause, "target.level", "专业代码 "+s.Code+"（"+s.Name+"）是"+s.Level.Label()+"，与填写的报考级别"+t.Level.Label()+"不符（"+p.Catalog.Clause+"）。")
		return false
	case !s.Active():
		e.refuse(p.Removed.Clause, "target.specialty", "专业"+s.Name+"（"+s.Level.Label()+"，原专业代码 "+s.Code+"）自"+itoa(e.y.Year)+"年起已取消，并入"+e.names(s.MergedInto)+"；请改报并入后的专业（"+p.Removed.Clause+"）。")
		return false
	}
	e.spec = s
	e.d.Specialty = &Specialty{Code: s.Code, Name: s.Name, Level: s.Level, Site: f.Target.Site}
	_, e.licClause = e.y.RequiredLicence(s.Number())
	return true
}

// names formats catalogue codes as "内科学（303）、…".
func (e *ev) names(codes []string) string {
	var b strings.Builder
	for i, c := range codes {
		if i > 0 {
			b.WriteString("或")
		}
		if s, ok := e.ix.byCode[c]; ok {
			b.WriteString(s.Name + "（" + c + "）")
		} else {
			b.WriteString(c)
		}
	}
	return b.String()
}

// site applies 二（一）: the unit's district decides the site.
func (e *ev) site() {
	f, clause := e.f, e.p.Site.Clause
	want, ok := e.ix.districts[f.Unit.District]
	chosen := e.ix.sites[f.Target.Site]
	if e.tracing {
		r := "ok"
		if !ok || want.Code != f.Target.Site {
			r = "refused"
		}
		e.step("site", clause, r, "unit.district", f.Unit.District, "target.site", f.Target.Site,
			"p:sites", e.ix.tr.sitesLen, "p:eligibility.site.clause", clause)
	}
	switch {
	case !ok:
		e.refuse(clause, "unit.district", "单位所在区“"+f.Unit.District+"”没有对应的考点，无法按医疗机构属地选择考点（"+clause+"）。")
	case want.Code == f.Target.Site:
	case chosen != nil && chosen.Confirmation != nil:
		e.refuse(clause, "target.site", "不在"+chosen.District+"区域内医疗机构工作的考生不能选择"+chosen.Name+"报名考试；您的单位在"+f.Unit.District+"，请选择"+want.Name+"（"+clause+"）。")
	default:
		e.refuse(clause, "target.site", "请按医疗机构属地选择考点：您的单位在"+f.Unit.District+"，须选择"+want.Name+"报名考试（"+clause+"）。")
	}
}

// licence applies 一（七）: codes in the licence rules need the physician
// qualification or the nurse licence; physicians of the corresponding
// category.
func (e *ev) licence() {
	f, s := e.f, e.spec
	clause := e.licClause
	switch s.Licence {
	case kaowu.LicencePhysician:
		idx, assistant := -1, -1
		for i, l := range f.Licences {
			switch l.Kind {
			case policy.LicencePhysician:
				if idx < 0 || e.categoryFits(l.Category) && !e.categoryFits(f.Licences[idx].Category) {
					idx = i
				}
			case policy.LicenceAssistantPhysician:
				assistant = i
			}
		}
		cats := e.ix.categories[s.Name]
		ti, asTitle := e.ix.licTitles[policy.LicenceAssistantPhysician]
		if e.tracing {
			kv := []string{"p:licence_rules", e.ix.tr.licenceRulesLen, "p:eligibility.physician_categories", e.ix.tr.cats[s.Name]}
			for i, l := range f.Licences {
				kv = append(kv, path("licences", i, "kind"), string(l.Kind)+" "+string(l.Category))
			}
			if idx < 0 && assistant >= 0 && asTitle {
				kv = append(kv, path("licences", assistant, "kind"), string(policy.LicenceAssistantPhysician), e.ix.tr.licTitleParam[ti], e.ix.tr.licTitleLv[ti])
			}
			e.step("licence", clause, bool2s(idx >= 0), kv...)
		}
		switch {
		case idx < 0 && assistant >= 0 && asTitle:
			lt := e.p.LicenceTitles[ti]
			e.refuse(clause, path("licences", assistant, "kind"), "报考专业代码 "+s.Code+"（"+s.Name+"）须具有相应专业执业医师资格（"+clause+"）；执业助理医师视同"+lt.Level.Label()+"（"+lt.Clause+"），不能报考。")
		case idx < 0:
			e.refuse(clause, "licences", "报考专业代码 "+s.Code+"（"+s.Name+"）须具有相应专业执业医师资格，并在报名时出示相应专业执业医师资格证书（"+clause+"）。")
		case f.Licences[idx].Category == "":
			e.toReview(e.p.PhysicianCategories.Clause, path("licences", idx, "category"), "未填写执业医师资格的执业类别，须现场核对是否为"+s.Name+"相应专业的执业医师资格（"+e.p.PhysicianCategories.Clause+"）。")
		case !e.categoryFits(f.Licences[idx].Category):
			e.toReview(e.p.PhysicianCategories.Clause, path("licences", idx, "category"), "执业类别为"+f.Licences[idx].Category.Label()+"，报考"+s.Name+"通常须"+catLabels(cats)+"类别的执业医师资格，须现场核对是否为相应专业（"+e.p.PhysicianCategories.Clause+"）。")
		}
	case kaowu.LicenceNurse:
		has := false
		for _, l := range f.Licences {
			has = has || l.Kind == policy.LicenceNurse
		}
		if e.tracing {
			kv := []string{"p:licence_rules", e.ix.tr.licenceRulesLen}
			for i, l := range f.Licences {
				kv = append(kv, path("licences", i, "kind"), string(l.Kind))
			}
			e.step("licence", clause, bool2s(has), kv...)
		}
		if !has {
			e.refuse(clause, "licences", "报考专业代码 "+s.Code+"（"+s.Name+"）须具有护士执业资格，并在报名时提交护士执业证书（"+clause+"）。")
		}
	}
}

func (e *ev) categoryFits(c policy.PhysicianCategory) bool {
	for _, x := range e.ix.categories[e.spec.Name] {
		if x == c {
			return true
		}
	}
	return false
}

func catList(cs []policy.PhysicianCategory) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(c))
	}
	return b.String()
}

func catLabels(cs []policy.PhysicianCategory) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString("或")
		}
		b.WriteString(c.Label())
	}
	return b.String()
}

// fileElsewhere applies 二（二）2: a personnel file held elsewhere needs
// enough months of social insurance at the unit.
func (e *ev) fileElsewhere() {
	f, p := e.f, e.p.FileElsewhere
	if e.tracing {
		e.step("file_elsewhere", p.Clause, bool2s(!f.FileElsewhere || f.SocialInsuranceMonths >= p.Months),
			"file_elsewhere", bool2s(f.FileElsewhere), "social_insurance_months", itoa(f.SocialInsuranceMonths),
			"p:eligibility.file_elsewhere.months", itoa(p.Months))
	}
	if f.FileElsewhere && f.SocialInsuranceMonths < p.Months {
		e.refuse(p.Clause, "social_insurance_months", "人档分离的考生须在申报单位缴纳社会保险满"+itoa(p.Months)+"个月以上并提供《北京市社会保险个人权益记录》；您在本单位缴纳社保"+itoa(f.SocialInsuranceMonths)+"个月（"+p.Clause+"）。")
	}
}

// postChange applies 一（一）: after a change of post, the current post's
// specialty needs full years in that post.
func (e *ev) postChange() {
	f, p := e.f, e.p.PostChange
	if len(f.PostChanges) == 0 {
		return
	}
	last := 0
	for i, c := range f.PostChanges {
		if c.On.After(f.PostChanges[last].On) {
			last = i
		}
	}
	on := f.PostChanges[last].On
	have := kaowu.FullYears(on, e.cutoff)
	if e.tracing {
		e.step("post_change", p.Clause, itoa(have)+"/"+itoa(p.Years), path("post_changes", last, "on"), on.String(),
			"p:eligibility.post_change.years", itoa(p.Years), "p:cutoff.date", e.ix.cutoff)
	}
	if have < p.Years {
		e.refuseYears(p.Clause, path("post_changes", last, "on"), "因工作岗位变动报考现岗位专业，从事现岗位专业工作须满"+itoa(p.Years)+"年；您自"+cn(on)+"起至"+cn(e.cutoff)+"满"+itoa(have)+"年（"+p.Clause+"）。", e.firstYearFor(on, p.Years))
		return
	}
	e.note(p.Clause, "因工作岗位变动报考现岗位专业：您自"+cn(on)+"起从事现岗位专业工作，至"+cn(e.cutoff)+"满"+itoa(have)+"年，符合满"+itoa(p.Years)+"年的要求（"+p.Clause+"）。")
}

// residency applies 一（九）: recent full-time medical graduates need the
// residency certificate for intermediate clinical specialties.
func (e *ev) residency() {
	f, p, s := e.f, e.p.Residency, e.spec
	if s.Level != p.Level || s.Licence != kaowu.LicencePhysician {
		return
	}
	cats := e.ix.categories[s.Name]
	clinical := len(cats) > 0 && e.ix.residency[cats[0]]
	grad := -1
	for i, ed := range f.Education {
		if ed.Medical && ed.Level.Rank() >= p.Education.Rank() && (ed.FullTime || !p.FullTimeOnly) &&
			ed.GraduatedOn.Year >= p.GraduatedFrom && e.counted(&ed) {
			grad = i
			break
		}
	}
	if e.tracing {
		kv := []string{"residency_certificate", bool2s(f.ResidencyCertificate != nil), "p:eligibility.physician_categories", e.ix.tr.cats[s.Name]}
		for i, ed := range f.Education {
			kv = append(kv, "education["+itoa(i)+"]", string(ed.Level)+" medical="+bool2s(ed.Medical)+" full_time="+bool2s(ed.FullTime)+" graduated_on="+ed.GraduatedOn.String())
		}
		e.step("residency", p.Clause, bool2s(clinical && grad >= 0), append(kv,
			"p:eligibility.residency.level", string(p.Level), "p:eligibility.residency.education", string(p.Education),
			"p:eligibility.residency.graduated_from", itoa(p.GraduatedFrom), "p:eligibility.residency.categories", e.ix.tr.residencyCats,
			"p:eligibility.residency.full_time_only", bool2s(p.FullTimeOnly))...)
	}
	if !clinical || grad < 0 {
		return
	}
	e.residencyRequired = true
	if f.ResidencyCertificate == nil {
		ed := f.Education[grad]
		e.refuse(p.Clause, "residency_certificate", "对"+itoa(p.GraduatedFrom)+"年及以后毕业的医学本科及以上学历毕业生，须将《住院医师规范化培训合格证书》作为参加中级临床医学专业技术资格考试的必备条件；您于"+cn(ed.GraduatedOn)+"全日制"+ed.Level.Label()+"毕业，未填写该证书（"+p.Clause+"、"+p.FullTimeClause+"）。")
	}
}

// counted reports whether an education can count at all: graduated by the
// cut-off and not declared unrecognised (一（四）).
func (e *ev) counted(ed *Education) bool {
	return !ed.GraduatedOn.After(e.cutoff) && (ed.Recognised == nil || *ed.Recognised)
}

// cn formats a date as 2006年1月2日.
func cn(d kaowu.Date) string {
	return itoa(d.Year) + "年" + itoa(int(d.Month)) + "月" + itoa(d.Day) + "日"
}

func bool2s(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
