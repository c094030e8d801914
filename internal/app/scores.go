package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"kaowu"
	"kaowu/internal/pdf"
	"kaowu/internal/store"
	"kaowu/internal/tabular"
	"kaowu/policy"
	"kaowu/scoring"
)

// The clauses of scores (六: publication and look-up; 七: the two-year
// rule; 八: certificates).
const (
	ScoreClause       = "六"
	CertificateClause = "八"
)

// ScoreFileHeader is the header of the national centre's result file, in
// order. 姓名 and 违纪 may be left out; a subject's cell is its score (0 to
// the full marks) or 缺考.
var ScoreFileHeader = []string{"准考证号", "证件类型", "证件号码", "姓名", "专业代码", "基础知识", "相关专业知识", "专业知识", "专业实践能力", "违纪"}

var scoreHeader = map[string]string{
	"准考证号": "ticket_no", "ticket_no": "ticket_no", "证件类型": "id_type", "id_type": "id_type", "证件号码": "id_number", "身份证号": "id_number",
	"id_number": "id_number", "姓名": "name", "name": "name", "专业代码": "specialty", "报考专业代码": "specialty", "specialty": "specialty",
	"基础知识": "basics", "basics": "basics", "相关专业知识": "related", "related": "related", "专业知识": "professional", "professional": "professional",
	"专业实践能力": "practice", "practice": "practice", "违纪": "misconduct", "misconduct": "misconduct", "考试年度": "year", "year": "year",
}

var scoreRequired = []struct{ key, name string }{
	{"ticket_no", "准考证号"}, {"id_number", "证件号码"}, {"specialty", "专业代码"},
	{"basics", "基础知识"}, {"related", "相关专业知识"}, {"professional", "专业知识"}, {"practice", "专业实践能力"},
}

// maxReported bounds a refused file's report: the first problems, then
// how many more.
const maxReported = 200

// ScoreImportReport says what an import of a result file did.
type ScoreImportReport struct {
	Rows      int
	Created   int
	Changed   int
	Unchanged int
	Passed    int  // candidates who passed the specialty (the certificate list)
	Same      bool // the file was imported before: nothing changed
}

type scoreRow struct {
	n          int // row number as in Excel
	ticketNo   string
	idType     kaowu.IDType // "" when the file has no 证件类型
	idNumber   string
	name       string
	specialty  string
	scores     [4]*int
	misconduct bool
}

// ImportScores imports the national centre's result file of exam year
// year (ScoreFileHeader), all or nothing: every row must name a ticket of
// that year, with the candidate's ID number and specialty, and scores 0 to
// the full marks or 缺考; any bad row refuses the whole file with a report
// per row, and nothing changes. The same file again changes nothing; a
// corrected file changes the rows that differ. Each candidate's two-year
// result (七, 一（十）) is decided with last year's record (or the one a
// score merge linked) and any results from another province, and kept
// with the scores as the look-up's answer. Region staff and
// administrators only.
func (a *App) ImportScores(ctx context.Context, actor Actor, year int, rows [][]string, source string) (ScoreImportReport, error) {
	var rep ScoreImportReport
	if actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return rep, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考区考试管理机构可以导入成绩")
	}
	y, err := a.Year(ctx, year)
	if err != nil {
		return rep, err
	}
	digest := rowsDigest(rows)
	if imports, err := a.Store.ScoreImports(ctx, year); err != nil {
		return rep, err
	} else if len(imports) > 0 && imports[0].Digest == digest {
		last := imports[0]
		return ScoreImportReport{Rows: last.Rows, Unchanged: last.Rows, Same: true}, nil
	}
	parsed, targets, err := a.parseScores(ctx, y, rows)
	if err != nil {
		return rep, fmt.Errorf("import scores: %w", err)
	}
	rep.Rows = len(parsed)
	now := a.Clock.Now()
	imp := store.ScoreImport{ID: store.NewID(), Year: year, Source: source, Digest: digest, Rows: len(parsed), ImportedBy: actor.Username, ImportedAt: now}
	// One transaction for the whole file, in slices of scoreSlice rows so
	// that a region's million answers never sit in memory at once. The
	// transaction writes; beside it, decideSlices reads what each slice
	// needs on another connection and decides its answers, a slice ahead,
	// so that the database writes one slice while it reads the next.
	// Bumping the revision first holds the year's row: a second import of
	// the year waits for this one, then reads what it wrote.
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.BumpScoreRevision(ctx, year); err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(ctx)
		decided := a.decideSlices(ctx, y, actor, imp.ID, parsed, targets, now)
		defer func() {
			cancel()
			for range decided { // let decideSlices end before the transaction does
			}
		}()
		for w := range decided {
			if w.err != nil {
				return w.err
			}
			if err := w.write(ctx, tx); err != nil {
				return err
			}
			rep.Created, rep.Changed, rep.Unchanged, rep.Passed = rep.Created+w.rep.Created, rep.Changed+w.rep.Changed,
				rep.Unchanged+w.rep.Unchanged, rep.Passed+w.rep.Passed
		}
		if rep.Created+rep.Changed == 0 {
			return errScoresUnchanged // nothing differs from what is stored: keep the revision
		}
		imp.Created, imp.Changed, imp.Unchanged = rep.Created, rep.Changed, rep.Unchanged
		if err := tx.InsertScoreImport(ctx, imp); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "score.import_file", strconv.Itoa(year), fmt.Sprintf("导入成绩文件 %s（成绩导入 %s，SHA-256 %s）：%d 行，新增 %d，更正 %d，未变 %d",
			source, imp.ID, digest[:16], rep.Rows, rep.Created, rep.Changed, rep.Unchanged))
	})
	if errors.Is(err, errScoresUnchanged) {
		return rep, nil
	}
	if err != nil {
		return ScoreImportReport{}, fmt.Errorf("import scores: %w", err)
	}
	a.scoreCache.forget()
	return rep, nil
}

// ScoreTargetsScan is the size of a result file from which the import
// reads the year's tickets in one pass (ScoreTargets with nil) rather than
// looks each number up (at 1 000 000 rows on PostgreSQL: 13 s of look-ups
// against a few seconds' scan). A variable so that tests can take both
// ways.
var ScoreTargetsScan = 50_000

