package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
	"kaowu/internal/tabular"
)

// maxRosterUpload bounds a roster file (a 10 000-row .csv is about 1.5 MB).
const maxRosterUpload = 16 << 20

// militaryRoutes registers the military unit's roster (二（三）1) and the
// site office's handover (二（三）2).
func (s *Server) militaryRoutes(mux *http.ServeMux) {
	mil := s.requireRole(kaowu.RoleMilitaryUnit)
	s.handleFunc(mux, "GET /military", mil(s.militaryPage))
	s.handleFunc(mux, "POST /military/import", mil(s.militaryImport))
	s.handleFunc(mux, "GET /staff/military", s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleRegionStaff, kaowu.RoleAdmin)(s.militaryStaffPage))
	s.handleFunc(mux, "POST /staff/military/handover", s.requireRole(kaowu.RoleSiteStaff, kaowu.RoleAdmin)(s.militaryHandover))
}

type militaryPage struct {
	View     app.MilitaryRosterView
	Columns  []app.MilitaryColumn
	Form     form
	Import   *app.RosterImport
	Imported string
}

func (militaryPage) PageTitle() string { return "军队考生报名" }

func (s *Server) militaryData(r *http.Request) (militaryPage, error) {
	v, err := s.App.MilitaryRoster(r.Context(), actorOf(r), "")
	return militaryPage{View: v, Columns: app.MilitaryColumns, Form: newForm(nil, nil)}, err
}

func (s *Server) militaryPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.militaryData(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Imported = r.URL.Query().Get("imported")
	s.render(w, r, http.StatusOK, "military", p)
}

// militaryImport reads an uploaded roster (.xlsx or .csv) and imports it
// all or nothing; a refused file is shown again with every problem.
func (s *Server) militaryImport(w http.ResponseWriter, r *http.Request) {
	name, rows, err := readRoster(w, r)
	var out app.RosterImport
	if err == nil {
		out, err = s.App.ImportMilitaryRoster(r.Context(), actorOf(r), rows, name)
	}
	if err != nil {
		if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
			s.pageError(w, r, err)
			return
		}
		p, e2 := s.militaryData(r)
		if e2 != nil {
			s.pageError(w, r, e2)
			return
		}
		p.Form = newForm(nil, err)
		if len(out.Problems) > 0 {
			p.Form.Message = "名单有误，整个文件未导入。请按下表逐行修改后重新上传。"
			p.Import = &out
		}
		s.render(w, r, status(kaowu.ErrorCode(err)), "military", p)
		return
	}
	http.Redirect(w, r, "/military?imported="+strconv.Itoa(out.Candidates), http.StatusSeeOther)
}

// readRoster returns the uploaded file's name and rows.
func readRoster(w http.ResponseWriter, r *http.Request) (string, [][]string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRosterUpload)
	if err := r.ParseMultipartForm(4 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, kaowu.FieldError("roster", "文件太大：不能超过 16 MB，请分成几个文件上传。")
		}
		return "", nil, kaowu.FieldError("roster", "没有收到名单文件，请重新选择后上传。")
	}
	f, h, err := r.FormFile("roster")
	if err != nil {
		return "", nil, kaowu.FieldError("roster", "请选择要上传的名单文件（.xlsx 或 .csv）。")
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return "", nil, kaowu.FieldError("roster", "名单文件读取失败，请重新上传。")
	}
	name := filepath.Base(h.Filename)
	rows, err := tabular.Read(name, bytes.NewReader(b))
	if err != nil {
		return name, nil, kaowu.FieldError("roster", kaowu.ErrorMessage(err))
	}
	return name, rows, nil
}

type militaryStaffPage struct {
	Units    []store.MilitaryUnitSummary
	Selected string
	View     *app.MilitaryRosterView
	CanHand  bool
	Form     form
	Done     *store.MilitaryHandover
	FeeYuan  string
}

func (militaryStaffPage) PageTitle() string { return "军队考生报考数据交接" }

func (s *Server) militaryStaffData(r *http.Request, unit string) (militaryStaffPage, error) {
	units, _, err := s.App.MilitaryUnits(r.Context(), actorOf(r))
	if err != nil {
		return militaryStaffPage{}, err
	}
	acc := accountFrom(r.Context())
	p := militaryStaffPage{Units: units, Selected: unit, Form: newForm(url.Values{"military_unit": {unit}}, nil),
		CanHand: acc != nil && (acc.Role == kaowu.RoleSiteStaff || acc.Role == kaowu.RoleAdmin)}
	if unit != "" {
		v, err := s.App.MilitaryRoster(r.Context(), actorOf(r), unit)
		if err != nil {
			return p, err
		}
		p.View = &v
	}
	return p, nil
}

func (s *Server) militaryStaffPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.militaryStaffData(r, r.URL.Query().Get("unit"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "military_staff", p)
}

// militaryHandover records a handover (二（三）2).
func (s *Server) militaryHandover(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	v := r.PostForm
	unit := v.Get("military_unit")
	fen, err := parseYuan(v.Get("fee"))
	var h store.MilitaryHandover
	if err == nil {
		h, err = s.App.RecordHandover(r.Context(), actorOf(r), app.HandoverInput{MilitaryUnit: unit, LetterNo: v.Get("letter_no"),
			Operator: v.Get("operator"), FeeFen: fen})
	}
	if err != nil && kaowu.ErrorCode(err) == kaowu.EINTERNAL {
		s.pageError(w, r, err)
		return
	}
	p, e2 := s.militaryStaffData(r, unit)
	if e2 != nil {
		if err != nil {
			s.pageError(w, r, err)
		} else {
			s.pageError(w, r, e2)
		}
		return
	}
	if err != nil {
		p.Form = newForm(v, err)
		s.render(w, r, status(kaowu.ErrorCode(err)), "military_staff", p)
		return
	}
	p.Done = &h
	s.render(w, r, http.StatusOK, "military_staff", p)
}

// parseYuan reads an amount of yuan with at most two decimals as fen.
func parseYuan(s string) (int64, error) {
	bad := kaowu.FieldError("fee", "金额应为元，最多两位小数，如 600 或 600.00")
	s = strings.TrimSuffix(strings.TrimSpace(s), "元")
	if s == "" {
		return 0, kaowu.FieldError("fee", "请填写收取的考试费金额（元）")
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" || len(whole) > 12 {
		return 0, bad
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n < 0 || strings.ContainsAny(whole+frac, "+-") {
		return 0, bad
	}
	return n, nil
}
