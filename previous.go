package kaowu

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// SubjectResult is a candidate's result in one subject of an exam year:
// whether they sat it, the score when they did (0–100), and whether it was
// passed (合格).
type SubjectResult struct {
	Subject Subject `json:"subject"`
	Sat     bool    `json:"sat"`
	Score   int     `json:"score"`
	Passed  bool    `json:"passed"`
}

// PreviousRecord is a candidate's record of an earlier exam year as the
// region office exports it (上一年度考生信息): who they were, where and what
// they sat, their education and work as entered then, and their results.
// It serves the automatic confirmation of returning candidates (历史考生自动
// 确认, 二（一）), the ID-change score merge (成绩合并, 二（一）) and the
// two-year rolling results (滚动管理, 七), for which the archive number
// (档案号) is kept across the two years.
type PreviousRecord struct {
	Year     int      `json:"year"`
	IDType   IDType   `json:"id_type"`
	IDNumber IDNumber `json:"-"`
	Name     string   `json:"name"`
	// BirthDate is read from the ID number for GB 11643 numbers (居民身份证,
	// 港澳台居民居住证); the file gives it for the other documents.
	BirthDate Date   `json:"birth_date"`
	ArchiveNo string `json:"archive_no"`
	// Region and Site are codes of the exam year's data ("beijing",
	// "fengtai") when the file's value is one the system knows; otherwise
	// the file's text as written.
	Region        string `json:"region"`
	Site          string `json:"site"`
	SpecialtyCode string `json:"specialty_code"`
	SpecialtyName string `json:"specialty_name,omitempty"`
	Level         Level  `json:"level"`
	// Education lists the education rows (学历) entered that year, the
	// highest first. Medical and MilitarySchool are not part of the record.
	Education []Education `json:"education"`
	UnitName  string      `json:"unit_name"`
	Post      string      `json:"post"`
	// Results holds the four subjects in Subjects order.
	Results    []SubjectResult `json:"results"`
	Absent     bool            `json:"absent"`
	Misconduct bool            `json:"misconduct"`
	// Qualified is set when the candidate passed the exam that year (考试合格:
	// all four subjects within the two-year period, 七), including by
	// subjects passed the year before.
	Qualified  bool      `json:"qualified"`
	Source     string    `json:"source"`
	ImportedAt time.Time `json:"imported_at"`
}

// Result returns the result of subject s (the zero result, not sat, when
// the record has none).
func (r PreviousRecord) Result(s Subject) SubjectResult {
	for _, x := range r.Results {
		if x.Subject == s {
			return x
		}
	}
	return SubjectResult{Subject: s}
}

// PassedSubjects returns the subjects passed that year, in exam order.
func (r PreviousRecord) PassedSubjects() []Subject {
	var out []Subject
	for _, s := range Subjects {
		if r.Result(s).Passed {
			out = append(out, s)
		}
	}
	return out
}

// PassedAll reports whether the candidate passed the exam that year: the
// record says so, or all four subjects were passed.
func (r PreviousRecord) PassedAll() bool {
	return r.Qualified || len(r.PassedSubjects()) == len(Subjects)
}

// CarryOver returns the values of the eligibility engine's PreviousExam
// (eligibility.PreviousExam{Year, Specialty, Passed, Absent, Misconduct}):
// the year, the specialty code sat, the subjects passed, and the absent and
// misconduct flags. The engine decides what carries over (七, 一（十）); the
// passes are the official results, after any cancellation for misconduct.
func (r PreviousRecord) CarryOver() (year int, specialty string, passed []Subject, absent, misconduct bool) {
	return r.Year, r.SpecialtyCode, r.PassedSubjects(), r.Absent, r.Misconduct
}

// ReturningSnapshot is what a candidate's online application says this
// year, compared with their previous record for the automatic confirmation
// (二（一）). Region and Site are codes ("beijing", "fengtai"); Education
// uses the level identifiers of Profile (secondary … doctorate).
type ReturningSnapshot struct {
	// Year is this exam year; the record must be of Year-1. Zero skips the
	// check.
	Year     int
	Name     string
	IDType   IDType
	IDNumber IDNumber
	// BirthDate is needed by IDChanged for documents whose number does not
	// hold it; for GB 11643 numbers it may be left zero.
	BirthDate Date
	// ArchiveNo is the archive number the candidate gives (档案号), if any.
	ArchiveNo     string
	Region        string
	Site          string
	SpecialtyCode string
	// SpecialtyName is shown beside the code in the differences.
	SpecialtyName string
	Level         Level
	Education     []Education
	UnitName      string
	Post          string
}

// FieldDiff is one field that differs from last year: the field's
// identifier, its Chinese label, last year's value and this year's, as
// shown to the candidate (ID numbers masked).
type FieldDiff struct {
	Field    string `json:"field"`
	Label    string `json:"label"`
	Previous string `json:"previous"`
	Current  string `json:"current"`
}

