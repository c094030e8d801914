package kaowu

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// gbID returns a GB 11643 number: 17 digits and their check character.
func gbID(s17 string) IDNumber { return IDNumber(s17 + string(GBCheckChar(s17))) }

// prev2023 is a returning candidate of 2023: sat all four, passed one.
func prev2023() PreviousRecord {
	return PreviousRecord{
		Year: 2023, IDType: IDResident, IDNumber: gbID("11010619850312002"), Name: "张三", BirthDate: NewDate(1985, 3, 12),
		ArchiveNo: "2023110600123", Region: "beijing", Site: "fengtai", SpecialtyCode: "368", SpecialtyName: "护理学", Level: LevelIntermediate,
		Education: []Education{
			{Level: "bachelor", School: "首都医科大学", Major: "护理学", GraduatedOn: NewDate(2012, 7, 1), FullTime: false},
			{Level: "college", School: "北京卫生职业学院", Major: "护理", GraduatedOn: NewDate(2006, 7, 1), FullTime: true},
		},
		UnitName: "北京市丰台区某医院（南院）", Post: "临床护理",
		Results: []SubjectResult{
			{Subject: SubjectBasics, Sat: true, Score: 66, Passed: true},
			{Subject: SubjectRelated, Sat: true, Score: 58},
			{Subject: SubjectProfessional, Sat: true, Score: 59},
			{Subject: SubjectPractice, Sat: true, Score: 41},
		},
	}
}

// now2024 is the same candidate's 2024 application, typed a little
// differently: half-width brackets, spaces, lower-case x, education in
// another order.
func now2024() ReturningSnapshot {
	p := prev2023()
	return ReturningSnapshot{
		Year: 2024, Name: " 张 三 ", IDType: IDResident, IDNumber: IDNumber(strings.ToLower(string(p.IDNumber))),
		Region: "beijing", Site: "fengtai", SpecialtyCode: "368", SpecialtyName: "护理学", Level: LevelIntermediate,
		Education: []Education{
			{Level: "college", School: "北京卫生职业学院 ", Major: "护理", GraduatedOn: NewDate(2006, 7, 1), FullTime: true, Medical: true},
			{Level: "bachelor", School: "首都医科大学", Major: "护理学", GraduatedOn: NewDate(2012, 7, 1), FullTime: false, Medical: true},
		},
		UnitName: "北京市丰台区某医院(南院)", Post: "临床护理",
	}
}

