package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaowu"
)

// applicationColumns are the columns scanApplication reads, of the
// applications row named a in the query.
func applicationColumns(a string) string {
	return fmt.Sprintf(`%[1]s.id, %[1]s.candidate_id, %[1]s.year, %[1]s.site, %[1]s.specialty, %[1]s.level, %[1]s.declarations, %[2]s,
		%[1]s.version, %[1]s.outcome, %[1]s.auto_confirmed, %[1]s.submitted_at, %[1]s.created_at, %[1]s.updated_at`, a, stateOf(a))
}

// An application is scored when it is ticketed and its scores are stored:
// the score import writes the scores rows and leaves the applications
// alone, so that a region's million results do not also rewrite a million
// applications and every index on them (docs/scores.md). The column state
// stays 'ticketed'; these are the SQL that read it.

// hasScores is the SQL condition that the application named a has scores.
func hasScores(a string) string {
	return `EXISTS (SELECT 1 FROM scores sc WHERE sc.application_id = ` + a + `.id)`
}

// stateOf is the SQL of the state of the application named a.
func stateOf(a string) string {
	return `CASE WHEN ` + a + `.state = 'ticketed' AND ` + hasScores(a) + ` THEN 'scored' ELSE ` + a + `.state END`
}

// errScoredStored refuses to store the state scored, which is read.
var errScoredStored = errors.New("the state scored is read from the scores, not stored: store ticketed and the scores")

