package app

import (
	"context"
	"fmt"
	"strings"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/policy"
)

// ImportPreviousRecords replaces the previous-year records of exam year y
// (上一年度考生记录) with the rows of the region office's file (header
// first), all or nothing: any bad row refuses the whole file with a
// row-by-row report (第N行…, kaowu.ParsePreviousRecords) and nothing
// changes. Region and site written as names (北京考区, 丰台考点) are stored
// as the codes of the exam year's data. It returns the number of records
// stored and appends one audit row. Region staff and administrators only.
func (a *App) ImportPreviousRecords(ctx context.Context, actor Actor, y int, rows [][]string, source string) (int, error) {
	if actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return 0, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考区考试管理机构可以导入上一年度考生记录")
	}
	recs, err := kaowu.ParsePreviousRecords(y, rows, source)
	if err != nil {
		return 0, fmt.Errorf("import previous records %d: %w", y, err)
	}
	places := a.previousPlaces(ctx, y)
	now := a.Clock.Now()
	var absent, misconduct, qualified int
	for i := range recs {
		r := &recs[i]
		r.Region, r.Site = places.region(r.Region), places.site(r.Site)
		r.ImportedAt = now
		switch {
		case r.Misconduct:
			misconduct++
		case r.Absent:
			absent++
		case r.PassedAll():
			qualified++
		}
	}
	var removed int
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		var err error
		if removed, err = tx.ReplacePreviousRecords(ctx, y, recs); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "previous.import", fmt.Sprint(y),
			fmt.Sprintf("导入%d年度考生记录 %s：原 %d 条，现 %d 条（缺考 %d，违纪 %d，考试合格 %d，可能适用自动确认 %d）",
				y, source, removed, len(recs), absent, misconduct, qualified, len(recs)-absent-misconduct-qualified))
	})
	if err != nil {
		return 0, fmt.Errorf("import previous records %d: %w", y, err)
	}
	if a.Log != nil {
		a.Log.InfoContext(ctx, "previous records imported", "year", y, "source", source, "actor", actor.Username,
			"replaced", removed, "records", len(recs))
	}
	return len(recs), nil
}

// previousPlaces maps the region and site names of a previous-record file
// to codes, from the exam-year data the records serve (y+1), else y's.
type previousPlaces struct {
	regions, sites map[string]string
}

func (a *App) previousPlaces(ctx context.Context, y int) previousPlaces {
	p := previousPlaces{regions: map[string]string{}, sites: map[string]string{}}
	for _, yy := range []int{y, y + 1} { // the later year's names win
		py, err := a.Year(ctx, yy)
		if err != nil {
			continue
		}
		for _, k := range []string{py.Region.Code, py.Region.Name, strings.TrimSuffix(py.Region.Name, "考区")} {
			p.regions[kaowu.FoldText(k)] = py.Region.Code
		}
		for _, s := range py.Sites {
			for _, k := range []string{s.Code, s.Name, strings.TrimSuffix(s.Name, "考点"), s.District} {
				if k != "" {
					p.sites[kaowu.FoldText(k)] = s.Code
				}
			}
		}
	}
	return p
}

func (p previousPlaces) region(s string) string { return placeCode(p.regions, s) }
func (p previousPlaces) site(s string) string   { return placeCode(p.sites, s) }

func placeCode(m map[string]string, s string) string {
	if c, ok := m[kaowu.FoldText(s)]; ok {
		return c
	}
	return strings.TrimSpace(s)
}

// PreviousLookup reads previous-year records: a *store.Store, or the
// caller's *store.Tx.
type PreviousLookup interface {
	PreviousRecordByID(ctx context.Context, y int, t kaowu.IDType, number kaowu.IDNumber) (kaowu.PreviousRecord, error)
	PreviousRecordByArchive(ctx context.Context, y int, archiveNo string) (kaowu.PreviousRecord, error)
}

// ReturningCheck is what last year's records say about an application.
type ReturningCheck struct {
	// Found reports a record of last year under the application's ID
	// document; Result is then the automatic-confirmation decision, with
	// region, site and specialty shown by name.
	Found  bool
	Record kaowu.PreviousRecord
	Result kaowu.ReturningResult
	// IDChange, when not empty, explains that the archive number the
	// candidate gave belongs to a record of the same person under another ID
	// document: the scores must be merged at the site office (二（一）).
	// Record is then that record and Found is false.
	IDChange string
	// Merged reports that Record was found through the account's score
	// merge (成绩合并, 二（一）): the site office linked it after checking
	// the evidence. Found is then true and last year's passes count.
	Merged bool
}

