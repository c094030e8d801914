package server

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
)

// ticketRoutes registers the admission tickets (四): the candidate's own
// ticket page and PDF, the office's prints, bulk builds and entrance
// check, and the public key the entrance devices verify with.
func (s *Server) ticketRoutes(mux *http.ServeMux) {
	c := s.requireRole(candidate...)
	s.handleFunc(mux, "GET /application/ticket", c(s.ticketPage))
	s.handleFunc(mux, "GET /application/ticket.pdf", c(s.ticketPDF))

	office := s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /staff/applications/{id}/ticket.pdf", office(s.officeTicketPDF))
	s.handleFunc(mux, "GET /staff/military-tickets.pdf", office(s.militaryTicketsPDF))
	s.handleFunc(mux, "POST /staff/tickets/build", office(s.ticketBuildStart))
	s.handleFunc(mux, "GET /staff/tickets/builds/{id}", office(s.ticketBuildStatus))
	s.handleFunc(mux, "GET /staff/tickets/builds/{id}/tickets.zip", office(s.ticketBuildZIP))
	s.handleFunc(mux, "GET /staff/tickets/verify", office(s.ticketVerifyPage))
	s.handleFunc(mux, "POST /staff/tickets/verify", office(s.ticketVerify))
	s.handleFunc(mux, "GET /tickets/public-key", s.ticketPublicKey)
}

type ticketPage struct {
	Title string
	View  app.TicketView
}

func (p ticketPage) PageTitle() string { return p.Title }

func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.App.MyTicket(r.Context(), actorOf(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "ticket", ticketPage{Title: "准考证", View: v})
}

func (s *Server) ticketPDF(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.MyTicketPDF(r.Context(), actorOf(r))
	s.sendPrivate(w, r, "application/pdf", "ticket.pdf", b, err)
}

func (s *Server) officeTicketPDF(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.OfficeTicketPDF(r.Context(), actorOf(r), r.PathValue("id"))
	s.sendPrivate(w, r, "application/pdf", "ticket.pdf", b, err)
}

func (s *Server) militaryTicketsPDF(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.MilitaryTicketsPDF(r.Context(), actorOf(r), siteParam(r), r.URL.Query().Get("unit"))
	s.sendPrivate(w, r, "application/pdf", "military-tickets.pdf", b, err)
}

func (s *Server) ticketBuildStart(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	if _, err := s.App.StartTicketBuild(r.Context(), actorOf(r), siteParam(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/seating#build", http.StatusSeeOther)
}

// buildJSON is a build's progress as the seating page polls it.
type buildJSON struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
	Error string `json:"error,omitempty"`
	ZIP   string `json:"zip,omitempty"`
}

func buildView(b store.TicketBuild) buildJSON {
	v := buildJSON{ID: b.ID, State: b.State, Done: b.Done, Total: b.Total, Error: b.Error}
	if b.State == "done" && b.PurgedAt == nil {
		v.ZIP = "/staff/tickets/builds/" + b.ID + "/tickets.zip"
	}
	return v
}

func (s *Server) ticketBuildStatus(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.TicketBuildOf(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, buildView(b))
}

func (s *Server) ticketBuildZIP(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.TicketBuildOf(r.Context(), actorOf(r), r.PathValue("id"))
	if err == nil {
		err = app.BuildReady(b)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="tickets-`+b.Site+`.zip"`)
	w.Header().Set("Cache-Control", "private, no-store")
	if err := s.App.WriteTicketBuildZIP(r.Context(), actorOf(r), b.ID, w); err != nil {
		s.Log.Error("ticket zip", "request_id", requestID(r.Context()), "err", err)
	}
}

type entrancePage struct {
	Title string
	Key   string // the public key, base64
	// Today is the server's date (YYYYMMDD) when its clock is set (serve
	// --now, --demo): the page then checks the day by it, not by the
	// device's.
	Today  string
	Check  *app.TicketCheck
	Score  *app.ScoreCheck // a score report's check (score_verify)
	Typed  string
	Server bool // checked by the server (no browser crypto, or no script)
}

func (p entrancePage) PageTitle() string { return p.Title }

func (s *Server) publicKey(r *http.Request) (string, error) {
	k, err := s.App.TicketPublicKey(r.Context())
	return base64.StdEncoding.EncodeToString(k), err
}

// ticketVerifyPage is the entrance check: the camera reads a ticket's QR
// code and the page verifies it with the public key in the browser, so it
// goes on working when the network does not; a USB scanner or typing
// works too.
func (s *Server) ticketVerifyPage(w http.ResponseWriter, r *http.Request) {
	key, err := s.publicKey(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "ticket_verify", entrancePage{Title: "准考证入场核验", Key: key, Today: s.setToday()})
}

// ticketVerify checks a payload on the server: for browsers without the
// Ed25519 Web Crypto, and without script.
func (s *Server) ticketVerify(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	payload := r.PostForm.Get("payload")
	k, err := s.App.TicketPublicKey(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := app.VerifyTicketQR(k, payload, s.App.Clock.Now())
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSON(w, http.StatusOK, c)
		return
	}
	s.render(w, r, http.StatusOK, "ticket_verify", entrancePage{Title: "准考证入场核验", Key: base64.StdEncoding.EncodeToString(k), Check: &c, Typed: payload, Server: true, Today: s.setToday()})
}

// setToday returns the server's date as YYYYMMDD when its clock is not the
// real one, else "".
func (s *Server) setToday() string {
	if s.ClockNote == "" {
		return ""
	}
	return s.App.Clock.Now().In(kaowu.Shanghai).Format("20060102")
}

// ticketPublicKey serves the tickets' public key (Ed25519, base64), for
// entrance devices that verify offline.
func (s *Server) ticketPublicKey(w http.ResponseWriter, r *http.Request) {
	key, err := s.publicKey(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]string{"algorithm": "Ed25519", "public_key": key,
		"format": "KT1|准考证号|姓名|证件号码（部分隐藏）|专业代码|考试日期（YYYYMMDD，逗号分隔）|考试地点|考场|座位号|签名（base64url，对前面全部内容的 Ed25519 签名）"})
}
