package kaowu

import "time"

// ApplicationState is where an application stands in its exam year
// (../shared/design.md, "The application's life").
type ApplicationState string

// The states of an application.
const (
	StateDraft     ApplicationState = "draft"
	StateSubmitted ApplicationState = "submitted"
	StateConfirmed ApplicationState = "confirmed"
	StateReturned  ApplicationState = "returned"
	StateVoid      ApplicationState = "void"
	StateApproved  ApplicationState = "approved"
	StateRejected  ApplicationState = "rejected"
	StatePaid      ApplicationState = "paid"
	StateForfeited ApplicationState = "forfeited"
	StateTicketed  ApplicationState = "ticketed"
	// StateScored is a ticketed application whose scores are imported: the
	// store reads it from the scores, and never writes it.
	StateScored ApplicationState = "scored"
)

// Label returns the Chinese name of the state as candidates see it.
func (s ApplicationState) Label() string {
	switch s {
	case StateDraft:
		return "未提交"
	case StateSubmitted:
		return "已提交，待现场确认"
	case StateConfirmed:
		return "已确认，待资格审核"
	case StateReturned:
		return "退回修改"
	case StateVoid:
		return "网上报名无效"
	case StateApproved:
		return "审核通过，待缴费"
	case StateRejected:
		return "审核未通过"
	case StatePaid:
		return "已缴费"
	case StateForfeited:
		return "视为放弃报名"
	case StateTicketed:
		return "已生成准考证"
	case StateScored:
		return "已有成绩"
	}
	return string(s)
}

// transitions lists the legal moves between states, each with the action
// that makes it.
var transitions = map[ApplicationState]map[ApplicationState]string{
	StateDraft:     {StateSubmitted: "submit", StateConfirmed: "submit"},
	StateSubmitted: {StateDraft: "withdraw", StateConfirmed: "confirm", StateReturned: "return", StateVoid: "expire"},
	StateReturned:  {StateSubmitted: "submit", StateConfirmed: "submit", StateVoid: "expire"},
	StateConfirmed: {StateApproved: "approve", StateRejected: "reject"},
	StateApproved:  {StatePaid: "pay", StateForfeited: "expire"},
	// 三: paid inside the window but notified after it closed.
	StateForfeited: {StatePaid: "restore"},
	StatePaid:      {StateTicketed: "ticket"},
	StateTicketed:  {StateScored: "score"},
}

// CanTransition reports whether an application may move from one state to
// another.
func CanTransition(from, to ApplicationState) bool {
	_, ok := transitions[from][to]
	return ok
}

// Editable reports whether the candidate may change the application's
// choices and submit it: a draft, or one returned for correction.
func (s ApplicationState) Editable() bool { return s == StateDraft || s == StateReturned }

// Declarations are what a candidate asserts when applying, for the site
// office to verify at confirmation: whether their major and titles are
// relevant to the specialty and their education recognised. An empty value
// means "not sure", which sends the decision to review.
type Declarations struct {
	EducationRelevant   string `json:"education_relevant"`   // yes, no or ""
	EducationRecognised string `json:"education_recognised"` // yes, no or ""
	TitleRelevant       string `json:"title_relevant"`       // yes, no or ""
	// ArchiveNo is last year's archive number (档案号), if the candidate
	// sat last year; it finds the record when the ID document changed.
	ArchiveNo string `json:"archive_no"`
}

// Application is a candidate's application for one exam year: their
// current choices and the number of the last submitted version. Each
// submission is kept as an ApplicationVersion.
type Application struct {
	ID          string           `json:"id"`
	CandidateID string           `json:"candidate_id"`
	Year        int              `json:"year"`
	Site        string           `json:"site"`
	Specialty   string           `json:"specialty"`
	Level       Level            `json:"level"`
	Decl        Declarations     `json:"declarations"`
	State       ApplicationState `json:"state"`
	// Version is the number of the last submitted version; 0 before the
	// first submission.
	Version int `json:"version"`
	// Outcome is the eligibility outcome of the last submitted version.
	Outcome string `json:"outcome,omitempty"`
	// AutoConfirmed is set when the application was confirmed at
	// submission as a returning candidate's (二（一）).
	AutoConfirmed bool       `json:"auto_confirmed"`
	SubmittedAt   *time.Time `json:"submitted_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// ApplicationVersion is one submission, kept unchanged: the snapshot of
// everything the printed form shows, its digest, and the photo confirmed.
type ApplicationVersion struct {
	ApplicationID string    `json:"application_id"`
	Version       int       `json:"version"`
	SubmittedAt   time.Time `json:"submitted_at"`
	Outcome       string    `json:"outcome"`
	Snapshot      []byte    `json:"-"`
	Digest        string    `json:"digest"`
	Photo         []byte    `json:"-"`
	// PurgedAt is when the retention purge deleted the application's
	// photos and the contact details of its snapshots (个人信息保存期限).
	PurgedAt *time.Time `json:"purged_at,omitempty"`
}

// GenderOf returns 男 or 女 from a resident ID number's sequence digit, or
// "" for other documents.
func GenderOf(t IDType, n IDNumber) string {
	s := string(n)
	if (t != IDResident && t != IDHKMacaoTaiwanResidence) || len(s) != 18 || s[16] < '0' || s[16] > '9' {
		return ""
	}
	if (s[16]-'0')%2 == 1 {
		return "男"
	}
	return "女"
}
