package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/tabular"
)

// The audit log (issue 11): the sealer that chains appended entries, the
// check of the chain, and the offices' search. See docs/audit.md.

// SealAudit seals every entry appended so far into the audit chain, one
// transaction per batch, and returns how many it sealed. Several
// processes may run it at once: they take turns (store.Tx.SealAudit). When
// ctx has a deadline it starts no batch it expects to end after it, so
// that a backlog (a region's million score entries) is sealed over several
// scheduled runs without holding up the other scheduled work.
func (a *App) SealAudit(ctx context.Context) (int, error) {
	batch := a.Store.AuditSealBatch()
	deadline, bounded := ctx.Deadline()
	total := 0
	var after *store.AuditCursor
	for {
		start := time.Now()
		var n int
		err := a.Store.Update(ctx, func(tx *store.Tx) error {
			var err error
			n, after, err = tx.SealAuditAfter(ctx, batch, after)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("seal audit: %w", err)
		}
		total += n
		if n < batch || bounded && time.Until(deadline) < 2*time.Since(start) {
			return total, nil
		}
	}
}

// VerifyAudit checks the whole audit chain (store.reader.VerifyAudit).
func (a *App) VerifyAudit(ctx context.Context) (store.AuditCheck, error) {
	return a.Store.VerifyAudit(ctx)
}

// AuditQuery is the audit search's filter as an office types it. Empty
// fields do not filter.
type AuditQuery struct {
	// Candidate is a candidate's username, ID number or name; CandidateID
	// an account id (the link 该考生的全部记录), which wins.
	Candidate   string
	CandidateID string
	// Actor is the operator's username.
	Actor  string
	Action string
	// From and To are calendar days in Beijing time, both included.
	From, To kaowu.Date
	// After is the cursor of the previous page's end.
	After string
}

// AuditCandidateView is the candidate an audit search is about.
type AuditCandidateView struct {
	store.AuditCandidate
	// FullIDNumber is the unmasked ID number: every role that reaches the
	// search may see it for the candidates it reaches (their site office,
	// the region, administrators).
	FullIDNumber string
}

// StateChange is one field of an entry's states before and after.
type StateChange struct {
	// Field is the JSON key; "" when a state is not a JSON object and
	// is shown whole.
	Field string
	// Before and After are the values, pretty-printed ("" when absent).
	Before, After string
	Changed       bool
}

// AuditItem is one entry as the search shows it: ID numbers masked.
type AuditItem struct {
	store.AuditRecord
	// When is the instant in Beijing time, to the second.
	When        string
	ActionLabel string
	Changes     []StateChange
	// CandidateID is the candidate the entry is about, when the office
	// reaches them (for the link to their whole trail).
	CandidateID string
}

// Changed returns the fields that differ between before and after.
func (it AuditItem) Changed() []StateChange { return it.fields(true) }

// Unchanged returns the fields that are the same before and after.
func (it AuditItem) Unchanged() []StateChange { return it.fields(false) }

func (it AuditItem) fields(changed bool) []StateChange {
	var out []StateChange
	for _, c := range it.Changes {
		if c.Changed == changed {
			out = append(out, c)
		}
	}
	return out
}

// AuditResult is one page of the audit search.
type AuditResult struct {
	// Candidate is the candidate the query names, when it names exactly
	// one the office reaches; the entries are then theirs.
	Candidate *AuditCandidateView
	// Matches are the candidates the query's text names when it names
	// several: the office picks one.
	Matches []store.AuditCandidate
	// NoCandidate says the query names a candidate but none that the
	// office reaches matched: no entries, as for nobody at all.
	NoCandidate bool
	Items       []AuditItem
	// Next is the cursor of the next page, "" on the last.
	Next string
	// Site is the site whose entries an office's search is limited to.
	Site string
	// The chain's state: the head (last sealed) and the unsealed count.
	Head     int64
	Unsealed int64
}

// auditPageSize is the number of entries per page.
const auditPageSize = 50

// auditRange turns days into the instants of a
// search: from the first day's midnight to the midnight after the last,
// Beijing time.
func auditRange(from, to kaowu.Date) (time.Time, time.Time) {
	var f, t time.Time
	if !from.IsZero() {
		f = from.In(kaowu.Shanghai)
	}
	if !to.IsZero() {
		t = to.In(kaowu.Shanghai).AddDate(0, 0, 1)
	}
	return f, t
}

// auditScope returns what the actor's search covers: nil for the region
// office and administrators (everything), the site for a site office. Other
// roles are refused.
func (a *App) auditScope(ctx context.Context, actor Actor) (*store.AuditScope, error) {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return nil, err
	}
	switch me.Role {
	case kaowu.RoleRegionStaff, kaowu.RoleAdmin:
		return nil, nil
	case kaowu.RoleSiteStaff:
		y, err := a.CurrentYear(ctx)
		if err != nil {
			return nil, err
		}
		sc := &store.AuditScope{Site: me.Site}
		if site, ok := y.Site(me.Site); ok {
			sc.District = site.District
		}
		return sc, nil
	}
	return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点、考区考试管理机构可以查询审计日志")
}

