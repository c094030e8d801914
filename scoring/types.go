package scoring

import "kaowu"

// The clauses of the notice this package applies.
const (
	// ClauseRolling is 七: two-year rolling results, no combining across
	// specialties, the original archive number, transfers between
	// provinces.
	ClauseRolling = "七"
	// ClauseMerged is 一（十）: the passes of the year before in a removed
	// specialty count for the specialty it was merged into.
	ClauseMerged = "一（十）"
)

// Record is one exam year's results of a candidate in one specialty.
type Record struct {
	Year int `json:"year"`
	// Specialty is the three-digit specialty code, e.g. "368".
	Specialty string `json:"specialty"`
	// ArchiveNo is the archive number (档案号); "" when unknown.
	ArchiveNo string `json:"archive_no,omitempty"`
	// Province is "" for this region's results; otherwise the province the
	// results were earned in (a transfer between provinces, 七).
	Province string `json:"province,omitempty"`
	// Results holds at most one result per subject. A subject listed with
	// Sat false was missed (缺考); a subject not listed was not sat that
	// year (not registered, e.g. because it was passed the year before).
	// Passed is recomputed from the pass line and otherwise ignored.
	Results []kaowu.SubjectResult `json:"results"`
	// Absent marks a year missed entirely (缺考): no subject may be sat.
	Absent bool `json:"absent,omitempty"`
	// Misconduct marks a year of misconduct (违纪): its results do not count.
	Misconduct bool `json:"misconduct,omitempty"`
}

// Input is everything Evaluate needs.
type Input struct {
	// Year is the exam year being decided (normally the newest record's).
	Year int `json:"year"`
	// Specialty is the code of the specialty the candidate sits in Year.
	Specialty string `json:"specialty"`
	// PassScore is the pass line of a subject (60); MaxScore the full
	// marks (100). Both are data of the exam year.
	PassScore int `json:"pass_score"`
	MaxScore  int `json:"max_score"`
	// Window is the number of consecutive exam years whose passes combine
	// (2, 七).
	Window int `json:"window"`
	// Merged maps each specialty removed from the catalogue of Year to the
	// codes it was merged into (一（十）), as the catalogue gives them
	// (merged_into).
	Merged map[string][]string `json:"merged,omitempty"`
	// Records are the candidate's records, in any order and of any years
	// up to Year; at most one per year and specialty.
	Records []Record `json:"records"`
}

// Result is the decision of Evaluate. Every slice but Trace is non-nil, so the JSON
// form always has the same fields. Nothing in it depends on the order of
// Input.Records.
type Result struct {
	Year      int    `json:"year"`
	Specialty string `json:"specialty"`
	// From and To are the exam years whose passes count: Year-Window+1 and
	// Year.
	From int `json:"from"`
	To   int `json:"to"`
	// Passed reports whether every subject has a counted pass: the exam is
	// passed (考试合格) and the candidate may be issued the specialty's
	// certificate (七; for passes kept under 一（十）, the certificate of the
	// specialty sat in Year).
	Passed bool `json:"passed"`
	// Subjects gives the four subjects in kaowu.Subjects order.
	Subjects []SubjectStatus `json:"subjects"`
	// Remaining lists the subjects without a counted pass, in exam order;
	// empty when Passed.
	Remaining []kaowu.Subject `json:"remaining"`
	// CarryUntil is, when not Passed and some pass counts, the last exam
	// year in which all the counted passes still count (the earliest
	// ValidUntil); 0 otherwise.
	CarryUntil int `json:"carry_until,omitempty"`
	// NextRemaining lists, when not Passed, the subjects to pass when
	// sitting the same specialty in Year+1: Remaining and the subjects
	// whose counted pass no longer counts then. Empty when Passed.
	NextRemaining []kaowu.Subject `json:"next_remaining"`
	// Excluded lists the records, and the subjects of counted records,
	// that do not count, each with its reason; newest year first.
	Excluded []Exclusion `json:"excluded"`
	// Reasons are the Chinese sentences of the decision, each citing its
	// clause: the outcome first, then notes (passes kept under 一（十）,
	// transfers between provinces, pass flags that disagree with scores).
	Reasons []Reason `json:"reasons"`
	// Trace lists every step of the decision with what it read, when
	// Evaluate was asked for it; nil (and left out of JSON) otherwise.
	Trace []Step `json:"trace,omitempty"`
}

