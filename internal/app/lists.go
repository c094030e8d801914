package app

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/tabular"
	"kaowu/policy"
)

// The staff lists (issue 11): candidates, applications, units, payments and
// scores, each filtered, sorted and paged through the store's one list
// mechanism (store.List), scoped here to what the actor reaches, shown as
// one kind of table and exported to .xlsx from the same rows and cells.

// ListKinds are the staff lists in the order the pages offer them.
var ListKinds = []store.ListKind{store.ListCandidates, store.ListApplications, store.ListUnits, store.ListPayments, store.ListScores}

// ListTitle returns the Chinese name of a list.
func ListTitle(k store.ListKind) string {
	switch k {
	case store.ListCandidates:
		return "考生名单"
	case store.ListApplications:
		return "报名名单"
	case store.ListUnits:
		return "单位名单"
	case store.ListPayments:
		return "缴费名单"
	case store.ListScores:
		return "成绩名单"
	}
	return string(k)
}

// listRoles says who opens each list: unit HR their unit's candidates and
// applications; the offices all five, site staff for their site.
var listRoles = map[store.ListKind][]kaowu.Role{
	store.ListCandidates:   {kaowu.RoleUnitHR, kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin},
	store.ListApplications: {kaowu.RoleUnitHR, kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin},
	store.ListUnits:        {kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin},
	store.ListPayments:     {kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin},
	store.ListScores:       {kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin},
}

// ListAllowed reports whether a role opens list k.
func ListAllowed(role kaowu.Role, k store.ListKind) bool { return slices.Contains(listRoles[k], role) }

// ListRoles returns the roles that open list k.
func ListRoles(k store.ListKind) []kaowu.Role { return listRoles[k] }

// idSearchRoles may find a candidate by a full ID number in a list.
var idSearchRoles = []kaowu.Role{kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin}

// ListParams is a list as its page or an export asks for it, as text from
// the query string; List checks every value.
type ListParams struct {
	State     string
	Specialty string
	Level     string
	Site      string
	Unit      string // a unit's id
	Category  string // a unit category's key
	District  string // units list
	From, To  string // Beijing dates, YYYY-MM-DD, both included
	Query     string
	Field     string // "" (by its shape), name, username, id_number, ticket_no, transaction_id
	Sort      string
	Order     string // asc, desc; "" the sort's own
	Cursor    string
	Limit     int // 50 or 100
}

// ListColumn is one column of a list: its heading, the sort it heads ("" if
// none), and whether the page and the export show it.
type ListColumn struct {
	Label  string
	Sort   string
	Page   bool
	Export bool
}

// ListCell is one cell: the text the page shows (with a second line and a
// link, if any), and the value the export writes (a string, an int,
// tabular.Date, tabular.DateTime, tabular.Yuan, or nil for empty).
type ListCell struct {
	Text  string
	Hint  string
	Link  string
	Value any
}

// ListCount is the number of rows a list's filter matches: exact, or
// estimated (Approx) when counting would have taken longer than the
// page's budget.
type ListCount struct {
	N      int
	Approx bool
}

// ListView is one page of a list as its page shows it.
type ListView struct {
	Kind    store.ListKind
	Title   string
	Year    *policy.Year
	Params  ListParams // as checked: the sort and order in force
	Columns []ListColumn
	Rows    [][]ListCell
	// Next and Prev are the cursors of the pages after and before ("" when
	// none).
	Next, Prev string
	Count      ListCount
	// Scope says whose rows these are ("丰台考点", "本单位"), "" for all.
	Scope string
	// Filter is the filter and the sort in words.
	Filter string
	// Fields are the text fields the search offers the actor; IDSearch
	// says whether a full ID number is one.
	Fields   []string
	IDSearch bool
	// Role is the actor's: the page offers the filters the role uses.
	Role kaowu.Role
	// Units are the units the unit filter offers (none when the actor's
	// scope has more than maxUnitOptions; the units list links to each
	// unit's rows instead).
	Units []kaowu.Unit
}

// maxUnitOptions is the most units the unit filter offers as a list.
const maxUnitOptions = 300

