package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/server"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

var inWindow = time.Date(2023, 12, 5, 10, 0, 0, 0, kaowu.Shanghai)

// newServer returns a test server over a bootstrapped store with the clock
// at now.
func newServer(t *testing.T, s *store.Store, now time.Time) (*httptest.Server, *app.App) {
	t.Helper()
	a := app.New(s, kaowu.NewManualClock(now), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(a, a.Log, "演示模式")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, a
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, _ := newServer(t, s, inWindow)
		for _, c := range []struct {
			path   string
			status int
			want   []string
			not    []string
		}{
			{"/", 200, []string{"现在可以办理", "网上报名", "还剩 10 天", "2023年12月14日 24:00", "▶ 现在 2023年12月5日 10:00", "演示模式", "直属医院、直属社区卫生中心、第五医学中心", "50.00 元/科次", "4月13日、4月14日、4月20日、4月21日", "4月14日 14:00—16:00", "16:15—17:45"}, []string{"下午13:30—16:30"}},
			{"/catalog", 200, []string{"共找到 119 个专业", "初级（士）", "中级"}, nil},
			{"/catalog?q=368", 200, []string{"共找到 1 个专业", "护理学", "须护士执业证书"}, nil},
			{"/catalog?q=结核", 200, []string{"结核病学", "2024年起取消", "已并入 312 传染病学", "一（十）"}, nil},
			{"/catalog?q=不存在的专业", 200, []string{"没有找到匹配的专业"}, nil},
			{"/catalog?q=<script>", 200, []string{"&lt;script&gt;"}, []string{"<script>"}},
			{"/nope", 404, []string{"您访问的页面不存在", "请求编号"}, nil},
			{"/healthz", 200, []string{"ok"}, nil},
			{"/static/style.css", 200, []string{".timeline"}, nil},
		} {
			status, body := get(t, ts.URL+c.path)
			if status != c.status {
				t.Errorf("GET %s = %d, want %d", c.path, status, c.status)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: body lacks %q", c.path, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(body, w) {
					t.Errorf("GET %s: body contains %q", c.path, w)
				}
			}
		}
	})
}

func TestHomeFollowsTheClock(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		want []string
	}{
		{time.Date(2023, 11, 30, 9, 0, 0, 0, kaowu.Shanghai), []string{"当前没有正在进行的报名环节", "下一环节：<strong>网上报名</strong>", "1 天后开始"}},
		{time.Date(2023, 12, 14, 20, 0, 0, 0, kaowu.Shanghai), []string{"今天 24:00 截止"}},
		{time.Date(2023, 12, 12, 10, 0, 0, 0, kaowu.Shanghai), []string{`<tr class="today"><th scope="row">2023年12月12日</th>`}},
		{time.Date(2024, 2, 1, 12, 0, 0, 0, kaowu.Shanghai), []string{"网上缴费", "截止 2024年2月8日 24:00"}},
	} {
		ts, _ := newServer(t, storetest.SQLite(t), c.now)
		_, body := get(t, ts.URL+"/")
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("at %s: home lacks %q", c.now, w)
			}
		}
	}
}

func TestAPICatalog(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, s *store.Store) {
		ts, _ := newServer(t, s, inWindow)
		status, body := get(t, ts.URL+"/api/v1/years/2024/catalog")
		if status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
		var resp struct {
			Active, Removed int
			Specialties     []kaowu.Specialty
		}
		if err := json.Unmarshal([]byte(body), &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.Specialties) != 119 || resp.Active != 113 || resp.Removed != 6 {
			t.Errorf("got %d rows, %d active, %d removed; want 119, 113, 6", len(resp.Specialties), resp.Active, resp.Removed)
		}
		for _, sp := range resp.Specialties {
			n := sp.Number()
			want := kaowu.LicenceNone
			switch {
			case n >= 301 && n <= 365 || n == 392:
				want = kaowu.LicencePhysician
			case n == 203 || n >= 368 && n <= 373:
				want = kaowu.LicenceNurse
			}
			if sp.Licence != want {
				t.Errorf("%s %s: licence %s, want %s", sp.Code, sp.Name, sp.Licence, want)
			}
			if !sp.Active() && len(sp.MergedInto) == 0 {
				t.Errorf("%s removed without merge target", sp.Code)
			}
		}
	})
}

// TestAPICatalogCaching: the catalogue is sent gzipped to clients that
// accept it, with an ETag that a conditional request answers with 304.
func TestAPICatalogCaching(t *testing.T) {
	ts, _ := newServer(t, storetest.SQLite(t), inWindow)
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/years/2024/catalog", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || etag == "" {
		t.Fatalf("first answer %d, encoding %q, etag %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), etag)
	}
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional request = %d, want 304", resp.StatusCode)
	}
}

func TestAPIErrors(t *testing.T) {
	ts, _ := newServer(t, storetest.SQLite(t), inWindow)
	for _, c := range []struct {
		path   string
		status int
		code   string
	}{
		{"/api/v1/years/abc/catalog", 422, "invalid"},
		{"/api/v1/years/1999/catalog", 404, "not_found"},
		{"/api/v1/nothing", 404, "not_found"},
	} {
		status, body := get(t, ts.URL+c.path)
		var e struct {
			Error struct {
				Code, Message, RequestID string
				Fields                   map[string]string
			}
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%s: not JSON: %s", c.path, body)
		}
		if status != c.status || e.Error.Code != c.code || e.Error.Message == "" || e.Error.Fields == nil {
			t.Errorf("GET %s = %d %+v, want %d %s with a message and fields", c.path, status, e.Error, c.status, c.code)
		}
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	ts, _ := newServer(t, storetest.SQLite(t), inWindow)
	req, _ := http.NewRequest("POST", ts.URL+"/catalog", strings.NewReader("q=1"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST = %d, want 403", resp.StatusCode)
	}
}

func TestHealthzReportsDatabaseDown(t *testing.T) {
	s := storetest.SQLite(t)
	ts, _ := newServer(t, s, inWindow)
	s.Close()
	if status, _ := get(t, ts.URL+"/healthz"); status != http.StatusServiceUnavailable {
		t.Errorf("healthz with a closed database = %d, want 503", status)
	}
}

func TestMetrics(t *testing.T) {
	ts, _ := newServer(t, storetest.SQLite(t), inWindow)
	get(t, ts.URL+"/catalog")
	_, body := get(t, ts.URL+"/metrics")
	for _, w := range []string{`kaowu_http_requests_total{code="200",method="GET",route="GET /catalog"} 1`, `go_sql_open_connections{db_name="sqlite_writer"}`, "kaowu_http_request_duration_seconds_bucket"} {
		if !strings.Contains(body, w) {
			t.Errorf("metrics lack %q", w)
		}
	}
}
