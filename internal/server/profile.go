package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/photo"
)

func jsonDecoder(r *http.Request, max int64) *json.Decoder {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, max))
	dec.DisallowUnknownFields()
	return dec
}

type profileExtra struct {
	Units       []kaowu.Unit
	Profile     kaowu.Profile
	Requirement string
	Saved       bool
	PhotoError  string
}

// profileValues turns a stored profile into form values, so that the form
// shows it.
func profileValues(p kaowu.Profile) url.Values {
	v := url.Values{}
	set := func(k, x string) {
		if x != "" {
			v.Set(k, x)
		}
	}
	flag := func(k string, b bool) {
		if b {
			v.Set(k, "on")
		}
	}
	for i, e := range p.Education {
		k := fmt.Sprintf("education[%d].", i)
		set(k+"level", e.Level)
		set(k+"major", e.Major)
		set(k+"school", e.School)
		set(k+"graduated_on", e.GraduatedOn.String())
		flag(k+"full_time", e.FullTime)
		flag(k+"medical", e.Medical)
		flag(k+"military_school", e.MilitarySchool)
	}
	w := p.Work
	set("work.unit_id", w.UnitID)
	set("work.post", w.Post)
	set("work.specialty_started_on", w.SpecialtyStartedOn.String())
	set("work.practice_registered_on", w.PracticeRegisteredOn.String())
	set("work.residency_certificate_on", w.ResidencyCertificateOn.String())
	set("work.hubei_aid_award", w.HubeiAidAward)
	if w.SocialInsuranceMonths != 0 {
		v.Set("work.social_insurance_months", fmt.Sprint(w.SocialInsuranceMonths))
	}
	flag("work.community_training_certificate", w.CommunityTrainingCertificate)
	flag("work.frontline_appraised", w.FrontlineAppraised)
	flag("work.frontline_early_used_before", w.FrontlineEarlyUsedBefore)
	flag("work.file_elsewhere", w.FileElsewhere)
	for i, t := range p.Titles {
		k := fmt.Sprintf("titles[%d].", i)
		set(k+"level", string(t.Level))
		set(k+"specialty", t.Specialty)
		set(k+"obtained_on", t.ObtainedOn.String())
	}
	for i, l := range p.Licences {
		k := fmt.Sprintf("licences[%d].", i)
		set(k+"kind", l.Kind)
		set(k+"category", l.Category)
		set(k+"scope", l.Scope)
		set(k+"obtained_on", l.ObtainedOn.String())
	}
	for i, c := range p.Posts {
		k := fmt.Sprintf("post_changes[%d].", i)
		set(k+"on", c.On.String())
		set(k+"from", c.From)
		set(k+"to", c.To)
	}
	return v
}

func (s *Server) profileExtra(r *http.Request) (profileExtra, error) {
	acc := accountFrom(r.Context())
	units, err := s.App.Store.Units(r.Context())
	if err != nil {
		return profileExtra{}, err
	}
	p, err := s.App.Profile(r.Context(), actorOf(r), acc.ID)
	if err != nil {
		return profileExtra{}, err
	}
	return profileExtra{Units: units, Profile: p, Requirement: photo.IDPhoto.Requirement()}, nil
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) {
	extra, err := s.profileExtra(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	extra.Saved = r.URL.Query().Get("saved") != ""
	s.render(w, r, http.StatusOK, "profile", formPage{Title: "基本信息维护", Form: newForm(profileValues(extra.Profile), nil), Extra: extra})
}

// saveProfile stores the candidate's own profile: the id is the session's,
// whatever the form carries.
func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, kaowu.Errorf(kaowu.EINVALID, "提交的内容无法读取，请重新填写"))
		return
	}
	acc := accountFrom(r.Context())
	p, parseErrs := app.ProfileFromForm(r.PostForm)
	_, err := s.App.SaveProfile(r.Context(), actorOf(r), acc.ID, p, parseErrs)
	if err != nil {
		extra, e2 := s.profileExtra(r)
		if e2 != nil {
			s.pageError(w, r, e2)
			return
		}
		s.refuse(w, r, "profile", formPage{Title: "基本信息维护", Extra: extra}, err)
		return
	}
	http.Redirect(w, r, "/me/profile?saved=1", http.StatusSeeOther)
}

// uploadPhoto stores the candidate's own photo.
func (s *Server) uploadPhoto(w http.ResponseWriter, r *http.Request) {
	acc := accountFrom(r.Context())
	data, err := readUpload(w, r, "photo", "照片")
	if err == nil {
		_, err = s.App.UploadPhoto(r.Context(), actorOf(r), acc.ID, data)
	}
	if err != nil {
		if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
			s.pageError(w, r, err)
			return
		}
		extra, e2 := s.profileExtra(r)
		if e2 != nil {
			s.pageError(w, r, e2)
			return
		}
		extra.PhotoError = kaowu.ErrorMessage(err)
		s.render(w, r, status(kaowu.ErrorCode(err)), "profile", formPage{Title: "基本信息维护",
			Form: newForm(profileValues(extra.Profile), nil), Extra: extra})
		return
	}
	http.Redirect(w, r, "/me/profile?saved=photo#photo", http.StatusSeeOther)
}

// candidatePhoto serves a candidate's photo to whoever may see it.
func (s *Server) candidatePhoto(w http.ResponseWriter, r *http.Request) {
	b, err := s.App.Photo(r.Context(), actorOf(r), r.PathValue("id"))
	s.sendPrivate(w, r, "image/jpeg", "", b, err)
}

// apiProfile returns a candidate's profile to whoever may see it.
func (s *Server) apiProfile(w http.ResponseWriter, r *http.Request) {
	p, err := s.App.Profile(r.Context(), actorOf(r), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