// listDef is one list for the app: its store list, its columns and how a
// row becomes cells.
type listDef interface {
	sorts() []string
	fields() []string
	columns() []ListColumn
	// page returns one page as cells.
	page(ctx context.Context, a *App, db store.Source, y *policy.Year, role kaowu.Role, q store.ListQuery) ([][]ListCell, string, string, error)
	count(ctx context.Context, db store.Source, q store.ListQuery) (int, error)
	estimate(ctx context.Context, db store.Source, q store.ListQuery) (int, error)
	// each calls fn with every row's cells, batch rows at a time.
	each(ctx context.Context, a *App, db store.Source, y *policy.Year, role kaowu.Role, q store.ListQuery, batch int, fn func([][]ListCell) error) error
}

// typedList is a listDef over a store.List of rows R.
type typedList[R any] struct {
	list  *store.List[R]
	cols  []ListColumn
	cells func(a *App, y *policy.Year, role kaowu.Role, r R) []ListCell
}

func (t typedList[R]) sorts() []string       { return t.list.Sorts }
func (t typedList[R]) fields() []string      { return t.list.Fields }
func (t typedList[R]) columns() []ListColumn { return t.cols }
func (t typedList[R]) rows(a *App, y *policy.Year, role kaowu.Role, rs []R) [][]ListCell {
	out := make([][]ListCell, len(rs))
	for i, r := range rs {
		out[i] = t.cells(a, y, role, r)
	}
	return out
}

func (t typedList[R]) page(ctx context.Context, a *App, db store.Source, y *policy.Year, role kaowu.Role, q store.ListQuery) ([][]ListCell, string, string, error) {
	p, err := t.list.Page(ctx, db, q)
	if err != nil {
		return nil, "", "", err
	}
	return t.rows(a, y, role, p.Rows), p.Next, p.Prev, nil
}

func (t typedList[R]) count(ctx context.Context, db store.Source, q store.ListQuery) (int, error) {
	return t.list.Count(ctx, db, q)
}

func (t typedList[R]) estimate(ctx context.Context, db store.Source, q store.ListQuery) (int, error) {
	return t.list.Estimate(ctx, db, q)
}

func (t typedList[R]) each(ctx context.Context, a *App, db store.Source, y *policy.Year, role kaowu.Role, q store.ListQuery, batch int, fn func([][]ListCell) error) error {
	return t.list.Each(ctx, db, q, batch, func(rs []R) error { return fn(t.rows(a, y, role, rs)) })
}

var listDefs = map[store.ListKind]listDef{
	store.ListCandidates:   candidateList,
	store.ListApplications: applicationList,
	store.ListUnits:        unitList,
	store.ListPayments:     paymentList,
	store.ListScores:       scoreList,
}

// listScope is what an actor reaches of the lists, from their account.
type listScope struct {
	scope store.ListScope
	label string
	role  kaowu.Role
	me    kaowu.Account
}

// listAccess refuses an actor who does not open list k, and returns their
// scope: site staff their site (and its district), unit HR their unit.
func (a *App) listAccess(ctx context.Context, actor Actor, k store.ListKind, y *policy.Year) (listScope, error) {
	if _, ok := listDefs[k]; !ok {
		return listScope{}, kaowu.Errorf(kaowu.ENOTFOUND, "没有“%s”这个名单", k)
	}
	if !ListAllowed(actor.Role, k) {
		return listScope{}, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号不能查看%s", ListTitle(k))
	}
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return listScope{}, err
	}
	sc := listScope{role: me.Role, me: me}
	switch me.Role {
	case kaowu.RoleSiteStaff:
		site, ok := y.Site(me.Site)
		if !ok {
			return sc, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号所属考点（%s）不在%d年度数据中，请联系系统管理员", me.Site, y.Year)
		}
		sc.scope = store.ListScope{Site: site.Code, District: site.District}
		sc.label = site.Name
	case kaowu.RoleUnitHR:
		if me.UnitID == "" {
			return sc, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号没有所属单位，请联系系统管理员")
		}
		u, err := a.Store.Unit(ctx, me.UnitID)
		if err != nil {
			return sc, err
		}
		sc.scope = store.ListScope{UnitID: u.ID}
		sc.label = u.Name
	}
	return sc, nil
}

var (
	ticketShape = regexp.MustCompile(`^\d{16}$`)
	digitsShape = regexp.MustCompile(`^\d{1,16}$`)
	// idShape is a full ID number: a resident ID (18, or 15 of old),
	// a pass or permanent residence card (letters, then digits).
	idShape = regexp.MustCompile(`^(\d{15}|\d{17}[\dX]|[A-Z]{1,3}\d{6,17})$`)
)

