package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kaowu"
)

// Staff lists (issue 11): candidates, applications, units, payments and
// scores, each filtered, sorted by a named key with a unique column as the
// last key, and paged by keyset: a page asks for the rows after (or
// before) the sort key of the row at the previous page's edge, carried in
// an opaque cursor, never by OFFSET, so that a deep page costs what the
// first does. The query text is built from the filters given (only their
// conditions are written), the same text on both engines, so that each
// engine plans the query it is actually asked; the number of texts is
// bounded by the filters and sorts the code offers.

// ListKind names a staff list.
type ListKind string

// The lists.
const (
	ListCandidates   ListKind = "candidates"
	ListApplications ListKind = "applications"
	ListUnits        ListKind = "units"
	ListPayments     ListKind = "payments"
	ListScores       ListKind = "scores"
)

// ListScope limits a list to what one staff member reaches. The app sets
// it from the actor's account, never from the request.
type ListScope struct {
	// Site: applications, payments and scores of this site; candidates who
	// applied at it this year or whose unit lies in District.
	Site string
	// District: units of this district (and, with Site, their candidates).
	District string
	// UnitID: candidates of this unit and their applications (unit HR).
	UnitID string
}

// The text fields a list's Query can match, each through an index: names
// and usernames by prefix, ID numbers and transaction ids exactly, ticket
// numbers exactly (16 digits) or by prefix.
const (
	FieldName        = "name"
	FieldUsername    = "username"
	FieldIDNumber    = "id_number"
	FieldTicketNo    = "ticket_no"
	FieldTransaction = "transaction_id"
)

// The result filter values of the scores list (ListFilter.State).
const (
	ScorePassed     = "passed"
	ScoreFailed     = "failed"
	ScoreMisconduct = "misconduct"
)

// StateNone is the State filter of the candidates list for candidates
// with no application in the year.
const StateNone = "none"

// ListFilter selects rows of a list; empty fields do not filter. The app
// checks the values against the year's data.
type ListFilter struct {
	// State: candidates and applications, the application's state (the
	// candidates list also takes StateNone); payments, the disposition;
	// scores, ScorePassed, ScoreFailed or ScoreMisconduct.
	State        string
	Specialty    string
	Level        kaowu.Level
	Site         string
	UnitID       string
	UnitCategory string
	District     string // units
	// From and To bound the list's date, From included and To not:
	// registration (candidates), submission (applications), payment
	// (payments). Zero does not bound.
	From, To time.Time
	// Query is matched against Field (one of the Field constants the list
	// takes).
	Query string
	Field string
	// Applications only, for the region's review: the engine's outcome,
	// only automatically confirmed ones, military applications excepted.
	Outcome       string
	AutoConfirmed bool
	NoMilitary    bool
}

// ListQuery asks for one page of a list.
type ListQuery struct {
	Year   int
	Scope  ListScope
	Filter ListFilter
	// Sort names one of the list's sorts ("" its first); Desc reverses it.
	Sort string
	Desc bool
	// Cursor is a page's Next or Prev; "" asks for the first page.
	Cursor string
	// Limit is the rows of a page: 50 when 0, at most MaxListLimit.
	Limit int
}

// MaxListLimit is the most rows one page (or one batch of Each) holds.
const MaxListLimit = 1000

// ListPage is one page of a list, with the cursors of the pages after and
// before it ("" when there is none).
type ListPage[R any] struct {
	Rows []R
	Next string
	Prev string
}

// Source is what a list reads from: a Store, a Tx, a Snapshot or a Reader.
type Source interface{ base() reader }

func (r reader) base() reader { return r }

// List is one staff list: its query, its filters, its sorts.
type List[R any] struct {
	// Kind names the list.
	Kind ListKind
	// Sorts are the list's sort names, the default first.
	Sorts []string
	// Fields are the text fields its Query can match.
	Fields []string

	sorts   map[string][]sortKey
	table   string // the list's table and its alias
	pk      string // its primary key, by the alias
	joins   []join
	columns string
	scan    func(r *R) []any
	where   func(w *where, q ListQuery)
	// fill completes a page's rows with what the main query does not
	// give (the units list's counts).
	fill func(ctx context.Context, r reader, q ListQuery, rows []R) error
}

