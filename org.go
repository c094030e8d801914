package kaowu

import "time"

// Role is what a user account may do.
type Role string

// The roles. Staff roles are bound to one organisation: unit HR to a unit,
// site staff to a site, military staff to a military unit.
const (
	RoleCandidate    Role = "candidate"
	RoleUnitHR       Role = "unit_hr"
	RoleSiteStaff    Role = "site_staff"
	RoleRegionStaff  Role = "region_staff"
	RoleMilitaryUnit Role = "military_unit"
	RoleAdmin        Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleCandidate, RoleUnitHR, RoleSiteStaff, RoleRegionStaff, RoleMilitaryUnit, RoleAdmin}

// Label returns the Chinese name of the role.
func (r Role) Label() string {
	switch r {
	case RoleCandidate:
		return "考生"
	case RoleUnitHR:
		return "单位人事"
	case RoleSiteStaff:
		return "考点考试管理机构"
	case RoleRegionStaff:
		return "考区考试管理机构"
	case RoleMilitaryUnit:
		return "军队单位"
	case RoleAdmin:
		return "系统管理员"
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Unit is an employer unit (用人单位): a medical institution whose category
// fixes its on-site confirmation day.
type Unit struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	District  string    `json:"district"`
	Category  string    `json:"unit_category"`
	Private   bool      `json:"private"`
	CreatedAt time.Time `json:"created_at"`
}

// User is an account: a candidate or a staff member. Scope fields bind
// staff to their organisation.
type User struct {
	ID           string    `json:"id"`
	Username     string    `json:"username"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"-"`
	UnitID       string    `json:"unit_id,omitempty"`
	Site         string    `json:"site,omitempty"`
	MilitaryUnit string    `json:"military_unit,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Role   Role      `json:"role"`
	Action string    `json:"action"`
	Object string    `json:"object"`
	Detail string    `json:"detail"`
	// Before and After are the state of the object before and after the
	// change (JSON, ID numbers masked), when the action changed one.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}