func TestCompareReturning(t *testing.T) {
	type diff struct{ field, prev, cur string }
	for _, c := range []struct {
		name      string
		prev      func(*PreviousRecord)
		now       func(*ReturningSnapshot)
		eligible  bool
		returning bool
		reason    string // a part of the reason
		diffs     []diff
	}{
		{name: "unchanged", eligible: true, returning: true},
		{name: "typed differently", now: func(n *ReturningSnapshot) {
			n.Name, n.UnitName, n.Post = "张三", "北京市丰台区某医院（南院）", " 临床护理"
		}, eligible: true, returning: true},
		{name: "name", now: func(n *ReturningSnapshot) { n.Name = "张珊" }, returning: true,
			reason: "自动确认失败：姓名与2023年不一致", diffs: []diff{{"name", "张三", "张珊"}}},
		{name: "region", now: func(n *ReturningSnapshot) { n.Region = "tianjin" }, returning: true,
			diffs: []diff{{"region", "beijing", "tianjin"}}},
		{name: "site", now: func(n *ReturningSnapshot) { n.Site = "chaoyang" }, returning: true,
			reason: "报考考点", diffs: []diff{{"site", "fengtai", "chaoyang"}}},
		{name: "specialty", now: func(n *ReturningSnapshot) { n.SpecialtyCode, n.SpecialtyName = "369", "内科护理" }, returning: true,
			reason: "报考专业", diffs: []diff{{"specialty_code", "368 护理学", "369 内科护理"}}},
		{name: "level", now: func(n *ReturningSnapshot) { n.SpecialtyCode, n.Level = "203", LevelJunior }, returning: true,
			diffs: []diff{{"specialty_code", "368 护理学", "203 护理学"}, {"level", "中级", "初级（师）"}}},
		{name: "education school", now: func(n *ReturningSnapshot) { n.Education[1].School = "北京大学" }, returning: true,
			reason: "教育情况", diffs: []diff{{"education.bachelor.school", "首都医科大学", "北京大学"}}},
		{name: "education graduation date", now: func(n *ReturningSnapshot) { n.Education[1].GraduatedOn = NewDate(2012, 6, 30) }, returning: true,
			diffs: []diff{{"education.bachelor.graduated_on", "2012-07-01", "2012-06-30"}}},
		{name: "education full-time", now: func(n *ReturningSnapshot) { n.Education[0].FullTime = false }, returning: true,
			diffs: []diff{{"education.college.full_time", "全日制", "非全日制"}}},
		{name: "education added", now: func(n *ReturningSnapshot) {
			n.Education = append(n.Education, Education{Level: "master", School: "北京大学", Major: "护理学", GraduatedOn: NewDate(2022, 7, 1), FullTime: false})
		}, returning: true, diffs: []diff{{"education.master", "（无）", "硕士，北京大学，护理学，2022-07-01毕业，非全日制"}}},
		{name: "education removed", now: func(n *ReturningSnapshot) { n.Education = n.Education[1:] }, returning: true,
			diffs: []diff{{"education.college", "大专，北京卫生职业学院，护理，2006-07-01毕业，全日制", "（无）"}}},
		{name: "education in Chinese", prev: func(p *PreviousRecord) { p.Education[0].Level = "本科" }, eligible: true, returning: true},
		{name: "unit", now: func(n *ReturningSnapshot) { n.UnitName = "北京市丰台区另一医院" }, returning: true,
			reason: "工作单位", diffs: []diff{{"unit_name", "北京市丰台区某医院（南院）", "北京市丰台区另一医院"}}},
		{name: "post", now: func(n *ReturningSnapshot) { n.Post = "手术室护理" }, returning: true,
			reason: "从事岗位", diffs: []diff{{"post", "临床护理", "手术室护理"}}},
		{name: "post left blank", now: func(n *ReturningSnapshot) { n.Post = "" }, returning: true,
			diffs: []diff{{"post", "临床护理", "（未填）"}}},
		{name: "several", now: func(n *ReturningSnapshot) { n.Site, n.Post = "chaoyang", "手术室护理" }, returning: true,
			reason: "报考考点、从事岗位与2023年不一致", diffs: []diff{{"site", "fengtai", "chaoyang"}, {"post", "临床护理", "手术室护理"}}},
		{name: "absent", prev: func(p *PreviousRecord) { p.Absent = true },
			reason: "2023年缺考的考生不能自动确认"},
		{name: "misconduct", prev: func(p *PreviousRecord) { p.Misconduct = true },
			reason: "2023年违纪的考生不能自动确认"},
		{name: "absent, and changed: the differences are still listed", prev: func(p *PreviousRecord) { p.Absent = true },
			now: func(n *ReturningSnapshot) { n.Site = "chaoyang" }, reason: "缺考", diffs: []diff{{"site", "fengtai", "chaoyang"}}},
		{name: "passed all four", prev: func(p *PreviousRecord) {
			for i := range p.Results {
				p.Results[i].Passed = true
			}
		}, reason: "2023年已考试合格"},
		{name: "qualified by rolling", prev: func(p *PreviousRecord) { p.Qualified = true }, reason: "不属于历史考生"},
		{name: "not last year's record", now: func(n *ReturningSnapshot) { n.Year = 2025 }, reason: "只适用于2024年"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, n := prev2023(), now2024()
			if c.prev != nil {
				c.prev(&p)
			}
			if c.now != nil {
				c.now(&n)
			}
			r := CompareReturning(p, n)
			if r.Eligible != c.eligible || r.Returning != c.returning {
				t.Errorf("eligible, returning = %v, %v; want %v, %v (reason %q)", r.Eligible, r.Returning, c.eligible, c.returning, r.Reason)
			}
			if c.eligible != (r.Reason == "") {
				t.Errorf("reason = %q", r.Reason)
			}
			if !strings.Contains(r.Reason, c.reason) {
				t.Errorf("reason = %q, want it to contain %q", r.Reason, c.reason)
			}
			if !c.eligible && !strings.Contains(r.Reason, "二（一）") {
				t.Errorf("reason = %q does not cite 二（一）", r.Reason)
			}
			var got []diff
			for _, d := range r.Diffs {
				got = append(got, diff{d.Field, d.Previous, d.Current})
				if d.Label == "" {
					t.Errorf("diff %s has no label", d.Field)
				}
			}
			if !reflect.DeepEqual(got, c.diffs) {
				t.Errorf("diffs = %v, want %v", got, c.diffs)
			}
		})
	}
}

