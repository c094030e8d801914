package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"kaowu"
	"kaowu/eligibility"
	"kaowu/internal/store"
	"kaowu/policy"
)

// Military health personnel (军队卫生人员, 二（三）) do not apply online: their
// regiment-level unit registers them with a roster, a division-level unit
// reviews them, and the unit hands the data over and pays at the site on
// the handover days. See docs/military.md.

// MilitaryColumn is one column of a military roster file.
type MilitaryColumn struct {
	Key     string
	Name    string   // the header as documented
	Aliases []string // other headers accepted
	// Optional columns may be absent from the header; every column's cell
	// may be blank where the candidate has nothing to declare, except those
	// marked Required.
	Optional bool
	Required bool
}

// MilitaryColumns are the columns of a roster, in the documented order.
var MilitaryColumns = []MilitaryColumn{
	{Key: "name", Name: "姓名", Required: true},
	{Key: "id_type", Name: "证件类型", Required: true},
	{Key: "id_number", Name: "证件号码", Required: true},
	{Key: "specialty", Name: "专业代码", Aliases: []string{"报考专业代码"}, Required: true},
	{Key: "level", Name: "级别", Aliases: []string{"报考级别"}, Required: true},
	{Key: "division_unit", Name: "审核单位（师级以上单位）", Aliases: []string{"审核单位", "师级以上单位"}, Required: true},
	{Key: "education", Name: "学历", Required: true},
	{Key: "major", Name: "所学专业", Required: true},
	{Key: "graduated_on", Name: "毕业时间", Required: true},
	{Key: "full_time", Name: "全日制"},
	{Key: "medical", Name: "医学类"},
	{Key: "title_level", Name: "现有资格级别"},
	{Key: "title_specialty", Name: "现有资格专业"},
	{Key: "title_on", Name: "取得资格时间"},
	{Key: "licence", Name: "执业资格"},
	{Key: "licence_category", Name: "执业类别"},
	{Key: "licence_on", Name: "取得执业资格时间"},
	{Key: "practice_registered_on", Name: "执业注册时间"},
	{Key: "residency_on", Name: "住院医师规范化培训合格证书时间", Aliases: []string{"住培合格证书时间"}, Optional: true},
}

// MaxRosterRows bounds a roster file.
const MaxRosterRows = 20000

// RosterProblem is one problem of a roster file: the row (as numbered in
// Excel, the header being row 1; 0 for the file or its header), the column
// and what is wrong, with the clause when a rule of the notice refuses it.
type RosterProblem struct {
	Row     int
	Column  string
	Message string
	Clause  string
}

// RosterImport is the outcome of a roster import: the candidates created,
// or the problems that refused the whole file.
type RosterImport struct {
	Source     string
	Candidates int
	Review     int // rows the engine sent to review (须人工审核), kept for the division-level unit's attention
	Subjects   int
	FeeFen     int64 // due at the handover
	Problems   []RosterProblem
}

// rosterRow is one parsed row.
type rosterRow struct {
	n        int
	name     string
	idType   kaowu.IDType
	idNumber kaowu.IDNumber
	spec     kaowu.Specialty
	division string
	decision eligibility.Decision
}

// militaryActor returns the military unit account of the actor.
func (a *App) militaryActor(ctx context.Context, actor Actor) (kaowu.Account, error) {
	if actor.Role != kaowu.RoleMilitaryUnit {
		return kaowu.Account{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有军队单位账号可以报送军队考生名单（二（三）1）")
	}
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return me, err
	}
	if strings.TrimSpace(me.MilitaryUnit) == "" {
		return me, kaowu.Errorf(kaowu.EFORBIDDEN, "您的账号没有绑定军队单位，请联系系统管理员")
	}
	return me, nil
}

// militarySite returns the site that receives military candidates: the
// site whose on-site arrangements the exam year holds (the notice's own
// site, 丰台考点: 二（三）2 addresses units stationed in Fengtai).
func militarySite(y *policy.Year) (policy.Site, error) {
	for _, s := range y.Sites {
		if s.Confirmation != nil {
			return s, nil
		}
	}
	return policy.Site{}, fmt.Errorf("year %d has no site with on-site arrangements", y.Year)
}

