package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
)

// newFlags returns a flag set for a subcommand whose errors and help go to
// e.stderr.
func newFlags(name string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("kaowu "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags applies KAOWU_<NAME> environment variables as defaults, then
// the command line.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "KAOWU_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && err == nil {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("环境变量 %s=%q 无效：%w", name, v, e)
			}
		}
	})
	if err != nil {
		return err
	}
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := f.Value.(interface{ envApplied() }); ok {
			v.envApplied()
		}
	})
	// Flags may come before or after the positional arguments.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// common are the options every command that opens the database shares.
type common struct {
	db        string
	now       string
	logFormat string
	logLevel  string
	// replicas and maxLag: serve's read replicas (registerReplicas).
	replicas dsnList
	maxLag   time.Duration
}

// registerReplicas adds the read replica flags (serve only).
func (c *common) registerReplicas(fs *flag.FlagSet) {
	fs.Var(&c.replicas, "db-read", "只读副本：PostgreSQL 流复制备库的 postgres:// 连接串，可重复或用逗号分隔；只用于允许数秒延迟的只读查询（成绩查询等，见 docs/scale.md），不可用或延迟过大时改读主库")
	fs.DurationVar(&c.maxLag, "max-replica-lag", store.DefaultMaxLag, "只读副本落后主库超过此时长即不再使用，改读主库")
}

// dsnList is a flag of database URLs: repeated, or several in one value
// separated by commas (a comma inside one URL, as in a multi-host
// postgres://h1:5432,h2:5432/db, stays in it). Values from the
// environment are replaced by those on the command line.
type dsnList struct {
	dsns []string
	env  bool
}

func (l *dsnList) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.dsns, ",")
}

func (l *dsnList) Set(v string) error {
	if l.env {
		l.dsns, l.env = nil, false
	}
	for _, d := range splitDSNs(v) {
		if !strings.HasPrefix(d, "postgres://") && !strings.HasPrefix(d, "postgresql://") {
			return fmt.Errorf("%q 不是 postgres:// 连接串：只读副本只能是 PostgreSQL 备库", redact(d))
		}
		l.dsns = append(l.dsns, d)
	}
	return nil
}

// envApplied marks the values set so far as the environment's.
func (l *dsnList) envApplied() { l.env = len(l.dsns) > 0 }

// splitDSNs splits v before each ",postgres://" or ",postgresql://".
func splitDSNs(v string) []string {
	var out []string
	for v != "" {
		cut := -1
		for i := 1; i < len(v); i++ {
			if v[i-1] == ',' && (strings.HasPrefix(v[i:], "postgres://") || strings.HasPrefix(v[i:], "postgresql://")) {
				cut = i - 1
				break
			}
		}
		if cut < 0 {
			out = append(out, strings.TrimSpace(v))
			break
		}
		out = append(out, strings.TrimSpace(v[:cut]))
		v = v[cut+1:]
	}
	var kept []string
	for _, d := range out {
		if d != "" {
			kept = append(kept, d)
		}
	}
	return kept
}

func (c *common) register(fs *flag.FlagSet, defaultDB string) {
	fs.StringVar(&c.db, "db", defaultDB, "数据库：SQLite 文件路径，或 postgres:// 连接串")
	fs.StringVar(&c.now, "now", "", "把系统时间设为此时刻（如 2023-12-05T10:00:00+08:00），用于演示、培训和测试；时间从此刻起走动")
	fs.StringVar(&c.logFormat, "log-format", "text", "日志格式：text 或 json")
	fs.StringVar(&c.logLevel, "log-level", "info", "日志级别：debug、info、warn、error")
}

func (c *common) logger(e *env) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q 无效：应为 debug、info、warn 或 error", c.logLevel)
	}
	// ID numbers are masked in every log line (110105********002X).
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: kaowu.MaskingReplaceAttr}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q 无效：应为 text 或 json", c.logFormat)
}

// clock returns the clock --now asks for, or the system clock.
func (c *common) clock() (kaowu.Clock, error) {
	if c.now == "" {
		return kaowu.SystemClock{}, nil
	}
	t, err := parseInstant(c.now)
	if err != nil {
		return nil, err
	}
	return kaowu.NewOffsetClock(t), nil
}

// parseInstant accepts RFC 3339, or a local Shanghai time without zone.
func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, kaowu.Shanghai); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--now %q 无效：应为 2023-12-05T10:00:00+08:00 或 2023-12-05 10:00（北京时间）", s)
}

// open opens the store, migrates it and stores the embedded exam years.
func (c *common) open(ctx context.Context, e *env) (*app.App, error) {
	log, err := c.logger(e)
	if err != nil {
		return nil, err
	}
	clock, err := c.clock()
	if err != nil {
		return nil, err
	}
	s, err := store.OpenWith(ctx, c.db, store.Options{Replicas: c.replicas.dsns, MaxLag: c.maxLag, Log: log})
	if err != nil {
		return nil, fmt.Errorf("无法打开数据库 %s：%w", redact(c.db), err)
	}
	a := app.New(s, clock, log)
	if err := a.Bootstrap(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return a, nil
}

// redact hides a password in a postgres:// URL.
func redact(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 && strings.Contains(dsn[:i], "://") {
		scheme := dsn[:strings.Index(dsn, "://")+3]
		if user, _, ok := strings.Cut(dsn[len(scheme):i], ":"); ok {
			return scheme + user + ":***" + dsn[i:]
		}
	}
	return dsn
}

// userMessage returns what to print for err: the application message, or
// the error text for errors that are not application errors.
func userMessage(err error) string {
	var ae *kaowu.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}

// cliActor is the actor of a command-line operation.
func cliActor() app.Actor {
	name := os.Getenv("USER")
	if name == "" {
		name = "operator"
	}
	return app.Actor{Username: "cli:" + name, Role: kaowu.RoleAdmin}
}
