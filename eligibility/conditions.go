package eligibility

import (
	"strings"

	"kaowu"
	"kaowu/policy"
)

// The early routes an attempt may take.
const (
	earlyNone      = ""
	earlyDirect    = "primary_care_direct"
	earlyCommunity = "community"
	earlyFrontline = "frontline"
)

// anchorKind says where an anchor's years count from.
type anchorKind uint8

const (
	anchorNone         anchorKind = iota
	anchorRegistration            // practice_registered_on; idx: the licence that counts as the title, or -1
	anchorLicence                 // licences[idx].obtained_on
	anchorTitle                   // titles[idx].obtained_on
	anchorWork                    // specialty_started_on
	anchorGraduation              // education[idx].graduated_on: work before it does not count
)

// gap is why an attempt fails other than by years; doubt is why only a
// person can accept it. Their texts are written only when shown.
type (
	gap   uint8
	doubt uint8
)

const (
	gapNone           gap = iota
	gapNoTitle            // the row's title is not held
	gapNoRegistration     // years count from a registration not given
	gapNoStart            // specialty_started_on not given
	gapNoLicenceDate      // licences[idx].obtained_on not given
	gapCommunityCert      // community allowance without the training certificate
	gapFrontlineUsed      // front-line allowance already used
)

const (
	doubtNone       doubt = iota
	doubtRelevance        // education[edu].relevant not asserted
	doubtRecognised       // education[edu].recognised not asserted
	doubtTitle            // titles[anchor idx] relevance not inferable
)

// anchor is a date years count from, or why there is none.
type anchor struct {
	date        kaowu.Date
	kind        anchorKind
	idx         int
	titleClause string // the clause that makes a licence count as the title
	gap         gap
	doubt       bool
}

// attempt is one way of meeting the conditions (附件1): a table row, one
// education, one anchor the years count from, perhaps an early route.
type attempt struct {
	row      int // index in conditions; -1 for the primary-care direct route
	edu      int
	asMaster bool
	early    string
	anchor
	have, need int
	gap        gap
	doubt      doubt
}

func (a *attempt) ok() bool { return a.gap == gapNone && a.have >= a.need }