// ImportMilitaryRoster reads a military unit's roster (header first) and,
// only if every row is right, creates the candidates (accounts without a
// usable password: they do not log in) and their applications, directly in
// state confirmed (二（三）1), in one transaction. Every row is checked by
// the eligibility engine as a roster entry (eligibility.Facts.MilitaryRoster);
// a refusal refuses the file, naming the row and the clause. Otherwise the
// report lists every problem, row by row, and nothing changes. Military unit
// accounts only, for their own unit, until the handover days end.
func (a *App) ImportMilitaryRoster(ctx context.Context, actor Actor, rows [][]string, source string) (RosterImport, error) {
	out := RosterImport{Source: source}
	me, err := a.militaryActor(ctx, actor)
	if err != nil {
		return out, err
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return out, err
	}
	site, err := militarySite(y)
	if err != nil {
		return out, err
	}
	hand, _ := y.Window(kaowu.WindowMilitaryHandover)
	if hand.PhaseAt(a.Clock.Now()) == kaowu.PhaseClosed {
		return out, kaowu.Errorf(kaowu.EFORBIDDEN, "%s已于%s截止（%s），不能再报送军队考生名单", hand.Name, endText(hand.End), hand.Clause)
	}
	parsed, problems := a.parseRoster(y, site, me.MilitaryUnit, rows)
	// Already registered ID documents (another roster, an online account).
	if len(problems) == 0 {
		numbers := make([]string, len(parsed))
		for i, r := range parsed {
			numbers[i] = string(r.idNumber)
		}
		taken, err := a.Store.RegisteredIDDocuments(ctx, numbers)
		if err != nil {
			return out, err
		}
		for _, r := range parsed {
			if taken[string(r.idType)+":"+string(r.idNumber)] {
				problems = append(problems, RosterProblem{Row: r.n, Column: "证件号码", Clause: "二（一）4(1)",
					Message: fmt.Sprintf("%s %s 已有账号（已在其他名单中报送，或已在网上注册）：同一证件只能报名一次；请核对，或联系考点", r.idType.Label(), kaowu.MaskID(string(r.idNumber)))})
			}
		}
	}
	if len(problems) > 0 {
		out.Problems = problems
		return out, rosterError(problems)
	}
	now := a.Clock.Now()
	entries := make([]store.MilitaryEntry, 0, len(parsed))
	for _, r := range parsed {
		d := r.decision
		subjects := len(d.Subjects)
		if subjects == 0 {
			subjects = len(kaowu.Subjects)
		}
		if d.Outcome == eligibility.Review {
			out.Review++
		}
		out.Subjects += subjects
		entries = append(entries, store.MilitaryEntry{
			Account: kaowu.Account{User: kaowu.User{Username: "mil-" + strings.ReplaceAll(store.NewID(), "-", ""), Name: r.name,
				Role: kaowu.RoleCandidate, PasswordHash: unusablePassword, MilitaryUnit: me.MilitaryUnit, CreatedAt: now},
				IDType: r.idType, IDNumber: r.idNumber},
			Application: kaowu.Application{Year: y.Year, Site: site.Code, Specialty: r.spec.Code, Level: r.spec.Level,
				State: kaowu.StateConfirmed, Outcome: string(d.Outcome), CreatedAt: now},
			MilitaryUnit: me.MilitaryUnit, DivisionUnit: r.division, Subjects: subjects, RowNo: r.n, Source: source,
			ImportedBy: actor.Username, ImportedAt: now,
		})
	}
	out.Candidates = len(entries)
	out.FeeFen = int64(out.Subjects) * y.Fee.PerSubjectFen
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertMilitaryRoster(ctx, entries); err != nil {
			return err
		}
		if err := a.remind(ctx, tx, kaowu.Reminder{UserID: me.ID, Kind: "military.imported", Link: "/military",
			Title: "军队考生名单已报送",
			Body: fmt.Sprintf("已报送 %d 名军队考生（%s），共 %d 科。请派干部持介绍信于%s期间到%s办理报考数据交接，并缴纳考试费 %s 元（%s、%s）。",
				out.Candidates, source, out.Subjects, windowDays(hand), site.Name, yuan(out.FeeFen), hand.Clause, y.Fee.Clause)}); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "military.import", me.MilitaryUnit,
			fmt.Sprintf("报送军队考生名单 %s：%d 人（须人工审核 %d 人），%d 科，交接时应缴 %s 元", source, out.Candidates, out.Review, out.Subjects, yuan(out.FeeFen)))
	})
	if kaowu.ErrorCode(err) == kaowu.ECONFLICT { // registered meanwhile
		out.Problems = []RosterProblem{{Column: "证件号码", Clause: "二（一）4(1)", Message: "名单中有考生的证件刚刚被注册或报送，请重新上传以查看是哪一行"}}
		return out, rosterError(out.Problems)
	}
	if err != nil {
		return RosterImport{Source: source}, fmt.Errorf("import military roster: %w", err)
	}
	if a.Log != nil {
		a.Log.InfoContext(ctx, "military roster imported", "military_unit", me.MilitaryUnit, "source", source, "candidates", out.Candidates)
	}
	return out, nil
}

