package app

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"kaowu/internal/auth"
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
