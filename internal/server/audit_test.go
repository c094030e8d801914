package server

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/store/storetest"
	"kaowu/internal/tabular"
)

// TestAuditPage walks the audit search as the offices see it: candidate A's
// trail with the full ID number in the header and masked entries, the link
// to a candidate's whole trail, another site's office asking for A (which
// reads exactly like asking for nobody), a refused date, and the export.
func TestAuditPage(t *testing.T) {
	st := storetest.SQLite(t)
	_, fx := newAccessFixture(t, st)
	if _, err := fx.app.SealAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
	masked := kaowu.MaskID(fx.ownerIDNumber)

	status, body, _ := fx.clients["site"].do(http.MethodGet, "/staff/audit?candidate="+fx.ownerIDNumber, nil)
	if status != http.StatusOK {
		t.Fatalf("site office: %d\n%s", status, excerptOf(body))
	}
	for _, want := range []string{"考生：王owner", fx.ownerIDNumber, "注册账号", "提交报名", "已加封 第", "该考生的全部记录", "导出 Excel"} {
		if !strings.Contains(body, want) {
			t.Errorf("A's trail lacks %q", want)
		}
	}
	// The full number appears once: in the header, never in an entry.
	if n := strings.Count(body, fx.ownerIDNumber); n != 1 {
		t.Errorf("the full ID number appears %d times", n)
	}
	// Links carry the username, not the ID number typed.
	if strings.Contains(body, "candidate="+fx.ownerIDNumber) || !strings.Contains(body, "candidate=owner") {
		t.Error("the page's links carry the ID number typed")
	}

	// From the whole log, the link to A's trail.
	_, body, _ = fx.clients["region"].do(http.MethodGet, "/staff/audit?action=profile.save", nil)
	if !strings.Contains(body, `href="/staff/audit?cid=`+fx.ownerID+`"`) || strings.Contains(body, fx.ownerIDNumber) {
		t.Errorf("the region's list lacks the link to A's trail, or shows a full ID number\n%s", excerptOf(body))
	}
	_, trail, _ := fx.clients["region"].do(http.MethodGet, "/staff/audit?cid="+fx.ownerID, nil)
	if !strings.Contains(trail, "考生：王owner") || !strings.Contains(trail, fx.ownerIDNumber) || !strings.Contains(trail, masked) {
		t.Errorf("A's trail by id\n%s", excerptOf(trail))
	}

	// The Chaoyang office: A is not theirs, and that looks like nobody.
	for _, q := range [][2]string{{"cid=" + fx.ownerID, "cid=" + missingID}, {"candidate=owner", "candidate=nobody"}} {
		s1, b1, _ := fx.clients["site-other"].do(http.MethodGet, "/staff/audit?"+q[0], nil)
		s2, b2, _ := fx.clients["site-other"].do(http.MethodGet, "/staff/audit?"+q[1], nil)
		// What was typed shows in the form and the links: set it aside.
		norm := func(b, q string) string {
			_, v, _ := strings.Cut(q, "=")
			return strings.ReplaceAll(normalizeBody(b), v, "Q")
		}
		if s1 != http.StatusOK || s1 != s2 || norm(b1, q[0]) != norm(b2, q[1]) {
			t.Errorf("site-other tells A (%s) from nobody (%s): %d %d\n%s", q[0], q[1], s1, s2, excerptOf(b1))
		}
		if strings.Contains(b1, "王owner") {
			t.Errorf("site-other sees A's name with %s", q[0])
		}
	}

	// A bad date is refused on the page, with the field named.
	status, body, _ = fx.clients["site"].do(http.MethodGet, "/staff/audit?from=2023-13-01", nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "日期应为") {
		t.Errorf("bad date: %d\n%s", status, excerptOf(body))
	}

	// The export: an .xlsx of the same entries, ID numbers masked.
	resp, err := fx.clients["site"].c.Get(fx.clients["site"].base + "/staff/audit.xlsx?candidate=owner")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.Contains(ct, "spreadsheetml") {
		t.Fatalf("export: %d %s", resp.StatusCode, ct)
	}
	rows, err := tabular.Read("audit.xlsx", &b)
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, r := range rows {
		all += strings.Join(r, "|")
	}
	if len(rows) < 4 || strings.Contains(all, fx.ownerIDNumber) || !strings.Contains(all, "注册账号") {
		t.Errorf("export: %d rows\n%s", len(rows), all)
	}
}