// ReturningResult is the decision of CompareReturning.
type ReturningResult struct {
	// Eligible reports whether the application may be confirmed
	// automatically.
	Eligible bool `json:"eligible"`
	// Returning reports whether the record makes the candidate a returning
	// candidate to whom the automatic confirmation applies (sat last year,
	// did not pass, neither absent nor misconduct); with differences the
	// confirmation then fails and the differences are shown.
	Returning bool `json:"returning"`
	// Reason says in Chinese why the application is not confirmed
	// automatically; empty when Eligible.
	Reason string      `json:"reason,omitempty"`
	Diffs  []FieldDiff `json:"diffs,omitempty"`
}

// AutoConfirmationClause is the notice clause of the automatic
// confirmation and of the ID-change score merge.
const AutoConfirmationClause = "二（一）"

// CompareReturning decides the automatic confirmation of a returning
// candidate (历史考生自动确认, 二（一）): only a candidate who sat last year's
// exam and did not pass it, was not absent (缺考) and had no misconduct (违纪)
// is confirmed automatically, and only when the basic information, region,
// site, specialty, level, education and work are unchanged. Every field
// that differs is listed with last year's value beside this year's, also
// when the candidate is not eligible for another reason.
//
// Comparison is fair to what people type: text is compared after FoldText
// (spaces, full-width and half-width forms, the middle dot of names,
// letter case); codes likewise; ID numbers after NormalizeIDNumber; dates as
// dates; education rows are paired by level, highest first, and compared
// field by field. See docs/previous-records.md.
func CompareReturning(prev PreviousRecord, now ReturningSnapshot) ReturningResult {
	r := ReturningResult{Diffs: diffReturning(prev, now)}
	const confirm = "请按所在考点、考区的要求完成报名确认，未进行报名确认的视为自动放弃本次考试（" + AutoConfirmationClause + "）。"
	y := prev.Year
	switch {
	case now.Year != 0 && prev.Year != now.Year-1:
		r.Reason = fmt.Sprintf("历史考生自动确认只适用于%d年参加考试未通过的考生，找到的是%d年的记录，不能自动确认。", now.Year-1, prev.Year) + confirm
	case prev.Misconduct:
		r.Reason = fmt.Sprintf("%d年违纪的考生不能自动确认。", y) + confirm
	case prev.Absent:
		r.Reason = fmt.Sprintf("%d年缺考的考生不能自动确认。", y) + confirm
	case prev.PassedAll():
		r.Reason = fmt.Sprintf("%d年已考试合格（通过全部四个科目），不属于历史考生，不适用自动确认。", y) + confirm
	default:
		r.Returning = true
		if len(r.Diffs) == 0 {
			r.Eligible = true
			return r
		}
		labels := make([]string, 0, len(r.Diffs))
		seen := map[string]bool{}
		for _, d := range r.Diffs {
			l := d.Label
			if strings.HasPrefix(l, "教育情况") {
				l = "教育情况"
			}
			if !seen[l] {
				seen[l] = true
				labels = append(labels, l)
			}
		}
		r.Reason = fmt.Sprintf("自动确认失败：%s与%d年不一致。", strings.Join(labels, "、"), y) + confirm
	}
	return r
}

func diffReturning(prev PreviousRecord, now ReturningSnapshot) []FieldDiff {
	var d []FieldDiff
	add := func(field, label, p, c string) {
		d = append(d, FieldDiff{Field: field, Label: label, Previous: p, Current: c})
	}
	if !SameText(prev.Name, now.Name) {
		add("name", "姓名", prev.Name, now.Name)
	}
	if prev.IDType != now.IDType {
		add("id_type", "证件类型", prev.IDType.Label(), now.IDType.Label())
	}
	if pn, cn := NormalizeIDNumber(string(prev.IDNumber)), NormalizeIDNumber(string(now.IDNumber)); pn != cn {
		add("id_number", "证件号码", MaskID(pn), MaskID(cn))
	}
	if !prev.BirthDate.IsZero() && !now.BirthDate.IsZero() && prev.BirthDate != now.BirthDate {
		add("birth_date", "出生日期", prev.BirthDate.String(), now.BirthDate.String())
	}
	if !SameText(prev.Region, now.Region) {
		add("region", "报考考区", prev.Region, now.Region)
	}
	if !SameText(prev.Site, now.Site) {
		add("site", "报考考点", prev.Site, now.Site)
	}
	if !SameText(prev.SpecialtyCode, now.SpecialtyCode) {
		add("specialty_code", "报考专业", specialtyText(prev.SpecialtyCode, prev.SpecialtyName), specialtyText(now.SpecialtyCode, now.SpecialtyName))
	}
	if prev.Level != now.Level {
		add("level", "报考级别", prev.Level.Label(), now.Level.Label())
	}
	d = append(d, diffEducation(prev.Education, now.Education)...)
	if !SameText(prev.UnitName, now.UnitName) {
		add("unit_name", "工作单位", prev.UnitName, now.UnitName)
	}
	if !SameText(prev.Post, now.Post) {
		add("post", "从事岗位", prev.Post, now.Post)
	}
	for i := range d {
		if d[i].Previous == "" {
			d[i].Previous = "（未填）"
		}
		if d[i].Current == "" {
			d[i].Current = "（未填）"
		}
	}
	return d
}

