package payment

import (
	"bytes"
	"cmp"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ErrNotPayable: the sandbox refuses to pay (or fail) an order that is
// paid, refunded, closed or expired.
var ErrNotPayable = errors.New("payment sandbox: order cannot be paid")

// DefaultRetrySchedule is WeChat Pay's notification retry schedule: the
// waits after the 1st, 2nd, … failed delivery (15s/15s/30s/3m/10m/20m/30m/
// 30m/30m/60m/3h/3h/3h/6h/6h, 24h4m in all), after which it gives up.
var DefaultRetrySchedule = []time.Duration{
	15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * time.Minute,
	10 * time.Minute, 20 * time.Minute, 30 * time.Minute, 30 * time.Minute,
	30 * time.Minute, 60 * time.Minute, 3 * time.Hour, 3 * time.Hour,
	3 * time.Hour, 6 * time.Hour, 6 * time.Hour,
}

// Sandbox defaults, taken from WeChat Pay's documentation examples.
const (
	// SandboxAppID is the sandbox's appid unless SandboxOptions.AppID.
	SandboxAppID = "wxd678efh567hg6787"
	// SandboxMchID is the sandbox's merchant number unless SandboxOptions.MchID.
	SandboxMchID = "1230000109"
	// SandboxPayerOpenID is the payer's openid unless SandboxOptions.PayerOpenID.
	SandboxPayerOpenID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
)

const (
	// sandboxDefaultExpiry applies when an order has no time_expire, like
	// the two hours a WeChat code_url stays valid.
	sandboxDefaultExpiry = 2 * time.Hour
	maxRequestSize       = 64 << 10
)

// SandboxOptions configure a Sandbox. The zero value works: fresh keys,
// the real clock, WeChat's retry schedule, no duplicates, in order.
type SandboxOptions struct {
	// PublicURL is where browsers reach Handler, e.g.
	// "https://kaowu.example/sandbox/wxpay" when it is mounted there with
	// http.StripPrefix; CodeURLs point at its payer page. Empty: the
	// scheme and host of the create request, right when mounted at the root.
	PublicURL string
	// AppID and MchID default to SandboxAppID and SandboxMchID.
	AppID, MchID string
	// Keys loads credentials (all fields required); nil generates fresh ones.
	Keys *SandboxKeys
	// Now is the sandbox's clock (signatures, expiry, retries); time.Now
	// when nil. MerchantConfig hands it to the client too.
	Now func() time.Time
	// Duplicates sends every notification this many extra times, as
	// WeChat may: same id and body, each delivery signed afresh.
	Duplicates int
	// Shuffle delivers the notifications due together in random order
	// (DeliverPending's batch; Run then batches once a second).
	Shuffle bool
	// Seed seeds Shuffle's order; 0 picks a random seed.
	Seed uint64
	// RetrySchedule is the wait after each failed delivery; nil is
	// DefaultRetrySchedule, empty gives up after the first failure. After
	// the last wait's attempt fails, the sandbox gives up.
	RetrySchedule []time.Duration
	// HTTPClient delivers notifications; nil is a client with WeChat's 5 s
	// timeout.
	HTTPClient *http.Client
	// PayerOpenID is the openid of the sandbox's payer; SandboxPayerOpenID
	// when empty.
	PayerOpenID string
}

// LedgerKind is what a LedgerEntry records.
type LedgerKind string

// The kinds of ledger entries.
const (
	// LedgerCreate records an order placed.
	LedgerCreate LedgerKind = "create"
	// LedgerPay records an order paid.
	LedgerPay LedgerKind = "pay"
	// LedgerPayFail records a failed payment (PAYERROR).
	LedgerPayFail LedgerKind = "pay-fail"
	// LedgerClose records an order closed by the merchant.
	LedgerClose LedgerKind = "close"
	// LedgerExpire records an order closed at its time_expire.
	LedgerExpire LedgerKind = "expire"
	// LedgerRefund records a refund accepted.
	LedgerRefund LedgerKind = "refund"
	// LedgerNotify records one delivery attempt of a notification.
	LedgerNotify LedgerKind = "notify"
	// LedgerNotifyGiveUp records a delivery given up after the retry schedule.
	LedgerNotifyGiveUp LedgerKind = "notify-give-up"
)

// LedgerEntry is one event of the sandbox's ledger, for reconciliation.
type LedgerEntry struct {
	At            time.Time
	Kind          LedgerKind
	OutTradeNo    string
	TransactionID string
	OutRefundNo   string
	RefundID      string
	AmountFen     int64  // the order's amount, or the refund's for LedgerRefund
	State         string // the trade state, or the refund status, after the event
	// Notifications: the notification's id and event type, which attempt of
	// this delivery (from 1), the merchant's HTTP status (0 when none) and
	// the transport error.
	NotificationID string
	EventType      string
	Attempt        int
	HTTPStatus     int
	Error          string
}

// Sandbox plays WeChat Pay APIv3 (Native) for one merchant over real HTTP:
// the API endpoints (requests must carry a valid merchant signature,
// answers are signed with the platform key), a payer page, and
// notifications encrypted with the APIv3 key, signed, delivered with
// retries. Everything lives in memory. It is safe for concurrent use.
type Sandbox struct {
	appID, mchID   string
	publicURL      string
	payerOpenID    string
	keys           SandboxKeys
	merchantCert   *x509.Certificate
	merchantSerial string
	platformKey    *rsa.PrivateKey
	platformCert   *x509.Certificate
	platformSerial string
	merchantKey    *rsa.PrivateKey
	aead           cipher.AEAD
	now            func() time.Time
	httpClient     *http.Client
	duplicates     int
	shuffle        bool
	retry          []time.Duration

	deliverMu sync.Mutex // one DeliverPending at a time
	wake      chan struct{}

	mu      sync.Mutex
	rng     *rand.Rand
	trades  map[string]*sbTrade  // by out_trade_no
	byPR    map[string]string    // payer-page token → out_trade_no
	refunds map[string]*sbRefund // by out_refund_no
	ledger  []LedgerEntry
	queue   []*delivery
	seq     int
}

type sbTrade struct {
	req           wireCreate
	created       time.Time
	expires       time.Time
	pr            string
	codeURL       string
	state         TradeState
	transactionID string
	payerOpenID   string
	successTime   time.Time
	refunded      int64
}

type sbRefund struct {
	req       wireRefundRequest
	trade     *sbTrade
	refundID  string
	status    string
	created   time.Time
	succeeded time.Time
}

type delivery struct {
	seq                     int
	id, event, url          string
	body                    []byte
	outTradeNo, outRefundNo string
	attempts                int
	due                     time.Time
}

// NewSandbox makes a sandbox.
func NewSandbox(opts SandboxOptions) (*Sandbox, error) {
	s := &Sandbox{
		appID:       cmp.Or(opts.AppID, SandboxAppID),
		mchID:       cmp.Or(opts.MchID, SandboxMchID),
		publicURL:   strings.TrimRight(opts.PublicURL, "/"),
		payerOpenID: cmp.Or(opts.PayerOpenID, SandboxPayerOpenID),
		now:         opts.Now,
		httpClient:  opts.HTTPClient,
		duplicates:  max(opts.Duplicates, 0),
		shuffle:     opts.Shuffle,
		retry:       slices.Clone(opts.RetrySchedule),
		wake:        make(chan struct{}, 1),
		trades:      map[string]*sbTrade{},
		byPR:        map[string]string{},
		refunds:     map[string]*sbRefund{},
	}
	if s.publicURL != "" {
		if u, err := url.Parse(s.publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("payment sandbox: PublicURL %q is not an http(s) URL", opts.PublicURL)
		}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.httpClient == nil {
		s.httpClient = &http.Client{Timeout: 5 * time.Second}
	}
	if s.retry == nil {
		s.retry = slices.Clone(DefaultRetrySchedule)
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	if opts.Keys != nil {
		s.keys = *opts.Keys
	} else {
		var err error
		if s.keys, err = GenerateSandboxKeys(); err != nil {
			return nil, err
		}
	}
	var err error
	if s.merchantKey, s.merchantCert, err = keyPair("merchant", s.keys.MerchantKeyPEM, s.keys.MerchantCertPEM); err != nil {
		return nil, err
	}
	if s.platformKey, s.platformCert, err = keyPair("platform", s.keys.PlatformKeyPEM, s.keys.PlatformCertPEM); err != nil {
		return nil, err
	}
	s.merchantSerial, s.platformSerial = CertSerial(s.merchantCert), CertSerial(s.platformCert)
	if len(s.keys.APIv3Key) != 32 {
		return nil, fmt.Errorf("payment sandbox: APIv3Key has %d bytes, want 32", len(s.keys.APIv3Key))
	}
	block, err := aes.NewCipher(s.keys.APIv3Key)
	if err != nil {
		return nil, fmt.Errorf("payment sandbox: %w", err)
	}
	if s.aead, err = cipher.NewGCM(block); err != nil {
		return nil, fmt.Errorf("payment sandbox: %w", err)
	}
	return s, nil
}

// Keys returns the sandbox's credentials, to persist and load again.
func (s *Sandbox) Keys() SandboxKeys {
	k := s.keys
	k.MerchantKeyPEM = bytes.Clone(k.MerchantKeyPEM)
	k.MerchantCertPEM = bytes.Clone(k.MerchantCertPEM)
	k.PlatformKeyPEM = bytes.Clone(k.PlatformKeyPEM)
	k.PlatformCertPEM = bytes.Clone(k.PlatformCertPEM)
	k.APIv3Key = bytes.Clone(k.APIv3Key)
	return k
}

// MerchantConfig is the merchant's side of the sandbox: give it to
// NewClient. baseURL is where the client reaches Handler (with the mount
// prefix, e.g. "http://127.0.0.1:8080/sandbox/wxpay"). The client shares
// the sandbox's clock.
func (s *Sandbox) MerchantConfig(baseURL string) Config {
	return Config{
		BaseURL:        baseURL,
		AppID:          s.appID,
		MchID:          s.mchID,
		MerchantSerial: s.merchantSerial,
		MerchantKey:    s.merchantKey,
		PlatformCerts:  []*x509.Certificate{s.platformCert},
		APIv3Key:       bytes.Clone(s.keys.APIv3Key),
		Now:            s.now,
	}
}

// PlatformSerial is the serial of the sandbox's platform certificate (the
// Wechatpay-Serial of its signatures).
func (s *Sandbox) PlatformSerial() string { return s.platformSerial }

// Ledger returns a copy of the sandbox's ledger, oldest first.
func (s *Sandbox) Ledger() []LedgerEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ledger)
}

// Transactions returns the orders as the sandbox knows them now, in the
// order they were placed.
func (s *Sandbox) Transactions() []Transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	trades := make([]*sbTrade, 0, len(s.trades))
	for _, t := range s.trades {
		s.expireLocked(t, now)
		trades = append(trades, t)
	}
	slices.SortFunc(trades, func(a, b *sbTrade) int {
		return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.req.OutTradeNo, b.req.OutTradeNo))
	})
	out := make([]Transaction, len(trades))
	for i, t := range trades {
		w := s.wireTransaction(t)
		out[i], _ = w.transaction()
	}
	return out
}

