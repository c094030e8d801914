package app

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"kaowu"
	"kaowu/internal/photo"
	"kaowu/internal/store"
	"kaowu/policy"
)

// Profile form slots: how many of each repeated group the form offers.
const (
	EducationSlots = 2
	TitleSlots     = 3
	LicenceSlots   = 3
	PostSlots      = 3
)

// Profile returns a candidate's profile if the actor may see it.
func (a *App) Profile(ctx context.Context, actor Actor, candidateID string) (kaowu.Profile, error) {
	if _, err := a.authorize(ctx, actor, candidateID, false); err != nil {
		return kaowu.Profile{}, err
	}
	return a.Store.Profile(ctx, candidateID)
}

// ProfileFromForm reads a profile from form values named like the error
// fields ("education[0].level", "work.unit_id", "titles[1].obtained_on",
// "licences[0].kind", "post_changes[2].on"); empty groups are skipped. It
// returns the values it could read and the messages of those it could not
// (malformed dates and numbers); SaveProfile checks the rest.
func ProfileFromForm(v url.Values) (kaowu.Profile, map[string]string) {
	f := fieldErrors{}
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	on := func(k string) bool { x := v.Get(k); return x == "on" || x == "true" || x == "1" }
	date := func(k, label string) kaowu.Date { return f.date(k, label, v.Get(k), false, kaowu.Date{}) }
	var p kaowu.Profile
	for i := range EducationSlots {
		k := fmt.Sprintf("education[%d].", i)
		if get(k+"level")+get(k+"major")+get(k+"school")+get(k+"graduated_on") == "" {
			continue
		}
		p.Education = append(p.Education, kaowu.Education{Level: get(k + "level"), Major: v.Get(k + "major"), School: v.Get(k + "school"),
			GraduatedOn: date(k+"graduated_on", "毕业时间"), FullTime: on(k + "full_time"), Medical: on(k + "medical"), MilitarySchool: on(k + "military_school")})
	}
	w := &p.Work
	w.UnitID, w.Post = get("work.unit_id"), v.Get("work.post")
	w.SpecialtyStartedOn = date("work.specialty_started_on", "从事本专业工作起始时间")
	w.PracticeRegisteredOn = date("work.practice_registered_on", "执业注册时间")
	w.ResidencyCertificateOn = date("work.residency_certificate_on", "住院医师规范化培训合格证书取得时间")
	w.CommunityTrainingCertificate, w.FrontlineAppraised, w.FrontlineEarlyUsedBefore, w.FileElsewhere =
		on("work.community_training_certificate"), on("work.frontline_appraised"), on("work.frontline_early_used_before"), on("work.file_elsewhere")
	w.HubeiAidAward = get("work.hubei_aid_award")
	if s := get("work.social_insurance_months"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			f.add("work.social_insurance_months", "社保缴纳月数应为整数，如 6")
		}
		w.SocialInsuranceMonths = n
	}
	for i := range TitleSlots {
		k := fmt.Sprintf("titles[%d].", i)
		if get(k+"level")+get(k+"specialty")+get(k+"obtained_on") == "" {
			continue
		}
		p.Titles = append(p.Titles, kaowu.HeldTitle{Level: kaowu.Level(get(k + "level")), Specialty: v.Get(k + "specialty"), ObtainedOn: date(k+"obtained_on", "取得时间")})
	}
	for i := range LicenceSlots {
		k := fmt.Sprintf("licences[%d].", i)
		if get(k+"kind")+get(k+"scope")+get(k+"obtained_on") == "" {
			continue
		}
		p.Licences = append(p.Licences, kaowu.HeldLicence{Kind: get(k + "kind"), Category: get(k + "category"), Scope: v.Get(k + "scope"), ObtainedOn: date(k+"obtained_on", "取得时间")})
	}
	for i := range PostSlots {
		k := fmt.Sprintf("post_changes[%d].", i)
		if get(k+"on")+get(k+"from")+get(k+"to") == "" {
			continue
		}
		p.Posts = append(p.Posts, kaowu.PostChange{On: date(k+"on", "变动时间"), From: v.Get(k + "from"), To: v.Get(k + "to")})
	}
	return p, f
}

