package seating

import (
	"fmt"
	"strings"
	"time"
)

// InputError is the error Assign returns for invalid input. It lists every
// problem found, each naming the room or candidate at fault.
type InputError struct {
	Problems []Problem
}

// Problem is one reason the input is invalid. Room or Candidate names the
// offender when there is one; Message is Chinese and names it too.
type Problem struct {
	Room      string
	Candidate string
	Message   string
}

// maxListed is the number of problems Error spells out.
const maxListed = 10

// Error returns the problems in Chinese, the first ten spelled out.
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString("seating: 输入无效：")
	for i, p := range e.Problems {
		if i == maxListed {
			fmt.Fprintf(&b, "；等共 %d 处问题", len(e.Problems))
			break
		}
		if i > 0 {
			b.WriteString("；")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

type validator struct{ problems []Problem }

func (v *validator) room(id, format string, args ...any) {
	v.problems = append(v.problems, Problem{Room: id, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) candidate(id, format string, args ...any) {
	v.problems = append(v.problems, Problem{Candidate: id, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) other(format string, args ...any) {
	v.problems = append(v.problems, Problem{Message: fmt.Sprintf(format, args...)})
}

func validDay(d string) bool {
	if len(d) != len("2006-01-02") {
		return false
	}
	_, err := time.Parse(time.DateOnly, d)
	return err == nil
}

// validate checks in and returns the pins by candidate index (nil when the
// candidate has none) and the number of previous assignments of withdrawn
// candidates.
func validate(in *Input) (pins []*Assignment, withdrawn int, err error) {
	var v validator
	rooms := make(map[string]bool, len(in.Rooms))
	for i, r := range in.Rooms {
		if r.ID == "" {
			v.room("", "第 %d 个考场缺少编号", i+1)
			continue
		}
		if rooms[r.ID] {
			v.room(r.ID, "考场编号 %s 重复", r.ID)
		}
		rooms[r.ID] = true
		if !r.Kind.valid() {
			v.room(r.ID, "考场 %s 的类型无效（%d），应为纸笔考场或计算机考场", r.ID, int(r.Kind))
		}
		if r.Capacity <= 0 {
			v.room(r.ID, "考场 %s 的容量必须大于 0（现为 %d）", r.ID, r.Capacity)
		}
		if r.SeatsPerRow <= 0 {
			v.room(r.ID, "考场 %s 的每排座位数必须大于 0（现为 %d）", r.ID, r.SeatsPerRow)
		}
		if r.Kind == Computer && r.WorkingMachines < 0 {
			v.room(r.ID, "考场 %s 的可用机位数不能为负（现为 %d）", r.ID, r.WorkingMachines)
		}
		for _, d := range r.Days {
			if !validDay(d) {
				v.room(r.ID, "考场 %s 的可用日期 %q 格式无效，应为 YYYY-MM-DD", r.ID, d)
			}
		}
	}
	for _, d := range in.CBTDays {
		if !validDay(d) {
			v.other("人机对话考试日 %q 格式无效，应为 YYYY-MM-DD", d)
		}
	}
	for _, d := range in.PaperDays {
		if !validDay(d) {
			v.other("纸笔考试日 %q 格式无效，应为 YYYY-MM-DD", d)
		}
	}

	index := make(map[string]int, len(in.Candidates))
	var nPaper, nCBT int
	for i, c := range in.Candidates {
		if c.ID == "" {
			v.candidate("", "第 %d 名考生缺少编号", i+1)
			continue
		}
		if _, dup := index[c.ID]; dup {
			v.candidate(c.ID, "考生编号 %s 重复", c.ID)
			continue
		}
		index[c.ID] = i
		switch c.Mode {
		case Paper:
			nPaper++
		case Computer:
			nCBT++
		default:
			v.candidate(c.ID, "考生 %s 的考试方式无效（%d），应为纸笔作答或人机对话", c.ID, int(c.Mode))
		}
	}
	if nCBT > 0 && len(in.CBTDays) == 0 {
		v.other("有 %d 名人机对话考生，但未设置人机对话考试日（CBTDays）", nCBT)
	}
	if nPaper > 0 && len(in.PaperDays) == 0 {
		v.other("有 %d 名纸笔作答考生，但未设置纸笔考试日（PaperDays）", nPaper)
	}

	pins = make([]*Assignment, len(in.Candidates))
	for i := range in.Candidates {
		if p := in.Candidates[i].Pinned; p != nil {
			a := *p
			a.CandidateID = in.Candidates[i].ID
			pins[i] = &a
		}
	}
	seen := make(map[string]bool, len(in.Previous))
	for i, a := range in.Previous {
		if a.CandidateID == "" {
			v.other("第 %d 条原安排缺少考生编号", i+1)
			continue
		}
		if seen[a.CandidateID] {
			v.candidate(a.CandidateID, "原安排中考生 %s 出现多次", a.CandidateID)
			continue
		}
		seen[a.CandidateID] = true
		ci, ok := index[a.CandidateID]
		if !ok {
			withdrawn++
			continue
		}
		if p := pins[ci]; p != nil {
			if *p != a {
				v.candidate(a.CandidateID, "考生 %s 的 Pinned 与 Previous 中的原安排不一致", a.CandidateID)
			}
			continue
		}
		a := a
		pins[ci] = &a
	}
	if len(v.problems) > 0 {
		return nil, 0, &InputError{Problems: v.problems}
	}
	return pins, withdrawn, nil
}
