package payment

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Notification envelope values.
const (
	resourceTypeEncrypted = "encrypt-resource"
	algorithmAESGCM       = "AEAD_AES_256_GCM"
)

type wireNotification struct {
	ID           string        `json:"id"`
	CreateTime   string        `json:"create_time"`
	EventType    string        `json:"event_type"`
	ResourceType string        `json:"resource_type"`
	Summary      string        `json:"summary"`
	Resource     *wireResource `json:"resource"`
}

type wireResource struct {
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
	OriginalType   string `json:"original_type"`
}

// NonceStore remembers notification nonces; kaowu implements it in its
// database so every node sees every nonce. Remember records nonce, seen at
// at, and tells whether it is new; it must be atomic (two concurrent calls
// with one nonce: one fresh) and keep a nonce at least 2*MaxClockSkew.
type NonceStore interface {
	Remember(ctx context.Context, nonce string, at time.Time) (fresh bool, err error)
}

// MemoryNonces is a NonceStore in this process's memory, for tests and
// single-process demos. Its zero value is ready; it is safe for concurrent
// use. It forgets nonces 2*MaxClockSkew older than the newest at it was
// given.
type MemoryNonces struct {
	mu     sync.Mutex
	seen   map[string]time.Time
	pruned time.Time
}

// Remember implements NonceStore.
func (m *MemoryNonces) Remember(_ context.Context, nonce string, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]time.Time{}
	}
	if at.Sub(m.pruned) > time.Minute {
		for n, t := range m.seen {
			if at.Sub(t) > 2*MaxClockSkew {
				delete(m.seen, n)
			}
		}
		m.pruned = at
	}
	if _, ok := m.seen[nonce]; ok {
		return false, nil
	}
	m.seen[nonce] = at
	return true, nil
}

// ParseNotification verifies and decrypts a notification the provider
// POSTed to notify_url (h its headers, body its bytes), in WeChat Pay's
// published order: the signature (Wechatpay-Signature over
// "TIMESTAMP\nNONCE\nBODY\n") against the platform certificate named by
// Wechatpay-Serial, the timestamp within MaxClockSkew, the envelope, the
// AEAD_AES_256_GCM resource with the APIv3 key, and last the nonce, which
// nonces must not have seen. Refusals wrap ErrSignature, ErrUnknownSerial,
// ErrStale, ErrMalformed, ErrDecrypt or ErrReplay; an error of the nonce
// store is returned wrapped as is. The merchant answers 200 or 204 on
// success and anything else (e.g. 400 on a refusal, 500 on a store error)
// to have the provider retry.
func (c *Client) ParseNotification(ctx context.Context, h http.Header, body []byte, nonces NonceStore) (Notification, error) {
	n, err := c.parseNotification(ctx, h, body, nonces)
	if err != nil {
		return Notification{}, fmt.Errorf("payment notification: %w", err)
	}
	return n, nil
}

func (c *Client) parseNotification(ctx context.Context, h http.Header, body []byte, nonces NonceStore) (Notification, error) {
	if nonces == nil {
		return Notification{}, fmt.Errorf("%w: no NonceStore", ErrInvalid)
	}
	if len(body) > MaxNotificationSize {
		return Notification{}, fmt.Errorf("%w: body over %d bytes", ErrMalformed, MaxNotificationSize)
	}
	nonce, _, err := c.verifySigned(h, body)
	if err != nil {
		return Notification{}, err
	}
	n, err := c.decodeNotification(body)
	if err != nil {
		return Notification{}, err
	}
	fresh, err := nonces.Remember(ctx, nonce, c.now())
	if err != nil {
		return Notification{}, fmt.Errorf("nonce store: %w", err)
	}
	if !fresh {
		return Notification{}, fmt.Errorf("%w: nonce %q", ErrReplay, nonce)
	}
	return n, nil
}

