package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"kaowu"
)

// Scores, their publication, look-up and certificates (六, 七, 八): the
// queries of internal/app/scores.go.

// ScoreTarget is a ticketed application a row of a result file may name.
type ScoreTarget struct {
	ApplicationID string
	CandidateID   string
	Name          string
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber
	Specialty     string
	Site          string
	ArchiveNo     string
	TicketNo      string
}

// ScoreTargets returns, by ticket number, the year's tickets among nos, or
// all of them when nos is nil: for a region's whole result file one pass
// over the year, which the database joins far faster than as many index
// look-ups.
func (r reader) ScoreTargets(ctx context.Context, year int, nos []string) (map[string]ScoreTarget, error) {
	const q = `SELECT t.ticket_no, a.id, a.candidate_id, u.name, COALESCE(u.id_type, ''), COALESCE(u.id_number, ''), t.specialty, t.site, t.archive_no
		FROM tickets t JOIN applications a ON a.id = t.application_id JOIN users u ON u.id = a.candidate_id
		WHERE t.year = $1`
	out := make(map[string]ScoreTarget, len(nos))
	scan := func(rows *sql.Rows) error {
		var t ScoreTarget
		if err := rows.Scan(&t.TicketNo, &t.ApplicationID, &t.CandidateID, &t.Name, &t.IDType, &t.IDNumber, &t.Specialty, &t.Site, &t.ArchiveNo); err != nil {
			return err
		}
		out[t.TicketNo] = t
		return nil
	}
	var err error
	if nos == nil {
		err = r.each(ctx, q, year, scan)
	} else {
		err = r.eachIn(ctx, q+` AND t.ticket_no IN %s`, nos, scan, year)
	}
	if err != nil {
		return nil, fmt.Errorf("score targets: %w", err)
	}
	return out, nil
}

// Score is one application's results of its exam year as stored: a
// subject's score, nil when absent (缺考).
type Score struct {
	ApplicationID string
	Year          int
	Site          string
	TicketNo      string
	Specialty     string
	Scores        [4]*int // in kaowu.Subjects order
	Misconduct    bool
	Passed        bool   // the specialty passed within the two years
	Answer        []byte // the look-up's answer, JSON
	ImportID      string
	UpdatedAt     time.Time
}

// SameResults reports whether s and o hold the same results.
func (s Score) SameResults(o Score) bool {
	if s.Misconduct != o.Misconduct || s.Specialty != o.Specialty || s.TicketNo != o.TicketNo {
		return false
	}
	for i := range s.Scores {
		a, b := s.Scores[i], o.Scores[i]
		if (a == nil) != (b == nil) || (a != nil && *a != *b) {
			return false
		}
	}
	return true
}

const scoreColumns = `application_id, year, site, ticket_no, specialty, basics, related, professional, practice, misconduct, passed, answer, import_id, updated_at`

func scanScore(row interface{ Scan(...any) error }) (Score, error) {
	var s Score
	var v [4]sql.NullInt64
	var answer string
	err := row.Scan(&s.ApplicationID, &s.Year, &s.Site, &s.TicketNo, &s.Specialty, &v[0], &v[1], &v[2], &v[3], &s.Misconduct, &s.Passed, &answer, &s.ImportID, &s.UpdatedAt)
	for i := range v {
		if v[i].Valid {
			n := int(v[i].Int64)
			s.Scores[i] = &n
		}
	}
	s.Answer = []byte(answer)
	return s, err
}