// Refunds returns the refunds as the sandbox knows them, in the order they
// were accepted.
func (s *Sandbox) Refunds() []Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	refs := make([]*sbRefund, 0, len(s.refunds))
	for _, r := range s.refunds {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b *sbRefund) int {
		return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.req.OutRefundNo, b.req.OutRefundNo))
	})
	out := make([]Refund, len(refs))
	for i, r := range refs {
		w := s.wireRefund(r)
		out[i], _ = w.refund()
	}
	return out
}

// Pay pays an order as the sandbox payer would from the payer page: the
// order becomes SUCCESS and a TRANSACTION.SUCCESS notification is queued.
// An unknown order is ErrNotFound; a paid, closed or expired one
// ErrNotPayable.
func (s *Sandbox) Pay(outTradeNo string) error {
	return s.settle(outTradeNo, true)
}

// Fail makes the payer's payment of an order fail (PAYERROR), as a bank
// refusal would; no notification is sent (WeChat sends none) and the payer
// may try again.
func (s *Sandbox) Fail(outTradeNo string) error {
	return s.settle(outTradeNo, false)
}

func (s *Sandbox) settle(outTradeNo string, ok bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.trades[outTradeNo]
	if t == nil {
		return fmt.Errorf("payment sandbox: order %q: %w", outTradeNo, ErrNotFound)
	}
	now := s.now()
	s.expireLocked(t, now)
	switch t.state {
	case StateNotPay, StatePayError, StateUserPaying:
	default:
		return fmt.Errorf("%w: order %q is %s", ErrNotPayable, outTradeNo, t.state)
	}
	if !ok {
		t.state = StatePayError
		s.recordLocked(LedgerEntry{Kind: LedgerPayFail, OutTradeNo: outTradeNo, AmountFen: t.req.Amount.Total, State: string(t.state)})
		return nil
	}
	t.state = StateSuccess
	t.transactionID = "4200" + randomDigits(24)
	t.payerOpenID = s.payerOpenID
	t.successTime = now
	s.recordLocked(LedgerEntry{Kind: LedgerPay, OutTradeNo: outTradeNo, TransactionID: t.transactionID, AmountFen: t.req.Amount.Total, State: string(t.state)})
	s.enqueueLocked(EventTransactionSuccess, "支付成功", "transaction", s.wireTransaction(t), t.req.NotifyURL, outTradeNo, "")
	return nil
}