func scanApplication(row interface{ Scan(...any) error }) (kaowu.Application, error) {
	var a kaowu.Application
	var decl string
	var submitted sql.NullTime
	err := row.Scan(&a.ID, &a.CandidateID, &a.Year, &a.Site, &a.Specialty, &a.Level, &decl, &a.State, &a.Version, &a.Outcome,
		&a.AutoConfirmed, &submitted, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(decl), &a.Decl); err != nil {
		return a, fmt.Errorf("declarations of %s: %w", a.ID, err)
	}
	if submitted.Valid {
		t := submitted.Time.UTC()
		a.SubmittedAt = &t
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, nil
}

// Application returns the application with the given id.
func (r reader) Application(ctx context.Context, id string) (kaowu.Application, error) {
	a, err := scanApplication(r.q.QueryRowContext(ctx, `SELECT `+applicationColumns("a")+` FROM applications a WHERE a.id = $1`, id))
	if err != nil {
		return a, fmt.Errorf("application %s: %w", id, notFound(err, "报名信息不存在"))
	}
	return a, nil
}

// ApplicationOf returns a candidate's application in exam year y.
func (r reader) ApplicationOf(ctx context.Context, candidateID string, y int) (kaowu.Application, error) {
	a, err := scanApplication(r.q.QueryRowContext(ctx, `SELECT `+applicationColumns("a")+` FROM applications a WHERE a.candidate_id = $1 AND a.year = $2`, candidateID, y))
	if err != nil {
		return a, fmt.Errorf("application of %s in %d: %w", candidateID, y, notFound(err, "尚未报名"))
	}
	return a, nil
}

// CreateApplication inserts a draft application. A second application of
// the same candidate in the same year is a conflict.
func (tx *Tx) CreateApplication(ctx context.Context, a *kaowu.Application) error {
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.State == kaowu.StateScored {
		return fmt.Errorf("create application: %w", errScoredStored)
	}
	decl, err := json.Marshal(a.Decl)
	if err != nil {
		return fmt.Errorf("create application: %w", err)
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO applications (id, candidate_id, year, site, specialty, level, declarations, state, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)`,
		a.ID, a.CandidateID, a.Year, a.Site, a.Specialty, a.Level, string(decl), a.State, utc(a.CreatedAt))
	if isUnique(err) {
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: fmt.Sprintf("您已有%d年度的报名，请在“我的报名”中查看或修改", a.Year), Err: err}
	}
	if err != nil {
		return fmt.Errorf("create application: %w", err)
	}
	return nil
}

// UpdateChoices stores the candidate's choices on an application that is
// still editable (draft or returned), and reports a conflict otherwise.
func (tx *Tx) UpdateChoices(ctx context.Context, a kaowu.Application, now time.Time) error {
	decl, err := json.Marshal(a.Decl)
	if err != nil {
		return fmt.Errorf("update application: %w", err)
	}
	res, err := tx.q.ExecContext(ctx, `UPDATE applications SET site = $2, specialty = $3, level = $4, declarations = $5, updated_at = $6
		WHERE id = $1 AND state IN ('draft', 'returned')`, a.ID, a.Site, a.Specialty, a.Level, string(decl), utc(now))
	if err != nil {
		return fmt.Errorf("update application %s: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return kaowu.Errorf(kaowu.ECONFLICT, "报名信息已提交，不能直接修改；如需修改，请先撤回（二（一）4(6)）")
	}
	return nil
}

// SubmitApplication moves an editable application to state `to` as version
// `version`, which must be the next after the one the caller read: of two
// submissions racing, exactly one succeeds and the other gets ECONFLICT.
func (tx *Tx) SubmitApplication(ctx context.Context, id string, version int, to kaowu.ApplicationState, outcome string, autoConfirmed bool, now time.Time) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE applications SET state = $2, version = $3, outcome = $4, auto_confirmed = $5, submitted_at = $6, updated_at = $6
		WHERE id = $1 AND state IN ('draft', 'returned') AND version = $3 - 1`, id, to, version, outcome, autoConfirmed, utc(now))
	if err != nil {
		return fmt.Errorf("submit application %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return kaowu.Errorf(kaowu.ECONFLICT, "报名信息已经提交过了（可能在另一个页面中提交），请刷新后查看")
	}
	return nil
}

// SetApplicationState moves an application from one state to another and
// reports ECONFLICT when it is no longer in `from`.
func (tx *Tx) SetApplicationState(ctx context.Context, id string, from, to kaowu.ApplicationState, now time.Time) error {
	if to == kaowu.StateScored {
		return fmt.Errorf("set application %s %s→%s: %w", id, from, to, errScoredStored)
	}
	res, err := tx.q.ExecContext(ctx, `UPDATE applications SET state = $3, updated_at = $4 WHERE id = $1 AND state = $2`, id, from, to, utc(now))
	if err != nil {
		return fmt.Errorf("set application %s %s→%s: %w", id, from, to, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return kaowu.Errorf(kaowu.ECONFLICT, "报名状态已经变化，请刷新后查看")
	}
	return nil
}

// SetApplicationStates moves every application of ids from one state to
// another, batchRows to a statement; ECONFLICT (and nothing moved, with the
// caller's rollback) when any is no longer in from.
func (tx *Tx) SetApplicationStates(ctx context.Context, ids []string, from, to kaowu.ApplicationState, now time.Time) error {
	if to == kaowu.StateScored {
		return fmt.Errorf("set applications %s→%s: %w", from, to, errScoredStored)
	}
	for len(ids) > 0 {
		n := min(len(ids), tx.batchRows(1))
		args := []any{from, to, utc(now)}
		ps := make([]string, n)
		for i, id := range ids[:n] {
			args = append(args, id)
			ps[i] = "$" + strconv.Itoa(i+4)
		}
		ids = ids[n:]
		res, err := tx.q.ExecContext(ctx, `UPDATE applications SET state = $2, updated_at = $3 WHERE state = $1 AND id IN (`+strings.Join(ps, ", ")+`)`, args...)
		if err != nil {
			return fmt.Errorf("set applications %s→%s: %w", from, to, err)
		}
		if got, _ := res.RowsAffected(); got != int64(n) {
			return kaowu.Errorf(kaowu.ECONFLICT, "报名状态已经变化，请刷新后重试")
		}
	}
	return nil
}

// InsertVersion stores a submitted version; the version number is unique
// per application.
func (tx *Tx) InsertVersion(ctx context.Context, v kaowu.ApplicationVersion) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO application_versions (application_id, version, submitted_at, outcome, snapshot, digest, photo)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, v.ApplicationID, v.Version, utc(v.SubmittedAt), v.Outcome, string(v.Snapshot), v.Digest, v.Photo)
	if isUnique(err) {
		return kaowu.Errorf(kaowu.ECONFLICT, "报名信息已经提交过了（可能在另一个页面中提交），请刷新后查看")
	}
	if err != nil {
		return fmt.Errorf("insert version %d of %s: %w", v.Version, v.ApplicationID, err)
	}
	return nil
}

// Version returns one submitted version of an application.
func (r reader) Version(ctx context.Context, applicationID string, version int) (kaowu.ApplicationVersion, error) {
	var v kaowu.ApplicationVersion
	var snap string
	var purged sql.NullTime
	err := r.q.QueryRowContext(ctx, `SELECT v.application_id, v.version, v.submitted_at, v.outcome, v.snapshot, v.digest, v.photo, a.purged_at
		FROM application_versions v JOIN applications a ON a.id = v.application_id
		WHERE v.application_id = $1 AND v.version = $2`, applicationID, version).Scan(&v.ApplicationID, &v.Version, &v.SubmittedAt, &v.Outcome, &snap, &v.Digest, &v.Photo, &purged)
	if err != nil {
		return v, fmt.Errorf("version %d of %s: %w", version, applicationID, notFound(err, "该版本的报名信息不存在"))
	}
	v.PurgedAt = timePtr(purged)
	v.Snapshot, v.SubmittedAt = []byte(snap), v.SubmittedAt.UTC()
	return v, nil
}

// Versions returns the submitted versions of an application, oldest first,
// without their snapshots and photos.
// VersionSnapshot returns one submitted version's form snapshot (JSON),
// without its photo: what the status page needs.
func (r reader) VersionSnapshot(ctx context.Context, applicationID string, version int) ([]byte, error) {
	var snap string
	err := r.q.QueryRowContext(ctx, `SELECT snapshot FROM application_versions WHERE application_id = $1 AND version = $2`,
		applicationID, version).Scan(&snap)
	if err != nil {
		return nil, fmt.Errorf("snapshot %d of %s: %w", version, applicationID, notFound(err, "该版本的报名信息不存在"))
	}
	return []byte(snap), nil
}

func (r reader) Versions(ctx context.Context, applicationID string) ([]kaowu.ApplicationVersion, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT application_id, version, submitted_at, outcome, digest FROM application_versions
		WHERE application_id = $1 ORDER BY version`, applicationID)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", applicationID, err)
	}
	defer rows.Close()
	var out []kaowu.ApplicationVersion
	for rows.Next() {
		var v kaowu.ApplicationVersion
		if err := rows.Scan(&v.ApplicationID, &v.Version, &v.SubmittedAt, &v.Outcome, &v.Digest); err != nil {
			return nil, fmt.Errorf("versions of %s: %w", applicationID, err)
		}
		v.SubmittedAt = v.SubmittedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// HasOpenApplication reports whether a candidate has an application in an
// exam year at or after minYear that is not void, rejected or forfeited.
func (r reader) HasOpenApplication(ctx context.Context, candidateID string, minYear int) (bool, error) {
	var n int
	err := r.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM applications WHERE candidate_id = $1 AND year >= $2
		AND state NOT IN ('void', 'rejected', 'forfeited')`, candidateID, minYear).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("open applications of %s: %w", candidateID, err)
	}
	return n > 0, nil
}

