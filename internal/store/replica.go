package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"kaowu"
)

// Options are OpenWith's settings beyond the database itself.
type Options struct {
	// Replicas are PostgreSQL streaming standbys (postgres:// URLs) for the
	// reads that tolerate a little lag: those that go through ReadReplica,
	// and no others. Empty: every read goes to the primary.
	Replicas []string
	// MaxLag skips a replica that may be further behind the primary than
	// this (default DefaultMaxLag).
	MaxLag time.Duration
	// CheckEvery is how often each replica's health and replay position
	// are checked (default one second).
	CheckEvery time.Duration
	// Timeout bounds one read on a replica; past it the read is done on
	// the primary instead (default two seconds).
	Timeout time.Duration
	// Log receives the replicas' changes of state; nil discards them.
	Log *slog.Logger
}

// DefaultMaxLag is how far behind the primary a replica may be and still
// serve reads, unless Options.MaxLag says otherwise.
const DefaultMaxLag = 5 * time.Second

// Reader offers the store's read queries on one database: the primary, or
// a replica (ReadReplica). A Reader's methods are the same as Store's
// reads.
type Reader struct {
	reader
	replica bool
}

// OnReplica reports whether r reads a replica (else the primary).
func (r Reader) OnReplica() bool { return r.replica }

// ReplicaStat is one replica's state, for metrics and the operator.
type ReplicaStat struct {
	Name string // host:port (several for a multi-host URL)
	// Up: the last check reached it and it is usable (not too far behind).
	Up bool
	// Lag bounds how far behind the primary it may be now; negative when
	// unknown (never reached).
	Lag time.Duration
	// Reads counts reads it served; Failures counts reads that failed on
	// it and were done on the primary instead.
	Reads, Failures int64
}

// ReplicaStats is the state of every replica.
type ReplicaStats struct {
	Replicas []ReplicaStat
	// OnPrimary counts reads that asked for a replica and were served by
	// the primary: none was usable, or the one chosen failed.
	OnPrimary int64
}

// replica is one standby's pool and what the checks learnt of it.
type replica struct {
	name string
	db   *sql.DB

	mu sync.Mutex
	// reached: the last check got an answer (else down, with err).
	reached bool
	err     error
	// freshAsOf: every write the primary acknowledged before this instant
	// is replayed on the replica (zero: unknown). Reads on it miss at most
	// the writes made since: its lag is now minus freshAsOf.
	freshAsOf time.Time

	reads, failures atomic.Int64
}

// lsnAt is the primary's WAL position read at an instant.
type lsnAt struct {
	at  time.Time
	lsn uint64
}

// replicaSet is the store's replicas and their health checker.
type replicaSet struct {
	list    []*replica
	maxLag  time.Duration
	every   time.Duration
	timeout time.Duration
	log     *slog.Logger
	primary *sql.DB

	next      atomic.Uint64
	onPrimary atomic.Int64

	// history is the primary's WAL positions of the recent checks, oldest
	// first (only the checker touches it).
	history []lsnAt

	stop    chan struct{}
	done    chan struct{}
	running bool // run was started: close waits for it
}