// conditions applies the conditions table (附件1) with the years counted
// under 一（四）, the residency-as-master rule, the primary-care direct route
// and the community allowance (一（二）), the front-line allowance and the
// Hubei-aid exception (一（三）), and 一（八）'s direct appointment note.
func (e *ev) conditions() {
	f, p, s := e.f, e.p, e.spec

	// Educations that count, with an effective level (本科 + 住培 = 硕士).
	type option struct {
		edu      int
		level    policy.EducationLevel
		asMaster bool
	}
	var optBuf [8]option
	opts := optBuf[:0]
	excluded := false
	for i := range f.Education {
		ed := &f.Education[i]
		if !e.counted(ed) || ed.Relevant != nil && !*ed.Relevant {
			excluded = true
			continue
		}
		opts = append(opts, option{i, ed.Level, false})
		rm := p.ResidencyAsMaster
		if ed.Level == rm.Education && s.Licence == rm.Licence && ed.Medical && f.ResidencyCertificate != nil {
			opts = append(opts, option{i, rm.CountsAs, true})
		}
	}
	if e.tracing {
		e.step("education", p.Counting.Clause, itoa(len(opts))+" counted", "education", itoa(len(f.Education)),
			"p:cutoff.date", e.ix.cutoff, "p:eligibility.counting.clause", p.Counting.Clause,
			"p:eligibility.residency_as_master", e.ix.tr.residencyAsMaster)
	}

	// Base attempts, row by row.
	var attBuf [32]attempt
	var anchorBuf [8]anchor
	atts := attBuf[:0]
	for _, ri := range e.ix.byLevel[s.Level] {
		row := &p.Conditions[ri]
		for _, o := range opts {
			if o.level.Rank() < row.Education.Rank() || o.asMaster && f.Education[o.edu].Level.Rank() >= row.Education.Rank() {
				continue
			}
			a := attempt{row: ri, edu: o.edu, asMaster: o.asMaster, need: row.Years, doubt: e.educationDoubt(o.edu)}
			switch {
			case row.Title != "":
				anchors := e.titleAnchors(row.Title, anchorBuf[:0])
				if len(anchors) == 0 {
					a.gap = gapNoTitle
					atts = append(atts, a)
				}
				for _, an := range anchors {
					b := a
					b.setAnchor(an, e.cutoff)
					atts = append(atts, b)
				}
			case row.Years > 0:
				a.setAnchor(e.workAnchor(o.edu), e.cutoff)
				atts = append(atts, a)
			default:
				atts = append(atts, a)
			}
		}
	}
	base := len(atts)

	// 一（二）: primary-care graduates with the residency certificate.
	unitCommunity := f.Unit.Community || e.ix.communityUC[f.Unit.Category]
	d := p.PrimaryCareDirect
	if s.Level == d.Level && (f.Unit.PrimaryCare || unitCommunity) && f.ResidencyCertificate != nil {
		for _, o := range opts {
			if !o.asMaster && o.level.Rank() >= d.Education.Rank() {
				atts = append(atts, attempt{row: -1, edu: o.edu, early: earlyDirect, doubt: e.educationDoubt(o.edu)})
			}
		}
	}
	if e.tracing {
		e.step("primary_care_direct", d.Clause, bool2s(len(atts) > base), "unit.primary_care", bool2s(f.Unit.PrimaryCare),
			"unit.community", bool2s(unitCommunity), "residency_certificate", bool2s(f.ResidencyCertificate != nil),
			"p:eligibility.primary_care_direct", e.ix.tr.primaryCareDirect)
	}

	// Early routes for base attempts short of years only.
	c, fl := p.Community, p.Frontline
	communityFits := s.Level == c.Level && e.ix.community[s.Name] && unitCommunity
	appraised := f.Frontline != nil && f.Frontline.Appraised
	if e.tracing {
		e.step("community", c.Clause, bool2s(communityFits && f.CommunityTrainingCertificate), "target.specialty", s.Name,
			"unit.unit_category", f.Unit.Category, "unit.community", bool2s(f.Unit.Community),
			"community_training_certificate", bool2s(f.CommunityTrainingCertificate),
			"p:eligibility.community.level", string(c.Level), "p:eligibility.community.specialties", e.ix.tr.communitySpecialties,
			"p:eligibility.community.unit_categories", e.ix.tr.communityUnitCats,
			"p:eligibility.community.years_early", itoa(c.YearsEarly))
		used := f.Frontline != nil && f.Frontline.EarlyUsedBefore
		e.step("frontline", fl.Clause, bool2s(appraised && !(fl.Once && used)), "frontline.appraised", bool2s(appraised),
			"frontline.early_used_before", bool2s(used), "p:eligibility.frontline.years_early", itoa(fl.YearsEarly),
			"p:eligibility.frontline.once", bool2s(fl.Once))
	}
	for _, kind := range [...]string{earlyCommunity, earlyFrontline} {
		if kind == earlyCommunity && !communityFits || kind == earlyFrontline && !appraised {
			continue
		}
		for i := 0; i < base; i++ {
			a := atts[i]
			if a.gap != gapNone || a.have >= a.need || a.need == 0 {
				continue
			}
			a.early = kind
			switch kind {
			case earlyCommunity:
				a.need = max(0, a.need-c.YearsEarly)
				if !f.CommunityTrainingCertificate {
					a.gap = gapCommunityCert
				}
			case earlyFrontline:
				a.need = max(0, a.need-fl.YearsEarly)
				if fl.Once && f.Frontline.EarlyUsedBefore {
					a.gap = gapFrontlineUsed
				}
			}
			atts = append(atts, a)
		}
	}

	if e.tracing {
		for i := range atts {
			e.traceAttempt(&atts[i])
		}
	}
	e.nurseAppointmentNote()

	// The first sure route, else the first unsure one.
	chosen := -1
	for i := range atts {
		if atts[i].ok() && atts[i].doubt == doubtNone {
			chosen = i
			break
		}
	}
	if chosen < 0 {
		for i := range atts {
			if atts[i].ok() {
				chosen = i
				r := e.doubtReason(&atts[i])
				e.toReview(r.Clause, r.Field, r.Text)
				break
			}
		}
	}
	if chosen >= 0 {
		a := &atts[chosen]
		e.chosen, e.hasChosen = *a, true
		e.d.Route = e.routeOf(a)
		if a.kind != anchorNone {
			e.note(p.Counting.Clause, "任职年限自"+e.anchorWhat(&a.anchor)+"（"+cn(a.date)+"）起计算至"+cn(e.cutoff)+"，满"+itoa(a.have)+"年（"+p.Counting.Clause+"）。")
		}
		return
	}
	e.refuseConditions(atts, base)
	if excluded {
		e.excludedNotes()
	}
	// Allowances that would have qualified but for a missing condition.
	for i := base; i < len(atts); i++ {
		if a := &atts[i]; a.gap != gapNone && a.have >= a.need && a.early != earlyNone {
			r := e.gapReason(a)
			e.add(KindNote, r.Clause, r.Field, r.Text)
		}
	}
}