// expireLocked closes an unpaid order once its time_expire has passed.
func (s *Sandbox) expireLocked(t *sbTrade, now time.Time) {
	switch t.state {
	case StateNotPay, StatePayError, StateUserPaying:
		if now.After(t.expires) {
			t.state = StateClosed
			s.recordLocked(LedgerEntry{At: t.expires, Kind: LedgerExpire, OutTradeNo: t.req.OutTradeNo, AmountFen: t.req.Amount.Total, State: string(t.state)})
		}
	}
}

// recordLocked appends to the ledger, stamping the entry now unless it
// has its time.
func (s *Sandbox) recordLocked(e LedgerEntry) {
	if e.At.IsZero() {
		e.At = s.now()
	}
	s.ledger = append(s.ledger, e)
}

var stateText = map[TradeState]string{
	StateSuccess:    "支付成功",
	StateNotPay:     "未支付",
	StateClosed:     "已关闭",
	StateRefund:     "转入退款",
	StateUserPaying: "用户支付中",
	StatePayError:   "支付失败",
}

func (s *Sandbox) wireTransaction(t *sbTrade) wireTransaction {
	w := wireTransaction{
		AppID:          t.req.AppID,
		MchID:          t.req.MchID,
		OutTradeNo:     t.req.OutTradeNo,
		TransactionID:  t.transactionID,
		TradeType:      "NATIVE",
		TradeState:     string(t.state),
		TradeStateDesc: stateText[t.state],
		Attach:         t.req.Attach,
		Amount:         &wireAmount{Total: t.req.Amount.Total, Currency: currencyCNY, PayerCurrency: currencyCNY},
	}
	if t.transactionID != "" {
		w.BankType = "OTHERS"
		w.SuccessTime = formatTime(t.successTime)
		w.Payer = &wirePayer{OpenID: t.payerOpenID}
		w.Amount.PayerTotal = t.req.Amount.Total
	}
	return w
}

