package server

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// purgedFixture is the access fixture (candidate A with a photo, WeChat, a
// submitted application with a seat, a ticket and a stored ticket build)
// after 2024's retention has ended and the purge has run.
func purgedFixture(t *testing.T, st *store.Store) *accessFixture {
	t.Helper()
	_, fx := newAccessFixture(t, st)
	clock := fx.app.Clock.(*kaowu.ManualClock)
	clock.Set(time.Date(2027, 1, 1, 0, 0, 0, 0, kaowu.Shanghai))
	rep, err := fx.app.PurgePersonalData(context.Background(), clock.Now())
	if err != nil || rep.Accounts.Photos != 1 || rep.Applications.Photos != 1 || rep.TicketFiles != 1 {
		t.Fatalf("purge: %+v %v", rep, err)
	}
	// The sessions of 2023 have long expired: log in again.
	for name, c := range fx.clients {
		c = newAccessClient(t, fx.anon.base)
		if status, body, _ := c.do(http.MethodPost, "/login", url.Values{"login": {name}, "password": {accessPW}}); status != http.StatusSeeOther {
			t.Fatalf("login %s in 2027: %d\n%s", name, status, excerptOf(body))
		}
		fx.clients[name] = c
	}
	return fx
}

// TestPurgedPhotoPages: every page and PDF that shows a photo still
// works once the photo was purged, and says so instead of "not uploaded".
func TestPurgedPhotoPages(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, st *store.Store) {
		fx := purgedFixture(t, st)
		const note = "照片已按保存期限删除"
		owner, site := fx.clients["owner"], fx.clients["site"]
		ctx := context.Background()
		seat, err := st.TicketPrints(ctx, store.TicketFilter{Year: 2024, Site: "fengtai", ApplicationID: fx.applicationID})
		if err != nil || len(seat) != 1 || !seat[0].PhotoPurged {
			t.Fatalf("ticket print %+v %v", seat, err)
		}
		for _, c := range []struct {
			who    *accessClient
			path   string
			status int
			want   []string // in the page, or in the PDF's text
			pdf    bool
		}{
			{owner, "/me/profile", 200, []string{note, "再次报考时请重新上传"}, false},
			{owner, "/me", 200, []string{note}, false},
			{site, "/candidates/" + fx.ownerID + "/photo", 404, []string{note}, false},
			{site, "/staff/confirm/applications/" + fx.applicationID, 200, []string{note}, false},
			{site, "/staff/tickets/builds/" + fx.buildID + "/tickets.zip", 404, []string{"按个人信息保存期限删除"}, false},
			{site, "/applications/" + fx.applicationID + "/versions/1/form.pdf", 200, []string{note}, true},
			{owner, "/applications/" + fx.applicationID + "/versions/1/form.pdf", 200, []string{note}, true},
			{site, "/staff/applications/" + fx.applicationID + "/ticket.pdf", 200, []string{note}, true},
			{site, "/staff/door-list.pdf?room=" + seat[0].Room.ID + "&day=" + seat[0].Seat.Day.String(), 200, []string{"照片已按保存", "限删除"}, true},
		} {
			status, body, resp := c.who.do(http.MethodGet, c.path, nil)
			if status != c.status {
				t.Errorf("GET %s = %d, want %d\n%s", c.path, status, c.status, excerptOf(body))
				continue
			}
			if c.pdf {
				if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" {
					t.Errorf("GET %s: %s", c.path, ct)
					continue
				}
				text, ok := pdfTextOf(t, []byte(body))
				if !ok {
					t.Log("pdftotext (Debian poppler-utils) not installed: PDF text not checked")
					continue
				}
				body = text
				if strings.Contains(body, "13912345678") {
					t.Errorf("GET %s: the purged mobile number is printed", c.path)
				}
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s lacks %q\n%s", c.path, w, excerptOf(body))
				}
			}
		}
	})
}

// pdfTextOf returns a PDF's text layer, or false when pdftotext is missing.
func pdfTextOf(t *testing.T, b []byte) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		return "", false
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out), true
}

// TestMeExport: GET /me/export gives the logged-in candidate a ZIP of
// their own data (person.json and their photo), and only theirs.
func TestMeExport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, st *store.Store) {
		_, fx := newAccessFixture(t, st)
		if _, body, _ := fx.clients["owner"].do(http.MethodGet, "/me", nil); !strings.Contains(body, `href="/me/export"`) || !strings.Contains(body, "下载我的个人信息") {
			t.Error("the account page has no link to download one's data")
		}
		for name, wantID := range map[string]string{"owner": fx.ownerID, "other": ""} {
			status, body, resp := fx.clients[name].do(http.MethodGet, "/me/export", nil)
			if status != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" ||
				!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") || resp.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("%s: GET /me/export = %d %v\n%s", name, status, resp.Header, excerptOf(body))
			}
			z, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{}
			for _, f := range z.File {
				r, _ := f.Open()
				b, _ := io.ReadAll(r)
				r.Close()
				files[f.Name] = string(b)
			}
			var doc struct {
				Account struct {
					ID       string `json:"id"`
					Username string `json:"username"`
					IDNumber string `json:"id_number"`
				} `json:"account"`
				Applications []struct {
					ID string `json:"id"`
				} `json:"applications"`
			}
			if err := json.Unmarshal([]byte(files["person.json"]), &doc); err != nil {
				t.Fatalf("%s: person.json: %v", name, err)
			}
			if doc.Account.Username != name || (wantID != "" && doc.Account.ID != wantID) {
				t.Errorf("%s got the export of %+v", name, doc.Account)
			}
			switch name {
			case "owner":
				if doc.Account.IDNumber != fx.ownerIDNumber || len(doc.Applications) != 1 || doc.Applications[0].ID != fx.applicationID || files["photo.jpg"] == "" {
					t.Errorf("owner's export: %+v, files %d", doc, len(files))
				}
			case "other":
				if strings.Contains(files["person.json"], fx.ownerID) || strings.Contains(files["person.json"], fx.applicationID) || len(doc.Applications) != 0 {
					t.Error("another candidate's export holds the owner's data")
				}
			}
		}
	})
}