func specialtyText(code, name string) string {
	code, name = strings.TrimSpace(code), strings.TrimSpace(name)
	if name == "" {
		return code
	}
	return code + " " + name
}

// diffEducation pairs the education rows of both years by level (highest
// first; within a level, latest graduation first) and lists what differs:
// a field of a pair, or a row present in one year only.
func diffEducation(prev, now []Education) []FieldDiff {
	byLevel := func(es []Education) map[string][]Education {
		m := map[string][]Education{}
		for _, e := range es {
			k := educationKey(e.Level)
			m[k] = append(m[k], e)
		}
		for _, rows := range m {
			sortEducation(rows)
		}
		return m
	}
	pm, cm := byLevel(prev), byLevel(now)
	keys := make([]string, 0, len(pm)+len(cm))
	for k := range pm {
		keys = append(keys, k)
	}
	for k := range cm {
		if _, ok := pm[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := educationRank(keys[i]), educationRank(keys[j])
		if ri != rj {
			return ri > rj
		}
		return keys[i] < keys[j]
	})
	var d []FieldDiff
	for _, k := range keys {
		p, c := pm[k], cm[k]
		for i := 0; i < len(p) || i < len(c); i++ {
			label := "教育情况（" + educationLabel(k) + "）"
			field := "education." + k
			if len(p) > 1 || len(c) > 1 {
				label = fmt.Sprintf("教育情况（%s，第%d条）", educationLabel(k), i+1)
				field = fmt.Sprintf("%s[%d]", field, i)
			}
			switch {
			case i >= len(p):
				d = append(d, FieldDiff{Field: field, Label: label, Previous: "（无）", Current: educationText(c[i])})
				continue
			case i >= len(c):
				d = append(d, FieldDiff{Field: field, Label: label, Previous: educationText(p[i]), Current: "（无）"})
				continue
			}
			pe, ce := p[i], c[i]
			if !SameText(pe.School, ce.School) {
				d = append(d, FieldDiff{Field: field + ".school", Label: label + "毕业学校", Previous: pe.School, Current: ce.School})
			}
			if !SameText(pe.Major, ce.Major) {
				d = append(d, FieldDiff{Field: field + ".major", Label: label + "所学专业", Previous: pe.Major, Current: ce.Major})
			}
			if pe.GraduatedOn != ce.GraduatedOn {
				d = append(d, FieldDiff{Field: field + ".graduated_on", Label: label + "毕业时间", Previous: pe.GraduatedOn.String(), Current: ce.GraduatedOn.String()})
			}
			if pe.FullTime != ce.FullTime {
				d = append(d, FieldDiff{Field: field + ".full_time", Label: label + "学习形式", Previous: fullTimeText(pe.FullTime), Current: fullTimeText(ce.FullTime)})
			}
		}
	}
	return d
}

// SortEducation orders education rows highest level first; within a
// level, latest graduation first.
func SortEducation(es []Education) []Education {
	out := append([]Education(nil), es...)
	sortEducation(out)
	return out
}

func sortEducation(es []Education) {
	sort.SliceStable(es, func(i, j int) bool {
		ri, rj := educationRank(educationKey(es[i].Level)), educationRank(educationKey(es[j].Level))
		if ri != rj {
			return ri > rj
		}
		if es[i].GraduatedOn != es[j].GraduatedOn {
			return es[i].GraduatedOn.After(es[j].GraduatedOn)
		}
		return FoldText(es[i].School) < FoldText(es[j].School)
	})
}

func educationText(e Education) string {
	parts := []string{educationLabel(educationKey(e.Level))}
	for _, s := range []string{strings.TrimSpace(e.School), strings.TrimSpace(e.Major)} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if !e.GraduatedOn.IsZero() {
		parts = append(parts, e.GraduatedOn.String()+"毕业")
	}
	parts = append(parts, fullTimeText(e.FullTime))
	return strings.Join(parts, "，")
}

func fullTimeText(b bool) string {
	if b {
		return "全日制"
	}
	return "非全日制"
}

// educationLevels are the education levels of Profile (the identifiers of
// policy.EducationLevel, which this package cannot import), ascending, with
// the words offices write for them.
var educationLevels = []struct {
	key, label string
	words      []string
}{
	{"secondary", "中专", []string{"中专", "中等专科", "中等专业学校", "中职"}},
	{"college", "大专", []string{"大专", "专科", "大学专科", "高职"}},
	{"bachelor", "本科", []string{"本科", "大学本科", "学士"}},
	{"master", "硕士", []string{"硕士", "硕士研究生", "研究生"}},
	{"doctorate", "博士", []string{"博士", "博士研究生"}},
}

// educationKey returns the identifier of an education level written as an
// identifier or in Chinese; an unknown level is returned folded.
func educationKey(s string) string {
	f := FoldText(s)
	for _, l := range educationLevels {
		if strings.EqualFold(f, l.key) {
			return l.key
		}
		for _, w := range l.words {
			if f == w {
				return l.key
			}
		}
	}
	return f
}

