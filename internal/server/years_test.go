package server_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
	"kaowu/policy"
)

// draft2025 is next year's draft as `kaowu policy draft` makes it, with
// three deliberate changes: the fee, the payment window's end and a
// specialty's name.
func draft2025(t *testing.T) []byte {
	t.Helper()
	y, err := policy.Load(policy.Embedded()[2024])
	if err != nil {
		t.Fatal(err)
	}
	d, err := y.Draft(2025)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, r := range [][2]string{
		{"per_subject_fen: 5000", "per_subject_fen: 6000"},
		{"end: 2025-02-09T00:00:00+08:00", "end: 2025-02-12T00:00:00+08:00"},
		{"name: 传染病学", "name: 传染病学（含结核病）"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("draft lacks %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return []byte(s)
}

// TestYearDraftReview: the region office uploads next year's draft, sees
// exactly its three changes and nothing stored yet, loads it, and then
// compares the two stored years; a broken draft is refused with the
// field's message; a site office cannot reach the page.
func TestYearDraftReview(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, a := newServer(t, s, inWindow)
		createStaff(t, a, app.StaffInput{Role: kaowu.RoleRegionStaff, Username: "region-years", Name: "考区"})
		createStaff(t, a, app.StaffInput{Role: kaowu.RoleSiteStaff, Username: "site-years", Name: "考点", Site: "fengtai"})
		region := login(t, ts.URL, "region-years")

		doc := draft2025(t)
		status, body, _ := region.uploadFile("/review/years/preview", "file", "2025.yaml", doc, nil)
		region.expect(status, body, "2025年度相对2024年度的变化", "共 3 处变化。",
			"报名费（三）（1 处）", "日程安排（1 处）", "专业目录（附件2）（1 处）",
			"传染病学（含结核病）", "载入2025年度数据")
		if ys, _ := a.Years(t.Context()); len(ys) != 1 {
			t.Fatalf("preview stored a year: %v", ys)
		}

		broken := strings.Replace(string(doc), "per_subject_fen: 6000", "per_subject_fen: -1", 1)
		status, body, _ = region.uploadFile("/review/years/preview", "file", "2025.yaml", []byte(broken), nil)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("broken draft = %d, want 422", status)
		}
		region.expect(status, body, "per_subject_fen")

		status, body, _ = region.post("/review/years/load", url.Values{"doc": {string(doc)}})
		region.expect(status, body, "2025年度数据已载入", "与2024年度比较")
		status, body, _ = region.get("/review/years/diff?from=2024&to=2025")
		region.expect(status, body, "共 3 处变化。")
		if strings.Contains(body, "载入2025年度数据") {
			t.Error("comparing stored years offers to load")
		}
		if !strings.Contains(html.UnescapeString(body), "calendar[payment].end") {
			t.Errorf("diff lacks the payment window's end:\n%s", excerpt(body))
		}

		site := login(t, ts.URL, "site-years")
		if status, _, _ := site.get("/review/years"); status != http.StatusForbidden {
			t.Errorf("site office on the years page = %d, want 403", status)
		}
	})
}
