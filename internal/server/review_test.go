package server_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// confirmedCandidate registers a nurse at unitID whose application is
// submitted and then confirmed (as the desk would), and returns it.
func confirmedCandidate(t *testing.T, a *app.App, username, name string, n int, unitID string) kaowu.Application {
	t.Helper()
	ctx := context.Background()
	_, ap := submittedCandidate(t, a, username, name, n, unitID)
	if err := a.Store.Update(ctx, func(tx *store.Tx) error {
		return tx.SetApplicationState(ctx, ap.ID, kaowu.StateSubmitted, kaowu.StateConfirmed, inWindow)
	}); err != nil {
		t.Fatal(err)
	}
	return ap
}

func createStaff(t *testing.T, a *app.App, in app.StaffInput) {
	t.Helper()
	in.Password = pw
	if _, _, err := a.CreateStaff(context.Background(), app.System, in); err != nil {
		t.Fatal(err, kaowu.ErrorFields(err))
	}
}

// TestReviewWalk: the region lists confirmed applications, filters them,
// is refused a rejection without a clause, approves two at once; the
// candidate is told to pay; a candidate cannot reach the page.
func TestReviewWalk(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		ctx := context.Background()
		unit := kaowu.Unit{Name: "丰台审核医院", District: "丰台区", Category: "direct_hospital", CreatedAt: inWindow}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.CreateUnit(ctx, &unit) }); err != nil {
			t.Fatal(err)
		}
		a1 := confirmedCandidate(t, a, "nurse-a", "甲护士", 41, unit.ID)
		a2 := confirmedCandidate(t, a, "nurse-b", "乙护士", 42, unit.ID)
		createStaff(t, a, app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "region1", Name: "考区"})
		region := login(t, ts.URL, "region1")

		status, body, _ := region.get("/me")
		region.expect(status, body, `href="/review"`)
		status, body, _ = region.get("/review")
		if status != http.StatusOK {
			t.Fatalf("review = %d\n%s", status, excerpt(body))
		}
		region.expect(status, body, "甲护士", "乙护士", "丰台审核医院", "368", "110106********")
		status, body, _ = region.get("/review?outcome=review")
		region.expect(status, body, "没有符合条件的待审核报名")
		if strings.Contains(body, "甲护士") {
			t.Error("the review filter did not filter")
		}

		status, body, _ = region.post("/review/decide", url.Values{"ids": {a1.ID}, "decision": {"reject"}, "reason": {"证书不全"}})
		if status != http.StatusUnprocessableEntity {
			t.Errorf("reject without a clause = %d", status)
		}
		region.expect(status, body, "审核不通过须注明所依据的通知条款", "甲护士")

		status, body, _ = region.post("/review/decide", url.Values{"ids": {a1.ID, a2.ID}, "decision": {"approve"}})
		if status != http.StatusOK {
			t.Fatalf("bulk approve = %d\n%s", status, excerpt(body))
		}
		region.expect(status, body, "共 2 条，已处理 2 条", "没有符合条件的待审核报名")
		for _, id := range []string{a1.ID, a2.ID} {
			if got, _ := s.Application(ctx, id); got.State != kaowu.StateApproved {
				t.Errorf("%s is %s", id, got.State)
			}
		}
		cand := login(t, ts.URL, "nurse-a")
		status, body, _ = cand.get("/me/inbox")
		cand.expect(status, body, "资格审核已通过", "200.00元")
		if status, _, _ := cand.get("/review"); status != http.StatusForbidden {
			t.Errorf("candidate /review = %d", status)
		}
	})
}

func uploadRoster(b *browser, filename string, data []byte) (int, string, *http.Response) {
	b.t.Helper()
	return b.uploadFile("/military/import", "roster", filename, data, nil)
}

// TestMilitaryWalk: a military unit uploads a bad roster (row-by-row
// report), then the example roster; another unit does not see it; the
// site records the handover only on its days and for the right fee.
func TestMilitaryWalk(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		createStaff(t, a, app.StaffInput{Role: kaowu.RoleMilitaryUnit, Username: "mil1", Name: "某部队医院", MilitaryUnit: "某部队医院"})
		createStaff(t, a, app.StaffInput{Role: kaowu.RoleMilitaryUnit, Username: "mil2", Name: "另一部队", MilitaryUnit: "另一部队"})
		createStaff(t, a, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "ftsite", Name: "丰台考点", Site: "fengtai"})
		example, err := os.ReadFile("../../docs/examples/military-roster.csv")
		if err != nil {
			t.Fatal(err)
		}
		mil := login(t, ts.URL, "mil1")
		status, body, _ := mil.get("/military")
		mil.expect(status, body, "某部队医院", "尚未报送名单", "2024年1月4日")

		lines := strings.Split(strings.TrimSpace(string(example)), "\n")
		dup := strings.Join([]string{lines[0], lines[1], lines[1], lines[2]}, "\n") + "\n"
		status, body, _ = uploadRoster(mil, "dup.csv", []byte(dup))
		if status != http.StatusUnprocessableEntity {
			t.Errorf("duplicate roster = %d", status)
		}
		mil.expect(status, body, "整个文件未导入", "第3行", "与第2行重复")

		status, body, resp := uploadRoster(mil, "military-roster.csv", example)
		if status != http.StatusOK || resp.Request.URL.RawQuery != "imported=3" {
			t.Fatalf("example roster = %d %s\n%s", status, resp.Request.URL, excerpt(body))
		}
		mil.expect(status, body, "名单已导入：3 名考生", "李军护", "王卫", "赵医", "600.00 元")

		other := login(t, ts.URL, "mil2")
		status, body, _ = other.get("/military")
		other.expect(status, body, "另一部队", "尚未报送名单")
		if strings.Contains(body, "李军护") {
			t.Error("another military unit sees the roster")
		}

		site := login(t, ts.URL, "ftsite")
		status, body, _ = site.get("/staff/military?unit=" + url.QueryEscape("某部队医院"))
		site.expect(status, body, "李军护", "应收考试费", "600.00 元")
		form := url.Values{"military_unit": {"某部队医院"}, "letter_no": {"军介〔2024〕7号"}, "operator": {"张干事"}, "fee": {"600"}}
		status, body, _ = site.post("/staff/military/handover", form)
		if status != http.StatusForbidden {
			t.Errorf("handover before its days = %d", status)
		}
		site.expect(status, body, "二（三）2")

		a.Clock.(*kaowu.ManualClock).Set(time.Date(2024, 1, 5, 15, 0, 0, 0, kaowu.Shanghai))
		site, mil = login(t, ts.URL, "ftsite"), login(t, ts.URL, "mil1") // a month later: new sessions
		form.Set("fee", "500.00")
		status, body, _ = site.post("/staff/military/handover", form)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("wrong fee = %d", status)
		}
		site.expect(status, body, "应收考试费 600.00 元")
		form.Set("fee", "600.00")
		status, body, _ = site.post("/staff/military/handover", form)
		if status != http.StatusOK {
			t.Fatalf("handover = %d\n%s", status, excerpt(body))
		}
		site.expect(status, body, "已办理交接", "600.00")
		status, body, _ = mil.get("/military")
		mil.expect(status, body, "已缴费", "张干事")
	})
}
