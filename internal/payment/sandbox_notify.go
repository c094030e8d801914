package payment

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// enqueueLocked encrypts resource into a notification and queues its
// delivery to url (1 + Duplicates times), due now.
func (s *Sandbox) enqueueLocked(event, summary, originalType string, resource any, url, outTradeNo, outRefundNo string) {
	plain, err := json.Marshal(resource)
	if err != nil {
		panic(err) // the wire types always marshal
	}
	now := s.now()
	body := s.sealNotification(notificationID(), now, event, summary, originalType, plain)
	var env wireNotification
	_ = json.Unmarshal(body, &env)
	for range 1 + s.duplicates {
		s.seq++
		s.queue = append(s.queue, &delivery{
			seq: s.seq, id: env.ID, event: event, url: url, body: body,
			outTradeNo: outTradeNo, outRefundNo: outRefundNo, due: now,
		})
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// sealNotification builds a notification body: plain encrypted with
// AEAD_AES_256_GCM under the APIv3 key (a 12-character nonce, the tag
// appended to the ciphertext, originalType as associated data).
func (s *Sandbox) sealNotification(id string, created time.Time, event, summary, originalType string, plain []byte) []byte {
	nonce := randomString(12)
	sealed := s.aead.Seal(nil, []byte(nonce), plain, []byte(originalType))
	body, err := json.Marshal(wireNotification{
		ID: id, CreateTime: formatTime(created), EventType: event,
		ResourceType: resourceTypeEncrypted, Summary: summary,
		Resource: &wireResource{
			Algorithm:      algorithmAESGCM,
			Ciphertext:     base64.StdEncoding.EncodeToString(sealed),
			AssociatedData: originalType,
			Nonce:          nonce,
			OriginalType:   originalType,
		},
	})
	if err != nil {
		panic(err)
	}
	return body
}

// notificationID makes a UUID-shaped notification id.
func notificationID() string {
	h := []byte(randomFrom("0123456789abcdef", 32))
	h[12] = '4'
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// DeliverPending delivers, synchronously and one after another, every
// queued notification due by the sandbox's clock (in random order with
// Shuffle). A delivery succeeds when the merchant answers 200 or 204;
// otherwise it is due again after the next wait of the retry schedule, or
// given up after the last. It returns how many attempts succeeded and
// failed. Tests call it instead of running Run and sleeping.
func (s *Sandbox) DeliverPending(ctx context.Context) (delivered, failed int) {
	s.deliverMu.Lock()
	defer s.deliverMu.Unlock()
	s.mu.Lock()
	now := s.now()
	var due, rest []*delivery
	for _, d := range s.queue {
		if d.due.After(now) {
			rest = append(rest, d)
		} else {
			due = append(due, d)
		}
	}
	s.queue = rest
	slices.SortFunc(due, func(a, b *delivery) int { return cmp.Or(a.due.Compare(b.due), cmp.Compare(a.seq, b.seq)) })
	if s.shuffle {
		s.rng.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
	}
	s.mu.Unlock()

	for i, d := range due {
		if ctx.Err() != nil {
			s.mu.Lock()
			s.queue = append(s.queue, due[i:]...)
			s.mu.Unlock()
			break
		}
		status, err := s.post(ctx, d)
		s.mu.Lock()
		d.attempts++
		e := LedgerEntry{Kind: LedgerNotify, OutTradeNo: d.outTradeNo, OutRefundNo: d.outRefundNo,
			NotificationID: d.id, EventType: d.event, Attempt: d.attempts, HTTPStatus: status}
		if err != nil {
			e.Error = err.Error()
		}
		s.recordLocked(e)
		if err == nil && (status == http.StatusOK || status == http.StatusNoContent) {
			delivered++
		} else {
			failed++
			if d.attempts > len(s.retry) {
				e.Kind, e.HTTPStatus, e.Error = LedgerNotifyGiveUp, 0, ""
				s.recordLocked(e)
			} else {
				d.due = s.now().Add(s.retry[d.attempts-1])
				s.queue = append(s.queue, d)
			}
		}
		s.mu.Unlock()
	}
	return delivered, failed
}

// post sends one delivery, signed afresh (new timestamp and nonce), and
// returns the merchant's status.
func (s *Sandbox) post(ctx context.Context, d *delivery) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Mozilla/4.0 (WeChat Pay sandbox)")
	req.Header.Set("Request-ID", randomString(32))
	s.signHeaders(d.body).set(req.Header)
	resp, err := s.httpClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Pending is the number of notification deliveries queued (due or not).
func (s *Sandbox) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Run delivers notifications in the background until ctx is done, which
// it returns: at once when queued (with Shuffle, in batches once a
// second), and retries when due by the sandbox's clock (checked at least
// once a second, so an offset or jumping clock works).
func (s *Sandbox) Run(ctx context.Context) error {
	wake := s.wake
	if s.shuffle {
		wake = nil // batch, so that there is something to shuffle
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		s.DeliverPending(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		timer.Reset(s.nextWait())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-timer.C:
		}
	}
}

// nextWait is how long Run may sleep: until the next delivery is due,
// between 10 ms and 1 s.
func (s *Sandbox) nextWait() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	wait := time.Second
	if s.shuffle {
		return wait
	}
	now := s.now()
	for _, d := range s.queue {
		wait = min(wait, d.due.Sub(now))
	}
	return max(wait, 10*time.Millisecond)
}
