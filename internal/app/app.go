// Package app holds the use cases: each call is one transaction that loads,
// decides (through the pure engines), writes, and appends its audit row.
package app

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/policy"
)

// App is the system's use cases over one store and one clock.
type App struct {
	Store *store.Store
	Clock kaowu.Clock
	Log   *slog.Logger
	// Reminders, when set, delivers reminders beyond the in-app inbox
	// (WeChat, email) through the job queue.
	Reminders Enqueuer
	// Payments, when set, is the online payment provider (三); NotifyURL
	// is the absolute address of POST /payment/notify that it calls back.
	Payments  PaymentProvider
	NotifyURL string
	// Ledger, when set, is the provider's own ledger for reconciliation.
	Ledger LedgerSource
	// Builds, when set, runs ticket builds in the background; without it
	// the caller runs them (RunTicketBuild), as the command line does.
	Builds BuildQueue
	// Exports, when set, runs the large exports of staff lists in the
	// background (RunListExport otherwise).
	Exports ExportQueue
	// ListCountBudget is how long a list's page waits for its exact count
	// before it shows an estimate: DefaultListCountBudget when 0, always
	// an estimate when negative.
	ListCountBudget time.Duration
	// ScoreWarmAhead, when set, has each look-up of a year's scores from
	// that long before their publication on start filling this node's
	// memory with the year's answers (WarmScores) once per revision, so
	// that release day's first look-ups read nothing from the database.
	ScoreWarmAhead time.Duration

	mu     sync.Mutex
	years  map[int]cachedYear
	revs   [][2]int64 // the stored years' revisions, newest first (yearRevisions)
	revsAt time.Time
	key    []byte // the form-signing key, once read (formKey)
	// ticketSigner signs the tickets' QR codes, once read (ticketKey).
	ticketSigner ed25519.PrivateKey
	// scoreCache holds the score look-up's recent rows (scores.go).
	scoreCache scoreCache
	// purged is the last scheduled purge that found nothing (retention.go).
	purged purgeMark
	// DashboardTTL is how long a computed dashboard is served to every
	// office that asks (dashboard.go): 0 means DefaultDashboardTTL, a
	// negative value computes each request anew.
	DashboardTTL time.Duration
	dashboards   dashboardCache
}

type cachedYear struct {
	revision int64
	year     *policy.Year
}

// New returns an App.
func New(s *store.Store, clock kaowu.Clock, log *slog.Logger) *App {
	return &App{Store: s, Clock: clock, Log: log, years: map[int]cachedYear{}}
}

// Actor is who performs a use case, for authorization and the audit log.
type Actor struct {
	Username string
	Role     kaowu.Role
	// Account, when set, is the actor's account as the request's session
	// loaded it: the use cases take it instead of reading it again.
	Account *kaowu.Account
}

// System is the actor of work the system does by itself or that an operator
// does from the command line.
var System = Actor{Username: "system", Role: kaowu.RoleAdmin}