// unusablePassword is the password hash of roster candidates: it matches no
// password (auth.Verify refuses anything but an argon2id hash).
const unusablePassword = "!military-roster"

func windowDays(w kaowu.Window) string {
	first, last := kaowu.DateOf(w.Start.In(kaowu.Shanghai)), w.LastDay()
	if first == last {
		return first.Chinese()
	}
	return first.Chinese() + "至" + last.Chinese()
}

// rosterError is the refusal of a roster with its problems: the message
// lists them (the first 200), Fields holds them all as "第N行.列".
func rosterError(ps []RosterProblem) error {
	e := &kaowu.Error{Code: kaowu.EINVALID, Fields: map[string]string{}}
	lines := []string{}
	for i, p := range ps {
		key := p.Column
		if p.Row > 0 {
			key = fmt.Sprintf("第%d行.%s", p.Row, p.Column)
		}
		msg := p.Message
		if p.Clause != "" && !strings.Contains(msg, p.Clause) {
			msg += "（" + p.Clause + "）"
		}
		if old, ok := e.Fields[key]; ok {
			e.Fields[key] = old + "；" + msg
		} else {
			e.Fields[key] = msg
		}
		if i < 200 {
			lines = append(lines, key+"："+msg)
		} else if i == 200 {
			lines = append(lines, fmt.Sprintf("……另有 %d 处问题未列出", len(ps)-200))
		}
	}
	e.Message = fmt.Sprintf("军队考生名单有 %d 处问题，整个文件未导入，请逐行修改后重新上传：\n%s", len(ps), strings.Join(lines, "\n"))
	return e
}