// openReplicas opens a pool per replica, checks each once and starts the
// checker. A replica that cannot be reached does not fail the opening:
// reads go to the primary until it can.
func openReplicas(ctx context.Context, primary *sql.DB, o Options) (*replicaSet, error) {
	rs := &replicaSet{maxLag: o.MaxLag, every: o.CheckEvery, timeout: o.Timeout, log: o.Log, primary: primary,
		stop: make(chan struct{}), done: make(chan struct{})}
	if rs.maxLag <= 0 {
		rs.maxLag = DefaultMaxLag
	}
	if rs.every <= 0 {
		rs.every = time.Second
	}
	if rs.timeout <= 0 {
		rs.timeout = 2 * time.Second
	}
	if rs.log == nil {
		rs.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, dsn := range o.Replicas {
		if !isPostgres(dsn) {
			rs.close()
			return nil, fmt.Errorf("replica %q: only PostgreSQL standbys (postgres:// URLs) can be replicas", dsn)
		}
		name := dsn
		if cfg, err := pgconn.ParseConfig(dsn); err == nil {
			name = cfg.Host + ":" + strconv.Itoa(int(cfg.Port))
			for _, f := range cfg.Fallbacks {
				if f.Host != cfg.Host || f.Port != cfg.Port {
					name += "," + f.Host + ":" + strconv.Itoa(int(f.Port))
				}
			}
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			rs.close()
			return nil, fmt.Errorf("open replica %s: %w", name, err)
		}
		db.SetMaxOpenConns(32)
		db.SetMaxIdleConns(32)
		db.SetConnMaxIdleTime(5 * time.Minute)
		// Connections are renewed now and then, so that after a failover a
		// multi-host URL (target_session_attrs) finds the new standby.
		db.SetConnMaxLifetime(time.Minute)
		rs.list = append(rs.list, &replica{name: name, db: db})
	}
	rs.check(ctx)
	rs.running = true
	go rs.run()
	return rs, nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// run checks the replicas every rs.every until close.
func (rs *replicaSet) run() {
	defer close(rs.done)
	t := time.NewTicker(rs.every)
	defer t.Stop()
	for {
		select {
		case <-rs.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), rs.timeout)
			rs.check(ctx)
			cancel()
		}
	}
}

func (rs *replicaSet) close() error {
	select {
	case <-rs.stop:
	default:
		close(rs.stop)
		if rs.running {
			<-rs.done
		}
	}
	var err error
	for _, r := range rs.list {
		err = errors.Join(err, r.db.Close())
	}
	return err
}

// check reads the primary's WAL position, then each replica's replay
// position, and so learns up to when each replica is complete.
func (rs *replicaSet) check(ctx context.Context) {
	now := time.Now()
	var p string
	if err := rs.primary.QueryRowContext(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&p); err == nil {
		if lsn, err := parseLSN(p); err == nil {
			rs.history = append(rs.history, lsnAt{now, lsn})
		}
	}
	// Keep what can still say a replica is fresh enough.
	keep := 0
	for keep < len(rs.history)-1 && now.Sub(rs.history[keep].at) > 2*rs.maxLag {
		keep++
	}
	rs.history = rs.history[keep:]
	for _, r := range rs.list {
		rs.checkOne(ctx, r, now)
	}
}

