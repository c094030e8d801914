package eligibility

import (
	"fmt"
	"strings"

	"kaowu"
	"kaowu/policy"
)

// Facts is what the engine knows of one candidate and the exam they want
// to sit: everything a candidate profile and the unit's HR can assert. The
// JSON form is documented in docs/eligibility.md; every date is
// "YYYY-MM-DD" and an absent date is unknown.
type Facts struct {
	// Today is the day the question is asked; dates after it are refused.
	// Zero skips that check (the engine never reads the clock).
	Today    kaowu.Date   `json:"today"`
	IDType   kaowu.IDType `json:"id_type"`
	Military bool         `json:"military"`
	// MilitaryRoster marks facts read from a military unit's roster
	// (二（三）1: military health personnel are registered by their
	// regiment-level unit and reviewed by a division-level unit). It is the
	// route the online refusal points to: with Military (or a military
	// officer's ID) the military rule is satisfied instead of refusing, and
	// the online ID types (一（五）) do not apply. Every other rule runs.
	MilitaryRoster bool `json:"military_roster"`

	Education []Education `json:"education"`
	Titles    []Title     `json:"titles"`
	Licences  []Licence   `json:"licences"`

	// PracticeRegisteredOn is the first practice registration (执业注册);
	// doctors' and nurses' years count from it (一（四）).
	PracticeRegisteredOn kaowu.Date `json:"practice_registered_on"`
	// SpecialtyStartedOn is when work in the target specialty began; years
	// of work of unlicensed specialties count from it.
	SpecialtyStartedOn kaowu.Date   `json:"specialty_started_on"`
	PostChanges        []PostChange `json:"post_changes"`
	Unit               Unit         `json:"unit"`

	CommunityTrainingCertificate bool                  `json:"community_training_certificate"`
	Frontline                    *Frontline            `json:"frontline"`
	HubeiAidAward                policy.AwardLevel     `json:"hubei_aid_award"`
	ResidencyCertificate         *ResidencyCertificate `json:"residency_certificate"`

	FileElsewhere         bool `json:"file_elsewhere"`
	SocialInsuranceMonths int  `json:"social_insurance_months"`

	PreviousExam *PreviousExam `json:"previous_exam"`
	Target       Target        `json:"target"`
}

// Education is one education (学历) the candidate holds. Relevant and
// Recognised are assertions; absent, the engine sends the case to review.
type Education struct {
	Level       policy.EducationLevel `json:"level"`
	Major       string                `json:"major"`
	Relevant    *bool                 `json:"relevant"`
	Medical     bool                  `json:"medical"`
	FullTime    bool                  `json:"full_time"`
	GraduatedOn kaowu.Date            `json:"graduated_on"`
	Recognised  *bool                 `json:"recognised"`
	// MilitarySchool is set for graduates of military schools (二（二）7).
	MilitarySchool bool `json:"military_school"`
}

// Title is a professional title held (专业技术资格), with the specialty it
// was obtained in (a code or a name). Relevant, when absent, is inferred
// from the specialty; when it cannot be, the case goes to review.
type Title struct {
	Level      kaowu.Level `json:"level"`
	Specialty  string      `json:"specialty"`
	ObtainedOn kaowu.Date  `json:"obtained_on"`
	Relevant   *bool       `json:"relevant"`
}

// Licence is a practice licence held. Category is the physician category
// (执业类别) and Scope the practice scope (执业范围), for physicians.
type Licence struct {
	Kind       policy.LicenceKind       `json:"kind"`
	Category   policy.PhysicianCategory `json:"category"`
	Scope      string                   `json:"scope"`
	ObtainedOn kaowu.Date               `json:"obtained_on"`
}

// PostChange is a change of post (岗位变动) on a date, from one specialty to
// another.
type PostChange struct {
	On   kaowu.Date `json:"on"`
	From string     `json:"from"`
	To   string     `json:"to"`
}

// Unit is the candidate's employer unit: its district decides the site
// (二（一）); Category is a key of the year's unit_categories.
type Unit struct {
	Name        string `json:"name"`
	District    string `json:"district"`
	Category    string `json:"unit_category"`
	Community   bool   `json:"community"`
	PrimaryCare bool   `json:"primary_care"`
	Private     bool   `json:"private"`
	Military    bool   `json:"military"`
}

// Frontline records the pandemic front-line appraisal (一（三）) and whether
// an early route was already used once.
type Frontline struct {
	Appraised       bool `json:"appraised"`
	EarlyUsedBefore bool `json:"early_used_before"`
}

// ResidencyCertificate is the residency training certificate (住院医师规范化
// 培训合格证书).
type ResidencyCertificate struct {
	ObtainedOn kaowu.Date `json:"obtained_on"`
}