// parseRoster checks the header and every row and returns the rows and
// the problems, in file order. It runs the eligibility engine on every row
// that is well formed.
func (a *App) parseRoster(y *policy.Year, site policy.Site, militaryUnit string, rows [][]string) ([]rosterRow, []RosterProblem) {
	var ps []RosterProblem
	add := func(row int, col, clause, format string, args ...any) {
		ps = append(ps, RosterProblem{Row: row, Column: col, Clause: clause, Message: fmt.Sprintf(format, args...)})
	}
	if len(rows) < 2 {
		add(0, "文件", "", "没有数据行：第一行应为表头（%s），其后每行一名考生；请使用 docs/examples/military-roster.csv 的格式", militaryHeaderText())
		return nil, ps
	}
	if len(rows)-1 > MaxRosterRows {
		add(0, "文件", "", "一个文件最多 %d 行考生，请分成几个文件上传", MaxRosterRows)
		return nil, ps
	}
	byHeader := map[string]string{}
	names := map[string]string{}
	for _, c := range MilitaryColumns {
		names[c.Key] = c.Name
		for _, h := range append([]string{c.Name}, c.Aliases...) {
			byHeader[headerOf(h)] = c.Key
		}
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
		if h == "" {
			continue
		}
		key, ok := byHeader[headerOf(h)]
		if !ok {
			add(0, fmt.Sprintf("表头第%d列", i+1), "", "列名“%s”无法识别；可用的列名：%s", h, militaryHeaderText())
			continue
		}
		if j, dup := col[key]; dup {
			add(0, fmt.Sprintf("表头第%d列", i+1), "", "列名“%s”与第%d列重复", h, j+1)
			continue
		}
		col[key] = i
	}
	for _, c := range MilitaryColumns {
		if _, ok := col[c.Key]; !ok && !c.Optional {
			add(0, "表头", "", "缺少列“%s”", c.Name)
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	today := a.today()
	catalogClause := y.Eligibility.Catalog.Clause
	seen := map[string]int{}
	out := make([]rosterRow, 0, len(rows)-1)
	for i, row := range rows[1:] {
		n := i + 2
		if blankCells(row) {
			continue
		}
		before := len(ps)
		cell := func(key string) string {
			j, ok := col[key]
			if !ok || j >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[j])
		}
		bad := func(key, clause, format string, args ...any) { add(n, names[key], clause, format, args...) }
		r := rosterRow{n: n, name: cell("name"), division: cell("division_unit")}
		if c := utf8.RuneCountInString(r.name); c < 2 || c > 30 {
			bad("name", "", "姓名应为 2 至 30 个字")
		}
		if c := utf8.RuneCountInString(r.division); c < 2 || c > 50 {
			bad("division_unit", "二（三）1", "请填写负责审核报考资格的师级以上单位名称（2 至 50 个字）")
		}
		switch t := cell("id_type"); t {
		case "居民身份证", string(kaowu.IDResident):
			r.idType = kaowu.IDResident
		case "军官证", string(kaowu.IDMilitaryOfficer):
			r.idType = kaowu.IDMilitaryOfficer
		default:
			bad("id_type", "二（三）", "证件类型“%s”无效：军队考生填写 居民身份证 或 军官证", t)
		}
		if r.idType != "" {
			id, err := kaowu.ParseIDNumber(r.idType, cell("id_number"), today)
			if err != nil {
				bad("id_number", "", "%s", kaowu.ErrorMessage(err))
			} else {
				r.idNumber = id.Number
				key := string(r.idType) + ":" + string(id.Number)
				if first, dup := seen[key]; dup {
					bad("id_number", "二（一）4(1)", "证件 %s %s 与第%d行重复：同一考生只能有一行", r.idType.Label(), kaowu.MaskID(string(id.Number)), first)
				} else {
					seen[key] = n
				}
			}
		}
		code := cell("specialty")
		level, levelOK := parseRosterLevel(cell("level"))
		if !levelOK {
			bad("level", catalogClause, "级别“%s”无效：填写 初级（士）、初级（师） 或 中级", cell("level"))
		}
		sp, ok := y.Specialty(code)
		switch {
		case !ok:
			bad("specialty", catalogClause, "专业代码“%s”不在%d年度卫生专业技术资格考试专业目录中，请核对", code, y.Year)
		case !sp.Active():
			bad("specialty", y.Eligibility.Removed.Clause, "专业 %s %s 自%d年起已取消，请改报并入后的专业", sp.Code, sp.Name, y.Year)
		case levelOK && sp.Level != level:
			bad("level", catalogClause, "专业代码 %s（%s）是%s，与填写的级别%s不符", sp.Code, sp.Name, sp.Level.Label(), level.Label())
		}
		r.spec = sp
		f := eligibility.Facts{Today: today, IDType: r.idType, Military: true, MilitaryRoster: true,
			Unit:   eligibility.Unit{Name: militaryUnit, District: site.District, Military: true},
			Target: eligibility.Target{Specialty: code, Level: level, Site: site.Code}}
		yes := true
		ed := eligibility.Education{Major: cell("major"), Relevant: &yes, Recognised: &yes}
		if l, ok := parseEducation(cell("education")); ok {
			ed.Level = l
		} else {
			bad("education", "一（四）", "学历“%s”无效：填写 中专、大专、本科、硕士 或 博士", cell("education"))
		}
		ed.GraduatedOn = rosterDate(cell("graduated_on"), "graduated_on", true, bad)
		ed.FullTime = rosterFlag(cell("full_time"), "full_time", bad)
		ed.Medical = rosterFlag(cell("medical"), "medical", bad)
		if ed.Major == "" {
			bad("major", "一（四）", "请填写所学专业")
		}
		f.Education = []eligibility.Education{ed}
		if tl := cell("title_level"); tl != "" {
			l, ok := parseRosterLevel(tl)
			if !ok {
				bad("title_level", "一（四）", "现有资格级别“%s”无效：填写 初级（士）、初级（师） 或 中级，没有的留空", tl)
			}
			on := rosterDate(cell("title_on"), "title_on", true, bad)
			f.Titles = []eligibility.Title{{Level: l, Specialty: cell("title_specialty"), ObtainedOn: on}}
		} else if cell("title_on") != "" {
			bad("title_level", "一（四）", "填写了取得资格时间，请同时填写现有资格级别")
		}
		if lk := cell("licence"); lk != "" {
			k, ok := parseLicence(lk)
			if !ok {
				bad("licence", "一（七）", "执业资格“%s”无效：填写 执业医师、执业助理医师 或 护士执业证书，没有的留空", lk)
			}
			l := eligibility.Licence{Kind: k, ObtainedOn: rosterDate(cell("licence_on"), "licence_on", true, bad)}
			if c := cell("licence_category"); c != "" {
				if l.Category, ok = parseCategory(c); !ok {
					bad("licence_category", "一（七）", "执业类别“%s”无效：填写 临床、中医、口腔 或 公共卫生", c)
				}
			}
			f.Licences = []eligibility.Licence{l}
		}
		f.PracticeRegisteredOn = rosterDate(cell("practice_registered_on"), "practice_registered_on", false, bad)
		if on := rosterDate(cell("residency_on"), "residency_on", false, bad); !on.IsZero() {
			f.ResidencyCertificate = &eligibility.ResidencyCertificate{ObtainedOn: on}
		}
		if len(ps) > before {
			continue
		}
		// 二（三）1: the engine decides each row as a roster entry.
		d := eligibility.Evaluate(f, y, false)
		r.decision = d
		if d.Outcome == eligibility.Ineligible {
			for _, reason := range d.Reasons {
				if reason.Kind == eligibility.KindRefusal {
					bad("", reason.Clause, "%s 不符合报考条件：%s", r.name, reason.Text)
				}
			}
			continue
		}
		out = append(out, r)
	}
	for i := range ps {
		if ps[i].Column == "" {
			ps[i].Column = "报考条件"
		}
	}
	if len(out) == 0 && len(ps) == 0 {
		add(0, "文件", "", "没有数据行")
	}
	return out, ps
}

func militaryHeaderText() string {
	var hs []string
	for _, c := range MilitaryColumns {
		hs = append(hs, c.Name)
	}
	return strings.Join(hs, "、")
}

func headerOf(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "(", "（"), ")", "）")
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

