package storetest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/store"
)

// previousRecord returns a 2023 record of serial n: sat and failed two
// subjects, one not sat.
func previousRecord(n int) kaowu.PreviousRecord {
	return kaowu.PreviousRecord{
		Year: 2023, IDType: kaowu.IDResident, IDNumber: idNumber(n), Name: "历史考生", BirthDate: kaowu.NewDate(1990, 1, 1),
		ArchiveNo: fmt.Sprintf("A2023%05d", n), Region: "beijing", Site: "fengtai",
		SpecialtyCode: "368", SpecialtyName: "护理学", Level: kaowu.LevelIntermediate,
		Education: []kaowu.Education{
			{Level: "bachelor", School: "首都医科大学", Major: "护理学", GraduatedOn: kaowu.NewDate(2012, 7, 1), FullTime: true},
			{Level: "college", School: "北京卫生职业学院", Major: "护理", GraduatedOn: kaowu.NewDate(2009, 7, 1)},
		},
		UnitName: "北京市丰台区某医院", Post: "护理",
		Results: []kaowu.SubjectResult{
			{Subject: kaowu.SubjectBasics, Sat: true, Score: 72, Passed: true},
			{Subject: kaowu.SubjectRelated, Sat: true, Score: 55},
			{Subject: kaowu.SubjectProfessional, Sat: true, Score: 0},
			{Subject: kaowu.SubjectPractice},
		},
		Source: "previous-2023.csv", ImportedAt: t0,
	}
}

func replacePrevious(t *testing.T, s *store.Store, y int, recs ...kaowu.PreviousRecord) (int, error) {
	t.Helper()
	ctx := context.Background()
	var removed int
	err := s.Update(ctx, func(tx *store.Tx) error {
		var err error
		removed, err = tx.ReplacePreviousRecords(ctx, y, recs)
		return err
	})
	return removed, err
}

func testPreviousRecords(t *testing.T, s *store.Store) {
	ctx := context.Background()
	a, b := previousRecord(301), previousRecord(302)
	b.IDType, b.IDNumber, b.ArchiveNo = kaowu.IDHKMacaoPass, "H12345678", "A2023HK1"
	b.Education, b.Absent = nil, true
	if _, err := replacePrevious(t, s, 2023, a, b); err != nil {
		t.Fatal(err)
	}

	got, err := s.PreviousRecordByID(ctx, 2023, kaowu.IDResident, a.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	want := a
	want.ImportedAt = t0.UTC()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("by id =\n%+v\nwant\n%+v", got, want)
	}
	// Lookups normalise what was typed.
	lower := kaowu.IDNumber(" " + strings.ToLower(string(b.IDNumber)) + " ")
	if got, err := s.PreviousRecordByID(ctx, 2023, kaowu.IDHKMacaoPass, lower); err != nil || got.ArchiveNo != "A2023HK1" || !got.Absent || len(got.Education) != 0 {
		t.Errorf("by id (typed) = %+v, %v", got, err)
	}
	if got, err := s.PreviousRecordByArchive(ctx, 2023, " a2023hk1"); err != nil || got.IDNumber != "H12345678" {
		t.Errorf("by archive = %+v, %v", got, err)
	}
	for name, lookup := range map[string]func() error{
		"other year":    func() error { _, err := s.PreviousRecordByID(ctx, 2022, kaowu.IDResident, a.IDNumber); return err },
		"other ID type": func() error { _, err := s.PreviousRecordByID(ctx, 2023, kaowu.IDTaiwanPass, a.IDNumber); return err },
		"unknown ID":    func() error { _, err := s.PreviousRecordByID(ctx, 2023, kaowu.IDResident, idNumber(399)); return err },
		"unknown archive": func() error {
			_, err := s.PreviousRecordByArchive(ctx, 2023, "NOPE0001")
			return err
		},
	} {
		err := lookup()
		if code(err) != kaowu.ENOTFOUND {
			t.Errorf("%s: %v, want not_found", name, err)
		}
		if err != nil && strings.Contains(err.Error(), string(a.IDNumber)) {
			t.Errorf("%s: the error shows the ID number unmasked: %v", name, err)
		}
	}

	// Another year is kept apart; replacing a year replaces only it.
	old := previousRecord(301)
	old.Year = 2022
	if _, err := replacePrevious(t, s, 2022, old); err != nil {
		t.Fatal(err)
	}
	c := previousRecord(303)
	removed, err := replacePrevious(t, s, 2023, c)
	if err != nil || removed != 2 {
		t.Fatalf("replace = %d, %v; want 2 removed", removed, err)
	}
	if n, _ := s.CountPreviousRecords(ctx, 2023); n != 1 {
		t.Errorf("2023 holds %d records after the replacement, want 1", n)
	}
	if _, err := s.PreviousRecordByID(ctx, 2023, kaowu.IDResident, a.IDNumber); code(err) != kaowu.ENOTFOUND {
		t.Errorf("a replaced record is still found: %v", err)
	}
	if _, err := s.PreviousRecordByID(ctx, 2022, kaowu.IDResident, old.IDNumber); err != nil {
		t.Errorf("replacing 2023 touched 2022: %v", err)
	}

	// Duplicates are conflicts, and the transaction keeps the old records.
	dupID := previousRecord(303)
	dupID.ArchiveNo = "OTHER001"
	dupArchive := previousRecord(304)
	dupArchive.ArchiveNo = c.ArchiveNo
	for name, recs := range map[string][]kaowu.PreviousRecord{
		"same ID document":    {c, dupID},
		"same archive number": {c, dupArchive},
	} {
		if _, err := replacePrevious(t, s, 2023, recs...); code(err) != kaowu.ECONFLICT {
			t.Errorf("%s: %v, want conflict", name, err)
		}
		if n, _ := s.CountPreviousRecords(ctx, 2023); n != 1 {
			t.Errorf("%s: a refused replacement left %d records, want the old 1", name, n)
		}
	}
	// The database refuses a pass without a score.
	bad := previousRecord(305)
	bad.Results[3].Passed = true
	if _, err := replacePrevious(t, s, 2023, bad); err == nil {
		t.Error("a pass of a subject not sat was stored")
	}
	// A record of another year is refused.
	if _, err := replacePrevious(t, s, 2024, previousRecord(306)); err == nil {
		t.Error("a 2023 record was stored under 2024")
	}

	// Many records go in batches.
	var many []kaowu.PreviousRecord
	for i := range 250 {
		many = append(many, previousRecord(1000+i))
	}
	if _, err := replacePrevious(t, s, 2023, many...); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountPreviousRecords(ctx, 2023); n != 250 {
		t.Errorf("stored %d of 250 records", n)
	}
}