func educationRank(key string) int {
	for i, l := range educationLevels {
		if l.key == key {
			return i + 1
		}
	}
	return 0
}

func educationLabel(key string) string {
	for _, l := range educationLevels {
		if l.key == key {
			return l.label
		}
	}
	if key == "" {
		return "（未填学历）"
	}
	return key
}

// IDChanged detects the case of 二（一）'s last paragraph: prev, found by the
// archive number the candidate gives, is the same person (same name and
// birth date, and the same archive number when the snapshot has one) but
// was registered under another ID type or number. It then returns true and
// a Chinese explanation: the candidate must ask the site office to merge
// the scores, or last year's results are given up. The birth date of the
// snapshot is read from a GB 11643 number when not given; without a birth
// date the person cannot be recognised and IDChanged returns false.
func IDChanged(prev PreviousRecord, now ReturningSnapshot) (bool, string) {
	if now.ArchiveNo != "" && NormalizeArchiveNo(now.ArchiveNo) != NormalizeArchiveNo(prev.ArchiveNo) {
		return false, ""
	}
	if !SameText(prev.Name, now.Name) {
		return false, ""
	}
	birth := now.BirthDate
	if birth.IsZero() {
		if p, err := ParseIDNumber(now.IDType, string(now.IDNumber), Date{}); err == nil {
			birth = p.Birth
		}
	}
	if birth.IsZero() || prev.BirthDate.IsZero() || birth != prev.BirthDate {
		return false, ""
	}
	pn, cn := NormalizeIDNumber(string(prev.IDNumber)), NormalizeIDNumber(string(now.IDNumber))
	if prev.IDType == now.IDType && pn == cn {
		return false, ""
	}
	y := prev.Year
	return true, fmt.Sprintf("你本年度填报的证件（%s %s）与%d年度报考时的证件（%s %s，档案号 %s）不一致。"+
		"请携带本人有效身份证件及相关证明材料，到所在考点考试管理机构申请进行考试成绩的合并；"+
		"如未按要求提出申请，将默认为自动放弃%d年度考试成绩，无法进行两年成绩的滚动管理（%s）。",
		now.IDType.Label(), MaskID(cn), y, prev.IDType.Label(), MaskID(pn), prev.ArchiveNo, y, AutoConfirmationClause)
}

// NormalizeArchiveNo returns the stored form of an archive number (档案号):
// trimmed, without spaces, full-width characters folded, upper case.
func NormalizeArchiveNo(s string) string { return NormalizeIDNumber(s) }

