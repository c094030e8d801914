package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// TestAuditCommand seals and verifies the audit chain from the command
// line, then breaks it by SQL: verify names the break and exits 1.
func TestAuditCommand(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "k.db")
			if engine == "postgres" {
				db = storetest.PostgresURL(t)
			}
			if code, _, errOut := cli(t, "user", "add", "--role", "region_staff", "--username", "region1", "--name", "考区", "--db", db); code != 0 {
				t.Fatal(errOut)
			}
			code, out, errOut := cli(t, "audit", "verify", "--db", db)
			if code != 0 || !strings.Contains(out, "已核对 0 条") || !strings.Contains(out, "尚未加封") || !strings.Contains(out, "审计链完好") {
				t.Fatalf("verify before sealing = %d\n%s%s", code, out, errOut)
			}
			code, out, errOut = cli(t, "audit", "seal", "--db", db)
			if code != 0 || !strings.Contains(out, "已加封") {
				t.Fatalf("seal = %d\n%s%s", code, out, errOut)
			}
			code, out, errOut = cli(t, "audit", "verify", "--db", db)
			if code != 0 || !strings.Contains(out, "尚未加封 0 条") || !strings.Contains(out, "审计链完好") || strings.Contains(out, "已核对 0 条") {
				t.Fatalf("verify = %d\n%s%s", code, out, errOut)
			}

			head := strings.TrimPrefix(line(out, "链头："), "链头：")
			head, _, _ = strings.Cut(head, "（")
			if code, out, errOut := cli(t, "audit", "verify", "--anchor", head, "--db", db); code != 0 || !strings.Contains(out, "锚点相符") {
				t.Fatalf("verify --anchor %s = %d\n%s%s", head, code, out, errOut)
			}

			// Whoever rewrites the first entry and recomputes the whole
			// chain and its head passes a plain verify, not the anchor.
			s, err := store.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			rechain(t, s, `无事发生`)
			if code, out, errOut := cli(t, "audit", "verify", "--db", db); code != 0 {
				t.Errorf("plain verify of a recomputed chain = %d\n%s%s", code, out, errOut)
			}
			if code, _, errOut := cli(t, "audit", "verify", "--anchor", head, "--db", db); code != 1 || !strings.Contains(errOut, "锚点核对失败") {
				t.Errorf("verify --anchor of a recomputed chain = %d %s", code, errOut)
			}
			if code, _, errOut := cli(t, "audit", "verify", "--anchor", "12:xyz", "--db", db); code != 1 || !strings.Contains(errOut, "--anchor \"12:xyz\" 无效") {
				t.Errorf("bad anchor = %d %s", code, errOut)
			}

			// Changed by SQL without recomputing: found, exit 1.
			if _, err := s.SQLDB().Exec(`UPDATE audit_log SET detail = '什么也没做' WHERE seq = 1`); err != nil {
				t.Fatal(err)
			}
			s.Close()
			code, out, errOut = cli(t, "audit", "verify", "--db", db)
			if code != 1 || !strings.Contains(errOut, "审计链在第 1 条处断开（内容被修改）") || !strings.Contains(out, "已核对 0 条") {
				t.Errorf("verify after tampering = %d\n%s%s", code, out, errOut)
			}
		})
	}

	if code, out, _ := cli(t, "audit", "-h"); code != 0 || !strings.Contains(out, "kaowu audit verify") || !strings.Contains(out, "kaowu audit seal") {
		t.Errorf("help = %d %s", code, out)
	}
	if code, _, errOut := cli(t, "audit", "repair"); code != 1 || !strings.Contains(errOut, "未知的子命令") {
		t.Errorf("unknown subcommand = %d %s", code, errOut)
	}
}

// rechain rewrites the first entry's detail and recomputes every hash and
// the head, as someone who knows the algorithm and can write the database
// would.
func rechain(t *testing.T, s *store.Store, detail string) {
	t.Helper()
	db := s.SQLDB()
	if _, err := db.Exec(`UPDATE audit_log SET detail = $1 WHERE seq = 1`, detail); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT id, at, actor, role, action, object, detail, before_state, after_state, seq FROM audit_log WHERE seq IS NOT NULL ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	type sealed struct {
		seq        int64
		id         string
		prev, hash []byte
	}
	var all []sealed
	var prev []byte
	for rows.Next() {
		var e kaowu.AuditEntry
		var seq int64
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Role, &e.Action, &e.Object, &e.Detail, &e.Before, &e.After, &seq); err != nil {
			t.Fatal(err)
		}
		h := kaowu.AuditChainHash(prev, seq, e)
		p := prev
		if p == nil {
			p = make([]byte, kaowu.AuditHashSize)
		}
		all = append(all, sealed{seq, e.ID, p, h})
		prev = h
	}
	rows.Close()
	for _, x := range all {
		if _, err := db.Exec(`UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3`, x.prev, x.hash, x.id); err != nil {
			t.Fatal(err)
		}
	}
	last := all[len(all)-1]
	if _, err := db.Exec(`UPDATE settings SET value = $1 WHERE key = 'audit.head'`, fmt.Sprintf("%d:%x", last.seq, last.hash)); err != nil {
		t.Fatal(err)
	}
}
