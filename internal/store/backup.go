package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"

	"kaowu"
)

// Backups of the SQLite database (kaowu backup / kaowu restore; PostgreSQL
// uses pg_dump and pg_restore, see cmd/kaowu and docs/operations.md).
//
// The copy is made with SQLite's online backup API (sqlite3_backup_*, which
// modernc.org/sqlite exposes on its driver connection), in one step: the
// whole copy is read under one read transaction, so it is the database as
// it was at one instant, every transaction committed before the step began
// and none after, while `serve` goes on writing (WAL lets the writer work
// beside the reader). VACUUM INTO would do the same; the backup API copies
// pages without rebuilding the tables, and writes through a second
// connection the restore uses too.

// MigrationVersion returns the highest migration embedded in this binary.
func MigrationVersion() int64 {
	var v int64
	for _, m := range goMigrations(SQLite) {
		v = max(v, m.Version)
	}
	entries, _ := fs.ReadDir(migrations, "migrations")
	for _, e := range entries {
		n, _, _ := strings.Cut(e.Name(), "_")
		if x, err := strconv.ParseInt(n, 10, 64); err == nil && x > v {
			v = x
		}
	}
	return v
}

// BackupInfo describes a backup file.
type BackupInfo struct {
	Path     string
	Bytes    int64
	Version  int64 // its highest applied migration
	Duration time.Duration
}

// ErrInUse is returned by RestoreSQLite when another connection (a running
// serve) has the target database open.
var ErrInUse = errors.New("database in use")

// backupDriver is what modernc.org/sqlite's driver connection offers.
type backupDriver interface {
	NewBackup(dstURI string) (*sqlite.Backup, error)
	NewRestore(srcURI string) (*sqlite.Backup, error)
}

// copyPages copies every page between conn's database and the file at
// path with SQLite's online backup API, in the direction begin (NewBackup
// or NewRestore) gives. One step copies them all under one read
// transaction: the database as of one instant.
func copyPages(conn *sql.Conn, begin func(backupDriver, string) (*sqlite.Backup, error), path string) error {
	return conn.Raw(func(dc any) error {
		d, ok := dc.(backupDriver)
		if !ok {
			return fmt.Errorf("the SQLite driver offers no backup API (%T)", dc)
		}
		b, err := begin(d, path)
		if err != nil {
			return err
		}
		if _, err := b.Step(-1); err != nil {
			b.Finish()
			return err
		}
		return b.Finish()
	})
}

// openSQLiteFile opens one connection to an existing SQLite file with the
// given pragmas, refusing a path that does not exist (sql.Open would
// create it).
func openSQLiteFile(ctx context.Context, path string, pragmas ...string) (*sql.DB, *sql.Conn, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, kaowu.Errorf(kaowu.ENOTFOUND, "数据库文件 %s 不存在", path)
	}
	v := url.Values{}
	for _, p := range pragmas {
		v.Add("_pragma", p)
	}
	v.Set("_time_format", "sqlite")
	db, err := sql.Open("sqlite", "file:"+path+"?"+v.Encode())
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, conn, nil
}

// BackupSQLite copies the SQLite database at src to the new file dst with
// the online backup API, consistent while other processes write, then
// checks the copy (CheckSQLiteBackup). dst must not exist; the copy is
// written beside it and renamed into place once checked, so that dst is
// never a half-written file.
func BackupSQLite(ctx context.Context, src, dst string) (BackupInfo, error) {
	start := time.Now()
	info := BackupInfo{Path: dst}
	if _, err := os.Stat(dst); err == nil {
		return info, kaowu.Errorf(kaowu.ECONFLICT, "备份文件 %s 已存在：请换一个文件名，或先删除它", dst)
	}
	tmp := dst + ".partial"
	os.Remove(tmp)
	defer os.Remove(tmp)
	db, conn, err := openSQLiteFile(ctx, src, "busy_timeout(10000)", "query_only(1)")
	if err != nil {
		return info, err
	}
	defer db.Close()
	defer conn.Close()
	if err := copyPages(conn, backupDriver.NewBackup, tmp); err != nil {
		return info, fmt.Errorf("backup %s: %w", src, err)
	}
	if info.Version, err = CheckSQLiteBackup(ctx, tmp); err != nil {
		return info, err
	}
	if err := syncFile(tmp); err != nil {
		return info, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return info, fmt.Errorf("backup %s: %w", dst, err)
	}
	syncDir(filepath.Dir(dst))
	st, err := os.Stat(dst)
	if err != nil {
		return info, err
	}
	info.Bytes, info.Duration = st.Size(), time.Since(start)
	return info, nil
}

