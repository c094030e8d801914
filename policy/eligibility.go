package policy

import (
	"fmt"
	"strings"

	"kaowu"
)

// Eligibility holds the parameters of the eligibility conditions (附件1 and
// the notice's clauses 一（一）–一（十）, 二（一）–二（三）): the conditions
// table, year counts, early-year allowances, the residency rule, the ID types
// that may apply online and the materials of on-site confirmation, each with
// its citation. The eligibility package reads them; no rule constant lives in
// code.
type Eligibility struct {
	// Verified is false while the parameters have not been checked against
	// the official 附件1; Source says where they come from.
	Verified bool   `yaml:"verified" json:"verified"`
	Source   string `yaml:"source" json:"source"`

	Catalog             CatalogRule         `yaml:"catalog" json:"catalog"`
	Conditions          []Condition         `yaml:"conditions" json:"conditions"`
	ResidencyAsMaster   ResidencyAsMaster   `yaml:"residency_as_master" json:"residency_as_master"`
	LicenceTitles       []LicenceTitle      `yaml:"licence_titles" json:"licence_titles"`
	Counting            Counting            `yaml:"counting" json:"counting"`
	PostChange          PostChange          `yaml:"post_change" json:"post_change"`
	Community           Community           `yaml:"community" json:"community"`
	PrimaryCareDirect   PrimaryCareDirect   `yaml:"primary_care_direct" json:"primary_care_direct"`
	Frontline           Frontline           `yaml:"frontline" json:"frontline"`
	HubeiAid            HubeiAid            `yaml:"hubei_aid" json:"hubei_aid"`
	OnlineIDTypes       []OnlineIDType      `yaml:"online_id_types" json:"online_id_types"`
	Military            MilitaryRule        `yaml:"military" json:"military"`
	PhysicianCategories PhysicianCategories `yaml:"physician_categories" json:"physician_categories"`
	NurseAssistant      NurseAssistant      `yaml:"nurse_assistant" json:"nurse_assistant"`
	Residency           Residency           `yaml:"residency" json:"residency"`
	Removed             Cited               `yaml:"removed" json:"removed"`
	Site                Cited               `yaml:"site" json:"site"`
	FileElsewhere       FileElsewhere       `yaml:"file_elsewhere" json:"file_elsewhere"`
	Private             Private             `yaml:"private" json:"private"`
	Rolling             Rolling             `yaml:"rolling" json:"rolling"`
	Materials           []Material          `yaml:"materials" json:"materials"`
}

// EducationLevel is a level of education (学历): 中专, 大专, 本科, 硕士, 博士.
type EducationLevel string

// The education levels, in ascending order.
const (
	EducationSecondary EducationLevel = "secondary"
	EducationCollege   EducationLevel = "college"
	EducationBachelor  EducationLevel = "bachelor"
	EducationMaster    EducationLevel = "master"
	EducationDoctorate EducationLevel = "doctorate"
)

// Rank returns the position of the level in ascending order (1–5), or 0 for
// an unknown level.
func (l EducationLevel) Rank() int {
	switch l {
	case EducationSecondary:
		return 1
	case EducationCollege:
		return 2
	case EducationBachelor:
		return 3
	case EducationMaster:
		return 4
	case EducationDoctorate:
		return 5
	}
	return 0
}

// Label returns the Chinese name of the education level.
func (l EducationLevel) Label() string {
	switch l {
	case EducationSecondary:
		return "中专"
	case EducationCollege:
		return "大专"
	case EducationBachelor:
		return "本科"
	case EducationMaster:
		return "硕士"
	case EducationDoctorate:
		return "博士"
	}
	return string(l)
}

// LicenceKind is a practice licence a candidate may hold.
type LicenceKind string

// The licences a candidate may hold: 执业医师, 执业助理医师, 护士执业.
const (
	LicencePhysician          LicenceKind = "physician"
	LicenceAssistantPhysician LicenceKind = "assistant_physician"
	LicenceNurse              LicenceKind = "nurse"
)

// Label returns the Chinese name of the licence.
func (k LicenceKind) Label() string {
	switch k {
	case LicencePhysician:
		return "执业医师"
	case LicenceAssistantPhysician:
		return "执业助理医师"
	case LicenceNurse:
		return "护士执业证书"
	}
	return string(k)
}

