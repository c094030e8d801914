package payment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"
)

// API paths, relative to the base URL. The signed URL is the path with its
// query, without the base URL's own path (so the sandbox may be mounted
// under a prefix).
const (
	pathNative      = "/v3/pay/transactions/native"
	pathByOutTrade  = "/v3/pay/transactions/out-trade-no/" // + {out_trade_no}[/close]
	pathRefunds     = "/v3/refund/domestic/refunds"        // [/{out_refund_no}]
	currencyCNY     = "CNY"
	maxAnswerSize   = 1 << 20
	maxDescription  = 127
	maxAttach       = 128
	maxRefundReason = 80
)

var (
	outTradeNoPattern  = regexp.MustCompile(`^[0-9A-Za-z_\-|*]{6,32}$`)
	outRefundNoPattern = regexp.MustCompile(`^[0-9A-Za-z_\-|*@]{1,64}$`)
)

// china is the +08:00 zone WeChat Pay writes its times in.
var china = time.FixedZone("CST", 8*3600)

// formatTime writes t as WeChat Pay does: RFC 3339 in +08:00.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(china).Format(time.RFC3339)
}

// parseTime reads an optional RFC 3339 time.
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s %q", ErrMalformed, field, s)
	}
	return t, nil
}

// Wire formats of APIv3 (shared by the client and the sandbox).

type wireAmount struct {
	Total         int64  `json:"total"`
	PayerTotal    int64  `json:"payer_total,omitempty"`
	Currency      string `json:"currency,omitempty"`
	PayerCurrency string `json:"payer_currency,omitempty"`
}

type wireCreate struct {
	AppID       string     `json:"appid"`
	MchID       string     `json:"mchid"`
	Description string     `json:"description"`
	OutTradeNo  string     `json:"out_trade_no"`
	TimeExpire  string     `json:"time_expire,omitempty"`
	Attach      string     `json:"attach,omitempty"`
	NotifyURL   string     `json:"notify_url"`
	Amount      wireAmount `json:"amount"`
}

type wireCodeURL struct {
	CodeURL string `json:"code_url"`
}

type wirePayer struct {
	OpenID string `json:"openid"`
}

type wireTransaction struct {
	AppID          string      `json:"appid"`
	MchID          string      `json:"mchid"`
	OutTradeNo     string      `json:"out_trade_no"`
	TransactionID  string      `json:"transaction_id,omitempty"`
	TradeType      string      `json:"trade_type,omitempty"`
	TradeState     string      `json:"trade_state"`
	TradeStateDesc string      `json:"trade_state_desc"`
	BankType       string      `json:"bank_type,omitempty"`
	Attach         string      `json:"attach,omitempty"`
	SuccessTime    string      `json:"success_time,omitempty"`
	Payer          *wirePayer  `json:"payer,omitempty"`
	Amount         *wireAmount `json:"amount,omitempty"`
}

type wireMchID struct {
	MchID string `json:"mchid"`
}

type wireRefundAmount struct {
	Refund      int64  `json:"refund"`
	Total       int64  `json:"total"`
	PayerTotal  int64  `json:"payer_total,omitempty"`
	PayerRefund int64  `json:"payer_refund,omitempty"`
	Currency    string `json:"currency,omitempty"`
}

type wireRefundRequest struct {
	OutTradeNo  string           `json:"out_trade_no"`
	OutRefundNo string           `json:"out_refund_no"`
	Reason      string           `json:"reason,omitempty"`
	NotifyURL   string           `json:"notify_url,omitempty"`
	Amount      wireRefundAmount `json:"amount"`
}

type wireRefund struct {
	RefundID            string           `json:"refund_id"`
	OutRefundNo         string           `json:"out_refund_no"`
	TransactionID       string           `json:"transaction_id"`
	OutTradeNo          string           `json:"out_trade_no"`
	Channel             string           `json:"channel"`
	UserReceivedAccount string           `json:"user_received_account"`
	SuccessTime         string           `json:"success_time,omitempty"`
	CreateTime          string           `json:"create_time"`
	Status              string           `json:"status"`
	Amount              wireRefundAmount `json:"amount"`
}