// CheckSQLiteBackup checks a backup file: SQLite's integrity check passes,
// it is a kaowu database, and its migrations are not newer than this
// binary's (MigrationVersion). It returns its migration version.
func CheckSQLiteBackup(ctx context.Context, path string) (int64, error) {
	db, conn, err := openSQLiteFile(ctx, path, "busy_timeout(10000)", "query_only(1)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	defer conn.Close()
	var problems []string
	rows, err := conn.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return 0, kaowu.Errorf(kaowu.EINVALID, "%s 不是可读取的 SQLite 数据库：%v", path, err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return 0, fmt.Errorf("integrity check %s: %w", path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, kaowu.Errorf(kaowu.EINVALID, "%s 不是可读取的 SQLite 数据库：%v", path, err)
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], "…")
		}
		return 0, kaowu.Errorf(kaowu.EINVALID, "%s 未通过完整性检查（PRAGMA integrity_check）：%s", path, strings.Join(problems, "；"))
	}
	var v sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
		return 0, kaowu.Errorf(kaowu.EINVALID, "%s 不是 kaowu 的数据库（没有迁移记录 goose_db_version）", path)
	}
	if v.Int64 > MigrationVersion() {
		return v.Int64, kaowu.Errorf(kaowu.ECONFLICT, "%s 的数据库结构（迁移 %d）比本程序（迁移 %d）新：请用更新版本的 kaowu 恢复", path, v.Int64, MigrationVersion())
	}
	return v.Int64, nil
}

// RestoreSQLite replaces the SQLite database at dst with the backup file
// src, after checking the backup (CheckSQLiteBackup). An existing dst is
// replaced only with force, and never while another connection has it open
// (ErrInUse: stop serve first): the restore takes SQLite's exclusive lock
// on dst, and copies the backup into it with the backup API, in one
// transaction, through that locked connection. A missing dst is created.
func RestoreSQLite(ctx context.Context, src, dst string, force bool) (BackupInfo, error) {
	start := time.Now()
	info := BackupInfo{Path: dst}
	var err error
	if info.Version, err = CheckSQLiteBackup(ctx, src); err != nil {
		return info, err
	}
	if st, err := os.Stat(dst); err == nil && st.Size() > 0 && !force {
		return info, kaowu.Errorf(kaowu.ECONFLICT, "数据库 %s 已存在：恢复会用备份替换其中的全部数据。确认后加 --force 再运行（先停止使用它的 kaowu serve）", dst)
	}
	if _, err := os.Stat(dst); errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(dst, nil, 0o600); err != nil {
			return info, fmt.Errorf("restore %s: %w", dst, err)
		}
	}
	// locking_mode EXCLUSIVE: the first read takes an exclusive lock on
	// the file, which fails at once (busy) while any other connection, in
	// this process or another, has the database open.
	inUse := func(err error) error {
		var se *sqlite.Error
		if errors.As(err, &se) && (se.Code()&0xff == 5 || se.Code()&0xff == 6) { // SQLITE_BUSY, SQLITE_LOCKED
			return fmt.Errorf("%w: %w", ErrInUse, kaowu.Errorf(kaowu.ECONFLICT, "数据库 %s 正在使用中（kaowu serve 或其他程序打开着它）：请先停止它们再恢复", dst))
		}
		return fmt.Errorf("restore %s: %w", dst, err)
	}
	db, conn, err := openSQLiteFile(ctx, dst, "busy_timeout(500)", "locking_mode(EXCLUSIVE)")
	if err != nil {
		return info, inUse(err)
	}
	defer db.Close()
	defer conn.Close()
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master`).Scan(&n); err != nil {
		return info, inUse(err)
	}
	// Only now (the lock held): a journal_mode pragma in the connection
	// string would open the file in shared mode first.
	if _, err := conn.ExecContext(ctx, `PRAGMA journal_mode=WAL`); err != nil {
		return info, inUse(err)
	}
	if err := copyPages(conn, backupDriver.NewRestore, src); err != nil {
		return info, inUse(fmt.Errorf("from %s: %w", src, err))
	}
	var ok string
	if err := conn.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		return info, kaowu.Errorf(kaowu.EINVALID, "恢复后的数据库 %s 未通过完整性检查：%s %v", dst, ok, err)
	}
	conn.Close()
	if err := db.Close(); err != nil {
		return info, fmt.Errorf("restore %s: %w", dst, err)
	}
	if st, err := os.Stat(dst); err == nil {
		info.Bytes = st.Size()
	}
	info.Duration = time.Since(start)
	return info, nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
