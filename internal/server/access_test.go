package server

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/store/storetest"
)

// The access matrix (issue 6): every route registered on the mux has an
// entry saying who may call it, and the test checks the server against it.

// rule says who may call a route: anyone, or the roles requireRole lets
// through. Whose data a route with {id} reaches is in ownedRoutes.
type rule struct {
	public bool
	roles  []kaowu.Role
}

var (
	roleCand   = kaowu.RoleCandidate
	roleHR     = kaowu.RoleUnitHR
	roleSite   = kaowu.RoleSiteStaff
	roleRegion = kaowu.RoleRegionStaff
	roleMil    = kaowu.RoleMilitaryUnit
	roleAdmin  = kaowu.RoleAdmin

	anyone    = rule{public: true}
	loggedIn  = rule{roles: []kaowu.Role{roleCand, roleHR, roleSite, roleRegion, roleMil, roleAdmin}}
	candOnly  = rule{roles: []kaowu.Role{roleCand}}
	decideRls = rule{roles: []kaowu.Role{roleSite, roleRegion, roleAdmin}}
	officeRls = rule{roles: []kaowu.Role{roleSite, roleAdmin}}
	listRls   = rule{roles: []kaowu.Role{roleHR, roleSite, roleRegion, roleAdmin}}
)

// accessMatrix is the matrix: one entry per registered pattern. A new
// route fails TestAccessMatrix until it is added here.
var accessMatrix = map[string]rule{
	// Probes, static files, public information.
	"GET /static/":                     anyone,
	"GET /healthz":                     anyone,
	"GET /metrics":                     anyone,
	"GET /{$}":                         anyone,
	"GET /catalog":                     anyone,
	"GET /api/v1/years/{year}/catalog": anyone,
	"POST /api/v1/eligibility/check":   anyone,
	"GET /eligibility":                 anyone,
	"POST /eligibility":                anyone,
	"GET /notice":                      anyone,
	"GET /notice/{year}":               anyone,
	"/api/":                            anyone, // 404 for unknown API paths
	"/":                                anyone, // 404 page

	// Accounts: registration, login, recovery, the local WeChat provider.
	"GET /register":                anyone,
	"POST /register":               anyone,
	"GET /login":                   anyone,
	"POST /login":                  anyone,
	"POST /logout":                 anyone,
	"GET /recover":                 anyone,
	"POST /recover":                anyone,
	"GET /recover/code":            anyone,
	"POST /recover/code":           anyone,
	"POST /api/v1/accounts":        anyone,
	"GET /wechat/local/authorize":  anyone,
	"POST /wechat/local/authorize": anyone,
	"GET /wechat/local/confirm":    anyone,
	"POST /wechat/local/confirm":   anyone,

	// Any account, its own data.
	"GET /me":             loggedIn,
	"POST /me/logout-all": loggedIn,
	"GET /me/account":     loggedIn,
	"POST /me/password":   loggedIn,
	"POST /me/mobile":     loggedIn,
	"GET /api/v1/me":      loggedIn,
	"GET /me/inbox":       loggedIn,
	"POST /me/inbox/read": loggedIn,

	// Candidates, their own data (the id is the session's).
	"GET /me/profile":             candOnly,
	"POST /me/profile":            candOnly,
	"POST /me/photo":              candOnly,
	"GET /me/wechat":              candOnly,
	"POST /me/wechat/bind":        candOnly,
	"GET /wechat/callback":        candOnly,
	"POST /me/wechat/unbind":      candOnly,
	"GET /me/change-request":      candOnly,
	"POST /me/change-request":     candOnly,
	"GET /me/export":              candOnly,
	"GET /apply":                  candOnly,
	"POST /apply/start":           candOnly,
	"GET /apply/site":             candOnly,
	"POST /apply/site":            candOnly,
	"GET /apply/specialty":        candOnly,
	"POST /apply/specialty":       candOnly,
	"GET /apply/info":             candOnly,
	"POST /apply/info":            candOnly,
	"GET /apply/check":            candOnly,
	"GET /apply/photo":            candOnly,
	"POST /apply/submit":          candOnly,
	"GET /application":            candOnly,
	"POST /application/withdraw":  candOnly,
	"GET /application/pledge.pdf": candOnly,

	// Payment (三): the candidate's own order; the provider's notification
	// is public and verified by signature; the offices reconcile.
	"GET /application/payment":        candOnly,
	"POST /application/payment":       candOnly,
	"GET /application/payment/return": candOnly,
	"GET /application/receipt.pdf":    candOnly,
	"POST /payment/notify":            anyone,
	"GET /staff/payments":             decideRls,
	"GET /staff/payments.xlsx":        decideRls,
	"POST /staff/payments/refund":     {roles: []kaowu.Role{roleSite, roleAdmin}},

	// A candidate's data by id (ownedRoutes says whose).
	"GET /candidates/{id}/photo":                   loggedIn,
	"GET /api/v1/candidates/{id}/profile":          loggedIn,
	"GET /applications/{id}/versions/{n}/form.pdf": loggedIn,
	"GET /change-requests/{id}/evidence":           {roles: []kaowu.Role{roleCand, roleSite, roleRegion, roleAdmin}},

	// Staff.
	"GET /unit/pledge.pdf":                    {roles: []kaowu.Role{roleHR}},
	"GET /staff/change-requests":              decideRls,
	"GET /staff/change-requests/{id}":         decideRls,
	"POST /staff/change-requests/{id}/decide": decideRls,
	"GET /staff/verify":                       decideRls,
	"GET /staff/desk":                         {roles: []kaowu.Role{roleSite, roleAdmin}},
	"POST /staff/desk/reset-code":             {roles: []kaowu.Role{roleSite, roleAdmin}},
	"GET /admin/users":                        {roles: []kaowu.Role{roleAdmin}},
	// The confirmation desk (二（二）): site staff and admin.
	"GET /staff/confirm":                   {roles: []kaowu.Role{roleSite, roleAdmin}},
	"GET /staff/confirm/applications/{id}": {roles: []kaowu.Role{roleSite, roleAdmin}},
	"POST /staff/confirm/confirm":          {roles: []kaowu.Role{roleSite, roleAdmin}},
	"POST /staff/confirm/return":           {roles: []kaowu.Role{roleSite, roleAdmin}},
	"GET /staff/confirm/roster":            {roles: []kaowu.Role{roleSite, roleAdmin}},
	"POST /staff/confirm/roster":           {roles: []kaowu.Role{roleSite, roleAdmin}},
	"GET /staff/confirm/exceptions":        {roles: []kaowu.Role{roleSite, roleAdmin}},
	"POST /staff/confirm/exceptions":       {roles: []kaowu.Role{roleSite, roleAdmin}},
	"POST /admin/users":                    {roles: []kaowu.Role{roleAdmin}},
	// Units (二（二）), the unit HR portal, score merges (二（一）); whose data
	// each reaches is checked in internal/app (units_test.go, merges_test.go).
	"GET /staff/units":         {roles: []kaowu.Role{roleSite, roleAdmin}},
	"POST /staff/units/import": {roles: []kaowu.Role{roleSite, roleAdmin}},
	"GET /staff/units/edit":    {roles: []kaowu.Role{roleSite, roleAdmin}},
	"POST /staff/units/edit":   {roles: []kaowu.Role{roleSite, roleAdmin}},
	"GET /unit":                {roles: []kaowu.Role{roleHR}},
	"GET /unit/roster.pdf":     {roles: []kaowu.Role{roleHR}},
	"GET /unit/roster.xlsx":    {roles: []kaowu.Role{roleHR}},
	"GET /staff/merges":        {roles: []kaowu.Role{roleSite}},
	"POST /staff/merges":       {roles: []kaowu.Role{roleSite}},
	// Region review (二（二）) and military registration (二（三）); whose
	// roster a military unit reaches is checked in internal/app
	// (military_test.go).
	"GET /review":                   {roles: []kaowu.Role{roleRegion, roleAdmin}},
	"POST /review/decide":           {roles: []kaowu.Role{roleRegion, roleAdmin}},
	"GET /military":                 {roles: []kaowu.Role{roleMil}},
	"POST /military/import":         {roles: []kaowu.Role{roleMil}},
	"GET /staff/military":           {roles: []kaowu.Role{roleSite, roleRegion, roleAdmin}},
	"POST /staff/military/handover": {roles: []kaowu.Role{roleSite, roleAdmin}},
	// Venues, rooms, seating and tickets (四, 五): the site office of its own
	// site (checked in internal/app, seating_test.go) and admin.
	"GET /staff/rooms":                           officeRls,
	"GET /staff/rooms.xlsx":                      officeRls,
	"POST /staff/rooms/import":                   officeRls,
	"POST /staff/venues/edit":                    officeRls,
	"GET /staff/rooms/edit":                      officeRls,
	"POST /staff/rooms/edit":                     officeRls,
	"GET /staff/seating":                         officeRls,
	"POST /staff/seating/run":                    officeRls,
	"POST /staff/tickets/issue":                  officeRls,
	"GET /staff/timetable":                       officeRls,
	"GET /staff/timetable.xlsx":                  officeRls,
	"GET /staff/door-list.pdf":                   officeRls,
	"GET /staff/military-tickets.pdf":            officeRls,
	"POST /staff/tickets/build":                  officeRls,
	"GET /staff/tickets/builds/{id}":             officeRls,
	"GET /staff/tickets/builds/{id}/tickets.zip": officeRls,
	"GET /staff/tickets/verify":                  officeRls,
	"POST /staff/tickets/verify":                 officeRls,
	"GET /staff/applications/{id}/ticket.pdf":    officeRls,
	"GET /application/ticket":                    candOnly,
	"GET /application/ticket.pdf":                candOnly,
	"GET /tickets/public-key":                    anyone,
	// Scores (六, 七, 八): the look-up and the report's check are public
	// (throttled, and alike for every ticket number: scores_test.go in
	// internal/app); the candidate's own; the region imports and publishes;
	// the offices export the certificate list; the site records transfers.
	"GET /scores":                       anyone,
	"POST /scores":                      anyone,
	"POST /scores/report.pdf":           anyone,
	"GET /scores/verify":                anyone,
	"POST /scores/verify":               anyone,
	"GET /api/v1/scores":                anyone,
	"POST /api/v1/scores":               anyone,
	"GET /application/scores":           candOnly,
	"GET /application/score-report.pdf": candOnly,
	"GET /review/scores":                {roles: []kaowu.Role{roleRegion, roleAdmin}},
	"POST /review/scores/import":        {roles: []kaowu.Role{roleRegion, roleAdmin}},
	"POST /review/scores/publish":       {roles: []kaowu.Role{roleRegion, roleAdmin}},
	"GET /staff/certificates.xlsx":      decideRls,
	"GET /staff/transfers":              officeRls,
	"POST /staff/transfers":             officeRls,

	// The exam years: compare, review a draft, load.
	"GET /review/years":          {roles: []kaowu.Role{roleRegion, roleAdmin}},
	"GET /review/years/diff":     {roles: []kaowu.Role{roleRegion, roleAdmin}},
	"POST /review/years/preview": {roles: []kaowu.Role{roleRegion, roleAdmin}},
	"POST /review/years/load":    {roles: []kaowu.Role{roleRegion, roleAdmin}},
	// The audit search (issue 11): the offices; whose entries a site office
	// sees is checked in internal/app (audit_test.go).
	"GET /staff/audit":      decideRls,
	"GET /staff/audit.xlsx": decideRls,
	// Dashboards (issue 11): the site office's of its own site (another
	// site is refused in internal/app, dashboard_test.go), the region's of
	// every site.
	"GET /staff/dashboard":       officeRls,
	"GET /staff/dashboard.xlsx":  officeRls,
	"GET /review/dashboard":      {roles: []kaowu.Role{roleRegion, roleAdmin}},
	"GET /review/dashboard.xlsx": {roles: []kaowu.Role{roleRegion, roleAdmin}},
	// Staff lists and their exports (issue 11): whose rows each list shows
	// is checked in internal/app (lists_test.go); an export is its
	// exporter's alone (ownedRoutes).
	"GET /staff/lists/candidates":        listRls,
	"GET /staff/lists/applications":      listRls,
	"GET /staff/lists/units":             decideRls,
	"GET /staff/lists/payments":          decideRls,
	"GET /staff/lists/scores":            decideRls,
	"POST /staff/lists/export":           listRls,
	"GET /staff/lists/exports/{id}":      listRls,
	"GET /staff/lists/exports/{id}/file": listRls,
}

