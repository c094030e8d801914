package scoring

import (
	"sort"
	"strconv"
	"strings"

	"kaowu"
)

// Passed reports whether a subject result is a pass: the subject was sat
// and the score reaches the pass line.
func Passed(score, passScore int, sat bool) bool {
	return sat && score >= passScore
}

// Evaluate decides a candidate's two-year rolling result (七, 一（十）) in
// in.Specialty as of exam year in.Year. It is pure: no I/O, no clock, the
// same answer for the same input whatever the order of in.Records. It
// returns an error only for invalid input: an EINVALID *kaowu.Error whose
// message and fields name every bad record. With trace, Result.Trace lists
// every step; without, it is nil and the evaluation does not pay for it.
func Evaluate(in Input, trace bool) (Result, error) {
	if err := validate(&in); err != nil {
		return Result{}, err
	}
	e := newEval(&in, trace)
	e.window()
	e.records()
	e.subjects()
	e.outcome()
	return e.res, nil
}

// rec is one record with what the evaluation decided about it.
type rec struct {
	r      *Record
	counts bool
	merged bool // counts under 一（十）
	// the result of each subject, in kaowu.Subjects order
	listed [4]bool
	result [4]kaowu.SubjectResult
	excl   int // index in res.Excluded of the whole-record exclusion, or -1
}

// eval is one evaluation in progress.
type eval struct {
	in      *Input
	from    int
	recs    []rec // newest year first, then by specialty code
	current *rec  // the record of Year in Specialty, if any
	res     Result
	trace   bool // make res.Trace
}

func newEval(in *Input, trace bool) *eval {
	e := &eval{in: in, from: in.Year - in.Window + 1, trace: trace}
	e.res = Result{
		Year:          in.Year,
		Specialty:     in.Specialty,
		From:          e.from,
		To:            in.Year,
		Subjects:      make([]SubjectStatus, 0, len(kaowu.Subjects)),
		Remaining:     []kaowu.Subject{},
		NextRemaining: []kaowu.Subject{},
		Excluded:      []Exclusion{},
		Reasons:       make([]Reason, 0, 2),
	}
	if trace {
		e.res.Trace = make([]Step, 0, 4+len(in.Records)+len(kaowu.Subjects))
	}
	e.recs = make([]rec, len(in.Records))
	for i := range in.Records {
		r := &in.Records[i]
		x := rec{r: r, excl: -1}
		for _, sr := range r.Results {
			k := subjectIndex(sr.Subject)
			x.listed[k], x.result[k] = true, sr
		}
		e.recs[i] = x
	}
	sort.Slice(e.recs, func(i, j int) bool {
		a, b := e.recs[i].r, e.recs[j].r
		if a.Year != b.Year {
			return a.Year > b.Year
		}
		return a.Specialty < b.Specialty
	})
	for i := range e.recs {
		if r := e.recs[i].r; r.Year == in.Year && r.Specialty == in.Specialty {
			e.current = &e.recs[i]
		}
	}
	return e
}

func subjectIndex(s kaowu.Subject) int {
	for i, x := range kaowu.Subjects {
		if x == s {
			return i
		}
	}
	return -1 // validate refuses unknown subjects
}

// passed reports whether subject k of x is a pass by the pass line.
func (e *eval) passed(x *rec, k int) bool {
	return x.listed[k] && Passed(x.result[k].Score, e.in.PassScore, x.result[k].Sat)
}

// passes lists the subjects of x passed by the pass line.
func (e *eval) passes(x *rec) []kaowu.Subject {
	out := []kaowu.Subject{}
	for k, s := range kaowu.Subjects {
		if e.passed(x, k) {
			out = append(out, s)
		}
	}
	return out
}

func (e *eval) note(clause, text string) {
	e.res.Reasons = append(e.res.Reasons, Reason{Clause: clause, Text: text})
}

// step appends a trace step. kv alternates names and values; a name with
// the prefix "p:" is a parameter of the input, any other a fact.
func (e *eval) step(rule, clause, result string, kv ...string) {
	if !e.trace {
		return
	}
	all := make([]KV, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if !strings.HasPrefix(kv[i], "p:") {
			all = append(all, KV{kv[i], kv[i+1]})
		}
	}
	nf := len(all)
	for i := 0; i+1 < len(kv); i += 2 {
		if name, ok := strings.CutPrefix(kv[i], "p:"); ok {
			all = append(all, KV{name, kv[i+1]})
		}
	}
	e.res.Trace = append(e.res.Trace, Step{Rule: rule, Clause: clause, Result: result, Facts: all[:nf:nf], Params: all[nf:]})
}

