package main

import (
	"archive/zip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// residentNo returns a valid resident ID number for serial n.
func residentNo(n int) string {
	s := fmt.Sprintf("1101061990%02d%02d%03d", n%12+1, n%28+1, n%1000)
	return s + string(kaowu.GBCheckChar(s))
}

const backupPW = "Kaowu@2024x"

// backupName is candidate n's name: letters only, as names must be.
func backupName(n int) string {
	digits := []rune("零一二三四五六七八九")
	name := "备份考生"
	for _, d := range fmt.Sprint(n) {
		name += string(digits[d-'0'])
	}
	return name
}

// registerOver registers candidate n through the running server's API and
// reports whether the server acknowledged it (201).
func registerOver(base string, n int) (bool, error) {
	body, _ := json.Marshal(map[string]string{"id_type": "resident_id", "id_number": residentNo(n), "name": backupName(n),
		"username": fmt.Sprintf("bk%05d", n), "password": backupPW, "password_confirm": backupPW, "mobile": "13912345678",
		"recovery_question": "我的出生城市？", "recovery_answer": "北京"})
	resp, err := http.Post(base+"/api/v1/accounts", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return false, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusConflict {
		return false, fmt.Errorf("register %d: %d %s", n, resp.StatusCode, b)
	}
	return resp.StatusCode == http.StatusCreated, nil
}

// TestBackupRestoreSQLite: `kaowu backup` while serve runs and candidates
// register; the backup holds every registration acknowledged before it
// started; restore refuses to replace a database without --force or in
// use, restores into a new one, and serve runs on it: /healthz answers and
// a candidate registered before the backup logs in.
func TestBackupRestoreSQLite(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "kaowu.db")
	base, _, stop := startServe(t, "--db", db) // stopped below (its cleanup only cancels it)
	var acked []int
	for n := range 3 {
		ok, err := registerOver(base, n)
		if err != nil || !ok {
			stop()
			t.Fatalf("register %d: %v %v", n, ok, err)
		}
		acked = append(acked, n)
	}
	// Registrations go on while the backup runs.
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for n := 100 + w; ; n += 2 {
				select {
				case <-done:
					return
				default:
				}
				if ok, err := registerOver(base, n); err == nil && ok {
					mu.Lock()
					acked = append(acked, n)
					mu.Unlock()
				}
			}
		})
	}
	mu.Lock()
	before := append([]int(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(dir, "backup.db")
	code, out, errOut := cli(t, "backup", "--db", db, "-o", backup)
	close(done)
	wg.Wait()
	if code != 0 || !strings.Contains(out, "完整性检查通过") {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := cli(t, "backup", "--db", db, "-o", backup); code == 0 || !strings.Contains(errOut, "已存在") {
		t.Errorf("a backup over an existing file: %d %s", code, errOut)
	}

	// The live database: refused without --force, and in use with it.
	if code, _, errOut := cli(t, "restore", "-i", backup, "--db", db); code == 0 || !strings.Contains(errOut, "--force") {
		t.Errorf("restore over the live database without --force: %d %s", code, errOut)
	}
	if code, _, errOut := cli(t, "restore", "-i", backup, "--db", db, "--force"); code == 0 || !strings.Contains(errOut, "正在使用中") {
		t.Errorf("restore over the database serve uses: %d %s", code, errOut)
	}
	stop()

	restored := filepath.Join(dir, "restored.db")
	if code, out, errOut := cli(t, "restore", "-i", backup, "--db", restored); code != 0 || !strings.Contains(out, "完整性检查通过") {
		t.Fatalf("restore: %d %s %s", code, out, errOut)
	}
	base2, _, stop2 := startServe(t, "--db", restored)
	resp, err := http.Get(base2 + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz on the restored database: %v %v", resp, err)
	}
	resp.Body.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err = c.PostForm(base2+"/login", url.Values{"login": {"bk00001"}, "password": {backupPW}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Request.URL.Path != "/me" || !strings.Contains(string(page), backupName(1)) {
		t.Errorf("a candidate registered before the backup cannot log in: %s %s", resp.Request.URL, excerpt(string(page)))
	}
	stop2()

	s, err := store.Open(context.Background(), restored)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, n := range before {
		if _, err := s.AccountByID(context.Background(), kaowu.IDResident, kaowu.IDNumber(residentNo(n))); err != nil {
			t.Errorf("registration %d, acknowledged before the backup, is not in it: %v", n, err)
		}
	}
	t.Logf("%d registrations acknowledged before the backup, %d by the end", len(before), len(acked))
}

func excerpt(s string) string {
	if len(s) > 600 {
		return s[:600]
	}
	return s
}

// TestBackupRestorePostgres: pg_dump of a kaowu database (a schema of its
// own), restored with pg_restore into a new database: every row is there
// and the store opens it; a second restore needs --force and is refused
// while the database is in use; a backup of a newer kaowu is refused.
func TestBackupRestorePostgres(t *testing.T) {
	src := storetest.PostgresURL(t)
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s (PostgreSQL client) not on PATH: the PostgreSQL backup round trip is not tested", tool)
		}
	}
	ctx := context.Background()
	if code, _, errOut := cli(t, "migrate", "--db", src); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	s, err := store.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Update(ctx, func(tx *store.Tx) error {
		for n := range 50 {
			a := kaowu.Account{User: kaowu.User{Username: fmt.Sprintf("pg%03d", n), Name: fmt.Sprintf("考生%d", n), Role: kaowu.RoleCandidate,
				PasswordHash: "x", CreatedAt: storeNow}, IDType: kaowu.IDResident, IDNumber: kaowu.IDNumber(residentNo(n)), Mobile: "13912345678"}
			if err := tx.CreateAccount(ctx, &a); err != nil {
				return err
			}
			if err := tx.PutPhoto(ctx, a.ID, []byte{0xff, 0xd8, byte(n), 0xff, 0xd9}, 295, 413, storeNow); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(t.TempDir(), "kaowu.dump")
	if code, out, errOut := cli(t, "backup", "--db", src, "-o", dump); code != 0 || !strings.Contains(out, "pg_dump") {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}

	target := freshDatabase(t, src)
	if code, out, errOut := cli(t, "restore", "-i", dump, "--db", target); code != 0 {
		t.Fatalf("restore: %d %s %s", code, out, errOut)
	}
	r, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Migrate(ctx); err != nil { // nothing to do: the same version
		t.Fatal(err)
	}
	for n := range 50 {
		a, err := r.AccountByID(ctx, kaowu.IDResident, kaowu.IDNumber(residentNo(n)))
		if err != nil || a.Name != fmt.Sprintf("考生%d", n) {
			t.Fatalf("account %d after the round trip: %+v %v", n, a, err)
		}
		if b, _, err := r.Photo(ctx, a.ID); err != nil || len(b) != 5 || b[2] != byte(n) {
			t.Fatalf("photo %d after the round trip: %v %v", n, b, err)
		}
	}
	for _, table := range []string{"exam_years", "audit_log", "users", "photos", "goose_db_version"} {
		if a, b := countRows(t, src, table), countRows(t, target, table); a != b {
			t.Errorf("%s: %d rows, %d after the round trip", table, a, b)
		}
	}
	// Again: the database has kaowu's data (--force), and is in use (r).
	if code, _, errOut := cli(t, "restore", "-i", dump, "--db", target); code == 0 || !strings.Contains(errOut, "--force") {
		t.Errorf("restore over data without --force: %d %s", code, errOut)
	}
	if code, _, errOut := cli(t, "restore", "-i", dump, "--db", target, "--force"); code == 0 || !strings.Contains(errOut, "正在使用中") {
		t.Errorf("restore over a database in use: %d %s", code, errOut)
	}
	r.Close()
	if code, _, errOut := cli(t, "restore", "-i", dump, "--db", target, "--force"); code != 0 {
		t.Errorf("restore --force once unused: %d %s", code, errOut)
	}

	// A backup made by a newer kaowu is refused before anything changes.
	if _, err := s.SQLDB().ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, TRUE)`, store.MigrationVersion()+1); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(t.TempDir(), "newer.dump")
	if code, _, errOut := cli(t, "backup", "--db", src, "-o", newer); code != 0 {
		t.Fatalf("backup: %s", errOut)
	}
	if code, _, errOut := cli(t, "restore", "-i", newer, "--db", freshDatabase(t, src)); code == 0 || !strings.Contains(errOut, "比本程序") {
		t.Errorf("restore of a newer backup: %d %s", code, errOut)
	}
}

var storeNow = kaowu.NewDate(2023, 12, 5).In(kaowu.Shanghai)

// freshDatabase creates an empty database beside the one of base, dropped
// when the test ends, and returns base's URL (with its search_path) for it.
func freshDatabase(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	name := "kaowu_restore_" + strings.ReplaceAll(store.NewID(), "-", "")[:20]
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			db.Close()
		}
	})
	u.Path = "/" + name
	return u.String()
}

func countRows(t *testing.T, dsn, table string) int {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPurgeAndExportCommands: `kaowu jobs purge-personal` does nothing
// before 2024's retention ends and purges after it, once; `kaowu
// export-person` writes a person's ZIP and JSON, the ID number in full in
// the file and masked on the screen.
func TestPurgeAndExportCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "kaowu.db")
	base, _, stop := startServe(t, "--db", db, "--now", "2023-12-05 10:00") // registered in the 2024 year
	if ok, err := registerOver(base, 7); err != nil || !ok {
		t.Fatalf("register: %v %v", ok, err)
	}
	stop()
	full := residentNo(7)

	zipPath := filepath.Join(dir, "person.zip")
	code, out, errOut := cli(t, "export-person", "--db", db, "--id-number", full, "-o", zipPath)
	if code != 0 || !strings.Contains(out, kaowu.MaskID(full)) || strings.Contains(out+errOut, full) {
		t.Fatalf("export-person: %d %s %s", code, out, errOut)
	}
	z, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := z.File[0].Open()
	b, _ := io.ReadAll(f)
	f.Close()
	z.Close()
	if z.File[0].Name != "person.json" || !strings.Contains(string(b), `"id_number": "`+full+`"`) || !strings.Contains(string(b), `"mobile": "13912345678"`) {
		t.Errorf("person.json: %s", excerpt(string(b)))
	}
	if code, out, _ := cli(t, "export-person", "--db", db, "--username", "bk00007"); code != 0 || !strings.HasPrefix(out, "{\n  \"format\": \"kaowu.person/1\"") {
		t.Errorf("export-person to stdout: %d %s", code, excerpt(out))
	}
	if code, _, errOut := cli(t, "export-person", "--db", db, "--id-number", residentNo(8)); code == 0 || !strings.Contains(errOut, "没有以该证件号码注册的账号") {
		t.Errorf("export of nobody: %d %s", code, errOut)
	}

	if code, out, errOut := cli(t, "jobs", "purge-personal", "--db", db, "--now", "2026-12-31 23:59"); code != 0 || !strings.Contains(out, "未做修改") {
		t.Errorf("purge before the end: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := cli(t, "jobs", "purge-personal", "--db", db, "--now", "2027-01-01 00:00"); code != 0 || !strings.Contains(out, "手机号码 1 个") {
		t.Errorf("purge: %d %s %s", code, out, errOut)
	}
	if code, out, _ := cli(t, "jobs", "purge-personal", "--db", db, "--now", "2027-01-01 00:01"); code != 0 || !strings.Contains(out, "未做修改") {
		t.Errorf("purge again: %d %s", code, out)
	}
	code, out, _ = cli(t, "export-person", "--db", db, "--username", "bk00007")
	if code != 0 || !strings.Contains(out, `"mobile": ""`) || !strings.Contains(out, `"purged_at"`) || !strings.Contains(out, full) {
		t.Errorf("export after the purge: %s", excerpt(out))
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatal(err)
	}
}