func (s *Sandbox) wireRefund(r *sbRefund) wireRefund {
	return wireRefund{
		RefundID:            r.refundID,
		OutRefundNo:         r.req.OutRefundNo,
		TransactionID:       r.trade.transactionID,
		OutTradeNo:          r.trade.req.OutTradeNo,
		Channel:             "ORIGINAL",
		UserReceivedAccount: "支付用户零钱",
		SuccessTime:         formatTime(r.succeeded),
		CreateTime:          formatTime(r.created),
		Status:              r.status,
		Amount: wireRefundAmount{
			Refund: r.req.Amount.Refund, Total: r.req.Amount.Total,
			PayerTotal: r.req.Amount.Total, PayerRefund: r.req.Amount.Refund, Currency: currencyCNY,
		},
	}
}

// Handler serves the APIv3 endpoints under /v3/ and the payer page under
// /pay/. It works mounted under a prefix with http.StripPrefix (with or
// without the prefix's trailing slash); the merchant signs the path
// relative to its BaseURL.
func (s *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+pathNative, s.api(s.handleCreate))
	mux.HandleFunc("GET "+pathByOutTrade+"{no}", s.api(s.handleQuery))
	mux.HandleFunc("POST "+pathByOutTrade+"{no}/close", s.api(s.handleClose))
	mux.HandleFunc("POST "+pathRefunds, s.api(s.handleRefund))
	mux.HandleFunc("GET "+pathRefunds+"/{no}", s.api(s.handleQueryRefund))
	mux.HandleFunc("/v3/", s.api(func(*http.Request, []byte) (int, any) {
		return apiError(http.StatusNotFound, "NOT_FOUND", "接口不存在")
	}))
	mux.HandleFunc("GET /pay/{pr}", s.handlePage)
	mux.HandleFunc("POST /pay/{pr}", s.handlePage)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/") { // StripPrefix("/x/") leaves "v3/…"
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + r.URL.Path
			if r.URL.RawPath != "" {
				r2.URL.RawPath = "/" + r.URL.RawPath
			}
			r = r2
		}
		mux.ServeHTTP(w, r)
	})
}

