package kaowu

import "time"

// ETOOMANY is the code of a refusal because of too many attempts (login,
// password recovery): the account or address is locked for a while.
const ETOOMANY = "too_many_requests"

// Account is a user with the identity fields a candidate registers with
// (二（一）4). Staff accounts have no ID document.
type Account struct {
	User
	IDType           IDType   `json:"id_type,omitempty"`
	IDNumber         IDNumber `json:"-"`
	Mobile           string   `json:"mobile,omitempty"`
	RecoveryQuestion string   `json:"recovery_question,omitempty"`
	// RecoveryAnswerHash is the argon2id hash of the normalised answer.
	RecoveryAnswerHash string `json:"-"`
	// SessionEpoch invalidates every session of the account when it
	// changes ("log out everywhere", password reset).
	SessionEpoch int64      `json:"-"`
	DeletedAt    *time.Time `json:"deleted_at,omitempty"`
	// WeChatBound reports whether a WeChat identity is bound (二（一）4(5)).
	WeChatBound bool `json:"wechat_bound"`
}

// Deleted reports whether the account was deleted at the candidate's
// request.
func (a Account) Deleted() bool { return a.DeletedAt != nil }

// Profile is a candidate's basic information (基本信息维护): education and
// work, the facts the eligibility engine reads. Enumerated values use the
// identifiers of the policy package (policy.EducationLevel,
// policy.LicenceKind, policy.PhysicianCategory, policy.AwardLevel); dates are
// calendar days and the zero Date is "none".
type Profile struct {
	UserID    string         `json:"user_id"`
	Education []Education    `json:"education"`
	Work      Work           `json:"work"`
	Titles    []HeldTitle    `json:"titles"`
	Licences  []HeldLicence  `json:"licences"`
	Posts     []PostChange   `json:"post_changes"`
	UpdatedAt time.Time      `json:"updated_at"`
	Unit      *Unit          `json:"unit,omitempty"`
	Photo     *PhotoMetadata `json:"photo,omitempty"`
	// PurgedAt is when the retention purge deleted the account's photo and
	// contact details (个人信息保存期限); a photo uploaded since shows in Photo.
	PurgedAt *time.Time `json:"purged_at,omitempty"`
}

// Education is one education held (学历).
type Education struct {
	Level          string `json:"level"`
	Major          string `json:"major"`
	School         string `json:"school"`
	GraduatedOn    Date   `json:"graduated_on"`
	FullTime       bool   `json:"full_time"`
	Medical        bool   `json:"medical"`
	MilitarySchool bool   `json:"military_school"`
}

// Work is the candidate's work situation: the unit (from the units table),
// the post and the dates and certificates that the conditions count.
type Work struct {
	UnitID                       string `json:"unit_id"`
	Post                         string `json:"post"`
	SpecialtyStartedOn           Date   `json:"specialty_started_on"`
	PracticeRegisteredOn         Date   `json:"practice_registered_on"`
	CommunityTrainingCertificate bool   `json:"community_training_certificate"`
	FrontlineAppraised           bool   `json:"frontline_appraised"`
	FrontlineEarlyUsedBefore     bool   `json:"frontline_early_used_before"`
	HubeiAidAward                string `json:"hubei_aid_award"`
	ResidencyCertificateOn       Date   `json:"residency_certificate_on"`
	FileElsewhere                bool   `json:"file_elsewhere"`
	SocialInsuranceMonths        int    `json:"social_insurance_months"`
}

// HeldTitle is a professional title held (专业技术资格).
type HeldTitle struct {
	Level      Level  `json:"level"`
	Specialty  string `json:"specialty"`
	ObtainedOn Date   `json:"obtained_on"`
}

// HeldLicence is a practice licence held: kind, the physician category
// (执业类别) and scope (执业范围) for physicians, and when it was obtained.
type HeldLicence struct {
	Kind       string `json:"kind"`
	Category   string `json:"category"`
	Scope      string `json:"scope"`
	ObtainedOn Date   `json:"obtained_on"`
}

// PostChange is a change of post (岗位变动) on a date.
type PostChange struct {
	On   Date   `json:"on"`
	From string `json:"from"`
	To   string `json:"to"`
}

// PhotoMetadata describes a stored photo without its bytes.
type PhotoMetadata struct {
	Width      int       `json:"width"`
	Height     int       `json:"height"`
	Bytes      int       `json:"bytes"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// ChangeKind is what a registration change request asks for.
type ChangeKind string

// A request changes the identity fields, or deletes the registration.
const (
	ChangeIdentity ChangeKind = "change"
	ChangeDelete   ChangeKind = "delete"
)

// ChangeStatus is where a registration change request stands.
type ChangeStatus string

// Requests are pending until the site office approves or rejects them.
const (
	ChangePending  ChangeStatus = "pending"
	ChangeApproved ChangeStatus = "approved"
	ChangeRejected ChangeStatus = "rejected"
)

// Label returns the Chinese name of the status.
func (s ChangeStatus) Label() string {
	switch s {
	case ChangePending:
		return "待审核"
	case ChangeApproved:
		return "已批准"
	case ChangeRejected:
		return "已驳回"
	}
	return string(s)
}

// ChangeRequest is a registration change request (考生申请修改/删除注册信息,
// 二（一）4(4)): the new identity values or a deletion, the reason and
// scanned evidence, decided by the site office.
type ChangeRequest struct {
	ID             string       `json:"id"`
	UserID         string       `json:"user_id"`
	Kind           ChangeKind   `json:"kind"`
	NewName        string       `json:"new_name,omitempty"`
	NewIDType      IDType       `json:"new_id_type,omitempty"`
	NewIDNumber    IDNumber     `json:"-"`
	Reason         string       `json:"reason"`
	Evidence       []byte       `json:"-"`
	Status         ChangeStatus `json:"status"`
	DecidedBy      string       `json:"decided_by,omitempty"`
	DecisionReason string       `json:"decision_reason,omitempty"`
	CreatedAt      time.Time    `json:"created_at"`
	DecidedAt      *time.Time   `json:"decided_at,omitempty"`
	// EvidencePurgedAt is when the retention purge deleted the evidence.
	EvidencePurgedAt *time.Time `json:"evidence_purged_at,omitempty"`
	// Account is the requester as it stands, filled by listings.
	Account *Account `json:"-"`
}

// WeChatBinding is the WeChat identity bound to an account (微信绑定).
type WeChatBinding struct {
	UserID  string    `json:"user_id"`
	OpenID  string    `json:"openid"`
	UnionID string    `json:"unionid,omitempty"`
	BoundAt time.Time `json:"bound_at"`
}
