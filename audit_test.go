package kaowu

import (
	"encoding/hex"
	"testing"
	"time"
)

// auditExample is the worked example of docs/audit.md: the hash below is
// printed there, and the Python there computes it too.
var auditExample = AuditEntry{
	ID:     "018c3a1e-5b40-7000-8000-000000000001",
	At:     time.Date(2023, 12, 5, 10, 0, 0, 123456000, Shanghai),
	Actor:  "fengtai01",
	Role:   RoleSiteStaff,
	Action: "application.confirm",
	Object: "018c3a1e-5b40-7000-8000-0000000000aa",
	Detail: "确认王芳第1版（368 护理学）",
}

const (
	auditExampleHash1 = "004bfd09658adaf6522d34ca7ec92cd0c664ce5c54e430fe2c247d0bda02c22f"
	auditExampleHash2 = "de064b8828a534fd805339520362f35239a12ce896081297428fc48d34841f0a"
)

func TestAuditChainHash(t *testing.T) {
	h1 := AuditChainHash(nil, 1, auditExample)
	if got := hex.EncodeToString(h1); got != auditExampleHash1 {
		t.Errorf("seq 1: %s, want %s (docs/audit.md)", got, auditExampleHash1)
	}
	if zero := AuditChainHash(make([]byte, AuditHashSize), 1, auditExample); string(zero) != string(h1) {
		t.Error("nil and 32 zero bytes are not the same start of the chain")
	}
	next := auditExample
	next.ID, next.Detail, next.Before, next.After = "018c3a1e-5b40-7000-8000-000000000002", "保存基本信息", `{"post":"护理"}`, `{"post":"护理部"}`
	h2 := AuditChainHash(h1, 2, next)
	if got := hex.EncodeToString(h2); got != auditExampleHash2 {
		t.Errorf("seq 2: %s, want %s (docs/audit.md)", got, auditExampleHash2)
	}
	// Every field counts, the instant to the nanosecond, and the lengths
	// keep fields apart.
	for name, change := range map[string]func(e *AuditEntry){
		"id":      func(e *AuditEntry) { e.ID += "x" },
		"at":      func(e *AuditEntry) { e.At = e.At.Add(time.Nanosecond) },
		"actor":   func(e *AuditEntry) { e.Actor = "fengtai02" },
		"role":    func(e *AuditEntry) { e.Role = RoleAdmin },
		"action":  func(e *AuditEntry) { e.Action = "application.return" },
		"object":  func(e *AuditEntry) { e.Object = "x" },
		"detail":  func(e *AuditEntry) { e.Detail += " " },
		"before":  func(e *AuditEntry) { e.Before = "{}" },
		"after":   func(e *AuditEntry) { e.After = "{}" },
		"shifted": func(e *AuditEntry) { e.Actor, e.Role = "fengtai01site", "_staff" },
	} {
		e := auditExample
		change(&e)
		if string(AuditChainHash(nil, 1, e)) == string(h1) {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
	if string(AuditChainHash(nil, 2, auditExample)) == string(h1) {
		t.Error("the seq is not hashed")
	}
	if string(AuditChainHash(h1, 1, auditExample)) == string(h1) {
		t.Error("the previous hash is not hashed")
	}
	// The same instant in another zone is the same entry.
	utc := auditExample
	utc.At = utc.At.UTC()
	if string(AuditChainHash(nil, 1, utc)) != string(h1) {
		t.Error("the zone of the instant changes the hash")
	}
}

// BenchmarkAuditChainHash hashes one entry of a typical size: verify pays
// it once per entry, and the search for a moved entry's position once per
// position.
func BenchmarkAuditChainHash(b *testing.B) {
	prev := make([]byte, AuditHashSize)
	for i := int64(1); b.Loop(); i++ {
		prev = AuditChainHash(prev, i, auditExample)
	}
}