func apiError(status int, code, message string) (int, any) {
	return status, wireError{Code: code, Message: message}
}

// api wraps an endpoint: it reads the body, checks the merchant's
// signature (refusing with an unsigned 401 SIGN_ERROR, as WeChat Pay does)
// and signs the endpoint's answer with the platform key.
func (s *Sandbox) api(h func(r *http.Request, body []byte) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestSize+1))
		if err != nil || len(body) > maxRequestSize {
			writeJSON(w, http.StatusBadRequest, wireError{Code: "PARAM_ERROR", Message: "请求体过大或读取失败"})
			return
		}
		if msg := s.checkAuth(r, body); msg != "" {
			writeJSON(w, http.StatusUnauthorized, wireError{Code: "SIGN_ERROR", Message: msg})
			return
		}
		status, v := h(r, body)
		s.reply(w, status, v)
	}
}

// checkAuth verifies the merchant's Authorization; it returns why it
// refuses, or "".
func (s *Sandbox) checkAuth(r *http.Request, body []byte) string {
	p, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "签名错误：" + err.Error()
	}
	if p["mchid"] != s.mchID {
		return "签名错误：商户号 " + p["mchid"] + " 不存在"
	}
	if !strings.EqualFold(p["serial_no"], s.merchantSerial) {
		return "签名错误：商户证书序列号有误"
	}
	secs, err := strconv.ParseInt(p["timestamp"], 10, 64)
	if err != nil {
		return "签名错误：时间戳格式错误"
	}
	if d := s.now().Sub(time.Unix(secs, 0)); d > MaxClockSkew || d < -MaxClockSkew {
		return "签名错误：请求时间戳与服务器时间相差超过 5 分钟"
	}
	pathQuery := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		pathQuery += "?" + r.URL.RawQuery
	}
	msg := requestMessage(r.Method, pathQuery, p["timestamp"], p["nonce_str"], body)
	if err := verify(&s.merchantKey.PublicKey, msg, p["signature"]); err != nil {
		return "签名错误：验证商户签名失败"
	}
	return ""
}

// writeJSON writes an unsigned JSON answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-ID", randomString(32))
	w.WriteHeader(status)
	w.Write(body)
}

// signHeaders signs body with the platform key at the sandbox's now.
func (s *Sandbox) signHeaders(body []byte) signedHeaders {
	return s.signHeadersAt(body, s.now(), randomString(32))
}

func (s *Sandbox) signHeadersAt(body []byte, at time.Time, nonce string) signedHeaders {
	ts := strconv.FormatInt(at.Unix(), 10)
	sig, err := sign(s.platformKey, responseMessage(ts, nonce, body))
	if err != nil {
		panic(err) // signing with a valid RSA key does not fail
	}
	return signedHeaders{timestamp: ts, nonce: nonce, signature: sig, serial: s.platformSerial}
}