// wireRefundNotice is the decrypted resource of a REFUND.* notification
// (note refund_status, where the refund API says status).
type wireRefundNotice struct {
	MchID               string           `json:"mchid"`
	TransactionID       string           `json:"transaction_id"`
	OutTradeNo          string           `json:"out_trade_no"`
	RefundID            string           `json:"refund_id"`
	OutRefundNo         string           `json:"out_refund_no"`
	RefundStatus        string           `json:"refund_status"`
	SuccessTime         string           `json:"success_time,omitempty"`
	UserReceivedAccount string           `json:"user_received_account"`
	Amount              wireRefundAmount `json:"amount"`
}

type wireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (w *wireTransaction) transaction() (Transaction, error) {
	t := Transaction{
		OutTradeNo:    w.OutTradeNo,
		TransactionID: w.TransactionID,
		Attach:        w.Attach,
		State:         TradeState(w.TradeState),
	}
	if w.OutTradeNo == "" || w.TradeState == "" {
		return Transaction{}, fmt.Errorf("%w: transaction without out_trade_no or trade_state", ErrMalformed)
	}
	if w.Payer != nil {
		t.PayerOpenID = w.Payer.OpenID
	}
	if w.Amount != nil {
		t.AmountFen, t.PayerTotalFen = w.Amount.Total, w.Amount.PayerTotal
	}
	var err error
	if t.SuccessTime, err = parseTime("success_time", w.SuccessTime); err != nil {
		return Transaction{}, err
	}
	return t, nil
}

func (w *wireRefund) refund() (Refund, error) {
	if w.OutRefundNo == "" || w.Status == "" {
		return Refund{}, fmt.Errorf("%w: refund without out_refund_no or status", ErrMalformed)
	}
	r := Refund{
		OutTradeNo:  w.OutTradeNo,
		OutRefundNo: w.OutRefundNo,
		RefundID:    w.RefundID,
		Status:      w.Status,
		RefundFen:   w.Amount.Refund,
		TotalFen:    w.Amount.Total,
	}
	var err error
	if r.SuccessTime, err = parseTime("success_time", w.SuccessTime); err != nil {
		return Refund{}, err
	}
	return r, nil
}

// Create places a Native order: POST /v3/pay/transactions/native. Placing
// the same order again (same number and content, ExpiresAt to the second)
// answers the same CodeURL; the same number with other content is a
// *ProviderError (OUT_TRADE_NO_USED), a paid or closed order's number too
// (ORDERPAID, ORDER_CLOSED).
func (c *Client) Create(ctx context.Context, r CreateRequest) (CreateResult, error) {
	op := "create " + r.OutTradeNo
	if err := c.checkCreate(r); err != nil {
		return CreateResult{}, fmt.Errorf("payment %s: %w", op, err)
	}
	in := wireCreate{
		AppID:       c.appID,
		MchID:       c.mchID,
		Description: r.Description,
		OutTradeNo:  r.OutTradeNo,
		TimeExpire:  formatTime(r.ExpiresAt),
		Attach:      r.Attach,
		NotifyURL:   r.NotifyURL,
		Amount:      wireAmount{Total: r.AmountFen, Currency: currencyCNY},
	}
	var out wireCodeURL
	if err := c.do(ctx, op, http.MethodPost, pathNative, in, &out); err != nil {
		return CreateResult{}, err
	}
	if out.CodeURL == "" {
		return CreateResult{}, fmt.Errorf("payment %s: %w: no code_url", op, ErrMalformed)
	}
	return CreateResult{CodeURL: out.CodeURL}, nil
}

func (c *Client) checkCreate(r CreateRequest) error {
	switch {
	case c.appID == "":
		return fmt.Errorf("%w: the client has no AppID", ErrInvalid)
	case !outTradeNoPattern.MatchString(r.OutTradeNo):
		return fmt.Errorf("%w: out_trade_no %q is not 6–32 of [0-9A-Za-z_-|*]", ErrInvalid, r.OutTradeNo)
	case r.Description == "" || len(r.Description) > maxDescription || !utf8.ValidString(r.Description):
		return fmt.Errorf("%w: description must be 1–%d bytes of UTF-8", ErrInvalid, maxDescription)
	case len(r.Attach) > maxAttach || !utf8.ValidString(r.Attach):
		return fmt.Errorf("%w: attach must be at most %d bytes of UTF-8", ErrInvalid, maxAttach)
	case r.AmountFen <= 0:
		return fmt.Errorf("%w: amount %d fen", ErrInvalid, r.AmountFen)
	}
	return checkNotifyURL(r.NotifyURL, true)
}

