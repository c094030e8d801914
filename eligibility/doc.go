// Package eligibility is the pure rules engine of the eligibility
// conditions (报名条件): Evaluate decides from a candidate's Facts and an
// exam year's parameters (policy.Year) whether the candidate may sit the
// target exam, with the reasons, each citing its clause of the notice, the
// route that qualified, the materials for on-site confirmation, the
// subjects to sit and, on request, a trace of every rule evaluated.
//
// The engine does no I/O and reads no clock; every rule parameter is data
// of the year. DecodeFacts reads Facts from strict JSON. The Facts and
// Decision formats are documented in docs/eligibility.md.
package eligibility
