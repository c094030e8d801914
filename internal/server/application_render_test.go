package server

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
	"kaowu/policy"
)

// TestStatusPageShowsAutoConfirmation renders the status page for the
// outcomes of 二（一）'s automatic confirmation.
func TestStatusPageShowsAutoConfirmation(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(app.New(storetest.SQLite(t), kaowu.SystemClock{}, log), log, "")
	if err != nil {
		t.Fatal(err)
	}
	y, err := policy.Default(2024)
	if err != nil {
		t.Fatal(err)
	}
	scoresAt := time.Date(2024, 5, 21, 10, 0, 0, 0, kaowu.Shanghai)
	scoresDay := scoresAt.Add(-time.Hour)
	for _, c := range []struct {
		name string
		page statusPage
		want []string
	}{
		{"confirmed", statusPage{Year: y, App: kaowu.Application{State: kaowu.StateConfirmed, Version: 1, AutoConfirmed: true},
			Next: nextSteps(y, kaowu.Application{State: kaowu.StateConfirmed}, app.FormSnapshot{}, nil, store.ScorePublication{}, inWindowTime())},
			[]string{"您已完成报名确认，请等待考点、考区考试管理机构进行资格审核", "✓ 网上报名", "✓ 报名确认"}},
		{"failed", statusPage{Year: y, App: kaowu.Application{State: kaowu.StateSubmitted, Version: 1},
			Snapshot: app.FormSnapshot{Returning: &kaowu.ReturningResult{Returning: true, Reason: "信息与上一年度不一致",
				Diffs: []kaowu.FieldDiff{{Label: "工作单位", Previous: "丰台甲医院", Current: "丰台乙医院"}}}}},
			[]string{"自动确认失败", "<th scope=\"row\">工作单位</th><td>丰台甲医院</td><td>丰台乙医院</td>", "未进行报名确认的视为自动放弃本次考试"}},
		{"approved", statusPage{Year: y, App: kaowu.Application{State: kaowu.StateApproved, Version: 1},
			Review: &store.ReviewDecision{Decision: kaowu.StateApproved, Subjects: []kaowu.Subject{kaowu.SubjectProfessional, kaowu.SubjectPractice}, FeeFen: 10000}},
			[]string{"考区审核通过", "应缴报名费 100.00 元（2 科 × 50.00 元", "逾期未缴费视为放弃报名"}},
		{"rejected", statusPage{Year: y, App: kaowu.Application{State: kaowu.StateRejected, Version: 1},
			Review: &store.ReviewDecision{Decision: kaowu.StateRejected, Reason: "未取得护士执业证书", Clause: "一（七）"}},
			[]string{"考区审核未通过", "未取得护士执业证书", "依据 <a href=\"/notice/2024#"}},
		{"scored, publication not set", statusPage{Year: y, App: kaowu.Application{State: kaowu.StateScored, Version: 1},
			Next: nextSteps(y, kaowu.Application{State: kaowu.StateScored}, app.FormSnapshot{}, nil, store.ScorePublication{}, scoresDay)},
			[]string{"成绩在考后两个月内公布"}},
		{"scored, publication set", statusPage{Year: y, App: kaowu.Application{State: kaowu.StateScored, Version: 1},
			Next: nextSteps(y, kaowu.Application{State: kaowu.StateScored}, app.FormSnapshot{}, nil, store.ScorePublication{PublishAt: &scoresAt}, scoresDay)},
			[]string{"公布时间：2024年5月21日 10:00"}},
		{"scored, published", statusPage{Year: y, App: kaowu.Application{State: kaowu.StateScored, Version: 1},
			Next: nextSteps(y, kaowu.Application{State: kaowu.StateScored}, app.FormSnapshot{}, nil, store.ScorePublication{PublishAt: &scoresAt}, scoresAt)},
			[]string{"成绩已公布", `href="/application/scores"`}},
		{"id changed", statusPage{Year: y, App: kaowu.Application{State: kaowu.StateSubmitted, Version: 1},
			Snapshot: app.FormSnapshot{IDChange: "请携带有效身份证件到考点申请成绩合并（二（一））"}},
			[]string{"证件信息与上一年度不一致", "申请成绩合并"}},
	} {
		rec := httptest.NewRecorder()
		s.render(rec, httptest.NewRequest("GET", "/application", nil), 200, "application", c.page)
		body := rec.Body.String()
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", c.name, w)
			}
		}
		if c.name == "confirmed" && strings.Contains(body, "自动确认失败") {
			t.Errorf("confirmed: page shows a failure")
		}
	}
}

func inWindowTime() time.Time { return time.Date(2023, 12, 5, 10, 0, 0, 0, kaowu.Shanghai) }
