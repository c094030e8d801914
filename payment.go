package kaowu

import (
	"fmt"
	"time"
)

// Order is what an approved candidate owes (三): one line per subject to
// sit at the exam year's fee per subject, payable online until DueAt, the
// close of the payment window. Its ID is kaowu's own; each attempt to pay
// opens a transaction with the provider under its own number.
type Order struct {
	ID            string
	ApplicationID string
	CandidateID   string
	Year          int
	Subjects      []Subject
	PerSubjectFen int64
	AmountFen     int64
	DueAt         time.Time
	CreatedAt     time.Time
}

// PaymentAttempt is one transaction opened with the payment provider for an
// order: OutTradeNo is its number there, CodeURL where the payer pays.
type PaymentAttempt struct {
	OutTradeNo string
	OrderID    string
	CodeURL    string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// PaymentDisposition says what a received payment did.
type PaymentDisposition string

// The dispositions of a payment.
const (
	// PaymentApplied: the application became paid.
	PaymentApplied PaymentDisposition = "applied"
	// PaymentRestored: paid inside the window but notified after the
	// application was forfeited; the application is restored to paid.
	PaymentRestored PaymentDisposition = "restored"
	// PaymentDuplicate: the order was paid already; the money is refunded.
	PaymentDuplicate PaymentDisposition = "duplicate"
	// PaymentHeld: the amount or the order does not match, or the payment
	// came after the window; held for the site office, never applied.
	PaymentHeld PaymentDisposition = "held"
)

// Label returns the disposition in Chinese.
func (d PaymentDisposition) Label() string {
	switch d {
	case PaymentApplied:
		return "已入账"
	case PaymentRestored:
		return "已入账（逾期通知，恢复报名）"
	case PaymentDuplicate:
		return "重复支付（退款）"
	case PaymentHeld:
		return "待人工核对"
	}
	return string(d)
}

// Payment is money received for an order, recorded once per provider
// transaction however many times the provider reports it. Payments are
// never changed or deleted.
type Payment struct {
	ID            string
	TransactionID string
	OutTradeNo    string
	OrderID       string
	AmountFen     int64
	Payer         string
	PaidAt        time.Time
	Source        string // "notify" or "query"
	Disposition   PaymentDisposition
	Note          string
	RecordedAt    time.Time
}

// Refund is money returned for a payment, with the provider's results as
// they come (Status is the latest).
type Refund struct {
	OutRefundNo string
	PaymentID   string
	OrderID     string
	AmountFen   int64
	Reason      string
	RequestedBy string
	RequestedAt time.Time
	Status      string // the provider's latest: PROCESSING, SUCCESS, ABNORMAL, CLOSED; "" before any
	RefundID    string
}

// Yuan formats an amount of fen as yuan with two decimals, e.g. 20000 →
// "200.00".
func Yuan(fen int64) string {
	if fen < 0 {
		return "-" + Yuan(-fen)
	}
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}
