package eligibility

import "kaowu"

// Outcome is the engine's answer.
type Outcome string

// The three outcomes. Review means the rules cannot decide from the facts
// alone (破格 under 一（三）, relevance not asserted, …): a person decides.
const (
	Eligible   Outcome = "eligible"
	Ineligible Outcome = "ineligible"
	Review     Outcome = "review"
)

// Label returns the Chinese name of the outcome.
func (o Outcome) Label() string {
	switch o {
	case Eligible:
		return "符合报名条件"
	case Ineligible:
		return "不符合报名条件"
	case Review:
		return "须人工审核"
	}
	return string(o)
}

// ReasonKind says what a reason does to the outcome.
type ReasonKind string

// A refusal makes the decision ineligible, a review sends it to a person,
// a note only informs.
const (
	KindRefusal ReasonKind = "refusal"
	KindReview  ReasonKind = "review"
	KindNote    ReasonKind = "note"
)

// Decision is the engine's answer for one candidate and target. Every
// slice is non-nil so the JSON form always has the same fields.
type Decision struct {
	Outcome Outcome `json:"outcome"`
	Year    int     `json:"year"`
	// Specialty is the target as resolved in the catalogue, when it was.
	Specialty *Specialty `json:"specialty,omitempty"`
	// Route is the condition that qualified (eligible or review).
	Route     *Route     `json:"route,omitempty"`
	Reasons   []Reason   `json:"reasons"`
	Materials []Material `json:"materials"`
	// Subjects are the subjects to sit: all four, fewer where passes of the
	// previous year carry over (七, 一（十）). Empty when ineligible.
	Subjects    []kaowu.Subject `json:"subjects"`
	CarriedOver []kaowu.Subject `json:"carried_over"`
	// FirstEligibleYear is, for a refusal by years only, the first exam year
	// in which the candidate would qualify under this year's parameters.
	FirstEligibleYear int    `json:"first_eligible_year,omitempty"`
	Trace             []Step `json:"trace,omitempty"`
}

// Specialty is the resolved target.
type Specialty struct {
	Code  string      `json:"code"`
	Name  string      `json:"name"`
	Level kaowu.Level `json:"level"`
	Site  string      `json:"site"`
}

// Route is the condition that qualified: a stable key such as
// "intermediate.bachelor+frontline", the Chinese description and the
// clauses it rests on.
type Route struct {
	Key     string   `json:"key"`
	Text    string   `json:"text"`
	Clauses []string `json:"clauses"`
}

// Reason is one plain-Chinese sentence with the clause it applies and, when
// it is about a wrong or missing fact, the fact's field.
type Reason struct {
	Kind   ReasonKind `json:"kind"`
	Clause string     `json:"clause"`
	Text   string     `json:"text"`
	Field  string     `json:"field,omitempty"`
}

// Material is one item to bring to on-site confirmation, with its clause
// and why it applies to this candidate.
type Material struct {
	Key    string `json:"key"`
	Clause string `json:"clause"`
	Text   string `json:"text"`
	Why    string `json:"why"`
}

// Step is one rule evaluated, in the trace: the facts and parameters it
// read and what it concluded.
type Step struct {
	Rule   string `json:"rule"`
	Clause string `json:"clause"`
	Facts  []KV   `json:"facts"`
	Params []KV   `json:"params"`
	Result string `json:"result"`
}

// KV is a named value read by a rule.
type KV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}
