// Package store is the storage kaowu needs, over database/sql, on SQLite
// (modernc.org/sqlite, the embedded default) and PostgreSQL (pgx). Each query
// is written once for both engines; the engine-specific parts are opening
// (pragmas, pools) and error classification.
//
// Reads go through Store or Tx; writes only through Tx, inside Update, so
// that every state change is one transaction.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers "sqlite"

	"kaowu"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Engine names a database engine.
type Engine string

// The two engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader holds the read queries; Store and Tx both embed it.
type reader struct {
	q      querier
	engine Engine
}

// Store is an open database.
type Store struct {
	reader
	write *sql.DB // SQLite: the single writer connection; PostgreSQL: the pool
	read  *sql.DB // SQLite: the reader pool; PostgreSQL: the same pool
	dsn   string
	// replicas, when set, are PostgreSQL standbys for ReadReplica.
	replicas *replicaSet
}

// Tx is a write transaction.
type Tx struct {
	reader
	tx   *sql.Tx
	conn *sql.Conn // the transaction's connection, for PostgreSQL's COPY (insertRows)
}

// Open opens the database named by dsn: a postgres:// URL, or a SQLite file
// path. It does not migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith is Open with options: read replicas (PostgreSQL only).
func OpenWith(ctx context.Context, dsn string, o Options) (*Store, error) {
	s := &Store{dsn: dsn}
	var err error
	if len(o.Replicas) > 0 && !isPostgres(dsn) {
		return nil, kaowu.Errorf(kaowu.EINVALID, "只读副本（--db-read）只能配合 PostgreSQL 主库使用：SQLite 没有流复制备库")
	}
	if isPostgres(dsn) {
		s.engine = Postgres
		s.write, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.write.SetMaxOpenConns(32)
		s.write.SetMaxIdleConns(32)
		s.write.SetConnMaxIdleTime(5 * time.Minute)
		s.read = s.write
	} else {
		s.engine = SQLite
		path := strings.TrimPrefix(dsn, "file:")
		if s.write, err = sql.Open("sqlite", sqliteDSN(path, true)); err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		s.write.SetMaxOpenConns(1)
		s.write.SetMaxIdleConns(1)
		s.write.SetConnMaxLifetime(0)
		if s.read, err = sql.Open("sqlite", sqliteDSN(path, false)); err != nil {
			s.write.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		s.read.SetMaxOpenConns(8)
		s.read.SetMaxIdleConns(8)
	}
	s.q = s.read
	if s.engine == SQLite {
		// SQLite parses every statement anew unless it is prepared; the
		// reads outside transactions reuse prepared ones (pgx caches its
		// own on PostgreSQL).
		s.q = &stmtCache{db: s.read}
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if len(o.Replicas) > 0 {
		if s.replicas, err = openReplicas(ctx, s.write, o); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func sqliteDSN(path string, writer bool) string {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "foreign_keys(1)")
	v.Add("_pragma", "synchronous(NORMAL)")
	v.Set("_time_format", "sqlite")
	if writer {
		v.Set("_txlock", "immediate")
	} else {
		v.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + v.Encode()
}

// stmtCache is a querier over db that prepares each query text once and
// reuses the statement (database/sql re-prepares it on each connection of
// the pool as needed). The texts are the store's own, built from
// constants (IN lists of up to 500 parameters at most), so the cache is
// bounded by the code, never by the data.
type stmtCache struct {
	db    *sql.DB
	stmts sync.Map // query text → *sql.Stmt
}

func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if old, loaded := c.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return old.(*sql.Stmt), nil
	}
	return st, nil
}

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := c.stmt(ctx, query)
	if err != nil {
		// A *sql.Row carrying err: the same query on the pool fails the
		// same way when scanned.
		return c.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Engine returns the engine the store runs on.
func (s *Store) Engine() Engine { return s.engine }

// DBs returns the underlying pools by name, for pool metrics.
func (s *Store) DBs() map[string]*sql.DB {
	if s.read == s.write {
		return map[string]*sql.DB{"primary": s.write}
	}
	return map[string]*sql.DB{"writer": s.write, "reader": s.read}
}

// Ping checks that the database answers, on every pool of the primary
// (not the replicas: without them the reads go to the primary).
func (s *Store) Ping(ctx context.Context) error {
	for name, db := range s.DBs() {
		if err := db.PingContext(ctx); err != nil {
			return fmt.Errorf("ping %s %s: %w", s.engine, name, err)
		}
	}
	return nil
}

// Close closes every pool, the replicas' too.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	if s.replicas != nil {
		err = errors.Join(err, s.replicas.close())
	}
	return err
}

// Migrate applies the embedded migrations not yet applied, recording them
// in the goose_db_version table.
func (s *Store) Migrate(ctx context.Context) error {
	dialect := goose.DialectSQLite3
	if s.engine == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, s.write, mustSub(migrations, "migrations"), goose.WithGoMigrations(goMigrations(s.engine)...))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", s.engine, err)
	}
	return nil
}

// Update runs fn in one write transaction, committing when fn returns nil.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{reader: reader{q: sqlTx, engine: s.engine}, tx: sqlTx, conn: conn}
	if err := fn(tx); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// SQLDB returns the pool that writes: on SQLite the single writer
// connection, on PostgreSQL the pool. The job queue (internal/jobs) runs over
// it, so that its writes and the application's share SQLite's one writer
// instead of contending for the file lock.
func (s *Store) SQLDB() *sql.DB { return s.write }

// SQLTx returns the underlying transaction, for libraries that must write
// inside the caller's transaction (the job queue's InsertTx).
func (tx *Tx) SQLTx() *sql.Tx { return tx.tx }

// NewID returns a new time-ordered unique id (UUIDv7).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// utc normalises an instant for storage: both engines store UTC.
func utc(t time.Time) time.Time { return t.UTC() }
