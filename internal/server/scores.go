package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/tabular"
)

// scoreRoutes registers scores (六, 七, 八): the public look-up page and
// API, the candidate's own scores, the score report and its check, and the
// offices' import, publication, certificate list and transfers.
func (s *Server) scoreRoutes(mux *http.ServeMux) {
	s.handleFunc(mux, "GET /scores", s.scoresPage)
	s.handleFunc(mux, "POST /scores", s.scoresLookup)
	s.handleFunc(mux, "POST /scores/report.pdf", s.scoresReportPDF)
	s.handleFunc(mux, "GET /scores/verify", s.scoresVerifyPage)
	s.handleFunc(mux, "POST /scores/verify", s.scoresVerify)
	s.handleFunc(mux, "GET /api/v1/scores", s.apiScores)
	s.handleFunc(mux, "POST /api/v1/scores", s.apiScores)

	c := s.requireRole(candidate...)
	s.handleFunc(mux, "GET /application/scores", c(s.myScoresPage))
	s.handleFunc(mux, "GET /application/score-report.pdf", c(s.myScoreReportPDF))

	region := s.requireRole(kaowu.RoleRegionStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /review/scores", region(s.reviewScoresPage))
	s.handleFunc(mux, "POST /review/scores/import", region(s.reviewScoresImport))
	s.handleFunc(mux, "POST /review/scores/publish", region(s.reviewScoresPublish))
	offices := s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /staff/certificates.xlsx", offices(s.certificatesXLSX))
	site := s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleAdmin)
	s.handleFunc(mux, "GET /staff/transfers", site(s.transferPage))
	s.handleFunc(mux, "POST /staff/transfers", site(s.transferRecord))
}

type scorePage struct {
	Title  string
	Answer *app.ScoreAnswer
	Form   form
	Mine   bool // the candidate's own page: the report is a link, not a form
}

func (p scorePage) PageTitle() string { return p.Title }

func (s *Server) scoresPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "scores", scorePage{Title: "成绩查询", Form: newForm(nil, nil)})
}