// join is a table a list joins: a count leaves it out when neither the
// conditions nor another join it keeps name its alias (every join is on a
// key that exists: a foreign key, or a LEFT JOIN on a unique key). A "?"
// in it stands for the list's year.
type join struct {
	alias string
	text  string
	// table and pk, for a join a sort orders by (the candidate's name):
	// the table with its alias, and its primary key.
	table, pk string
}

// sortKey is one column of a sort: its expression and the kind of its
// value ('s' text, 't' instant, 'i' integer). The last key of every sort is
// unique among the list's rows.
type sortKey struct {
	expr string
	kind byte
}

// where collects a query's conditions and their arguments; "?" in a
// condition stands for its next argument.
type where struct {
	conds []frag
}

// frag is a piece of query text with its arguments for its "?" marks.
type frag struct {
	text string
	args []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, frag{cond, args})
}

// eq adds col = v unless v is empty.
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

// state adds "the application named a is in state st" unless st is
// empty, in a form that reads the index on the column state (stateOf).
func (w *where) state(a string, st kaowu.ApplicationState) {
	switch st {
	case "":
	case kaowu.StateScored:
		w.add(a + `.state = 'ticketed' AND ` + hasScores(a))
	case kaowu.StateTicketed:
		w.add(a + `.state = 'ticketed' AND NOT ` + hasScores(a))
	default:
		w.add(a+`.state = ?`, string(st))
	}
}

// prefix adds "col starts with p" as a range of the column's index: the
// strings from p up to p with its last character moved on by one, which in
// binary order (SQLite; PostgreSQL with the C collation) are exactly those
// starting with p.
func (w *where) prefix(col, p string) {
	w.add(col+" >= ? AND "+col+" < ?", p, prefixEnd(p))
}

// prefixEnd returns the least string greater than every string that starts
// with p: p with its last character moved on by one.
func prefixEnd(p string) string {
	r := []rune(p)
	for len(r) > 0 {
		last := r[len(r)-1]
		if last < utf8.MaxRune {
			next := last + 1
			if next >= 0xD800 && next <= 0xDFFF {
				next = 0xE000
			}
			r[len(r)-1] = next
			return string(r)
		}
		r = r[:len(r)-1]
	}
	return string(utf8.MaxRune)
}

// between adds the bounds of a date range.
func (w *where) between(col string, from, to time.Time) {
	if !from.IsZero() {
		w.add(col+" >= ?", utc(from))
	}
	if !to.IsZero() {
		w.add(col+" < ?", utc(to))
	}
}

// text adds the Query of f on its Field, through cols (field → column); a
// ticket number the list has no column for is looked up in the tickets
// table when tickets, the expression of the row's application id, is not
// "". A field the list does not take matches nothing.
func (w *where) text(f ListFilter, cols map[string]string, tickets string) {
	if f.Query == "" {
		return
	}
	switch f.Field {
	case FieldName, FieldUsername:
		if col := cols[f.Field]; col != "" {
			w.prefix(col, f.Query)
			return
		}
	case FieldIDNumber, FieldTransaction:
		if col := cols[f.Field]; col != "" {
			w.add(col+" = ?", f.Query)
			return
		}
	case FieldTicketNo:
		col, sub := cols[f.Field], false
		if col == "" && tickets != "" {
			col, sub = "t.ticket_no", true
		}
		if col == "" {
			break
		}
		cond, args := col+" = ?", []any{f.Query}
		if len(f.Query) < 16 {
			cond = col + " >= ? AND " + col + " < ?"
			args = []any{f.Query, prefixEnd(f.Query)}
		}
		if sub {
			cond = tickets + " IN (SELECT t.application_id FROM tickets t WHERE " + cond + ")"
		}
		w.add(cond, args...)
		return
	}
	w.add("1 = 0")
}