// listQuery checks p for list k and returns the store's query, with the
// words of the filter.
func (a *App) listQuery(ctx context.Context, y *policy.Year, k store.ListKind, d listDef, sc listScope, p ListParams) (store.ListQuery, ListParams, string, error) {
	f := fieldErrors{}
	q := store.ListQuery{Year: y.Year, Scope: sc.scope, Cursor: p.Cursor, Limit: 50}
	if p.Limit == 100 {
		q.Limit = 100
	}
	p.Limit = q.Limit
	var words []string
	say := func(label, v string) {
		if v != "" {
			words = append(words, label+"："+v)
		}
	}
	// State.
	p.State = strings.TrimSpace(p.State)
	if p.State != "" {
		label, ok := listStateLabel(k, p.State)
		if !ok {
			f.add("state", "请从列表中选择状态")
		}
		q.Filter.State = p.State
		say("状态", label)
	}
	if p.Specialty = strings.TrimSpace(p.Specialty); p.Specialty != "" && k != store.ListUnits {
		sp, ok := y.Specialty(p.Specialty)
		if !ok {
			f.add("specialty", fmt.Sprintf("专业代码“%s”不在%d年度专业目录中", p.Specialty, y.Year))
		}
		q.Filter.Specialty = p.Specialty
		say("专业", sp.Code+" "+sp.Name)
	}
	if p.Level != "" && k != store.ListUnits {
		l := kaowu.Level(p.Level)
		if !slices.Contains(kaowu.Levels, l) {
			f.add("level", "请从列表中选择级别")
		}
		q.Filter.Level = l
		say("级别", l.Label())
	}
	if p.Site != "" && k != store.ListUnits {
		site, ok := y.Site(p.Site)
		switch {
		case !ok:
			f.add("site", "请从列表中选择考点")
		case sc.scope.Site != "" && p.Site != sc.scope.Site:
			f.add("site", "您只能查看本考点（"+sc.label+"）的名单")
		}
		q.Filter.Site = p.Site
		say("考点", site.Name)
	}
	if p.Unit != "" && k != store.ListUnits {
		q.Filter.UnitID = p.Unit
		name := p.Unit
		if u, err := a.Store.Unit(ctx, p.Unit); err == nil {
			name = u.Name
		}
		say("单位", name)
	}
	if p.Category != "" {
		c, ok := y.UnitCategory(p.Category)
		if !ok {
			f.add("category", "请从列表中选择单位类别")
		}
		q.Filter.UnitCategory = p.Category
		say("单位类别", c.Name)
	}
	if p.District = strings.TrimSpace(p.District); p.District != "" && k == store.ListUnits {
		q.Filter.District = p.District
		say("所在区", p.District)
	}
	// Dates: Beijing days, both included.
	if k != store.ListUnits && k != store.ListScores {
		if p.From != "" {
			d, err := kaowu.ParseDate(p.From)
			if err != nil {
				f.add("from", "起始日期应为 2023-12-05 这样的格式")
			}
			q.Filter.From = d.In(kaowu.Shanghai)
		}
		if p.To != "" {
			d, err := kaowu.ParseDate(p.To)
			if err != nil {
				f.add("to", "截止日期应为 2023-12-15 这样的格式")
			}
			q.Filter.To = d.In(kaowu.Shanghai).AddDate(0, 0, 1)
		}
		if !q.Filter.From.IsZero() && !q.Filter.To.IsZero() && !q.Filter.From.Before(q.Filter.To) {
			f.add("to", "截止日期不能早于起始日期")
		}
		if p.From != "" || p.To != "" {
			say(listDateLabel(k), strings.TrimSpace(orText(p.From, "最早")+" 至 "+orText(p.To, "最晚")))
		}
	}
	// The search.
	if p.Query = strings.TrimSpace(p.Query); p.Query != "" {
		field, query, msg := a.searchField(d, sc.role, p.Field, p.Query)
		if msg != "" {
			f.add("q", msg)
		}
		q.Filter.Query, q.Filter.Field = query, field
		switch field {
		case store.FieldName:
			say("姓名", "以“"+query+"”开头")
			if k == store.ListUnits {
				words[len(words)-1] = "单位名称：以“" + query + "”开头"
			}
		case store.FieldUsername:
			say("用户名", "以“"+query+"”开头")
		case store.FieldIDNumber:
			say("证件号码", kaowu.MaskID(query))
		case store.FieldTicketNo:
			say("准考证号", query)
		case store.FieldTransaction:
			say("交易单号", query)
		}
	}
	// The sort.
	sorts := d.sorts()
	if p.Sort == "" {
		p.Sort = sorts[0]
	}
	if !slices.Contains(sorts, p.Sort) {
		f.add("sort", "不能按此列排序")
		p.Sort = sorts[0]
	}
	switch p.Order {
	case "asc", "desc":
	default:
		p.Order = "asc"
		if listSortDescFirst[p.Sort] {
			p.Order = "desc"
		}
	}
	q.Sort, q.Desc = p.Sort, p.Order == "desc"
	for _, c := range d.columns() {
		if c.Sort == p.Sort {
			order := "顺序"
			if q.Desc {
				order = "倒序"
			}
			words = append(words, "按"+c.Label+order+"排列")
		}
	}
	if err := f.err(); err != nil {
		return q, p, "", err
	}
	return q, p, strings.Join(words, "；"), nil
}