// resource is what an {id} in a path names.
type resource int

const (
	candidateRes   resource = iota // a candidate account
	applicationRes                 // an application (version 1 submitted)
	changeRes                      // a change request
	buildRes                       // a ticket build of A's site
	exportRes                      // a list export made by the site's staff
)

// owned says, for a route addressing a resource owned by candidate A,
// which clients may reach it (200; for the decision, 303) and which must
// be refused exactly as for an id that does not exist.
type owned struct {
	res      resource
	entitled []string // the clients that get it; every other client is refused
}

// The clients: candidate A owns the resources; B is another candidate;
// unithr is A's unit's HR, unithr-other another unit's; site is the site of A's
// district (fengtai), site-other another site (chaoyang).
var clientRoles = map[string]kaowu.Role{
	"owner": roleCand, "other": roleCand, "unithr": roleHR, "unithr-other": roleHR, "site": roleSite, "site-other": roleSite,
	"region": roleRegion, "military": roleMil, "admin": roleAdmin,
}

var ownedRoutes = map[string]owned{
	"GET /candidates/{id}/photo":                   {res: candidateRes, entitled: []string{"owner", "unithr", "site", "region", "admin"}},
	"GET /api/v1/candidates/{id}/profile":          {res: candidateRes, entitled: []string{"owner", "unithr", "site", "region", "admin"}},
	"GET /applications/{id}/versions/{n}/form.pdf": {res: applicationRes, entitled: []string{"owner", "unithr", "site", "region", "admin"}},
	"GET /change-requests/{id}/evidence":           {res: changeRes, entitled: []string{"owner", "site", "region", "admin"}},
	"GET /staff/change-requests/{id}":              {res: changeRes, entitled: []string{"site", "region", "admin"}},
	"POST /staff/change-requests/{id}/decide":      {res: changeRes, entitled: []string{"site", "region", "admin"}},
	"GET /staff/confirm/applications/{id}":         {res: applicationRes, entitled: []string{"site", "admin"}},
	"GET /staff/applications/{id}/ticket.pdf":      {res: applicationRes, entitled: []string{"site", "admin"}},
	"GET /staff/tickets/builds/{id}":               {res: buildRes, entitled: []string{"site", "admin"}},
	"GET /staff/tickets/builds/{id}/tickets.zip":   {res: buildRes, entitled: []string{"site", "admin"}},
	"GET /staff/lists/exports/{id}":                {res: exportRes, entitled: []string{"site"}},
	"GET /staff/lists/exports/{id}/file":           {res: exportRes, entitled: []string{"site"}},
}