// CheckReturning looks the application's ID document up among the records
// of the year before now.Year and decides the automatic confirmation
// (kaowu.CompareReturning). When there is none and the candidate gave an
// archive number, the record of that number is checked for an ID change
// (kaowu.IDChanged). q is where to read (nil: the store). No record at all
// is not an error: the zero ReturningCheck.
func (a *App) CheckReturning(ctx context.Context, q PreviousLookup, now kaowu.ReturningSnapshot) (ReturningCheck, error) {
	if q == nil {
		q = a.Store
	}
	if now.Year == 0 {
		return ReturningCheck{}, fmt.Errorf("check returning: no exam year")
	}
	prevYear := now.Year - 1
	var c ReturningCheck
	rec, err := q.PreviousRecordByID(ctx, prevYear, now.IDType, now.IDNumber)
	switch {
	case err == nil:
		return a.foundReturning(ctx, rec, now), nil
	case kaowu.ErrorCode(err) != kaowu.ENOTFOUND:
		return c, err
	case strings.TrimSpace(now.ArchiveNo) == "":
		return c, nil
	}
	rec, err = q.PreviousRecordByArchive(ctx, prevYear, now.ArchiveNo)
	switch {
	case kaowu.ErrorCode(err) == kaowu.ENOTFOUND:
		return c, nil
	case err != nil:
		return c, err
	}
	if changed, why := kaowu.IDChanged(rec, now); changed {
		c.Record, c.IDChange = rec, why
	}
	return c, nil
}

// foundReturning is the check of a record found for the application.
func (a *App) foundReturning(ctx context.Context, rec kaowu.PreviousRecord, now kaowu.ReturningSnapshot) ReturningCheck {
	py, _ := a.Year(ctx, now.Year)
	if py != nil {
		// The catalogue keeps removed specialties (一（十）), so last
		// year's codes have names too.
		if s, ok := py.Specialty(now.SpecialtyCode); ok && now.SpecialtyName == "" {
			now.SpecialtyName = s.Name
		}
		if s, ok := py.Specialty(rec.SpecialtyCode); ok && rec.SpecialtyName == "" {
			rec.SpecialtyName = s.Name
		}
	}
	c := ReturningCheck{Found: true, Record: rec, Result: kaowu.CompareReturning(rec, now)}
	namePlaces(c.Result.Diffs, py)
	return c
}

// mergeLookup reads score merges: a *store.Store or a *store.Tx.
type mergeLookup interface {
	ScoreMergeOf(ctx context.Context, userID string, previousYear int) (store.ScoreMerge, error)
}

// CheckReturningOf is CheckReturning for the account candidateID: when no
// record is found under the application's ID document but the site office
// merged last year's scores into the account (成绩合并, 二（一）), the merged
// record is the one found (Merged), so its passes carry over. The
// automatic confirmation still fails on the changed ID document. Without
// a merge, a changed ID document finds nothing that counts.
func (a *App) CheckReturningOf(ctx context.Context, q PreviousLookup, candidateID string, now kaowu.ReturningSnapshot) (ReturningCheck, error) {
	if q == nil {
		q = a.Store
	}
	c, err := a.CheckReturning(ctx, q, now)
	if err != nil || c.Found || candidateID == "" {
		return c, err
	}
	ml, ok := q.(mergeLookup)
	if !ok {
		ml = a.Store
	}
	m, err := ml.ScoreMergeOf(ctx, candidateID, now.Year-1)
	switch {
	case kaowu.ErrorCode(err) == kaowu.ENOTFOUND:
		return c, nil
	case err != nil:
		return c, err
	}
	rec, err := q.PreviousRecordByArchive(ctx, m.PreviousYear, m.ArchiveNo)
	switch {
	case kaowu.ErrorCode(err) == kaowu.ENOTFOUND:
		return c, nil // the record was replaced by a new import without it
	case err != nil:
		return c, err
	}
	mc := a.foundReturning(ctx, rec, now)
	mc.Merged = true
	return mc, nil
}

// namePlaces shows region and site codes by their names in the
// differences.
func namePlaces(diffs []kaowu.FieldDiff, py *policy.Year) {
	if py == nil {
		return
	}
	for i := range diffs {
		d := &diffs[i]
		switch d.Field {
		case "region":
			if d.Previous == py.Region.Code {
				d.Previous = py.Region.Name
			}
			if d.Current == py.Region.Code {
				d.Current = py.Region.Name
			}
		case "site":
			if s, ok := py.Site(d.Previous); ok {
				d.Previous = s.Name
			}
			if s, ok := py.Site(d.Current); ok {
				d.Current = s.Name
			}
		}
	}
}
