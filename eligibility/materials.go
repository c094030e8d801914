package eligibility

import "kaowu"

// The material keys the engine knows; their text and clause are data
// (eligibility.materials of the year).
const (
	matPledge          = "pledge"
	matApplicationForm = "application_form"
	matSocialInsurance = "social_insurance_record"
	matIDDocument      = "id_document"
	matDiploma         = "diploma"
	matDegree          = "degree_certificate"
	matInstitution     = "institution_licence"
	matLowerTitle      = "lower_title"
	matNurseLicence    = "nurse_licence"
	matPhysician       = "physician_licence"
	matMilitarySchool  = "military_school"
	matPostChange      = "post_change_certificate"
	matResidency       = "residency_certificate"
	matCommunity       = "community_certificate"
	matFrontline       = "frontline_appraisal"
	matOverseas        = "overseas_documents"
)

// materialKeys lists the keys in the order of the notice.
var materialKeys = []string{matPledge, matApplicationForm, matSocialInsurance, matIDDocument, matDiploma, matDegree,
	matInstitution, matLowerTitle, matNurseLicence, matPhysician, matMilitarySchool, matPostChange, matResidency,
	matCommunity, matFrontline, matOverseas}

// materials lists what this candidate brings to on-site confirmation
// (二（二）1–11, 一（五）), each with why it applies. Sites whose
// confirmation is not described by the year's data get none.
func (e *ev) materials() {
	f, s := e.f, e.spec
	site := e.ix.sites[f.Target.Site]
	if s == nil || site == nil || site.Confirmation == nil {
		if e.tracing {
			e.step("materials", "", "none: site without confirmation data", "target.site", f.Target.Site)
		}
		return
	}
	e.d.Materials = make([]Material, 0, len(e.p.Materials))
	add := func(key, why string) {
		m, ok := e.ix.materials[key]
		if !ok {
			return
		}
		e.d.Materials = append(e.d.Materials, Material{Key: key, Clause: m.Clause, Text: m.Text, Why: why})
		if e.tracing {
			e.step("material", m.Clause, key, e.ix.tr.materialParam[e.ix.materialIdx[key]], key)
		}
	}
	add(matPledge, "所有考生均须由单位提交。")
	add(matApplicationForm, "所有考生均须提交，网上报名后自行打印并到所在单位审查盖章。")
	if f.FileElsewhere {
		add(matSocialInsurance, "您的人事档案不在申报单位（人档分离），须证明在申报单位缴纳社保满"+itoa(e.p.FileElsewhere.Months)+"个月以上。")
	}
	add(matIDDocument, "您以"+f.IDType.Label()+"报名。")
	add(matDiploma, "所有考生均须提交学历证明。")
	if e.hasDegree() {
		add(matDegree, "您具有硕士或博士学历，须同时提供学位证书。")
	}
	private := f.Unit.Private || e.ix.privateUC[f.Unit.Category]
	if e.tracing {
		e.step("private", e.p.Private.Clause, bool2s(private), "unit.private", bool2s(f.Unit.Private), "unit.unit_category", f.Unit.Category,
			"p:eligibility.private.unit_categories", e.ix.tr.privateUnitCats)
	}
	if private {
		add(matInstitution, "您的单位是社会资本举办的医疗机构。")
	}
	if a := &e.chosen; e.hasChosen && a.kind == anchorTitle {
		add(matLowerTitle, "您以所持"+e.p.Conditions[a.row].Title.Label()+"资格报考"+s.Level.Label()+"。")
	}
	switch s.Licence {
	case kaowu.LicenceNurse:
		add(matNurseLicence, "报考专业代码 "+s.Code+"（"+s.Name+"）须具有护士执业资格（"+e.licClause+"）。")
	case kaowu.LicencePhysician:
		add(matPhysician, "报考专业代码 "+s.Code+"（"+s.Name+"）须具有相应专业执业医师资格（"+e.licClause+"）。")
	}
	for _, ed := range f.Education {
		if ed.MilitarySchool {
			add(matMilitarySchool, "您毕业于军队院校。")
			break
		}
	}
	if len(f.PostChanges) > 0 {
		add(matPostChange, "您因工作岗位变动报考现岗位专业。")
	}
	switch a := &e.chosen; {
	case e.residencyRequired:
		add(matResidency, "您是"+itoa(e.p.Residency.GraduatedFrom)+"年及以后毕业的全日制医学本科及以上学历毕业生，报考中级临床医学专业（"+e.p.Residency.Clause+"）。")
	case e.hasChosen && (a.asMaster || a.early == earlyDirect):
		add(matResidency, "您以住院医师规范化培训合格的条件报考。")
	}
	if e.hasChosen {
		switch e.chosen.early {
		case earlyCommunity:
			add(matCommunity, "您在社区卫生服务机构工作，提前一年报考"+s.Name+"。")
		case earlyFrontline:
			add(matFrontline, "您作为疫情防治一线医务人员提前一年报考。")
		}
	}
	if e.overseas {
		add(matOverseas, "您以"+f.IDType.Label()+"报名，属港澳台居民或持外国人永久居留身份证的外籍人员。")
	}
}

func (e *ev) hasDegree() bool {
	for i := range e.f.Education {
		if ed := &e.f.Education[i]; ed.Level.Rank() >= 4 && e.counted(ed) {
			return true
		}
	}
	return false
}