// checkNotifyURL applies WeChat's rule: an absolute http(s) URL without
// query parameters.
func checkNotifyURL(s string, required bool) error {
	if s == "" && !required {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%w: notify_url %q must be an absolute http(s) URL without query", ErrInvalid, s)
	}
	return nil
}

// Query reads an order: GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=….
// An order the provider does not know is ErrNotFound.
func (c *Client) Query(ctx context.Context, outTradeNo string) (Transaction, error) {
	op := "query " + outTradeNo
	if !outTradeNoPattern.MatchString(outTradeNo) {
		return Transaction{}, fmt.Errorf("payment %s: %w: bad out_trade_no", op, ErrInvalid)
	}
	var out wireTransaction
	path := pathByOutTrade + url.PathEscape(outTradeNo) + "?mchid=" + url.QueryEscape(c.mchID)
	if err := c.do(ctx, op, http.MethodGet, path, nil, &out); err != nil {
		return Transaction{}, err
	}
	t, err := out.transaction()
	if err == nil && (out.OutTradeNo != outTradeNo || (out.MchID != "" && out.MchID != c.mchID)) {
		err = fmt.Errorf("%w: answer is about order %q of merchant %q", ErrMalformed, out.OutTradeNo, out.MchID)
	}
	if err != nil {
		return Transaction{}, fmt.Errorf("payment %s: %w", op, err)
	}
	return t, nil
}

// Close closes an unpaid order: POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close.
// Closing a closed order succeeds; closing a paid one is a *ProviderError
// (ORDERPAID).
func (c *Client) Close(ctx context.Context, outTradeNo string) error {
	op := "close " + outTradeNo
	if !outTradeNoPattern.MatchString(outTradeNo) {
		return fmt.Errorf("payment %s: %w: bad out_trade_no", op, ErrInvalid)
	}
	return c.do(ctx, op, http.MethodPost, pathByOutTrade+url.PathEscape(outTradeNo)+"/close", wireMchID{MchID: c.mchID}, nil)
}

// Refund asks for a refund: POST /v3/refund/domestic/refunds. The answer's
// status is usually PROCESSING; the outcome comes as a REFUND.*
// notification (or from QueryRefund). Asking again with the same
// OutRefundNo and amounts answers the same refund.
func (c *Client) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	op := "refund " + r.OutRefundNo
	switch {
	case !outTradeNoPattern.MatchString(r.OutTradeNo):
		return Refund{}, fmt.Errorf("payment %s: %w: bad out_trade_no %q", op, ErrInvalid, r.OutTradeNo)
	case !outRefundNoPattern.MatchString(r.OutRefundNo):
		return Refund{}, fmt.Errorf("payment %s: %w: out_refund_no must be 1–64 of [0-9A-Za-z_-|*@]", op, ErrInvalid)
	case r.RefundFen <= 0 || r.TotalFen <= 0 || r.RefundFen > r.TotalFen:
		return Refund{}, fmt.Errorf("payment %s: %w: refund %d of %d fen", op, ErrInvalid, r.RefundFen, r.TotalFen)
	case utf8.RuneCountInString(r.Reason) > maxRefundReason || !utf8.ValidString(r.Reason):
		return Refund{}, fmt.Errorf("payment %s: %w: reason longer than %d characters", op, ErrInvalid, maxRefundReason)
	}
	if err := checkNotifyURL(r.NotifyURL, false); err != nil {
		return Refund{}, fmt.Errorf("payment %s: %w", op, err)
	}
	in := wireRefundRequest{
		OutTradeNo:  r.OutTradeNo,
		OutRefundNo: r.OutRefundNo,
		Reason:      r.Reason,
		NotifyURL:   r.NotifyURL,
		Amount:      wireRefundAmount{Refund: r.RefundFen, Total: r.TotalFen, Currency: currencyCNY},
	}
	var out wireRefund
	if err := c.do(ctx, op, http.MethodPost, pathRefunds, in, &out); err != nil {
		return Refund{}, err
	}
	return checkRefundAnswer(op, &out, r.OutRefundNo)
}