// scoreSlice is the number of rows of a result file read, decided and
// written at a time: fewer round trips than 1 000 a slice, 5 to 10 s of
// a million rows on PostgreSQL (docs/scores.md). A variable so that tests
// can take many slices.
var scoreSlice = 5000

// errScoresUnchanged rolls back an import whose every row is as stored.
var errScoresUnchanged = errors.New("scores unchanged")

// decideSlices reads, outside the import's transaction, what each slice of
// rows needs from the database (its stored scores, its rolling records)
// and decides its answers, sending them one slice at a time; it stops at
// the first error, which it sends, or when ctx is done, and closes the
// channel. Reading outside the transaction sees what it would see inside:
// the transaction writes only rows of slices already read, as a file
// names each ticket once.
func (a *App) decideSlices(ctx context.Context, y *policy.Year, actor Actor, importID string, rows []scoreRow, targets map[string]store.ScoreTarget, now time.Time) <-chan scoreWrites {
	out := make(chan scoreWrites, 1)
	go func() {
		defer close(out)
		for start := 0; start < len(rows); start += scoreSlice {
			slice := rows[start:min(start+scoreSlice, len(rows))]
			in, err := a.scoreInputs(ctx, y, slice, targets)
			w := scoreWrites{err: err}
			if err == nil {
				w = a.decideScores(y, actor, importID, slice, in, now)
			}
			select {
			case out <- w:
			case <-ctx.Done():
				return
			}
			if w.err != nil {
				return
			}
		}
	}()
	return out
}

// scoreInput is what deciding a slice of a result file needs from the
// database: each row's ticket, its stored scores and its rolling records.
type scoreInput struct {
	targets map[string]store.ScoreTarget // by ticket number
	old     map[string]store.Score       // by application
	rolling map[string]rollingIn         // by application
}

// scoreInputs reads what deciding rows needs.
func (a *App) scoreInputs(ctx context.Context, y *policy.Year, rows []scoreRow, all map[string]store.ScoreTarget) (scoreInput, error) {
	in := scoreInput{targets: make(map[string]store.ScoreTarget, len(rows))}
	ids := make([]string, len(rows))
	for i, r := range rows {
		t := all[r.ticketNo]
		in.targets[r.ticketNo], ids[i] = t, t.ApplicationID
	}
	var err error
	if in.old, err = a.Store.ScoresOf(ctx, ids); err != nil {
		return in, err
	}
	in.rolling, err = a.rollingRecords(ctx, a.Store, y, in.targets)
	return in, err
}

// scoreWrites is what a slice of a result file writes: the rows that
// differ from what is stored with their answers, an audit row for each
// correction, and the counts. Its applications become scored by having
// their scores (store: the import leaves their rows alone). A new
// row has no audit row of its own: the file's entry (score.import_file)
// names the import, and the row keeps the import's id (scores.import_id,
// score_imports: who, when, which file, its digest), so that a region's
// million new rows do not write a million audit rows as well.
type scoreWrites struct {
	created, changed []store.Score
	audits           []kaowu.AuditEntry
	rep              ScoreImportReport
	err              error
}

// decideScores decides the answers of rows (no I/O).
func (a *App) decideScores(y *policy.Year, actor Actor, importID string, rows []scoreRow, in scoreInput, now time.Time) scoreWrites {
	var w scoreWrites
	merged := mergedSpecialties(y)
	for _, r := range rows {
		t := in.targets[r.ticketNo]
		s := store.Score{ApplicationID: t.ApplicationID, Year: y.Year, Site: t.Site, TicketNo: t.TicketNo, Specialty: t.Specialty, Scores: r.scores,
			Misconduct: r.misconduct, ImportID: importID, UpdatedAt: now}
		prev, had := in.old[t.ApplicationID]
		switch {
		case had && prev.SameResults(s):
			w.rep.Unchanged++
			if prev.Passed {
				w.rep.Passed++
			}
			continue
		case had:
			w.rep.Changed++
		default:
			w.rep.Created++
		}
		res, answer, err := a.scoreAnswer(y, merged, t, s, in.rolling[t.ApplicationID])
		if err != nil {
			w.err = fmt.Errorf("第%d行: %w", r.n, err)
			return w
		}
		s.Passed, s.Answer = res.Passed, answer
		if s.Passed {
			w.rep.Passed++
		}
		if had {
			// A correction overwrites what was stored: the audit keeps both.
			w.changed = append(w.changed, s)
			w.audits = append(w.audits, kaowu.AuditEntry{At: now, Actor: actor.Username, Role: actor.Role, Action: "score.correct", Object: t.ApplicationID,
				Detail: fmt.Sprintf("更正成绩：准考证号 %s（成绩导入 %s）", t.TicketNo, importID),
				Before: scoresText(prev.Scores, prev.Misconduct), After: scoresText(s.Scores, s.Misconduct)})
		} else {
			w.created = append(w.created, s)
		}
	}
	return w
}

// write writes w in tx.
func (w scoreWrites) write(ctx context.Context, tx *store.Tx) error {
	if err := tx.InsertScores(ctx, w.created); err != nil {
		return err
	}
	if err := tx.UpsertScores(ctx, w.changed); err != nil {
		return err
	}
	return tx.AppendAudits(ctx, w.audits)
}