// Valid reports whether k is a known licence.
func (k LicenceKind) Valid() bool { return k.Label() != string(k) }

// PhysicianCategory is the category (执业类别) of a physician qualification.
type PhysicianCategory string

// The four physician categories: 临床, 中医, 口腔, 公共卫生.
const (
	CategoryClinical     PhysicianCategory = "clinical"
	CategoryTCM          PhysicianCategory = "tcm"
	CategoryDental       PhysicianCategory = "dental"
	CategoryPublicHealth PhysicianCategory = "public_health"
)

// Label returns the Chinese name of the category.
func (c PhysicianCategory) Label() string {
	switch c {
	case CategoryClinical:
		return "临床"
	case CategoryTCM:
		return "中医"
	case CategoryDental:
		return "口腔"
	case CategoryPublicHealth:
		return "公共卫生"
	}
	return string(c)
}

// Valid reports whether c is a known category.
func (c PhysicianCategory) Valid() bool { return c.Label() != string(c) }

// AwardLevel is the level of a Hubei-aid award (援鄂表彰奖励).
type AwardLevel string

// Award levels: below provincial, provincial or ministerial, national.
const (
	AwardOther      AwardLevel = "other"
	AwardProvincial AwardLevel = "provincial"
	AwardNational   AwardLevel = "national"
)

// Label returns the Chinese name of the award level.
func (a AwardLevel) Label() string {
	switch a {
	case AwardOther:
		return "省部级以下"
	case AwardProvincial:
		return "省部级"
	case AwardNational:
		return "国家级"
	}
	return string(a)
}

// Valid reports whether a is a known award level.
func (a AwardLevel) Valid() bool { return a.Label() != string(a) }

// Cited is a rule whose only parameter is the clause it applies.
type Cited struct {
	Clause string `yaml:"clause" json:"clause"`
}

// CatalogRule cites the catalogue (附件2) for unknown codes and the clause
// that sends specialties outside the catalogue to review boards (一（一）).
type CatalogRule struct {
	Clause         string `yaml:"clause" json:"clause"`
	UnlistedClause string `yaml:"unlisted_clause" json:"unlisted_clause"`
}

// Condition is one row of the conditions table (附件1): a candidate for
// Level with a relevant education at or above Education qualifies after
// Years full years — counted from obtaining the Title level when Title is
// set, otherwise years of work in the specialty.
type Condition struct {
	Level     kaowu.Level    `yaml:"level" json:"level"`
	Education EducationLevel `yaml:"education" json:"education"`
	Title     kaowu.Level    `yaml:"title,omitempty" json:"title,omitempty"`
	Years     int            `yaml:"years" json:"years"`
	Clause    string         `yaml:"clause" json:"clause"`
}

// Key returns the stable name of the row, as "intermediate.bachelor".
func (c Condition) Key() string { return string(c.Level) + "." + string(c.Education) }

// ResidencyAsMaster says that an Education graduate holding the residency
// training certificate counts as CountsAs for specialties requiring Licence
// (51号文: 本科 + 住培 counts as 硕士).
type ResidencyAsMaster struct {
	Education EducationLevel `yaml:"education" json:"education"`
	CountsAs  EducationLevel `yaml:"counts_as" json:"counts_as"`
	Licence   kaowu.Licence  `yaml:"licence" json:"licence"`
	Clause    string         `yaml:"clause" json:"clause"`
}

// LicenceTitle says that holding a licence counts as a title of Level
// (执业助理医师 = 医士, 执业医师 = 医师, 护士执业资格 = 护理初级（士）).
type LicenceTitle struct {
	Licence LicenceKind `yaml:"licence" json:"licence"`
	Level   kaowu.Level `yaml:"level" json:"level"`
	Clause  string      `yaml:"clause" json:"clause"`
}

// Counting says how years are counted (一（四）): for specialties requiring
// one of FromRegistration, years of work and licence titles count from
// practice registration; other titles count from the date obtained; only
// recognised education graduated by the cut-off counts.
type Counting struct {
	FromRegistration []kaowu.Licence `yaml:"from_registration" json:"from_registration"`
	Clause           string          `yaml:"clause" json:"clause"`
}