// QueryRefund reads a refund: GET /v3/refund/domestic/refunds/{out_refund_no}.
// A refund the provider does not know is ErrNotFound.
func (c *Client) QueryRefund(ctx context.Context, outRefundNo string) (Refund, error) {
	op := "query refund " + outRefundNo
	if !outRefundNoPattern.MatchString(outRefundNo) {
		return Refund{}, fmt.Errorf("payment %s: %w: bad out_refund_no", op, ErrInvalid)
	}
	var out wireRefund
	if err := c.do(ctx, op, http.MethodGet, pathRefunds+"/"+url.PathEscape(outRefundNo), nil, &out); err != nil {
		return Refund{}, err
	}
	return checkRefundAnswer(op, &out, outRefundNo)
}

func checkRefundAnswer(op string, out *wireRefund, outRefundNo string) (Refund, error) {
	ref, err := out.refund()
	if err == nil && out.OutRefundNo != outRefundNo {
		err = fmt.Errorf("%w: answer is about refund %q", ErrMalformed, out.OutRefundNo)
	}
	if err != nil {
		return Refund{}, fmt.Errorf("payment %s: %w", op, err)
	}
	return ref, nil
}

// do sends a signed request and checks the signed answer. A 2xx answer
// must carry a valid platform signature and decodes into out (when not
// nil); any other answer is a *ProviderError (wrapping ErrNotFound for a
// verified 404).
func (c *Client) do(ctx context.Context, op, method, pathQuery string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("payment %s: %w", op, err)
		}
	}
	ts := strconv.FormatInt(c.now().Unix(), 10)
	nonce := randomString(32)
	sig, err := sign(c.key, requestMessage(method, pathQuery, ts, nonce, body))
	if err != nil {
		return fmt.Errorf("payment %s: signing: %w", op, err)
	}
	var reqBody io.Reader = http.NoBody
	if body != nil {
		reqBody = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+pathQuery, reqBody)
	if err != nil {
		return fmt.Errorf("payment %s: %w", op, err)
	}
	req.Header.Set("Authorization", authorization(c.mchID, nonce, sig, ts, c.serial))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "kaowu-payment/1")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("payment %s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerSize+1))
	if err != nil {
		return fmt.Errorf("payment %s: reading answer: %w", op, err)
	}
	if len(data) > maxAnswerSize {
		return fmt.Errorf("payment %s: %w: answer over %d bytes", op, ErrMalformed, maxAnswerSize)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("payment %s: %w", op, c.providerError(resp, data))
	}
	if _, _, err := c.verifySigned(resp.Header, data); err != nil {
		return fmt.Errorf("payment %s: answer %d: %w", op, resp.StatusCode, err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("payment %s: %w: %v", op, ErrMalformed, err)
		}
	}
	return nil
}

// providerError turns a non-2xx answer into a *ProviderError, wrapped with
// ErrNotFound when it is a verified 404.
func (c *Client) providerError(resp *http.Response, data []byte) error {
	pe := &ProviderError{Status: resp.StatusCode}
	var we wireError
	if err := json.Unmarshal(data, &we); err == nil && we.Code != "" {
		pe.Code, pe.Message = we.Code, we.Message
	} else {
		msg := data
		if len(msg) > 200 {
			msg = msg[:200]
		}
		pe.Message = string(bytes.ToValidUTF8(msg, []byte("?")))
	}
	if hasSignature(resp.Header) {
		_, _, err := c.verifySigned(resp.Header, data)
		pe.Verified = err == nil
	}
	if pe.Verified && pe.Status == http.StatusNotFound {
		return fmt.Errorf("%w: %w", ErrNotFound, pe)
	}
	return pe
}