// FoldText returns the form in which two texts typed by people are
// compared: full-width letters, digits and punctuation (（）, ＡＢ, １２) become
// half-width, the ideographic space a space; the middle dots of
// transliterated names (· ・ • ‧ ･) become one; letters are upper-cased;
// whitespace is dropped, except one space between two Latin letters or
// digits ("JOHN SMITH").
func FoldText(s string) string {
	var b strings.Builder
	var last rune
	space := false
	for _, r := range s {
		switch {
		case r == '\u3000':
			r = ' '
		case r >= '\uFF01' && r <= '\uFF5E':
			r -= 0xFEE0
		}
		switch r {
		case '\u00B7', '\u30FB', '\uFF65', '\u2022', '\u2027', '\u2219', '\u22C5', '\u0387', '\u16EB', '\u2E31':
			r = '·'
		}
		if unicode.IsSpace(r) {
			space = last != 0
			continue
		}
		r = unicode.ToUpper(r)
		if space && isAlnumASCII(last) && isAlnumASCII(r) {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		last = r
	}
	return b.String()
}

func isAlnumASCII(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
}

// SameText reports whether a and b are the same text once folded
// (FoldText).
func SameText(a, b string) bool { return FoldText(a) == FoldText(b) }

// Previous-record file columns: the identifier of each field and the
// header names accepted for it (Chinese or English, compared folded and
// case-insensitively). docs/previous-records.md describes the file.
var previousColumns = []struct {
	key      string
	names    []string
	required bool
}{
	{"year", []string{"考试年度", "年度", "year"}, false},
	{"id_type", []string{"证件类型", "id_type"}, true},
	{"id_number", []string{"证件号码", "证件编号", "id_number"}, true},
	{"name", []string{"姓名", "name"}, true},
	{"birth_date", []string{"出生日期", "birth_date"}, false},
	{"archive_no", []string{"档案号", "archive_no"}, true},
	{"region", []string{"考区", "报考考区", "region"}, true},
	{"site", []string{"考点", "报考考点", "site"}, true},
	{"specialty_code", []string{"专业代码", "报考专业代码", "specialty_code"}, true},
	{"specialty_name", []string{"专业名称", "报考专业", "specialty_name"}, false},
	{"level", []string{"级别", "报考级别", "level"}, false},
	{"unit_name", []string{"工作单位", "单位名称", "unit_name"}, true},
	{"post", []string{"岗位", "从事岗位", "post"}, false},
	{"basics_score", []string{"基础知识成绩", "basics_score"}, true},
	{"basics_passed", []string{"基础知识合格", "basics_passed"}, true},
	{"related_score", []string{"相关专业知识成绩", "related_score"}, true},
	{"related_passed", []string{"相关专业知识合格", "related_passed"}, true},
	{"professional_score", []string{"专业知识成绩", "professional_score"}, true},
	{"professional_passed", []string{"专业知识合格", "professional_passed"}, true},
	{"practice_score", []string{"专业实践能力成绩", "practice_score"}, true},
	{"practice_passed", []string{"专业实践能力合格", "practice_passed"}, true},
	{"absent", []string{"缺考", "absent"}, true},
	{"misconduct", []string{"违纪", "misconduct"}, true},
	{"qualified", []string{"考试合格", "qualified"}, false},
}

// PreviousEducationGroups is how many education groups a previous-record
// file may have: 学历, 毕业学校, 所学专业, 毕业时间, 全日制, then the same
// names ending in 2, 3 and 4.
const PreviousEducationGroups = 4

var educationColumns = []struct {
	key, name, english string
}{
	{"education_level", "学历", "education_level"},
	{"school", "毕业学校", "school"},
	{"major", "所学专业", "major"},
	{"graduated_on", "毕业时间", "graduated_on"},
	{"full_time", "全日制", "full_time"},
}

// previousHeader maps a folded, lower-cased header name to its field key
// ("education_level" for the first group, "education_level_2" …).
var previousHeader = func() map[string]string {
	m := map[string]string{}
	for _, c := range previousColumns {
		for _, n := range c.names {
			m[headerKey(n)] = c.key
		}
	}
	for g := 1; g <= PreviousEducationGroups; g++ {
		for _, c := range educationColumns {
			key := educationField(c.key, g)
			suffixes := []string{fmt.Sprint(g)}
			if g == 1 {
				suffixes = append(suffixes, "")
			}
			for _, s := range suffixes {
				m[headerKey(c.name+s)] = key
				if s != "" {
					m[headerKey(c.english+"_"+s)] = key
				} else {
					m[headerKey(c.english)] = key
				}
			}
		}
	}
	m[headerKey("毕业日期")] = "graduated_on"
	m[headerKey("是否全日制")] = "full_time"
	return m
}()

func educationField(key string, group int) string {
	if group == 1 {
		return key
	}
	return fmt.Sprintf("%s_%d", key, group)
}

func headerKey(s string) string { return strings.ToLower(FoldText(s)) }

// PreviousHeader returns the Chinese header of a previous-record file with
// one education group, in the documented order.
func PreviousHeader() []string {
	h := []string{}
	for _, c := range previousColumns {
		h = append(h, c.names[0])
		if c.key == "level" {
			for _, e := range educationColumns {
				h = append(h, e.name)
			}
		}
	}
	return h
}

// rowReport collects the problems of a file, each under a key such as
// "第3行.id_number" (rows numbered as in Excel, the header being row 1).
type rowReport struct {
	fields map[string]string
	order  []string
}

func (p *rowReport) add(field, format string, args ...any) {
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

// maxReportLines bounds the lines of the message; Fields holds them all.
const maxReportLines = 200

func (p *rowReport) err(what string) error {
	if len(p.order) == 0 {
		return nil
	}
	lines := make([]string, 0, min(len(p.order), maxReportLines)+1)
	for i, f := range p.order {
		if i == maxReportLines {
			lines = append(lines, fmt.Sprintf("……另有 %d 处问题未列出", len(p.order)-maxReportLines))
			break
		}
		lines = append(lines, f+"："+p.fields[f])
	}
	return &Error{Code: EINVALID, Message: what + "有误，未导入：\n" + strings.Join(lines, "\n"), Fields: p.fields}
}

// ParsePreviousRecords reads the rows of a previous-record file of exam
// year (header first) and returns the records only if every row is right;
// otherwise an EINVALID error whose fields name each bad row (第N行, the
// header being row 1) and field, in file order. Rows repeating an ID
// document or an archive number are refused, naming the first row. ID
// numbers appear in messages masked. source is recorded on every record.
func ParsePreviousRecords(year int, rows [][]string, source string) ([]PreviousRecord, error) {
	var p rowReport
	const what = "历史考生记录文件"
	if year < 2000 || year > 2100 {
		p.add("考试年度", "考试年度 %d 无效，应为四位数字，如 2023", year)
		return nil, p.err(what)
	}
	if len(rows) < 2 {
		p.add("文件", "没有数据行：第一行应为表头（%s…），其后每行一名考生", strings.Join(PreviousHeader()[:6], "、"))
		return nil, p.err(what)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimPrefix(h, "\ufeff")
		if strings.TrimSpace(h) == "" {
			continue
		}
		key, ok := previousHeader[headerKey(h)]
		if !ok {
			p.add(fmt.Sprintf("表头第%d列", i+1), "列名“%s”无法识别", h)
			continue
		}
		if j, dup := col[key]; dup {
			p.add(fmt.Sprintf("表头第%d列", i+1), "列名“%s”与第%d列重复", h, j+1)
			continue
		}
		col[key] = i
	}
	for _, c := range previousColumns {
		if _, ok := col[c.key]; c.required && !ok {
			p.add("表头", "缺少列“%s”", c.names[0])
		}
	}
	for _, c := range educationColumns {
		if _, ok := col[c.key]; !ok {
			p.add("表头", "缺少列“%s”", c.name)
		}
	}
	for g := 2; g <= PreviousEducationGroups; g++ {
		n := 0
		for _, c := range educationColumns {
			if _, ok := col[educationField(c.key, g)]; ok {
				n++
			}
		}
		if n > 0 && n < len(educationColumns) {
			p.add("表头", "第%d组学历的列不全：须有 学历%d、毕业学校%d、所学专业%d、毕业时间%d、全日制%d", g, g, g, g, g, g)
		}
	}
	if err := p.err(what); err != nil {
		return nil, err
	}

	byID := map[string]int{}
	byArchive := map[string]int{}
	out := make([]PreviousRecord, 0, len(rows)-1)
	for i, row := range rows[1:] {
		n := i + 2
		if blankRow(row) {
			continue
		}
		cell := func(key string) string {
			j, ok := col[key]
			if !ok || j >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[j])
		}
		bad := func(key, format string, args ...any) {
			p.add(fmt.Sprintf("第%d行.%s", n, key), format, args...)
		}
		rec, ok := parsePreviousRow(year, cell, bad)
		rec.Source = source
		if ok {
			idKey := string(rec.IDType) + ":" + string(rec.IDNumber)
			if first, dup := byID[idKey]; dup {
				bad("id_number", "证件 %s %s 与第%d行重复：同一考生只能有一行", rec.IDType.Label(), MaskID(string(rec.IDNumber)), first)
				ok = false
			} else {
				byID[idKey] = n
			}
			if first, dup := byArchive[rec.ArchiveNo]; dup {
				bad("archive_no", "档案号 %s 与第%d行重复", rec.ArchiveNo, first)
				ok = false
			} else {
				byArchive[rec.ArchiveNo] = n
			}
		}
		if ok {
			out = append(out, rec)
		}
	}
	if err := p.err(what); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		p.add("文件", "没有数据行")
		return nil, p.err(what)
	}
	return out, nil
}

