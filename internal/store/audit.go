package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaowu"
)

// The audit log is tamper-evident (issue 11): a sealer gives each appended
// entry its place in a hash chain. See docs/audit.md.

// AuditRecord is an audit entry as stored, with its place in the chain
// once sealed.
type AuditRecord struct {
	kaowu.AuditEntry
	// Seq is the entry's position in the chain, from 1; 0 while the entry
	// is not sealed yet.
	Seq int64
	// PrevHash is the hash of entry Seq-1 (zeros for the first) and Hash
	// the entry's own (kaowu.AuditChainHash), once sealed.
	PrevHash []byte
	Hash     []byte
}

// Sealed reports whether the entry has its place in the chain.
func (r AuditRecord) Sealed() bool { return r.Seq > 0 }

// AuditHead is the newest sealed entry's position and hash, as settings
// keep it under auditHeadKey: if the newest rows of the log are removed,
// the head still names them.
type AuditHead struct {
	Seq  int64
	Hash []byte
}

const auditHeadKey = "audit.head"

func (h AuditHead) encode() string {
	return strconv.FormatInt(h.Seq, 10) + ":" + hex.EncodeToString(h.Hash)
}

func parseAuditHead(v string) (AuditHead, error) {
	s, x, ok := strings.Cut(v, ":")
	seq, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil || seq < 1 {
		return AuditHead{}, fmt.Errorf("audit head %q: not seq:hash", v)
	}
	h, err := hex.DecodeString(x)
	if err != nil || len(h) != kaowu.AuditHashSize {
		return AuditHead{}, fmt.Errorf("audit head %q: bad hash", v)
	}
	return AuditHead{Seq: seq, Hash: h}, nil
}

// AuditHead returns the head of the audit chain; ok is false when nothing
// has been sealed yet (or the head was removed).
func (r reader) AuditHead(ctx context.Context) (head AuditHead, ok bool, err error) {
	v, err := r.Setting(ctx, auditHeadKey)
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
		return AuditHead{}, false, nil
	}
	if err != nil {
		return AuditHead{}, false, err
	}
	head, err = parseAuditHead(v)
	return head, err == nil, err
}

// AuditHashAt returns the hash of the entry sealed as seq.
func (r reader) AuditHashAt(ctx context.Context, seq int64) ([]byte, error) {
	var h []byte
	err := r.q.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE seq = $1`, seq).Scan(&h)
	if err != nil {
		return nil, fmt.Errorf("audit hash at %d: %w", seq, notFound(err, fmt.Sprintf("审计日志中没有第 %d 条已加封的记录", seq)))
	}
	return h, nil
}

// CountUnsealedAudit returns the number of audit entries not sealed yet.
func (r reader) CountUnsealedAudit(ctx context.Context) (int64, error) {
	var n int64
	if err := r.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE seq IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unsealed audit: %w", err)
	}
	return n, nil
}

// maxAuditSeq returns the highest seq in the log, 0 when none.
func (r reader) maxAuditSeq(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := r.q.QueryRowContext(ctx, `SELECT MAX(seq) FROM audit_log WHERE seq IS NOT NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("max audit seq: %w", err)
	}
	return n.Int64, nil
}

// AuditSealBatch is how many entries one sealing transaction takes: on
// SQLite it holds the one writer meanwhile.
func (r reader) AuditSealBatch() int {
	if r.engine == Postgres {
		return 10000
	}
	return 2000
}

const auditEntryColumns = `id, at, actor, role, action, object, detail, before_state, after_state`

func scanAuditEntry(row interface{ Scan(...any) error }, extra ...any) (kaowu.AuditEntry, error) {
	var e kaowu.AuditEntry
	err := row.Scan(append([]any{&e.ID, &e.At, &e.Actor, &e.Role, &e.Action, &e.Object, &e.Detail, &e.Before, &e.After}, extra...)...)
	e.At = e.At.UTC()
	return e, err
}

