package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// BenchmarkPurgePersonalData measures a year's purge: n candidates of 2024,
// each with a photo (12 KB), a WeChat binding, a mobile number and an
// application with a submitted version (photo and snapshot), purged once
// 2024's retention has ended. Each iteration seeds a fresh database (not
// timed) and purges it; it reports candidates purged per second.
func BenchmarkPurgePersonalData(b *testing.B) {
	const n = 5000
	photo := photoJPEG(295, 413)
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(e.name, func(b *testing.B) {
			var purged time.Duration
			for b.Loop() {
				b.StopTimer()
				s := e.open(b)
				a, clock := newApp(b, s)
				ctx := context.Background()
				err := s.Update(ctx, func(tx *store.Tx) error {
					for i := range n {
						acc := kaowu.Account{User: kaowu.User{Username: fmt.Sprintf("purge%05d", i), Name: "考生", Role: kaowu.RoleCandidate,
							PasswordHash: "x", CreatedAt: t0}, IDType: kaowu.IDResident, IDNumber: kaowu.IDNumber(resident(20000 + i)), Mobile: "13912345678"}
						if err := tx.CreateAccount(ctx, &acc); err != nil {
							return err
						}
						if err := tx.PutPhoto(ctx, acc.ID, photo, 295, 413, t0); err != nil {
							return err
						}
						if err := tx.BindWeChat(ctx, kaowu.WeChatBinding{UserID: acc.ID, OpenID: "o-" + acc.Username, BoundAt: t0}); err != nil {
							return err
						}
						ap := kaowu.Application{CandidateID: acc.ID, Year: 2024, Site: "fengtai", Specialty: "368", State: kaowu.StateTicketed, CreatedAt: t0}
						if err := tx.CreateApplication(ctx, &ap); err != nil {
							return err
						}
						if err := storetest.Score(ctx, tx, ap.ID, 2024, "fengtai", "368", t0); err != nil { // scored
							return err
						}
						if err := tx.InsertVersion(ctx, kaowu.ApplicationVersion{ApplicationID: ap.ID, Version: 1, SubmittedAt: t0, Outcome: "eligible",
							Snapshot: []byte(`{"name":"考生","mobile":"13912345678","specialty":{"code":"368"}}`), Digest: "d", Photo: photo}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				clock.Set(retentionEnds)
				b.StartTimer()
				start := time.Now()
				rep, err := a.PurgePersonalData(ctx, clock.Now())
				purged += time.Since(start)
				if err != nil || rep.Accounts.Accounts != n || rep.Applications.Photos != n {
					b.Fatalf("purge %+v %v", rep, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/purged.Seconds(), "candidates/s")
		})
	}
}
