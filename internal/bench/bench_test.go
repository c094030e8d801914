package bench

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/server"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// TestMixes runs every mix briefly against a real server on SQLite and
// checks that each drives what it says without a single error: the tool
// must be able to walk the pages it measures.
func TestMixes(t *testing.T) {
	s := storetest.SQLite(t)
	inWindow := time.Date(2023, 12, 5, 10, 0, 0, 0, kaowu.Shanghai)
	a := app.New(s, kaowu.NewManualClock(inWindow), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	if err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	u := kaowu.Unit{Name: "丰台区压测医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(a, a.Log, "")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	for _, c := range []struct {
		mix      string
		duration time.Duration // long enough for one whole walk under -race
		want     []string      // operations that must have succeeded at least once
	}{
		{"catalog", 2 * time.Second, []string{"catalog"}}, // under -race on a busy machine the first answer alone took over 300 ms
		{"status", 300 * time.Millisecond, []string{"status"}},
		{"submit", 0, []string{"submit"}},
		{"journey", 10 * time.Second, []string{"register", "wechat", "profile", "photo", "apply", "check", "submit", "status"}},
	} {
		t.Run(c.mix, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[string]int{} // op → successful exchanges observed
			users := map[string]bool{}
			rep, err := Run(ctx, Config{URL: ts.URL, Mix: c.mix, Clients: 2, Count: 3, Duration: c.duration, Observe: func(x Exchange) {
				mu.Lock()
				defer mu.Unlock()
				if x.Err == nil && x.Status != 0 && x.Header != nil && !x.End.Before(x.Start) {
					seen[x.Op]++
				}
				if x.Op == "submit" {
					users[x.User] = true
				}
			}})
			if err != nil {
				t.Fatal(err)
			}
			// Every request the report counts was observed, with its answer.
			for _, o := range rep.Ops {
				if seen[o.Name] < o.OK {
					t.Errorf("%s: %d ok, %d observed", o.Name, o.OK, seen[o.Name])
				}
			}
			if c.mix == "submit" && len(users) != 3 {
				t.Errorf("submissions observed for %d users, want 3", len(users))
			}
			for _, o := range rep.Ops {
				if len(o.Errors) > 0 {
					t.Errorf("%s: errors %v: %v", o.Name, o.Errors, o.Samples)
				}
			}
			for _, name := range c.want {
				if o := rep.Op(name); o.OK == 0 || o.P99 <= 0 {
					t.Errorf("%s: %d ok, p99 %v", name, o.OK, o.P99)
				}
			}
			if c.mix == "submit" && rep.Op("submit").OK != 3 {
				t.Errorf("submit: %d ok, want 3", rep.Op("submit").OK)
			}
		})
	}
}

// TestRefusesWhatItCannotDrive: a server where candidates cannot get
// through (here: nothing listening) fails the run instead of reporting
// empty figures.
func TestRefusesWhatItCannotDrive(t *testing.T) {
	ts := httptest.NewServer(nil)
	url := ts.URL
	ts.Close()
	if _, err := Run(context.Background(), Config{URL: url, Mix: "submit", Clients: 1, Count: 2}); err == nil {
		t.Error("a run against a closed port succeeded")
	}
	if _, err := Run(context.Background(), Config{URL: url, Mix: "nonsense"}); err == nil {
		t.Error("an unknown mix was accepted")
	}
}

func TestIDNumbersAreValidAndUnique(t *testing.T) {
	r := &runner{run: "abc123"}
	seen := map[string]bool{}
	for i := range 5000 {
		u := &user{r: r, n: int64(i + 1)}
		id := u.idNumber()
		if _, err := kaowu.ParseIDNumber(kaowu.IDResident, id, kaowu.Date{}); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if seen[id] {
			t.Fatalf("%s twice", id)
		}
		seen[id] = true
	}
}

// TestBare: the bare handler's body is JSON, and the fixed and scores
// mixes drive it without errors (the scores mix against kaowu itself runs
// in internal/app's BenchmarkScoreLookupLoad, which has published scores).
func TestBare(t *testing.T) {
	if !json.Valid(bareBody) {
		t.Fatalf("bare body is not JSON: %s", bareBody)
	}
	ts := httptest.NewServer(Bare())
	defer ts.Close()
	for _, mix := range []string{"fixed", "scores"} {
		rep, err := Run(context.Background(), Config{URL: ts.URL, Mix: mix, Clients: 2, Duration: 100 * time.Millisecond,
			Scores: []ScoreQuery{{"2411010636800001", "11010519491231002X"}}})
		if err != nil {
			t.Fatal(err)
		}
		if o := rep.Op(mix); o.OK == 0 || len(o.Errors) > 0 {
			t.Errorf("%s: %d ok, errors %v", mix, o.OK, o.Errors)
		}
	}
	if _, err := Run(context.Background(), Config{URL: ts.URL, Mix: "scores"}); err == nil {
		t.Error("the scores mix ran without tickets to look up")
	}
}