// postForms are the forms sent to POST routes: what would change
// something if the role check were missing.
func postForms(fx *accessFixture) map[string]url.Values {
	profile := accessProfile(fx.unitB)
	return map[string]url.Values{
		"POST /me/profile":                        profile,
		"POST /staff/change-requests/{id}/decide": {"decision": {"reject"}, "decision_reason": {"越权审核测试"}},
		"POST /staff/desk/reset-code":             {"q": {fx.ownerIDNumber}, "note": {"核验居民身份证原件"}},
		"POST /admin/users":                       {"role": {"region_staff"}, "username": {"intruder"}, "name": {"越权账号"}, "password": {accessPW}},
		"POST /apply/site":                        {"site": {"chaoyang"}},
		"POST /apply/specialty":                   {"specialty": {"369"}},
		"POST /apply/info":                        {"education_relevant": {"no"}},
		"POST /apply/submit":                      {"version": {"1"}, "photo_confirmed": {"on"}},
		"POST /me/change-request":                 {"kind": {"delete"}, "reason": {"越权申请测试"}},
		"POST /staff/confirm/confirm":             {"id": {fx.applicationID}, "version": {"1"}},
		"POST /staff/confirm/return":              {"id": {fx.applicationID}, "version": {"1"}, "reasons": {"unstamped"}},
		"POST /staff/confirm/roster":              {"unit": {fx.unitA}, "pick": {fx.applicationID + ".1"}},
		"POST /staff/confirm/exceptions":          {"unit": {fx.unitA}, "until": {"2023-12-15T16:00"}, "reason": {"越权例外测试"}},
		"POST /staff/units/edit":                  {"id": {fx.unitA}, "name": {"越权改名医院"}, "district": {"丰台区"}, "unit_category": {"clinic"}},
		"POST /staff/merges":                      {"application_id": {fx.applicationID}, "note": {"越权合并测试"}, "verified": {"on"}},
		"POST /review/decide":                     {"ids": {fx.applicationID}, "decision": {"reject"}, "reason": {"越权审核测试"}, "clause": {"一（四）"}},
		"POST /staff/military/handover":           {"military_unit": {"某部队医院"}, "letter_no": {"1"}, "operator": {"越权测试"}, "fee": {"200"}},
		"POST /staff/lists/export":                {"list": {"applications"}},
	}
}