func blankRow(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// parsePreviousRow reads one data row; it reports each problem through bad
// and returns ok only when there was none.
func parsePreviousRow(year int, cell func(string) string, bad func(key, format string, args ...any)) (PreviousRecord, bool) {
	ok := true
	fail := func(key, format string, args ...any) {
		ok = false
		bad(key, format, args...)
	}
	rec := PreviousRecord{Year: year}
	if y := cell("year"); y != "" && y != strconv.Itoa(year) {
		fail("year", "考试年度“%s”与导入的年度 %d 不符", y, year)
	}

	// Identity.
	rec.IDType = parseIDType(cell("id_type"))
	var idBirth Date
	switch {
	case cell("id_type") == "":
		fail("id_type", "请填写证件类型")
	case rec.IDType == "":
		fail("id_type", "证件类型“%s”无效：应为 居民身份证、港澳居民来往内地通行证、港澳台居民居住证、台湾居民来往大陆通行证、外国人永久居留身份证 或 军官证", cell("id_type"))
	default:
		parsed, err := ParseIDNumber(rec.IDType, cell("id_number"), Date{})
		if err != nil {
			fail("id_number", "%s", MaskIDsIn(ErrorMessage(err)))
		}
		rec.IDNumber, idBirth = parsed.Number, parsed.Birth
	}
	rec.Name = strings.TrimSpace(cell("name"))
	textField(rec.Name, "name", "姓名", 50, true, fail)
	if s := cell("birth_date"); s != "" {
		d, err := parseFileDate(s)
		switch {
		case err != nil:
			fail("birth_date", "出生日期%s", err)
		case !idBirth.IsZero() && d != idBirth:
			fail("birth_date", "出生日期 %s 与证件号码中的出生日期不一致", d)
		case d.Year >= year:
			fail("birth_date", "出生日期 %s 不在%d考试年度之前", d, year)
		default:
			rec.BirthDate = d
		}
	} else if !idBirth.IsZero() {
		rec.BirthDate = idBirth
	} else if rec.IDType != "" && rec.IDType != IDResident && rec.IDType != IDHKMacaoTaiwanResidence {
		fail("birth_date", "%s的号码不含出生日期，请填写出生日期", rec.IDType.Label())
	}
	rec.ArchiveNo = NormalizeArchiveNo(cell("archive_no"))
	switch {
	case rec.ArchiveNo == "":
		fail("archive_no", "请填写档案号")
	case !archiveShape(rec.ArchiveNo):
		fail("archive_no", "档案号“%s”无效：应为 4 至 32 位字母、数字或连字符", cell("archive_no"))
	}

	// What was sat, where.
	rec.Region = cell("region")
	textField(rec.Region, "region", "考区", 50, true, fail)
	rec.Site = cell("site")
	textField(rec.Site, "site", "考点", 50, true, fail)
	rec.SpecialtyCode = FoldText(cell("specialty_code"))
	codeLevel, codeOK := LevelOfCode(rec.SpecialtyCode)
	if !codeOK || !digits(rec.SpecialtyCode) {
		fail("specialty_code", "专业代码“%s”无效：应为三位数字，首位 1 为初级（士）、2 为初级（师）、3 为中级", cell("specialty_code"))
	}
	rec.SpecialtyName = cell("specialty_name")
	textField(rec.SpecialtyName, "specialty_name", "专业名称", 50, false, fail)
	rec.Level = codeLevel
	if s := cell("level"); s != "" {
		l, ok := parseLevelCell(s)
		switch {
		case !ok:
			fail("level", "级别“%s”无效：应为 初级（士）、初级（师）或 中级", s)
		case codeOK && l != codeLevel:
			fail("level", "级别“%s”与专业代码 %s 不符（%s 开头的代码为%s）", s, rec.SpecialtyCode, rec.SpecialtyCode[:1], codeLevel.Label())
		default:
			rec.Level = l
		}
	}

	// Education and work.
	for g := 1; g <= PreviousEducationGroups; g++ {
		get := func(k string) string { return cell(educationField(k, g)) }
		if get("education_level")+get("school")+get("major")+get("graduated_on")+get("full_time") == "" {
			if g == 1 {
				fail("education_level", "请填写学历、毕业学校、所学专业、毕业时间和全日制")
			}
			continue
		}
		key := func(k string) string { return educationField(k, g) }
		var e Education
		if s := get("education_level"); s == "" {
			fail(key("education_level"), "请填写学历")
		} else if k := educationKey(s); educationRank(k) == 0 {
			fail(key("education_level"), "学历“%s”无效：应为 中专、大专、本科、硕士 或 博士", s)
		} else {
			e.Level = k
		}
		e.School, e.Major = get("school"), get("major")
		textField(e.School, key("school"), "毕业学校", 100, true, fail)
		textField(e.Major, key("major"), "所学专业", 50, true, fail)
		if s := get("graduated_on"); s == "" {
			fail(key("graduated_on"), "请填写毕业时间")
		} else if d, err := parseFileDate(s); err != nil {
			fail(key("graduated_on"), "毕业时间%s", err)
		} else if d.Year > year {
			fail(key("graduated_on"), "毕业时间 %s 晚于%d考试年度", d, year)
		} else {
			e.GraduatedOn = d
		}
		if s := get("full_time"); s == "" {
			fail(key("full_time"), "请填写是否全日制（是 / 否）")
		} else if b, ok := parseFlag(s, []string{"全日制"}, []string{"非全日制"}); !ok {
			fail(key("full_time"), "全日制“%s”无效：应为 是 或 否", s)
		} else {
			e.FullTime = b
		}
		rec.Education = append(rec.Education, e)
	}
	sortEducation(rec.Education)
	rec.UnitName = cell("unit_name")
	textField(rec.UnitName, "unit_name", "工作单位", 100, true, fail)
	rec.Post = cell("post")
	textField(rec.Post, "post", "岗位", 50, false, fail)

	// Results.
	sat, scoresOK := 0, true
	for _, s := range Subjects {
		r := SubjectResult{Subject: s}
		scoreKey, passedKey := string(s)+"_score", string(s)+"_passed"
		score, present, err := parseScore(cell(scoreKey))
		if err != nil {
			fail(scoreKey, "%s成绩“%s”无效：%s", s.Label(), cell(scoreKey), err)
			scoresOK = false
		} else if present {
			r.Sat, r.Score = true, score
			sat++
		}
		if b, ok := parseFlag(cell(passedKey), []string{"合格", "通过"}, []string{"不合格", "未通过"}); !ok {
			fail(passedKey, "%s合格“%s”无效：应为 是 或 否（合格 / 不合格）", s.Label(), cell(passedKey))
		} else if b && !r.Sat && err == nil {
			fail(passedKey, "%s标为合格，但没有成绩（未参加的科目不能合格）", s.Label())
		} else {
			r.Passed = b
		}
		rec.Results = append(rec.Results, r)
	}
	var flagOK bool
	if rec.Absent, flagOK = parseFlag(cell("absent"), []string{"缺考"}, nil); !flagOK {
		fail("absent", "缺考“%s”无效：应为 是 或 否", cell("absent"))
	}
	if rec.Misconduct, flagOK = parseFlag(cell("misconduct"), []string{"违纪"}, nil); !flagOK {
		fail("misconduct", "违纪“%s”无效：应为 是 或 否", cell("misconduct"))
	}
	switch {
	case rec.Absent && sat == len(Subjects):
		fail("absent", "标为缺考，但四个科目都有成绩")
	case !rec.Absent && sat == 0 && scoresOK:
		fail("absent", "四个科目都没有成绩，但未标为缺考")
	}
	all := len(rec.PassedSubjects()) == len(Subjects)
	if s := cell("qualified"); s == "" {
		rec.Qualified = all
	} else if b, ok := parseFlag(s, []string{"合格"}, []string{"不合格"}); !ok {
		fail("qualified", "考试合格“%s”无效：应为 是 或 否", s)
	} else if !b && all {
		fail("qualified", "四个科目都合格，考试合格却标为否")
	} else {
		rec.Qualified = b
	}
	return rec, ok
}

func textField(s, key, label string, max int, required bool, fail func(key, format string, args ...any)) {
	switch {
	case s == "" && required:
		fail(key, "请填写%s", label)
	case utf8.RuneCountInString(s) > max:
		fail(key, "%s过长：不超过 %d 个字", label, max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		fail(key, "%s含有控制字符", label)
	}
}

func archiveShape(s string) bool {
	if len(s) < 4 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-') {
			return false
		}
	}
	return true
}