func orText(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// listSortDescFirst are the sorts whose first order is newest first.
var listSortDescFirst = map[string]bool{"registered": true, "submitted": true, "paid": true}

func listDateLabel(k store.ListKind) string {
	switch k {
	case store.ListCandidates:
		return "注册日期"
	case store.ListPayments:
		return "支付日期"
	}
	return "提交日期"
}

// searchField decides what a search matches: the field asked for, or by
// the text's shape (a ticket number's 16 digits, an ID number, Chinese
// for a name, else a username). It returns the field, the text to match
// and, when the search cannot be made, why.
func (a *App) searchField(d listDef, role kaowu.Role, field, q string) (string, string, string) {
	fields := d.fields()
	if utf8.RuneCountInString(q) > 50 {
		return "", q, "查找内容不能超过 50 个字"
	}
	if strings.ContainsFunc(q, unicode.IsControl) {
		return "", q, "查找内容含有不允许的字符"
	}
	if field == "" {
		up := kaowu.NormalizeIDNumber(q)
		has := func(f string) bool { return slices.Contains(fields, f) }
		switch {
		case has(store.FieldTicketNo) && ticketShape.MatchString(q):
			field = store.FieldTicketNo
		case has(store.FieldIDNumber) && slices.Contains(idSearchRoles, role) && idShape.MatchString(up):
			field = store.FieldIDNumber
		case has(store.FieldTicketNo) && digitsShape.MatchString(q):
			field = store.FieldTicketNo
		case strings.ContainsFunc(q, func(r rune) bool { return r > unicode.MaxASCII }):
			field = store.FieldName
		case has(store.FieldTransaction) && digitsShape.MatchString(q):
			field = store.FieldTransaction
		case has(store.FieldUsername):
			field = store.FieldUsername
		default:
			field = store.FieldName
		}
	}
	if !slices.Contains(fields, field) {
		return field, q, "此名单不能按" + fieldLabel(field) + "查找"
	}
	switch field {
	case store.FieldIDNumber:
		if !slices.Contains(idSearchRoles, role) {
			return field, q, "您的账号不能按证件号码查找，请按姓名或用户名查找"
		}
		return field, kaowu.NormalizeIDNumber(q), ""
	case store.FieldUsername:
		return field, strings.ToLower(q), ""
	case store.FieldTicketNo, store.FieldTransaction:
		return field, strings.ReplaceAll(q, " ", ""), ""
	}
	return field, q, ""
}

func fieldLabel(f string) string {
	switch f {
	case store.FieldName:
		return "姓名"
	case store.FieldUsername:
		return "用户名"
	case store.FieldIDNumber:
		return "证件号码"
	case store.FieldTicketNo:
		return "准考证号"
	case store.FieldTransaction:
		return "交易单号"
	}
	return f
}

// FieldLabel returns the Chinese name of a search field.
func FieldLabel(f string) string { return fieldLabel(f) }

// listStateLabel returns the Chinese name of a list's state filter value.
func listStateLabel(k store.ListKind, v string) (string, bool) {
	for _, o := range ListStates(k) {
		if o[0] == v {
			return o[1], true
		}
	}
	return "", false
}

// ApplicationStates are the states of an application, in the order of
// its life.
var ApplicationStates = []kaowu.ApplicationState{kaowu.StateDraft, kaowu.StateSubmitted, kaowu.StateReturned, kaowu.StateConfirmed,
	kaowu.StateVoid, kaowu.StateApproved, kaowu.StateRejected, kaowu.StatePaid, kaowu.StateForfeited, kaowu.StateTicketed, kaowu.StateScored}

// ListStates returns the values of a list's state filter with their
// Chinese names.
func ListStates(k store.ListKind) [][2]string {
	var out [][2]string
	switch k {
	case store.ListCandidates, store.ListApplications:
		if k == store.ListCandidates {
			out = append(out, [2]string{store.StateNone, "未报名"})
		}
		for _, s := range ApplicationStates {
			label := s.Label()
			if s == kaowu.StateDraft {
				label = "已撤回，未重新提交"
				if k == store.ListCandidates {
					label = "未提交"
				}
			}
			out = append(out, [2]string{string(s), label})
		}
	case store.ListPayments:
		for _, d := range []kaowu.PaymentDisposition{kaowu.PaymentApplied, kaowu.PaymentRestored, kaowu.PaymentDuplicate, kaowu.PaymentHeld} {
			out = append(out, [2]string{string(d), d.Label()})
		}
	case store.ListScores:
		out = [][2]string{{store.ScorePassed, "合格"}, {store.ScoreFailed, "未合格"}, {store.ScoreMisconduct, "违纪"}}
	}
	return out
}

// List returns one page of list k for the actor, filtered, sorted and
// paged as p asks, with the number of rows the filter matches.
func (a *App) List(ctx context.Context, actor Actor, k store.ListKind, p ListParams) (ListView, error) {
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return ListView{}, err
	}
	sc, err := a.listAccess(ctx, actor, k, y)
	if err != nil {
		return ListView{}, err
	}
	d := listDefs[k]
	v := ListView{Kind: k, Title: ListTitle(k), Year: y, Columns: d.columns(), Scope: sc.label, Role: sc.role, Params: p}
	for _, f := range d.fields() {
		if f != store.FieldIDNumber || slices.Contains(idSearchRoles, sc.role) {
			v.Fields = append(v.Fields, f)
		}
	}
	v.IDSearch = slices.Contains(v.Fields, store.FieldIDNumber)
	if sc.role != kaowu.RoleUnitHR && k != store.ListUnits {
		if v.Units, err = a.unitOptions(ctx, sc); err != nil {
			return v, err
		}
	}
	q, p, words, err := a.listQuery(ctx, y, k, d, sc, p)
	v.Params, v.Filter = p, words
	if err != nil {
		return v, err
	}
	count := make(chan struct {
		c   ListCount
		err error
	}, 1)
	go func() {
		c, err := a.listCount(ctx, d, q)
		count <- struct {
			c   ListCount
			err error
		}{c, err}
	}()
	v.Rows, v.Next, v.Prev, err = d.page(ctx, a, a.Store, y, sc.role, q)
	c := <-count
	if err != nil {
		return v, err
	}
	if c.err != nil {
		return v, c.err
	}
	v.Count = c.c
	return v, nil
}

