package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"kaowu"
	"kaowu/internal/store"
)

// Idempotency-Key: a client that may send a POST twice (a retry
// after a timeout, a double tap) sends the same key with both. The first
// runs; while it is in flight the second is refused with 409; once it has
// answered, the second gets the same answer again (with the header
// Idempotent-Replayed: true) for 24 hours, and nothing runs twice. A key
// belongs to the logged-in account (or, before login, to the client's
// address) and to one request: the same key with another method, path or
// body is refused with 409. An answer of 5xx is not kept, so a retry after
// a server error runs again.
const (
	idempotencyHeader = "Idempotency-Key"
	replayedHeader    = "Idempotent-Replayed"
	// maxIdempotentBody bounds the request body read to fingerprint the
	// request: the largest upload any POST takes (a military roster).
	maxIdempotentBody = maxRosterUpload + 1<<20
	// maxStoredAnswer is the largest answer kept; a larger one is not kept
	// and its key is released.
	maxStoredAnswer = 1 << 20
)

// idempotent applies Idempotency-Key to every POST that carries one. It runs
// inside the session middleware, which gives it the account.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(idempotencyHeader)
		if r.Method != http.MethodPost || key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !validIdempotencyKey(key) {
			s.fail(w, r, kaowu.Errorf(kaowu.EINVALID, "Idempotency-Key 应为 1 至 255 个可见的 ASCII 字符（建议使用 UUID）"))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxIdempotentBody))
		if err != nil {
			s.fail(w, r, kaowu.Errorf(kaowu.EINVALID, "请求内容无法读取或过大（不超过 %d MB）", maxIdempotentBody>>20))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(body)
		request := r.Method + " " + r.URL.RequestURI() + " " + hex.EncodeToString(sum[:])
		actor := "ip:" + clientIP(r)
		if acc := accountFrom(r.Context()); acc != nil {
			actor = "account:" + acc.ID
		}
		// The claim and its answer outlive a client that hangs up: the
		// request runs on, and its retry must find the answer.
		ctx := context.WithoutCancel(r.Context())
		stored, err := s.App.Store.ClaimIdempotencyKey(ctx, actor, key, request, s.App.Clock.Now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if stored != nil {
			h := w.Header()
			h.Set(replayedHeader, "true")
			if stored.ContentType != "" {
				h.Set("Content-Type", stored.ContentType)
			}
			if stored.Location != "" {
				h.Set("Location", stored.Location)
			}
			w.WriteHeader(stored.Status)
			w.Write(stored.Body)
			return
		}
		rec := &answerRecorder{ResponseWriter: w}
		kept := false
		defer func() {
			if !kept { // a server error, an answer too large, or a panic
				if err := s.App.Store.ReleaseIdempotencyKey(ctx, actor, key); err != nil {
					s.Log.Error("idempotency: release", "request_id", requestID(r.Context()), "err", err)
				}
			}
		}()
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if rec.status >= 500 || rec.overflow {
			return
		}
		err = s.App.Store.CompleteIdempotencyKey(ctx, actor, key, store.StoredAnswer{Status: rec.status,
			Location: w.Header().Get("Location"), ContentType: w.Header().Get("Content-Type"), Body: rec.body.Bytes()})
		if err != nil {
			s.Log.Error("idempotency: keep answer", "request_id", requestID(r.Context()), "err", err)
			return
		}
		kept = true
	})
}

// validIdempotencyKey reports whether key is 1–255 visible ASCII characters.
func validIdempotencyKey(key string) bool {
	if len(key) > 255 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return key != ""
}

// answerRecorder passes an answer through and keeps a copy of it, up to
// maxStoredAnswer bytes.
type answerRecorder struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	overflow bool
}

func (w *answerRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *answerRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.overflow {
		if w.body.Len()+len(b) > maxStoredAnswer {
			w.overflow = true
			w.body = bytes.Buffer{}
		} else {
			w.body.Write(b)
		}
	}
	return w.ResponseWriter.Write(b)
}

func (w *answerRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
