package scoring

import (
	"fmt"
	"sort"
	"strings"

	"kaowu"
)

// problems collects what is wrong with an input: each problem under the
// field at fault, in input order.
type problems struct {
	fields map[string]string
	lines  []string
}

func (p *problems) add(field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if p.fields == nil {
		p.fields = map[string]string{}
	}
	if old, ok := p.fields[field]; ok {
		p.fields[field] = old + "；" + msg
	} else {
		p.fields[field] = msg
	}
	p.lines = append(p.lines, msg)
}

// maxLines bounds the lines of the message; Fields holds them all.
const maxLines = 50

func (p *problems) err() error {
	if len(p.lines) == 0 {
		return nil
	}
	lines := p.lines
	if len(lines) > maxLines {
		lines = append(lines[:maxLines:maxLines], fmt.Sprintf("……另有 %d 处问题未列出", len(p.lines)-maxLines))
	}
	return &kaowu.Error{Code: kaowu.EINVALID, Message: "成绩滚动管理的输入有误，未作判断：\n" + strings.Join(lines, "\n"), Fields: p.fields}
}

// isCode reports whether s is a specialty code: three digits, the first 1,
// 2 or 3 (the level).
func isCode(s string) bool {
	if _, ok := kaowu.LevelOfCode(s); !ok {
		return false
	}
	return s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

func knownSubject(s kaowu.Subject) bool {
	for _, x := range kaowu.Subjects {
		if x == s {
			return true
		}
	}
	return false
}

// recordLabel names record i (0-based) for messages: 第2条记录（2023年度，专业代码 303）.
func recordLabel(i int, r *Record) string {
	spec := "专业代码 " + r.Specialty
	if r.Specialty == "" {
		spec = "未填专业代码"
	}
	return fmt.Sprintf("第%d条记录（%d年度，%s）", i+1, r.Year, spec)
}

// lazyLabel formats recordLabel only when a problem is reported.
type lazyLabel struct {
	i int
	r *Record
}

func (l lazyLabel) String() string { return recordLabel(l.i, l.r) }

// lazyName formats subjectName only when a problem is reported.
type lazyName kaowu.Subject

func (n lazyName) String() string { return subjectName(kaowu.Subject(n)) }

func subjectName(s kaowu.Subject) string {
	if knownSubject(s) {
		return s.Label()
	}
	return "科目“" + string(s) + "”"
}

// validate checks the input and returns an EINVALID *kaowu.Error listing
// every problem, each naming the record at fault; nil when valid.
func validate(in *Input) error {
	var p problems
	if in.Year <= 0 {
		p.add("year", "评定的考试年度 %d 无效", in.Year)
	}
	if !isCode(in.Specialty) {
		p.add("specialty", "报考专业代码“%s”无效：应为三位数字，首位 1 为初级（士）、2 为初级（师）、3 为中级", in.Specialty)
	}
	if in.MaxScore < 1 {
		p.add("max_score", "满分 %d 无效：应大于 0", in.MaxScore)
	}
	if in.PassScore < 1 || in.PassScore > in.MaxScore {
		p.add("pass_score", "合格分数线 %d 无效：应在 1 至满分 %d 之间", in.PassScore, in.MaxScore)
	}
	if in.Window < 1 {
		p.add("window", "滚动周期 %d 无效：应至少为 1 个考试年度", in.Window)
	}
	keys := make([]string, 0, len(in.Merged))
	for k := range in.Merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		field := "merged." + k
		if !isCode(k) {
			p.add(field, "已取消专业的代码“%s”无效：应为三位数字", k)
		}
		if len(in.Merged[k]) == 0 {
			p.add(field, "已取消的专业代码 %s 没有并入的专业（%s）", k, ClauseMerged)
		}
		for _, t := range in.Merged[k] {
			switch {
			case !isCode(t):
				p.add(field, "已取消的专业代码 %s 并入的专业代码“%s”无效：应为三位数字", k, t)
			case t == k:
				p.add(field, "已取消的专业代码 %s 不能并入其自身", k)
			}
		}
	}
	if _, removed := in.Merged[in.Specialty]; removed {
		p.add("specialty", "报考专业代码 %s 自%d年起已取消（%s），不能作为评定的专业；请按并入后的专业评定", in.Specialty, in.Year, ClauseMerged)
	}

	type key struct {
		year int
		spec string
	}
	seen := make(map[key]int, len(in.Records))
	for i := range in.Records {
		r := &in.Records[i]
		label := lazyLabel{i: i, r: r}
		field := func(name string) string { return fmt.Sprintf("records[%d].%s", i, name) }
		switch {
		case r.Year <= 0:
			p.add(field("year"), "%s：考试年度 %d 无效", label, r.Year)
		case in.Year > 0 && r.Year > in.Year:
			p.add(field("year"), "%s：考试年度晚于评定的考试年度 %d", label, in.Year)
		}
		if !isCode(r.Specialty) {
			p.add(field("specialty"), "%s：专业代码“%s”无效：应为三位数字", label, r.Specialty)
		} else if _, removed := in.Merged[r.Specialty]; removed && in.Year > 0 && r.Year >= in.Year {
			p.add(field("specialty"), "%s：专业代码 %s 自%d年起已取消（%s），该年度不能有该专业的成绩", label, r.Specialty, in.Year, ClauseMerged)
		}
		k := key{r.Year, r.Specialty}
		if j, dup := seen[k]; dup {
			p.add(field("year"), "%s：与第%d条记录重复，同一考试年度同一专业只能有一条记录", label, j+1)
		} else {
			seen[k] = i
		}
		subjects := make(map[kaowu.Subject]int, len(r.Results))
		for j, x := range r.Results {
			rf := func(name string) string { return fmt.Sprintf("records[%d].results[%d].%s", i, j, name) }
			name := lazyName(x.Subject)
			if !knownSubject(x.Subject) {
				p.add(rf("subject"), "%s：科目“%s”无效：应为 basics（基础知识）、related（相关专业知识）、professional（专业知识）或 practice（专业实践能力）", label, x.Subject)
			} else if first, dup := subjects[x.Subject]; dup {
				p.add(rf("subject"), "%s：%s的成绩出现两次（第%d项与第%d项）", label, name, first+1, j+1)
			} else {
				subjects[x.Subject] = j
			}
			switch {
			case x.Score < 0 || in.MaxScore >= 1 && x.Score > in.MaxScore:
				p.add(rf("score"), "%s：%s成绩 %d 无效：应在 0 至 %d 之间", label, name, x.Score, in.MaxScore)
			case !x.Sat && x.Score != 0:
				p.add(rf("score"), "%s：%s未参加考试，却有成绩 %d", label, name, x.Score)
			}
			if r.Absent && x.Sat {
				p.add(rf("sat"), "%s：标为全年缺考，但%s有成绩", label, name)
			}
		}
	}
	return p.err()
}
