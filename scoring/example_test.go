package scoring_test

import (
	"fmt"

	"kaowu"
	"kaowu/scoring"
)

func ExampleEvaluate() {
	sat := func(s kaowu.Subject, score int) kaowu.SubjectResult {
		return kaowu.SubjectResult{Subject: s, Sat: true, Score: score}
	}
	in := scoring.Input{
		Year: 2024, Specialty: "325", PassScore: 60, MaxScore: 100, Window: 2,
		// From the 2024 catalogue's merged_into (一（十）).
		Merged: map[string][]string{"360": {"325", "321"}},
		Records: []scoring.Record{
			{Year: 2023, Specialty: "360", ArchiveNo: "F-1", Results: []kaowu.SubjectResult{
				sat(kaowu.SubjectBasics, 75), sat(kaowu.SubjectRelated, 68), sat(kaowu.SubjectProfessional, 52)}},
			{Year: 2024, Specialty: "325", ArchiveNo: "F-1", Results: []kaowu.SubjectResult{
				sat(kaowu.SubjectProfessional, 64), sat(kaowu.SubjectPractice, 57)}},
		},
	}
	res, err := scoring.Evaluate(in, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("passed:", res.Passed, "remaining:", res.Remaining, "carry until:", res.CarryUntil)
	for _, s := range res.Subjects {
		fmt.Println(s.Subject.Label(), s.Text)
	}
	for _, r := range res.Reasons {
		fmt.Println(r.Clause, r.Text)
	}
	// Output:
	// passed: false remaining: [practice] carry until: 2024
	// 基础知识 2023年度 75 分合格，保留原专业代码 360 的成绩，有效至2024年度（一（十））。
	// 相关专业知识 2023年度 68 分合格，保留原专业代码 360 的成绩，有效至2024年度（一（十））。
	// 专业知识 2024年度 64 分合格，有效至2025年度（七）。
	// 专业实践能力 2024年度成绩 57 分，未达到合格分数线 60 分（七）。
	// 七 尚未考试合格：已通过基础知识（2023年度，成绩有效至2024年度）、相关专业知识（2023年度，成绩有效至2024年度）、专业知识（2024年度，成绩有效至2025年度），尚须通过专业实践能力。如2025年度继续报考该专业，须参加基础知识、相关专业知识、专业实践能力（七）。
	// 一（十） 保留2023年度报考专业代码 360（2024年起已取消）通过的科目成绩（基础知识、相关专业知识）进行滚动管理，计入2024年度报考的专业代码 325（一（十））。
}