const accessPW = "Kaowu@2024x"

var accessNow = time.Date(2023, 12, 5, 10, 0, 0, 0, kaowu.Shanghai)

// missingID is an id of nothing.
const missingID = "00000000-0000-7000-8000-000000000000"

// TestAccessMatrix enumerates every registered route and checks it against
// accessMatrix and ownedRoutes.
func TestAccessMatrix(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, st *store.Store) {
		srv, fx := newAccessFixture(t, st)

		// The matrix and the routes match, both ways.
		registered := map[string]bool{}
		for _, p := range srv.patterns {
			registered[p] = true
			if _, ok := accessMatrix[p]; !ok {
				t.Errorf("route %q has no entry in accessMatrix (access_test.go): say who may call it", p)
			}
			if strings.Contains(p, "{id}") {
				if _, ok := ownedRoutes[p]; !ok {
					t.Errorf("route %q addresses a resource by id but has no entry in ownedRoutes (access_test.go)", p)
				}
			}
		}
		for _, p := range sortedKeys(accessMatrix) {
			if !registered[p] {
				t.Errorf("accessMatrix entry %q matches no registered route", p)
			}
		}
		for _, p := range sortedKeys(ownedRoutes) {
			if !registered[p] {
				t.Errorf("ownedRoutes entry %q matches no registered route", p)
			}
		}
		if t.Failed() {
			return
		}

		t.Run("roles", func(t *testing.T) { checkRoles(t, srv, fx) })
		t.Run("owned", func(t *testing.T) { checkOwned(t, fx) })
	})
}