// DefaultListCountBudget is how long a page waits for its exact count
// before it shows an estimate (App.ListCountBudget).
const DefaultListCountBudget = 100 * time.Millisecond

// listCount counts the rows of q within the count budget, and estimates
// them when counting takes longer.
func (a *App) listCount(ctx context.Context, d listDef, q store.ListQuery) (ListCount, error) {
	budget := a.ListCountBudget
	if budget == 0 {
		budget = DefaultListCountBudget
	}
	if budget > 0 {
		cctx, cancel := context.WithTimeout(ctx, budget)
		n, err := d.count(cctx, a.Store, q)
		cancel()
		if err == nil || ctx.Err() != nil {
			return ListCount{N: n}, err
		}
		if cctx.Err() == nil {
			return ListCount{}, err
		}
	}
	n, err := d.estimate(ctx, a.Store, q)
	return ListCount{N: roughly(n), Approx: true}, err
}

// roughly rounds an estimate to two significant digits.
func roughly(n int) int {
	m := 1
	for n/m >= 100 {
		m *= 10
	}
	return (n + m/2) / m * m
}

// unitOptions returns the units the actor's unit filter offers: those of
// the scope's district, none when they are more than maxUnitOptions.
func (a *App) unitOptions(ctx context.Context, sc listScope) ([]kaowu.Unit, error) {
	all, err := a.Store.Units(ctx)
	if err != nil {
		return nil, err
	}
	var out []kaowu.Unit
	for _, u := range all {
		if sc.scope.District == "" || u.District == sc.scope.District {
			if out = append(out, u); len(out) > maxUnitOptions {
				return nil, nil
			}
		}
	}
	return out, nil
}