// PostChange is the full years required in the current post after a change
// of post (一（一）).
type PostChange struct {
	Years  int    `yaml:"years" json:"years"`
	Clause string `yaml:"clause" json:"clause"`
}

// Community is the community one-year-early allowance (一（二）): doctors and
// nurses at a community health centre (station) may sit the listed
// Specialties of Level YearsEarly years early. UnitCategories are the unit
// categories that are community health centres.
type Community struct {
	YearsEarly     int         `yaml:"years_early" json:"years_early"`
	Level          kaowu.Level `yaml:"level" json:"level"`
	Specialties    []string    `yaml:"specialties" json:"specialties"`
	UnitCategories []string    `yaml:"unit_categories" json:"unit_categories"`
	Clause         string      `yaml:"clause" json:"clause"`
}

// PrimaryCareDirect lets Education-or-higher graduates with the residency
// certificate who work at a primary care institution sit Level directly
// (一（二）).
type PrimaryCareDirect struct {
	Education EducationLevel `yaml:"education" json:"education"`
	Level     kaowu.Level    `yaml:"level" json:"level"`
	Clause    string         `yaml:"clause" json:"clause"`
}

// Frontline is the pandemic front-line allowance (一（三）): YearsEarly years
// early, only once when Once.
type Frontline struct {
	YearsEarly int    `yaml:"years_early" json:"years_early"`
	Once       bool   `yaml:"once" json:"once"`
	Clause     string `yaml:"clause" json:"clause"`
}

// HubeiAid lists the award levels that open the exceptional (破格) route
// (一（三）); such cases go to review.
type HubeiAid struct {
	AwardLevels []AwardLevel `yaml:"award_levels" json:"award_levels"`
	Clause      string       `yaml:"clause" json:"clause"`
}

// OnlineIDType is an ID type accepted for online application, with the
// clause that admits it.
type OnlineIDType struct {
	IDType kaowu.IDType `yaml:"id_type" json:"id_type"`
	Clause string       `yaml:"clause" json:"clause"`
}

// MilitaryRule refuses the online route to military health personnel
// (Clause, 二（三）1) on the basis of BasisClause (一（六）).
type MilitaryRule struct {
	Clause      string `yaml:"clause" json:"clause"`
	BasisClause string `yaml:"basis_clause" json:"basis_clause"`
}

// PhysicianCategories maps physician specialties to the physician
// categories that correspond to them (一（七） 相应专业): the first rule
// whose Names contain the specialty name, or one of whose NameContains is a
// substring of it, gives the categories; otherwise Default.
type PhysicianCategories struct {
	Default []PhysicianCategory `yaml:"default" json:"default"`
	Rules   []CategoryRule      `yaml:"rules" json:"rules"`
	Clause  string              `yaml:"clause" json:"clause"`
}

// CategoryRule is one rule of PhysicianCategories. The first category is
// the specialty's own (the one the residency rule looks at).
type CategoryRule struct {
	Names        []string            `yaml:"names,omitempty" json:"names,omitempty"`
	NameContains []string            `yaml:"name_contains,omitempty" json:"name_contains,omitempty"`
	Categories   []PhysicianCategory `yaml:"categories" json:"categories"`
}

// Of returns the physician categories that correspond to a specialty name.
func (p PhysicianCategories) Of(name string) []PhysicianCategory {
	for _, r := range p.Rules {
		for _, n := range r.Names {
			if n == name {
				return r.Categories
			}
		}
		for _, n := range r.NameContains {
			if n != "" && strings.Contains(name, n) {
				return r.Categories
			}
		}
	}
	return p.Default
}

// NurseAssistant is 一（八）: nursing and midwifery 初级（士） (Names at
// Level) comes from the nurse licensing exam, not from this exam; nurses
// with DirectAppointment education or higher may be appointed 护师 directly.
type NurseAssistant struct {
	Names             []string       `yaml:"names" json:"names"`
	Level             kaowu.Level    `yaml:"level" json:"level"`
	DirectAppointment EducationLevel `yaml:"direct_appointment" json:"direct_appointment"`
	Clause            string         `yaml:"clause" json:"clause"`
}