func (rs *replicaSet) checkOne(ctx context.Context, r *replica, now time.Time) {
	var recovering bool
	var replay sql.NullString
	err := r.db.QueryRowContext(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text`).Scan(&recovering, &replay)
	r.mu.Lock()
	defer r.mu.Unlock()
	wasUp := r.reached && !r.freshAsOf.IsZero() && now.Sub(r.freshAsOf) <= rs.maxLag
	if err != nil {
		if r.reached || r.err == nil {
			rs.log.Warn("replica unreachable: its reads go to the primary", "replica", r.name, "err", err)
		}
		r.reached, r.err = false, err
		return
	}
	if !r.reached {
		rs.log.Info("replica reachable", "replica", r.name)
	}
	r.reached, r.err = true, nil
	switch {
	case !recovering:
		// Not a standby (promoted, or a primary by mistake): it is as
		// fresh as it is itself.
		r.freshAsOf = now
	case replay.Valid:
		if lsn, err := parseLSN(replay.String); err == nil {
			if at, ok := freshAsOf(rs.history, lsn); ok && at.After(r.freshAsOf) {
				r.freshAsOf = at
			}
		}
	}
	if up := !r.freshAsOf.IsZero() && now.Sub(r.freshAsOf) <= rs.maxLag; up != wasUp {
		if up {
			rs.log.Info("replica serves reads", "replica", r.name)
		} else {
			rs.log.Warn("replica too far behind: its reads go to the primary", "replica", r.name,
				"lag", lagOf(r.freshAsOf, now), "max", rs.maxLag)
		}
	}
}

// freshAsOf returns the instant of the newest primary position at or
// before replay: every write acknowledged before then is replayed.
func freshAsOf(history []lsnAt, replay uint64) (time.Time, bool) {
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].lsn <= replay {
			return history[i].at, true
		}
	}
	return time.Time{}, false
}

func lagOf(fresh, now time.Time) time.Duration {
	if fresh.IsZero() {
		return -1
	}
	return now.Sub(fresh)
}

// parseLSN reads a WAL position as PostgreSQL prints it ("16/B374D848").
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("WAL position %q", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("WAL position %q: %w", s, err)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("WAL position %q: %w", s, err)
	}
	return h<<32 | l, nil
}

// usable reports whether r may serve a read at now.
func (r *replica) usable(now time.Time, maxLag time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reached && !r.freshAsOf.IsZero() && now.Sub(r.freshAsOf) <= maxLag
}

// failed marks r unreachable after a read failed on it, until the next
// check reaches it.
func (r *replica) failed(err error) {
	r.failures.Add(1)
	r.mu.Lock()
	r.reached, r.err = false, err
	r.mu.Unlock()
}

// pick returns a usable replica, in turn, or nil.
func (rs *replicaSet) pick() *replica {
	now := time.Now()
	n := uint64(len(rs.list))
	start := rs.next.Add(1)
	for i := range n {
		if r := rs.list[(start+i)%n]; r.usable(now, rs.maxLag) {
			return r
		}
	}
	return nil
}

// ReadReplica runs fn with a Reader on a replica (Options.Replicas) that
// is reachable and at most Options.MaxLag behind the primary, or on the
// primary when there is none. A read that fails on the replica (it went
// down, it timed out, the standby cancelled the query) is done again on
// the primary, and the replica is set aside until the next check reaches
// it; an application error (not found, invalid) is an answer, not a
// failure. fn may therefore run twice: it must only read and set its
// results.
//
// Only reads that may be a few seconds old belong here: never one that
// decides something scarce (a seat, a payment, an account) or that shows a
// user what they just wrote. Calls of ReadReplica are the list of the
// reads that go to replicas (docs/scale.md).
func (s *Store) ReadReplica(ctx context.Context, fn func(ctx context.Context, r Reader) error) error {
	primary := Reader{reader: s.reader}
	rs := s.replicas
	if rs == nil {
		return fn(ctx, primary)
	}
	r := rs.pick()
	if r == nil {
		rs.onPrimary.Add(1)
		return fn(ctx, primary)
	}
	rctx, cancel := context.WithTimeout(ctx, rs.timeout)
	err := fn(rctx, Reader{reader: reader{q: r.db, engine: Postgres}, replica: true})
	cancel()
	var answer *kaowu.Error
	if err == nil || errors.As(err, &answer) || ctx.Err() != nil {
		r.reads.Add(1)
		return err
	}
	r.failed(err)
	rs.onPrimary.Add(1)
	rs.log.Warn("read failed on a replica: done on the primary", "replica", r.name, "err", err)
	return fn(ctx, primary)
}

// ReplicaStats returns the replicas' state and counters.
func (s *Store) ReplicaStats() ReplicaStats {
	var st ReplicaStats
	rs := s.replicas
	if rs == nil {
		return st
	}
	now := time.Now()
	for _, r := range rs.list {
		r.mu.Lock()
		fresh, reached := r.freshAsOf, r.reached
		r.mu.Unlock()
		st.Replicas = append(st.Replicas, ReplicaStat{Name: r.name, Up: reached && !fresh.IsZero() && now.Sub(fresh) <= rs.maxLag,
			Lag: lagOf(fresh, now), Reads: r.reads.Load(), Failures: r.failures.Load()})
	}
	st.OnPrimary = rs.onPrimary.Load()
	return st
}

// ReplicaDBs returns the replicas' pools by name, for pool metrics.
func (s *Store) ReplicaDBs() map[string]*sql.DB {
	m := map[string]*sql.DB{}
	if s.replicas != nil {
		for i, r := range s.replicas.list {
			m[fmt.Sprintf("replica%d", i+1)] = r.db
		}
	}
	return m
}