// reply writes a signed answer; v nil is an empty body (204).
func (s *Sandbox) reply(w http.ResponseWriter, status int, v any) {
	var body []byte
	if v != nil {
		body, _ = json.Marshal(v)
		w.Header().Set("Content-Type", "application/json")
	}
	s.signHeaders(body).set(w.Header())
	w.Header().Set("Request-ID", randomString(32))
	w.WriteHeader(status)
	w.Write(body)
}

func (s *Sandbox) handleCreate(r *http.Request, body []byte) (int, any) {
	var in wireCreate
	if err := json.Unmarshal(body, &in); err != nil {
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "请求体不是合法的 JSON")
	}
	now := s.now()
	switch {
	case in.MchID != s.mchID:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "mchid 与请求商户号不一致")
	case in.AppID != s.appID:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "appid 和 mchid 不匹配")
	case !outTradeNoPattern.MatchString(in.OutTradeNo):
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "out_trade_no 应为 6–32 位数字、字母或 _-|*")
	case in.Description == "" || len(in.Description) > maxDescription || !utf8.ValidString(in.Description):
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "description 长度应为 1–127 字节")
	case len(in.Attach) > maxAttach:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "attach 长度不能超过 128 字节")
	case in.Amount.Total <= 0:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "amount.total 应为正整数（单位：分）")
	case in.Amount.Currency != "" && in.Amount.Currency != currencyCNY:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "amount.currency 仅支持 CNY")
	case checkNotifyURL(in.NotifyURL, true) != nil:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "notify_url 应为不带参数的 http(s) 地址")
	}
	expires := now.Add(sandboxDefaultExpiry)
	if in.TimeExpire != "" {
		t, err := time.Parse(time.RFC3339, in.TimeExpire)
		if err != nil {
			return apiError(http.StatusBadRequest, "PARAM_ERROR", "time_expire 格式应为 yyyy-MM-DDTHH:mm:ss+TIMEZONE")
		}
		if !t.After(now) {
			return apiError(http.StatusBadRequest, "INVALID_REQUEST", "time_expire 已过")
		}
		expires = t
	}
	in.Amount.Currency = currencyCNY

	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.trades[in.OutTradeNo]; t != nil {
		s.expireLocked(t, now)
		switch {
		case t.state == StateSuccess || t.state == StateRefund:
			return apiError(http.StatusBadRequest, "ORDERPAID", "该订单已支付")
		case t.state == StateClosed:
			return apiError(http.StatusBadRequest, "ORDER_CLOSED", "订单已关闭")
		case t.req != in:
			return apiError(http.StatusForbidden, "OUT_TRADE_NO_USED", "商户订单号重复")
		}
		return http.StatusOK, wireCodeURL{CodeURL: t.codeURL}
	}
	t := &sbTrade{req: in, created: now, expires: expires, state: StateNotPay, pr: randomString(24)}
	t.codeURL = s.payBase(r) + "/pay/" + t.pr
	s.trades[in.OutTradeNo] = t
	s.byPR[t.pr] = in.OutTradeNo
	s.recordLocked(LedgerEntry{Kind: LedgerCreate, OutTradeNo: in.OutTradeNo, AmountFen: in.Amount.Total, State: string(t.state)})
	return http.StatusOK, wireCodeURL{CodeURL: t.codeURL}
}