// UnitApplicant is one of a unit's candidates with a submitted application.
type UnitApplicant struct {
	Name      string
	IDType    kaowu.IDType
	IDNumber  kaowu.IDNumber
	Specialty string
	Level     kaowu.Level
	State     kaowu.ApplicationState
	Version   int
}

// UnitApplicants returns the candidates of a unit whose application in exam
// year y has been submitted at least once, by specialty and name.
func (r reader) UnitApplicants(ctx context.Context, unitID string, y int) ([]UnitApplicant, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT u.name, u.id_type, u.id_number, a.specialty, a.level, `+stateOf("a")+`, a.version
		FROM applications a JOIN users u ON u.id = a.candidate_id
		WHERE u.unit_id = $1 AND a.year = $2 AND a.version > 0 AND u.deleted_at IS NULL
		ORDER BY a.specialty, u.name`, unitID, y)
	if err != nil {
		return nil, fmt.Errorf("applicants of unit %s: %w", unitID, err)
	}
	defer rows.Close()
	var out []UnitApplicant
	for rows.Next() {
		var x UnitApplicant
		if err := rows.Scan(&x.Name, &x.IDType, &x.IDNumber, &x.Specialty, &x.Level, &x.State, &x.Version); err != nil {
			return nil, fmt.Errorf("applicants of unit %s: %w", unitID, err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}