// validateProfile checks a profile's values and returns it cleaned
// (trimmed), with the refusals in f. Field names follow ProfileFromForm;
// slots are renumbered as submitted, which is how the form numbers them.
func (a *App) validateProfile(p kaowu.Profile, f fieldErrors) kaowu.Profile {
	today := a.today()
	if len(p.Education) == 0 {
		f.add("education[0].level", "请至少填写一项学历（最高学历）")
	}
	if len(p.Education) > EducationSlots || len(p.Titles) > TitleSlots || len(p.Licences) > LicenceSlots || len(p.Posts) > PostSlots {
		f.add("profile", "学历、资格、执业证书、岗位变动的条数超过了上限")
	}
	for i := range p.Education {
		e, k := &p.Education[i], fmt.Sprintf("education[%d].", i)
		if policy.EducationLevel(e.Level).Rank() == 0 {
			f.add(k+"level", "请选择学历层次")
		}
		e.Major = f.text(k+"major", "所学专业", e.Major, 1, 50)
		e.School = f.text(k+"school", "毕业院校", e.School, 1, 50)
		e.GraduatedOn = f.date(k+"graduated_on", "毕业时间", e.GraduatedOn.String(), true, today)
	}
	w := &p.Work
	if w.UnitID == "" {
		f.add("work.unit_id", "请从列表中选择工作单位")
	}
	w.Post = f.text("work.post", "岗位（从事专业）", w.Post, 1, 30)
	w.SpecialtyStartedOn = f.date("work.specialty_started_on", "从事本专业工作起始时间", w.SpecialtyStartedOn.String(), false, today)
	w.PracticeRegisteredOn = f.date("work.practice_registered_on", "执业注册时间", w.PracticeRegisteredOn.String(), false, today)
	w.ResidencyCertificateOn = f.date("work.residency_certificate_on", "住院医师规范化培训合格证书取得时间", w.ResidencyCertificateOn.String(), false, today)
	if w.HubeiAidAward != "" && !policy.AwardLevel(w.HubeiAidAward).Valid() {
		f.add("work.hubei_aid_award", "援鄂表彰级别无效，请从列表中选择")
	}
	if w.SocialInsuranceMonths < 0 || w.SocialInsuranceMonths > 600 {
		f.add("work.social_insurance_months", "社保缴纳月数应在 0 至 600 之间")
	}
	if w.FrontlineEarlyUsedBefore && !w.FrontlineAppraised {
		f.add("work.frontline_early_used_before", "只有参加疫情防治一线并经鉴定的人员才有此项")
	}
	for i := range p.Titles {
		t, k := &p.Titles[i], fmt.Sprintf("titles[%d].", i)
		if !t.Level.Valid() {
			f.add(k+"level", "请选择资格级别")
		}
		t.Specialty = f.text(k+"specialty", "资格专业", t.Specialty, 1, 30)
		t.ObtainedOn = f.date(k+"obtained_on", "取得时间", t.ObtainedOn.String(), true, today)
	}
	for i := range p.Licences {
		l, k := &p.Licences[i], fmt.Sprintf("licences[%d].", i)
		if !policy.LicenceKind(l.Kind).Valid() {
			f.add(k+"kind", "请选择执业证书类别")
		}
		if l.Category != "" && !policy.PhysicianCategory(l.Category).Valid() {
			f.add(k+"category", "执业类别无效，请从列表中选择")
		}
		if l.Kind == string(policy.LicenceNurse) {
			l.Category = ""
		}
		l.Scope = f.text(k+"scope", "执业范围", l.Scope, 0, 30)
		l.ObtainedOn = f.date(k+"obtained_on", "取得时间", l.ObtainedOn.String(), true, today)
	}
	for i := range p.Posts {
		c, k := &p.Posts[i], fmt.Sprintf("post_changes[%d].", i)
		c.On = f.date(k+"on", "变动时间", c.On.String(), true, today)
		c.From = f.text(k+"from", "原岗位专业", c.From, 1, 30)
		c.To = f.text(k+"to", "现岗位专业", c.To, 1, 30)
	}
	return p
}

