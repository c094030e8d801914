package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"kaowu/internal/auth"
	"kaowu/internal/store"
)

// UseFastHashes replaces argon2id by a salted SHA-256 for the rest of the
// test: for tests about accounts and constraints, not about hashing, that
// create many accounts (argon2id under -race costs ~0.3 s a hash). Hashes
// made by argon2id (the demo's) still verify.
func UseFastHashes(t testing.TB) {
	h, v, d := hashSecret, verifySecret, dummyHash
	t.Cleanup(func() { hashSecret, verifySecret, dummyHash = h, v, d })
	hashSecret = func(s string) (string, error) {
		sum := sha256.Sum256([]byte("test-salt:" + s))
		return "$fast$" + hex.EncodeToString(sum[:]), nil
	}
	verifySecret = func(hash, s string) bool {
		if strings.HasPrefix(hash, "$fast$") {
			sum := sha256.Sum256([]byte("test-salt:" + s))
			return hash == "$fast$"+hex.EncodeToString(sum[:])
		}
		return auth.Verify(hash, s)
	}
	dummyHash, _ = hashSecret("dummy")
}

// TicketQRPayload returns the signed QR payload of an application's
// ticket, as its PDF prints it.
func (a *App) TicketQRPayload(ctx context.Context, applicationID string) (string, error) {
	ap, err := a.Store.Application(ctx, applicationID)
	if err != nil {
		return "", err
	}
	y, err := a.Year(ctx, ap.Year)
	if err != nil {
		return "", err
	}
	ps, err := a.Store.TicketPrints(ctx, store.TicketFilter{Year: ap.Year, Site: ap.Site, ApplicationID: applicationID})
	if err != nil || len(ps) != 1 {
		return "", fmt.Errorf("ticket print of %s: %d, %v", applicationID, len(ps), err)
	}
	return a.ticketQR(ctx, y, ps[0])
}

// ScoreQRPayload returns the signed QR payload of a score report.
func (a *App) ScoreQRPayload(ctx context.Context, ans ScoreAnswer) (string, error) {
	return a.scoreQR(ctx, ans)
}

// StateChangesOf exposes stateChanges to the tests.
var StateChangesOf = stateChanges

// WaitScoreWarm waits for the warm-ups of the score cache that look-ups
// started (ScoreWarmAhead) to end.
func (a *App) WaitScoreWarm() { a.scoreCache.warming.Wait() }

// SetScoreSlice makes the score import read, decide and write n rows at a
// time for the rest of the test.
func SetScoreSlice(t testing.TB, n int) {
	old := scoreSlice
	t.Cleanup(func() { scoreSlice = old })
	scoreSlice = n
}
