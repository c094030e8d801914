package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"kaowu"
	"kaowu/eligibility"
	"kaowu/internal/pdf"
	"kaowu/internal/store"
	"kaowu/policy"
)

// UnitClause is the clause of the unit-based on-site confirmation: a
// unit's category fixes its confirmation day.
const UnitClause = "二（二）"

// unitScope is who manages units: the site office for the units of its
// district, the administrator for all. district is "" for all.
type unitScope struct {
	year     *policy.Year
	district string
}

func (a *App) unitScope(ctx context.Context, actor Actor) (unitScope, error) {
	if actor.Role != kaowu.RoleSiteStaff && actor.Role != kaowu.RoleAdmin {
		return unitScope{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点考试管理机构可以管理单位（%s）", UnitClause)
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return unitScope{}, err
	}
	sc := unitScope{year: y}
	if actor.Role == kaowu.RoleSiteStaff {
		// The administrator (also the command line's System) reaches every
		// unit; site staff their site's district, read from the account.
		me, err := a.actorAccount(ctx, actor)
		if err != nil {
			return unitScope{}, err
		}
		site, ok := y.Site(me.Site)
		if !ok {
			return sc, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号所属考点（%s）不在%d年度数据中，请联系系统管理员", me.Site, y.Year)
		}
		sc.district = site.District
	}
	return sc, nil
}

// covers reports whether the scope reaches a unit in district.
func (sc unitScope) covers(district string) bool { return sc.district == "" || sc.district == district }

// errUnitNotYours is the one answer for a unit that does not exist and
// one of another site's district.
func errUnitNotYours() error {
	return kaowu.Errorf(kaowu.ENOTFOUND, "单位不存在，或不在本考点所在区")
}

// UnitInput is a unit as the edit page sends it. Category is a key or the
// Chinese name of the year's unit categories.
type UnitInput struct {
	Name     string
	District string
	Category string
	Private  bool
}

// category returns the key of the unit category written as key or name.
func category(y *policy.Year, s string) (policy.UnitCategory, bool) {
	s = strings.TrimSpace(s)
	for _, c := range y.UnitCategories {
		if s == c.Key || kaowu.FoldText(s) == kaowu.FoldText(c.Name) {
			return c, true
		}
	}
	return policy.UnitCategory{}, false
}

func categoryNames(y *policy.Year) string {
	names := make([]string, len(y.UnitCategories))
	for i, c := range y.UnitCategories {
		names[i] = c.Name
	}
	return strings.Join(names, "、")
}

// privateCategory is the category whose units are privately funded by
// definition (一级以上社民办医院).
const privateCategory = "private_hospital"

// checkUnit validates one unit's fields and reports each problem through
// bad(field, message). It returns the unit with the category's key.
func (sc unitScope) checkUnit(in UnitInput, bad func(field, msg string)) kaowu.Unit {
	u := kaowu.Unit{Name: strings.TrimSpace(in.Name), District: strings.TrimSpace(in.District), Private: in.Private}
	switch n := utf8.RuneCountInString(u.Name); {
	case n == 0:
		bad("name", "请填写单位名称（与医疗机构执业许可证上的名称一致）")
	case n < 2 || n > 100:
		bad("name", fmt.Sprintf("单位名称“%s”长度应为 2–100 个字", u.Name))
	case strings.ContainsAny(u.Name, forbiddenText) || strings.ContainsFunc(u.Name, func(r rune) bool { return r < ' ' }):
		bad("name", fmt.Sprintf("单位名称“%s”含有不允许的字符", u.Name))
	}
	switch {
	case u.District == "":
		bad("district", "请填写单位所在区，如 丰台区（考点按单位所在区确定，二（一））")
	case !strings.HasSuffix(u.District, "区") || utf8.RuneCountInString(u.District) > 10:
		bad("district", fmt.Sprintf("所在区“%s”无效：应为北京市的区名，如 丰台区", u.District))
	case !sc.covers(u.District):
		bad("district", fmt.Sprintf("单位在%s，不属于本考点所在的%s：请由%s所在考点录入（二（一））", u.District, sc.district, u.District))
	}
	c, ok := category(sc.year, in.Category)
	switch {
	case strings.TrimSpace(in.Category) == "":
		bad("unit_category", "请填写单位类别："+categoryNames(sc.year)+"（单位类别决定现场确认日期，"+UnitClause+"）")
	case !ok:
		bad("unit_category", fmt.Sprintf("单位类别“%s”无效：应为 %s 之一（%s）", in.Category, categoryNames(sc.year), UnitClause))
	default:
		u.Category = c.Key
		if c.Key == privateCategory && !in.Private {
			bad("private", fmt.Sprintf("单位类别为%s，社会资本举办应为“是”（须提供《医疗机构执业许可证》副本复印件，二（二）5）", c.Name))
		}
	}
	return u
}

// Units returns the units the actor manages: the site office's district,
// or every unit for the administrator.
func (a *App) Units(ctx context.Context, actor Actor) ([]kaowu.Unit, error) {
	sc, err := a.unitScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	all, err := a.Store.Units(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, u := range all {
		if sc.covers(u.District) {
			out = append(out, u)
		}
	}
	return out, nil
}

// ManagedUnit returns one unit the actor manages; another district's unit
// is refused as if it did not exist.
func (a *App) ManagedUnit(ctx context.Context, actor Actor, id string) (kaowu.Unit, error) {
	sc, err := a.unitScope(ctx, actor)
	if err != nil {
		return kaowu.Unit{}, err
	}
	return a.managedUnit(ctx, sc, id)
}

func (a *App) managedUnit(ctx context.Context, sc unitScope, id string) (kaowu.Unit, error) {
	u, err := a.Store.Unit(ctx, id)
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND || err == nil && !sc.covers(u.District) {
		return kaowu.Unit{}, errUnitNotYours()
	}
	return u, err
}

// UpdateUnit changes a unit's name, district, category and private flag
// (site office of the unit's district, or admin), with an audit row
// holding the unit before and after.
func (a *App) UpdateUnit(ctx context.Context, actor Actor, id string, in UnitInput) (kaowu.Unit, error) {
	sc, err := a.unitScope(ctx, actor)
	if err != nil {
		return kaowu.Unit{}, err
	}
	before, err := a.managedUnit(ctx, sc, id)
	if err != nil {
		return kaowu.Unit{}, err
	}
	f := fieldErrors{}
	u := sc.checkUnit(in, f.add)
	u.ID, u.CreatedAt = before.ID, before.CreatedAt
	if _, ok := f["name"]; !ok {
		all, err := a.Store.Units(ctx)
		if err != nil {
			return kaowu.Unit{}, err
		}
		for _, o := range all {
			if o.ID != u.ID && kaowu.FoldText(o.Name) == kaowu.FoldText(u.Name) {
				f.add("name", fmt.Sprintf("已有同名单位“%s”（%s），不能重名", o.Name, o.District))
			}
		}
	}
	if err := f.err(); err != nil {
		return kaowu.Unit{}, err
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateUnit(ctx, u); err != nil {
			return err
		}
		b, _ := json.Marshal(before)
		af, _ := json.Marshal(u)
		return tx.AppendAudit(ctx, kaowu.AuditEntry{At: a.Clock.Now(), Actor: actor.Username, Role: actor.Role, Action: "unit.update",
			Object: u.ID, Detail: "修改单位信息：" + u.Name, Before: string(b), After: string(af)})
	})
	if err != nil {
		return kaowu.Unit{}, fmt.Errorf("update unit: %w", err)
	}
	return u, nil
}

// unitHeader maps the folded column names of a unit file to fields.
var unitHeader = map[string]string{
	"单位名称": "name", "单位": "name", "name": "name", "用人单位": "name",
	"所在区": "district", "区": "district", "district": "district",
	"单位类别": "unit_category", "类别": "unit_category", "unit_category": "unit_category",
	"社会资本举办": "private", "社会资本举办医疗机构": "private", "private": "private",
}

// unitColumns are the columns of a unit file, in the documented order.
var unitColumns = []struct{ key, name string }{
	{"name", "单位名称"}, {"district", "所在区"}, {"unit_category", "单位类别"}, {"private", "社会资本举办"},
}

// UnitFileHeader returns the header of a unit file.
func UnitFileHeader() []string {
	h := make([]string, len(unitColumns))
	for i, c := range unitColumns {
		h[i] = c.name
	}
	return h
}

// report collects the problems of a file under keys such as "第3行.name",
// in file order (rows numbered as in Excel, the header being row 1).
type report struct {
	fields map[string]string
	order  []string
}

func (p *report) add(field, msg string) {
	if p.fields == nil {
		p.fields = map[string]string{}
	}
	if old, ok := p.fields[field]; ok {
		p.fields[field] = old + "；" + msg
		return
	}
	p.fields[field] = msg
	p.order = append(p.order, field)
}

func (p *report) err(what string) error {
	if len(p.order) == 0 {
		return nil
	}
	lines := make([]string, len(p.order))
	for i, f := range p.order {
		lines[i] = f + "：" + p.fields[f]
	}
	return &kaowu.Error{Code: kaowu.EINVALID, Message: what + "有误，未导入：\n" + strings.Join(lines, "\n"), Fields: p.fields}
}

func yesNo(s string) (bool, bool) {
	switch strings.ToLower(kaowu.FoldText(s)) {
	case "是", "yes", "y", "true", "1":
		return true, true
	case "否", "no", "n", "false", "0":
		return false, true
	}
	return false, false
}

// ParseUnits reads the rows of a unit file (header first: 单位名称, 所在区,
// 单位类别, 社会资本举办) for the actor's scope. It returns the units only if
// every row is right; otherwise an EINVALID error naming each bad row
// (第N行) and field. Names repeated in the file or already registered are
// refused; names are compared as people type them (kaowu.FoldText).
func (sc unitScope) parseUnits(rows [][]string, existing []kaowu.Unit) ([]kaowu.Unit, error) {
	var p report
	const what = "单位文件"
	col, ok := parseHeader(&p, rows, unitHeader, unitColumns, UnitFileHeader(), "单位")
	if !ok {
		return nil, p.err(what)
	}
	known := map[string]kaowu.Unit{}
	for _, u := range existing {
		known[kaowu.FoldText(u.Name)] = u
	}
	seen := map[string]int{}
	var out []kaowu.Unit
	for i, row := range rows[1:] {
		n := i + 2
		if blankRow(row) {
			continue
		}
		cell := func(key string) string {
			j := col[key]
			if j >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[j])
		}
		bad := func(field, msg string) { p.add(fmt.Sprintf("第%d行.%s", n, field), msg) }
		in := UnitInput{Name: cell("name"), District: cell("district"), Category: cell("unit_category")}
		priv, ok := yesNo(cell("private"))
		if !ok {
			bad("private", fmt.Sprintf("社会资本举办“%s”无效：请填“是”或“否”", cell("private")))
		}
		in.Private = priv
		u := sc.checkUnit(in, func(field, msg string) {
			if field == "private" && !ok {
				return // reported above
			}
			bad(field, msg)
		})
		if u.Name != "" {
			k := kaowu.FoldText(u.Name)
			if first, dup := seen[k]; dup {
				bad("name", fmt.Sprintf("单位“%s”与第%d行重复：同一单位只能有一行", u.Name, first))
			} else {
				seen[k] = n
				if old, ok := known[k]; ok {
					bad("name", fmt.Sprintf("单位“%s”已存在（%s）：如需修改，请在单位管理页面编辑，不要重复导入", old.Name, old.District))
				}
			}
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		p.add("文件", "没有数据行：表头之后每行一个单位")
	}
	if err := p.err(what); err != nil {
		return nil, err
	}
	return out, nil
}

// ImportUnits adds the units of a file (header first: 单位名称, 所在区,
// 单位类别 by Chinese name or key, 社会资本举办 是/否), all or nothing: any
// bad row refuses the whole file with a row-by-row report (第N行…) and
// nothing changes. The site office imports the units of its district; the
// administrator any. It returns the number of units added.
func (a *App) ImportUnits(ctx context.Context, actor Actor, rows [][]string, source string) (int, error) {
	sc, err := a.unitScope(ctx, actor)
	if err != nil {
		return 0, err
	}
	existing, err := a.Store.Units(ctx)
	if err != nil {
		return 0, err
	}
	units, err := sc.parseUnits(rows, existing)
	if err != nil {
		return 0, fmt.Errorf("import units: %w", err)
	}
	now := a.Clock.Now()
	private := 0
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		for i := range units {
			units[i].CreatedAt = now
			if units[i].Private {
				private++
			}
			if err := tx.CreateUnit(ctx, &units[i]); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, actor, "unit.import", source, fmt.Sprintf("导入单位 %s：%d 个（社会资本举办 %d 个）", source, len(units), private))
	})
	if err != nil {
		return 0, fmt.Errorf("import units: %w", err)
	}
	return len(units), nil
}

