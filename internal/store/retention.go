package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Personal data retention (个人信息保存期限): the queries of the purge job
// (internal/app PurgePersonalData). Each Purge* method selects a batch of
// what is due inside its transaction and purges it there, re-checking the
// conditions in its writes, so that two purges at once (two nodes) purge
// each row once and count it once, and data written after the selection
// (a photo uploaded meanwhile) is never touched.

// PurgeScope is what the retention has released: the exam years whose
// retention period has ended, and Cutoff, the latest closing day among
// them (its end, as an instant). Account-level data (the photo, the mobile
// number, the WeChat binding) written after Cutoff belongs to a year still
// kept.
type PurgeScope struct {
	Years  []int
	Cutoff time.Time
}

// AccountPurge counts what PurgeAccounts deleted.
type AccountPurge struct {
	Accounts int // accounts whose personal data was purged
	Photos   int // photos deleted
	Mobiles  int // mobile numbers blanked
	WeChat   int // WeChat bindings deleted
}

// ApplicationPurge counts what PurgeApplications deleted.
type ApplicationPurge struct {
	Applications int // applications marked purged
	Photos       int // version photos deleted
	Snapshots    int // version snapshots whose contact details were blanked
}

// PurgeBatch is the most rows one purge transaction handles (tests make it
// small to see several batches); the engine's IN-list size (batchRows)
// bounds it too.
var PurgeBatch = 500

func (r reader) purgeBatch() int { return max(1, min(PurgeBatch, r.batchRows(1))) }

// inList returns "($first, $first+1, …)" for n parameters.
func inList(first, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "$" + strconv.Itoa(first+i)
	}
	return "(" + strings.Join(ps, ", ") + ")"
}