// payBase is where browsers reach the handler.
func (s *Sandbox) payBase(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Sandbox) handleQuery(r *http.Request, _ []byte) (int, any) {
	if r.URL.Query().Get("mchid") != s.mchID {
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "mchid 与请求商户号不一致")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.trades[r.PathValue("no")]
	if t == nil {
		return apiError(http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
	}
	s.expireLocked(t, s.now())
	return http.StatusOK, s.wireTransaction(t)
}

func (s *Sandbox) handleClose(r *http.Request, body []byte) (int, any) {
	var in wireMchID
	if err := json.Unmarshal(body, &in); err != nil || in.MchID != s.mchID {
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "mchid 与请求商户号不一致")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.trades[r.PathValue("no")]
	if t == nil {
		return apiError(http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
	}
	s.expireLocked(t, s.now())
	switch t.state {
	case StateSuccess, StateRefund:
		return apiError(http.StatusBadRequest, "ORDERPAID", "订单已支付，不能关闭")
	case StateClosed:
	default:
		t.state = StateClosed
		s.recordLocked(LedgerEntry{Kind: LedgerClose, OutTradeNo: t.req.OutTradeNo, AmountFen: t.req.Amount.Total, State: string(t.state)})
	}
	return http.StatusNoContent, nil
}

func (s *Sandbox) handleRefund(_ *http.Request, body []byte) (int, any) {
	var in wireRefundRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "请求体不是合法的 JSON")
	}
	switch {
	case !outTradeNoPattern.MatchString(in.OutTradeNo):
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "out_trade_no 格式错误")
	case !outRefundNoPattern.MatchString(in.OutRefundNo):
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "out_refund_no 应为 1–64 位数字、字母或 _-|*@")
	case in.Amount.Refund <= 0 || in.Amount.Total <= 0:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "amount.refund 和 amount.total 应为正整数（单位：分）")
	case in.Amount.Currency != "" && in.Amount.Currency != currencyCNY:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "amount.currency 仅支持 CNY")
	case utf8.RuneCountInString(in.Reason) > maxRefundReason:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "reason 不能超过 80 个字符")
	case checkNotifyURL(in.NotifyURL, false) != nil:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "notify_url 应为不带参数的 http(s) 地址")
	}
	in.Amount.Currency = currencyCNY
	now := s.now()

	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.refunds[in.OutRefundNo]; old != nil {
		if old.req.OutTradeNo != in.OutTradeNo || old.req.Amount != in.Amount {
			return apiError(http.StatusBadRequest, "INVALID_REQUEST", "商户退款单号已用于另一笔退款")
		}
		return http.StatusOK, s.wireRefund(old)
	}
	t := s.trades[in.OutTradeNo]
	if t == nil {
		return apiError(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在")
	}
	s.expireLocked(t, now)
	switch {
	case t.state != StateSuccess && t.state != StateRefund:
		return apiError(http.StatusBadRequest, "INVALID_REQUEST", "订单未支付，不能退款")
	case in.Amount.Total != t.req.Amount.Total:
		return apiError(http.StatusBadRequest, "PARAM_ERROR", "amount.total 与原订单金额不一致")
	case in.Amount.Refund > t.req.Amount.Total-t.refunded:
		return apiError(http.StatusBadRequest, "INVALID_REQUEST",
			fmt.Sprintf("退款金额超过订单可退金额（可退 %d 分）", t.req.Amount.Total-t.refunded))
	}
	ref := &sbRefund{req: in, trade: t, refundID: "50" + randomDigits(27), status: RefundProcessing, created: now}
	s.refunds[in.OutRefundNo] = ref
	t.refunded += in.Amount.Refund
	t.state = StateRefund
	answer := s.wireRefund(ref) // PROCESSING, as WeChat usually answers
	// The sandbox's refunds then succeed at once; the outcome reaches the
	// merchant as a REFUND.SUCCESS notification (or QueryRefund).
	ref.status, ref.succeeded = RefundSuccess, now
	s.recordLocked(LedgerEntry{Kind: LedgerRefund, OutTradeNo: in.OutTradeNo, TransactionID: t.transactionID,
		OutRefundNo: in.OutRefundNo, RefundID: ref.refundID, AmountFen: in.Amount.Refund, State: ref.status})
	w := s.wireRefund(ref)
	notice := wireRefundNotice{
		MchID: s.mchID, TransactionID: w.TransactionID, OutTradeNo: w.OutTradeNo, RefundID: w.RefundID,
		OutRefundNo: w.OutRefundNo, RefundStatus: w.Status, SuccessTime: w.SuccessTime,
		UserReceivedAccount: w.UserReceivedAccount, Amount: w.Amount,
	}
	s.enqueueLocked(EventRefundSuccess, "退款成功", "refund", notice, cmp.Or(in.NotifyURL, t.req.NotifyURL), in.OutTradeNo, in.OutRefundNo)
	return http.StatusOK, answer
}

func (s *Sandbox) handleQueryRefund(r *http.Request, _ []byte) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref := s.refunds[r.PathValue("no")]
	if ref == nil {
		return apiError(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
	}
	return http.StatusOK, s.wireRefund(ref)
}
