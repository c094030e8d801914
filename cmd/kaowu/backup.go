package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"kaowu"
	"kaowu/internal/store"
)

const backupUsage = `用法：
  kaowu backup --db kaowu.db -o kaowu-20240413.db
  kaowu backup --db 'postgres://…' -o kaowu-20240413.dump
备份数据库，可在 kaowu serve 运行、写入时进行，得到开始那一刻的完整数据：
  SQLite：用 SQLite 的在线备份接口复制，复制后做完整性检查；
  PostgreSQL：运行 pg_dump -Fc（须在 PATH 中，主版本不低于服务器；没有则提示应运行的命令）。
备份文件不会覆盖已有文件。恢复见 kaowu restore -h；说明见 docs/operations.md。`

const restoreUsage = `用法：
  kaowu restore -i kaowu-20240413.db --db kaowu.db [--force]
  kaowu restore -i kaowu-20240413.dump --db 'postgres://…' [--force]
用备份替换数据库中的全部数据。先检查备份：SQLite 做完整性检查（PRAGMA integrity_check），
PostgreSQL 用 pg_restore 读取备份目录；备份的数据库结构（迁移版本）不能比本程序新。
目标数据库已有数据时须加 --force；正在使用时（kaowu serve 未停止）拒绝恢复。
PostgreSQL 用 pg_restore --single-transaction（全部恢复或全部不变；须在 PATH 中）。`

// backupCmd backs the database up.
func backupCmd(ctx context.Context, args []string, e *env) error {
	fs := newFlags("backup", e)
	fs.Usage = func() { fmt.Fprintln(e.stderr, backupUsage); fs.PrintDefaults() }
	db := fs.String("db", "kaowu.db", "数据库：SQLite 文件路径，或 postgres:// 连接串")
	out := fs.String("o", "", "备份文件（不能已存在）")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return kaowu.Errorf(kaowu.EINVALID, "请用 -o 给出备份文件名\n%s", backupUsage)
	}
	if _, err := os.Stat(*out); err == nil {
		return kaowu.Errorf(kaowu.ECONFLICT, "备份文件 %s 已存在：请换一个文件名，或先删除它", *out)
	}
	if isPostgres(*db) {
		return pgDump(ctx, e, *db, *out)
	}
	info, err := store.BackupSQLite(ctx, *db, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已备份 %s 到 %s：%s，数据库结构为迁移 %d，用时 %s；完整性检查通过。\n",
		*db, info.Path, sizeText(info.Bytes), info.Version, info.Duration.Round(time.Millisecond))
	return nil
}

// restoreCmd replaces the database with a backup.
func restoreCmd(ctx context.Context, args []string, e *env) error {
	fs := newFlags("restore", e)
	fs.Usage = func() { fmt.Fprintln(e.stderr, restoreUsage); fs.PrintDefaults() }
	db := fs.String("db", "kaowu.db", "要恢复到的数据库：SQLite 文件路径，或 postgres:// 连接串")
	in := fs.String("i", "", "备份文件（kaowu backup 所写）")
	force := fs.Bool("force", false, "目标数据库已有数据时仍然替换")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *in == "" {
		return kaowu.Errorf(kaowu.EINVALID, "请用 -i 给出备份文件\n%s", restoreUsage)
	}
	if _, err := os.Stat(*in); err != nil {
		return kaowu.Errorf(kaowu.ENOTFOUND, "备份文件 %s 不存在", *in)
	}
	if isPostgres(*db) {
		return pgRestore(ctx, e, *in, *db, *force)
	}
	info, err := store.RestoreSQLite(ctx, *in, *db, *force)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已用 %s 恢复 %s：%s，数据库结构为迁移 %d（本程序为 %d，启动 serve 时自动升级），用时 %s；完整性检查通过。\n",
		*in, *db, sizeText(info.Bytes), info.Version, store.MigrationVersion(), info.Duration.Round(time.Millisecond))
	return nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
}

// libpqURL turns a kaowu PostgreSQL URL into one for the PostgreSQL tools
// (libpq): pgx's search_path parameter, which libpq refuses, is taken out
// and returned as the schema to dump ("" for the whole database).
func libpqURL(dsn string) (string, string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", kaowu.Errorf(kaowu.EINVALID, "连接串无效：%v", err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	if !q.Has("search_path") {
		return dsn, "", nil // as given: libpq takes it (several hosts too)
	}
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
}

// pgDump backs a PostgreSQL database up with pg_dump's custom format.
func pgDump(ctx context.Context, e *env, dsn, out string) error {
	conn, schema, err := libpqURL(dsn)
	if err != nil {
		return err
	}
	args := []string{"-Fc", "--no-owner", "-f", out + ".partial"}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	args = append(args, "--dbname="+conn)
	if _, err := exec.LookPath("pg_dump"); err != nil {
		return kaowu.Errorf(kaowu.ENOTFOUND, "没有找到 pg_dump（PostgreSQL 客户端，主版本不低于服务器）。请安装后重试，或在装有它的机器上运行：\n  pg_dump %s\n然后把 %s.partial 改名为 %s", shellArgs(args, dsn), out, out)
	}
	start := time.Now()
	defer os.Remove(out + ".partial")
	cmd := exec.CommandContext(ctx, "pg_dump", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return kaowu.Errorf(kaowu.EINVALID, "pg_dump 失败：%v\n%s", err, redactAll(stderr.String(), dsn))
	}
	version, err := pgDumpVersion(ctx, out+".partial")
	if err != nil {
		return err
	}
	if err := os.Rename(out+".partial", out); err != nil {
		return fmt.Errorf("backup %s: %w", out, err)
	}
	st, _ := os.Stat(out)
	fmt.Fprintf(e.stdout, "已用 pg_dump 备份 %s 到 %s：%s，数据库结构为迁移 %d，用时 %s。\n",
		redact(dsn), out, sizeText(st.Size()), version, time.Since(start).Round(time.Millisecond))
	return nil
}