// Residency is 一（九）: medical graduates of Education or higher who
// graduated in GraduatedFrom or later (full-time only when FullTimeOnly,
// 二（二）9) need the residency training certificate to sit Level in a
// specialty whose own physician category is one of Categories. The year is
// a fixed date of the 2012 policy and does not move with the exam year.
type Residency struct {
	GraduatedFrom  int                 `yaml:"graduated_from" json:"graduated_from"`
	Education      EducationLevel      `yaml:"education" json:"education"`
	FullTimeOnly   bool                `yaml:"full_time_only" json:"full_time_only"`
	FullTimeClause string              `yaml:"full_time_clause" json:"full_time_clause"`
	Level          kaowu.Level         `yaml:"level" json:"level"`
	Categories     []PhysicianCategory `yaml:"categories" json:"categories"`
	Clause         string              `yaml:"clause" json:"clause"`
}

// FileElsewhere is 二（二）2: a candidate whose personnel file is held
// elsewhere needs Months or more of social insurance at the unit.
type FileElsewhere struct {
	Months int    `yaml:"months" json:"months"`
	Clause string `yaml:"clause" json:"clause"`
}

// Private is 二（二）5: units of UnitCategories are privately funded and
// must show their institution licence.
type Private struct {
	UnitCategories []string `yaml:"unit_categories" json:"unit_categories"`
	Clause         string   `yaml:"clause" json:"clause"`
}

// Rolling is the score rule: passes are valid for Years consecutive exam
// years (七); passes in a removed specialty carry over to its merge targets
// (MergedClause, 一（十）); absent and misconduct candidates of the previous
// year are not confirmed automatically (AutoConfirmationClause, 二（一）).
type Rolling struct {
	Years                  int    `yaml:"years" json:"years"`
	Clause                 string `yaml:"clause" json:"clause"`
	MergedClause           string `yaml:"merged_clause" json:"merged_clause"`
	AutoConfirmationClause string `yaml:"auto_confirmation_clause" json:"auto_confirmation_clause"`
}

// Material is one item to bring to on-site confirmation (二（二）1–11, 一（五）).
// Key names it for the engine, which decides when it applies.
type Material struct {
	Key    string `yaml:"key" json:"key"`
	Text   string `yaml:"text" json:"text"`
	Clause string `yaml:"clause" json:"clause"`
}

// shifted returns the parameters for a draft n exam years later. No
// parameter is a date of the exam year: year counts are durations measured
// to the cut-off (which Draft moves), and the residency rule's graduation
// year (2012) is the start of a standing policy, so it stays. The draft is
// marked unverified so that the region office checks it against the new
// notice before use.
func (e Eligibility) shifted(n int) Eligibility {
	if n == 0 {
		return e
	}
	e.Verified = false
	const mark = "（草稿：沿用上一年度参数，须按新年度通知核对）"
	if !strings.HasPrefix(e.Source, mark) {
		e.Source = mark + e.Source
	}
	return e
}

