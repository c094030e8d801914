package payment

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// TradeState is a transaction's trade_state as WeChat Pay reports it.
type TradeState string

// The trade states of a Native transaction.
const (
	// StateSuccess is a paid order.
	StateSuccess TradeState = "SUCCESS"
	// StateNotPay is an order waiting for the payer.
	StateNotPay TradeState = "NOTPAY"
	// StateClosed is an order closed by the merchant or at time_expire.
	StateClosed TradeState = "CLOSED"
	// StateRefund is a paid order with a refund (of part or all of it).
	StateRefund TradeState = "REFUND"
	// StateUserPaying is an order whose payer is entering a password.
	StateUserPaying TradeState = "USERPAYING"
	// StatePayError is an order whose payment failed (bank refused, …); the
	// payer may try again.
	StatePayError TradeState = "PAYERROR"
)

// Refund statuses, as WeChat Pay reports them in Refund.Status.
const (
	// RefundSuccess is a refund paid back to the payer.
	RefundSuccess = "SUCCESS"
	// RefundProcessing is a refund accepted and under way.
	RefundProcessing = "PROCESSING"
	// RefundAbnormal is a refund that could not reach the payer's account
	// (the merchant must act on the merchant platform).
	RefundAbnormal = "ABNORMAL"
	// RefundClosed is a refund that was closed without paying.
	RefundClosed = "CLOSED"
)

// Notification event types handled by ParseNotification.
const (
	// EventTransactionSuccess notifies a paid order.
	EventTransactionSuccess = "TRANSACTION.SUCCESS"
	// EventRefundSuccess notifies a refund paid back.
	EventRefundSuccess = "REFUND.SUCCESS"
	// EventRefundAbnormal notifies a refund that could not be paid back.
	EventRefundAbnormal = "REFUND.ABNORMAL"
	// EventRefundClosed notifies a closed refund.
	EventRefundClosed = "REFUND.CLOSED"
)

// MaxClockSkew is how far a signed message's Wechatpay-Timestamp may be from
// the receiver's clock, in either direction, as WeChat Pay recommends.
// A NonceStore must remember a nonce for at least 2*MaxClockSkew after the
// instant it was given, so that a replay is refused either as stale or as
// seen.
const MaxClockSkew = 5 * time.Minute

// MaxNotificationSize bounds the body ParseNotification accepts; a handler
// should read at most this many bytes (plus one, to detect more).
const MaxNotificationSize = 64 << 10

// Refusals. Errors returned by this package wrap one of these (with
// context), so callers can tell the kind with errors.Is.
var (
	// ErrSignature: a signature header is missing or the signature does not
	// verify against the platform certificate.
	ErrSignature = errors.New("payment: bad signature")
	// ErrUnknownSerial: Wechatpay-Serial names no configured platform
	// certificate (WeChat rotated its certificate, or a forgery). Errors
	// wrapping it also wrap ErrSignature.
	ErrUnknownSerial = errors.New("payment: unknown platform certificate serial")
	// ErrStale: Wechatpay-Timestamp is more than MaxClockSkew from now.
	ErrStale = errors.New("payment: stale timestamp")
	// ErrReplay: the nonce of a notification was seen before.
	ErrReplay = errors.New("payment: replayed nonce")
	// ErrMalformed: a body is not the JSON the protocol describes (bad JSON,
	// missing fields, unsupported algorithm or event, another merchant's data).
	ErrMalformed = errors.New("payment: malformed message")
	// ErrDecrypt: the AEAD_AES_256_GCM resource does not decrypt with the
	// APIv3 key (bad tag, wrong key, bad nonce).
	ErrDecrypt = errors.New("payment: cannot decrypt resource")
	// ErrNotFound: the provider (in a verified answer) knows no such order
	// or refund.
	ErrNotFound = errors.New("payment: not found")
	// ErrInvalid: a request or configuration this package refuses before
	// sending anything.
	ErrInvalid = errors.New("payment: invalid request")
)

// ProviderError is a 4xx/5xx answer of the provider: its HTTP status and
// the JSON {"code","message"} body.
type ProviderError struct {
	Status  int
	Code    string // e.g. PARAM_ERROR, SIGN_ERROR, ORDER_NOT_EXIST, ORDERPAID
	Message string
	// Verified tells whether the answer carried a valid platform signature.
	// WeChat Pay does not sign answers to requests whose own signature it
	// refused (SIGN_ERROR), and a gateway error may be unsigned too; such
	// answers are reported but never trusted (ErrNotFound needs Verified).
	Verified bool
}

// Error implements error.
func (e *ProviderError) Error() string {
	s := fmt.Sprintf("payment: provider answered %d %s: %s", e.Status, e.Code, e.Message)
	if !e.Verified {
		s += " (unsigned)"
	}
	return s
}

// CreateRequest is a Native order: the payer scans or opens CodeURL.
type CreateRequest struct {
	OutTradeNo  string // merchant order number: 6–32 of [0-9A-Za-z_-|*]
	Description string // shown to the payer, at most 127 bytes
	Attach      string // returned as is in queries and notifications, at most 128 bytes
	NotifyURL   string // where the provider POSTs notifications
	AmountFen   int64
	ExpiresAt   time.Time // time_expire; zero for the provider's default
}