// checkRoles calls every route as anonymous and as one account of each
// role: refused roles get 401 (or, for a page GET, the login page) or 403,
// before anything is done; allowed roles are let through.
func checkRoles(t *testing.T, srv *Server, fx *accessFixture) {
	forms := postForms(fx)
	byRole := map[kaowu.Role]*accessClient{roleCand: fx.clients["owner"], roleHR: fx.clients["unithr"], roleSite: fx.clients["site"],
		roleRegion: fx.clients["region"], roleMil: fx.clients["military"], roleAdmin: fx.clients["admin"]}
	for _, p := range srv.patterns {
		r := accessMatrix[p]
		id := ""
		if o, ok := ownedRoutes[p]; ok {
			id = fx.id(o.res) // the real resource: a missing guard would reach it
		}
		method, path := samplePath(t, p, id)
		form := forms[p]

		if r.public {
			status, body, _ := fx.anon.do(method, path, form)
			if status >= 500 {
				t.Errorf("anonymous %s %s = %d (public route)\n%s", method, path, status, excerptOf(body))
			}
			continue
		}
		// Anonymous: 401 for the API and for posts, the login page for page GETs.
		before := fx.snapshot(t)
		status, body, resp := fx.anon.do(method, path, form)
		if method == http.MethodGet && !strings.HasPrefix(path, "/api/") {
			if loc := resp.Header.Get("Location"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
				t.Errorf("anonymous %s %s = %d to %q, want 303 to /login?next=…", method, path, status, loc)
			}
		} else if status != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s = %d, want 401\n%s", method, path, status, excerptOf(body))
		}
		if after := fx.snapshot(t); after != before {
			t.Errorf("anonymous %s %s changed data:\n before %s\n after  %s", method, path, before, after)
		}

		for _, role := range kaowu.Roles {
			c := byRole[role]
			if slices.Contains(r.roles, role) {
				// Allowed: not refused by role. Posts would act and {id}
				// routes depend on whose the id is (checkOwned).
				if method != http.MethodGet || id != "" {
					continue
				}
				// A 403 of the use case (a window not open yet) is not the
				// role check's, whose refusal says 无权使用此功能.
				status, body, resp := c.do(method, path, nil)
				if status == http.StatusUnauthorized || (status == http.StatusForbidden && strings.Contains(body, "无权使用此功能")) || status >= 500 ||
					strings.HasPrefix(resp.Header.Get("Location"), "/login") {
					t.Errorf("%s (allowed) %s %s = %d %s\n%s", role, method, path, status, resp.Header.Get("Location"), excerptOf(body))
				}
				continue
			}
			before := fx.snapshot(t)
			status, body, _ := c.do(method, path, form)
			if status != http.StatusForbidden {
				t.Errorf("%s %s %s = %d, want 403\n%s", role, method, path, status, excerptOf(body))
			}
			if after := fx.snapshot(t); after != before {
				t.Errorf("%s %s %s changed data:\n before %s\n after  %s", role, method, path, before, after)
			}
		}
	}
}