func blankCells(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func parseRosterLevel(s string) (kaowu.Level, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), "(", "（"), ")", "）")
	switch s {
	case "初级（士）", "士", "初级士", string(kaowu.LevelAssistant):
		return kaowu.LevelAssistant, true
	case "初级（师）", "师", "初级师", string(kaowu.LevelJunior):
		return kaowu.LevelJunior, true
	case "中级", string(kaowu.LevelIntermediate):
		return kaowu.LevelIntermediate, true
	}
	return "", false
}

func parseEducation(s string) (policy.EducationLevel, bool) {
	for _, l := range []policy.EducationLevel{policy.EducationSecondary, policy.EducationCollege, policy.EducationBachelor, policy.EducationMaster, policy.EducationDoctorate} {
		if s == l.Label() || s == string(l) {
			return l, true
		}
	}
	switch s {
	case "专科":
		return policy.EducationCollege, true
	case "研究生":
		return policy.EducationMaster, true
	}
	return "", false
}

func parseLicence(s string) (policy.LicenceKind, bool) {
	for _, k := range []policy.LicenceKind{policy.LicencePhysician, policy.LicenceAssistantPhysician, policy.LicenceNurse} {
		if s == k.Label() || s == string(k) {
			return k, true
		}
	}
	if s == "护士" || s == "护士执业资格" {
		return policy.LicenceNurse, true
	}
	return "", false
}