// rowsDigest is a digest of a file's cells, to recognise the same file.
func rowsDigest(rows [][]string) string {
	h := sha256.New()
	for _, r := range rows {
		for _, c := range r {
			h.Write([]byte(strings.TrimSpace(c)))
			h.Write([]byte{0})
		}
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// parseScores reads and checks a result file against the year's tickets.
func (a *App) parseScores(ctx context.Context, y *policy.Year, rows [][]string) ([]scoreRow, map[string]store.ScoreTarget, error) {
	var p report
	const what = "成绩文件"
	col, ok := parseHeader(&p, rows, scoreHeader, scoreRequired, ScoreFileHeader, "考生")
	if !ok {
		return nil, nil, p.err(what)
	}
	more := 0
	bad := func(n int, field, msg string) {
		if len(p.order) >= maxReported {
			more++
			return
		}
		p.add(fmt.Sprintf("第%d行.%s", n, field), msg)
	}
	// A region's whole file names every ticket of the year: they are read
	// in one pass while the file is checked.
	var whole chan error
	var targets map[string]store.ScoreTarget
	if len(rows)-1 >= ScoreTargetsScan {
		whole = make(chan error, 1)
		go func() {
			var err error
			targets, err = a.Store.ScoreTargets(ctx, y.Year, nil)
			whole <- err
		}()
	}
	prefix := fmt.Sprintf("%02d", y.Year%100)
	seen := map[string]int{}
	var out []scoreRow
	for i, row := range rows[1:] {
		n := i + 2
		if blankRow(row) {
			continue
		}
		cell := func(key string) string {
			j, ok := col[key]
			if !ok || j >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[j])
		}
		r := scoreRow{n: n, ticketNo: kaowu.NormalizeIDNumber(cell("ticket_no")), idNumber: kaowu.NormalizeIDNumber(cell("id_number")),
			name: cell("name"), specialty: cell("specialty")}
		switch {
		case r.ticketNo == "":
			bad(n, "ticket_no", "请填写准考证号")
		case !strings.HasPrefix(r.ticketNo, prefix):
			bad(n, "ticket_no", fmt.Sprintf("准考证号 %s 不是%d年度的准考证号：文件可能属于其他考试年度", r.ticketNo, y.Year))
		}
		if first, dup := seen[r.ticketNo]; dup && r.ticketNo != "" {
			bad(n, "ticket_no", fmt.Sprintf("准考证号 %s 与第%d行重复", r.ticketNo, first))
		}
		seen[r.ticketNo] = n
		if v := cell("year"); v != "" && v != strconv.Itoa(y.Year) {
			bad(n, "year", fmt.Sprintf("考试年度“%s”不是%d", v, y.Year))
		}
		if v := cell("id_type"); v != "" {
			for _, t := range kaowu.IDTypes {
				if v == string(t) || v == t.Label() {
					r.idType = t
				}
			}
			if r.idType == "" {
				bad(n, "id_type", fmt.Sprintf("证件类型“%s”无法识别", v))
			}
		}
		for k, sub := range kaowu.Subjects {
			v := cell(string(sub))
			switch {
			case v == "缺考" || v == "缺":
			case v == "":
				bad(n, string(sub), fmt.Sprintf("%s成绩未填写：应为 0 至 %d 的整数，或“缺考”", sub.Label(), y.PassLine.Max))
			default:
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > float64(y.PassLine.Max) || f != float64(int(f)) {
					bad(n, string(sub), fmt.Sprintf("%s成绩“%s”无效：应为 0 至 %d 的整数，或“缺考”", sub.Label(), v, y.PassLine.Max))
					continue
				}
				score := int(f)
				r.scores[k] = &score
			}
		}
		if v := cell("misconduct"); v != "" {
			on, ok := yesNo(v)
			if !ok {
				bad(n, "misconduct", fmt.Sprintf("违纪“%s”无效：请填“是”或“否”", v))
			}
			r.misconduct = on
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		p.add("文件", "没有数据行：表头之后每行一名考生")
	}
	// Every row must name one of the year's tickets, and its candidate.
	var err error
	if whole != nil {
		err = <-whole
	} else {
		nos := make([]string, len(out))
		for i, r := range out {
			nos[i] = r.ticketNo
		}
		targets, err = a.Store.ScoreTargets(ctx, y.Year, nos)
	}
	if err != nil {
		return nil, nil, err
	}
	for _, r := range out {
		t, ok := targets[r.ticketNo]
		switch {
		case r.ticketNo == "" || !strings.HasPrefix(r.ticketNo, prefix):
			// reported above
		case !ok:
			bad(r.n, "ticket_no", fmt.Sprintf("准考证号 %s 不是%d年度已生成的准考证", r.ticketNo, y.Year))
		case r.idType != "" && r.idType != t.IDType, r.idNumber != string(t.IDNumber):
			bad(r.n, "id_number", fmt.Sprintf("证件与准考证号 %s 的考生不符（文件：%s，报名：%s %s）", r.ticketNo, kaowu.MaskID(r.idNumber), t.IDType.Label(), kaowu.MaskID(string(t.IDNumber))))
		case r.specialty != t.Specialty:
			bad(r.n, "specialty", fmt.Sprintf("专业代码 %s 与准考证号 %s 的报考专业 %s 不符", r.specialty, r.ticketNo, t.Specialty))
		case r.name != "" && kaowu.FoldText(r.name) != kaowu.FoldText(t.Name):
			bad(r.n, "name", fmt.Sprintf("姓名“%s”与准考证号 %s 的考生不符", r.name, r.ticketNo))
		}
	}
	if more > 0 {
		p.add("其余", fmt.Sprintf("另有 %d 处问题未列出：请先改正以上各处后重新导入", more))
	}
	if err := p.err(what); err != nil {
		return nil, nil, err
	}
	return out, targets, nil
}

// rollingIn is what counts for a candidate's two-year result besides this
// year's scores: last year's record and results from other provinces.
type rollingIn struct {
	records []scoring.Record
}

// rollingRecords returns, by application, the earlier records that count
// for each target's two-year result (七): last year's record under the
// candidate's ID document, or the one a score merge linked, and the
// results recorded from other provinces.
// rollingReader reads what counts for the two-year results: a
// *store.Store or a *store.Tx.
type rollingReader interface {
	PreviousRecordsByIDs(ctx context.Context, y int, numbers []string) (map[string]kaowu.PreviousRecord, error)
	ScoreMergesOf(ctx context.Context, y int, ids []string) (map[string]store.ScoreMerge, error)
	TransferRecordsOf(ctx context.Context, ids []string) (map[string][]store.TransferRecord, error)
	PreviousRecordByArchive(ctx context.Context, y int, archiveNo string) (kaowu.PreviousRecord, error)
}

func (a *App) rollingRecords(ctx context.Context, q rollingReader, y *policy.Year, targets map[string]store.ScoreTarget) (map[string]rollingIn, error) {
	out := map[string]rollingIn{}
	var numbers, candidates []string
	for _, t := range targets {
		numbers = append(numbers, string(t.IDNumber))
		candidates = append(candidates, t.CandidateID)
	}
	slices.Sort(numbers)
	slices.Sort(candidates)
	numbers, candidates = slices.Compact(numbers), slices.Compact(candidates)
	prev, err := q.PreviousRecordsByIDs(ctx, y.Year-1, numbers)
	if err != nil {
		return nil, err
	}
	merges, err := q.ScoreMergesOf(ctx, y.Year-1, candidates)
	if err != nil {
		return nil, err
	}
	transfers, err := q.TransferRecordsOf(ctx, candidates)
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		var in rollingIn
		rec, ok := prev[string(t.IDType)+":"+string(t.IDNumber)]
		if !ok {
			if m, merged := merges[t.CandidateID]; merged {
				r, err := q.PreviousRecordByArchive(ctx, m.PreviousYear, m.ArchiveNo)
				if err == nil {
					rec, ok = r, true
				} else if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
					return nil, err
				}
			}
		}
		if ok {
			// A record marked absent may still hold the subjects sat before
			// leaving: the engine's Absent is a year with none sat.
			absent := rec.Absent && !slices.ContainsFunc(rec.Results, func(r kaowu.SubjectResult) bool { return r.Sat })
			in.records = append(in.records, scoring.Record{Year: rec.Year, Specialty: rec.SpecialtyCode, ArchiveNo: rec.ArchiveNo,
				Results: rec.Results, Absent: absent, Misconduct: rec.Misconduct})
		}
		for _, tr := range transfers[t.CandidateID] {
			in.records = append(in.records, scoring.Record{Year: tr.Year, Specialty: tr.Specialty, ArchiveNo: tr.ArchiveNo, Province: tr.Province, Results: tr.Results})
		}
		out[t.ApplicationID] = in
	}
	return out, nil
}