// UnitPortal is what a unit's HR sees (单位人事): the unit, its
// confirmation day, slots and venue (二（二）), and its candidates.
type UnitPortal struct {
	Unit         kaowu.Unit
	Year         int
	CategoryName string
	Site         policy.Site
	// Day is the unit's confirmation day; zero when the unit's site has no
	// confirmation arrangement in the year's data or its category none.
	Day        kaowu.Date
	Slots      []policy.Slot
	Venue      string
	Clause     string
	Candidates []PortalCandidate
}

// PortalCandidate is one of the unit's candidates as the HR portal shows
// them: ID number masked, the application's state, the current version's
// specialty, eligibility outcome and the materials to bring.
type PortalCandidate struct {
	AccountID     string
	Name          string
	IDType        kaowu.IDType
	IDNumber      string // masked
	ApplicationID string // "" before the candidate starts an application
	State         kaowu.ApplicationState
	Version       int
	SpecialtyCode string
	SpecialtyName string
	Level         kaowu.Level
	Outcome       eligibility.Outcome
	AutoConfirmed bool
	// Materials are the current version's materials to bring to the
	// confirmation (only those that apply, each with its clause).
	Materials []eligibility.Material
	// IDChange, when set, tells that the candidate must ask for a score
	// merge at the site office (二（一）).
	IDChange string
}