func parseCategory(s string) (policy.PhysicianCategory, bool) {
	for _, c := range []policy.PhysicianCategory{policy.CategoryClinical, policy.CategoryTCM, policy.CategoryDental, policy.CategoryPublicHealth} {
		if s == c.Label() || s == c.Label()+"类别" || s == string(c) {
			return c, true
		}
	}
	return "", false
}

func rosterFlag(s, key string, bad func(key, clause, format string, args ...any)) bool {
	switch s {
	case "是", "Y", "y", "yes", "1", "true":
		return true
	case "", "否", "N", "n", "no", "0", "false":
		return false
	}
	bad(key, "", "“%s”无效：填写 是 或 否", s)
	return false
}

// rosterDate reads a date as 2015-07-01, 2015/7/1, 2015.7.1, 2015年7月1日,
// 20150701 or an Excel date serial number.
func rosterDate(s, key string, required bool, bad func(key, clause, format string, args ...any)) kaowu.Date {
	if s == "" {
		if required {
			bad(key, "", "请填写日期（如 2015-07-01）")
		}
		return kaowu.Date{}
	}
	if d, ok := parseRosterDate(s); ok {
		return d
	}
	bad(key, "", "日期“%s”无效：应为真实的日期，如 2015-07-01", s)
	return kaowu.Date{}
}

var dateSeparators = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-")

func parseRosterDate(s string) (kaowu.Date, bool) {
	if len(s) == 5 {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n)
			return kaowu.DateOf(t), true
		}
	}
	if len(s) == 8 {
		if _, err := strconv.Atoi(s); err == nil {
			s = s[:4] + "-" + s[4:6] + "-" + s[6:]
		}
	}
	if _, err := kaowu.ParseDate(s); err == nil && len(s) == 10 {
		d, _ := kaowu.ParseDate(s)
		return d, true
	}
	s = dateSeparators.Replace(s)
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return kaowu.Date{}, false
	}
	for i, p := range parts[1:] {
		if len(p) == 1 {
			parts[i+1] = "0" + p
		}
	}
	d, err := kaowu.ParseDate(strings.Join(parts, "-"))
	return d, err == nil
}

// MilitaryRosterView is what a military unit (or the site office) sees of
// a unit's candidates this year.
type MilitaryRosterView struct {
	Year         int
	MilitaryUnit string
	Candidates   []store.MilitaryCandidate
	Handovers    []store.MilitaryHandover
	Confirmed    int
	Subjects     int   // of the confirmed candidates
	FeeFen       int64 // due at the handover for the confirmed candidates
	Window       kaowu.Window
	Site         policy.Site
}