// assemble numbers the "?" marks of the fragments in order ($1, $2…) and
// returns the text and the arguments.
func assemble(parts []frag) (string, []any) {
	var b strings.Builder
	var args []any
	for _, p := range parts {
		k := 0
		for _, c := range p.text {
			if c == '?' {
				args = append(args, p.args[k])
				k++
				b.WriteString("$" + strconv.Itoa(len(args)))
				continue
			}
			b.WriteRune(c)
		}
	}
	return b.String(), args
}

// names reports whether text refers to alias (as "alias.column").
func names(text, alias string) bool {
	for i := 0; ; {
		k := strings.Index(text[i:], alias+".")
		if k < 0 {
			return false
		}
		k += i
		if k == 0 || !isWordByte(text[k-1]) {
			return true
		}
		i = k + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// joinsFor returns the joins that text needs (the joins naming an alias
// it names, and the joins those need in turn), or every join when text is
// "*".
func (l *List[R]) joinsFor(q ListQuery, text string) []frag {
	keep := make([]bool, len(l.joins))
	need := text
	for i := len(l.joins) - 1; i >= 0; i-- {
		if text == "*" || names(need, l.joins[i].alias) {
			keep[i] = true
			need += " " + l.joins[i].text
		}
	}
	var parts []frag
	for i, j := range l.joins {
		if keep[i] {
			f := frag{text: " " + j.text}
			if strings.Contains(j.text, "?") {
				f.args = []any{q.Year}
			}
			parts = append(parts, f)
		}
	}
	return parts
}

// filtered returns "FROM … WHERE …" for the conditions of w, with the
// joins they (and extra, such as the sort keys) need.
func (l *List[R]) filtered(q ListQuery, w *where, extra string) []frag {
	var need strings.Builder
	need.WriteString(extra)
	for _, c := range w.conds {
		need.WriteString(" " + c.text)
	}
	parts := append([]frag{{text: " FROM " + l.table}}, l.joinsFor(q, need.String())...)
	for i, c := range w.conds {
		sep := " AND "
		if i == 0 {
			sep = " WHERE "
		}
		parts = append(parts, frag{sep + c.text, c.args})
	}
	return parts
}

// cursor is what a page's Next or Prev holds: the sort it belongs to, the
// key of the row at the page's edge, and which way it points.
type cursor struct {
	Sort   string   `json:"s"`
	Desc   bool     `json:"d,omitempty"`
	Before bool     `json:"b,omitempty"`
	Keys   []string `json:"k"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// errCursor is the answer to a cursor that is not one of this list's
// pages (edited, or of another sort).
func errCursor() error {
	return kaowu.Errorf(kaowu.EINVALID, "翻页链接已失效（排序或筛选条件已改变），请从第一页重新查看")
}

// decodeCursor reads s for the sort keys keys, as q asks.
func decodeCursor(s, sort string, desc bool, keys []sortKey) (*cursor, []any, error) {
	if s == "" {
		return nil, nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.Sort != sort || c.Desc != desc || len(c.Keys) != len(keys) {
		return nil, nil, errCursor()
	}
	vals := make([]any, len(keys))
	for i, k := range keys {
		switch k.kind {
		case 't':
			t, err := time.Parse(time.RFC3339Nano, c.Keys[i])
			if err != nil {
				return nil, nil, errCursor()
			}
			vals[i] = t.UTC()
		case 'i':
			n, err := strconv.ParseInt(c.Keys[i], 10, 64)
			if err != nil {
				return nil, nil, errCursor()
			}
			vals[i] = n
		default:
			vals[i] = c.Keys[i]
		}
	}
	return &c, vals, nil
}

// keyText is a sort key's value as a cursor holds it.
func keyText(v any) string {
	switch x := v.(type) {
	case *string:
		return *x
	case *int64:
		return strconv.FormatInt(*x, 10)
	case *anyTime:
		return x.t.UTC().Format(time.RFC3339Nano)
	}
	panic(fmt.Sprintf("sort key of type %T", v))
}

// sortOf returns the keys of sort name ("" the first).
func (l *List[R]) sortOf(name string) (string, []sortKey, error) {
	if name == "" {
		name = l.Sorts[0]
	}
	keys, ok := l.sorts[name]
	if !ok {
		return "", nil, kaowu.FieldError("sort", fmt.Sprintf("不能按“%s”排序", name))
	}
	return name, keys, nil
}

// conditions returns the query's fixed conditions: the list's own, its
// scope and its filter.
func (l *List[R]) conditions(q ListQuery) *where {
	w := &where{}
	l.where(w, q)
	return w
}

func limitOf(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, MaxListLimit)
}

// Page returns one page of the list.
func (l *List[R]) Page(ctx context.Context, db Source, q ListQuery) (ListPage[R], error) {
	r := db.base()
	sortName, keys, err := l.sortOf(q.Sort)
	if err != nil {
		return ListPage[R]{}, err
	}
	c, vals, err := decodeCursor(q.Cursor, sortName, q.Desc, keys)
	if err != nil {
		return ListPage[R]{}, err
	}
	back := c != nil && c.Before
	rows, edges, err := l.query(ctx, r, q, keys, q.Desc != back, vals, limitOf(q.Limit)+1)
	if err != nil {
		return ListPage[R]{}, fmt.Errorf("%s list: %w", l.Kind, err)
	}
	limit := limitOf(q.Limit)
	more := len(rows) > limit
	if more {
		rows, edges = rows[:limit], edges[:limit]
	}
	if back {
		slices.Reverse(rows)
		slices.Reverse(edges)
	}
	p := ListPage[R]{Rows: rows}
	at := func(before bool, k []string) string {
		return cursor{Sort: sortName, Desc: q.Desc, Before: before, Keys: k}.encode()
	}
	if len(rows) > 0 {
		first, last := edges[0], edges[len(edges)-1]
		switch {
		case back:
			p.Next = at(false, last)
			if more {
				p.Prev = at(true, first)
			}
		default:
			if more {
				p.Next = at(false, last)
			}
			if c != nil {
				p.Prev = at(true, first)
			}
		}
	} else if c != nil {
		// Nothing on this side of the cursor (rows gone meanwhile): the
		// way back still leads to the rows before it.
		if back {
			p.Next = at(false, c.Keys)
		} else {
			p.Prev = at(true, c.Keys)
		}
	}
	if l.fill != nil && len(rows) > 0 {
		if err := l.fill(ctx, r, q, p.Rows); err != nil {
			return p, fmt.Errorf("%s list: %w", l.Kind, err)
		}
	}
	return p, nil
}

// query runs the list's query in the sort order keys (descending when
// desc), after the key vals when given (before them when desc), for at
// most limit rows, and returns the rows with their sort keys as text.
func (l *List[R]) query(ctx context.Context, r reader, q ListQuery, keys []sortKey, desc bool, vals []any, limit int) ([]R, [][]string, error) {
	if r.engine == SQLite && limit <= 100 {
		// First the rows among the first ones in the sort's order (a
		// range of its index), which is where they are unless the filter
		// is narrow; then, if those hold fewer than a page, the query the
		// engine plans as it likes (a narrow filter's rows, sorted).
		// PostgreSQL's planner weighs the LIMIT against the filter's
		// estimated rows itself, and is misled by the IN of a LIMIT
		// (it reruns the subquery per row).
		rows, edges, err := l.run(ctx, r, q, keys, desc, vals, limit, 50*limit)
		if err != nil || len(rows) == limit {
			return rows, edges, err
		}
	}
	return l.run(ctx, r, q, keys, desc, vals, limit, 0)
}

// run is query, in the rows of the sort's first prefix rows when prefix
// is not 0.
func (l *List[R]) run(ctx context.Context, r reader, q ListQuery, keys []sortKey, desc bool, vals []any, limit, prefix int) ([]R, [][]string, error) {
	text, args := l.pageText(q, keys, desc, vals, limit, prefix)
	res, err := r.q.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, nil, err
	}
	defer res.Close()
	var rows []R
	var edges [][]string
	for res.Next() {
		var row R
		dest := l.scan(&row)
		kv := make([]any, len(keys))
		for i, k := range keys {
			switch k.kind {
			case 't':
				kv[i] = &anyTime{}
			case 'i':
				kv[i] = new(int64)
			default:
				kv[i] = new(string)
			}
		}
		if err := res.Scan(append(dest, kv...)...); err != nil {
			return nil, nil, err
		}
		e := make([]string, len(kv))
		for i, v := range kv {
			e[i] = keyText(v)
		}
		rows = append(rows, row)
		edges = append(edges, e)
	}
	return rows, edges, res.Err()
}

// pageText returns the query of a page: the list's rows in the sort order
// keys (descending when desc), after the key vals when given (before them
// when desc), at most limit, with the sort keys as the last columns.
//
// The rows are found first, by their keys alone, in a subquery that joins
// only what the conditions and the keys need; only the rows of the page
// are then completed with every column (a deferred join): an engine that
// must sort the matching rows sorts narrow ones, and the columns that cost
// a lookup each (the latest confirmation, the payment) are read for the
// page's rows only.
func (l *List[R]) pageText(q ListQuery, keys []sortKey, desc bool, vals []any, limit, prefix int) (string, []any) {
	w := l.conditions(q)
	exprs := make([]string, len(keys))
	for i, k := range keys {
		exprs[i] = k.expr
	}
	var keyset frag
	if vals != nil {
		// The first key's bound alone is a range an index serves on both
		// engines (SQLite does not bound an expression index by a row
		// value); the row value makes it exact.
		op, first := ">", ">="
		if desc {
			op, first = "<", "<="
		}
		keyset = frag{"(" + exprs[0] + " " + first + " ? AND (" + strings.Join(exprs, ", ") + ") " + op + " (" + strings.Repeat("?, ", len(keys)-1) + "?))",
			append([]any{vals[0]}, vals...)}
		w.conds = append(w.conds, keyset)
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if prefix > 0 {
		w.conds = append(w.conds, l.prefixCond(q, w, keys, keyset, dir, prefix))
	}
	inner := make([]string, len(keys))
	order := make([]string, len(keys))
	outer := make([]string, len(keys))
	sel := make([]string, len(keys))
	for i, e := range exprs {
		inner[i] = e + dir
		sel[i] = fmt.Sprintf("%s AS k%d", e, i)
		outer[i] = fmt.Sprintf("k.k%d", i)
		order[i] = outer[i] + dir
	}
	parts := []frag{{text: "SELECT " + l.columns + ", " + strings.Join(outer, ", ") + " FROM (SELECT " + l.pk + " AS kid, " + strings.Join(sel, ", ")}}
	parts = append(parts, l.filtered(q, w, strings.Join(exprs, " "))...)
	parts = append(parts, frag{text: " ORDER BY " + strings.Join(inner, ", ") + " LIMIT " + strconv.Itoa(limit) + ") k JOIN " + l.table +
		" ON " + l.pk + " = k.kid"})
	parts = append(parts, l.joinsFor(q, "*")...)
	parts = append(parts, frag{text: " ORDER BY " + strings.Join(order, ", ")})
	return assemble(parts)
}

// prefixCond restricts a page's query to the first n rows, in the sort's
// order, of the table the sort keys belong to (its driver), after the
// cursor's key and under the conditions that name the driver alone. The
// matches among them are the first matches of all, so that when they fill
// a page the page is right, found through a bounded range of the sort's
// index: SQLite's planner, left to itself, often sorts every match of a
// broad filter to take fifty.
func (l *List[R]) prefixCond(q ListQuery, w *where, keys []sortKey, keyset frag, dir string, n int) frag {
	var alias string
	for _, a := range l.aliases() {
		if names(keys[0].expr, a) {
			alias = a
		}
	}
	table, pk := l.table, l.pk
	for _, j := range l.joins {
		if j.alias == alias {
			table, pk = j.table, j.pk
		}
	}
	sub := &where{}
	for _, c := range w.conds {
		if c.text == keyset.text || l.namesOnly(c.text, alias) {
			sub.conds = append(sub.conds, c)
		}
	}
	order := make([]string, len(keys))
	for i, k := range keys {
		order[i] = k.expr + dir
	}
	text, args := "", []any{}
	for i, c := range sub.conds {
		sep := " AND "
		if i == 0 {
			sep = " WHERE "
		}
		text += sep + c.text
		args = append(args, c.args...)
	}
	return frag{pk + " IN (SELECT " + pk + " FROM " + table + text + " ORDER BY " + strings.Join(order, ", ") + " LIMIT " + strconv.Itoa(n) + ")", args}
}

// namesOnly reports whether a condition names alias and no other alias of
// the list's tables.
func (l *List[R]) namesOnly(text, alias string) bool {
	for _, a := range l.aliases() {
		if a != alias && names(text, a) {
			return false
		}
	}
	return names(text, alias)
}

// aliases returns the aliases of the list's tables.
func (l *List[R]) aliases() []string {
	fs := strings.Fields(l.table)
	out := []string{fs[len(fs)-1]}
	for _, j := range l.joins {
		out = append(out, j.alias)
	}
	return out
}

// Count returns the number of rows the list's filter matches.
func (l *List[R]) Count(ctx context.Context, db Source, q ListQuery) (int, error) {
	text, args := assemble(append([]frag{{text: "SELECT COUNT(*)"}}, l.filtered(q, l.conditions(q), "")...))
	var n int
	if err := db.base().q.QueryRowContext(ctx, text, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s list count: %w", l.Kind, err)
	}
	return n, nil
}

// Estimate returns about how many rows the list's filter matches, without
// counting them all: the matches among a sample of about estimateSample
// rows of the list's table (each with its joins), scaled to the table. On
// PostgreSQL the sample is TABLESAMPLE SYSTEM's blocks (REPEATABLE, so that
// the pages of one filter show the same estimate), scaled by the table's
// reltuples; on SQLite, estimateWindows runs of rowids spread evenly over
// the table. A table smaller than the sample is counted.
func (l *List[R]) Estimate(ctx context.Context, db Source, q ListQuery) (int, error) {
	r := db.base()
	parts := l.filtered(q, l.conditions(q), "")
	base := l.aliases()[0]
	table := strings.Fields(l.table)[0]
	fail := func(err error) (int, error) { return 0, fmt.Errorf("%s list estimate: %w", l.Kind, err) }
	if r.engine == Postgres {
		var tuples sql.NullFloat64
		if err := r.q.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)`, table).Scan(&tuples); err != nil {
			return fail(err)
		}
		if tuples.Float64 < 2*estimateSample {
			return l.Count(ctx, db, q)
		}
		pct := 100 * estimateSample / tuples.Float64
		var sampled int64
		if err := r.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` TABLESAMPLE SYSTEM ($1) REPEATABLE (1)`, pct).Scan(&sampled); err != nil {
			return fail(err)
		}
		if sampled == 0 {
			return l.Count(ctx, db, q)
		}
		parts[0] = frag{" FROM " + l.table + " TABLESAMPLE SYSTEM (?) REPEATABLE (1)", []any{pct}}
		text, args := assemble(append([]frag{{text: "SELECT COUNT(*)"}}, parts...))
		n, err := sampleCount(ctx, r, text, args)
		if err != nil {
			return fail(err)
		}
		return int(float64(n) * tuples.Float64 / float64(sampled)), nil
	}
	var lo, hi sql.NullInt64
	if err := r.q.QueryRowContext(ctx, "SELECT MIN("+base+".rowid), MAX("+base+".rowid) FROM "+l.table).Scan(&lo, &hi); err != nil {
		return fail(err)
	}
	span := hi.Int64 - lo.Int64 + 1
	if !lo.Valid || span <= 2*estimateSample {
		return l.Count(ctx, db, q)
	}
	// The samples first (a subquery with a LIMIT is not merged into the
	// joins), then each sampled row's joins by their keys.
	var ors []string
	var args []any
	gap, width := span/estimateWindows, int64(estimateSample/estimateWindows)
	for i := range int64(estimateWindows) {
		from := lo.Int64 + i*gap
		ors = append(ors, "rowid BETWEEN ? AND ?")
		args = append(args, from, from+width-1)
	}
	sample := frag{" FROM (SELECT * FROM " + table + " WHERE " + strings.Join(ors, " OR ") + " LIMIT " +
		strconv.Itoa(estimateSample) + ") " + base, args}
	parts = append([]frag{{text: "SELECT COUNT(*)"}, sample}, parts[1:]...)
	text, targs := assemble(parts)
	var n int64
	if err := r.q.QueryRowContext(ctx, text, targs...).Scan(&n); err != nil {
		return fail(err)
	}
	return int(n * span / (estimateWindows * width)), nil
}

