package app_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// BenchmarkSubmit measures application submissions through the whole write
// path — load the draft, the account, profile, unit and photo, last year's
// records, evaluate eligibility, snapshot, then one transaction inserting
// the version, moving the state and appending the audit row — with 1 and
// with 32 concurrent clients, on SQLite and PostgreSQL. The applicants are
// made before the timer starts, straight through the store.
func BenchmarkSubmit(b *testing.B) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		for _, clients := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/clients=%d", e.name, clients), func(b *testing.B) {
				s := e.open(b)
				a, _ := newApp(b, s)
				actors := applicants(b, s, b.N)
				var next atomic.Int64
				submit := func() bool {
					if _, err := a.Submit(context.Background(), actors[next.Add(1)-1], 0, true); err != nil {
						b.Error(err)
						return false
					}
					return true
				}
				b.ResetTimer()
				if clients == 1 {
					for i := 0; i < b.N && submit(); i++ {
					}
				} else {
					// RunParallel runs clients × GOMAXPROCS goroutines.
					b.SetParallelism(clients / runtime.GOMAXPROCS(0))
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() && submit() {
						}
					})
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submissions/s")
			})
		}
	}
}

// applicants makes n candidates ready to submit: account, WeChat binding,
// profile, photo and a draft application for 368 at Fengtai.
func applicants(b *testing.B, s *store.Store, n int) []app.Actor {
	b.Helper()
	ctx := context.Background()
	ft := kaowu.Unit{Name: "丰台压测医院", District: "丰台区", Category: "direct_hospital", CreatedAt: t0}
	photo := photoJPEG(360, 480)
	out := make([]app.Actor, n)
	err := s.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUnit(ctx, &ft); err != nil {
			return err
		}
		for i := range n {
			acc := kaowu.Account{User: kaowu.User{Username: fmt.Sprintf("bench%06d", i), Name: "压测考生", Role: kaowu.RoleCandidate,
				PasswordHash: "x", CreatedAt: t0}, IDType: kaowu.IDResident, IDNumber: kaowu.IDNumber(resident(100000 + i)), Mobile: "13912345678"}
			if err := tx.CreateAccount(ctx, &acc); err != nil {
				return err
			}
			if err := tx.BindWeChat(ctx, kaowu.WeChatBinding{UserID: acc.ID, OpenID: "bench-" + acc.ID, BoundAt: t0}); err != nil {
				return err
			}
			p := validProfile(ft.ID)
			p.UserID = acc.ID
			if err := tx.PutProfile(ctx, p, t0); err != nil {
				return err
			}
			if err := tx.PutPhoto(ctx, acc.ID, photo, 360, 480, t0); err != nil {
				return err
			}
			ap := kaowu.Application{CandidateID: acc.ID, Year: 2024, Site: "fengtai", Specialty: "368", Level: kaowu.LevelIntermediate,
				Decl: nurseDecl, State: kaowu.StateDraft, CreatedAt: t0}
			if err := tx.CreateApplication(ctx, &ap); err != nil {
				return err
			}
			out[i] = app.Actor{Username: acc.Username, Role: kaowu.RoleCandidate}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}