// MilitaryRoster returns a military unit's roster: a military unit account
// sees its own unit only (unit is ignored); site staff of the receiving
// site, region staff and administrators name the unit.
func (a *App) MilitaryRoster(ctx context.Context, actor Actor, unit string) (MilitaryRosterView, error) {
	var v MilitaryRosterView
	switch actor.Role {
	case kaowu.RoleMilitaryUnit:
		me, err := a.militaryActor(ctx, actor)
		if err != nil {
			return v, err
		}
		unit = me.MilitaryUnit
	case kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin:
	default:
		return v, kaowu.Errorf(kaowu.EFORBIDDEN, "您无权查看军队考生名单")
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return v, err
	}
	if v.Site, err = militarySite(y); err != nil {
		return v, err
	}
	if actor.Role == kaowu.RoleSiteStaff {
		if err := a.receivingSite(ctx, actor, v.Site); err != nil {
			return v, err
		}
	}
	v.Year, v.MilitaryUnit = y.Year, unit
	v.Window, _ = y.Window(kaowu.WindowMilitaryHandover)
	if v.Candidates, err = a.Store.MilitaryRoster(ctx, unit, y.Year); err != nil {
		return v, err
	}
	if v.Handovers, err = a.Store.Handovers(ctx, unit); err != nil {
		return v, err
	}
	for _, c := range v.Candidates {
		if c.State == kaowu.StateConfirmed {
			v.Confirmed++
			v.Subjects += c.Subjects
		}
	}
	v.FeeFen = int64(v.Subjects) * y.Fee.PerSubjectFen
	return v, nil
}

// receivingSite refuses site staff of any other site than the one that
// receives military candidates.
func (a *App) receivingSite(ctx context.Context, actor Actor, site policy.Site) error {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return err
	}
	if me.Site != site.Code {
		return kaowu.Errorf(kaowu.EFORBIDDEN, "军队考生的报考数据交接在%s办理（二（三）2），您的账号属于其他考点", site.Name)
	}
	return nil
}

// MilitaryUnits lists the military units with candidates this year, for
// the site office's handover page.
func (a *App) MilitaryUnits(ctx context.Context, actor Actor) ([]store.MilitaryUnitSummary, *policy.Year, error) {
	if actor.Role != kaowu.RoleSiteStaff && actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return nil, nil, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点、考区工作人员可以查看军队考生交接")
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return nil, nil, err
	}
	if actor.Role == kaowu.RoleSiteStaff {
		site, err := militarySite(y)
		if err != nil {
			return nil, nil, err
		}
		if err := a.receivingSite(ctx, actor, site); err != nil {
			return nil, nil, err
		}
	}
	us, err := a.Store.MilitaryUnits(ctx, y.Year)
	return us, y, err
}

// HandoverInput is what the site office records at a handover (二（三）2).
type HandoverInput struct {
	MilitaryUnit string
	LetterNo     string // 介绍信编号
	Operator     string // the officer who brought the letter
	FeeFen       int64  // the fee received
}