func TestCompareReturningLabelsAndMasks(t *testing.T) {
	p, n := prev2023(), now2024()
	n.IDType, n.IDNumber = IDHKMacaoTaiwanResidence, gbID("81000019850312002")
	n.Education[1].Major = "护理"
	r := CompareReturning(p, n)
	labels := map[string]string{}
	for _, d := range r.Diffs {
		labels[d.Field] = d.Label
		for _, v := range []string{d.Previous, d.Current} {
			if strings.Contains(v, string(p.IDNumber)) || strings.Contains(v, string(n.IDNumber)) {
				t.Errorf("diff %s shows an ID number unmasked: %q", d.Field, v)
			}
		}
	}
	want := map[string]string{"id_type": "证件类型", "id_number": "证件号码", "education.bachelor.major": "教育情况（本科）所学专业"}
	if !reflect.DeepEqual(labels, want) {
		t.Errorf("labels = %v, want %v", labels, want)
	}
}

func TestIDChanged(t *testing.T) {
	p := prev2023()
	hk := gbID("81000019850312002")
	for _, c := range []struct {
		name    string
		now     func(*ReturningSnapshot)
		changed bool
	}{
		{"same document", func(n *ReturningSnapshot) {}, false},
		{"new ID type and number", func(n *ReturningSnapshot) { n.IDType, n.IDNumber = IDHKMacaoTaiwanResidence, hk }, true},
		{"new number, same type", func(n *ReturningSnapshot) { n.IDNumber = gbID("11010219850312003") }, true},
		{"pass without birth date: not recognised", func(n *ReturningSnapshot) { n.IDType, n.IDNumber = IDHKMacaoPass, "H12345678" }, false},
		{"pass with birth date", func(n *ReturningSnapshot) {
			n.IDType, n.IDNumber, n.BirthDate = IDHKMacaoPass, "H12345678", NewDate(1985, 3, 12)
		}, true},
		{"another name", func(n *ReturningSnapshot) { n.IDNumber, n.Name = gbID("11010219850312003"), "李四" }, false},
		{"another birth date", func(n *ReturningSnapshot) { n.IDNumber = gbID("11010219850313003") }, false},
		{"another archive number", func(n *ReturningSnapshot) { n.IDNumber, n.ArchiveNo = gbID("11010219850312003"), "2023110600999" }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := now2024()
			n.ArchiveNo = " " + p.ArchiveNo
			c.now(&n)
			changed, why := IDChanged(p, n)
			if changed != c.changed {
				t.Fatalf("changed = %v, want %v (%s)", changed, c.changed, why)
			}
			if !changed {
				if why != "" {
					t.Errorf("explanation without a change: %q", why)
				}
				return
			}
			for _, w := range []string{"二（一）", "成绩的合并", "自动放弃2023年度考试成绩", p.ArchiveNo, MaskID(string(p.IDNumber))} {
				if !strings.Contains(why, w) {
					t.Errorf("explanation %q lacks %q", why, w)
				}
			}
			if strings.Contains(why, string(p.IDNumber)) || strings.Contains(why, string(n.IDNumber)) {
				t.Errorf("explanation shows an ID number unmasked: %q", why)
			}
		})
	}
}

func TestCarryOver(t *testing.T) {
	p := prev2023()
	p.Misconduct = true
	y, spec, passed, absent, misconduct := p.CarryOver()
	if y != 2023 || spec != "368" || !reflect.DeepEqual(passed, []Subject{SubjectBasics}) || absent || !misconduct {
		t.Errorf("CarryOver = %d %s %v %v %v", y, spec, passed, absent, misconduct)
	}
	if p.PassedAll() {
		t.Error("one subject passed counts as all")
	}
	if got := (PreviousRecord{}).Result(SubjectPractice); got.Sat || got.Passed || got.Subject != SubjectPractice {
		t.Errorf("missing result = %+v", got)
	}
}

