package store_test

import (
	"context"
	"testing"

	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// TestListEstimate: the estimate of a list's count, made from a sample of
// its table, is near the exact count on a table larger than the sample
// (a smaller one is counted).
func TestListEstimate(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		storetest.SeedLists(t, s, 12000)
		y := store.ListQuery{Year: 2024}
		site, clinic, paid := y, y, y
		site.Scope = store.ListScope{Site: "chaoyang", District: "朝阳区"}
		clinic.Filter.UnitCategory = "clinic"
		paid.Filter.State = "paid"
		type counter interface {
			Count(context.Context, store.Source, store.ListQuery) (int, error)
			Estimate(context.Context, store.Source, store.ListQuery) (int, error)
		}
		for _, c := range []struct {
			name string
			l    counter
			q    store.ListQuery
		}{
			{"applications", store.Applications, y},
			{"applications of a site", store.Applications, site},
			{"applications of clinics", store.Applications, clinic},
			{"paid applications", store.Applications, paid},
			{"candidates of a site", store.Candidates, site},
			{"payments of clinics", store.Payments, clinic},
		} {
			n, err := c.l.Count(ctx, s, c.q)
			if err != nil {
				t.Fatal(err)
			}
			e, err := c.l.Estimate(ctx, s, c.q)
			if err != nil || e < n*3/4 || e > n*5/4 {
				t.Errorf("%s: estimate %d, %v; exact %d", c.name, e, err, n)
			}
		}
	})
}