// eligibility checks the eligibility parameters of y, naming each bad field.
func (p *problems) eligibility(y *Year, cite func(field, id string)) {
	e := &y.Eligibility
	const f = "eligibility"
	cats := map[string]bool{}
	for _, c := range y.UnitCategories {
		cats[c.Key] = true
	}
	level := func(field string, l kaowu.Level) {
		if !l.Valid() {
			p.add(field, "级别 %q 无效（assistant、junior 或 intermediate）", l)
		}
	}
	education := func(field string, l EducationLevel) {
		if l.Rank() == 0 {
			p.add(field, "学历 %q 无效（secondary、college、bachelor、master 或 doctorate）", l)
		}
	}
	years := func(field string, n int) {
		if n < 0 || n > 50 {
			p.add(field, "年数 %d 应在 0–50 之间", n)
		}
	}
	unitCats := func(field string, keys []string) {
		for _, k := range keys {
			if !cats[k] {
				p.add(field, "单位类别 %s 不在 unit_categories 中", k)
			}
		}
	}
	physCats := func(field string, cs []PhysicianCategory) {
		if len(cs) == 0 {
			p.add(field, "至少需要一个执业类别")
		}
		for _, c := range cs {
			if !c.Valid() {
				p.add(field, "执业类别 %q 无效（clinical、tcm、dental 或 public_health）", c)
			}
		}
	}

	if strings.TrimSpace(e.Source) == "" {
		p.add(f+".source", "必须注明报名条件参数的来源")
	}
	cite(f+".catalog.clause", e.Catalog.Clause)
	cite(f+".catalog.unlisted_clause", e.Catalog.UnlistedClause)

	rows := map[string]bool{}
	perLevel := map[kaowu.Level]int{}
	for i, c := range e.Conditions {
		cf := fmt.Sprintf("%s.conditions[%d]", f, i)
		level(cf+".level", c.Level)
		education(cf+".education", c.Education)
		if c.Title != "" {
			level(cf+".title", c.Title)
			if c.Title.Valid() && c.Level.Valid() && levelRank(c.Title) >= levelRank(c.Level) {
				p.add(cf+".title", "要求的资格 %s 应低于报考级别 %s", c.Title.Label(), c.Level.Label())
			}
		}
		years(cf+".years", c.Years)
		if rows[c.Key()] {
			p.add(cf, "报考级别与学历的组合 %s 重复", c.Key())
		}
		rows[c.Key()] = true
		perLevel[c.Level]++
		cite(cf+".clause", c.Clause)
	}
	for _, l := range kaowu.Levels {
		if perLevel[l] == 0 {
			p.add(f+".conditions", "缺少%s的报名条件", l.Label())
		}
	}

	r := e.ResidencyAsMaster
	education(f+".residency_as_master.education", r.Education)
	education(f+".residency_as_master.counts_as", r.CountsAs)
	if r.CountsAs.Rank() <= r.Education.Rank() {
		p.add(f+".residency_as_master.counts_as", "视同学历 %s 应高于原学历 %s", r.CountsAs.Label(), r.Education.Label())
	}
	if r.Licence != kaowu.LicencePhysician && r.Licence != kaowu.LicenceNurse {
		p.add(f+".residency_as_master.licence", "执业资格 %q 无效（physician 或 nurse）", r.Licence)
	}
	cite(f+".residency_as_master.clause", r.Clause)

	seenLic := map[LicenceKind]bool{}
	for i, lt := range e.LicenceTitles {
		lf := fmt.Sprintf("%s.licence_titles[%d]", f, i)
		if !lt.Licence.Valid() {
			p.add(lf+".licence", "执业资格 %q 无效（physician、assistant_physician 或 nurse）", lt.Licence)
		}
		if seenLic[lt.Licence] {
			p.add(lf+".licence", "执业资格 %s 重复", lt.Licence)
		}
		seenLic[lt.Licence] = true
		level(lf+".level", lt.Level)
		cite(lf+".clause", lt.Clause)
	}
	for i, l := range e.Counting.FromRegistration {
		if l != kaowu.LicencePhysician && l != kaowu.LicenceNurse {
			p.add(fmt.Sprintf("%s.counting.from_registration[%d]", f, i), "执业资格 %q 无效（physician 或 nurse）", l)
		}
	}
	cite(f+".counting.clause", e.Counting.Clause)

	years(f+".post_change.years", e.PostChange.Years)
	cite(f+".post_change.clause", e.PostChange.Clause)

	c := e.Community
	years(f+".community.years_early", c.YearsEarly)
	level(f+".community.level", c.Level)
	if len(c.Specialties) == 0 {
		p.add(f+".community.specialties", "必须列出可提前一年报考的专业")
	}
	for i, name := range c.Specialties {
		found := false
		for _, s := range y.Catalog {
			found = found || (s.Name == name && s.Level == c.Level && s.Active())
		}
		if !found {
			p.add(fmt.Sprintf("%s.community.specialties[%d]", f, i), "专业 %s（%s）不在专业目录的在用专业中", name, c.Level.Label())
		}
	}
	if len(c.UnitCategories) == 0 {
		p.add(f+".community.unit_categories", "必须列出属于社区卫生服务机构的单位类别")
	}
	unitCats(f+".community.unit_categories", c.UnitCategories)
	cite(f+".community.clause", c.Clause)

	education(f+".primary_care_direct.education", e.PrimaryCareDirect.Education)
	level(f+".primary_care_direct.level", e.PrimaryCareDirect.Level)
	cite(f+".primary_care_direct.clause", e.PrimaryCareDirect.Clause)

	years(f+".frontline.years_early", e.Frontline.YearsEarly)
	cite(f+".frontline.clause", e.Frontline.Clause)

	for i, a := range e.HubeiAid.AwardLevels {
		if !a.Valid() {
			p.add(fmt.Sprintf("%s.hubei_aid.award_levels[%d]", f, i), "表彰级别 %q 无效（other、provincial 或 national）", a)
		}
	}
	cite(f+".hubei_aid.clause", e.HubeiAid.Clause)

	ids := map[kaowu.IDType]bool{}
	for i, t := range e.OnlineIDTypes {
		tf := fmt.Sprintf("%s.online_id_types[%d]", f, i)
		if !t.IDType.Valid() {
			p.add(tf+".id_type", "证件类型 %q 无效", t.IDType)
		}
		if ids[t.IDType] {
			p.add(tf+".id_type", "证件类型 %s 重复", t.IDType)
		}
		ids[t.IDType] = true
		cite(tf+".clause", t.Clause)
	}
	if len(e.OnlineIDTypes) == 0 {
		p.add(f+".online_id_types", "至少需要一种可网上报名的证件类型")
	}
	cite(f+".military.clause", e.Military.Clause)
	cite(f+".military.basis_clause", e.Military.BasisClause)

	pc := e.PhysicianCategories
	physCats(f+".physician_categories.default", pc.Default)
	for i, rule := range pc.Rules {
		rf := fmt.Sprintf("%s.physician_categories.rules[%d]", f, i)
		if len(rule.Names) == 0 && len(rule.NameContains) == 0 {
			p.add(rf, "必须填写 names 或 name_contains")
		}
		physCats(rf+".categories", rule.Categories)
	}
	cite(f+".physician_categories.clause", pc.Clause)

	na := e.NurseAssistant
	if len(na.Names) == 0 {
		p.add(f+".nurse_assistant.names", "必须列出护理初级（士）所指的专业名称")
	}
	level(f+".nurse_assistant.level", na.Level)
	education(f+".nurse_assistant.direct_appointment", na.DirectAppointment)
	cite(f+".nurse_assistant.clause", na.Clause)

	rs := e.Residency
	if rs.GraduatedFrom < 1950 || rs.GraduatedFrom > 2100 {
		p.add(f+".residency.graduated_from", "毕业年份 %d 不在 1950–2100 之间", rs.GraduatedFrom)
	}
	education(f+".residency.education", rs.Education)
	level(f+".residency.level", rs.Level)
	physCats(f+".residency.categories", rs.Categories)
	cite(f+".residency.clause", rs.Clause)
	cite(f+".residency.full_time_clause", rs.FullTimeClause)

	cite(f+".removed.clause", e.Removed.Clause)
	cite(f+".site.clause", e.Site.Clause)

	if e.FileElsewhere.Months < 0 || e.FileElsewhere.Months > 120 {
		p.add(f+".file_elsewhere.months", "社保月数 %d 应在 0–120 之间", e.FileElsewhere.Months)
	}
	cite(f+".file_elsewhere.clause", e.FileElsewhere.Clause)
	unitCats(f+".private.unit_categories", e.Private.UnitCategories)
	cite(f+".private.clause", e.Private.Clause)

	if e.Rolling.Years < 1 || e.Rolling.Years > 10 {
		p.add(f+".rolling.years", "滚动周期 %d 年应在 1–10 之间", e.Rolling.Years)
	}
	cite(f+".rolling.clause", e.Rolling.Clause)
	cite(f+".rolling.merged_clause", e.Rolling.MergedClause)
	cite(f+".rolling.auto_confirmation_clause", e.Rolling.AutoConfirmationClause)

	keys := map[string]bool{}
	for i, m := range e.Materials {
		mf := fmt.Sprintf("%s.materials[%d](%s)", f, i, m.Key)
		if m.Key == "" || keys[m.Key] {
			p.add(mf+".key", "材料 key 必须非空且不重复")
		}
		keys[m.Key] = true
		if strings.TrimSpace(m.Text) == "" {
			p.add(mf+".text", "必须填写材料名称和要求")
		}
		cite(mf+".clause", m.Clause)
	}
	if len(e.Materials) == 0 {
		p.add(f+".materials", "必须列出现场确认材料")
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