// parseLevelCell reads a level written as its identifier or its Chinese name,
// with full-width or half-width brackets ("初级(师)").
func parseLevelCell(s string) (Level, bool) {
	f := FoldText(s)
	for _, l := range Levels {
		if strings.EqualFold(f, string(l)) || f == FoldText(l.Label()) {
			return l, true
		}
	}
	return "", false
}

// idTypeWords are the names offices write for the ID types besides their
// labels and identifiers.
var idTypeWords = map[string]IDType{
	"身份证":      IDResident,
	"二代身份证":    IDResident,
	"港澳通行证":    IDHKMacaoPass,
	"回乡证":      IDHKMacaoPass,
	"居住证":      IDHKMacaoTaiwanResidence,
	"港澳台居住证":   IDHKMacaoTaiwanResidence,
	"台胞证":      IDTaiwanPass,
	"永久居留证":    IDForeignPermanentResidence,
	"外国人永久居留证": IDForeignPermanentResidence,
}

func parseIDType(s string) IDType {
	f := FoldText(s)
	for _, t := range IDTypes {
		if strings.EqualFold(f, string(t)) || f == FoldText(t.Label()) {
			return t
		}
	}
	return idTypeWords[f]
}

// parseFlag reads a yes/no cell: 是/否, Y/N, yes/no, true/false, 1/0, √,
// and the words of yes and no given (合格 / 不合格). A blank cell is no.
func parseFlag(s string, yes, no []string) (bool, bool) {
	f := strings.ToLower(FoldText(s))
	switch f {
	case "", "否", "n", "no", "false", "0", "f", "无", "×", "x":
		return false, true
	case "是", "y", "yes", "true", "1", "t", "√", "✓", "有":
		return true, true
	}
	for _, w := range no {
		if f == w {
			return false, true
		}
	}
	for _, w := range yes {
		if f == w {
			return true, true
		}
	}
	return false, false
}

