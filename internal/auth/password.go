// Package auth hashes and verifies passwords with argon2id.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Parameters of argon2id: 19 MiB, 2 passes, 1 lane — the OWASP minimum for
// argon2id, about 40 ms per verification on this class of machine.
const (
	memoryKiB = 19 * 1024
	passes    = 2
	lanes     = 1
	keyLen    = 32
	saltLen   = 16
)

// sem bounds concurrent hashes so that a burst of logins cannot exhaust
// memory (each hash holds 19 MiB).
var sem = make(chan struct{}, 4)

// Hash returns the PHC-format argon2id hash of password.
func Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash: %w", err)
	}
	key := derive(password, salt, memoryKiB, passes, lanes)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, passes, lanes,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches hash.
func Verify(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || m > 256*1024 || t > 10 || p == 0 {
		return false
	}
	got := derive(password, salt, m, t, p, len(want))
	return subtle.ConstantTimeCompare(got, want) == 1
}

func derive(password string, salt []byte, m, t uint32, p uint8, n ...int) []byte {
	l := keyLen
	if len(n) > 0 {
		l = n[0]
	}
	sem <- struct{}{}
	defer func() { <-sem }()
	return argon2.IDKey([]byte(password), salt, t, m, p, uint32(l))
}