// checkOwned calls each route with an id on candidate A's resource and on
// a missing id: the entitled clients get it, every other client gets the
// same refusal for both.
func checkOwned(t *testing.T, fx *accessFixture) {
	forms := postForms(fx)
	for _, p := range sortedKeys(ownedRoutes) {
		o := ownedRoutes[p]
		method, path := samplePath(t, p, fx.id(o.res))
		_, missingPath := samplePath(t, p, missingID)
		form := forms[p]
		for _, name := range sortedKeys(clientRoles) {
			if slices.Contains(o.entitled, name) {
				continue
			}
			c := fx.clients[name]
			before := fx.snapshot(t)
			status, body, _ := c.do(method, path, form)
			mStatus, mBody, _ := c.do(method, missingPath, form)
			if after := fx.snapshot(t); after != before {
				t.Errorf("%s: %s changed data:\n before %s\n after  %s", p, name, before, after)
			}
			if status != http.StatusForbidden && status != http.StatusNotFound && status != http.StatusUnauthorized {
				t.Errorf("%s: %s on A's resource = %d, want a refusal\n%s", p, name, status, excerptOf(body))
				continue
			}
			if status != mStatus || normalizeBody(body) != normalizeBody(mBody) {
				t.Errorf("%s: %s tells A's resource (%d) from a missing one (%d):\n%s\n---\n%s",
					p, name, status, mStatus, excerptOf(body), excerptOf(mBody))
			}
		}
		// Anonymous: refused both ways (the path it typed is in the login link).
		for _, pth := range []string{path, missingPath} {
			status, _, resp := fx.anon.do(method, pth, form)
			if status != http.StatusUnauthorized && !(status == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login?")) {
				t.Errorf("%s: anonymous %s = %d", p, pth, status)
			}
		}

		// The entitled get it.
		if method == http.MethodPost {
			// One decision is enough, and it is the last use of the request.
			c := fx.clients[o.entitled[0]]
			status, body, resp := c.do(method, path, form)
			if status != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/staff/change-requests") {
				t.Errorf("%s: %s = %d %s, want 303 to the list\n%s", p, o.entitled[0], status, resp.Header.Get("Location"), excerptOf(body))
			}
			if cr, err := fx.app.Store.ChangeRequest(context.Background(), fx.changeID); err != nil || cr.Status != kaowu.ChangeRejected {
				t.Errorf("%s: after %s's decision: %+v %v", p, o.entitled[0], cr.Status, err)
			}
			continue
		}
		for _, name := range o.entitled {
			if status, body, _ := fx.clients[name].do(method, path, nil); status != http.StatusOK {
				t.Errorf("%s: %s (entitled) = %d\n%s", p, name, status, excerptOf(body))
			}
		}
	}
}

// samplePath returns the method and a path that the pattern matches, with
// id for {id}.
func samplePath(t *testing.T, pattern, id string) (string, string) {
	t.Helper()
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = http.MethodGet, pattern
	}
	switch path {
	case "/":
		path = "/no-such-page"
	case "/api/":
		path = "/api/v1/no-such-thing"
	case "/static/":
		path = "/static/style.css"
	}
	if id == "" {
		id = missingID
	}
	path = strings.NewReplacer("{$}", "", "{id}", id, "{n}", "1", "{year}", "2024").Replace(path)
	if strings.ContainsAny(path, "{}") {
		t.Fatalf("pattern %q: no sample value for its wildcard (samplePath)", pattern)
	}
	return method, path
}

var requestIDRe = regexp.MustCompile(`请求编号：[0-9a-f]+|"request_id":"[0-9a-f]*"`)

// normalizeBody removes the per-request id.
func normalizeBody(b string) string { return requestIDRe.ReplaceAllString(b, "") }