// SubjectStatus is the decision for one subject.
type SubjectStatus struct {
	Subject kaowu.Subject `json:"subject"`
	// Pass is the counted pass: of the passes that count, the one of the
	// latest year (it counts longest), then the highest score. Nil when
	// none counts.
	Pass *Pass `json:"pass,omitempty"`
	// Clause is the clause the status rests on: ClauseMerged for a pass
	// kept under 一（十）, otherwise ClauseRolling.
	Clause string `json:"clause"`
	// Text says in Chinese which pass counts, or why none does.
	Text string `json:"text"`
}

// Pass is one subject pass that counts.
type Pass struct {
	Year int `json:"year"`
	// Specialty is the code the pass was earned in: Result.Specialty, or
	// the removed specialty it is kept from (Merged true).
	Specialty string `json:"specialty"`
	Score     int    `json:"score"`
	ArchiveNo string `json:"archive_no,omitempty"`
	// Province is the other province the pass was earned in (七), or "".
	Province string `json:"province,omitempty"`
	// Merged reports a pass kept from a removed specialty (一（十）).
	Merged bool `json:"merged,omitempty"`
	// ValidUntil is the last exam year the pass counts in:
	// Year+Window-1.
	ValidUntil int `json:"valid_until"`
}

// ExclusionKind says why a record, or some subjects of a record, do not
// count. The values are stable.
type ExclusionKind string

// The kinds of exclusion.
const (
	// ExcludedExpired: the record is older than the window (七).
	ExcludedExpired ExclusionKind = "expired"
	// ExcludedOtherSpecialty: another specialty, main and sub-specialties
	// included (七).
	ExcludedOtherSpecialty ExclusionKind = "other_specialty"
	// ExcludedMergedElsewhere: a removed specialty not merged into the one
	// sat (一（十）).
	ExcludedMergedElsewhere ExclusionKind = "merged_elsewhere"
	// ExcludedMergedYear: a removed specialty merged into the one sat, but
	// of a year before Year-1 (一（十） keeps the year before only).
	ExcludedMergedYear ExclusionKind = "merged_year"
	// ExcludedMisconduct: a year of misconduct (违纪) (七).
	ExcludedMisconduct ExclusionKind = "misconduct"
	// ExcludedAbsent: a year missed entirely, or subjects missed (缺考) (七).
	ExcludedAbsent ExclusionKind = "absent"
	// ExcludedArchiveNo: an archive number other than the current year's
	// (须使用原档案号, 七).
	ExcludedArchiveNo ExclusionKind = "archive_no"
)

// Exclusion is a record, or subjects of a record, that do not count.
type Exclusion struct {
	Kind      ExclusionKind `json:"kind"`
	Year      int           `json:"year"`
	Specialty string        `json:"specialty"`
	ArchiveNo string        `json:"archive_no,omitempty"`
	Province  string        `json:"province,omitempty"`
	// Whole reports that the whole record does not count; otherwise only
	// Subjects (the subjects missed of a counted record).
	Whole bool `json:"whole"`
	// Subjects are, for a whole record, the passes it held that are lost
	// (by the pass line; possibly none); otherwise the subjects concerned.
	Subjects []kaowu.Subject `json:"subjects"`
	Clause   string          `json:"clause"`
	// Text is the reason in Chinese, citing Clause.
	Text string `json:"text"`
}

// Reason is one Chinese sentence of the decision with its clause.
type Reason struct {
	Clause string `json:"clause"`
	Text   string `json:"text"`
}

// Step is one step of the decision, in the trace: the facts (of the
// records) and parameters (of the input) it read and what it concluded.
type Step struct {
	Rule   string `json:"rule"`
	Clause string `json:"clause"`
	Facts  []KV   `json:"facts"`
	Params []KV   `json:"params"`
	Result string `json:"result"`
}

// KV is a named value read by a step.
type KV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}