// ScoreAnswer is what the look-up answers (六): the four subjects with
// pass or fail, and the two-year result (七).
type ScoreAnswer struct {
	Year           int            `json:"year"`
	TicketNo       string         `json:"ticket_no"`
	Name           string         `json:"name"`
	IDNumber       string         `json:"id_number"` // masked
	SpecialtyCode  string         `json:"specialty_code"`
	SpecialtyName  string         `json:"specialty_name"`
	Level          string         `json:"level"`
	PassScore      int            `json:"pass_score"`
	MaxScore       int            `json:"max_score"`
	Subjects       []ScoreSubject `json:"subjects"`
	Misconduct     bool           `json:"misconduct"`
	Rolling        scoring.Result `json:"rolling"`
	Certificate    string         `json:"certificate"`
	ArchiveNo      string         `json:"archive_no"`
	RollingClause  string         `json:"rolling_clause"`
	CertificateURL string         `json:"certificate_url,omitempty"`
}

// ScoreSubject is one subject's result of the year.
type ScoreSubject struct {
	Subject kaowu.Subject `json:"subject"`
	Label   string        `json:"label"`
	Sat     bool          `json:"sat"`
	Score   *int          `json:"score"`
	Passed  bool          `json:"passed"`
}

// scoreAnswer decides a candidate's two-year result and makes the
// look-up's answer.
func (a *App) scoreAnswer(y *policy.Year, merged map[string][]string, t store.ScoreTarget, s store.Score, in rollingIn) (scoring.Result, []byte, error) {
	this := scoring.Record{Year: y.Year, Specialty: t.Specialty, ArchiveNo: t.ArchiveNo, Misconduct: s.Misconduct}
	ans := ScoreAnswer{Year: y.Year, TicketNo: t.TicketNo, Name: t.Name, IDNumber: kaowu.MaskID(string(t.IDNumber)), SpecialtyCode: t.Specialty,
		PassScore: y.PassLine.Score, MaxScore: y.PassLine.Max, Misconduct: s.Misconduct, ArchiveNo: t.ArchiveNo, RollingClause: y.Eligibility.Rolling.Clause}
	if sp, ok := y.Specialty(t.Specialty); ok {
		ans.SpecialtyName, ans.Level = sp.Name, sp.Level.Label()
	}
	for k, sub := range kaowu.Subjects {
		v := s.Scores[k]
		r := kaowu.SubjectResult{Subject: sub, Sat: v != nil}
		if v != nil {
			r.Score = *v
		}
		r.Passed = !s.Misconduct && scoring.Passed(r.Score, y.PassLine.Score, r.Sat)
		this.Results = append(this.Results, r)
		ans.Subjects = append(ans.Subjects, ScoreSubject{Subject: sub, Label: sub.Label(), Sat: r.Sat, Score: v, Passed: r.Passed})
	}
	res, err := scoring.Evaluate(scoring.Input{Year: y.Year, Specialty: t.Specialty, PassScore: y.PassLine.Score, MaxScore: y.PassLine.Max,
		Window: y.Eligibility.Rolling.Years, Merged: merged, Records: append([]scoring.Record{this}, in.records...)}, false)
	if err != nil {
		return res, nil, err
	}
	ans.Rolling = res
	if res.Passed {
		ans.Certificate = fmt.Sprintf("考试合格：在连续两个考试年度内通过%s全部四个科目，可取得该专业资格证书（%s）。证书由北京市人力资源和社会保障局核发，请登录北京人力资源和社会保障局网（www.bjrbj.gov.cn）查询（%s）。",
			ans.SpecialtyName, y.Eligibility.Rolling.Clause, CertificateClause)
		ans.CertificateURL = "http://www.bjrbj.gov.cn"
	}
	b, err := json.Marshal(ans)
	return res, b, err
}

// mergedSpecialties maps each specialty removed from y's catalogue to the
// codes it was merged into (一（十）), as scoring.Input.Merged wants it.
func mergedSpecialties(y *policy.Year) map[string][]string {
	merged := map[string][]string{}
	for _, sp := range y.Catalog {
		if len(sp.MergedInto) > 0 {
			merged[sp.Code] = sp.MergedInto
		}
	}
	return merged
}

// scoresText is a row's scores in Chinese, for the audit log.
func scoresText(scores [4]*int, misconduct bool) string {
	parts := make([]string, len(kaowu.Subjects))
	for k, sub := range kaowu.Subjects {
		if scores[k] == nil {
			parts[k] = sub.Label() + " 缺考"
		} else {
			parts[k] = fmt.Sprintf("%s %d", sub.Label(), *scores[k])
		}
	}
	s := strings.Join(parts, "，")
	if misconduct {
		s += "，违纪"
	}
	return s
}