// SaveProfile validates and stores the actor's own profile (基本信息维护).
// parseErrors are the refusals of ProfileFromForm, reported together with
// the rest.
func (a *App) SaveProfile(ctx context.Context, actor Actor, candidateID string, p kaowu.Profile, parseErrors map[string]string) (kaowu.Profile, error) {
	cand, err := a.authorize(ctx, actor, candidateID, true)
	if err != nil {
		return kaowu.Profile{}, err
	}
	f := fieldErrors{}
	for k, v := range parseErrors {
		f.add(k, v)
	}
	p = a.validateProfile(p, f)
	p.UserID = cand.ID
	if p.Work.UnitID != "" {
		if _, err := a.Store.Unit(ctx, p.Work.UnitID); kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
			f.add("work.unit_id", "请从列表中选择工作单位")
		} else if err != nil {
			return kaowu.Profile{}, err
		}
	}
	if err := f.err(); err != nil {
		return kaowu.Profile{}, err
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		before, err := tx.Profile(ctx, cand.ID)
		if err != nil {
			return err
		}
		if err := tx.PutProfile(ctx, p, a.Clock.Now()); err != nil {
			return err
		}
		before.Unit, before.Photo = nil, nil
		return a.auditChange(ctx, tx, actor, "profile.save", cand.ID, "保存基本信息（学历、工作情况）", before, p)
	})
	if err != nil {
		return kaowu.Profile{}, fmt.Errorf("save profile: %w", err)
	}
	return a.Store.Profile(ctx, cand.ID)
}

// UploadPhoto validates an uploaded photo (photo.IDPhoto) and stores it,
// re-encoded as JPEG, as the actor's own photo.
func (a *App) UploadPhoto(ctx context.Context, actor Actor, candidateID string, data []byte) (kaowu.PhotoMetadata, error) {
	cand, err := a.authorize(ctx, actor, candidateID, true)
	if err != nil {
		return kaowu.PhotoMetadata{}, err
	}
	res, err := photo.Process(data, photo.IDPhoto)
	if err != nil {
		return kaowu.PhotoMetadata{}, err
	}
	now := a.Clock.Now()
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PutPhoto(ctx, cand.ID, res.JPEG, res.Width, res.Height, now); err != nil {
			return err
		}
		return a.auditChange(ctx, tx, actor, "profile.photo", cand.ID,
			fmt.Sprintf("上传照片（%d×%d，%d 字节，已重新编码为 JPEG）", res.Width, res.Height, len(res.JPEG)), nil,
			kaowu.PhotoMetadata{Width: res.Width, Height: res.Height, Bytes: len(res.JPEG), UploadedAt: now})
	})
	if err != nil {
		return kaowu.PhotoMetadata{}, fmt.Errorf("upload photo: %w", err)
	}
	return kaowu.PhotoMetadata{Width: res.Width, Height: res.Height, Bytes: len(res.JPEG), UploadedAt: now.UTC()}, nil
}

// Photo returns a candidate's photo (JPEG) if the actor may see it.
func (a *App) Photo(ctx context.Context, actor Actor, candidateID string) ([]byte, error) {
	if _, err := a.authorize(ctx, actor, candidateID, false); err != nil {
		return nil, err
	}
	b, _, err := a.Store.Photo(ctx, candidateID)
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
		if p, perr := a.Store.Profile(ctx, candidateID); perr == nil && p.PurgedAt != nil {
			return nil, kaowu.Errorf(kaowu.ENOTFOUND, "%s（%s）", PhotoPurgedNote, p.PurgedAt.In(kaowu.Shanghai).Format("2006-01-02"))
		}
	}
	return b, err
}