// ScoresOf returns the stored scores of the applications among ids, by
// application.
func (r reader) ScoresOf(ctx context.Context, ids []string) (map[string]Score, error) {
	out := map[string]Score{}
	err := r.eachIn(ctx, `SELECT `+scoreColumns+` FROM scores WHERE application_id IN %s`, ids, func(rows *sql.Rows) error {
		s, err := scanScore(rows)
		if err != nil {
			return err
		}
		out[s.ApplicationID] = s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scores: %w", err)
	}
	return out, nil
}

// Score returns one application's scores; ENOTFOUND before they are
// imported.
func (r reader) Score(ctx context.Context, applicationID string) (Score, error) {
	s, err := scanScore(r.q.QueryRowContext(ctx, `SELECT `+scoreColumns+` FROM scores WHERE application_id = $1`, applicationID))
	if errors.Is(err, sql.ErrNoRows) {
		return s, kaowu.Errorf(kaowu.ENOTFOUND, "尚无成绩")
	}
	if err != nil {
		return s, fmt.Errorf("score of %s: %w", applicationID, err)
	}
	return s, nil
}

// InsertScores stores the scores of applications that have none yet (with
// COPY on PostgreSQL: a region's million rows).
func (tx *Tx) InsertScores(ctx context.Context, ss []Score) error {
	rows := make([][]any, len(ss))
	for i, s := range ss {
		rows[i] = scoreValues(s)
	}
	if err := tx.insertRows(ctx, "scores", strings.Split(scoreColumns, ", "), rows); err != nil {
		return fmt.Errorf("insert scores: %w", err)
	}
	return nil
}

// UpsertScores stores scores, replacing an application's stored ones (a
// corrected file).
func (tx *Tx) UpsertScores(ctx context.Context, ss []Score) error {
	const cols = 14
	for len(ss) > 0 {
		n := min(len(ss), tx.batchRows(cols))
		args := make([]any, 0, n*cols)
		for _, s := range ss[:n] {
			args = append(args, scoreValues(s)...)
		}
		ss = ss[n:]
		_, err := tx.q.ExecContext(ctx, `INSERT INTO scores (`+scoreColumns+`) VALUES `+placeholders(n, cols)+`
			ON CONFLICT (application_id) DO UPDATE SET basics = excluded.basics, related = excluded.related, professional = excluded.professional,
				practice = excluded.practice, misconduct = excluded.misconduct, passed = excluded.passed, answer = excluded.answer,
				import_id = excluded.import_id, updated_at = excluded.updated_at`, args...)
		if err != nil {
			return fmt.Errorf("upsert scores: %w", err)
		}
	}
	return nil
}

// scoreValues are s's values in scoreColumns order.
func scoreValues(s Score) []any {
	v := make([]any, 0, 14)
	v = append(v, s.ApplicationID, int64(s.Year), s.Site, s.TicketNo, s.Specialty)
	for _, x := range s.Scores {
		if x == nil {
			v = append(v, nil)
		} else {
			v = append(v, int64(*x))
		}
	}
	return append(v, s.Misconduct, s.Passed, string(s.Answer), s.ImportID, utc(s.UpdatedAt))
}

// SetScoreAnswer replaces the answer and pass of one application's scores
// (after a record that counts for them changed).
func (tx *Tx) SetScoreAnswer(ctx context.Context, applicationID string, passed bool, answer []byte, at time.Time) error {
	return tx.execOne(ctx, "set score answer", `UPDATE scores SET passed = $2, answer = $3, updated_at = $4 WHERE application_id = $1`,
		applicationID, passed, string(answer), utc(at))
}

// ScoreImport is one import of a result file.
type ScoreImport struct {
	ID         string
	Year       int
	Source     string
	Digest     string
	Rows       int
	Created    int
	Changed    int
	Unchanged  int
	ImportedBy string
	ImportedAt time.Time
}

// InsertScoreImport records an import.
func (tx *Tx) InsertScoreImport(ctx context.Context, i ScoreImport) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO score_imports (id, year, source, digest, rows_total, created, changed, unchanged, imported_by, imported_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, i.ID, i.Year, i.Source, i.Digest, i.Rows, i.Created, i.Changed, i.Unchanged, i.ImportedBy, utc(i.ImportedAt))
	if err != nil {
		return fmt.Errorf("insert score import: %w", err)
	}
	return nil
}

// ScoreImports returns a year's imports, newest first.
func (r reader) ScoreImports(ctx context.Context, year int) ([]ScoreImport, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT id, year, source, digest, rows_total, created, changed, unchanged, imported_by, imported_at
		FROM score_imports WHERE year = $1 ORDER BY imported_at DESC, id DESC`, year)
	if err != nil {
		return nil, fmt.Errorf("score imports: %w", err)
	}
	defer rows.Close()
	var out []ScoreImport
	for rows.Next() {
		var i ScoreImport
		if err := rows.Scan(&i.ID, &i.Year, &i.Source, &i.Digest, &i.Rows, &i.Created, &i.Changed, &i.Unchanged, &i.ImportedBy, &i.ImportedAt); err != nil {
			return nil, fmt.Errorf("score imports: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// ScorePublication is when a year's scores are public, and the revision
// of its answers.
type ScorePublication struct {
	Year      int
	PublishAt *time.Time // nil: not scheduled
	SetBy     string
	Revision  int64
}

// ScorePublicationOf returns a year's publication (zero before any).
func (r reader) ScorePublicationOf(ctx context.Context, year int) (ScorePublication, error) {
	p := ScorePublication{Year: year}
	err := r.q.QueryRowContext(ctx, `SELECT publish_at, set_by, revision FROM score_publications WHERE year = $1`, year).Scan(&p.PublishAt, &p.SetBy, &p.Revision)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("score publication %d: %w", year, err)
	}
	return p, nil
}

// SetScorePublication sets (or, with nil, withdraws) the instant a year's
// scores become public.
func (tx *Tx) SetScorePublication(ctx context.Context, year int, at *time.Time, by string) error {
	var v any
	if at != nil {
		v = utc(*at)
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO score_publications (year, publish_at, set_by) VALUES ($1, $2, $3)
		ON CONFLICT (year) DO UPDATE SET publish_at = excluded.publish_at, set_by = excluded.set_by`, year, v, by)
	if err != nil {
		return fmt.Errorf("set score publication %d: %w", year, err)
	}
	return nil
}