// window records the exam years whose passes count (七).
func (e *eval) window() {
	if !e.trace {
		return
	}
	in := e.in
	e.step("window", ClauseRolling, itoa(e.from)+"-"+itoa(in.Year),
		"year", itoa(in.Year), "specialty", in.Specialty, "records", itoa(len(in.Records)),
		"p:window", itoa(in.Window), "p:pass_score", itoa(in.PassScore), "p:max_score", itoa(in.MaxScore))
	r := "none"
	kv := []string{}
	if c := e.current; c != nil {
		r = "found"
		kv = append(kv, "archive_no", c.r.ArchiveNo, "province", c.r.Province)
	}
	e.step("current", ClauseRolling, r, append([]string{"record", itoa(in.Year) + "/" + in.Specialty}, kv...)...)
}

// records decides for each record whether it counts (七, 一（十）).
func (e *eval) records() {
	in := e.in
	for i := range e.recs {
		x := &e.recs[i]
		r := x.r
		kind, clause, text := e.judge(x)
		var kv []string
		if e.trace {
			kv = []string{"year", itoa(r.Year), "specialty", r.Specialty, "archive_no", r.ArchiveNo, "province", r.Province,
				"absent", bool2s(r.Absent), "misconduct", bool2s(r.Misconduct), "scores", e.scores(x)}
			if targets, ok := in.Merged[r.Specialty]; ok {
				kv = append(kv, "p:merged."+r.Specialty, strings.Join(targets, ","))
			}
		}
		if kind != "" {
			x.excl = len(e.res.Excluded)
			e.res.Excluded = append(e.res.Excluded, Exclusion{
				Kind: kind, Year: r.Year, Specialty: r.Specialty, ArchiveNo: r.ArchiveNo, Province: r.Province,
				Whole: true, Subjects: e.passes(x), Clause: clause, Text: text,
			})
			e.step("record", clause, "excluded: "+string(kind), kv...)
			continue
		}
		x.counts = true
		result := "counts"
		if x.merged {
			result = "counts: merged"
		}
		e.step("record", clause, result, kv...)
		e.recordNotes(x)
	}
}

// judge decides whether record x counts: the kind of exclusion with its
// clause and reason, or "" and the clause it counts under.
func (e *eval) judge(x *rec) (ExclusionKind, string, string) {
	in, r := e.in, x.r
	y := yearText(r.Year)
	lost := ""
	if ps := e.passes(x); len(ps) > 0 {
		lost = "，其中通过的" + labels(ps) + "不予计入"
	}
	targets, removed := in.Merged[r.Specialty]
	switch {
	case r.Year < e.from:
		return ExcludedExpired, ClauseRolling, y + "的成绩已超过" + countText(in.Window) + "年为一个周期的滚动管理期限：" +
			yearText(in.Year) + "只计" + windowText(e.from, in.Year) + "内通过的科目" + lost + "（" + ClauseRolling + "）。"
	case r.Specialty == in.Specialty:
	case removed && contains(targets, in.Specialty):
		if r.Year != in.Year-1 {
			return ExcludedMergedYear, ClauseMerged, y + "报考的专业代码 " + r.Specialty + " 已取消并入专业代码 " + in.Specialty +
				"，但只保留" + yearText(in.Year-1) + "通过的科目成绩进行滚动管理" + lost + "（" + ClauseMerged + "）。"
		}
		x.merged = true
	case removed:
		return ExcludedMergedElsewhere, ClauseMerged, y + "报考的专业代码 " + r.Specialty + " 已取消，并入专业代码 " + strings.Join(targets, "或") +
			"；" + yearText(in.Year) + "报考的专业代码 " + in.Specialty + " 不是其并入的专业，" + y + "的科目成绩不予保留" + lost + "（" + ClauseMerged + "）。"
	default:
		return ExcludedOtherSpecialty, ClauseRolling, "不同专业（含主亚专业）之间各科目的考试合格成绩，不得作为同一专业合并计算：" +
			y + "报考的是专业代码 " + r.Specialty + "，" + yearText(in.Year) + "报考的是专业代码 " + in.Specialty + lost + "（" + ClauseRolling + "）。"
	}
	switch {
	case r.Misconduct:
		return ExcludedMisconduct, ClauseRolling, y + "违纪，该年度各科目的考试成绩均不计入滚动管理" + lost + "（" + ClauseRolling + "）。"
	case r.Absent:
		return ExcludedAbsent, ClauseRolling, y + "缺考，没有可计入的科目成绩（" + ClauseRolling + "）。"
	}
	if c := e.current; c != nil && c.r != r && r.Province == "" && c.r.Province == "" && r.ArchiveNo != "" && c.r.ArchiveNo != "" &&
		kaowu.NormalizeArchiveNo(r.ArchiveNo) != kaowu.NormalizeArchiveNo(c.r.ArchiveNo) {
		return ExcludedArchiveNo, ClauseRolling, y + "的档案号 " + r.ArchiveNo + " 与" + yearText(in.Year) + "的档案号 " + c.r.ArchiveNo +
			" 不一致：报名参加剩余科目考试时须使用原档案号，" + y + "的成绩不能合并计算" + lost + "（" + ClauseRolling + "）。"
	}
	if x.merged {
		return "", ClauseMerged, ""
	}
	return "", ClauseRolling, ""
}