// auditFilter resolves a query into the store's filter: the candidate it
// names (within the scope), the instants of its days, its cursor. ok is
// false when the query names no single candidate the actor reaches: the
// search then has no entries.
func (a *App) auditFilter(ctx context.Context, scope *store.AuditScope, q AuditQuery, res *AuditResult) (f store.AuditFilter, ok bool, err error) {
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return f, false, kaowu.FieldError("to", "截止日期不能早于起始日期")
	}
	f = store.AuditFilter{Actor: strings.TrimSpace(q.Actor), Action: q.Action, Scope: scope, Limit: auditPageSize}
	f.From, f.To = auditRange(q.From, q.To)
	if q.After != "" {
		c, err := store.ParseAuditCursor(q.After)
		if err != nil {
			return f, false, kaowu.Errorf(kaowu.EINVALID, "翻页参数无效：请回到第一页重新查询")
		}
		f.After = &c
	}
	cq := store.AuditCandidateQuery{ID: strings.TrimSpace(q.CandidateID), Scope: scope, Limit: 20}
	if cq.ID == "" {
		cq.Text = strings.TrimSpace(q.Candidate)
	}
	if cq.ID == "" && cq.Text == "" {
		return f, true, nil
	}
	cands, err := a.Store.AuditCandidates(ctx, cq)
	if err != nil {
		return f, false, err
	}
	switch len(cands) {
	case 0:
		res.NoCandidate = true
		return f, false, nil
	case 1:
	default:
		res.Matches = cands
		return f, false, nil
	}
	c := cands[0]
	res.Candidate = &AuditCandidateView{AuditCandidate: c, FullIDNumber: string(c.IDNumber)}
	if f.Objects, err = a.Store.AuditObjectsOf(ctx, c.ID); err != nil {
		return f, false, err
	}
	// Every entry about a candidate the office reaches is the office's to
	// see, whichever site an old application of theirs was at.
	f.Scope = nil
	return f, true, nil
}

// SearchAudit returns one page of the audit log matching q, newest first,
// as the actor may see it: the region office and administrators see
// everything, a site office the entries about its candidates (those whose
// unit lies in its district, who have no unit yet, or who applied at the
// site), their applications and orders, the site itself, and those made by
// its own staff. Asking for a candidate the office does not reach gives
// no entries, exactly as for one who does not exist.
func (a *App) SearchAudit(ctx context.Context, actor Actor, q AuditQuery) (AuditResult, error) {
	var res AuditResult
	scope, err := a.auditScope(ctx, actor)
	if err != nil {
		return res, err
	}
	if scope != nil {
		res.Site = scope.Site
	}
	if head, ok, err := a.Store.AuditHead(ctx); err != nil {
		return res, err
	} else if ok {
		res.Head = head.Seq
	}
	if res.Unsealed, err = a.Store.CountUnsealedAudit(ctx); err != nil {
		return res, err
	}
	f, ok, err := a.auditFilter(ctx, scope, q, &res)
	if err != nil || !ok {
		return res, err
	}
	recs, more, err := a.Store.SearchAudit(ctx, f)
	if err != nil {
		return res, err
	}
	var objects []string
	seen := map[string]bool{}
	for _, r := range recs {
		if !seen[r.Object] {
			seen[r.Object] = true
			objects = append(objects, r.Object)
		}
	}
	cands, err := a.Store.AuditObjectCandidates(ctx, objects, scope)
	if err != nil {
		return res, err
	}
	for _, r := range recs {
		it := auditItem(r)
		it.CandidateID = cands[r.Object]
		res.Items = append(res.Items, it)
	}
	if more {
		last := recs[len(recs)-1]
		res.Next = store.AuditCursor{At: last.At, ID: last.ID}.String()
	}
	return res, nil
}

// auditItem makes the view of an entry: ID numbers masked again (entries
// are masked when written; this covers any written before that rule).
func auditItem(r store.AuditRecord) AuditItem {
	r.Detail, r.Before, r.After = kaowu.MaskIDsIn(r.Detail), kaowu.MaskIDsIn(r.Before), kaowu.MaskIDsIn(r.After)
	return AuditItem{AuditRecord: r, When: r.At.In(kaowu.Shanghai).Format("2006-01-02 15:04:05"),
		ActionLabel: kaowu.AuditActionLabel(r.Action), Changes: stateChanges(r.Before, r.After)}
}

// stateChanges lays an entry's states side by side: field by field when
// both are JSON objects (or absent), nested objects by dotted path, in the
// order the states give them, each marked when it differs; otherwise
// whole.
func stateChanges(before, after string) []StateChange {
	if before == "" && after == "" {
		return nil
	}
	bk, bv, bok := jsonFields(before)
	ak, av, aok := jsonFields(after)
	if !bok || !aok {
		b, a := prettyJSON([]byte(before)), prettyJSON([]byte(after))
		return []StateChange{{Before: b, After: a, Changed: b != a}}
	}
	var out []StateChange
	keys := append(bk, ak...)
	done := map[string]bool{}
	for _, k := range keys {
		if done[k] {
			continue
		}
		done[k] = true
		b, inB := bv[k]
		a, inA := av[k]
		c := StateChange{Field: k, Changed: inB != inA || compactJSON(b) != compactJSON(a)}
		if inB {
			c.Before = prettyJSON(b)
		}
		if inA {
			c.After = prettyJSON(a)
		}
		out = append(out, c)
	}
	return out
}

