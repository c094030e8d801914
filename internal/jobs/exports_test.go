package jobs_test

import (
	"bytes"
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/xuri/excelize/v2"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/jobs"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// TestListExportJob: a list too long to download at once is exported by
// the job queue; the first run dies midway, as a node that crashes; River
// runs the job again and the export is made whole.
func TestListExportJob(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := app.New(s, kaowu.SystemClock{}, testLog(t))
		if err := a.Bootstrap(ctx); err != nil {
			t.Fatal(err)
		}
		storetest.SeedLists(t, s, app.ExportNowMax+200)
		u := kaowu.User{Username: "region", Name: "考区", Role: kaowu.RoleRegionStaff, PasswordHash: "x", CreatedAt: time.Now()}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u) }); err != nil {
			t.Fatal(err)
		}
		region := app.Actor{Username: "region", Role: kaowu.RoleRegionStaff}
		var runs atomic.Int32
		cfg := testConfig()
		cfg.ListExports = func(ctx context.Context, id string) (bool, error) {
			if runs.Add(1) == 1 {
				stop, cancel := context.WithCancel(ctx)
				defer cancel()
				return a.RunListExport(stop, id, func(done, total int) {
					if done > 0 {
						cancel() // the node dies after its first batch
					}
				})
			}
			return a.RunListExport(ctx, id, nil)
		}
		j, ev := start(t, s, cfg)
		a.Exports = j
		res, err := a.ExportList(ctx, region, store.ListApplications, app.ListParams{}, func(string) io.Writer { return io.Discard })
		if err != nil || res.Export == nil {
			t.Fatalf("export: %+v %v", res, err)
		}
		ev.wait(t, river.EventKindJobCompleted, 1)
		rows := ev.completed()
		if rows[0].Kind != (jobs.ListExportArgs{}).Kind() || rows[0].Queue != jobs.ExportQueue || rows[0].Attempt != 2 || len(rows[0].Errors) != 1 {
			t.Errorf("job: %s in %s, attempt %d, errors %v", rows[0].Kind, rows[0].Queue, rows[0].Attempt, rows[0].Errors)
		}
		e, err := a.ListExportOf(ctx, region, res.Export.ID)
		if err != nil || e.State != "done" || e.Runs != 2 || e.Done != e.Total || e.Total <= app.ExportNowMax {
			t.Fatalf("export after the job: %+v %v", e, err)
		}
		_, file, err := a.ListExportFile(ctx, region, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		got, _ := f.GetRows(f.GetSheetList()[0])
		if len(got) != e.Total+1 {
			t.Errorf("file has %d rows, want %d and the header", len(got), e.Total)
		}
	})
}
