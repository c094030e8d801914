package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// clauseLink is the link to a clause of the 2024 notice, as the pages
// write it.
func clauseLink(id string) string { return "/notice/2024#" + url.PathEscape(id) }

// TestNoticeJourney (issue 13): a visitor checks a nurse's eligibility
// without a nurse's licence, is refused with the clause that refuses, and
// follows the clause's link to its text in the notice.
func TestNoticeJourney(t *testing.T) {
	st := newSite(t)
	b := newBrowser(t, st.URL, "notice")

	b.open("/eligibility")
	b.expect("eligibility", "报考资格自测（2024年度）", "本页不保存任何信息")
	b.fill(map[string]string{"specialty": "368", "unit_category": "direct_hospital",
		"education[0].level": "bachelor", "education[0].major": "护理学", "education[0].school": "首都医科大学", "education[0].graduated_on": "2015-07-01",
		"edu_relevant": "yes", "edu_recognised": "yes", "title_relevant": "yes",
		"titles[0].level": "junior", "titles[0].specialty": "护理学", "titles[0].obtained_on": "2019-05-20",
		"work.post": "护理", "work.practice_registered_on": "2015-10-01", "work.specialty_started_on": "2015-10-01"})
	b.check("education[0].full_time")
	b.check("education[0].medical")
	b.submit(`form.form:not(.card) button[type="submit"]`)
	b.expect("refused", "✗ 暂不符合报考条件：368 护理学（中级）", "原因和依据", "依据 一（七）", "没有护士执业证书，不能报考368护理学（中级）")
	if p := b.path(); p != "/eligibility#result" {
		t.Errorf("the decision is at %s, want /eligibility#result", p)
	}
	const clause = "一（七）"
	sel := `#result a.clause[href="` + clauseLink(clause) + `"]`
	b.submit(sel)

	if p := b.path(); p != "/notice/2024#"+clause {
		t.Fatalf("the clause link leads to %s, want /notice/2024#%s", p, clause)
	}
	// The browser scrolls the clause to the top of the screen.
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const e = document.getElementById("`+clause+`");
  if (!e) return false; const r = e.getBoundingClientRect(); return window.scrollY > 0 && r.top >= -1 && r.top < innerHeight / 2; })()`)); err != nil {
		b.fail("clause %s is not scrolled into view: %v", clause, err)
	}
	viewport, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	b.saveShot("clause-in-view", viewport)
	text, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(`li[id="`+clause+`"]`)))
	if err != nil {
		b.fail("clause %s: %v", clause, err)
	}
	for _, w := range []string{"执业医师资格和护士执业资格要求", "应具有护士执业资格", "没有护士执业证书，不能报考368护理学（中级）"} {
		if !strings.Contains(text, w) {
			t.Errorf("clause %s does not show %q:\n%s", clause, w, text)
		}
	}

	// The notice from its top.
	b.open("/notice/2024")
	b.expect("notice", "已实现", "一（七）", "本系统如何执行")
	if y, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`window.scrollY`)); err != nil || y != 0 {
		t.Errorf("/notice/2024 opens scrolled to %v (%v), want its top", y, err)
	}
}