// decodeNotification reads a notification body whose signature has been
// verified: the envelope, then the decrypted resource.
func (c *Client) decodeNotification(body []byte) (Notification, error) {
	var w wireNotification
	if err := json.Unmarshal(body, &w); err != nil {
		return Notification{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch {
	case w.ID == "" || w.EventType == "":
		return Notification{}, fmt.Errorf("%w: no id or event_type", ErrMalformed)
	case w.ResourceType != resourceTypeEncrypted:
		return Notification{}, fmt.Errorf("%w: resource_type %q", ErrMalformed, w.ResourceType)
	case w.Resource == nil:
		return Notification{}, fmt.Errorf("%w: no resource", ErrMalformed)
	case w.Resource.Algorithm != algorithmAESGCM:
		return Notification{}, fmt.Errorf("%w: algorithm %q", ErrMalformed, w.Resource.Algorithm)
	}
	n := Notification{ID: w.ID, EventType: w.EventType}
	var err error
	if n.Created, err = parseTime("create_time", w.CreateTime); err != nil {
		return Notification{}, err
	}
	plain, err := c.decrypt(w.Resource)
	if err != nil {
		return Notification{}, err
	}
	switch {
	case strings.HasPrefix(w.EventType, "TRANSACTION."):
		var t wireTransaction
		if err := json.Unmarshal(plain, &t); err != nil {
			return Notification{}, fmt.Errorf("%w: transaction resource: %v", ErrMalformed, err)
		}
		if t.MchID != c.mchID || (c.appID != "" && t.AppID != c.appID) {
			return Notification{}, fmt.Errorf("%w: transaction of merchant %q, app %q", ErrMalformed, t.MchID, t.AppID)
		}
		tx, err := t.transaction()
		if err != nil {
			return Notification{}, err
		}
		n.Transaction = &tx
	case strings.HasPrefix(w.EventType, "REFUND."):
		var r wireRefundNotice
		if err := json.Unmarshal(plain, &r); err != nil {
			return Notification{}, fmt.Errorf("%w: refund resource: %v", ErrMalformed, err)
		}
		if r.MchID != c.mchID {
			return Notification{}, fmt.Errorf("%w: refund of merchant %q", ErrMalformed, r.MchID)
		}
		if r.OutRefundNo == "" || r.RefundStatus == "" {
			return Notification{}, fmt.Errorf("%w: refund without out_refund_no or refund_status", ErrMalformed)
		}
		ref := Refund{
			OutTradeNo:  r.OutTradeNo,
			OutRefundNo: r.OutRefundNo,
			RefundID:    r.RefundID,
			Status:      r.RefundStatus,
			RefundFen:   r.Amount.Refund,
			TotalFen:    r.Amount.Total,
		}
		if ref.SuccessTime, err = parseTime("success_time", r.SuccessTime); err != nil {
			return Notification{}, err
		}
		n.Refund = &ref
	default:
		return Notification{}, fmt.Errorf("%w: unsupported event_type %q", ErrMalformed, w.EventType)
	}
	return n, nil
}

// decrypt opens an AEAD_AES_256_GCM resource: ciphertext is base64 of the
// sealed text with the 16-byte tag appended, nonce and associated_data are
// used as their bytes.
func (c *Client) decrypt(r *wireResource) ([]byte, error) {
	sealed, err := base64.StdEncoding.DecodeString(r.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("%w: ciphertext is not base64", ErrMalformed)
	}
	if len(r.Nonce) != c.aead.NonceSize() {
		return nil, fmt.Errorf("%w: nonce of %d bytes, want %d", ErrDecrypt, len(r.Nonce), c.aead.NonceSize())
	}
	if len(sealed) < c.aead.Overhead() {
		return nil, fmt.Errorf("%w: ciphertext shorter than the tag", ErrDecrypt)
	}
	plain, err := c.aead.Open(nil, []byte(r.Nonce), sealed, []byte(r.AssociatedData))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	return plain, nil
}