// sampleCount runs the count of a PostgreSQL sample. The sampled rows'
// joins are each a key's lookup; the planner, costing a random read at
// four sequential ones, would rather hash every row of the joined tables
// (the year's 100 000 applications for 4 000 sampled candidates, ten times
// slower), so on the pool it runs in a read-only transaction of its own
// with hash and merge joins set off for it.
func sampleCount(ctx context.Context, r reader, text string, args []any) (int64, error) {
	var n int64
	db, ok := r.q.(*sql.DB)
	if !ok {
		err := r.q.QueryRowContext(ctx, text, args...).Scan(&n)
		return n, err
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_hashjoin = off`); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL enable_mergejoin = off`); err != nil {
		return 0, err
	}
	err = tx.QueryRowContext(ctx, text, args...).Scan(&n)
	return n, err
}

// The sample of Estimate: about 4 096 rows of the list's table (on
// SQLite in 32 runs of rowids).
const (
	estimateSample  = 4096
	estimateWindows = 32
)

// Each calls fn with the list's rows in order, batch rows at a time
// (keyset pages of the query's sort), until the last or until fn fails.
// Inside a Snapshot the batches are one consistent view.
func (l *List[R]) Each(ctx context.Context, db Source, q ListQuery, batch int, fn func(rows []R) error) error {
	q.Cursor, q.Limit = "", limitOf(batch)
	for {
		p, err := l.Page(ctx, db, q)
		if err != nil {
			return err
		}
		if len(p.Rows) > 0 {
			if err := fn(p.Rows); err != nil {
				return err
			}
		}
		if p.Next == "" {
			return nil
		}
		q.Cursor = p.Next
	}
}