// excludedNotes explains the educations that do not count.
func (e *ev) excludedNotes() {
	p := e.p
	for i := range e.f.Education {
		ed := &e.f.Education[i]
		switch {
		case ed.GraduatedOn.After(e.cutoff):
			e.add(KindNote, p.Counting.Clause, path("education", i, "graduated_on"), ed.Level.Label()+"学历于"+cn(ed.GraduatedOn)+"取得，晚于学历取得时间的截止日期"+cn(e.cutoff)+"，本年度不计入（"+p.Counting.Clause+"）。")
		case ed.Recognised != nil && !*ed.Recognised:
			e.add(KindNote, p.Counting.Clause, path("education", i, "recognised"), ed.Level.Label()+"学历不是国家教育和卫生健康行政部门认可的正规院校毕业学历，不计入（"+p.Counting.Clause+"）。")
		case ed.Relevant != nil && !*ed.Relevant:
			e.add(KindNote, e.tableClause(), path("education", i, "relevant"), ed.Level.Label()+"学历（"+ed.Major+"）与报考专业不相关，不计入（"+e.tableClause()+"）。")
		}
	}
}

// refuseConditions explains why no route qualifies, or sends a Hubei-aid
// candidate to the exceptional route. atts[:base] are the routes without
// allowances; a refusal by years names the route that qualifies soonest.
func (e *ev) refuseConditions(atts []attempt, base int) {
	f, p, s := e.f, e.p, e.spec
	var best *attempt
	bestYear := 0
	for i := range atts {
		a := &atts[i]
		if a.gap != gapNone || a.have >= a.need {
			continue
		}
		if y := e.firstYearFor(a.date, a.need); best == nil || y != 0 && y < bestYear {
			best, bestYear = a, y
		}
	}
	var r Reason
	years := false
	switch {
	case best != nil:
		row := p.Conditions[best.row]
		r = Reason{KindRefusal, row.Clause, "报考" + s.Level.Label() + "须" + e.rowText(best) + earlyText(best.early) + "（" + row.Clause + "）；您自" + e.anchorWhat(&best.anchor) + "（" + cn(best.date) + "）起至" + cn(e.cutoff) + "满" + itoa(best.have) + "年，尚差" + itoa(best.need-best.have) + "年（" + p.Counting.Clause + "）。", e.anchorField(&best.anchor)}
		years = true
	default:
		for i := range atts[:base] {
			if a := &atts[i]; a.gap != gapNone {
				r = e.gapReason(a)
				break
			}
		}
		if r.Text == "" {
			clause := e.tableClause()
			var req []string
			for _, ri := range e.ix.byLevel[s.Level] {
				row := p.Conditions[ri]
				clause = row.Clause
				req = append(req, e.rowText(&attempt{row: ri, need: row.Years}))
			}
			r = Reason{KindRefusal, clause, "没有可计入的相关专业学历，不符合" + s.Level.Label() + "报名条件。报考" + s.Level.Label() + "须：" + strings.Join(req, "；或") + "（" + clause + "）。", "education"}
		}
	}
	if e.ix.hubei[f.HubeiAidAward] {
		h := p.HubeiAid
		if e.tracing {
			e.step("hubei_aid", h.Clause, "review", "hubei_aid_award", string(f.HubeiAidAward), "p:eligibility.hubei_aid.award_levels", e.ix.tr.awardLevels)
		}
		e.toReview(h.Clause, "hubei_aid_award", "援鄂做出突出贡献、获得"+f.HubeiAidAward.Label()+"表彰奖励的一线医务人员可直接破格申报（"+h.Clause+"）；不符合常规报名条件，须由考点、考区按绿色通道人工审核。")
		e.d.Route = &Route{Key: "hubei_aid_exception", Text: "援鄂破格申报（" + h.Clause + "）", Clauses: []string{h.Clause}}
		r.Kind = KindNote
		e.d.Reasons = append(e.d.Reasons, r)
		return
	}
	if e.tracing {
		e.step("hubei_aid", p.HubeiAid.Clause, "not applicable", "hubei_aid_award", string(f.HubeiAidAward), "p:eligibility.hubei_aid.award_levels", e.ix.tr.awardLevels)
	}
	if years {
		e.refuseYears(r.Clause, r.Field, r.Text, bestYear)
		switch best.early {
		case earlyCommunity:
			e.note(p.Community.Clause, "在社区卫生服务机构工作的医师、护师可提前一年报考"+s.Name+"，上述年限已按提前一年计算（"+p.Community.Clause+"）。")
		case earlyFrontline:
			e.note(p.Frontline.Clause, "疫情防治一线医务人员可提前一年申报，上述年限已按提前一年计算（"+p.Frontline.Clause+"）。")
		}
	} else {
		e.refuse(r.Clause, r.Field, r.Text)
	}
}