// PreviousExam is the candidate's result of an earlier exam year: the
// specialty code sat, the subjects passed, and whether they were absent or
// committed misconduct.
type PreviousExam struct {
	Year       int             `json:"year"`
	Specialty  string          `json:"specialty"`
	Passed     []kaowu.Subject `json:"passed"`
	Absent     bool            `json:"absent"`
	Misconduct bool            `json:"misconduct"`
}

// Target is the exam the candidate wants to sit: a specialty code ("368")
// or name ("护理学", then Level is required), and the site code.
type Target struct {
	Specialty string      `json:"specialty"`
	Level     kaowu.Level `json:"level"`
	Site      string      `json:"site"`
}

// problem is a fact that is missing, malformed or inconsistent.
type problem struct {
	field, msg string
}

// shapeProblems returns the facts that are malformed on their own:
// unknown enumeration values, missing required fields, negative counts.
func (f *Facts) shapeProblems() []problem {
	var ps []problem
	add := func(field, format string, args ...any) {
		ps = append(ps, problem{field, fmt.Sprintf(format, args...)})
	}
	if f.IDType == "" {
		add("id_type", "必须填写证件类型")
	} else if !f.IDType.Valid() {
		add("id_type", "证件类型 %q 无效", f.IDType)
	}
	for i, e := range f.Education {
		if e.Level.Rank() == 0 {
			add(fmt.Sprintf("education[%d].level", i), "学历 %q 无效（secondary、college、bachelor、master 或 doctorate）", e.Level)
		}
		if e.GraduatedOn.IsZero() {
			add(fmt.Sprintf("education[%d].graduated_on", i), "必须填写毕业时间")
		}
	}
	for i, t := range f.Titles {
		if !t.Level.Valid() {
			add(fmt.Sprintf("titles[%d].level", i), "资格级别 %q 无效（assistant、junior 或 intermediate）", t.Level)
		}
		if t.ObtainedOn.IsZero() {
			add(fmt.Sprintf("titles[%d].obtained_on", i), "必须填写取得资格的时间")
		}
	}
	for i, l := range f.Licences {
		if !l.Kind.Valid() {
			add(fmt.Sprintf("licences[%d].kind", i), "执业资格 %q 无效（physician、assistant_physician 或 nurse）", l.Kind)
		}
		if l.Category != "" && !l.Category.Valid() {
			add(fmt.Sprintf("licences[%d].category", i), "执业类别 %q 无效（clinical、tcm、dental 或 public_health）", l.Category)
		}
	}
	for i, p := range f.PostChanges {
		if p.On.IsZero() {
			add(fmt.Sprintf("post_changes[%d].on", i), "必须填写岗位变动时间")
		}
	}
	if strings.TrimSpace(f.Unit.District) == "" {
		add("unit.district", "必须填写单位所在区")
	}
	if f.HubeiAidAward != "" && !f.HubeiAidAward.Valid() {
		add("hubei_aid_award", "援鄂表彰级别 %q 无效（other、provincial 或 national）", f.HubeiAidAward)
	}
	if f.SocialInsuranceMonths < 0 || f.SocialInsuranceMonths > 1200 {
		add("social_insurance_months", "社保缴纳月数 %d 无效", f.SocialInsuranceMonths)
	}
	if p := f.PreviousExam; p != nil {
		if p.Year < 2000 || p.Year > 2100 {
			add("previous_exam.year", "考试年度 %d 无效", p.Year)
		}
		if strings.TrimSpace(p.Specialty) == "" {
			add("previous_exam.specialty", "必须填写上一年度报考的专业代码")
		}
		seen := map[kaowu.Subject]bool{}
		for i, s := range p.Passed {
			field := fmt.Sprintf("previous_exam.passed[%d]", i)
			if s.Label() == string(s) {
				add(field, "科目 %q 无效（basics、related、professional 或 practice）", s)
			} else if seen[s] {
				add(field, "科目 %s 重复", s.Label())
			}
			seen[s] = true
		}
	}
	t := f.Target
	if strings.TrimSpace(t.Specialty) == "" {
		add("target.specialty", "必须填写报考专业代码或名称")
	}
	if t.Level != "" && !t.Level.Valid() {
		add("target.level", "报考级别 %q 无效（assistant、junior 或 intermediate）", t.Level)
	} else if t.Level == "" && !isCode(t.Specialty) && t.Specialty != "" {
		add("target.level", "按专业名称报考时必须填写报考级别")
	}
	if strings.TrimSpace(t.Site) == "" {
		add("target.site", "必须填写报考考点")
	}
	return ps
}

// isCode reports whether s looks like a specialty code: three digits.
func isCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