// SealAudit gives up to limit unsealed entries, oldest (at, id) first,
// their places after the chain's head, and moves the head; it returns
// how many it sealed. Sealers take turns by a lock held to their commit
// (Lock), and the unique seq makes a fork impossible even without it.
// Appends never wait for a sealer: an entry committed after the sealer
// read its batch is sealed by the next batch.
//
// With no head but sealed entries, or entries sealed beyond the head, the
// chain was tampered with and sealing on would hide where: it refuses
// (kaowu audit verify says what broke). If the newest sealed entries were
// removed, it seals on from the head, so that the gap stays visible.
func (tx *Tx) SealAudit(ctx context.Context, limit int) (int, error) {
	n, _, err := tx.SealAuditAfter(ctx, limit, nil)
	return n, err
}

// SealAuditAfter is SealAudit taking only the unsealed entries after
// cursor (all when nil), and returning the cursor of the last entry it
// sealed (nil when none). A sealer that goes on from where its previous
// batch ended does not walk again over the index entries of the rows it
// just sealed (on PostgreSQL they stay in the unsealed index until
// vacuumed); an entry committed late with an earlier instant is left to
// the next sealer that starts from the beginning (the next scheduled run).
func (tx *Tx) SealAuditAfter(ctx context.Context, limit int, after *AuditCursor) (int, *AuditCursor, error) {
	if err := tx.Lock(ctx, "audit.seal"); err != nil {
		return 0, nil, err
	}
	head, ok, err := tx.AuditHead(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("seal audit: %w", err)
	}
	top, err := tx.maxAuditSeq(ctx)
	if err != nil {
		return 0, nil, err
	}
	if top > head.Seq {
		why := fmt.Sprintf("链头记录为第 %d 条，日志中却已有第 %d 条", head.Seq, top)
		if !ok {
			why = fmt.Sprintf("设置中没有链头记录，日志中却已有 %d 条已加封的记录", top)
		}
		return 0, nil, kaowu.Errorf(kaowu.ECONFLICT, "审计链与链头记录不一致（%s），已停止加封：请运行 kaowu audit verify 检查", why)
	}
	// SQLite plans without statistics: it is told which index to walk.
	// (When the seq index still held the NULLs, it took "seq IS NULL" for
	// a look-up in it and sorted every unsealed row for each batch: a
	// million entries took 8 minutes to seal instead of 22 s.)
	from := ` FROM audit_log`
	if tx.engine == SQLite {
		from += ` INDEXED BY audit_log_unsealed`
	}
	q, args := `SELECT `+auditEntryColumns+from+` WHERE seq IS NULL ORDER BY at, id LIMIT $1`, []any{limit}
	if after != nil {
		q = `SELECT ` + auditEntryColumns + from + ` WHERE seq IS NULL AND at >= $2 AND (at > $2 OR id > $3) ORDER BY at, id LIMIT $1`
		args = append(args, utc(after.At), after.ID)
	}
	rows, err := tx.q.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, nil, fmt.Errorf("seal audit: %w", err)
	}
	var batch []AuditRecord
	prev, seq := head.Hash, head.Seq
	for rows.Next() {
		e, err := scanAuditEntry(rows)
		if err != nil {
			rows.Close()
			return 0, nil, fmt.Errorf("seal audit: %w", err)
		}
		seq++
		h := kaowu.AuditChainHash(prev, seq, e)
		batch = append(batch, AuditRecord{AuditEntry: e, Seq: seq, PrevHash: chainPrev(prev), Hash: h})
		prev = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("seal audit: %w", err)
	}
	if len(batch) == 0 {
		return 0, nil, nil
	}
	if err := tx.setSeals(ctx, batch); err != nil {
		return 0, nil, err
	}
	if err := tx.PutSetting(ctx, auditHeadKey, AuditHead{Seq: seq, Hash: prev}.encode()); err != nil {
		return 0, nil, err
	}
	last := batch[len(batch)-1]
	return len(batch), &AuditCursor{At: last.At, ID: last.ID}, nil
}

// chainPrev is the stored form of the hash before an entry: zeros before
// the first.
func chainPrev(prev []byte) []byte {
	if len(prev) == 0 {
		return make([]byte, kaowu.AuditHashSize)
	}
	return prev
}