// RecordHandover records a military unit's handover at the site (二（三）2):
// only on the handover days (Year.Window(kaowu.WindowMilitaryHandover), by
// the server's clock, decided inside the transaction), with the letter of
// introduction and the fee, which must be the fee per subject times the
// subjects of the unit's confirmed candidates (int64 fen). Each of those
// applications moves confirmed → approved (reviewed by the division-level
// unit, 二（三）1) → paid, by the state's compare-and-swap, with its audit
// rows. Site staff of the receiving site and administrators only.
func (a *App) RecordHandover(ctx context.Context, actor Actor, in HandoverInput) (store.MilitaryHandover, error) {
	var h store.MilitaryHandover
	if actor.Role != kaowu.RoleSiteStaff && actor.Role != kaowu.RoleAdmin {
		return h, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点考试管理机构可以办理军队考生报考数据交接（二（三）2）")
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return h, err
	}
	site, err := militarySite(y)
	if err != nil {
		return h, err
	}
	if actor.Role == kaowu.RoleSiteStaff {
		if err := a.receivingSite(ctx, actor, site); err != nil {
			return h, err
		}
	}
	f := fieldErrors{}
	in.MilitaryUnit, in.LetterNo, in.Operator = strings.TrimSpace(in.MilitaryUnit), strings.TrimSpace(in.LetterNo), strings.TrimSpace(in.Operator)
	if in.MilitaryUnit == "" {
		f.add("military_unit", "请选择军队单位")
	}
	if c := utf8.RuneCountInString(in.LetterNo); c < 1 || c > 50 {
		f.add("letter_no", "请填写介绍信编号（二（三）2：派干部持介绍信办理）")
	}
	if c := utf8.RuneCountInString(in.Operator); c < 2 || c > 30 {
		f.add("operator", "请填写持介绍信前来办理的干部姓名")
	}
	if in.FeeFen <= 0 {
		f.add("fee", "请填写收取的考试费金额（元）")
	}
	if err := f.err(); err != nil {
		return h, err
	}
	w, _ := y.Window(kaowu.WindowMilitaryHandover)
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		now := a.Clock.Now() // decided once, inside the transaction
		if err := windowError(w, now, "办理军队考生报考数据交接"); err != nil {
			return err
		}
		roster, err := tx.MilitaryRoster(ctx, in.MilitaryUnit, y.Year)
		if err != nil {
			return err
		}
		var pending []store.MilitaryCandidate
		subjects := 0
		for _, c := range roster {
			if c.State == kaowu.StateConfirmed {
				pending = append(pending, c)
				subjects += c.Subjects
			}
		}
		if len(pending) == 0 {
			return kaowu.Errorf(kaowu.ECONFLICT, "“%s”没有待交接的军队考生（名单未报送，或已办理交接）", in.MilitaryUnit)
		}
		due := int64(subjects) * y.Fee.PerSubjectFen
		if in.FeeFen != due {
			return kaowu.FieldError("fee", fmt.Sprintf("应收考试费 %s 元（%d 人，共 %d 科 × %s 元/科，%s），与填写的 %s 元不符，请核对",
				yuan(due), len(pending), subjects, yuan(y.Fee.PerSubjectFen), y.Fee.Clause, yuan(in.FeeFen)))
		}
		h = store.MilitaryHandover{MilitaryUnit: in.MilitaryUnit, Site: site.Code, LetterNo: in.LetterNo, Operator: in.Operator,
			Candidates: len(pending), Subjects: subjects, FeeFen: due, RecordedBy: actor.Username, RecordedAt: now}
		if err := tx.InsertHandover(ctx, &h); err != nil {
			return err
		}
		for _, c := range pending {
			if err := tx.SetApplicationState(ctx, c.ApplicationID, kaowu.StateConfirmed, kaowu.StateApproved, now); err != nil {
				return err
			}
			if err := tx.SetApplicationState(ctx, c.ApplicationID, kaowu.StateApproved, kaowu.StatePaid, now); err != nil {
				return err
			}
			if err := tx.SetHandover(ctx, c.ApplicationID, h.ID); err != nil {
				return err
			}
			if err := a.audit(ctx, tx, actor, "application.pay", c.ApplicationID,
				fmt.Sprintf("军队考生报考数据交接（%s，介绍信 %s）：师级以上单位 %s 已审核，缴费 %d 科 %s 元（二（三）2）",
					in.MilitaryUnit, in.LetterNo, c.DivisionUnit, c.Subjects, yuan(int64(c.Subjects)*y.Fee.PerSubjectFen))); err != nil {
				return err
			}
		}
		ids, err := tx.MilitaryUnitAccounts(ctx, in.MilitaryUnit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := a.remind(ctx, tx, kaowu.Reminder{UserID: id, Kind: "military.handover", Link: "/military",
				Title: "军队考生报考数据交接已办理",
				Body: fmt.Sprintf("%s已办理 %d 名军队考生的报考数据交接，收取考试费 %s 元（介绍信 %s，经办 %s）。请于准考证领取时间到%s集体领取准考证（二（三）3）。",
					site.Name, len(pending), yuan(due), in.LetterNo, in.Operator, site.Name)}); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, actor, "military.handover", in.MilitaryUnit,
			fmt.Sprintf("军队考生报考数据交接：介绍信 %s，经办 %s，%d 人，%d 科，收取 %s 元", in.LetterNo, in.Operator, len(pending), subjects, yuan(due)))
	})
	if err != nil {
		return store.MilitaryHandover{}, fmt.Errorf("handover: %w", err)
	}
	return h, nil
}