// PublishScores sets the instant from which year's scores are public (六);
// before it nobody outside the offices sees them. A zero at withdraws a
// publication not yet reached. Region staff and administrators only.
func (a *App) PublishScores(ctx context.Context, actor Actor, year int, at time.Time) error {
	if actor.Role != kaowu.RoleRegionStaff && actor.Role != kaowu.RoleAdmin {
		return kaowu.Errorf(kaowu.EFORBIDDEN, "只有考区考试管理机构可以公布成绩")
	}
	if _, err := a.Year(ctx, year); err != nil {
		return err
	}
	pub, err := a.Store.ScorePublicationOf(ctx, year)
	if err != nil {
		return err
	}
	now := a.Clock.Now()
	if at.IsZero() && pub.PublishAt != nil && !now.Before(*pub.PublishAt) {
		return kaowu.Errorf(kaowu.ECONFLICT, "成绩已于%s公布，不能撤回", pub.PublishAt.In(kaowu.Shanghai).Format("2006年1月2日 15:04"))
	}
	var v *time.Time
	detail := "撤回成绩公布安排"
	if !at.IsZero() {
		v = &at
		detail = "成绩公布时间设为 " + at.In(kaowu.Shanghai).Format("2006-01-02 15:04")
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetScorePublication(ctx, year, v, actor.Username); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "score.publish", strconv.Itoa(year), detail)
	})
	a.scoreCache.forget()
	return err
}

// ScorePublished returns when year's scores are (or become) public, and
// whether they are at now.
func (a *App) ScorePublished(ctx context.Context, year int) (store.ScorePublication, bool, error) {
	pub, err := a.scorePublication(ctx, year)
	if err != nil {
		return pub, false, err
	}
	return pub, pub.PublishAt != nil && !a.Clock.Now().Before(*pub.PublishAt), nil
}

// Look-up throttles (六): failures (a wrong ID number, a ticket number
// without scores) per ticket number and per address.
const (
	ScoreTicketFailures = 5
	ScoreTicketLock     = 15 * time.Minute
	ScoreIPFailures     = 30
	ScoreIPLock         = 15 * time.Minute
)

// errNoScore is the one refusal of a look-up that does not match: the
// same for a ticket number that does not exist, one without scores and a
// wrong ID number, so that numbers cannot be probed.
func errNoScore() error {
	return kaowu.Errorf(kaowu.ENOTFOUND, "准考证号或证件号码不正确，请核对后重试（成绩查询须使用本人准考证号和报名时的有效证件号码，%s）", ScoreClause)
}

// LookupScore answers a score look-up by ticket number and ID number (六),
// from the address ip. Before publication it says when scores will be
// public. A wrong ID number, or a ticket number without scores, counts as
// a failure of the ticket number and of the address: after
// ScoreTicketFailures the ticket number is locked for ScoreTicketLock,
// whether it exists or not, so that the answers never tell an existing
// number from another.
func (a *App) LookupScore(ctx context.Context, ticketNo, idNumber, ip string) (ScoreAnswer, error) {
	var ans ScoreAnswer
	b, err := a.LookupScoreJSON(ctx, ticketNo, idNumber, ip)
	if err != nil {
		return ans, err
	}
	if err := json.Unmarshal(b, &ans); err != nil {
		return ans, fmt.Errorf("score answer of %s: %w", ticketNo, err)
	}
	return ans, nil
}

// LookupScoreJSON is LookupScore answering with the ScoreAnswer's JSON as
// stored, for the API: release day's read is a cache hit and a write of
// the bytes. The throttles' locks come from the cache too (scoreCache),
// so that a look-up reads nothing from the database when its row is in
// memory; a lock set on another node holds here within a second.
func (a *App) LookupScoreJSON(ctx context.Context, ticketNo, idNumber, ip string) ([]byte, error) {
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return nil, err
	}
	pub, open, err := a.ScorePublished(ctx, y.Year)
	if err != nil {
		return nil, err
	}
	if !open {
		when := "考后两个月内"
		if pub.PublishAt != nil {
			when = pub.PublishAt.In(kaowu.Shanghai).Format("2006年1月2日 15:04")
		}
		return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "%d年度成绩尚未公布，公布时间：%s（%s）", y.Year, when, ScoreClause)
	}
	ticketNo, idNumber = kaowu.NormalizeIDNumber(ticketNo), kaowu.NormalizeIDNumber(idNumber)
	if ticketNo == "" || idNumber == "" || len(ticketNo) > 32 || len(idNumber) > 32 {
		return nil, kaowu.Errorf(kaowu.EINVALID, "请填写准考证号和证件号码")
	}
	ipKey := throttleKey{"score:ip:" + ip, ScoreIPFailures, ScoreIPLock}
	ticketKey := throttleKey{"score:ticket:" + ticketNo, ScoreTicketFailures, ScoreTicketLock}
	locked := fmt.Sprintf("该准考证号查询失败次数过多，已暂停查询 %d 分钟", int(ScoreTicketLock/time.Minute))
	now := a.Clock.Now()
	if until := a.scoreCache.lockedUntil(ipKey.key, now); !until.IsZero() {
		return nil, lockedError("本机查询失败次数过多", until, "")
	}
	if until := a.scoreCache.lockedUntil(ticketKey.key, now); !until.IsZero() {
		return nil, lockedError(locked, until, "")
	}
	l, err := a.scoreCache.lookup(ctx, a, y.Year, ticketNo, idNumber)
	if err != nil && kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return nil, err
	}
	if err == nil && l.Year == y.Year && string(l.IDNumber) == idNumber {
		return l.Answer, nil
	}
	t, err := a.fail(ctx, ticketKey, ipKey)
	if err != nil {
		return nil, err
	}
	a.scoreCache.staleLocks() // the address may be locked now too
	if !t.LockedUntil.IsZero() {
		if t.Failures == ticketKey.limit {
			a.Log.Warn("score look-up locked", "ticket_no", ticketNo, "ip", ip, "failures", t.Failures, "until", t.LockedUntil)
		}
		return nil, lockedError(locked, t.LockedUntil, "")
	}
	return nil, errNoScore()
}