func TestFoldText(t *testing.T) {
	for _, c := range [][2]string{
		{" 张 三 ", "张三"},
		{"护理学（中级）", "护理学(中级)"},
		{"护理学 (中级)", "护理学(中级)"},
		{"阿依古丽・买买提", "阿依古丽·买买提"},
		{"阿依古丽•买买提", "阿依古丽·买买提"},
		{"ＡＢＣ医院", "abc医院"},
		{"John  Smith", "JOHN SMITH"},
		{"北京市\u3000丰台区", "北京市丰台区"},
	} {
		if !SameText(c[0], c[1]) {
			t.Errorf("%q and %q differ: %q, %q", c[0], c[1], FoldText(c[0]), FoldText(c[1]))
		}
	}
	for _, c := range [][2]string{{"JohnSmith", "John Smith"}, {"张三", "张珊"}, {"护理学(中级)", "护理学(初级)"}} {
		if SameText(c[0], c[1]) {
			t.Errorf("%q and %q are the same", c[0], c[1])
		}
	}
}

func TestParseFileDate(t *testing.T) {
	for in, want := range map[string]Date{
		"2015-07-01": NewDate(2015, 7, 1), "2015-7-1": NewDate(2015, 7, 1), "2015/7/1": NewDate(2015, 7, 1),
		"2015.07.01": NewDate(2015, 7, 1), "2015年7月1日": NewDate(2015, 7, 1), "20150701": NewDate(2015, 7, 1),
		"42186": NewDate(2015, 7, 1), "２０１５-０７-０１": NewDate(2015, 7, 1),
	} {
		if got, err := parseFileDate(in); err != nil || got != want {
			t.Errorf("parseFileDate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"2015-07", "2015", "2015-02-30", "七月", "1850-01-01"} {
		if d, err := parseFileDate(in); err == nil {
			t.Errorf("parseFileDate(%q) = %v, want an error", in, d)
		}
	}
}

// previousRow is one row of a test file by Chinese header name.
type previousRow map[string]string

func goodRow(serial int) previousRow {
	return previousRow{
		"考试年度": "2023", "证件类型": "居民身份证", "证件号码": string(gbID(fmt.Sprintf("11010619850312%03d", serial))), "姓名": "张三",
		"档案号": fmt.Sprintf("20231106%05d", serial), "考区": "北京考区", "考点": "丰台考点",
		"专业代码": "368", "专业名称": "护理学", "级别": "中级",
		"学历": "本科", "毕业学校": "首都医科大学", "所学专业": "护理学", "毕业时间": "2012-07-01", "全日制": "是",
		"工作单位": "北京市丰台区某医院", "岗位": "临床护理",
		"基础知识成绩": "66", "基础知识合格": "是", "相关专业知识成绩": "58", "相关专业知识合格": "否",
		"专业知识成绩": "59", "专业知识合格": "否", "专业实践能力成绩": "", "专业实践能力合格": "",
		"缺考": "否", "违纪": "否",
	}
}

func previousRows(extra []string, rs ...previousRow) [][]string {
	header := append(PreviousHeader(), extra...)
	out := [][]string{header}
	for _, r := range rs {
		row := make([]string, len(header))
		for i, h := range header {
			row[i] = r[h]
		}
		out = append(out, row)
	}
	return out
}

func TestParsePreviousRecords(t *testing.T) {
	second := goodRow(2)
	second["证件类型"], second["证件号码"], second["出生日期"] = "港澳通行证", "h1234 5678", "1990/5/6"
	second["学历2"], second["毕业学校2"], second["所学专业2"], second["毕业时间2"], second["全日制2"] = "硕士研究生", "北京大学", "护理学", "42186", "否"
	second["级别"], second["专业代码"], second["专业名称"] = "", "203", "护理学"
	second["缺考"], second["基础知识成绩"], second["基础知识合格"], second["相关专业知识成绩"], second["专业知识成绩"] = "是", "缺考", "", "", ""
	recs, err := ParsePreviousRecords(2023, previousRows([]string{"学历2", "毕业学校2", "所学专业2", "毕业时间2", "全日制2"}, goodRow(1), second), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	a, b := recs[0], recs[1]
	if a.IDNumber != gbID("11010619850312001") || a.BirthDate != NewDate(1985, 3, 12) || a.Level != LevelIntermediate ||
		a.Region != "北京考区" || a.Source != "t.csv" || len(a.Education) != 1 || !a.Education[0].FullTime || a.Education[0].Level != "bachelor" {
		t.Errorf("first = %+v", a)
	}
	if !reflect.DeepEqual(a.PassedSubjects(), []Subject{SubjectBasics}) || a.Result(SubjectRelated).Score != 58 || a.Result(SubjectPractice).Sat || a.Qualified {
		t.Errorf("first results = %+v", a.Results)
	}
	if b.IDType != IDHKMacaoPass || b.IDNumber != "H12345678" || b.BirthDate != NewDate(1990, 5, 6) || b.Level != LevelJunior || !b.Absent {
		t.Errorf("second = %+v", b)
	}
	if len(b.Education) != 2 || b.Education[0].Level != "master" || b.Education[0].GraduatedOn != NewDate(2015, 7, 1) || b.Education[1].Level != "bachelor" {
		t.Errorf("second education (highest first) = %+v", b.Education)
	}

	// English headers.
	en := map[string]string{"证件类型": "id_type", "证件号码": "id_number", "姓名": "name", "档案号": "archive_no", "考区": "region", "考点": "site",
		"专业代码": "specialty_code", "学历": "education_level", "毕业学校": "school", "所学专业": "major", "毕业时间": "graduated_on", "全日制": "full_time",
		"工作单位": "unit_name", "基础知识成绩": "basics_score", "基础知识合格": "basics_passed", "相关专业知识成绩": "related_score",
		"相关专业知识合格": "related_passed", "专业知识成绩": "professional_score", "专业知识合格": "professional_passed",
		"专业实践能力成绩": "practice_score", "专业实践能力合格": "practice_passed", "缺考": "absent", "违纪": "misconduct"}
	var header, row []string
	for zh, e := range en {
		header, row = append(header, e), append(row, goodRow(3)[zh])
	}
	if recs, err := ParsePreviousRecords(2023, [][]string{header, row}, "en.csv"); err != nil || len(recs) != 1 || recs[0].Post != "" {
		t.Errorf("English header: %v, %v", recs, err)
	}
}

func TestParsePreviousRecordsRefusals(t *testing.T) {
	for _, c := range []struct {
		name  string
		set   previousRow
		field string // the reported field of row 3 (the second data row)
		msg   string
	}{
		{"unknown ID type", previousRow{"证件类型": "护照"}, "id_type", "证件类型“护照”无效"},
		{"bad check character", previousRow{"证件号码": "110106198503120020"}, "id_number", "校验码"},
		{"pass number shape", previousRow{"证件类型": "港澳居民来往内地通行证", "证件号码": "12345678", "出生日期": "1990-01-01"}, "id_number", "H 或 M"},
		{"pass without birth date", previousRow{"证件类型": "台胞证", "证件号码": "12345678"}, "birth_date", "请填写出生日期"},
		{"birth date against the number", previousRow{"出生日期": "1985-03-13"}, "birth_date", "不一致"},
		{"no name", previousRow{"姓名": ""}, "name", "请填写姓名"},
		{"no archive number", previousRow{"档案号": ""}, "archive_no", "请填写档案号"},
		{"archive number shape", previousRow{"档案号": "档案1"}, "archive_no", "档案号“档案1”无效"},
		{"no site", previousRow{"考点": ""}, "site", "请填写考点"},
		{"specialty code shape", previousRow{"专业代码": "36A"}, "specialty_code", "三位数字"},
		{"specialty code level digit", previousRow{"专业代码": "468"}, "specialty_code", "三位数字"},
		{"unknown level", previousRow{"级别": "高级"}, "level", "级别“高级”无效"},
		{"level against the code", previousRow{"级别": "初级（师）"}, "level", "不符"},
		{"education level", previousRow{"学历": "小学"}, "education_level", "学历“小学”无效"},
		{"no education", previousRow{"学历": "", "毕业学校": "", "所学专业": "", "毕业时间": "", "全日制": ""}, "education_level", "请填写学历"},
		{"graduation date", previousRow{"毕业时间": "2012-13-01"}, "graduated_on", "完整的真实日期"},
		{"graduation month only", previousRow{"毕业时间": "2012-07"}, "graduated_on", "完整的真实日期"},
		{"graduation after the year", previousRow{"毕业时间": "2024-07-01"}, "graduated_on", "晚于2023考试年度"},
		{"full-time blank", previousRow{"全日制": ""}, "full_time", "是否全日制"},
		{"no unit", previousRow{"工作单位": ""}, "unit_name", "请填写工作单位"},
		{"score above 100", previousRow{"基础知识成绩": "101"}, "basics_score", "0 至 100"},
		{"negative score", previousRow{"专业知识成绩": "-1"}, "professional_score", "整数"},
		{"fractional score", previousRow{"相关专业知识成绩": "58.5"}, "related_score", "整数"},
		{"score not a number", previousRow{"基础知识成绩": "六十六"}, "basics_score", "整数"},
		{"passed flag", previousRow{"基础知识合格": "也许"}, "basics_passed", "应为 是 或 否"},
		{"pass without a score", previousRow{"专业实践能力合格": "是"}, "practice_passed", "没有成绩"},
		{"absent flag", previousRow{"缺考": "也许"}, "absent", "缺考“也许”无效"},
		{"misconduct flag", previousRow{"违纪": "2"}, "misconduct", "违纪“2”无效"},
		{"absent with four scores", previousRow{"缺考": "是", "专业实践能力成绩": "40"}, "absent", "四个科目都有成绩"},
		{"no score, not absent", previousRow{"基础知识成绩": "", "基础知识合格": "", "相关专业知识成绩": "", "专业知识成绩": ""}, "absent", "未标为缺考"},
		{"qualified against four passes", previousRow{"考试合格": "否", "相关专业知识合格": "是", "专业知识合格": "是", "专业实践能力成绩": "70", "专业实践能力合格": "是"}, "qualified", "考试合格却标为否"},
		{"year", previousRow{"考试年度": "2022"}, "year", "与导入的年度 2023 不符"},
		{"same ID as row 2", previousRow{"证件号码": string(gbID("11010619850312001"))}, "id_number", "与第2行重复"},
		{"same ID typed differently", previousRow{"证件号码": strings.ToLower(" " + string(gbID("11010619850312001")))}, "id_number", "与第2行重复"},
		{"same archive number as row 2", previousRow{"档案号": "2023110600001"}, "archive_no", "与第2行重复"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := goodRow(2)
			for k, v := range c.set {
				bad[k] = v
			}
			recs, err := ParsePreviousRecords(2023, previousRows(nil, goodRow(1), bad, goodRow(3)), "bad.csv")
			if ErrorCode(err) != EINVALID || recs != nil {
				t.Fatalf("got %d records, %v; want an invalid error", len(recs), err)
			}
			fields := ErrorFields(err)
			key := "第3行." + c.field
			if !strings.Contains(fields[key], c.msg) {
				t.Errorf("fields[%q] = %q, want it to contain %q; all: %v", key, fields[key], c.msg, fields)
			}
			if len(fields) != 1 {
				t.Errorf("other rows or fields were reported: %v", fields)
			}
			if !strings.Contains(ErrorMessage(err), key+"：") {
				t.Errorf("message lacks %s: %s", key, ErrorMessage(err))
			}
			for _, r := range []previousRow{goodRow(1), bad} {
				if id := NormalizeIDNumber(r["证件号码"]); len(id) == 18 && strings.Contains(ErrorMessage(err), id) {
					t.Errorf("message shows an ID number unmasked: %s", ErrorMessage(err))
				}
			}
		})
	}
}

func TestParsePreviousRecordsFile(t *testing.T) {
	for _, c := range []struct {
		name  string
		year  int
		rows  [][]string
		field string
		msg   string
	}{
		{"empty", 2023, nil, "文件", "没有数据行"},
		{"header only", 2023, previousRows(nil), "文件", "没有数据行"},
		{"bad year", 99, previousRows(nil, goodRow(1)), "考试年度", "无效"},
		{"unknown column", 2023, previousRows([]string{"备注"}, goodRow(1)), "表头第30列", "列名“备注”无法识别"},
		{"missing column", 2023, [][]string{{"证件类型", "证件号码"}, {"居民身份证", "x"}}, "表头", "缺少列“姓名”"},
		{"repeated column", 2023, previousRows([]string{"name"}, goodRow(1)), "表头第30列", "与第4列重复"},
		{"incomplete education group", 2023, previousRows([]string{"学历2"}, goodRow(1)), "表头", "第2组学历的列不全"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePreviousRecords(c.year, c.rows, "f.csv")
			if got := ErrorFields(err)[c.field]; !strings.Contains(got, c.msg) {
				t.Errorf("fields[%q] = %q, want %q; err %v", c.field, got, c.msg, err)
			}
		})
	}
}