// Cells of the lists.

func text(s string) ListCell { return ListCell{Text: s, Value: s} }

func dateCell(t time.Time) ListCell {
	if t.IsZero() {
		return ListCell{}
	}
	return ListCell{Text: kaowu.DateOf(t.In(kaowu.Shanghai)).String(), Value: tabular.Date(t)}
}

func dateCellP(t *time.Time) ListCell {
	if t == nil {
		return ListCell{}
	}
	return dateCell(*t)
}

func dateTimeCell(t time.Time) ListCell {
	return ListCell{Text: t.In(kaowu.Shanghai).Format("2006-01-02 15:04"), Value: tabular.DateTime(t)}
}

func yuanCell(fen int64) ListCell {
	return ListCell{Text: kaowu.Yuan(fen), Value: tabular.Yuan(fen)}
}

func specialtyText(y *policy.Year, code string) string {
	if code == "" {
		return ""
	}
	if sp, ok := y.Specialty(code); ok {
		return sp.Code + " " + sp.Name
	}
	return code
}

func siteText(y *policy.Year, code string) string {
	if s, ok := y.Site(code); ok {
		return s.Name
	}
	return code
}

func categoryText(y *policy.Year, key string) string {
	if c, ok := y.UnitCategory(key); ok {
		return c.Name
	}
	return key
}

// masked is an ID number as every list shows and exports it.
func masked(n kaowu.IDNumber) string { return kaowu.MaskID(string(n)) }

func levelText(l kaowu.Level) string {
	if l == "" {
		return ""
	}
	return l.Label()
}

var candidateList = typedList[store.CandidateRow]{
	list: store.Candidates,
	cols: []ListColumn{{"姓名", "name", true, true}, {"证件号码", "", false, true}, {"用户名", "username", true, true},
		{"单位", "", true, true}, {"注册日期", "registered", true, true}, {"报名状态", "", true, true}, {"报考专业", "", true, true},
		{"级别", "", false, true}, {"考点", "", true, true}},
	cells: func(a *App, y *policy.Year, role kaowu.Role, r store.CandidateRow) []ListCell {
		name := text(r.Name)
		name.Hint = masked(r.IDNumber)
		state := text("未报名")
		if r.ApplicationID != "" {
			state = text(r.State.Label())
		}
		sp := text(specialtyText(y, r.Specialty))
		if r.Level != "" {
			sp.Hint = r.Level.Label()
		}
		site := ""
		if r.Site != "" {
			site = siteText(y, r.Site)
		}
		return []ListCell{name, text(masked(r.IDNumber)), text(r.Username), text(r.UnitName), dateCell(r.RegisteredAt), state, sp,
			text(levelText(r.Level)), text(site)}
	},
}

var applicationList = typedList[store.ApplicationRow]{
	list: store.Applications,
	cols: []ListColumn{{"姓名", "name", true, true}, {"证件号码", "", false, true}, {"报考专业", "specialty", true, true},
		{"级别", "", false, true}, {"考点", "", true, true}, {"单位", "", true, true}, {"状态", "state", true, true},
		{"提交时间", "submitted", true, true}, {"确认日期", "", true, true}, {"审核日期", "", true, true}, {"报名费（元）", "", true, true},
		{"缴费日期", "", true, true}},
	cells: func(a *App, y *policy.Year, role kaowu.Role, r store.ApplicationRow) []ListCell {
		name := text(r.Name)
		name.Hint = masked(r.IDNumber)
		if r.Version > 0 {
			name.Link = fmt.Sprintf("/applications/%s/versions/%d/form.pdf", r.ID, r.Version)
		}
		sp := text(specialtyText(y, r.Specialty))
		sp.Hint = levelText(r.Level)
		state := text(r.State.Label())
		if r.AutoConfirmed {
			state.Hint = "历史考生自动确认"
		}
		fee := ListCell{}
		if r.FeeFen > 0 {
			fee = yuanCell(r.FeeFen)
		}
		return []ListCell{name, text(masked(r.IDNumber)), sp, text(levelText(r.Level)), text(siteText(y, r.Site)), text(r.UnitName), state,
			dateTimeCell(r.SubmittedAt), dateCellP(r.ConfirmedAt), dateCellP(r.DecidedAt), fee, dateCellP(r.PaidAt)}
	},
}