// anyTime scans an instant that SQLite may give as text (a computed
// column has no declared type: COALESCE, MAX), and NULL as the zero time.
type anyTime struct{ t time.Time }

// Scan implements sql.Scanner.
func (a *anyTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		a.t = time.Time{}
	case time.Time:
		a.t = v.UTC()
	case string:
		return a.parse(v)
	case []byte:
		return a.parse(string(v))
	default:
		return fmt.Errorf("instant of type %T", src)
	}
	return nil
}

func (a *anyTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05-07:00", "2006-01-02 15:04:05Z07:00", time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			a.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("instant %q: not a time", s)
}

// ptr returns the instant, nil for none.
func (a anyTime) ptr() *time.Time {
	if a.t.IsZero() {
		return nil
	}
	t := a.t
	return &t
}

// Snapshot is a read-only transaction: every read in it sees the database
// as it was when the snapshot began (repeatable read on PostgreSQL; on
// SQLite, WAL keeps a reader's view until it ends).
type Snapshot struct{ reader }

// Snapshot runs fn in one read-only transaction.
func (s *Store) Snapshot(ctx context.Context, fn func(sn *Snapshot) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer tx.Rollback()
	sn := &Snapshot{reader{q: tx, engine: s.engine}}
	if s.engine == SQLite {
		// SQLite's view starts with the first read, not with BEGIN.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM exam_years`).Scan(&n); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
	}
	return fn(sn)
}