// BumpScoreRevision moves a year's answers' revision on: every node's
// cache of them forgets what it holds.
func (tx *Tx) BumpScoreRevision(ctx context.Context, year int) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO score_publications (year, revision) VALUES ($1, 1)
		ON CONFLICT (year) DO UPDATE SET revision = score_publications.revision + 1`, year)
	if err != nil {
		return fmt.Errorf("bump score revision %d: %w", year, err)
	}
	return nil
}

// ScoreLookup is what the look-up reads of a ticket number: whose it is,
// and the answer to give.
type ScoreLookup struct {
	TicketNo      string
	ApplicationID string
	CandidateID   string
	Year          int
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber
	Answer        []byte
	// Revision is the year's answers' revision (ScorePublication) in the
	// same read: a row read on a replica is as new as that revision.
	Revision int64
}

// ScoreByTicket returns the scores of a ticket number; ENOTFOUND when none
// are stored.
func (r reader) ScoreByTicket(ctx context.Context, ticketNo string) (ScoreLookup, error) {
	l, err := scanScoreLookup(r.q.QueryRowContext(ctx, `SELECT `+scoreLookupColumns+` WHERE s.ticket_no = $1`, ticketNo))
	if errors.Is(err, sql.ErrNoRows) {
		return l, kaowu.Errorf(kaowu.ENOTFOUND, "没有这个准考证号的成绩")
	}
	if err != nil {
		return l, fmt.Errorf("score by ticket: %w", err)
	}
	return l, nil
}

// ScoreLookups returns up to limit of year's rows by ticket number, those
// after the ticket number after: a node's cache filled ahead of release
// day, page by page.
func (r reader) ScoreLookups(ctx context.Context, year int, after string, limit int) ([]ScoreLookup, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT `+scoreLookupColumns+` WHERE s.year = $1 AND s.ticket_no > $2 ORDER BY s.year, s.ticket_no LIMIT $3`,
		year, after, limit)
	if err != nil {
		return nil, fmt.Errorf("score look-ups of %d: %w", year, err)
	}
	defer rows.Close()
	var out []ScoreLookup
	for rows.Next() {
		l, err := scanScoreLookup(rows)
		if err != nil {
			return nil, fmt.Errorf("score look-ups of %d: %w", year, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// scoreLookupColumns reads a ScoreLookup (scanScoreLookup) of scores s.
const scoreLookupColumns = `s.ticket_no, s.application_id, a.candidate_id, s.year, COALESCE(u.id_type, ''), COALESCE(u.id_number, ''), s.answer,
		COALESCE((SELECT p.revision FROM score_publications p WHERE p.year = s.year), 0)
		FROM scores s JOIN applications a ON a.id = s.application_id JOIN users u ON u.id = a.candidate_id`

// scanScoreLookup scans a row of scoreLookupColumns.
func scanScoreLookup(row interface{ Scan(...any) error }) (ScoreLookup, error) {
	var l ScoreLookup
	var answer string
	err := row.Scan(&l.TicketNo, &l.ApplicationID, &l.CandidateID, &l.Year, &l.IDType, &l.IDNumber, &answer, &l.Revision)
	l.Answer = []byte(answer)
	return l, err
}

// Certificate is a candidate on the certificate list (八): the specialty
// passed within the two years.
type Certificate struct {
	ApplicationID string
	TicketNo      string
	ArchiveNo     string
	Name          string
	IDType        kaowu.IDType
	IDNumber      kaowu.IDNumber
	Specialty     string
	Site          string
}

// Certificates returns a year's certificate list, of one site or of all
// ("" site), by site and ticket number.
func (r reader) Certificates(ctx context.Context, year int, site string) ([]Certificate, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT s.application_id, s.ticket_no, t.archive_no, u.name, COALESCE(u.id_type, ''), COALESCE(u.id_number, ''), s.specialty, s.site
		FROM scores s JOIN tickets t ON t.application_id = s.application_id JOIN applications a ON a.id = s.application_id JOIN users u ON u.id = a.candidate_id
		WHERE s.year = $1 AND s.passed AND ($2 = '' OR s.site = $2) ORDER BY s.site, s.ticket_no`, year, site)
	if err != nil {
		return nil, fmt.Errorf("certificates %d: %w", year, err)
	}
	defer rows.Close()
	var out []Certificate
	for rows.Next() {
		var c Certificate
		if err := rows.Scan(&c.ApplicationID, &c.TicketNo, &c.ArchiveNo, &c.Name, &c.IDType, &c.IDNumber, &c.Specialty, &c.Site); err != nil {
			return nil, fmt.Errorf("certificates %d: %w", year, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PreviousRecordsByIDs returns the records of exam year y of the ID
// numbers among numbers, by normalised ID number (one per number and
// type; the map's key is "type:number").
func (r reader) PreviousRecordsByIDs(ctx context.Context, y int, numbers []string) (map[string]kaowu.PreviousRecord, error) {
	out := map[string]kaowu.PreviousRecord{}
	err := r.eachIn(ctx, `SELECT `+previousColumns+` FROM previous_records WHERE year = $1 AND id_number IN %s`, numbers, func(rows *sql.Rows) error {
		rec, err := scanPreviousRecord(rows)
		if err != nil {
			return err
		}
		out[string(rec.IDType)+":"+string(rec.IDNumber)] = rec
		return nil
	}, y)
	if err != nil {
		return nil, fmt.Errorf("previous records of %d: %w", y, err)
	}
	return out, nil
}

// TransferRecord is a result earned in another province (七).
type TransferRecord struct {
	ID          string
	CandidateID string
	Province    string
	Year        int
	Specialty   string
	ArchiveNo   string
	Results     []kaowu.SubjectResult
	Note        string
	RecordedBy  string
	RecordedAt  time.Time
}

// InsertTransferRecord stores a transfer; the same candidate, year and
// specialty twice is a conflict.
func (tx *Tx) InsertTransferRecord(ctx context.Context, t TransferRecord) error {
	res, err := encodeResults(t.Results)
	if err != nil {
		return err
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO transfer_records (id, candidate_id, province, year, specialty, archive_no, results, note, recorded_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, t.ID, t.CandidateID, t.Province, t.Year, t.Specialty, t.ArchiveNo, res, t.Note, t.RecordedBy, utc(t.RecordedAt))
	if isUnique(err) {
		return kaowu.Errorf(kaowu.ECONFLICT, "已记录过该考生 %d 年度 %s 专业的外省成绩", t.Year, t.Specialty)
	}
	if err != nil {
		return fmt.Errorf("insert transfer record: %w", err)
	}
	return nil
}

// TransferRecordsOf returns the transfers of the candidates among ids, by
// candidate.
func (r reader) TransferRecordsOf(ctx context.Context, ids []string) (map[string][]TransferRecord, error) {
	out := map[string][]TransferRecord{}
	err := r.eachIn(ctx, `SELECT id, candidate_id, province, year, specialty, archive_no, results, note, recorded_by, recorded_at
		FROM transfer_records WHERE candidate_id IN %s`, ids, func(rows *sql.Rows) error {
		var t TransferRecord
		var res string
		if err := rows.Scan(&t.ID, &t.CandidateID, &t.Province, &t.Year, &t.Specialty, &t.ArchiveNo, &res, &t.Note, &t.RecordedBy, &t.RecordedAt); err != nil {
			return err
		}
		var err error
		if t.Results, err = decodeResults(res); err != nil {
			return err
		}
		out[t.CandidateID] = append(out[t.CandidateID], t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("transfer records: %w", err)
	}
	return out, nil
}

func encodeResults(rs []kaowu.SubjectResult) (string, error) {
	b, err := json.Marshal(rs)
	if err != nil {
		return "", fmt.Errorf("encode results: %w", err)
	}
	return string(b), nil
}

func decodeResults(s string) ([]kaowu.SubjectResult, error) {
	var rs []kaowu.SubjectResult
	if err := json.Unmarshal([]byte(s), &rs); err != nil {
		return nil, fmt.Errorf("decode results: %w", err)
	}
	return rs, nil
}

// ScoreMergesOf returns the score merges of the accounts among ids with
// exam year y, by account.
func (r reader) ScoreMergesOf(ctx context.Context, y int, ids []string) (map[string]ScoreMerge, error) {
	out := map[string]ScoreMerge{}
	err := r.eachIn(ctx, `SELECT `+mergeColumns+` FROM score_merges WHERE previous_year = $1 AND user_id IN %s`, ids, func(rows *sql.Rows) error {
		m, err := scanMerge(rows)
		if err != nil {
			return err
		}
		out[m.UserID] = m
		return nil
	}, y)
	if err != nil {
		return nil, fmt.Errorf("score merges: %w", err)
	}
	return out, nil
}