// parseScore reads a score cell: blank (or -, —, /, 缺考, 未考) when the
// subject was not sat, else a whole number 0–100 ("65" or "65.0").
func parseScore(s string) (score int, present bool, err error) {
	switch FoldText(s) {
	case "", "-", "—", "/", "缺考", "未考", "未参加":
		return 0, false, nil
	}
	f := FoldText(s)
	if whole, frac, ok := strings.Cut(f, "."); ok && digits(whole) && strings.Trim(frac, "0") == "" {
		f = whole // "65.0", as spreadsheets write whole numbers
	} else if ok && digits(whole) && digits(frac) {
		return 0, false, fmt.Errorf("应为整数")
	}
	n, perr := strconv.Atoi(f)
	switch {
	case perr != nil || !digits(f):
		return 0, false, fmt.Errorf("应为 0 至 100 的整数，未参加的科目留空")
	case n > 100:
		return 0, false, fmt.Errorf("应在 0 至 100 之间")
	}
	return n, true, nil
}

// excelEpoch is day 0 of Excel's 1900 date system as it counts after
// 1900-03-01 (it counts the non-existent 1900-02-29).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// parseFileDate reads a date cell: 2015-07-01, 2015-7-1, 2015/7/1,
// 2015.7.1, 2015年7月1日, 20150701, or an Excel date serial number (what a
// date-formatted cell of an .xlsx file holds, e.g. 42186).
func parseFileDate(s string) (Date, error) {
	f := FoldText(s)
	if digits(f) && len(f) == 5 { // serials 10000–99999: 1927-05-18 to 2173
		n, _ := strconv.Atoi(f)
		return DateOf(excelEpoch.AddDate(0, 0, n)), nil
	}
	if digits(f) && len(f) == 8 {
		f = f[:4] + "-" + f[4:6] + "-" + f[6:]
	}
	f = strings.NewReplacer("/", "-", ".", "-", "年", "-", "月", "-", "日", "").Replace(f)
	if t, err := time.Parse("2006-1-2", f); err == nil && t.Year() >= 1900 {
		return DateOf(t), nil
	}
	return Date{}, fmt.Errorf("“%s”无效：应为完整的真实日期，如 2015-07-01", s)
}