func excerptOf(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 1500 {
		s = s[:1500]
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// accessClient is a client with a session that does not follow redirects.
type accessClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (c *accessClient) do(method, path string, form url.Values) (int, string, *http.Response) {
	c.t.Helper()
	var body io.Reader
	if method != http.MethodGet {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp
}

// accessFixture is a server with candidate A's resources and one client
// per name of clientRoles.
type accessFixture struct {
	app           *app.App
	anon          *accessClient
	clients       map[string]*accessClient
	ownerID       string
	ownerIDNumber string
	applicationID string
	changeID      string
	buildID       string
	exportID      string
	unitA, unitB  string
}

func (fx *accessFixture) id(r resource) string {
	switch r {
	case applicationRes:
		return fx.applicationID
	case changeRes:
		return fx.changeID
	case buildRes:
		return fx.buildID
	case exportRes:
		return fx.exportID
	}
	return fx.ownerID
}

// accessTicket gives application id a seat and a ticket at the Fengtai
// site, and the site a finished ticket build, directly in the store (the
// application keeps its state): what the ticket routes reach. It returns
// the build's id.
func accessTicket(t *testing.T, a *app.App, id string) string {
	t.Helper()
	ctx := context.Background()
	now := accessNow
	v := kaowu.Venue{Site: "fengtai", Name: "丰台区第八中学", UpdatedAt: now}
	b := store.TicketBuild{ID: store.NewID(), Year: 2024, Site: "fengtai", State: "running", Total: 1, CreatedBy: "site", CreatedAt: now}
	err := a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.UpsertVenue(ctx, &v); err != nil {
			return err
		}
		r := kaowu.Room{VenueID: v.ID, Site: "fengtai", Name: "机房A301", Kind: kaowu.RoomComputer, Capacity: 40, SeatsPerRow: 8, WorkingMachines: 40, Active: true, UpdatedAt: now}
		if err := tx.UpsertRoom(ctx, &r); err != nil {
			return err
		}
		seat := kaowu.SeatAssignment{ApplicationID: id, Year: 2024, Site: "fengtai", Day: kaowu.NewDate(2024, 4, 13), RoomID: r.ID, Seat: 1, Row: 1, Col: 1, AssignedAt: now}
		if err := tx.ReplaceAssignments(ctx, 2024, "fengtai", []kaowu.SeatAssignment{seat}); err != nil {
			return err
		}
		if err := tx.InsertTicket(ctx, kaowu.Ticket{ApplicationID: id, Year: 2024, Site: "fengtai", Specialty: "368", TicketNo: kaowu.TicketNo(2024, "110106", "368", 1),
			Seq: 1, ArchiveNo: kaowu.ArchiveNo(2024, "110106", 1), IssuedAt: now}); err != nil {
			return err
		}
		if err := tx.InsertTicketBuild(ctx, b); err != nil {
			return err
		}
		if err := tx.PutTicketBuildFile(ctx, b.ID, "a.pdf", 1, []byte("%PDF-1.7"), now); err != nil {
			return err
		}
		return tx.FinishTicketBuild(ctx, b.ID, "done", "", now)
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.ID
}

// accessExport records a finished export of the applications list made
// by username, directly in the store: what the export routes reach.
func accessExport(t *testing.T, a *app.App, username string) string {
	t.Helper()
	ctx := context.Background()
	u, err := a.Store.UserByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	e := store.ListExport{ID: store.NewID(), List: store.ListApplications, Query: "{}", Description: "报名名单", Total: 1, CreatedBy: u.ID, CreatedAt: accessNow}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertListExport(ctx, e); err != nil {
			return err
		}
		_, err := tx.FinishListExport(ctx, e.ID, "done", "", "报名名单.xlsx", []byte("PK"), 1, accessNow)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// snapshot summarizes what a refused request must not change.
func (fx *accessFixture) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	s := fx.app.Store
	users, err := s.CountUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := s.Audit(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := s.Profile(ctx, fx.ownerID)
	_, photo, _ := s.Photo(ctx, fx.ownerID)
	appl, _ := s.Application(ctx, fx.applicationID)
	cr, _ := s.ChangeRequest(ctx, fx.changeID)
	crs, _ := s.ChangeRequests(ctx, "", "")
	acc, _ := s.Account(ctx, fx.ownerID)
	return fmt.Sprintf("users %v, audit %d, profile %s, photo %s, application %s v%d %s, change %s, changes %d, owner epoch %d bound %v",
		users, len(audit), prof.UpdatedAt, photo.UploadedAt, appl.State, appl.Version, appl.Site, cr.Status, len(crs), acc.SessionEpoch, acc.WeChatBound)
}

func accessResidentID(n int) string {
	s := fmt.Sprintf("1101061988%02d15%03d", n%12+1, n%1000)
	return s + string(kaowu.GBCheckChar(s))
}

// accessProfile is a nurse's profile at unit.
func accessProfile(unit string) url.Values {
	return url.Values{
		"education[0].level": {"bachelor"}, "education[0].major": {"护理学"}, "education[0].school": {"首都医科大学"}, "education[0].graduated_on": {"2015-07-01"},
		"education[0].full_time": {"on"}, "education[0].medical": {"on"},
		"titles[0].level": {"junior"}, "titles[0].specialty": {"护理学"}, "titles[0].obtained_on": {"2019-05-20"},
		"licences[0].kind": {"nurse"}, "licences[0].obtained_on": {"2015-09-01"},
		"work.unit_id": {unit}, "work.post": {"护理"}, "work.practice_registered_on": {"2015-10-01"}, "work.specialty_started_on": {"2015-10-01"},
	}
}

// newAccessFixture builds the server and candidate A with a profile, a
// photo, a submitted application and a pending change request, the staff
// of every scope, and logs every client in.
func newAccessFixture(t *testing.T, st *store.Store) (*Server, *accessFixture) {
	t.Helper()
	ctx := context.Background()
	a := app.New(st, kaowu.NewManualClock(accessNow), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := New(a, a.Log, "")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	fx := &accessFixture{app: a, clients: map[string]*accessClient{}}
	fx.anon = newAccessClient(t, ts.URL)

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%v %v", err, kaowu.ErrorFields(err))
		}
	}
	unitA := kaowu.Unit{Name: "丰台矩阵医院", District: "丰台区", Category: "direct_hospital", CreatedAt: accessNow}
	unitB := kaowu.Unit{Name: "朝阳矩阵医院", District: "朝阳区", Category: "direct_hospital", CreatedAt: accessNow}
	must(st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUnit(ctx, &unitA); err != nil {
			return err
		}
		return tx.CreateUnit(ctx, &unitB)
	}))
	fx.unitA, fx.unitB = unitA.ID, unitB.ID

	for i, name := range []string{"owner", "other"} {
		fx.ownerIDNumber = accessResidentID(60 + i)
		acc, err := a.Register(ctx, app.Registration{IDType: "resident_id", IDNumber: fx.ownerIDNumber, Name: "王" + name, Username: name,
			Password: accessPW, PasswordConfirm: accessPW, Mobile: "13912345678", RecoveryQuestion: "问题？", RecoveryAnswer: "答案"})
		must(err)
		if i == 0 {
			fx.ownerID = acc.ID
		}
	}
	fx.ownerIDNumber = accessResidentID(60)
	for _, in := range []app.StaffInput{
		{Role: roleHR, Username: "unithr", Name: "丰台人事", Unit: unitA.ID},
		{Role: roleHR, Username: "unithr-other", Name: "朝阳人事", Unit: unitB.ID},
		{Role: roleSite, Username: "site", Name: "丰台考点", Site: "fengtai"},
		{Role: roleSite, Username: "site-other", Name: "朝阳考点", Site: "chaoyang"},
		{Role: roleRegion, Username: "region", Name: "考区"},
		{Role: roleMil, Username: "military", Name: "军队单位", MilitaryUnit: "某部队医院"},
		{Role: roleAdmin, Username: "admin", Name: "管理员"},
	} {
		in.Password = accessPW
		_, _, err := a.CreateStaff(ctx, app.System, in)
		must(err)
	}

	// Candidate A: profile, photo, WeChat, a submitted application, a
	// pending change request.
	owner := app.Actor{Username: "owner", Role: roleCand}
	p, perrs := app.ProfileFromForm(accessProfile(unitA.ID))
	_, err = a.SaveProfile(ctx, owner, fx.ownerID, p, perrs)
	must(err)
	_, err = a.UploadPhoto(ctx, owner, fx.ownerID, accessJPEG(295, 413))
	must(err)
	must(a.BindWeChat(ctx, owner, "openid-of-owner", ""))
	appl, err := a.StartApplication(ctx, owner)
	must(err)
	fx.applicationID = appl.ID
	_, err = a.SaveChoices(ctx, owner, app.Choices{Site: "fengtai", Specialty: "368",
		Decl: kaowu.Declarations{EducationRelevant: "yes", EducationRecognised: "yes", TitleRelevant: "yes"}})
	must(err)
	_, err = a.Submit(ctx, owner, 0, true)
	must(err)
	cr, err := a.RequestChange(ctx, owner, app.ChangeInput{Kind: kaowu.ChangeDelete, Reason: "账号重复注册，申请删除", Evidence: accessJPEG(600, 800)})
	must(err)
	fx.changeID = cr.ID
	fx.buildID = accessTicket(t, a, fx.applicationID)
	fx.exportID = accessExport(t, a, "site")

	for name := range clientRoles {
		c := newAccessClient(t, ts.URL)
		status, body, resp := c.do(http.MethodPost, "/login", url.Values{"login": {name}, "password": {accessPW}})
		if status != http.StatusSeeOther || resp.Header.Get("Location") != "/me" {
			t.Fatalf("login %s: %d to %q\n%s", name, status, resp.Header.Get("Location"), excerptOf(body))
		}
		fx.clients[name] = c
	}
	return srv, fx
}

func newAccessClient(t *testing.T, base string) *accessClient {
	jar, _ := cookiejar.New(nil)
	return &accessClient{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func accessJPEG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 77, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}