// Bootstrap migrates the database and stores every embedded exam year that
// is not stored yet (a stored year, possibly edited by the region office, is
// never overwritten).
func (a *App) Bootstrap(ctx context.Context) error {
	if err := a.Store.Migrate(ctx); err != nil {
		return err
	}
	embedded := policy.Embedded()
	years := make([]int, 0, len(embedded))
	for y := range embedded {
		years = append(years, y)
	}
	sort.Ints(years)
	defer a.forgetRevisions()
	return a.Store.Update(ctx, func(tx *store.Tx) error {
		for _, y := range years {
			if _, err := policy.Load(embedded[y]); err != nil {
				return fmt.Errorf("embedded year %d: %w", y, err)
			}
			seeded, err := tx.SeedYear(ctx, y, embedded[y], a.Clock.Now())
			if err != nil {
				return err
			}
			if seeded {
				if err := a.audit(ctx, tx, System, "year.seed", fmt.Sprint(y), "载入内置考试年度数据"); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// revisionsTTL is how long a process trusts the stored years' revisions it
// read: a year loaded on one node is seen by the others within it (at
// once by the node that loaded it), and a page costs no read of them.
const revisionsTTL = time.Second

// yearRevisions returns the stored years and their revisions, newest
// first, read at most once per revisionsTTL (real time: a set clock, as in
// --now, must not stop it).
func (a *App) yearRevisions(ctx context.Context) ([][2]int64, error) {
	a.mu.Lock()
	revs, at := a.revs, a.revsAt
	a.mu.Unlock()
	if revs != nil && time.Since(at) < revisionsTTL {
		return revs, nil
	}
	revs, err := a.Store.YearRevisions(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.revs, a.revsAt = revs, time.Now()
	a.mu.Unlock()
	return revs, nil
}

// forgetRevisions makes the next yearRevisions read them: after this
// process stored a year.
func (a *App) forgetRevisions() {
	a.mu.Lock()
	a.revs = nil
	a.mu.Unlock()
}

// Year returns exam year y as stored. Parsed years are cached by revision
// (yearRevisions), so a change made by another process is seen within
// revisionsTTL.
func (a *App) Year(ctx context.Context, y int) (*policy.Year, error) {
	revs, err := a.yearRevisions(ctx)
	if err != nil {
		return nil, err
	}
	rev := int64(-1)
	for _, r := range revs {
		if r[0] == int64(y) {
			rev = r[1]
		}
	}
	if rev < 0 {
		return nil, kaowu.Errorf(kaowu.ENOTFOUND, "没有%d考试年度的数据", y)
	}
	a.mu.Lock()
	c, ok := a.years[y]
	a.mu.Unlock()
	if ok && c.revision == rev {
		return c.year, nil
	}
	doc, err := a.Store.Year(ctx, y)
	if err != nil {
		return nil, err
	}
	py, err := policy.Load(doc)
	if err != nil {
		return nil, fmt.Errorf("load stored year %d: %w", y, err)
	}
	a.mu.Lock()
	a.years[y] = cachedYear{revision: rev, year: py}
	a.mu.Unlock()
	return py, nil
}

// Years returns the stored exam years, newest first.
func (a *App) Years(ctx context.Context) ([]int, error) {
	revs, err := a.yearRevisions(ctx)
	out := make([]int, len(revs))
	for i, r := range revs {
		out[i] = int(r[0])
	}
	return out, err
}

// CurrentYear returns the exam year the system works on now: the newest
// stored year whose online application has opened, else the oldest stored
// year.
func (a *App) CurrentYear(ctx context.Context) (*policy.Year, error) {
	years, err := a.Years(ctx)
	if err != nil {
		return nil, err
	}
	if len(years) == 0 {
		return nil, kaowu.Errorf(kaowu.ENOTFOUND, "尚未载入任何考试年度数据，请先运行 kaowu migrate")
	}
	now := a.Clock.Now()
	for _, y := range years {
		py, err := a.Year(ctx, y)
		if err != nil {
			return nil, err
		}
		if w, ok := py.Window(kaowu.WindowApplication); ok && !now.Before(w.Start) {
			return py, nil
		}
	}
	return a.Year(ctx, years[len(years)-1])
}

// ImportCatalog replaces the catalogue of exam year y with the rows of an
// official file (header first), all or nothing: any bad row refuses the
// whole file with a row-by-row report, and nothing changes.
func (a *App) ImportCatalog(ctx context.Context, actor Actor, y int, rows [][]string, source string) (*policy.Year, error) {
	if actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考区考试管理机构可以导入专业目录")
	}
	var out *policy.Year
	defer a.forgetRevisions()
	err := a.Store.Update(ctx, func(tx *store.Tx) error {
		doc, err := tx.Year(ctx, y)
		if err != nil {
			return err
		}
		py, err := policy.Load(doc)
		if err != nil {
			return err
		}
		before := len(py.Catalog)
		if py.Catalog, err = py.ParseCatalog(rows, source); err != nil {
			return err
		}
		if err := py.Validate(); err != nil {
			return err
		}
		b, err := py.Marshal()
		if err != nil {
			return err
		}
		if err := tx.PutYear(ctx, y, b, a.Clock.Now()); err != nil {
			return err
		}
		active, removed := py.CatalogCounts()
		out = py
		return a.audit(ctx, tx, actor, "catalog.import", fmt.Sprint(y),
			fmt.Sprintf("导入专业目录 %s：原 %d 行，现 %d 行（在用 %d，取消 %d）", source, before, len(py.Catalog), active, removed))
	})
	if err != nil {
		return nil, fmt.Errorf("import catalog %d: %w", y, err)
	}
	return out, nil
}

// audit appends one audit row inside tx.
func (a *App) audit(ctx context.Context, tx *store.Tx, actor Actor, action, object, detail string) error {
	return tx.AppendAudit(ctx, kaowu.AuditEntry{
		At: a.Clock.Now(), Actor: actor.Username, Role: actor.Role, Action: action, Object: object, Detail: detail,
	})
}

// LoadYear validates a whole exam year's document and stores it, replacing
// the stored year of the same number.
func (a *App) LoadYear(ctx context.Context, actor Actor, doc []byte) (*policy.Year, error) {
	if actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考区考试管理机构可以载入考试年度数据")
	}
	y, err := policy.Load(doc)
	if err != nil {
		return nil, err
	}
	defer a.forgetRevisions()
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PutYear(ctx, y.Year, doc, a.Clock.Now()); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "year.load", fmt.Sprint(y.Year), "载入考试年度数据")
	})
	if err != nil {
		return nil, fmt.Errorf("load year %d: %w", y.Year, err)
	}
	return y, nil
}

// YearPreview is what loading a year document would change: the draft as
// parsed, the stored year it is compared with, and the differences.
type YearPreview struct {
	Draft *policy.Year
	// Base is the stored year of the same number when there is one (the
	// load would replace it), else the newest stored earlier year; nil
	// when no year is stored before it.
	Base    *policy.Year
	Changes []policy.Change
}

// PreviewYear validates a year document (as `kaowu policy draft` makes and
// the region office edits) and compares it with the stored years, without
// storing anything, so that the office reviews the changes before LoadYear.
func (a *App) PreviewYear(ctx context.Context, actor Actor, doc []byte) (YearPreview, error) {
	if actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return YearPreview{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考区考试管理机构可以载入考试年度数据")
	}
	draft, err := policy.Load(doc)
	if err != nil {
		return YearPreview{}, err
	}
	p := YearPreview{Draft: draft}
	years, err := a.Years(ctx)
	if err != nil {
		return p, err
	}
	base := 0
	for _, y := range years { // newest first
		if y <= draft.Year && y > base {
			base = y
		}
	}
	if base == 0 {
		return p, nil
	}
	if p.Base, err = a.Year(ctx, base); err != nil {
		return p, err
	}
	p.Changes, err = policy.Diff(p.Base, draft)
	return p, err
}

// CompareYears returns what changed from stored year from to stored year to
// (kaowu policy diff).
func (a *App) CompareYears(ctx context.Context, from, to int) (YearPreview, error) {
	base, err := a.Year(ctx, from)
	if err != nil {
		return YearPreview{}, err
	}
	draft, err := a.Year(ctx, to)
	if err != nil {
		return YearPreview{}, err
	}
	changes, err := policy.Diff(base, draft)
	return YearPreview{Draft: draft, Base: base, Changes: changes}, err
}