// gapReason writes why an attempt fails other than by years.
func (e *ev) gapReason(a *attempt) Reason {
	p, s := e.p, e.spec
	cc := p.Counting.Clause
	switch a.gap {
	case gapNoTitle:
		row := p.Conditions[a.row]
		return Reason{KindRefusal, row.Clause, "报考" + s.Level.Label() + "须取得" + row.Title.Label() + "资格（" + row.Clause + "），您未填写该资格。", "titles"}
	case gapNoRegistration:
		return Reason{KindRefusal, cc, "从事医疗、护理执业活动的，任职年限从执业注册时间算起；您未填写执业注册时间（" + cc + "）。", "practice_registered_on"}
	case gapNoStart:
		return Reason{KindRefusal, cc, "未填写开始从事本专业工作的时间，无法计算工作年限（" + cc + "）。", "specialty_started_on"}
	case gapNoLicenceDate:
		return Reason{KindRefusal, cc, "未填写取得" + e.f.Licences[a.idx].Kind.Label() + "的时间（" + cc + "）。", path("licences", a.idx, "obtained_on")}
	case gapCommunityCert:
		c := p.Community.Clause
		return Reason{KindRefusal, c, "在社区卫生服务机构工作提前一年报考，须持北京市社区卫生服务医护人员岗位培训考试合格证书（" + c + "）；您未填写该证书。", "community_training_certificate"}
	case gapFrontlineUsed:
		c := p.Frontline.Clause
		return Reason{KindRefusal, c, "疫情防治一线医务人员提前申报原则上只享受一次（" + c + "）；您已享受过，本次不能再提前。", "frontline.early_used_before"}
	}
	return Reason{}
}

// doubtReason writes why only a person can accept an attempt.
func (e *ev) doubtReason(a *attempt) Reason {
	switch a.doubt {
	case doubtRelevance:
		ed := &e.f.Education[a.edu]
		return Reason{KindReview, e.tableClause(), ed.Level.Label() + "学历（" + ed.Major + "）是否为报考专业的相关专业未说明，须现场审核（" + e.tableClause() + "）。", path("education", a.edu, "relevant")}
	case doubtRecognised:
		ed := &e.f.Education[a.edu]
		return Reason{KindReview, e.p.Counting.Clause, ed.Level.Label() + "学历是否为国家教育和卫生健康行政部门认可的正规院校毕业学历未说明，须现场审核（" + e.p.Counting.Clause + "）。", path("education", a.edu, "recognised")}
	case doubtTitle:
		t := &e.f.Titles[a.idx]
		return Reason{KindReview, e.tableClause(), "所持" + t.Level.Label() + "资格（" + t.Specialty + "）与报考专业" + e.spec.Name + "是否对应未说明，须现场审核（" + e.tableClause() + "）。", path("titles", a.idx, "relevant")}
	}
	return Reason{}
}