// MyScore returns the actor's scores of the current year, once published.
func (a *App) MyScore(ctx context.Context, actor Actor) (ScoreAnswer, error) {
	var ans ScoreAnswer
	app, y, err := a.MyApplication(ctx, actor)
	if err != nil {
		return ans, err
	}
	pub, open, err := a.ScorePublished(ctx, y.Year)
	if err != nil {
		return ans, err
	}
	if !open {
		when := "考后两个月内"
		if pub.PublishAt != nil {
			when = pub.PublishAt.In(kaowu.Shanghai).Format("2006年1月2日 15:04")
		}
		return ans, kaowu.Errorf(kaowu.EFORBIDDEN, "%d年度成绩尚未公布，公布时间：%s（%s）", y.Year, when, ScoreClause)
	}
	s, err := a.Store.Score(ctx, app.ID)
	if err != nil {
		return ans, err
	}
	return ans, json.Unmarshal(s.Answer, &ans)
}

// scoreCache keeps the look-up's most recent rows in memory, per exam
// year's revision: on release day every candidate looks, and looks again;
// the answers are published rows that only an import changes, and a node
// sees such a correction (the revision moves on) within a second. The
// rows come from scores.answer, written with the scores: the read never
// waits for the write path. With the publications it keeps the look-up
// throttles locked at the last read (at most a second old), so that a
// look-up whose row is in memory reads nothing from the database.
type scoreCache struct {
	mu       sync.Mutex
	rows     *lru.Cache[string, store.ScoreLookup]
	pubs     map[int]store.ScorePublication
	revision map[int]int64
	locks    map[string]time.Time // throttle key → end of its lock
	checked  time.Time
	warmed   map[int]int64 // the revision WarmScores was started for, by year
	warming  sync.WaitGroup
}

// scoreCacheRows bounds the rows kept: about 2 kB each, 200 MB at most,
// so that a region's every candidate (Beijing's, with room to spare) is
// read from the database once and then from memory.
const scoreCacheRows = 100_000

// forget drops everything: after this node changed scores or their
// publication.
func (c *scoreCache) forget() {
	c.mu.Lock()
	c.pubs, c.checked = nil, time.Time{}
	if c.rows != nil {
		c.rows.Purge()
	}
	c.mu.Unlock()
}

// staleLocks makes the next look-up read the locks again: after this node
// recorded a failure.
func (c *scoreCache) staleLocks() {
	c.mu.Lock()
	c.checked = time.Time{}
	c.mu.Unlock()
}

// lockedUntil returns the end of key's lock if it is locked at now, or
// zero (fresh must have run first).
func (c *scoreCache) lockedUntil(key string, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if until := c.locks[key]; until.After(now) {
		return until
	}
	return time.Time{}
}

// fresh returns the year's publication, and reads it and the look-up
// locks at most once a second (real time); it drops the rows when the
// revision moved.
func (c *scoreCache) fresh(ctx context.Context, a *App, year int) (store.ScorePublication, error) {
	c.mu.Lock()
	if p, ok := c.pubs[year]; ok && time.Since(c.checked) < time.Second {
		c.mu.Unlock()
		return p, nil
	}
	c.mu.Unlock()
	p, err := a.Store.ScorePublicationOf(ctx, year)
	if err != nil {
		return p, err
	}
	locks, err := a.Store.LockedThrottles(ctx, "score:", a.Clock.Now())
	if err != nil {
		return p, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil {
		c.rows, _ = lru.New[string, store.ScoreLookup](scoreCacheRows) // fails only for a size <= 0
	}
	if c.pubs == nil {
		c.pubs, c.revision = map[int]store.ScorePublication{}, map[int]int64{}
	}
	if old, seen := c.revision[year]; seen && old != p.Revision {
		c.rows.Purge()
	}
	c.pubs[year], c.revision[year], c.locks, c.checked = p, p.Revision, locks, time.Now()
	if w, ok := c.warmed[year]; a.ScoreWarmAhead > 0 && p.PublishAt != nil && a.Clock.Now().After(p.PublishAt.Add(-a.ScoreWarmAhead)) && (!ok || w != p.Revision) {
		if c.warmed == nil {
			c.warmed = map[int]int64{}
		}
		c.warmed[year] = p.Revision
		c.warming.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			start := time.Now()
			n, err := a.WarmScores(ctx, year)
			if err != nil {
				a.Log.Warn("reading the year's score answers into memory", "year", year, "rows", n, "err", err)
				return
			}
			a.Log.Info("score answers in memory", "year", year, "revision", p.Revision, "rows", n, "duration_ms", time.Since(start).Milliseconds())
		})
	}
	return p, nil
}

// WarmScoresDue does what a look-up does for the current year's scores
// (and nothing else): within ScoreWarmAhead of their publication, it
// starts filling this node's memory with the answers, once per revision.
// serve calls it every minute on every node, so that the memory is full at
// the instant even on a node nobody asked before.
func (a *App) WarmScoresDue(ctx context.Context) error {
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return err
	}
	_, err = a.scoreCache.fresh(ctx, a, y.Year)
	return err
}

// scoreWarmPage is the number of rows WarmScores reads at a time.
const scoreWarmPage = 2000

// WarmScores reads year's stored answers into this node's memory, by
// ticket number, up to the cache's bound (scoreCacheRows), and returns how
// many it added. A row older than the revision the node holds (read on a
// lagging replica, or before a correction was imported meanwhile) is left
// out, as the look-up leaves it: it is read when asked for.
func (a *App) WarmScores(ctx context.Context, year int) (int, error) {
	c := &a.scoreCache
	if _, err := c.fresh(ctx, a, year); err != nil {
		return 0, fmt.Errorf("warm scores of %d: %w", year, err)
	}
	var after string
	n := 0
	for n < scoreCacheRows {
		var page []store.ScoreLookup
		err := a.Store.ReadReplica(ctx, func(ctx context.Context, r store.Reader) error {
			var err error
			page, err = r.ScoreLookups(ctx, year, after, min(scoreWarmPage, scoreCacheRows-n))
			return err
		})
		if err != nil {
			return n, fmt.Errorf("warm scores of %d: %w", year, err)
		}
		if len(page) == 0 {
			break
		}
		c.mu.Lock()
		for _, l := range page {
			if l.Revision >= c.revision[year] {
				c.rows.Add(l.TicketNo, l)
				n++
			}
		}
		c.mu.Unlock()
		after = page[len(page)-1].TicketNo
	}
	return n, nil
}