// setSeals writes the seals of a batch: on PostgreSQL in one statement
// over arrays, on SQLite by one prepared statement per row (in process,
// cheaper than parsing long VALUES lists). An entry sealed meanwhile
// fails the batch.
func (tx *Tx) setSeals(ctx context.Context, batch []AuditRecord) error {
	if tx.engine == Postgres {
		ids, seqs, prevs, hashes := make([]string, len(batch)), make([]int64, len(batch)), make([][]byte, len(batch)), make([][]byte, len(batch))
		for i, b := range batch {
			ids[i], seqs[i], prevs[i], hashes[i] = b.ID, b.Seq, b.PrevHash, b.Hash
		}
		res, err := tx.q.ExecContext(ctx, `UPDATE audit_log AS l SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
			FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::bytea[]) AS v (id, seq, prev_hash, hash)
			WHERE l.id = v.id AND l.seq IS NULL`, ids, seqs, prevs, hashes)
		if err != nil {
			return fmt.Errorf("seal audit: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(batch)) {
			return fmt.Errorf("seal audit: %d of %d entries sealed (%v)", n, len(batch), err)
		}
		return nil
	}
	st, err := tx.tx.PrepareContext(ctx, `UPDATE audit_log SET seq = $2, prev_hash = $3, hash = $4 WHERE id = $1 AND seq IS NULL`)
	if err != nil {
		return fmt.Errorf("seal audit: %w", err)
	}
	defer st.Close()
	for _, b := range batch {
		res, err := st.ExecContext(ctx, b.ID, b.Seq, b.PrevHash, b.Hash)
		if err != nil {
			return fmt.Errorf("seal audit: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("seal audit: entry %s not sealed (%v)", b.ID, err)
		}
	}
	return nil
}

// AuditBreakKind says how the chain is broken.
type AuditBreakKind string

// The ways a chain breaks.
const (
	// AuditContentChanged: an entry's fields are not what was sealed.
	AuditContentChanged AuditBreakKind = "content"
	// AuditEntryMissing: positions in the chain have no entry.
	AuditEntryMissing AuditBreakKind = "missing"
	// AuditOrderBroken: an intact entry sits at another position than
	// the one it was sealed at.
	AuditOrderBroken AuditBreakKind = "order"
	// AuditHeadMismatch: the chain's end is not the head kept in
	// settings (its newest entries were removed, or the head was).
	AuditHeadMismatch AuditBreakKind = "head"
)

// Label returns the kind in Chinese.
func (k AuditBreakKind) Label() string {
	switch k {
	case AuditContentChanged:
		return "内容被修改"
	case AuditEntryMissing:
		return "记录缺失"
	case AuditOrderBroken:
		return "顺序被改动"
	case AuditHeadMismatch:
		return "链头不符"
	}
	return string(k)
}

// AuditBreak is the first place where the chain does not verify.
type AuditBreak struct {
	Kind AuditBreakKind
	// Seq is the position where the chain breaks; ID the entry at fault
	// there, when there is one.
	Seq int64
	ID  string
	// Detail says what differs, in Chinese.
	Detail string
}

// AuditCheck is the result of verifying the chain.
type AuditCheck struct {
	// Verified is how many entries verified, from seq 1, before the end
	// or the break.
	Verified int64
	// Unsealed is how many entries are not sealed yet.
	Unsealed int64
	// Head is the head kept in settings (HasHead false when there is
	// none).
	Head    AuditHead
	HasHead bool
	// Break is the first break, nil when the whole chain verifies.
	Break *AuditBreak
}

// auditVerifyChunk is how many entries VerifyAudit reads per query: the
// chain is read in pages by seq, never whole.
const auditVerifyChunk = 10000

// VerifyAudit reads the whole chain in seq order, recomputes every hash,
// and reports the first break: a position without its entry, an entry
// whose content or position changed, or an end that is not the head kept
// in settings. The head is read first, so that entries sealed while it
// runs only lengthen the chain it reads.
func (r reader) VerifyAudit(ctx context.Context) (AuditCheck, error) {
	var c AuditCheck
	var err error
	if c.Head, c.HasHead, err = r.AuditHead(ctx); err != nil {
		return c, err
	}
	var prev, atHead []byte
	expect := int64(1)
	for {
		rows, err := r.q.QueryContext(ctx, `SELECT `+auditEntryColumns+`, seq, prev_hash, hash FROM audit_log
			WHERE seq >= $1 ORDER BY seq LIMIT $2`, expect, auditVerifyChunk)
		if err != nil {
			return c, fmt.Errorf("verify audit: %w", err)
		}
		n := 0
		for rows.Next() {
			n++
			var rec AuditRecord
			if rec.AuditEntry, err = scanAuditEntry(rows, &rec.Seq, &rec.PrevHash, &rec.Hash); err != nil {
				rows.Close()
				return c, fmt.Errorf("verify audit: %w", err)
			}
			if rec.Seq != expect {
				rows.Close()
				c.Break = &AuditBreak{Kind: AuditEntryMissing, Seq: expect,
					Detail: fmt.Sprintf("第 %d 条之后紧接着是第 %d 条：第 %s 条记录被删除", expect-1, rec.Seq, span(expect, rec.Seq-1))}
				return r.finishCheck(ctx, c)
			}
			if !bytes.Equal(rec.PrevHash, chainPrev(prev)) || !bytes.Equal(kaowu.AuditChainHash(prev, rec.Seq, rec.AuditEntry), rec.Hash) {
				rows.Close()
				if c.Break, err = r.diagnose(ctx, rec); err != nil {
					return c, err
				}
				c.Verified = c.Break.Seq - 1
				return r.finishCheck(ctx, c)
			}
			if rec.Seq == c.Head.Seq {
				atHead = rec.Hash
			}
			prev = rec.Hash
			expect++
			c.Verified++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return c, fmt.Errorf("verify audit: %w", err)
		}
		if n < auditVerifyChunk {
			break
		}
	}
	last := expect - 1
	switch {
	case !c.HasHead && last > 0:
		c.Break = &AuditBreak{Kind: AuditHeadMismatch, Seq: last,
			Detail: fmt.Sprintf("设置中没有链头记录（%s），日志中却有 %d 条已加封的记录：链头记录被删除", auditHeadKey, last)}
	case c.HasHead && last < c.Head.Seq:
		c.Break = &AuditBreak{Kind: AuditHeadMismatch, Seq: last + 1,
			Detail: fmt.Sprintf("链头记录为第 %d 条，日志只到第 %d 条：最新的第 %s 条记录被删除", c.Head.Seq, last, span(last+1, c.Head.Seq))}
	case c.HasHead && !bytes.Equal(atHead, c.Head.Hash):
		c.Break = &AuditBreak{Kind: AuditHeadMismatch, Seq: c.Head.Seq,
			Detail: fmt.Sprintf("第 %d 条记录的哈希与链头记录不符：链尾被改写", c.Head.Seq)}
	}
	return r.finishCheck(ctx, c)
}

func (r reader) finishCheck(ctx context.Context, c AuditCheck) (AuditCheck, error) {
	var err error
	c.Unsealed, err = r.CountUnsealedAudit(ctx)
	return c, err
}

func span(from, to int64) string {
	if from == to {
		return strconv.FormatInt(from, 10)
	}
	return fmt.Sprintf("%d 至 %d", from, to)
}

// diagnose says why rec, at its position, does not verify after the entry
// before it:
//   - the entry verifies under its own stored link but that link is not
//     the hash of the entry before it: that entry was changed and its hash
//     recomputed;
//   - the entry verifies as sealed at another position: the order was
//     changed (its seq was swapped or moved);
//   - otherwise its content was changed.
//
// Finding the other position tries every position of the chain (one hash
// each, about a second per million entries): only when the chain is
// already broken.
func (r reader) diagnose(ctx context.Context, rec AuditRecord) (*AuditBreak, error) {
	if bytes.Equal(kaowu.AuditChainHash(rec.PrevHash, rec.Seq, rec.AuditEntry), rec.Hash) {
		if rec.Seq == 1 {
			return &AuditBreak{Kind: AuditContentChanged, Seq: 1, ID: rec.ID,
				Detail: "第 1 条记录所记的前一哈希不是链的起点：链的开头被改写"}, nil
		}
		var id string
		if err := r.q.QueryRowContext(ctx, `SELECT id FROM audit_log WHERE seq = $1`, rec.Seq-1).Scan(&id); err != nil {
			return nil, fmt.Errorf("verify audit: %w", err)
		}
		return &AuditBreak{Kind: AuditContentChanged, Seq: rec.Seq - 1, ID: id,
			Detail: fmt.Sprintf("第 %d 条记录（%s）被修改并重算了哈希：第 %d 条记录所记的前一哈希与之不符", rec.Seq-1, id, rec.Seq)}, nil
	}
	top, err := r.maxAuditSeq(ctx)
	if err != nil {
		return nil, err
	}
	head, _, err := r.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	top = max(top, head.Seq)
	for s := int64(1); s <= top; s++ {
		if s%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if s != rec.Seq && bytes.Equal(kaowu.AuditChainHash(rec.PrevHash, s, rec.AuditEntry), rec.Hash) {
			return &AuditBreak{Kind: AuditOrderBroken, Seq: rec.Seq, ID: rec.ID,
				Detail: fmt.Sprintf("第 %d 条的位置上是加封时的第 %d 条记录（%s）：记录的顺序被改动", rec.Seq, s, rec.ID)}, nil
		}
	}
	return &AuditBreak{Kind: AuditContentChanged, Seq: rec.Seq, ID: rec.ID,
		Detail: fmt.Sprintf("第 %d 条记录（%s）的内容与加封时不符", rec.Seq, rec.ID)}, nil
}

// ErrAuditCursor is the refusal of a malformed page cursor.
var ErrAuditCursor = errors.New("bad audit cursor")

// AuditCursor is where a page of the search ends: the (at, id) of its
// last entry; the next page starts after it.
type AuditCursor struct {
	At time.Time
	ID string
}

// String encodes the cursor for a URL.
func (c AuditCursor) String() string { return c.At.UTC().Format(time.RFC3339Nano) + "~" + c.ID }

// ParseAuditCursor decodes a cursor made by AuditCursor.String.
func ParseAuditCursor(s string) (AuditCursor, error) {
	at, id, ok := strings.Cut(s, "~")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return AuditCursor{}, ErrAuditCursor
	}
	return AuditCursor{At: t.UTC(), ID: id}, nil
}

// AuditScope limits the search to what a site office reaches: entries
// about its candidates (candidates whose unit lies in its district or who
// have no unit yet, as app.staffReaches decides, and candidates with an
// application at the site), their applications and orders, the site
// itself, and entries made by the site's staff.
type AuditScope struct {
	Site     string
	District string
}

// AuditFilter selects audit entries for the search. Empty fields do not
// filter.
type AuditFilter struct {
	// Objects, when not nil, keeps the entries about any of these
	// objects (a candidate's account, applications and orders).
	Objects []string
	Actor   string
	Action  string
	// From and To keep entries at or after From and before To.
	From, To time.Time
	// Scope, when set, keeps what a site office reaches.
	Scope *AuditScope
	// After is the end of the previous page.
	After *AuditCursor
	Limit int
}

// params numbers the parameters of a query built from parts.
type params []any

func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// list adds vs as a parenthesised list of parameters, padded to a power
// of two by repeating the last value, so that the query texts (which
// SQLite's statement cache keeps) stay few whatever the data.
func (p *params) list(vs []string) string {
	n := 1
	for n < len(vs) {
		n *= 2
	}
	marks := make([]string, n)
	for i := range n {
		marks[i] = p.add(vs[min(i, len(vs)-1)])
	}
	return "(" + strings.Join(marks, ", ") + ")"
}

// candidateScope is the condition on users u (by alias) that a site
// office reaches the candidate.
func candidateScope(u, site, district string) string {
	return fmt.Sprintf(`(%[1]s.unit_id IS NULL OR %[1]s.unit_id IN (SELECT sc_un.id FROM units sc_un WHERE sc_un.district = %[3]s)
		OR %[1]s.id IN (SELECT sc_a.candidate_id FROM applications sc_a WHERE sc_a.site = %[2]s))`, u, site, district)
}

// entryScope is the condition on audit_log l of AuditScope. On SQLite the
// columns are written +l.object, +l.actor, which keeps its planner from
// answering the ORs by looking every scope member up in the object and
// actor indexes and then sorting all the matches (a site office's first
// page over a million of its entries took seconds): it reads the log
// newest first instead and stops at a page, testing each entry against
// the scope's lists, built once per query. PostgreSQL plans the same way
// by itself (hashed sub-plans) and has no unary plus for text.
func entryScope(p *params, s AuditScope, engine Engine) string {
	site, district := p.add(s.Site), p.add(s.District)
	cs := candidateScope("u", site, district)
	object, actor := "l.object", "l.actor"
	if engine == SQLite {
		object, actor = "+l.object", "+l.actor"
	}
	return `(` + object + ` = ` + site + `
		OR ` + actor + ` IN (SELECT su.username FROM users su WHERE su.role = 'site_staff' AND su.site = ` + site + `)
		OR ` + object + ` IN (SELECT u.id FROM users u WHERE u.role = 'candidate' AND ` + cs + `)
		OR ` + object + ` IN (SELECT a.id FROM applications a JOIN users u ON u.id = a.candidate_id WHERE ` + cs + `)
		OR ` + object + ` IN (SELECT o.id FROM orders o JOIN applications a ON a.id = o.application_id JOIN users u ON u.id = a.candidate_id WHERE ` + cs + `))`
}

// SearchAudit returns one page of the entries matching f, newest first,
// and whether another page follows.
func (r reader) SearchAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, bool, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	if f.Objects != nil && len(f.Objects) == 0 {
		return nil, false, nil
	}
	q, p := searchQuery(f, r.engine)
	rows, err := r.q.QueryContext(ctx, q, p...)
	if err != nil {
		return nil, false, fmt.Errorf("search audit: %w", err)
	}
	defer rows.Close()
	var out []AuditRecord
	for rows.Next() {
		var seq sql.NullInt64
		e, err := scanAuditEntry(rows, &seq)
		if err != nil {
			return nil, false, fmt.Errorf("search audit: %w", err)
		}
		out = append(out, AuditRecord{AuditEntry: e, Seq: seq.Int64})
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("search audit: %w", err)
	}
	more := len(out) > f.Limit
	if more {
		out = out[:f.Limit]
	}
	return out, more, nil
}