// educationDoubt is the doubt an education brings to an attempt.
func (e *ev) educationDoubt(i int) doubt {
	ed := &e.f.Education[i]
	switch {
	case ed.Relevant == nil:
		return doubtRelevance
	case ed.Recognised == nil:
		return doubtRecognised
	}
	return doubtNone
}

func awardList(as []policy.AwardLevel) string {
	var b strings.Builder
	for i, a := range as {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(a))
	}
	return b.String()
}

func (a *attempt) setAnchor(an anchor, cutoff kaowu.Date) {
	a.anchor = an
	if an.gap != gapNone {
		a.gap = an.gap
	}
	if an.doubt && a.doubt == doubtNone {
		a.doubt = doubtTitle
	}
	a.have = kaowu.FullYears(an.date, cutoff)
}

// anchorField names the fact an anchor's date comes from.
func (e *ev) anchorField(a *anchor) string {
	switch a.kind {
	case anchorRegistration:
		return "practice_registered_on"
	case anchorLicence:
		return path("licences", a.idx, "obtained_on")
	case anchorTitle:
		return path("titles", a.idx, "obtained_on")
	case anchorWork:
		return "specialty_started_on"
	case anchorGraduation:
		return path("education", a.idx, "graduated_on")
	}
	return ""
}

// anchorWhat names an anchor in Chinese, as "护士执业证书执业注册".
func (e *ev) anchorWhat(a *anchor) string {
	f := e.f
	switch a.kind {
	case anchorRegistration:
		if a.idx >= 0 {
			return f.Licences[a.idx].Kind.Label() + "执业注册"
		}
		return "执业注册"
	case anchorLicence:
		return "取得" + f.Licences[a.idx].Kind.Label()
	case anchorTitle:
		return "取得" + f.Titles[a.idx].Level.Label() + "资格"
	case anchorWork:
		return "从事本专业工作"
	case anchorGraduation:
		return f.Education[a.idx].Level.Label() + "毕业"
	}
	return ""
}

// workAnchor is where years of work in the specialty count from (一（四）):
// practice registration for doctors and nurses, otherwise the start of work
// in the specialty; never before graduation.
func (e *ev) workAnchor(edu int) anchor {
	f := e.f
	var a anchor
	switch {
	case e.ix.fromReg[e.spec.Licence] && f.PracticeRegisteredOn.IsZero():
		return anchor{kind: anchorRegistration, idx: -1, gap: gapNoRegistration}
	case e.ix.fromReg[e.spec.Licence]:
		a = anchor{date: f.PracticeRegisteredOn, kind: anchorRegistration, idx: -1}
	case f.SpecialtyStartedOn.IsZero():
		return anchor{kind: anchorWork, gap: gapNoStart}
	default:
		a = anchor{date: f.SpecialtyStartedOn, kind: anchorWork}
	}
	if g := f.Education[edu].GraduatedOn; g.After(a.date) {
		a.date, a.kind, a.idx = g, anchorGraduation, edu
	}
	return a
}

