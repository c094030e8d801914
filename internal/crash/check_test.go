package crash

import (
	"database/sql"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// dbApplication is one applications row.
type dbApplication struct {
	id, candidate, username, state string
	year, version                  int
	submittedAt                    bool
}

func (a dbApplication) submitted() bool { return a.state == "submitted" || a.state == "confirmed" }

// dbSnapshot is what the crash test reads back: the applications, their
// versions, and the audit and reminder rows a submission writes with them.
type dbSnapshot struct {
	apps      []dbApplication
	versions  map[string][]int    // application id → version numbers
	audits    map[string][]string // application id → details of application.submit entries
	reminders map[string][]string // user id → bodies of application.submitted/confirmed reminders
}

// openDB opens the database the server runs on, for reading, with plain
// database/sql: independent of the code under test.
func openDB(dsn string) (*sql.DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return sql.Open("pgx", dsn)
	}
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "query_only(1)")
	return sql.Open("sqlite", "file:"+dsn+"?"+v.Encode())
}

// readDB reads the snapshot; the queries take no parameters, so that one
// text serves both engines.
func readDB(t *testing.T, dsn string) *dbSnapshot {
	t.Helper()
	db, err := openDB(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := &dbSnapshot{versions: map[string][]int{}, audits: map[string][]string{}, reminders: map[string][]string{}}
	query := func(q string, scan func(*sql.Rows) error) {
		t.Helper()
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	query(`SELECT a.id, a.candidate_id, u.username, a.state, a.year, a.version, a.submitted_at IS NOT NULL
		FROM applications a JOIN users u ON u.id = a.candidate_id ORDER BY u.username`, func(r *sql.Rows) error {
		var a dbApplication
		err := r.Scan(&a.id, &a.candidate, &a.username, &a.state, &a.year, &a.version, &a.submittedAt)
		s.apps = append(s.apps, a)
		return err
	})
	query(`SELECT application_id, version FROM application_versions`, func(r *sql.Rows) error {
		var id string
		var v int
		err := r.Scan(&id, &v)
		s.versions[id] = append(s.versions[id], v)
		return err
	})
	query(`SELECT object, detail FROM audit_log WHERE action = 'application.submit'`, func(r *sql.Rows) error {
		var id, detail string
		err := r.Scan(&id, &detail)
		s.audits[id] = append(s.audits[id], detail)
		return err
	})
	query(`SELECT user_id, body FROM reminders WHERE kind IN ('application.submitted', 'application.confirmed')`, func(r *sql.Rows) error {
		var id, body string
		err := r.Scan(&id, &body)
		s.reminders[id] = append(s.reminders[id], body)
		return err
	})
	for _, vs := range s.versions {
		sort.Ints(vs)
	}
	return s
}

// applicationOf returns the candidate's application (the demo has one
// exam year).
func (s *dbSnapshot) applicationOf(username string) (dbApplication, bool) {
	for _, a := range s.apps {
		if a.username == username {
			return a, true
		}
	}
	return dbApplication{}, false
}

var (
	auditVersion    = regexp.MustCompile(`^提交第(\d+)版`)
	reminderVersion = regexp.MustCompile(`，第(\d+)版）`)
)

// consistency returns every way in which the database is half-written:
// what one submission writes in one transaction (the version, the
// application's state and number, the audit entry, the reminder) must be
// all there or all absent, for every application in the database.
func (s *dbSnapshot) consistency() []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	perCandidate := map[string]int{}
	byID := map[string]dbApplication{}
	for _, a := range s.apps {
		byID[a.id] = a
		perCandidate[fmt.Sprintf("%s/%d", a.username, a.year)]++
		vs := s.versions[a.id]
		// Versions are numbered 1…version, without gaps or strays.
		if len(vs) != a.version {
			bad("%s: application version %d, but %d version rows %v", a.username, a.version, len(vs), vs)
		} else {
			for i, v := range vs {
				if v != i+1 {
					bad("%s: version rows %v are not 1…%d", a.username, vs, a.version)
					break
				}
			}
		}
		if a.submitted() && (a.version == 0 || !a.submittedAt) {
			bad("%s: %s without a version or a submission time (version %d)", a.username, a.state, a.version)
		}
		if a.state == "draft" && a.version == 0 && a.submittedAt {
			bad("%s: a draft never submitted has a submission time", a.username)
		}
		// Each version has its audit entry and its reminder, once.
		audits := countVersions(s.audits[a.id], auditVersion)
		reminders := countVersions(s.reminders[a.candidate], reminderVersion)
		for _, v := range vs {
			if audits[v] != 1 {
				bad("%s: version %d has %d audit entries, want 1", a.username, v, audits[v])
			}
			if reminders[v] != 1 {
				bad("%s: version %d has %d reminders, want 1", a.username, v, reminders[v])
			}
		}
		for v := range audits {
			if v < 1 || v > len(vs) {
				bad("%s: audit entry for version %d, which does not exist", a.username, v)
			}
		}
		for v := range reminders {
			if v < 1 || v > len(vs) {
				bad("%s: reminder for version %d, which does not exist", a.username, v)
			}
		}
	}
	for who, n := range perCandidate {
		if n > 1 {
			bad("%s: %d applications in one year", who, n)
		}
	}
	for id, vs := range s.versions {
		if _, ok := byID[id]; !ok {
			bad("versions %v of application %s, which does not exist", vs, id)
		}
	}
	for id := range s.audits {
		if _, ok := byID[id]; !ok {
			bad("application.submit audit entry for application %s, which does not exist", id)
		}
	}
	sort.Strings(problems)
	return problems
}

// countVersions counts texts by the version number re finds in them; -1
// counts those without one.
func countVersions(texts []string, re *regexp.Regexp) map[int]int {
	n := map[int]int{}
	for _, text := range texts {
		v := -1
		if m := re.FindStringSubmatch(text); m != nil {
			v, _ = strconv.Atoi(m[1])
		}
		n[v]++
	}
	return n
}

// TestConsistencyFindsHalfWrites checks the checker: each half-written
// submission it must see is reported.
func TestConsistencyFindsHalfWrites(t *testing.T) {
	whole := func() *dbSnapshot {
		return &dbSnapshot{
			apps: []dbApplication{
				{id: "a1", candidate: "u1", username: "cand0001", state: "submitted", year: 2024, version: 1, submittedAt: true},
				{id: "a2", candidate: "u2", username: "cand0002", state: "draft", year: 2024},
			},
			versions:  map[string][]int{"a1": {1}},
			audits:    map[string][]string{"a1": {"提交第1版：368 护理学，资格判断 可以报考"}},
			reminders: map[string][]string{"u1": {"您的报名信息（368 护理学，第1版）已提交。"}},
		}
	}
	if p := whole().consistency(); len(p) != 0 {
		t.Fatalf("a whole database is reported: %v", p)
	}
	for name, spoil := range map[string]func(s *dbSnapshot){
		"version row without the number": func(s *dbSnapshot) { s.versions["a2"] = []int{1} },
		"number without the version row": func(s *dbSnapshot) { delete(s.versions, "a1") },
		"state without the number":       func(s *dbSnapshot) { s.apps[1].state = "submitted" },
		"no audit entry":                 func(s *dbSnapshot) { delete(s.audits, "a1") },
		"no reminder":                    func(s *dbSnapshot) { delete(s.reminders, "u1") },
		"two reminders":                  func(s *dbSnapshot) { s.reminders["u1"] = append(s.reminders["u1"], s.reminders["u1"][0]) },
		"stray audit entry":              func(s *dbSnapshot) { s.audits["a2"] = []string{"提交第1版：…"} },
		"orphan version":                 func(s *dbSnapshot) { s.versions["a9"] = []int{1} },
		"two applications": func(s *dbSnapshot) {
			s.apps = append(s.apps, dbApplication{id: "a3", candidate: "u1", username: "cand0001", state: "draft", year: 2024})
		},
	} {
		s := whole()
		spoil(s)
		if p := s.consistency(); len(p) == 0 {
			t.Errorf("%s: not reported", name)
		}
	}
}
