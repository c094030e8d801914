package kaowu

import "time"

// Window is a span of the exam year's calendar during which something may
// be done (apply, confirm, pay, print tickets). Start is inclusive and End
// exclusive: "2023-12-14 24:00" is stored as 2023-12-15T00:00+08:00.
type Window struct {
	Key    string    `yaml:"key" json:"key"`
	Name   string    `yaml:"name" json:"name"`
	Start  time.Time `yaml:"start" json:"start"`
	End    time.Time `yaml:"end" json:"end"`
	Clause string    `yaml:"clause" json:"clause"`
	Note   string    `yaml:"note,omitempty" json:"note,omitempty"`
}

// Well-known window keys of an exam year.
const (
	WindowApplication      = "application"
	WindowConfirmation     = "confirmation"
	WindowMilitaryHandover = "military_handover"
	WindowPayment          = "payment"
	WindowTicketPrint      = "ticket_print"
	WindowMilitaryTickets  = "military_tickets"
	WindowExam             = "exam"
	WindowScores           = "scores"
)

// Phase is where an instant stands relative to a window.
type Phase int

// Before the window opens, while it is open, after it has closed.
const (
	PhaseBefore Phase = iota
	PhaseOpen
	PhaseClosed
)

// PhaseAt returns where t stands relative to w.
func (w Window) PhaseAt(t time.Time) Phase {
	switch {
	case t.Before(w.Start):
		return PhaseBefore
	case t.Before(w.End):
		return PhaseOpen
	default:
		return PhaseClosed
	}
}

// Open reports whether t is inside w.
func (w Window) Open(t time.Time) bool { return w.PhaseAt(t) == PhaseOpen }

// LastDay returns the last calendar day of the window in Shanghai time: the
// day a person would call its end.
func (w Window) LastDay() Date {
	return DateOf(w.End.Add(-time.Nanosecond).In(Shanghai))
}

// Session is one sitting of one subject in one mode (场次).
type Session struct {
	Mode    Mode      `yaml:"mode" json:"mode"`
	Subject Subject   `yaml:"subject" json:"subject"`
	Start   time.Time `yaml:"start" json:"start"`
	End     time.Time `yaml:"end" json:"end"`
	Clause  string    `yaml:"clause" json:"clause"`
}