// StateText is the application's state in Chinese.
func (c PortalCandidate) StateText() string {
	switch {
	case c.ApplicationID == "":
		return "未报名"
	case c.AutoConfirmed && c.State == kaowu.StateConfirmed:
		return "历史考生，已自动确认"
	}
	return c.State.Label()
}

// OnRoster reports whether the candidate goes on the unit's confirmation
// roster: submitted, awaiting on-site confirmation.
func (c PortalCandidate) OnRoster() bool {
	return c.ApplicationID != "" && c.State == kaowu.StateSubmitted
}

// unitHR returns the actor's unit HR account and its unit.
func (a *App) unitHR(ctx context.Context, actor Actor) (kaowu.Unit, error) {
	if actor.Role != kaowu.RoleUnitHR {
		return kaowu.Unit{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有单位人事可以查看本单位考生")
	}
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return kaowu.Unit{}, err
	}
	if me.UnitID == "" {
		return kaowu.Unit{}, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号没有绑定单位，请联系系统管理员")
	}
	return a.Store.Unit(ctx, me.UnitID)
}

// UnitPortal returns the portal of the actor's unit (unit HR only; the
// unit is the account's, so no other unit's candidates can be asked for).
func (a *App) UnitPortal(ctx context.Context, actor Actor) (UnitPortal, error) {
	u, err := a.unitHR(ctx, actor)
	if err != nil {
		return UnitPortal{}, err
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return UnitPortal{}, err
	}
	p := UnitPortal{Unit: u, Year: y.Year, Clause: UnitClause}
	if c, ok := y.UnitCategory(u.Category); ok {
		p.CategoryName = c.Name
	}
	if site, ok := y.SiteForDistrict(u.District); ok {
		p.Site = site
		if site.Confirmation != nil {
			p.Slots, p.Venue, p.Clause = site.Confirmation.Slots, site.Confirmation.Venue, site.Confirmation.Clause
			p.Day, _ = site.ConfirmationDay(u.Category)
		}
	}
	list, err := a.Store.UnitCandidates(ctx, u.ID, y.Year)
	if err != nil {
		return p, err
	}
	for _, c := range list {
		pc := PortalCandidate{AccountID: c.AccountID, Name: c.Name, IDType: c.IDType, IDNumber: kaowu.MaskID(string(c.IDNumber)),
			ApplicationID: c.ApplicationID, State: c.State, Version: c.Version, SpecialtyCode: c.Specialty, Level: c.Level,
			Outcome: eligibility.Outcome(c.Outcome), AutoConfirmed: c.AutoConfirmed}
		if sp, ok := y.Specialty(c.Specialty); ok {
			pc.SpecialtyName = sp.Name
		}
		if len(c.Snapshot) > 0 {
			var snap FormSnapshot
			if err := json.Unmarshal(c.Snapshot, &snap); err != nil {
				return p, fmt.Errorf("unit portal: snapshot of %s v%d: %w", c.ApplicationID, c.Version, err)
			}
			pc.SpecialtyCode, pc.SpecialtyName, pc.Level = snap.Specialty.Code, snap.Specialty.Name, snap.Specialty.Level
			pc.Materials, pc.IDChange = snap.Decision.Materials, snap.IDChange
		}
		p.Candidates = append(p.Candidates, pc)
	}
	return p, nil
}