// jsonFields returns the fields of a JSON object in order, nested objects
// flattened into dotted paths (work.post), and their values; ok is false
// when s is neither empty nor an object.
func jsonFields(s string) ([]string, map[string]json.RawMessage, bool) {
	vals := map[string]json.RawMessage{}
	if strings.TrimSpace(s) == "" {
		return nil, vals, true
	}
	var keys []string
	if !flatten("", json.RawMessage(s), &keys, vals) {
		return nil, nil, false
	}
	return keys, vals, true
}

// flatten adds the fields of the JSON object raw under prefix, and
// reports whether raw is an object.
func flatten(prefix string, raw json.RawMessage, keys *[]string, vals map[string]json.RawMessage) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return false
		}
		if prefix != "" {
			k = prefix + "." + k
		}
		if bytes.HasPrefix(bytes.TrimSpace(v), []byte("{")) && flatten(k, v, keys, vals) {
			continue
		}
		if _, dup := vals[k]; !dup {
			*keys = append(*keys, k)
		}
		vals[k] = v
	}
	return true
}

func compactJSON(b []byte) string {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return string(b)
	}
	return out.String()
}

// prettyJSON indents JSON; a string is shown as its text, and what is not
// JSON as it is.
func prettyJSON(b []byte) string {
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s
	}
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}

// auditExportMax is the most entries one export holds (Excel's sheet holds
// 1 048 576 rows).
const auditExportMax = 1_000_000

// ExportAudit returns the entries matching q (every page, newest first) as
// an .xlsx sheet, ID numbers masked, for the actor as SearchAudit scopes
// it; the export itself is audited.
func (a *App) ExportAudit(ctx context.Context, actor Actor, q AuditQuery) (*tabular.Sheet, error) {
	scope, err := a.auditScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	var res AuditResult
	q.After = ""
	f, ok, err := a.auditFilter(ctx, scope, q, &res)
	if err != nil {
		return nil, err
	}
	x, err := tabular.NewSheet("审计日志", []string{"时间（北京时间）", "操作员", "角色", "操作", "对象", "说明", "修改前", "修改后", "加封序号"},
		[]float64{20, 16, 16, 22, 38, 60, 50, 50, 10})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*tabular.Sheet, error) {
		x.Close()
		return nil, err
	}
	f.Limit = 1000
	n := 0
	for ok {
		recs, more, err := a.Store.SearchAudit(ctx, f)
		if err != nil {
			return fail(err)
		}
		for _, r := range recs {
			it := auditItem(r)
			seq := "未加封"
			if it.Sealed() {
				seq = fmt.Sprint(it.Seq)
			}
			if err := x.Add(it.When, it.Actor, it.Role.Label(), it.ActionLabel+"（"+it.Action+"）", it.Object, it.Detail, it.Before, it.After, seq); err != nil {
				return fail(err)
			}
			n++
		}
		if !more {
			break
		}
		if n >= auditExportMax {
			if err := x.Add(fmt.Sprintf("结果超过 %d 条，只导出了最新的 %d 条：请缩小时间范围分次导出", auditExportMax, n)); err != nil {
				return fail(err)
			}
			break
		}
		last := recs[len(recs)-1]
		f.After = &store.AuditCursor{At: last.At, ID: last.ID}
	}
	object, what := "audit", describeAuditQuery(q, res.Candidate)
	if res.Candidate != nil {
		object = res.Candidate.ID
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		return a.audit(ctx, tx, actor, "audit.export", object, fmt.Sprintf("导出审计日志 %d 条（%s）", n, what))
	})
	if err != nil {
		return fail(err)
	}
	return x, nil
}

// describeAuditQuery says in Chinese what a query filters, ID numbers
// masked.
func describeAuditQuery(q AuditQuery, c *AuditCandidateView) string {
	var parts []string
	switch {
	case c != nil:
		parts = append(parts, "考生 "+c.Name)
	case q.Candidate != "" || q.CandidateID != "":
		parts = append(parts, "考生 "+kaowu.MaskIDsIn(q.Candidate+q.CandidateID))
	}
	if q.Actor != "" {
		parts = append(parts, "操作员 "+q.Actor)
	}
	if q.Action != "" {
		parts = append(parts, "操作 "+kaowu.AuditActionLabel(q.Action))
	}
	if !q.From.IsZero() {
		parts = append(parts, "自 "+q.From.String())
	}
	if !q.To.IsZero() {
		parts = append(parts, "至 "+q.To.String())
	}
	if len(parts) == 0 {
		return "全部"
	}
	return strings.Join(parts, "，")
}
