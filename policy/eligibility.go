package policy

// Eligibility holds the parameters of the eligibility conditions (附件1 and
// the notice's clauses 一（一）–一（十）): the conditions table, year counts,
// early-year allowances, code ranges and category lists, each with its
// citation. The eligibility package reads them; no rule constant lives in
// code.
type Eligibility struct{}

// shifted returns the parameters moved by n exam years (dates such as the
// residency-certificate graduation year move with the year).
func (e Eligibility) shifted(n int) Eligibility { return e }