// Roster returns the unit's confirmation roster and checklist: the day,
// slots and venue, and every candidate awaiting confirmation with the
// materials to check. It refuses when the unit has no confirmation day.
func (p UnitPortal) Roster() (pdf.RosterData, error) {
	if p.Day.IsZero() {
		return pdf.RosterData{}, kaowu.Errorf(kaowu.ENOTFOUND, "本单位（%s，%s）没有现场确认日期：所在考点的现场确认安排未在系统中公布，或单位类别不在安排中。请联系所在考点（%s）",
			p.Unit.District, orCode(p.CategoryName, p.Unit.Category), UnitClause)
	}
	r := pdf.RosterData{Year: p.Year, Site: p.Site.Name, UnitName: p.Unit.Name, UnitCategory: p.CategoryName, Day: p.Day,
		Venue: p.Venue, Clause: p.Clause}
	for _, s := range p.Slots {
		r.Slots = append(r.Slots, s.Name+" "+s.Start+"—"+s.End)
	}
	for _, c := range p.Candidates {
		if !c.OnRoster() {
			if c.ApplicationID != "" && c.AutoConfirmed {
				r.AutoConfirmed++
			}
			continue
		}
		rc := pdf.RosterCandidate{Name: c.Name, IDNumber: c.IDNumber, SpecialtyCode: c.SpecialtyCode, SpecialtyName: c.SpecialtyName,
			LevelLabel: c.Level.Label(), Version: c.Version, IDChange: c.IDChange != ""}
		for _, m := range c.Materials {
			rc.Materials = append(rc.Materials, pdf.RosterMaterial{Text: m.Text, Clause: m.Clause})
		}
		r.Candidates = append(r.Candidates, rc)
	}
	if len(r.Candidates) == 0 {
		return r, kaowu.Errorf(kaowu.ENOTFOUND, "本单位目前没有待现场确认的考生（已提交网上报名、尚未确认的考生才列入名单）")
	}
	return r, nil
}

// UnitRosterPDF returns the printable roster and checklist of the actor's
// unit for its confirmation day (unit HR only).
func (a *App) UnitRosterPDF(ctx context.Context, actor Actor) ([]byte, error) {
	p, err := a.UnitPortal(ctx, actor)
	if err != nil {
		return nil, err
	}
	r, err := p.Roster()
	if err != nil {
		return nil, err
	}
	return pdf.Roster(r)
}

// UnitRosterRows returns the roster as spreadsheet rows: a title block,
// then one row per candidate with a column per material (□ where it
// applies, — where it does not).
func (a *App) UnitRosterRows(ctx context.Context, actor Actor) ([][]string, error) {
	p, err := a.UnitPortal(ctx, actor)
	if err != nil {
		return nil, err
	}
	r, err := p.Roster()
	if err != nil {
		return nil, err
	}
	return pdf.RosterRows(r), nil
}