// recordNotes adds the exclusion of the subjects missed in a counted
// record and the notes about it.
func (e *eval) recordNotes(x *rec) {
	in, r := e.in, x.r
	y := yearText(r.Year)
	var missed []kaowu.Subject
	for k, s := range kaowu.Subjects {
		if x.listed[k] && !x.result[k].Sat {
			missed = append(missed, s)
		}
	}
	if len(missed) > 0 {
		e.res.Excluded = append(e.res.Excluded, Exclusion{
			Kind: ExcludedAbsent, Year: r.Year, Specialty: r.Specialty, ArchiveNo: r.ArchiveNo, Province: r.Province,
			Subjects: missed, Clause: ClauseRolling, Text: y + "缺考" + labels(missed) + "，缺考的科目不合格（" + ClauseRolling + "）。",
		})
	}
	for k, s := range kaowu.Subjects {
		if !x.listed[k] {
			continue
		}
		// A pass flag the score does not bear out is noted: trusting it
		// would count a subject not passed. (A pass flag left unset on a
		// passing score is not: callers need not fill it in.)
		if res := x.result[k]; res.Passed && !e.passed(x, k) {
			what := "成绩 " + itoa(res.Score) + " 分"
			if !res.Sat {
				what = "缺考"
			}
			e.note(ClauseRolling, y+s.Label()+"标为合格，但"+what+"，按合格分数线 "+itoa(in.PassScore)+" 分计为不合格（"+ClauseRolling+"）。")
		}
	}
	ps := e.passes(x)
	if len(ps) == 0 {
		return
	}
	if x.merged {
		e.note(ClauseMerged, "保留"+y+"报考专业代码 "+r.Specialty+"（"+itoa(in.Year)+"年起已取消）通过的科目成绩（"+labels(ps)+
			"）进行滚动管理，计入"+yearText(in.Year)+"报考的专业代码 "+in.Specialty+"（"+ClauseMerged+"）。")
	}
	if r.Province != "" {
		e.note(ClauseRolling, y+"在"+r.Province+"参加本专业考试通过的科目（"+labels(ps)+"）在有效期限内，由调入地进行数据合成统计（"+ClauseRolling+"）。")
	}
}

