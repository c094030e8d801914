package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kaowu/internal/store/storetest"
)

func TestNoticePage(t *testing.T) {
	ts, _ := newServer(t, storetest.SQLite(t), inWindow)
	status, body := get(t, ts.URL+"/notice/2024")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	for _, w := range []string{
		`id="一（七）"`, "凡报考《卫生专业技术资格考试专业目录》中专业代码为301至365以及392专业的人员",
		"资格审查规则 licence", "个测试用例", "通俗解释：", "没有护士执业证书，不能报考368护理学（中级）",
		"为何仅供了解：", "资格证书由北京市人力资源和社会保障局发放",
		"2023年12月11日：直属医院、直属社区卫生中心、第五医学中心",
		"尚未实现", "仅有数据",
	} {
		if !strings.Contains(body, w) {
			t.Errorf("notice page lacks %q", w)
		}
	}
	if status, _ := get(t, ts.URL+"/notice/1999"); status != 404 {
		t.Errorf("/notice/1999 = %d, want 404", status)
	}
	// /notice goes to the current year.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(ts.URL + "/notice")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/notice/2024" {
		t.Errorf("/notice = %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestClauseLinksResolve: every clause link on the home and catalogue pages
// points at a clause the notice page has.
func TestClauseLinksResolve(t *testing.T) {
	ts, _ := newServer(t, storetest.SQLite(t), inWindow)
	_, notice := get(t, ts.URL+"/notice/2024")
	for _, page := range []string{"/", "/catalog?q=结核"} {
		_, body := get(t, ts.URL+page)
		n := 0
		for _, part := range strings.Split(body, `href="/notice/2024#`)[1:] {
			frag, _, _ := strings.Cut(part, `"`)
			id, err := url.PathUnescape(frag)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(notice, `id="`+id+`"`) {
				t.Errorf("%s links to clause %s, which the notice page lacks", page, id)
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s has no clause links", page)
		}
	}
}
