package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// nurseForm is a bachelor nurse with a junior title from 2019, working at
// a Fengtai hospital, asking for 368 at the Fengtai site.
func nurseForm() url.Values {
	return url.Values{
		"specialty": {"368"}, "site": {"fengtai"}, "id_type": {"resident_id"},
		"unit_district": {"丰台区"}, "unit_category": {"direct_hospital"},
		"education[0].level": {"bachelor"}, "education[0].major": {"护理学"}, "education[0].school": {"首都医科大学"}, "education[0].graduated_on": {"2015-07-01"},
		"education[0].full_time": {"on"}, "education[0].medical": {"on"},
		"edu_relevant": {"yes"}, "edu_recognised": {"yes"}, "title_relevant": {"yes"},
		"titles[0].level": {"junior"}, "titles[0].specialty": {"护理学"}, "titles[0].obtained_on": {"2019-05-20"},
		"licences[0].kind": {"nurse"}, "licences[0].obtained_on": {"2015-09-01"},
		"work.post": {"护理"}, "work.practice_registered_on": {"2015-10-01"}, "work.specialty_started_on": {"2015-10-01"},
	}
}

func TestEligibilityPage(t *testing.T) {
	ts, _ := newServer(t, storetest.SQLite(t), inWindow)
	b := newBrowser(t, ts.URL)
	status, body, _ := b.get("/eligibility")
	b.expect(status, body, "报考资格自测（2024年度）", "368 护理学（中级）", "本页不保存任何信息")

	for _, c := range []struct {
		name   string
		change func(url.Values)
		status int
		want   []string
	}{
		{"eligible", func(url.Values) {}, 200, []string{"✓ 可以报考：368 护理学（中级）", "现场确认须携带的材料", "护士执业证书", "基础知识"}},
		{"wrong district", func(v url.Values) { v.Set("unit_district", "朝阳区") }, 200, []string{"✗ 暂不符合报考条件", `href="/notice/2024#%E4%BA%8C%EF%BC%88%E4%B8%80%EF%BC%89"`, "要按工作单位所在区选择考点"}},
		{"too few years", func(v url.Values) { v.Set("titles[0].obtained_on", "2020-01-01") }, 200, []string{"✗ 暂不符合报考条件", "最早可以报考 2025 年度"}},
		{"relevance unknown", func(v url.Values) { v.Del("edu_relevant") }, 200, []string{"? 需要考点审核"}},
		{"trace", func(v url.Values) { v.Set("trace", "on") }, 200, []string{"判断过程", "<code>licence</code>"}},
		{"bad date kept", func(v url.Values) { v.Set("education[0].graduated_on", "2015-02-30"); v.Del("specialty") }, 422, []string{"请选择报考专业", `value="2015-02-30"`, `value="护理学"`}},
	} {
		v := nurseForm()
		c.change(v)
		status, body, _ := b.post("/eligibility", v)
		if status != c.status {
			t.Errorf("%s: status %d, want %d", c.name, status, c.status)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q\n%s", c.name, w, excerpt(body))
			}
		}
	}
}

func TestEligibilityFromMyProfile(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, _ := newServer(t, s, inWindow)
		unit := kaowu.Unit{Name: "丰台自测医院", District: "丰台区", Category: "direct_hospital"}
		if err := s.Update(context.Background(), func(tx *store.Tx) error { return tx.CreateUnit(context.Background(), &unit) }); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, ts.URL)
		if status, body, _ := b.post("/register", registerForm("selfcheck", 7)); status >= 400 {
			t.Fatalf("register: %d %s", status, excerpt(body))
		}
		b = login(t, ts.URL, "selfcheck")
		profile := nurseForm()
		profile.Set("work.unit_id", unit.ID)
		if status, body, _ := b.post("/me/profile", profile); status >= 400 {
			t.Fatalf("profile: %d %s", status, excerpt(body))
		}
		status, body, _ := b.get("/eligibility")
		b.expect(status, body, "用我的基本信息判断")
		status, body, _ = b.post("/eligibility", url.Values{"source": {"profile"}, "specialty": {"368"}, "site": {"fengtai"},
			"edu_relevant": {"yes"}, "edu_recognised": {"yes"}, "title_relevant": {"yes"}})
		b.expect(status, body, "✓ 可以报考：368 护理学（中级）")
		status, body, _ = b.post("/eligibility", url.Values{"source": {"profile"}, "specialty": {"368"}, "site": {"chaoyang"},
			"edu_relevant": {"yes"}, "edu_recognised": {"yes"}, "title_relevant": {"yes"}})
		b.expect(status, body, "✗ 暂不符合报考条件")
	})
}
