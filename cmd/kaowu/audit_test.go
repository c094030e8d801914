package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

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

			s, err := store.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.SQLDB().Exec(`UPDATE audit_log SET detail = '无事发生' WHERE seq = 1`); err != nil {
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