// lookup returns a ticket number's row, from memory when it was read
// since the last change (fresh must have run first). A row not in memory
// is read on a read replica when there is one (Store.ReadReplica); the
// replica serves hits only: when it does not know the ticket number, its
// row is older than the revision this node holds for year, or the ID
// number differs from idNumber, the primary is asked, so that a lagging
// replica neither answers with a superseded answer nor counts a failure
// against a candidate whose row it has not replayed yet.
func (c *scoreCache) lookup(ctx context.Context, a *App, year int, ticketNo, idNumber string) (store.ScoreLookup, error) {
	c.mu.Lock()
	rows, held := c.rows, c.revision[year]
	c.mu.Unlock()
	if rows != nil {
		if l, ok := rows.Get(ticketNo); ok {
			return l, nil
		}
	}
	var l store.ScoreLookup
	var onReplica bool
	err := a.Store.ReadReplica(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		l, err = r.ScoreByTicket(ctx, ticketNo)
		onReplica = r.OnReplica()
		return err
	})
	if err != nil && kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return l, err
	}
	if onReplica && (err != nil || l.Revision < held || l.Year != year || string(l.IDNumber) != idNumber) {
		l, err = a.Store.ScoreByTicket(ctx, ticketNo)
	}
	if err != nil {
		return l, err
	}
	// Kept only when as new as the revision held now: fresh may have moved
	// on (and purged the rows) while this row was read.
	c.mu.Lock()
	if rows != nil && l.Year == year && l.Revision >= c.revision[year] {
		rows.Add(ticketNo, l)
	}
	c.mu.Unlock()
	return l, nil
}

// scorePublication is the year's publication, through the cache.
func (a *App) scorePublication(ctx context.Context, year int) (store.ScorePublication, error) {
	return a.scoreCache.fresh(ctx, a, year)
}

// scoreQRPrefix starts every score report's QR payload:
// KS1|准考证号|姓名|证件号码（部分隐藏）|专业代码|考试年度|四科成绩（分数或 -，逗号分隔）|两年合格 1/0|签名,
// signed like the tickets' (ticketKey, Ed25519 over everything before the
// last "|", unpadded base64url).
const scoreQRPrefix = "KS1"

// scoreQR returns the signed QR payload of a score report.
func (a *App) scoreQR(ctx context.Context, ans ScoreAnswer) (string, error) {
	key, err := a.ticketKey(ctx)
	if err != nil {
		return "", err
	}
	scores := make([]string, len(ans.Subjects))
	for i, s := range ans.Subjects {
		scores[i] = "-"
		if s.Score != nil {
			scores[i] = strconv.Itoa(*s.Score)
		}
	}
	passed := "0"
	if ans.Rolling.Passed {
		passed = "1"
	}
	return signFields(key, scoreQRPrefix, ans.TicketNo, ans.Name, ans.IDNumber, ans.SpecialtyCode, strconv.Itoa(ans.Year), strings.Join(scores, ","), passed), nil
}

// ScoreCheck is the result of checking a score report's QR code.
type ScoreCheck struct {
	Valid     bool
	TicketNo  string
	Name      string
	IDNumber  string
	Specialty string
	Year      int
	Scores    []string // per subject: the score or "-" (absent)
	Passed    bool     // the specialty passed within the two years
	Message   string
}

// VerifyScoreQR checks a score report's QR payload against the public key
// alone.
func VerifyScoreQR(pub ed25519.PublicKey, payload string) ScoreCheck {
	f, ok := verifyFields(pub, scoreQRPrefix, payload, 8)
	if !ok {
		return ScoreCheck{Message: "无效：不是本考区签发的成绩单，或内容被改动"}
	}
	year, err := strconv.Atoi(f[5])
	if err != nil {
		return ScoreCheck{Message: "无效：不是本考区签发的成绩单，或内容被改动"}
	}
	c := ScoreCheck{Valid: true, TicketNo: f[1], Name: f[2], IDNumber: f[3], Specialty: f[4], Year: year, Scores: strings.Split(f[6], ","), Passed: f[7] == "1"}
	c.Message = "有效：成绩单内容与考区记录一致"
	return c
}

// ScoreReportPDF renders a looked-up answer as the score report (成绩单).
func (a *App) ScoreReportPDF(ctx context.Context, ans ScoreAnswer) ([]byte, error) {
	qr, err := a.scoreQR(ctx, ans)
	if err != nil {
		return nil, err
	}
	d := pdf.ScoreReportData{Year: ans.Year, Name: ans.Name, IDNumber: ans.IDNumber, TicketNo: ans.TicketNo, ArchiveNo: ans.ArchiveNo,
		SpecialtyCode: ans.SpecialtyCode, SpecialtyName: ans.SpecialtyName, LevelLabel: ans.Level,
		PassLine: fmt.Sprintf("各科 %d 分（满分 %d 分）", ans.PassScore, ans.MaxScore), QR: qr,
		Issued: a.Clock.Now().In(kaowu.Shanghai).Format("2006年1月2日 15:04") + " 打印"}
	for _, s := range ans.Subjects {
		l := pdf.ScoreSubjectLine{Subject: s.Label, Score: "缺考", Result: "不合格"}
		if s.Score != nil {
			l.Score = strconv.Itoa(*s.Score)
		}
		if s.Passed {
			l.Result = "合格"
		}
		d.Subjects = append(d.Subjects, l)
	}
	if ans.Misconduct {
		d.Notes = append(d.Notes, "本年度违纪，成绩无效（七）。")
	}
	for i, r := range ans.Rolling.Reasons {
		if i == 0 {
			d.Outcome = r.Text
			continue
		}
		d.Notes = append(d.Notes, r.Text)
	}
	if ans.Certificate != "" {
		d.Notes = append(d.Notes, ans.Certificate)
	}
	return pdf.ScoreReport(d)
}