// subjects picks each subject's counted pass, or says why none counts.
func (e *eval) subjects() {
	in := e.in
	for k, s := range kaowu.Subjects {
		var best *rec
		var considered []string
		for i := range e.recs {
			x := &e.recs[i]
			if !x.counts || !x.listed[k] {
				continue
			}
			res := x.result[k]
			v := "absent"
			if res.Sat {
				v = itoa(res.Score)
			}
			if e.trace {
				considered = append(considered, itoa(x.r.Year)+"/"+x.r.Specialty+"="+v)
			}
			if e.passed(x, k) && (best == nil || better(x, best, k)) {
				best = x
			}
		}
		st := SubjectStatus{Subject: s, Clause: ClauseRolling}
		result := "none"
		if best != nil {
			r := best.r
			p := &Pass{Year: r.Year, Specialty: r.Specialty, Score: best.result[k].Score, ArchiveNo: r.ArchiveNo,
				Province: r.Province, Merged: best.merged, ValidUntil: r.Year + in.Window - 1}
			st.Pass = p
			extra := ""
			if p.Merged {
				st.Clause = ClauseMerged
				extra = "，保留原专业代码 " + p.Specialty + " 的成绩"
			}
			if p.Province != "" {
				extra += "，在" + p.Province + "取得"
			}
			st.Text = yearText(p.Year) + " " + itoa(p.Score) + " 分合格" + extra + "，有效至" + yearText(p.ValidUntil) + "（" + st.Clause + "）。"
			if e.trace {
				result = itoa(p.Year) + "/" + p.Specialty + "=" + itoa(p.Score) + " until " + itoa(p.ValidUntil)
			}
		} else {
			st.Clause, st.Text = e.whyNone(k)
		}
		e.res.Subjects = append(e.res.Subjects, st)
		if e.trace {
			e.step("subject", st.Clause, result, "subject", string(s), "results", strings.Join(considered, ","), "p:pass_score", itoa(in.PassScore))
		}
	}
}

// better reports whether the pass of subject k in a beats the one in b: a
// later year (it counts longer), then a higher score, then this region's,
// then the lower specialty code (records are unique by year and code).
func better(a, b *rec, k int) bool {
	switch {
	case a.r.Year != b.r.Year:
		return a.r.Year > b.r.Year
	case a.result[k].Score != b.result[k].Score:
		return a.result[k].Score > b.result[k].Score
	case (a.r.Province == "") != (b.r.Province == ""):
		return a.r.Province == ""
	}
	return a.r.Specialty < b.r.Specialty
}

// whyNone says why subject k has no counted pass: the newest result of a
// counted record, else the newest pass that does not count, else the
// newest year missed, else that there is no result.
func (e *eval) whyNone(k int) (clause, text string) {
	in := e.in
	for i := range e.recs {
		x := &e.recs[i]
		if !x.counts || !x.listed[k] {
			continue
		}
		if res := x.result[k]; res.Sat {
			return ClauseRolling, yearText(x.r.Year) + "成绩 " + itoa(res.Score) + " 分，未达到合格分数线 " + itoa(in.PassScore) + " 分（" + ClauseRolling + "）。"
		}
		return ClauseRolling, yearText(x.r.Year) + "缺考（" + ClauseRolling + "）。"
	}
	for i := range e.recs {
		x := &e.recs[i]
		if x.excl < 0 || !e.passed(x, k) {
			continue
		}
		ex := e.res.Excluded[x.excl]
		return ex.Clause, yearText(x.r.Year) + "的合格成绩（" + itoa(x.result[k].Score) + " 分）不予计入：" + shortReason(ex) + "（" + ex.Clause + "）。"
	}
	for i := range e.recs {
		x := &e.recs[i]
		if x.excl >= 0 && e.res.Excluded[x.excl].Kind == ExcludedAbsent {
			return ClauseRolling, yearText(x.r.Year) + "缺考（" + ClauseRolling + "）。"
		}
	}
	return ClauseRolling, windowText(e.from, in.Year) + "内没有专业代码 " + in.Specialty + " 该科目的考试成绩（" + ClauseRolling + "）。"
}

func shortReason(ex Exclusion) string {
	switch ex.Kind {
	case ExcludedExpired:
		return "已超过滚动管理期限"
	case ExcludedOtherSpecialty:
		return "属于其他专业（专业代码 " + ex.Specialty + "），不同专业的成绩不得合并计算"
	case ExcludedMergedElsewhere:
		return "专业代码 " + ex.Specialty + " 未并入本专业"
	case ExcludedMergedYear:
		return "已取消专业的成绩只保留上一考试年度的"
	case ExcludedMisconduct:
		return "该年度违纪"
	case ExcludedArchiveNo:
		return "档案号与本年度不一致，须使用原档案号"
	}
	return "该年度缺考"
}