// lookupFields reads the ticket and ID number of a look-up, from a form or
// a JSON body.
func lookupFields(r *http.Request) (ticket, id string, err error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var v struct {
			TicketNo string `json:"ticket_no"`
			IDNumber string `json:"id_number"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&v); err != nil {
			return "", "", kaowu.Errorf(kaowu.EINVALID, "请求内容应为 JSON：{\"ticket_no\": \"…\", \"id_number\": \"…\"}")
		}
		return v.TicketNo, v.IDNumber, nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 4<<10)
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return "", "", kaowu.Errorf(kaowu.EINVALID, "提交的内容无法读取")
		}
		return r.PostForm.Get("ticket_no"), r.PostForm.Get("id_number"), nil
	}
	q := r.URL.Query()
	return q.Get("ticket_no"), q.Get("id_number"), nil
}

func (s *Server) scoresLookup(w http.ResponseWriter, r *http.Request) {
	ticket, id, err := lookupFields(r)
	var ans app.ScoreAnswer
	if err == nil {
		ans, err = s.App.LookupScore(r.Context(), ticket, id, clientIP(r))
	}
	if err != nil {
		if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
			s.pageError(w, r, err)
			return
		}
		// The form again, with what was typed (but not the ID number)
		// and why.
		f := newForm(url.Values{"ticket_no": {ticket}}, err)
		f.Message = kaowu.ErrorMessage(err)
		s.render(w, r, status(kaowu.ErrorCode(err)), "scores", scorePage{Title: "成绩查询", Form: f})
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	s.render(w, r, http.StatusOK, "scores", scorePage{Title: "成绩查询结果", Answer: &ans, Form: newForm(url.Values{"ticket_no": {ticket}, "id_number": {id}}, nil)})
}

// scoresReportPDF gives the score report to whoever has the ticket and ID
// numbers, through the same throttled look-up.
func (s *Server) scoresReportPDF(w http.ResponseWriter, r *http.Request) {
	ticket, id, err := lookupFields(r)
	var b []byte
	if err == nil {
		var ans app.ScoreAnswer
		if ans, err = s.App.LookupScore(r.Context(), ticket, id, clientIP(r)); err == nil {
			b, err = s.App.ScoreReportPDF(r.Context(), ans)
		}
	}
	s.sendPrivate(w, r, "application/pdf", "score-report.pdf", b, err)
}

// apiScores is the look-up as JSON: GET with ticket_no and id_number in
// the query, or POST with them in a form or JSON body (better: an ID
// number in a URL ends up in proxies' logs). The same refusal for a
// wrong ID number and a ticket number that does not exist.
func (s *Server) apiScores(w http.ResponseWriter, r *http.Request) {
	ticket, id, err := lookupFields(r)
	var b []byte
	if err == nil {
		b, err = s.App.LookupScoreJSON(r.Context(), ticket, id, clientIP(r))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(b)
}

func (s *Server) myScoresPage(w http.ResponseWriter, r *http.Request) {
	ans, err := s.App.MyScore(r.Context(), actorOf(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "scores", scorePage{Title: "我的成绩", Answer: &ans, Mine: true, Form: newForm(nil, nil)})
}

func (s *Server) myScoreReportPDF(w http.ResponseWriter, r *http.Request) {
	ans, err := s.App.MyScore(r.Context(), actorOf(r))
	var b []byte
	if err == nil {
		b, err = s.App.ScoreReportPDF(r.Context(), ans)
	}
	s.sendPrivate(w, r, "application/pdf", "score-report.pdf", b, err)
}

// scoresVerifyPage checks a score report's QR code in the browser, with the
// public key (anyone: a unit's HR checking a report it was given).
func (s *Server) scoresVerifyPage(w http.ResponseWriter, r *http.Request) {
	key, err := s.publicKey(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "score_verify", entrancePage{Title: "成绩单核验", Key: key})
}

// scoresVerify checks a score report's payload on the server, for browsers
// without the Ed25519 Web Crypto: JSON for the page's script, else the
// page with the result.
func (s *Server) scoresVerify(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	r.ParseForm()
	k, err := s.App.TicketPublicKey(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := app.VerifyScoreQR(k, r.PostForm.Get("payload"))
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSON(w, http.StatusOK, c)
		return
	}
	s.render(w, r, http.StatusOK, "score_verify", entrancePage{Title: "成绩单核验", Key: base64.StdEncoding.EncodeToString(k), Score: &c, Server: true})
}

type reviewScoresPage struct {
	Title        string
	Year         int
	Imports      []importLine
	Publication  string
	Published    bool
	Certificates int
	Header       []string
	Form         form
	Flash        string
}

type importLine struct {
	At, By, Source string
	Rows, Created  int
	Changed, Same  int
}

func (p reviewScoresPage) PageTitle() string { return p.Title }

func (s *Server) reviewScores(r *http.Request) (reviewScoresPage, error) {
	ctx := r.Context()
	y, err := s.App.CurrentYear(ctx)
	if err != nil {
		return reviewScoresPage{}, err
	}
	p := reviewScoresPage{Title: "成绩导入与公布", Year: y.Year, Header: app.ScoreFileHeader, Form: newForm(nil, nil), Flash: r.URL.Query().Get("done")}
	imports, err := s.App.Store.ScoreImports(ctx, y.Year)
	if err != nil {
		return p, err
	}
	for _, i := range imports {
		p.Imports = append(p.Imports, importLine{At: i.ImportedAt.In(kaowu.Shanghai).Format("2006-01-02 15:04"), By: i.ImportedBy, Source: i.Source,
			Rows: i.Rows, Created: i.Created, Changed: i.Changed, Same: i.Unchanged})
	}
	pub, open, err := s.App.ScorePublished(ctx, y.Year)
	if err != nil {
		return p, err
	}
	p.Published = open
	if pub.PublishAt != nil {
		p.Publication = pub.PublishAt.In(kaowu.Shanghai).Format("2006-01-02T15:04")
	}
	l, err := s.App.Certificates(ctx, actorOf(r), y.Year)
	if err != nil {
		return p, err
	}
	p.Certificates = len(l.Items)
	return p, nil
}

func (s *Server) reviewScoresPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.reviewScores(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "review_scores", p)
}

func (s *Server) reviewScoresImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRosterUpload*4)
	err := r.ParseMultipartForm(8 << 20)
	var rep app.ScoreImportReport
	if err != nil {
		err = kaowu.FieldError("file", "没有收到成绩文件，或文件超过 64 MB")
	} else if f, fh, ferr := r.FormFile("file"); ferr != nil {
		err = kaowu.FieldError("file", "请选择成绩文件")
	} else {
		data, _ := io.ReadAll(f)
		f.Close()
		var rows [][]string
		if rows, err = tabular.Read(fh.Filename, bytes.NewReader(data)); err != nil {
			err = kaowu.FieldError("file", "无法读取文件“"+fh.Filename+"”：请上传 .xlsx 或 .csv 文件（"+kaowu.ErrorMessage(err)+"）")
		} else {
			y, yerr := s.App.CurrentYear(r.Context())
			if err = yerr; err == nil {
				rep, err = s.App.ImportScores(r.Context(), actorOf(r), y.Year, rows, "上传文件 "+fh.Filename)
			}
		}
	}
	if err != nil {
		p, e2 := s.reviewScores(r)
		if e2 != nil {
			s.pageError(w, r, e2)
			return
		}
		if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
			s.pageError(w, r, err)
			return
		}
		p.Form = newForm(nil, err)
		s.render(w, r, status(kaowu.ErrorCode(err)), "review_scores", p)
		return
	}
	msg := fmt.Sprintf("已导入 %d 行：新增 %d，更正 %d，未变 %d；考试合格（可取得资格证书）%d 人。", rep.Rows, rep.Created, rep.Changed, rep.Unchanged, rep.Passed)
	if rep.Same {
		msg = fmt.Sprintf("这个文件已经导入过（%d 行），未做任何修改。", rep.Rows)
	}
	http.Redirect(w, r, "/review/scores?done="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) reviewScoresPublish(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	y, err := s.App.CurrentYear(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var at time.Time
	if v := r.PostForm.Get("publish_at"); v != "" && r.PostForm.Get("withdraw") == "" {
		if at, err = time.ParseInLocation("2006-01-02T15:04", v, kaowu.Shanghai); err != nil {
			p, e2 := s.reviewScores(r)
			if e2 != nil {
				s.pageError(w, r, e2)
				return
			}
			p.Form = newForm(r.PostForm, kaowu.FieldError("publish_at", "公布时间应为 2024-06-01 10:00 这样的日期和时间（北京时间）"))
			s.render(w, r, http.StatusUnprocessableEntity, "review_scores", p)
			return
		}
	}
	if err := s.App.PublishScores(r.Context(), actorOf(r), y.Year, at); err != nil {
		s.pageError(w, r, err)
		return
	}
	msg := "已撤回成绩公布安排。"
	if !at.IsZero() {
		msg = "成绩将于 " + at.Format("2006年1月2日 15:04") + "（北京时间）公布，届时考生即可查询。"
	}
	http.Redirect(w, r, "/review/scores?done="+url.QueryEscape(msg), http.StatusSeeOther)
}

func (s *Server) certificatesXLSX(w http.ResponseWriter, r *http.Request) {
	y, err := s.App.CurrentYear(r.Context())
	var b []byte
	if err == nil {
		b, err = s.App.CertificatesXLSX(r.Context(), actorOf(r), y.Year)
	}
	s.sendPrivate(w, r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "certificates-"+strconv.Itoa(y.Year)+".xlsx", b, err)
}

func (s *Server) transferPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "transfer", formPage{Title: "登记外省成绩", Form: newForm(nil, nil), Extra: r.URL.Query().Get("done")})
}

func (s *Server) transferRecord(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	in := app.TransferInput{IDType: kaowu.IDType(v.Get("id_type")), IDNumber: v.Get("id_number"), Province: v.Get("province"),
		Specialty: strings.TrimSpace(v.Get("specialty")), ArchiveNo: v.Get("archive_no"), Note: v.Get("note")}
	var err error
	if in.Year, err = strconv.Atoi(strings.TrimSpace(v.Get("year"))); err != nil {
		err = kaowu.FieldError("year", "考试年度应为四位数字，如 2023")
	}
	for k, sub := range kaowu.Subjects {
		if err != nil {
			break
		}
		if c := strings.TrimSpace(v.Get(string(sub))); c != "" {
			n, perr := strconv.Atoi(c)
			if perr != nil {
				err = kaowu.FieldError(string(sub), sub.Label()+"成绩应为整数；未参加的科目留空")
				break
			}
			in.Scores[k] = &n
		}
	}
	if err == nil {
		err = s.App.RecordTransfer(r.Context(), actorOf(r), in)
	}
	if err != nil {
		s.refuse(w, r, "transfer", formPage{Title: "登记外省成绩"}, err)
		return
	}
	http.Redirect(w, r, "/staff/transfers?done=1", http.StatusSeeOther)
}