// CertificateList is a year's certificate list (八): the candidates who
// passed their specialty within the two years (七), for the
// human-resources bureau, ID numbers in full (the bureau issues the
// certificates by them).
type CertificateList struct {
	Year  int
	Site  string // "" for the whole region
	Items []store.Certificate
}

// Certificates returns the certificate list of year: the region's for
// region staff and administrators, their own site's for site staff.
func (a *App) Certificates(ctx context.Context, actor Actor, year int) (CertificateList, error) {
	l := CertificateList{Year: year}
	switch actor.Role {
	case kaowu.RoleRegionStaff, kaowu.RoleAdmin:
	case kaowu.RoleSiteStaff:
		site, _, err := a.OfficeSite(ctx, actor, "")
		if err != nil {
			return l, err
		}
		l.Site = site.Code
	default:
		return l, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点、考区考试管理机构可以查看合格人员名单")
	}
	var err error
	l.Items, err = a.Store.Certificates(ctx, year, l.Site)
	return l, err
}

// CertificatesXLSX writes the certificate list as a workbook, logging who
// exported the full ID numbers.
func (a *App) CertificatesXLSX(ctx context.Context, actor Actor, year int) ([]byte, error) {
	l, err := a.Certificates(ctx, actor, year)
	if err != nil {
		return nil, err
	}
	y, err := a.Year(ctx, year)
	if err != nil {
		return nil, err
	}
	rows := [][]string{{"序号", "姓名", "证件类型", "证件号码", "准考证号", "档案号", "专业代码", "专业名称", "级别", "考点"}}
	for i, c := range l.Items {
		sp, _ := y.Specialty(c.Specialty)
		site, _ := y.Site(c.Site)
		rows = append(rows, []string{strconv.Itoa(i + 1), c.Name, c.IDType.Label(), kaowu.MaskID(string(c.IDNumber)), c.TicketNo, c.ArchiveNo, c.Specialty, sp.Name, sp.Level.Label(), site.Name})
	}
	var b bytes.Buffer
	if err := tabular.Write("certificates.xlsx", &b, rows); err != nil {
		return nil, fmt.Errorf("certificates xlsx: %w", err)
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		return a.audit(ctx, tx, actor, "certificate.export", strconv.Itoa(year), fmt.Sprintf("导出%d年度合格人员名单：%d 人", year, len(l.Items)))
	})
	return b.Bytes(), err
}

// TransferInput is a result from another province as the site office
// records it from that province's proof (七).
type TransferInput struct {
	IDType    kaowu.IDType
	IDNumber  string
	Province  string
	Year      int
	Specialty string
	ArchiveNo string
	Scores    [4]*int // per subject, nil when not sat
	Note      string
}

// RecordTransfer records results a candidate earned in another province
// (七: 由调入地进行数据合成统计), and decides again the two-year result of the
// candidate's scores of the current year when they are imported already.
// Site staff and administrators only.
func (a *App) RecordTransfer(ctx context.Context, actor Actor, in TransferInput) error {
	if actor.Role != kaowu.RoleSiteStaff && actor.Role != kaowu.RoleAdmin {
		return kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点考试管理机构可以登记外省成绩")
	}
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return err
	}
	in.Province = strings.TrimSpace(in.Province)
	switch {
	case in.Province == "" || strings.Contains(in.Province, "北京"):
		return kaowu.FieldError("province", "请填写成绩所在的外省（本考区的成绩无需登记）")
	case in.Year < y.Year-y.Eligibility.Rolling.Years+1 || in.Year > y.Year:
		return kaowu.FieldError("year", fmt.Sprintf("外省成绩的考试年度应为 %d 至 %d 年（两年滚动周期内，%s）", y.Year-y.Eligibility.Rolling.Years+1, y.Year, y.Eligibility.Rolling.Clause))
	}
	if _, ok := y.Specialty(in.Specialty); !ok {
		return kaowu.FieldError("specialty", "专业代码 "+in.Specialty+" 不在专业目录中")
	}
	acc, err := a.Store.AccountByID(ctx, in.IDType, kaowu.IDNumber(kaowu.NormalizeIDNumber(in.IDNumber)))
	if err != nil {
		return notYours(err)
	}
	t := store.TransferRecord{ID: store.NewID(), CandidateID: acc.ID, Province: in.Province, Year: in.Year, Specialty: in.Specialty,
		ArchiveNo: kaowu.NormalizeArchiveNo(in.ArchiveNo), Note: strings.TrimSpace(in.Note), RecordedBy: actor.Username, RecordedAt: a.Clock.Now()}
	for k, sub := range kaowu.Subjects {
		r := kaowu.SubjectResult{Subject: sub}
		if v := in.Scores[k]; v != nil {
			if *v < 0 || *v > y.PassLine.Max {
				return kaowu.FieldError(string(sub), fmt.Sprintf("%s成绩应为 0 至 %d", sub.Label(), y.PassLine.Max))
			}
			r.Sat, r.Score, r.Passed = true, *v, scoring.Passed(*v, y.PassLine.Score, true)
		}
		t.Results = append(t.Results, r)
	}
	app, appErr := a.Store.ApplicationOf(ctx, acc.ID, y.Year)
	var redo *store.Score
	if appErr == nil {
		if s, err := a.Store.Score(ctx, app.ID); err == nil {
			redo = &s
		}
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertTransferRecord(ctx, t); err != nil {
			return err
		}
		if redo != nil {
			targets, err := tx.ScoreTargets(ctx, y.Year, []string{redo.TicketNo})
			if err != nil {
				return err
			}
			target := targets[redo.TicketNo]
			in, err := a.rollingRecords(ctx, tx, y, targets)
			if err != nil {
				return err
			}
			res, answer, err := a.scoreAnswer(y, mergedSpecialties(y), target, *redo, in[target.ApplicationID])
			if err != nil {
				return err
			}
			if err := tx.SetScoreAnswer(ctx, redo.ApplicationID, res.Passed, answer, a.Clock.Now()); err != nil {
				return err
			}
			if err := tx.BumpScoreRevision(ctx, y.Year); err != nil {
				return err
			}
		}
		return a.audit(ctx, tx, actor, "score.transfer", acc.ID, fmt.Sprintf("登记外省成绩：%s %d年度 专业 %s", t.Province, t.Year, t.Specialty))
	})
	a.scoreCache.forget()
	return err
}
