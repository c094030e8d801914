package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"kaowu"
)

// EmailChannel is the email channel's name.
const EmailChannel = "email"

// Email sends reminders as plain-text UTF-8 mail over SMTP.
type Email struct {
	// Addr is the SMTP server, host:port.
	Addr string
	// From is the sender, e.g. "丰台考点 <kaowu@example.org>".
	From *mail.Address
	// Lookup returns the user's email address on file, false when there is
	// none (accounts need not have one).
	Lookup func(ctx context.Context, userID string) (email string, ok bool)
	// Username and Password, when set, authenticate with AUTH PLAIN, which
	// net/smtp allows only over TLS (STARTTLS) or to localhost.
	Username, Password string
	// LinkBase is the site's public address, joined to relative links.
	LinkBase string
	// HelloName is the name given in EHLO; "localhost" when empty.
	HelloName string
	// Timeout bounds one delivery when the context has no deadline sooner;
	// 30 s when zero.
	Timeout time.Duration
	// TLS configures STARTTLS, used when the server offers it; nil verifies
	// the server's certificate for the host in Addr.
	TLS *tls.Config
	// Now stamps the Date header; time.Now when nil.
	Now func() time.Time
}

// NewEmail returns the email channel for the server at addr sending as from
// ("名称 <address>" or a bare address).
func NewEmail(addr, from string, lookup func(ctx context.Context, userID string) (string, bool)) (*Email, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("--smtp-addr %q: want host:port: %w", addr, err)
	}
	f, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("--smtp-from %q: %w", from, err)
	}
	if lookup == nil {
		return nil, errors.New("email channel: no address lookup")
	}
	return &Email{Addr: addr, From: f, Lookup: lookup}, nil
}

// Name implements Channel.
func (*Email) Name() string { return EmailChannel }

// Deliver implements Channel. It returns nil as soon as the server has
// accepted the message (the reply to the end of DATA); a failure of the
// QUIT that follows does not turn an accepted message into a retry.
func (e *Email) Deliver(ctx context.Context, r kaowu.Reminder) error {
	addr, ok := e.Lookup(ctx, r.UserID)
	if !ok || strings.TrimSpace(addr) == "" {
		return fmt.Errorf("email: %w", ErrNoAddress)
	}
	to, err := mail.ParseAddress(addr)
	if err != nil {
		return Permanent(fmt.Errorf("email address on file %q: %w", addr, err))
	}
	msg, err := e.Message(r, to)
	if err != nil {
		return Permanent(err)
	}
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", e.Addr)
	if err != nil {
		return fmt.Errorf("email: dial %s: %w", e.Addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	host, _, _ := net.SplitHostPort(e.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return smtpError("greeting", err)
	}
	defer c.Close()
	hello := e.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return smtpError("EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := e.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return smtpError("STARTTLS", err)
		}
	}
	if e.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.Username, e.Password, host)); err != nil {
			return smtpError("AUTH", err)
		}
	}
	if err := c.Mail(e.From.Address); err != nil {
		return smtpError("MAIL FROM", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return smtpError("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpError("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpError("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpError("end of DATA", err)
	}
	// Accepted. From here on, nothing may report a failure.
	_ = c.Quit()
	return nil
}

// smtpError makes a 5xx reply permanent; anything else (4xx, I/O) is worth
// retrying.
func smtpError(step string, err error) error {
	err = fmt.Errorf("email: %s: %w", step, err)
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return Permanent(err)
	}
	return err
}

// MessageID is the Message-ID of reminder r's mail: the same on every
// attempt, so a receiving system that drops duplicate Message-IDs keeps one
// copy of a mail sent twice.
func (e *Email) MessageID(r kaowu.Reminder) string {
	domain := "kaowu.invalid"
	if i := strings.LastIndexByte(e.From.Address, '@'); i >= 0 && i+1 < len(e.From.Address) {
		domain = e.From.Address[i+1:]
	}
	return "<reminder." + r.ID + "@" + domain + ">"
}

// Message returns the RFC 5322 message for r to to: plain text in UTF-8
// (base64), the Chinese subject and display names encoded per RFC 2047.
func (e *Email) Message(r kaowu.Reminder, to *mail.Address) ([]byte, error) {
	for _, s := range []string{r.Title, to.Address, e.From.Address} {
		if strings.ContainsAny(s, "\r\n") {
			return nil, fmt.Errorf("email: line break in header value %q", s)
		}
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", address(e.From))
	header("To", address(to))
	header("Subject", encodeWords(r.Title))
	header("Date", now().In(kaowu.Shanghai).Format(time.RFC1123Z))
	header("Message-ID", e.MessageID(r))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	header("X-Kaowu-Reminder", r.ID)
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	body := base64.StdEncoding.EncodeToString([]byte(e.Text(r)))
	for len(body) > 76 {
		b.WriteString(body[:76] + "\r\n")
		body = body[76:]
	}
	b.WriteString(body + "\r\n")
	return b.Bytes(), nil
}

// Text is the body of r's mail.
func (e *Email) Text(r kaowu.Reminder) string {
	var t strings.Builder
	t.WriteString(strings.TrimSpace(r.Body))
	t.WriteString("\r\n")
	if l := Link(e.LinkBase, r.Link); l != "" {
		t.WriteString("\r\n查看详情：" + l + "\r\n")
	}
	t.WriteString("\r\n提醒时间：" + r.CreatedAt.In(kaowu.Shanghai).Format("2006-01-02 15:04") + "（北京时间）\r\n")
	t.WriteString("此邮件由系统自动发送，请勿直接回复。\r\n")
	return t.String()
}

// encodeWords encodes s per RFC 2047 when it is not plain ASCII: base64
// encoded-words of at most 36 bytes of UTF-8 (60 characters each, whole
// characters only), one per folded line, so that no line passes 78.
func encodeWords(s string) string {
	ascii := true
	for _, c := range s {
		if c < 0x20 || c > 0x7e {
			ascii = false
			break
		}
	}
	if ascii && !strings.Contains(s, "=?") {
		return s
	}
	var words []string
	var chunk []byte
	flush := func() {
		if len(chunk) > 0 {
			words = append(words, mime.BEncoding.Encode("UTF-8", string(chunk)))
			chunk = chunk[:0]
		}
	}
	for _, c := range s {
		if len(chunk)+utf8.RuneLen(c) > 36 {
			flush()
		}
		chunk = utf8.AppendRune(chunk, c)
	}
	flush()
	return strings.Join(words, "\r\n ")
}

// address formats a as a header value, its display name encoded by
// encodeWords.
func address(a *mail.Address) string {
	if a.Name == "" {
		return "<" + a.Address + ">"
	}
	name := encodeWords(a.Name)
	if name == a.Name {
		return a.String()
	}
	return name + "\r\n <" + a.Address + ">"
}