// searchQuery builds SearchAudit's query for f (Limit set) on engine.
func searchQuery(f AuditFilter, engine Engine) (string, params) {
	var p params
	var where []string
	if f.Objects != nil {
		where = append(where, `l.object IN `+p.list(f.Objects))
	}
	if f.Actor != "" {
		where = append(where, `l.actor = `+p.add(f.Actor))
	}
	if f.Action != "" {
		where = append(where, `l.action = `+p.add(f.Action))
	}
	if !f.From.IsZero() {
		where = append(where, `l.at >= `+p.add(utc(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, `l.at < `+p.add(utc(f.To)))
	}
	if f.After != nil {
		at, id := p.add(utc(f.After.At)), p.add(f.After.ID)
		where = append(where, `l.at <= `+at+` AND (l.at < `+at+` OR l.id < `+id+`)`)
	}
	if f.Scope != nil {
		where = append(where, entryScope(&p, *f.Scope, engine))
	}
	q := `SELECT l.id, l.at, l.actor, l.role, l.action, l.object, l.detail, l.before_state, l.after_state, l.seq FROM audit_log l`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY l.at DESC, l.id DESC LIMIT ` + p.add(f.Limit+1)
	return q, p
}

// AuditCandidate is a candidate account as the audit search names it.
type AuditCandidate struct {
	ID       string
	Username string
	Name     string
	IDType   kaowu.IDType
	IDNumber kaowu.IDNumber
	Deleted  bool
}

// AuditCandidateQuery finds candidates for the audit search: by account
// id, or by a text that is their username, ID number or name; within
// Scope when set.
type AuditCandidateQuery struct {
	ID    string
	Text  string
	Scope *AuditScope
	Limit int
}

// AuditCandidates returns the candidate accounts (deleted ones too: their
// trail stays) matching q, by name.
func (r reader) AuditCandidates(ctx context.Context, q AuditCandidateQuery) ([]AuditCandidate, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	var p params
	var match string
	switch {
	case q.ID != "":
		match = `u.id = ` + p.add(q.ID)
	case strings.TrimSpace(q.Text) != "":
		t := strings.TrimSpace(q.Text)
		match = `(u.username = ` + p.add(strings.ToLower(t)) + ` OR u.id_number = ` + p.add(kaowu.NormalizeIDNumber(t)) + ` OR u.name = ` + p.add(t) + `)`
	default:
		return nil, nil
	}
	query := `SELECT u.id, u.username, u.name, COALESCE(u.id_type, ''), COALESCE(u.id_number, ''), u.deleted_at FROM users u
		WHERE u.role = 'candidate' AND ` + match
	if q.Scope != nil {
		query += ` AND ` + candidateScope("u", p.add(q.Scope.Site), p.add(q.Scope.District))
	}
	query += ` ORDER BY u.name, u.id LIMIT ` + p.add(q.Limit)
	rows, err := r.q.QueryContext(ctx, query, p...)
	if err != nil {
		return nil, fmt.Errorf("audit candidates: %w", err)
	}
	defer rows.Close()
	var out []AuditCandidate
	for rows.Next() {
		var c AuditCandidate
		var deleted sql.NullTime
		if err := rows.Scan(&c.ID, &c.Username, &c.Name, &c.IDType, &c.IDNumber, &deleted); err != nil {
			return nil, fmt.Errorf("audit candidates: %w", err)
		}
		c.Deleted = deleted.Valid
		out = append(out, c)
	}
	return out, rows.Err()
}

// AuditObjectsOf returns the objects the audit log names a candidate by:
// their account id, their applications' ids and their orders' ids.
func (r reader) AuditObjectsOf(ctx context.Context, candidateID string) ([]string, error) {
	rows, err := r.q.QueryContext(ctx, `SELECT a.id FROM applications a WHERE a.candidate_id = $1
		UNION ALL SELECT o.id FROM orders o JOIN applications a ON a.id = o.application_id WHERE a.candidate_id = $1`, candidateID)
	if err != nil {
		return nil, fmt.Errorf("audit objects of %s: %w", candidateID, err)
	}
	defer rows.Close()
	out := []string{candidateID}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("audit objects of %s: %w", candidateID, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// AuditObjectCandidates maps the objects that are a candidate's account,
// application or order to that candidate's account id, keeping only
// candidates within scope when it is set.
func (r reader) AuditObjectCandidates(ctx context.Context, objects []string, scope *AuditScope) (map[string]string, error) {
	out := map[string]string{}
	if len(objects) == 0 {
		return out, nil
	}
	var p params
	in := p.list(objects)
	cond := ""
	if scope != nil {
		cond = ` AND ` + candidateScope("u", p.add(scope.Site), p.add(scope.District))
	}
	rows, err := r.q.QueryContext(ctx, `SELECT u.id, u.id FROM users u WHERE u.role = 'candidate' AND u.id IN `+in+cond+`
		UNION ALL SELECT a.id, a.candidate_id FROM applications a JOIN users u ON u.id = a.candidate_id WHERE a.id IN `+in+cond+`
		UNION ALL SELECT o.id, a.candidate_id FROM orders o JOIN applications a ON a.id = o.application_id JOIN users u ON u.id = a.candidate_id
			WHERE o.id IN `+in+cond, p...)
	if err != nil {
		return nil, fmt.Errorf("audit object candidates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var obj, cand string
		if err := rows.Scan(&obj, &cand); err != nil {
			return nil, fmt.Errorf("audit object candidates: %w", err)
		}
		out[obj] = cand
	}
	return out, rows.Err()
}
