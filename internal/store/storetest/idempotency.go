package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
)

// testIdempotencyKeys: a key's first claim runs, a second waits (409) until
// the answer is kept, then gets the answer; another request under the same
// key is refused; a released, abandoned or expired claim runs again; keys
// are per actor.
func testIdempotencyKeys(t *testing.T, s *store.Store) {
	ctx := context.Background()
	claim := func(actor, key, req string, at time.Time) (*store.StoredAnswer, error) {
		t.Helper()
		return s.ClaimIdempotencyKey(ctx, actor, key, req, at)
	}
	mustRun := func(actor, key, req string, at time.Time) {
		t.Helper()
		if a, err := claim(actor, key, req, at); err != nil || a != nil {
			t.Fatalf("claim %s/%s at %s = %v, %v; want to run", actor, key, at, a, err)
		}
	}
	mustRun("a", "k1", "POST /x h1", t0)
	if _, err := claim("a", "k1", "POST /x h1", t0.Add(time.Second)); code(err) != kaowu.ECONFLICT {
		t.Fatalf("in flight: %v, want conflict", err)
	}
	mustRun("b", "k1", "POST /x h1", t0) // another actor's key of the same name
	body := []byte("%PDF-1.7\x00\xff binary")
	if err := s.CompleteIdempotencyKey(ctx, "a", "k1", store.StoredAnswer{Status: 201, Location: "/me", ContentType: "application/pdf", Body: body}); err != nil {
		t.Fatal(err)
	}
	a, err := claim("a", "k1", "POST /x h1", t0.Add(time.Hour))
	if err != nil || a == nil || a.Status != 201 || a.Location != "/me" || a.ContentType != "application/pdf" || !bytes.Equal(a.Body, body) {
		t.Fatalf("replay = %+v, %v", a, err)
	}
	if _, err := claim("a", "k1", "POST /x h2", t0.Add(time.Hour)); code(err) != kaowu.ECONFLICT {
		t.Fatalf("another request under the key: %v, want conflict", err)
	}
	mustRun("a", "k1", "POST /x h2", t0.Add(store.IdempotencyTTL+time.Second)) // expired

	if err := s.ReleaseIdempotencyKey(ctx, "b", "k1"); err != nil {
		t.Fatal(err)
	}
	mustRun("b", "k1", "POST /x h1", t0.Add(time.Minute)) // released after a server error
	if _, err := claim("b", "k1", "POST /x h1", t0.Add(2*time.Minute)); code(err) != kaowu.ECONFLICT {
		t.Fatalf("in flight again: %v", err)
	}
	mustRun("b", "k1", "POST /x h1", t0.Add(time.Minute+store.IdempotencyAbandoned+time.Second)) // abandoned

	mustRun("c", "old", "POST /y h", t0.Add(-store.IdempotencyTTL-time.Minute))
	n, err := s.PurgeIdempotencyKeys(ctx, t0)
	if err != nil || n != 1 {
		t.Fatalf("purge = %d, %v; want 1", n, err)
	}
}
