package kaowu

import "time"

// Reminder is a to-do reminder (待办事项提醒): a short message telling a user
// that something needs their attention, e.g. that an application was
// submitted and awaits on-site confirmation (二（一）). It is written to the
// user's in-app inbox in the same transaction as the state change it reports
// and delivered through the external channels (email, WeChat template
// messages) by background jobs.
type Reminder struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	// Kind names what the reminder is about, as "<object>.<event>", e.g.
	// "application.submitted"; channels may use it to choose a template.
	Kind string `json:"kind"`
	// Title and Body are Chinese text shown to the user as is.
	Title string `json:"title"`
	Body  string `json:"body"`
	// Link is where the reminder leads: a path on this site ("/me") or an
	// absolute URL.
	Link      string    `json:"link,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// ReadAt is when the user marked it read in the inbox; nil is unread.
	ReadAt *time.Time `json:"read_at,omitempty"`
}

// Read reports whether the user has read the reminder in the inbox.
func (r Reminder) Read() bool { return r.ReadAt != nil }
