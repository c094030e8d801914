package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
)

// openSQLite opens and migrates a SQLite store at path.
func openSQLite(t *testing.T, path string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBackupWhileWriting: a backup taken while a writer commits all the
// time holds every row committed before it started, is consistent
// (integrity check, and no row of a transaction without its partner), and
// restores into a database the store opens.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "kaowu.db")
	s := openSQLite(t, path)
	// Some volume, so that the copy takes a while.
	pad := make([]byte, 2000)
	err := s.Update(ctx, func(tx *store.Tx) error {
		for i := range 3000 {
			if err := tx.PutSetting(ctx, fmt.Sprintf("pad:%05d", i), string(pad)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The writer: each transaction writes a unit and its audit row; the
	// count of committed transactions is published after each commit.
	var committed atomic.Int64
	stop := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		for i := int64(0); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			err := s.Update(ctx, func(tx *store.Tx) error {
				u := kaowu.Unit{Name: fmt.Sprintf("w-%06d", i), District: "丰台区", Category: "clinic", CreatedAt: time.Now()}
				if err := tx.CreateUnit(ctx, &u); err != nil {
					return err
				}
				return tx.AppendAudit(ctx, kaowu.AuditEntry{At: time.Now(), Actor: "writer", Role: kaowu.RoleAdmin, Action: "unit.write", Object: u.Name})
			})
			if err != nil {
				writeErr = err
				return
			}
			committed.Store(i + 1)
			if i == 50 {
				close(started)
			}
		}
	})
	<-started
	before := committed.Load()
	dst := filepath.Join(dir, "backup.db")
	info, err := store.BackupSQLite(ctx, path, dst)
	during := committed.Load()
	close(stop)
	wg.Wait()
	if writeErr != nil {
		t.Fatal(writeErr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != store.MigrationVersion() || info.Bytes < 3000*2000 {
		t.Errorf("backup info %+v", info)
	}
	t.Logf("rows committed before the backup %d, by its end %d (%d while it ran), %s copied in %s", before, during, during-before, info.Path, info.Duration)

	restored := filepath.Join(dir, "restored.db")
	if _, err := store.RestoreSQLite(ctx, dst, restored, false); err != nil {
		t.Fatal(err)
	}
	r := openSQLite(t, restored)
	units, err := r.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, u := range units {
		names[u.Name] = true
	}
	for i := range before {
		if !names[fmt.Sprintf("w-%06d", i)] {
			t.Fatalf("unit w-%06d, committed before the backup started, is missing (of %d)", i, before)
		}
	}
	if int64(len(units)) > during {
		t.Errorf("the backup holds %d units, more than the %d committed when it ended", len(units), during)
	}
	// Consistent: every unit has its audit row and no audit row its unit.
	audit, _ := r.Audit(ctx, 1000000)
	writes := 0
	for _, e := range audit {
		if e.Action == "unit.write" {
			writes++
			if !names[e.Object] {
				t.Errorf("audit row of %s without its unit", e.Object)
			}
		}
	}
	if writes != len(units) {
		t.Errorf("%d units but %d audit rows: a transaction was copied in part", len(units), writes)
	}
	if v, err := r.Setting(ctx, "pad:02999"); err != nil || len(v) != 2000 {
		t.Errorf("a setting written before is missing: %v", err)
	}
}

// TestRestoreRefusals: a backup is checked before anything is replaced; an
// existing database needs force, and one in use is never replaced; the
// backup file and the target are left as they were.
func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	s := openSQLite(t, live)
	good := filepath.Join(dir, "good.db")
	if _, err := store.BackupSQLite(ctx, live, good); err != nil {
		t.Fatal(err)
	}
	if _, err := store.BackupSQLite(ctx, live, good); kaowu.ErrorCode(err) != kaowu.ECONFLICT {
		t.Errorf("a backup over an existing file: %v", err)
	}
	if _, err := store.BackupSQLite(ctx, filepath.Join(dir, "none.db"), filepath.Join(dir, "x.db")); kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		t.Errorf("a backup of a missing database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("backing up a missing database created it")
	}

	// A backup of a newer kaowu.
	newer := filepath.Join(dir, "newer.db")
	if _, err := store.BackupSQLite(ctx, live, newer); err != nil {
		t.Fatal(err)
	}
	n := openSQLite(t, newer)
	if err := n.Update(ctx, func(tx *store.Tx) error { return tx.PutSetting(ctx, "x", "y") }); err != nil {
		t.Fatal(err)
	}
	n.Close()
	bumpMigration(t, newer, store.MigrationVersion()+1)
	// A damaged file and something else.
	damaged := filepath.Join(dir, "damaged.db")
	b, _ := os.ReadFile(good)
	for i := 4096 * 3; i < len(b) && i < 4096*6; i++ {
		b[i] = 0xA5
	}
	os.WriteFile(damaged, b, 0o600)
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a database"), 0o600)

	target := filepath.Join(dir, "target.db")
	for _, c := range []struct {
		name, src string
		code      string
		want      string
	}{
		{"newer", newer, kaowu.ECONFLICT, "比本程序"},
		{"damaged", damaged, kaowu.EINVALID, ""},
		{"not a database", text, kaowu.EINVALID, "不是可读取的 SQLite 数据库"},
	} {
		_, err := store.RestoreSQLite(ctx, c.src, target, false)
		if kaowu.ErrorCode(err) != c.code || !containsMsg(err, c.want) {
			t.Errorf("%s: %v, want %s %q", c.name, err, c.code, c.want)
		}
		if _, err := os.Stat(target); err == nil {
			t.Errorf("%s: the refused restore created the target", c.name)
		}
	}

	// An existing database needs force; one in use (the live store is
	// open) is refused even with it.
	if _, err := store.RestoreSQLite(ctx, good, live, false); kaowu.ErrorCode(err) != kaowu.ECONFLICT || !containsMsg(err, "--force") {
		t.Errorf("without force: %v", err)
	}
	_, err := store.RestoreSQLite(ctx, good, live, true)
	if !errors.Is(err, store.ErrInUse) || !containsMsg(err, "正在使用中") {
		t.Errorf("in use: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("the live database after a refused restore: %v", err)
	}
	s.Close()
	if _, err := store.RestoreSQLite(ctx, good, live, true); err != nil {
		t.Errorf("with force, once closed: %v", err)
	}
}

func containsMsg(err error, s string) bool {
	return err != nil && strings.Contains(kaowu.ErrorMessage(err), s)
}

// bumpMigration records migration v as applied in the database at path,
// as a newer kaowu would.
func bumpMigration(t *testing.T, path string, v int64) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SQLDB().ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, TRUE)`, v); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkBackupSQLite measures kaowu backup of a SQLite database of about
// 64 MB (photos), and its restore into a new file; it reports MB/s.
func BenchmarkBackupSQLite(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	path := filepath.Join(dir, "kaowu.db")
	s, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	blob := make([]byte, 16<<10)
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	err = s.Update(ctx, func(tx *store.Tx) error {
		for i := range 4096 {
			a := kaowu.Account{User: kaowu.User{Username: fmt.Sprintf("b%05d", i), Name: "考生", Role: kaowu.RoleCandidate, PasswordHash: "x", CreatedAt: time.Now()}}
			if err := tx.CreateAccount(ctx, &a); err != nil {
				return err
			}
			if err := tx.PutPhoto(ctx, a.ID, blob, 295, 413, time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	var backup, restore time.Duration
	for i := 0; b.Loop(); i++ {
		dst := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		info, err := store.BackupSQLite(ctx, path, dst)
		if err != nil {
			b.Fatal(err)
		}
		r, err := store.RestoreSQLite(ctx, dst, filepath.Join(dir, fmt.Sprintf("restored-%d.db", i)), false)
		if err != nil {
			b.Fatal(err)
		}
		bytes += info.Bytes
		backup += info.Duration
		restore += r.Duration
	}
	b.ReportMetric(float64(bytes)/(1<<20)/backup.Seconds(), "backup-MB/s")
	b.ReportMetric(float64(bytes)/(1<<20)/restore.Seconds(), "restore-MB/s")
	b.ReportMetric(float64(bytes)/float64(b.N)/(1<<20), "MB")
}