var unitList = typedList[store.UnitRow]{
	list: store.Units,
	cols: func() []ListColumn {
		cols := []ListColumn{{"单位名称", "name", true, true}, {"所在区", "district", true, true}, {"单位类别", "category", true, true},
			{"社会资本举办", "", false, true}, {"报名人数", "", true, true}, {"各状态人数", "", true, false}}
		for _, s := range ApplicationStates {
			label := s.Label()
			if s == kaowu.StateDraft {
				label = "已撤回"
			}
			cols = append(cols, ListColumn{Label: label, Export: true})
		}
		return cols
	}(),
	cells: func(a *App, y *policy.Year, role kaowu.Role, r store.UnitRow) []ListCell {
		name := text(r.Name)
		if role == kaowu.RoleSiteStaff || role == kaowu.RoleAdmin {
			name.Link = "/staff/units/edit?id=" + r.ID
		}
		private := "否"
		if r.Private {
			private = "是"
		}
		total := ListCell{Text: fmt.Sprint(r.Total), Value: r.Total}
		if r.Total > 0 {
			total.Link = "/staff/lists/applications?unit=" + r.ID
		}
		var parts []string
		cells := []ListCell{name, text(r.District), text(categoryText(y, r.Category)), text(private), total, {}}
		for _, s := range ApplicationStates {
			n := r.Counts[s]
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", s.Label(), n))
			}
			cells = append(cells, ListCell{Text: fmt.Sprint(n), Value: n})
		}
		cells[5] = ListCell{Text: strings.Join(parts, " · ")}
		return cells
	},
}

var paymentList = typedList[store.PaymentRow]{
	list: store.Payments,
	cols: []ListColumn{{"支付时间", "paid", true, true}, {"姓名", "", true, true}, {"证件号码", "", false, true}, {"单位", "", false, true},
		{"考点", "", true, true}, {"报考专业", "", true, true}, {"金额（元）", "amount", true, true}, {"状态", "", true, true},
		{"退款（元）", "", false, true}, {"交易单号", "", true, true}, {"订单号", "", false, true}},
	cells: func(a *App, y *policy.Year, role kaowu.Role, r store.PaymentRow) []ListCell {
		name := text(r.Name)
		name.Hint = masked(r.IDNumber)
		state := text(r.Disposition.Label())
		refund := ListCell{}
		if r.RefundedFen > 0 {
			refund = yuanCell(r.RefundedFen)
			state.Hint = "已申请退款 " + kaowu.Yuan(r.RefundedFen) + " 元"
		}
		amount := yuanCell(r.AmountFen)
		if r.AmountFen != r.OrderFen {
			amount.Hint = "应缴 " + kaowu.Yuan(r.OrderFen)
		}
		return []ListCell{dateTimeCell(r.PaidAt), name, text(masked(r.IDNumber)), text(r.UnitName), text(siteText(y, r.Site)),
			text(specialtyText(y, r.Specialty)), amount, state, refund, text(r.TransactionID), text(r.OrderID)}
	},
}

var scoreList = typedList[store.ScoreRow]{
	list: store.Scores,
	cols: []ListColumn{{"准考证号", "ticket", true, true}, {"姓名", "name", true, true}, {"证件号码", "", false, true},
		{"单位", "", false, true}, {"考点", "", true, true}, {"专业", "specialty", true, true}, {"级别", "", false, true},
		{"基础知识", "", true, true}, {"相关专业知识", "", true, true}, {"专业知识", "", true, true}, {"专业实践能力", "", true, true},
		{"结果", "", true, true}},
	cells: func(a *App, y *policy.Year, role kaowu.Role, r store.ScoreRow) []ListCell {
		name := text(r.Name)
		name.Hint = masked(r.IDNumber)
		subject := func(p *int) ListCell {
			if p == nil {
				return text("缺考")
			}
			return ListCell{Text: fmt.Sprint(*p), Value: *p}
		}
		result := "未合格"
		switch {
		case r.Misconduct:
			result = "违纪"
		case r.Passed:
			result = "合格"
		}
		return []ListCell{text(r.TicketNo), name, text(masked(r.IDNumber)), text(r.UnitName), text(siteText(y, r.Site)),
			text(specialtyText(y, r.Specialty)), text(levelText(r.Level)), subject(r.Basics), subject(r.Related), subject(r.Professional),
			subject(r.Practice), text(result)}
	},
}
