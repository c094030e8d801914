package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"kaowu"
)

// Units, the unit HR portal and score merges (issue 7): the queries of
// internal/app/units.go and internal/app/merges.go.

// UpdateUnit changes a unit's name, district, category and private flag.
// A name taken by another unit is a conflict; a missing unit ENOTFOUND.
func (tx *Tx) UpdateUnit(ctx context.Context, u kaowu.Unit) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE units SET name = $2, district = $3, unit_category = $4, private = $5 WHERE id = $1`,
		u.ID, u.Name, u.District, u.Category, u.Private)
	if isUnique(err) {
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: fmt.Sprintf("单位“%s”已存在，不能重名", u.Name),
			Fields: map[string]string{"name": "已有同名单位"}, Err: err}
	}
	if err != nil {
		return fmt.Errorf("update unit %s: %w", u.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return &kaowu.Error{Code: kaowu.ENOTFOUND, Message: "单位不存在", Err: fmt.Errorf("update unit %s: %d rows", u.ID, n)}
	}
	return nil
}

// UnitCandidate is one candidate account of a unit with their application
// of an exam year, if any: the latest submitted version's snapshot (the
// form the unit stamps) when there is one.
type UnitCandidate struct {
	AccountID string
	Name      string
	IDType    kaowu.IDType
	IDNumber  kaowu.IDNumber
	// ApplicationID is empty when the candidate has not started one.
	ApplicationID string
	State         kaowu.ApplicationState
	Version       int
	Specialty     string
	Level         kaowu.Level
	Outcome       string
	AutoConfirmed bool
	SubmittedAt   *time.Time
	// Snapshot is the JSON form snapshot of version Version (nil before
	// the first submission).
	Snapshot []byte
}

// UnitCandidates returns the live candidate accounts whose unit is unitID,
// each with their application of exam year y and its current version's
// snapshot, by name.
func (r reader) UnitCandidates(ctx context.Context, unitID string, y int) ([]UnitCandidate, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT u.id, u.name, u.id_type, u.id_number,
			a.id, `+stateOf("a")+`, a.version, a.specialty, a.level, a.outcome, a.auto_confirmed, a.submitted_at, v.snapshot
		FROM users u
		LEFT JOIN applications a ON a.candidate_id = u.id AND a.year = $2
		LEFT JOIN application_versions v ON v.application_id = a.id AND v.version = a.version
		WHERE u.unit_id = $1 AND u.role = 'candidate' AND u.deleted_at IS NULL
		ORDER BY u.name, u.id`, unitID, y)
	if err != nil {
		return nil, fmt.Errorf("candidates of unit %s: %w", unitID, err)
	}
	defer rows.Close()
	var out []UnitCandidate
	for rows.Next() {
		var c UnitCandidate
		var idType, idNumber, appID, state, specialty, level, outcome, snap sql.NullString
		var version sql.NullInt64
		var auto sql.NullBool
		var submitted sql.NullTime
		if err := rows.Scan(&c.AccountID, &c.Name, &idType, &idNumber, &appID, &state, &version, &specialty, &level, &outcome,
			&auto, &submitted, &snap); err != nil {
			return nil, fmt.Errorf("candidates of unit %s: %w", unitID, err)
		}
		c.IDType, c.IDNumber = kaowu.IDType(idType.String), kaowu.IDNumber(idNumber.String)
		c.ApplicationID, c.State, c.Version = appID.String, kaowu.ApplicationState(state.String), int(version.Int64)
		c.Specialty, c.Level, c.Outcome, c.AutoConfirmed = specialty.String, kaowu.Level(level.String), outcome.String, auto.Bool
		if submitted.Valid {
			t := submitted.Time.UTC()
			c.SubmittedAt = &t
		}
		if snap.Valid {
			c.Snapshot = []byte(snap.String)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ScoreMerge links this year's account to last year's record (成绩合并,
// 二（一）): the record of PreviousYear with ArchiveNo now counts as the
// account's.
type ScoreMerge struct {
	ID           string
	UserID       string
	PreviousYear int
	ArchiveNo    string
	Operator     string
	EvidenceNote string
	CreatedAt    time.Time
}

const mergeColumns = `id, user_id, previous_year, archive_no, operator, evidence_note, created_at`

func scanMerge(row interface{ Scan(...any) error }) (ScoreMerge, error) {
	var m ScoreMerge
	err := row.Scan(&m.ID, &m.UserID, &m.PreviousYear, &m.ArchiveNo, &m.Operator, &m.EvidenceNote, &m.CreatedAt)
	m.CreatedAt = m.CreatedAt.UTC()
	return m, err
}

// ScoreMergeOf returns the merge of an account with a previous year's
// record; none is ENOTFOUND.
func (r reader) ScoreMergeOf(ctx context.Context, userID string, previousYear int) (ScoreMerge, error) {
	m, err := scanMerge(r.q.QueryRowContext(ctx, `SELECT `+mergeColumns+` FROM score_merges WHERE user_id = $1 AND previous_year = $2`,
		userID, previousYear))
	if err != nil {
		return m, fmt.Errorf("score merge of %s with %d: %w", userID, previousYear, notFound(err, "没有成绩合并记录"))
	}
	return m, nil
}

// CreateScoreMerge stores a merge. A second merge of the account for the
// same year, or of the same record with another account, is a conflict.
func (tx *Tx) CreateScoreMerge(ctx context.Context, m *ScoreMerge) error {
	if m.ID == "" {
		m.ID = NewID()
	}
	m.ArchiveNo = kaowu.NormalizeArchiveNo(m.ArchiveNo)
	_, err := tx.q.ExecContext(ctx, `INSERT INTO score_merges (`+mergeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		m.ID, m.UserID, m.PreviousYear, m.ArchiveNo, m.Operator, m.EvidenceNote, utc(m.CreatedAt))
	switch {
	case violated(err, "score_merges_user_year", "score_merges.user_id"):
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: fmt.Sprintf("该考生的%d年度成绩已经合并过了", m.PreviousYear), Err: err}
	case isUnique(err):
		return &kaowu.Error{Code: kaowu.ECONFLICT, Message: fmt.Sprintf("%d年度档案号 %s 的成绩已合并到另一个账号，不能重复合并", m.PreviousYear, m.ArchiveNo), Err: err}
	case err != nil:
		return fmt.Errorf("create score merge: %w", err)
	}
	return nil
}

// MergeCandidate is one entry of a site office's score-merge queue: an
// application whose current version found last year's record under
// another ID document (the snapshot's id_change), with its merge if done.
type MergeCandidate struct {
	ApplicationID string
	CandidateID   string
	Name          string
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber
	UnitID        string
	State         kaowu.ApplicationState
	Version       int
	Snapshot      []byte
	// Merge is set once the scores were merged.
	Merge *ScoreMerge
}

// MergeQueue returns the applications of exam year y at site whose current
// version reports an ID change since last year (the snapshot's id_change
// is present only when set), with any merge of year y-1, oldest first.
func (r reader) MergeQueue(ctx context.Context, y int, site string) ([]MergeCandidate, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT a.id, u.id, u.name, u.id_type, u.id_number, u.unit_id, `+stateOf("a")+`, a.version, v.snapshot,
			m.id, m.previous_year, m.archive_no, m.operator, m.evidence_note, m.created_at
		FROM applications a
		JOIN users u ON u.id = a.candidate_id
		JOIN application_versions v ON v.application_id = a.id AND v.version = a.version
		LEFT JOIN score_merges m ON m.user_id = u.id AND m.previous_year = $3
		WHERE a.year = $1 AND a.site = $2 AND a.version > 0 AND u.deleted_at IS NULL
			AND v.snapshot LIKE '%"id_change":%'
		ORDER BY a.submitted_at, a.id`, y, site, y-1)
	if err != nil {
		return nil, fmt.Errorf("merge queue %d %s: %w", y, site, err)
	}
	defer rows.Close()
	var out []MergeCandidate
	for rows.Next() {
		var c MergeCandidate
		var idType, idNumber, unit sql.NullString
		var snap string
		var mID, mArchive, mOperator, mNote sql.NullString
		var mYear sql.NullInt64
		var mAt sql.NullTime
		if err := rows.Scan(&c.ApplicationID, &c.CandidateID, &c.Name, &idType, &idNumber, &unit, &c.State, &c.Version, &snap,
			&mID, &mYear, &mArchive, &mOperator, &mNote, &mAt); err != nil {
			return nil, fmt.Errorf("merge queue %d %s: %w", y, site, err)
		}
		c.IDType, c.IDNumber, c.UnitID, c.Snapshot = kaowu.IDType(idType.String), kaowu.IDNumber(idNumber.String), unit.String, []byte(snap)
		if mID.Valid {
			c.Merge = &ScoreMerge{ID: mID.String, UserID: c.CandidateID, PreviousYear: int(mYear.Int64), ArchiveNo: mArchive.String,
				Operator: mOperator.String, EvidenceNote: mNote.String, CreatedAt: mAt.Time.UTC()}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