// titleAnchors appends to buf the titles of level that the target can count
// years from: licences that count as titles (from practice registration for
// doctors and nurses, 一（四）) and titles held.
func (e *ev) titleAnchors(level kaowu.Level, buf []anchor) []anchor {
	f, p, s := e.f, e.p, e.spec
	for i, l := range f.Licences {
		ti, ok := e.ix.licTitles[l.Kind]
		if !ok || p.LicenceTitles[ti].Level != level || licenceFor(l.Kind) != s.Licence {
			continue
		}
		tc := p.LicenceTitles[ti].Clause
		switch {
		case e.ix.fromReg[s.Licence] && f.PracticeRegisteredOn.IsZero():
			buf = append(buf, anchor{kind: anchorRegistration, idx: i, gap: gapNoRegistration})
		case e.ix.fromReg[s.Licence]:
			buf = append(buf, anchor{date: f.PracticeRegisteredOn, kind: anchorRegistration, idx: i, titleClause: tc})
		case l.ObtainedOn.IsZero():
			buf = append(buf, anchor{kind: anchorLicence, idx: i, gap: gapNoLicenceDate})
		default:
			buf = append(buf, anchor{date: l.ObtainedOn, kind: anchorLicence, idx: i, titleClause: tc})
		}
	}
	for i := range f.Titles {
		t := &f.Titles[i]
		if t.Level != level || t.Relevant != nil && !*t.Relevant {
			continue
		}
		buf = append(buf, anchor{date: t.ObtainedOn, kind: anchorTitle, idx: i, doubt: t.Relevant == nil && !e.titleFits(t.Specialty)})
	}
	return buf
}

// titleFits infers that a title's specialty leads to the target: the same
// name or a name the target's begins with, or both nursing.
func (e *ev) titleFits(spec string) bool {
	t, ok := e.ix.resolveAny(spec)
	if !ok {
		return spec != "" && strings.HasPrefix(e.spec.Name, spec)
	}
	return strings.HasPrefix(e.spec.Name, t.Name) || t.Licence == kaowu.LicenceNurse && e.spec.Licence == kaowu.LicenceNurse
}

// rowText describes a route's requirement, as "本科 + 初级（师）满4年".
func (e *ev) rowText(a *attempt) string {
	p := e.p
	if a.row < 0 {
		d := p.PrimaryCareDirect
		return d.Education.Label() + "及以上学历 + 住院医师规范化培训合格 + 在基层医疗卫生机构工作，直接参加" + d.Level.Label() + "考试"
	}
	row := p.Conditions[a.row]
	t := row.Education.Label()
	if a.asMaster {
		rm := p.ResidencyAsMaster
		t = rm.Education.Label() + " + 住院医师规范化培训合格（视同" + rm.CountsAs.Label() + "）"
	}
	switch {
	case row.Title != "":
		t += " + " + row.Title.Label() + "满" + itoa(row.Years) + "年"
	case row.Years > 0:
		t += " + 从事本专业工作满" + itoa(row.Years) + "年"
	default:
		t += "学历"
	}
	return t
}

// routeOf describes the route an attempt took.
func (e *ev) routeOf(a *attempt) *Route {
	p := e.p
	if a.row < 0 {
		c := p.PrimaryCareDirect.Clause
		return &Route{Key: string(p.PrimaryCareDirect.Level) + "." + earlyDirect, Text: e.rowText(a) + "（" + c + "）", Clauses: []string{c}}
	}
	row := p.Conditions[a.row]
	r := &Route{Key: e.ix.rowKeys[a.row], Clauses: append(make([]string, 0, 4), row.Clause)}
	text := e.rowText(a)
	if a.asMaster {
		r.Key += ".residency_as_master"
		r.Clauses = addClause(r.Clauses, p.ResidencyAsMaster.Clause)
	}
	if a.titleClause != "" {
		r.Clauses = addClause(r.Clauses, a.titleClause)
	}
	switch a.early {
	case earlyCommunity:
		r.Key += "+community"
		r.Clauses = addClause(r.Clauses, p.Community.Clause)
	case earlyFrontline:
		r.Key += "+frontline"
		r.Clauses = addClause(r.Clauses, p.Frontline.Clause)
	}
	text += earlyText(a.early)
	r.Text = text + "（" + strings.Join(r.Clauses, "、") + "）"
	if a.kind != anchorNone {
		r.Clauses = addClause(r.Clauses, p.Counting.Clause)
	}
	return r
}

// tableClause is the clause of the conditions table (附件1).
func (e *ev) tableClause() string {
	if len(e.p.Conditions) == 0 {
		return ""
	}
	return e.p.Conditions[0].Clause
}