// ids reads one column of ids.
func (r reader) ids(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// exec runs a statement and returns the rows it changed.
func (tx *Tx) exec(ctx context.Context, q string, args ...any) (int, error) {
	res, err := tx.q.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// accountDue is the condition on users u (cutoff $1) under which an
// account's personal data is due for purging: a candidate registered on or
// before the cutoff, with no application in a year still kept, and nothing
// of theirs (photo, WeChat binding, profile) written after the cutoff. The
// years released are parameters from $2 on.
func accountDue(years int) string {
	return `u.role = 'candidate' AND u.created_at <= $1
		AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = u.id AND a.year NOT IN ` + inList(2, years) + `)
		AND NOT EXISTS (SELECT 1 FROM photos p WHERE p.user_id = u.id AND p.uploaded_at > $1)
		AND NOT EXISTS (SELECT 1 FROM wechat_bindings w WHERE w.user_id = u.id AND w.bound_at > $1)
		AND NOT EXISTS (SELECT 1 FROM profiles f WHERE f.user_id = u.id AND f.updated_at > $1)`
}

// PurgeAccounts purges the next batch of accounts, by id after `after`,
// whose personal data the scope releases (accountDue) and who still hold
// some: their photo and WeChat binding are deleted and their mobile number
// blanked; the account, its name and ID document stay. It returns the
// counts and the last id it looked at ("" when there were none left).
func (tx *Tx) PurgeAccounts(ctx context.Context, sc PurgeScope, after string, now time.Time) (AccountPurge, string, error) {
	var c AccountPurge
	if len(sc.Years) == 0 {
		return c, "", nil
	}
	n := len(sc.Years)
	cutoff := utc(sc.Cutoff)
	args := append(append([]any{cutoff}, anys(sc.Years)...), after)
	ids, err := tx.ids(ctx, `SELECT u.id FROM users u WHERE `+accountDue(n)+`
		AND u.id > $`+strconv.Itoa(n+2)+`
		AND (u.mobile <> '' OR EXISTS (SELECT 1 FROM photos p WHERE p.user_id = u.id)
			OR EXISTS (SELECT 1 FROM wechat_bindings w WHERE w.user_id = u.id))
		ORDER BY u.id LIMIT `+strconv.Itoa(tx.purgeBatch()), args...)
	if err != nil || len(ids) == 0 {
		return c, "", wrap("purge accounts", err)
	}
	// Each write names the rows it changed, so that the accounts counted
	// are those this transaction purged (a purge running at once on
	// another node finds them gone).
	purged := map[string]bool{}
	for _, w := range []struct {
		what string
		q    string
		n    *int
	}{
		{"photos", `DELETE FROM photos WHERE uploaded_at <= $1 AND user_id IN ` + inList(2, len(ids)) + ` RETURNING user_id`, &c.Photos},
		{"wechat bindings", `DELETE FROM wechat_bindings WHERE bound_at <= $1 AND user_id IN ` + inList(2, len(ids)) + ` RETURNING user_id`, &c.WeChat},
		{"mobiles", `UPDATE users SET mobile = '' WHERE created_at <= $1 AND mobile <> '' AND id IN ` + inList(2, len(ids)) + ` RETURNING id`, &c.Mobiles},
	} {
		got, err := tx.ids(ctx, w.q, append([]any{cutoff}, anys(ids)...)...)
		if err != nil {
			return c, "", wrap("purge "+w.what, err)
		}
		*w.n = len(got)
		for _, id := range got {
			purged[id] = true
		}
	}
	if len(purged) > 0 {
		marked := make([]any, 0, len(purged)+1)
		marked = append(marked, utc(now))
		for id := range purged {
			marked = append(marked, id)
		}
		if c.Accounts, err = tx.exec(ctx, `UPDATE users SET purged_at = $1 WHERE id IN `+inList(2, len(purged)), marked...); err != nil {
			return c, "", wrap("purge accounts", err)
		}
	}
	return c, ids[len(ids)-1], nil
}

// PurgeApplications purges the next batch of applications of the released
// years not purged yet, by id after `after`: their versions' photos are
// deleted, their snapshots rewritten by scrub (which blanks the contact
// details; it returns nil when a snapshot holds none), and the application
// marked purged. It returns the counts and the last id it looked at (""
// when there were none left).
func (tx *Tx) PurgeApplications(ctx context.Context, years []int, after string, now time.Time,
	scrub func(snapshot []byte) ([]byte, error)) (ApplicationPurge, string, error) {
	var c ApplicationPurge
	if len(years) == 0 {
		return c, "", nil
	}
	n := len(years)
	ids, err := tx.ids(ctx, `SELECT id FROM applications WHERE year IN `+inList(1, n)+` AND purged_at IS NULL AND id > $`+strconv.Itoa(n+1)+`
		ORDER BY id LIMIT `+strconv.Itoa(tx.purgeBatch()), append(anys(years), after)...)
	if err != nil || len(ids) == 0 {
		return c, "", wrap("purge applications", err)
	}
	// Mark first: of two purges at once, the one that marks an application
	// purges it; the other skips it.
	marked, err := tx.ids(ctx, `UPDATE applications SET purged_at = $1 WHERE id IN `+inList(2, len(ids))+` AND purged_at IS NULL RETURNING id`,
		append([]any{utc(now)}, anys(ids)...)...)
	if err != nil {
		return c, "", wrap("purge applications", err)
	}
	c.Applications = len(marked)
	if len(marked) == 0 {
		return c, ids[len(ids)-1], nil
	}
	in, args := inList(1, len(marked)), anys(marked)
	if c.Photos, err = tx.exec(ctx, `UPDATE application_versions SET photo = NULL WHERE application_id IN `+in+` AND photo IS NOT NULL`, args...); err != nil {
		return c, "", wrap("purge version photos", err)
	}
	type version struct {
		app  string
		n    int
		snap string
	}
	var vs []version
	rows, err := tx.q.QueryContext(ctx, `SELECT application_id, version, snapshot FROM application_versions WHERE application_id IN `+in, args...)
	if err != nil {
		return c, "", wrap("purge snapshots", err)
	}
	for rows.Next() {
		var v version
		if err := rows.Scan(&v.app, &v.n, &v.snap); err != nil {
			rows.Close()
			return c, "", wrap("purge snapshots", err)
		}
		vs = append(vs, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, "", wrap("purge snapshots", err)
	}
	for _, v := range vs {
		b, err := scrub([]byte(v.snap))
		if err != nil {
			return c, "", fmt.Errorf("purge snapshot %s v%d: %w", v.app, v.n, err)
		}
		if b == nil {
			continue
		}
		if _, err := tx.q.ExecContext(ctx, `UPDATE application_versions SET snapshot = $3 WHERE application_id = $1 AND version = $2`,
			v.app, v.n, string(b)); err != nil {
			return c, "", wrap("purge snapshots", err)
		}
		c.Snapshots++
	}
	return c, ids[len(ids)-1], nil
}

// PurgeChangeEvidence deletes the scanned evidence of the next batch of
// decided change requests, by id after `after`, decided on or before the
// cutoff and not purged yet (a pending request keeps its evidence: the
// office has yet to see it). It returns the number purged and the last id
// looked at ("" when there were none left).
func (tx *Tx) PurgeChangeEvidence(ctx context.Context, cutoff time.Time, after string, now time.Time) (int, string, error) {
	ids, err := tx.ids(ctx, `SELECT id FROM change_requests WHERE status <> 'pending' AND evidence_purged_at IS NULL
		AND decided_at <= $1 AND id > $2 ORDER BY id LIMIT `+strconv.Itoa(tx.purgeBatch()), utc(cutoff), after)
	if err != nil || len(ids) == 0 {
		return 0, "", wrap("purge change evidence", err)
	}
	n, err := tx.exec(ctx, `UPDATE change_requests SET evidence = $1, evidence_purged_at = $2
		WHERE id IN `+inList(3, len(ids))+` AND evidence_purged_at IS NULL`, append([]any{[]byte{}, utc(now)}, anys(ids)...)...)
	if err != nil {
		return 0, "", wrap("purge change evidence", err)
	}
	return n, ids[len(ids)-1], nil
}

// PurgeTicketBuilds deletes the stored ticket PDFs (which carry photos) of
// the finished builds of the released years not purged yet, and returns the
// number of files deleted and of builds purged.
func (tx *Tx) PurgeTicketBuilds(ctx context.Context, years []int, now time.Time) (files, builds int, err error) {
	if len(years) == 0 {
		return 0, 0, nil
	}
	ids, err := tx.ids(ctx, `UPDATE ticket_builds SET purged_at = $1 WHERE year IN `+inList(2, len(years))+`
		AND state <> 'running' AND purged_at IS NULL RETURNING id`, append([]any{utc(now)}, anys(years)...)...)
	if err != nil || len(ids) == 0 {
		return 0, 0, wrap("purge ticket builds", err)
	}
	for len(ids) > 0 {
		k := min(len(ids), tx.purgeBatch())
		n, err := tx.exec(ctx, `DELETE FROM ticket_build_files WHERE build_id IN `+inList(1, k), anys(ids[:k])...)
		if err != nil {
			return 0, 0, wrap("purge ticket build files", err)
		}
		files, builds, ids = files+n, builds+k, ids[k:]
	}
	return files, builds, nil
}

// timePtr returns a scanned nullable instant as UTC, or nil.
func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}
