package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

func bootApp(t *testing.T, s *store.Store) *app.App {
	t.Helper()
	a := app.New(s, kaowu.NewManualClock(time.Date(2023, 12, 5, 10, 0, 0, 0, kaowu.Shanghai)), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestImportCatalog(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := bootApp(t, s)
		y, err := a.Year(ctx, 2024)
		if err != nil {
			t.Fatal(err)
		}
		rows := y.CatalogRows()
		rows = rows[:len(rows)-1] // drop the last row: a smaller catalogue is still valid

		for _, role := range []kaowu.Role{kaowu.RoleCandidate, kaowu.RoleSiteStaff, kaowu.RoleUnitHR} {
			_, err := a.ImportCatalog(ctx, app.Actor{Username: "x", Role: role}, 2024, rows, "t.csv")
			if kaowu.ErrorCode(err) != kaowu.EFORBIDDEN {
				t.Errorf("%s imported the catalogue: %v", role, err)
			}
		}
		region := app.Actor{Username: "region", Role: kaowu.RoleRegionStaff}
		bad := append([][]string{}, rows...)
		bad = append(bad, rows[1])
		if _, err := a.ImportCatalog(ctx, region, 2024, bad, "bad.csv"); kaowu.ErrorCode(err) != kaowu.EINVALID {
			t.Fatalf("duplicate row accepted: %v", err)
		}
		if y2, _ := a.Year(ctx, 2024); len(y2.Catalog) != len(y.Catalog) {
			t.Fatal("a refused import changed the stored catalogue")
		}

		got, err := a.ImportCatalog(ctx, region, 2024, rows, "official.csv")
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Catalog) != len(y.Catalog)-1 {
			t.Errorf("imported %d rows, want %d", len(got.Catalog), len(y.Catalog)-1)
		}
		// Another App over the same database (another node) sees it.
		other := bootApp(t, s)
		if y3, _ := other.Year(ctx, 2024); len(y3.Catalog) != len(y.Catalog)-1 {
			t.Error("another process does not see the imported catalogue")
		}
		// Bootstrap again does not overwrite the imported year.
		if err := a.Bootstrap(ctx); err != nil {
			t.Fatal(err)
		}
		if y4, _ := a.Year(ctx, 2024); len(y4.Catalog) != len(y.Catalog)-1 {
			t.Error("bootstrap overwrote the imported catalogue")
		}
		audit, err := s.Audit(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(audit) == 0 || audit[0].Action != "catalog.import" || audit[0].Actor != "region" || !strings.Contains(audit[0].Detail, "official.csv") {
			t.Errorf("newest audit entry = %+v, want the import by region", audit)
		}
	})
}

func TestCurrentYear(t *testing.T) {
	a := bootApp(t, storetest.SQLite(t))
	y, err := a.CurrentYear(context.Background())
	if err != nil || y.Year != 2024 {
		t.Errorf("CurrentYear = %v, %v", y, err)
	}
}