// pgDumpVersion reads the highest applied migration from a pg_dump
// archive's goose_db_version data; reading it also checks the archive.
func pgDumpVersion(ctx context.Context, path string) (int64, error) {
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "pg_restore", "-f", "-", "--data-only", "--table=goose_db_version", path)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return 0, kaowu.Errorf(kaowu.EINVALID, "%s 不是可读取的 pg_dump 备份：%v\n%s", path, err, stderr.String())
	}
	var version int64
	found := false
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	col := map[string]int{}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "COPY ") && strings.Contains(line, "goose_db_version (") {
			cols := line[strings.Index(line, "(")+1 : strings.Index(line, ")")]
			for i, c := range strings.Split(cols, ",") {
				col[strings.TrimSpace(c)] = i
			}
			found = true
			continue
		}
		if !found || line == `\.` {
			if line == `\.` {
				break
			}
			continue
		}
		f := strings.Split(line, "\t")
		vi, ai := col["version_id"], col["is_applied"]
		if vi >= len(f) || ai >= len(f) {
			continue
		}
		if v, err := strconv.ParseInt(f[vi], 10, 64); err == nil && f[ai] == "t" && v > version {
			version = v
		}
	}
	if !found {
		return 0, kaowu.Errorf(kaowu.EINVALID, "%s 不是 kaowu 数据库的备份（没有迁移记录 goose_db_version）", path)
	}
	return version, nil
}

// pgRestore restores a pg_dump archive into a PostgreSQL database.
func pgRestore(ctx context.Context, e *env, in, dsn string, force bool) error {
	conn, _, err := libpqURL(dsn)
	if err != nil {
		return err
	}
	args := []string{"--no-owner", "--single-transaction", "--exit-on-error"}
	if force {
		args = append(args, "--clean", "--if-exists")
	}
	args = append(args, "--dbname="+conn, in)
	if _, err := exec.LookPath("pg_restore"); err != nil {
		return kaowu.Errorf(kaowu.ENOTFOUND, "没有找到 pg_restore（PostgreSQL 客户端）。请安装后重试，或在装有它的机器上运行：\n  pg_restore %s", shellArgs(args, dsn))
	}
	version, err := pgDumpVersion(ctx, in)
	if err != nil {
		return err
	}
	if version > store.MigrationVersion() {
		return kaowu.Errorf(kaowu.ECONFLICT, "%s 的数据库结构（迁移 %d）比本程序（迁移 %d）新：请用更新版本的 kaowu 恢复", in, version, store.MigrationVersion())
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('goose_db_version') IS NOT NULL`).Scan(&exists); err != nil {
		return fmt.Errorf("无法连接数据库 %s：%w", redact(dsn), err)
	}
	if exists && !force {
		return kaowu.Errorf(kaowu.ECONFLICT, "数据库 %s 已有 kaowu 的数据：恢复会用备份替换全部数据。确认后加 --force 再运行（先停止所有 kaowu serve）", redact(dsn))
	}
	// In use: other sessions connected to the database (kaowu serve nodes).
	var others int
	var names sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), string_agg(DISTINCT NULLIF(application_name, ''), '、') FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`).Scan(&others, &names); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if others > 0 {
		return fmt.Errorf("%w: %w", store.ErrInUse, kaowu.Errorf(kaowu.ECONFLICT,
			"数据库 %s 正在使用中：还有 %d 个连接（%s）。请先停止所有 kaowu serve；与其他程序共用时，请恢复到一个新的数据库", redact(dsn), others, names.String))
	}
	db.Close()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "pg_restore", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return kaowu.Errorf(kaowu.EINVALID, "pg_restore 失败，数据库未改变（单一事务）：%v\n%s", err, redactAll(stderr.String(), dsn))
	}
	fmt.Fprintf(e.stdout, "已用 pg_restore 把 %s 恢复到 %s：数据库结构为迁移 %d（本程序为 %d，启动 serve 时自动升级），用时 %s。\n",
		in, redact(dsn), version, store.MigrationVersion(), time.Since(start).Round(time.Millisecond))
	return nil
}

// shellArgs quotes arguments for a command to show, the password hidden.
func shellArgs(args []string, dsn string) string {
	q := make([]string, len(args))
	for i, a := range args {
		a = redactAll(a, dsn)
		if strings.ContainsAny(a, " '\"&?;$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// redactAll hides the password of dsn wherever it appears in s.
func redactAll(s, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return s
	}
	if p, ok := u.User.Password(); ok && p != "" {
		s = strings.ReplaceAll(s, ":"+url.PathEscape(p)+"@", ":***@")
		s = strings.ReplaceAll(s, ":"+p+"@", ":***@")
	}
	return s
}