// CreateResult is the answer to Create.
type CreateResult struct {
	// CodeURL is what the payer scans as a QR code (WeChat: weixin://wxpay/…;
	// the sandbox: the URL of its payer page, which a browser can open).
	CodeURL string
}

// Transaction is an order as the provider knows it (query answer or
// TRANSACTION.* notification).
type Transaction struct {
	OutTradeNo    string
	TransactionID string // WeChat's order number, set once paid
	PayerOpenID   string
	Attach        string
	State         TradeState
	AmountFen     int64 // amount.total
	PayerTotalFen int64 // amount.payer_total: what the payer paid
	SuccessTime   time.Time
}

// RefundRequest asks to refund RefundFen of a paid order of TotalFen.
type RefundRequest struct {
	OutTradeNo  string
	OutRefundNo string // merchant refund number, 1–64 of [0-9A-Za-z_-|*@]; the same number is idempotent
	Reason      string // shown to the payer, at most 80 characters
	RefundFen   int64
	TotalFen    int64 // the order's amount, which the provider checks
	// NotifyURL is optional: where REFUND.* notifications go. WeChat falls
	// back to the URL configured on the merchant platform, the sandbox to
	// the order's notify_url.
	NotifyURL string
}

// Refund is a refund as the provider knows it.
type Refund struct {
	OutTradeNo  string
	OutRefundNo string
	RefundID    string
	Status      string // RefundSuccess, RefundProcessing, RefundAbnormal or RefundClosed
	RefundFen   int64
	TotalFen    int64
	SuccessTime time.Time
}

// Notification is a verified, decrypted notification: exactly one of
// Transaction (TRANSACTION.*) and Refund (REFUND.*) is set. The same
// notification (same ID) may arrive several times, each time with a fresh
// nonce: handling must be idempotent.
type Notification struct {
	ID          string
	EventType   string
	Created     time.Time
	Transaction *Transaction
	Refund      *Refund
}

// Config is what a merchant needs to speak to the provider.
type Config struct {
	BaseURL        string // https://api.mch.weixin.qq.com, or the sandbox's URL
	AppID          string // appid of the official account the orders belong to
	MchID          string // merchant number
	MerchantSerial string // serial number of the merchant API certificate
	MerchantKey    *rsa.PrivateKey
	// PlatformCerts are the provider's platform certificates; answers and
	// notifications must be signed by the one whose serial (upper-case hex)
	// is in Wechatpay-Serial.
	PlatformCerts []*x509.Certificate
	APIv3Key      []byte // 32 bytes, decrypts notification resources
	HTTPClient    *http.Client
	Now           func() time.Time
}

// Client speaks WeChat Pay APIv3 (Native payment) for one merchant. It is
// safe for concurrent use.
type Client struct {
	base       string
	appID      string
	mchID      string
	serial     string
	key        *rsa.PrivateKey
	platform   map[string]*x509.Certificate // by upper-case hex serial
	aead       cipher.AEAD
	httpClient *http.Client
	now        func() time.Time
}

// NewClient checks cfg and returns a client.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: BaseURL %q is not an http(s) URL", ErrInvalid, cfg.BaseURL)
	}
	switch {
	case cfg.MchID == "":
		return nil, fmt.Errorf("%w: MchID is empty", ErrInvalid)
	case cfg.MerchantSerial == "":
		return nil, fmt.Errorf("%w: MerchantSerial is empty", ErrInvalid)
	case cfg.MerchantKey == nil:
		return nil, fmt.Errorf("%w: MerchantKey is nil", ErrInvalid)
	case len(cfg.APIv3Key) != 32:
		return nil, fmt.Errorf("%w: APIv3Key has %d bytes, want 32", ErrInvalid, len(cfg.APIv3Key))
	case len(cfg.PlatformCerts) == 0:
		return nil, fmt.Errorf("%w: no platform certificate", ErrInvalid)
	}
	platform := make(map[string]*x509.Certificate, len(cfg.PlatformCerts))
	for _, cert := range cfg.PlatformCerts {
		if cert == nil {
			return nil, fmt.Errorf("%w: nil platform certificate", ErrInvalid)
		}
		if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("%w: platform certificate %s has no RSA key", ErrInvalid, CertSerial(cert))
		}
		platform[CertSerial(cert)] = cert
	}
	block, err := aes.NewCipher(cfg.APIv3Key)
	if err != nil {
		return nil, fmt.Errorf("%w: APIv3Key: %v", ErrInvalid, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: APIv3Key: %v", ErrInvalid, err)
	}
	c := &Client{
		base:       strings.TrimRight(cfg.BaseURL, "/"),
		appID:      cfg.AppID,
		mchID:      cfg.MchID,
		serial:     cfg.MerchantSerial,
		key:        cfg.MerchantKey,
		platform:   platform,
		aead:       aead,
		httpClient: cfg.HTTPClient,
		now:        cfg.Now,
	}
	if c.httpClient == nil {
		c.httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// CertSerial is a certificate's serial number as WeChat Pay writes it
// (Wechatpay-Serial, serial_no): upper-case hexadecimal.
func CertSerial(cert *x509.Certificate) string {
	return fmt.Sprintf("%X", cert.SerialNumber)
}
