package pdf

import (
	"fmt"
	"strings"
	"testing"

	"kaowu"
)

func sampleRoster(n int) RosterData {
	r := RosterData{Year: 2024, Site: "丰台考点", UnitName: "北京市丰台区测试医院", UnitCategory: "直属医院", Day: kaowu.NewDate(2023, 12, 11),
		Slots: []string{"上午 09:00—11:30", "下午 13:30—16:30"}, Venue: "北京市丰台区社区学院（丰台区望园东里23号）", Clause: "二（二）", AutoConfirmed: 1}
	for i := range n {
		c := RosterCandidate{Name: fmt.Sprintf("张%s%d", rare[:3], i+1), IDNumber: "110106********" + fmt.Sprintf("%04d", i),
			SpecialtyCode: "368", SpecialtyName: "护理学", LevelLabel: "中级", Version: 1 + i%2,
			Materials: []RosterMaterial{{"报名材料真实性承诺书（单位版）", "二（二）1"}, {"《2024年度卫生专业技术资格考试申请表》", "二（二）2"},
				{"本人身份证或军官证原件及A4纸复印件", "二（二）3"}, {"护士执业证书", "一（七）"}}}
		if i == 0 {
			c.IDChange = true
			c.Materials = append(c.Materials, RosterMaterial{"社会资本举办医疗机构《医疗机构执业许可证》副本复印件", "二（二）5"})
		}
		r.Candidates = append(r.Candidates, c)
	}
	return r
}

func TestRoster(t *testing.T) {
	b, err := Roster(sampleRoster(2))
	if err != nil {
		t.Fatal(err)
	}
	text := pdftotext(t, writePDF(t, "roster", b))
	flat := strings.Join(strings.Fields(text), "")
	for _, want := range []string{
		"2024年度卫生专业技术资格考试现场确认名单及材料核对表", "丰台考点", "北京市丰台区测试医院（直属医院）",
		"2023年12月11日", "上午09:00—11:30；下午13:30—16:30", "北京市丰台区社区学院（丰台区望园东里23号）",
		"待现场确认考生2名", "另有1名历史考生已自动确认", "张" + rare[:3] + "1", "110106********0000", "368护理学（中级）", "第2版",
		"□报名材料真实性承诺书（单位版）（二（二）1）", "□护士执业证书（一（七））", "申请成绩合并", "单位经办人（签字）", "考点核对人（签字）", "第1页共1页",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("roster lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(flat, "□"); n != 9+1 { // 5+4 materials, and the instruction
		t.Errorf("%d checkboxes, want 10:\n%s", n, text)
	}
}

func TestRosterFlowsToPages(t *testing.T) {
	b, err := Roster(sampleRoster(30))
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, "roster-long", b)
	n := pages(t, path)
	if n < 3 {
		t.Fatalf("30 candidates on %d pages", n)
	}
	text := pdftotext(t, path)
	if got := strings.Count(text, "申报表版本"); got != n {
		t.Errorf("table header printed %d times on %d pages", got, n)
	}
	if !strings.Contains(strings.Join(strings.Fields(text), ""), "张"+rare[:3]+"30") {
		t.Errorf("the last candidate is missing")
	}
	checkInside(t, path)
}

func TestRosterValidation(t *testing.T) {
	r := sampleRoster(0)
	r.Day = kaowu.Date{}
	_, err := Roster(r)
	if kaowu.ErrorCode(err) != kaowu.EINVALID || kaowu.ErrorFields(err)["day"] == "" || kaowu.ErrorFields(err)["candidates"] == "" {
		t.Errorf("roster without day and candidates: %v", err)
	}
}

func TestRosterRows(t *testing.T) {
	rows := RosterRows(sampleRoster(2))
	header := rows[4]
	if header[0] != "序号" || len(header) != 6+5+1 || header[len(header)-1] != "备注" {
		t.Fatalf("header %q", header)
	}
	first, second := rows[5], rows[6]
	if first[1] != "张"+rare[:3]+"1" || first[5] != "第1版" || first[10] != "□" || !strings.Contains(first[11], "成绩合并") {
		t.Errorf("first row %q", first)
	}
	if second[10] != "—" || second[6] != "□" || second[11] != "" {
		t.Errorf("second row %q", second)
	}
	if rows[2][1] != "2023年12月11日" || rows[2][5] != "北京市丰台区社区学院（丰台区望园东里23号）" {
		t.Errorf("title block %q", rows[:4])
	}
}