// outcome decides the result: passed, or the subjects remaining and until
// when the passes count (七).
func (e *eval) outcome() {
	in, res := e.in, &e.res
	res.Passed = true
	var counted []string
	merged := false
	for _, st := range res.Subjects {
		if st.Pass == nil {
			res.Passed = false
			res.Remaining = append(res.Remaining, st.Subject)
			continue
		}
		merged = merged || st.Pass.Merged
		counted = append(counted, st.Subject.Label()+"（"+yearText(st.Pass.Year)+"，成绩有效至"+yearText(st.Pass.ValidUntil)+"）")
		if res.CarryUntil == 0 || st.Pass.ValidUntil < res.CarryUntil {
			res.CarryUntil = st.Pass.ValidUntil
		}
	}
	var text, clause string
	switch {
	case res.Passed:
		res.CarryUntil = 0
		clause = ClauseRolling
		text = "在" + windowText(e.from, in.Year) + "内通过专业代码 " + in.Specialty + " 全部" + itoa(len(kaowu.Subjects)) + "个科目的考试，考试合格，可取得该专业资格证书（" + ClauseRolling + "）。"
		if merged {
			clause = ClauseMerged
			text = "在" + windowText(e.from, in.Year) + "内通过全部" + itoa(len(kaowu.Subjects)) + "个科目（含保留的已取消专业通过科目成绩），考试合格，予以发放" +
				itoa(in.Year) + "年报考专业（专业代码 " + in.Specialty + "）的资格证书（" + ClauseMerged + "）。"
		}
	default:
		for _, st := range res.Subjects {
			if st.Pass == nil || st.Pass.ValidUntil < in.Year+1 {
				res.NextRemaining = append(res.NextRemaining, st.Subject)
			}
		}
		clause = ClauseRolling
		if len(counted) == 0 {
			text = "尚未考试合格：" + windowText(e.from, in.Year) + "内没有专业代码 " + in.Specialty + " 可计入的合格科目，须在连续" +
				countText(in.Window) + "个考试年度内通过同一专业全部" + itoa(len(kaowu.Subjects)) + "个科目的考试（" + ClauseRolling + "）。"
		} else {
			next := labels(res.NextRemaining)
			if len(res.NextRemaining) == len(kaowu.Subjects) {
				next = "全部" + itoa(len(kaowu.Subjects)) + "个科目"
			}
			text = "尚未考试合格：已通过" + strings.Join(counted, "、") + "，尚须通过" + labels(res.Remaining) +
				"。如" + yearText(in.Year+1) + "继续报考该专业，须参加" + next + "（" + ClauseRolling + "）。"
		}
	}
	res.Reasons = append([]Reason{{Clause: clause, Text: text}}, res.Reasons...)
	if e.trace {
		r := "passed"
		if !res.Passed {
			r = "remaining " + subjectList(res.Remaining) + "; carry_until " + itoa(res.CarryUntil) + "; next " + subjectList(res.NextRemaining)
		}
		e.step("outcome", clause, r)
	}
}

// scores formats the results of a record for the trace:
// basics=70,related=absent (absent: listed, not sat).
func (e *eval) scores(x *rec) string {
	var b strings.Builder
	for k, s := range kaowu.Subjects {
		if !x.listed[k] {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(s))
		b.WriteByte('=')
		if x.result[k].Sat {
			b.WriteString(itoa(x.result[k].Score))
		} else {
			b.WriteString("absent")
		}
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

func bool2s(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// yearText formats an exam year: 2024年度.
func yearText(y int) string { return itoa(y) + "年度" }

// windowText formats the exam years from..to: 2023、2024年度, or 2022至2024年度.
func windowText(from, to int) string {
	switch to - from {
	case 0:
		return yearText(to)
	case 1:
		return itoa(from) + "、" + itoa(to) + "年度"
	}
	return itoa(from) + "至" + itoa(to) + "年度"
}

// countText writes a small count in Chinese (两 for 2), as the notice does.
func countText(n int) string {
	words := []string{"零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十"}
	if n >= 0 && n < len(words) {
		return words[n]
	}
	return itoa(n)
}

func labels(xs []kaowu.Subject) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteString("、")
		}
		b.WriteString(x.Label())
	}
	return b.String()
}

func subjectList(xs []kaowu.Subject) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(x))
	}
	return b.String()
}