// earlyText names an early allowance in a route's description.
func earlyText(early string) string {
	switch early {
	case earlyCommunity:
		return "，社区卫生服务机构提前一年"
	case earlyFrontline:
		return "，疫情防治一线提前一年"
	}
	return ""
}

func addClause(cs []string, c string) []string {
	for _, x := range cs {
		if x == c {
			return cs
		}
	}
	return append(cs, c)
}

// nurseAppointmentNote adds 一（八）'s note for nurses with a 本科 or higher
// nursing education sitting the level above 初级（士）.
func (e *ev) nurseAppointmentNote() {
	na := e.p.NurseAssistant
	if e.spec.Licence != kaowu.LicenceNurse || levelRank(e.spec.Level) != levelRank(na.Level)+1 {
		return
	}
	for i := range e.f.Education {
		ed := &e.f.Education[i]
		if e.counted(ed) && (ed.Relevant == nil || *ed.Relevant) && ed.Level.Rank() >= na.DirectAppointment.Rank() {
			if e.tracing {
				e.step("nurse_assistant", na.Clause, "note", path("education", i, "level"), string(e.f.Education[i].Level),
					"p:eligibility.nurse_assistant.direct_appointment", string(na.DirectAppointment))
			}
			e.note(na.Clause, "护理、助产专业"+na.DirectAppointment.Label()+"以上学历人员取得护士执业资格后，在达到《卫生技术人员职务试行条例》规定的护师任职年限后，也可直接聘任护师专业技术职务（"+na.Clause+"）。")
			return
		}
	}
}

func levelRank(l kaowu.Level) int {
	for i, x := range kaowu.Levels {
		if x == l {
			return i + 1
		}
	}
	return 0
}

func (e *ev) traceAttempt(a *attempt) {
	p := e.p
	param, val, clause := "p:eligibility.primary_care_direct", e.ix.tr.primaryCareDirect, p.PrimaryCareDirect.Clause
	if a.row >= 0 {
		param, val, clause = e.ix.tr.rowParam[a.row], e.ix.tr.rowDesc[a.row], p.Conditions[a.row].Clause
	}
	result := itoa(a.have) + "/" + itoa(a.need)
	switch {
	case a.gap != gapNone:
		result += " blocked: " + e.gapReason(a).Text
	case a.ok() && a.doubt != doubtNone:
		result += " ok, unsure: " + e.doubtReason(a).Text
	case a.ok():
		result += " ok"
	default:
		result += " short"
	}
	kv := make([]string, 0, 16)
	kv = append(kv, path("education", a.edu, "level"), string(e.f.Education[a.edu].Level), param, val)
	if a.kind != anchorNone {
		kv = append(kv, e.anchorField(&a.anchor), a.date.String())
	}
	if a.asMaster {
		kv = append(kv, "residency_certificate", "true", "p:eligibility.residency_as_master", string(p.ResidencyAsMaster.CountsAs))
	}
	if a.row >= 0 && p.Conditions[a.row].Title != "" {
		for i, l := range e.f.Licences {
			if ti, ok := e.ix.licTitles[l.Kind]; ok && p.LicenceTitles[ti].Level == p.Conditions[a.row].Title {
				kv = append(kv, path("licences", i, "kind"), string(l.Kind), e.ix.tr.licTitleParam[ti], e.ix.tr.licTitleLv[ti])
			}
		}
	}
	if a.kind == anchorRegistration {
		kv = append(kv, "p:eligibility.counting.from_registration", e.ix.tr.fromReg)
	}
	kv = append(kv, "p:cutoff.date", e.ix.cutoff)
	rule := "conditions"
	if a.early != earlyNone {
		rule += "+" + a.early
	}
	e.step(rule, clause, result, kv...)
}

// licenceFor returns the licence requirement a held licence can meet.
func licenceFor(k policy.LicenceKind) kaowu.Licence {
	switch k {
	case policy.LicencePhysician, policy.LicenceAssistantPhysician:
		return kaowu.LicencePhysician
	case policy.LicenceNurse:
		return kaowu.LicenceNurse
	}
	return kaowu.LicenceNone
}

func licList(ls []kaowu.Licence) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(l))
	}
	return b.String()
}
