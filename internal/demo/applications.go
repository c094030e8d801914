package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"time"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
)

// profiles are the demo candidates' backgrounds, each with the specialty it
// qualifies for (368 护理学, 303 内科学, 201 药学（初级师）).
var profiles = []struct {
	specialty string
	profile   func(unitID string) kaowu.Profile
}{
	{"368", func(unitID string) kaowu.Profile {
		return kaowu.Profile{
			Education: []kaowu.Education{{Level: "bachelor", Major: "护理学", School: "首都医科大学", GraduatedOn: kaowu.NewDate(2015, 7, 1), FullTime: true, Medical: true}},
			Work:      kaowu.Work{UnitID: unitID, Post: "护理", PracticeRegisteredOn: kaowu.NewDate(2015, 10, 1), SpecialtyStartedOn: kaowu.NewDate(2015, 10, 1)},
			Titles:    []kaowu.HeldTitle{{Level: kaowu.LevelJunior, Specialty: "护理学", ObtainedOn: kaowu.NewDate(2019, 5, 20)}},
			Licences:  []kaowu.HeldLicence{{Kind: "nurse", ObtainedOn: kaowu.NewDate(2015, 9, 1)}},
		}
	}},
	{"303", func(unitID string) kaowu.Profile {
		return kaowu.Profile{
			Education: []kaowu.Education{{Level: "bachelor", Major: "临床医学", School: "北京大学医学部", GraduatedOn: kaowu.NewDate(2014, 7, 1), FullTime: true, Medical: true}},
			Work: kaowu.Work{UnitID: unitID, Post: "内科", PracticeRegisteredOn: kaowu.NewDate(2015, 9, 1), SpecialtyStartedOn: kaowu.NewDate(2014, 8, 1),
				ResidencyCertificateOn: kaowu.NewDate(2017, 8, 1)},
			Titles:   []kaowu.HeldTitle{{Level: kaowu.LevelJunior, Specialty: "内科学", ObtainedOn: kaowu.NewDate(2018, 6, 1)}},
			Licences: []kaowu.HeldLicence{{Kind: "physician", Category: "clinical", Scope: "内科专业", ObtainedOn: kaowu.NewDate(2015, 8, 1)}},
		}
	}},
	{"201", func(unitID string) kaowu.Profile {
		return kaowu.Profile{
			Education: []kaowu.Education{{Level: "bachelor", Major: "药学", School: "中国药科大学", GraduatedOn: kaowu.NewDate(2021, 7, 1), FullTime: true, Medical: true}},
			Work:      kaowu.Work{UnitID: unitID, Post: "药剂", SpecialtyStartedOn: kaowu.NewDate(2021, 8, 1)},
		}
	}},
}

// demoPhoto is a plain portrait JPEG standing in for a candidate's photo.
func demoPhoto() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 360, 480))
	for y := range 480 {
		for x := range 360 {
			img.Set(x, y, color.RGBA{210, uint8(200 + y%40), uint8(190 + x%50), 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

// seedApplications gives the Fengtai candidates among the first n a
// profile, a photo and a WeChat binding, and applications in the states the
// system has: ready to apply (cand0001–0040), returning candidates confirmed
// automatically or not (0041–0060), submitted (0061–0150), withdrawn and
// resubmitted (0151–0170), drafts (0171–0180). It goes through the same use
// cases as candidates do, on a clock inside the online application window,
// each candidate applying on one of its first days (submittedAt).
func seedApplications(ctx context.Context, s *store.Store, n int) (map[string]int, error) {
	at, err := time.Parse(time.RFC3339, Now)
	if err != nil {
		return nil, err
	}
	clock := kaowu.NewManualClock(at)
	a := app.New(s, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	photo := demoPhoto()
	byName := map[string]kaowu.Account{}
	for i := 1; i <= n && i <= 180; i++ {
		name := fmt.Sprintf("cand%04d", i)
		accs, err := s.AccountsByLogin(ctx, name)
		if err != nil || len(accs) != 1 {
			return nil, fmt.Errorf("seed applications: account %s: %v", name, err)
		}
		byName[name] = accs[0]
	}
	unitOf := map[string]kaowu.Unit{}
	for _, u := range units {
		unitOf[u.ID] = u
	}
	counts := map[string]int{}
	var previous []kaowu.PreviousRecord
	err = s.Update(ctx, func(tx *store.Tx) error {
		for i := 1; i <= n && i <= 180; i++ {
			acc := byName[fmt.Sprintf("cand%04d", i)]
			u := unitOf[acc.UnitID]
			if u.District != "丰台区" {
				continue
			}
			t := profiles[i%len(profiles)]
			p := t.profile(u.ID)
			p.UserID = acc.ID
			if err := tx.PutProfile(ctx, p, at); err != nil {
				return err
			}
			if err := tx.PutPhoto(ctx, acc.ID, photo, 360, 480, at); err != nil {
				return err
			}
			if err := tx.BindWeChat(ctx, kaowu.WeChatBinding{UserID: acc.ID, OpenID: "demo-openid-" + acc.Username, BoundAt: at}); err != nil {
				return err
			}
			if i > 40 && i <= 60 {
				r := kaowu.PreviousRecord{Year: 2023, IDType: acc.IDType, IDNumber: acc.IDNumber, Name: acc.Name,
					ArchiveNo: fmt.Sprintf("2023110%05d", i), Region: "beijing", Site: "fengtai", SpecialtyCode: t.specialty,
					Education: p.Education, UnitName: u.Name, Post: p.Work.Post, Source: "演示数据", ImportedAt: at,
					Results: []kaowu.SubjectResult{{Subject: kaowu.SubjectBasics, Sat: true, Score: 72, Passed: true},
						{Subject: kaowu.SubjectRelated, Sat: true, Score: 65, Passed: true},
						{Subject: kaowu.SubjectProfessional, Sat: true, Score: 55}, {Subject: kaowu.SubjectPractice, Sat: true, Score: 51}}}
				if parsed, err := kaowu.ParseIDNumber(acc.IDType, string(acc.IDNumber), kaowu.Date{}); err == nil {
					r.BirthDate = parsed.Birth
				}
				r.Level, _ = kaowu.LevelOfCode(t.specialty)
				if i > 55 {
					r.UnitName = "丰台区原工作单位" // changed since last year: the confirmation fails with the difference shown
				}
				previous = append(previous, r)
			}
		}
		if len(previous) == 0 {
			return nil
		}
		_, err := tx.ReplacePreviousRecords(ctx, 2023, previous)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("seed profiles: %w", err)
	}
	decl := kaowu.Declarations{EducationRelevant: "yes", EducationRecognised: "yes", TitleRelevant: "yes"}
	for i := 41; i <= n && i <= 180; i++ {
		acc := byName[fmt.Sprintf("cand%04d", i)]
		if unitOf[acc.UnitID].District != "丰台区" {
			continue
		}
		who := app.Actor{Username: acc.Username, Role: kaowu.RoleCandidate}
		clock.Set(submittedAt(at, i))
		if _, err := a.StartApplication(ctx, who); err != nil {
			return nil, fmt.Errorf("seed %s: %w", acc.Username, err)
		}
		if _, err := a.SaveChoices(ctx, who, app.Choices{Site: "fengtai", Specialty: profiles[i%len(profiles)].specialty, Decl: decl}); err != nil {
			return nil, fmt.Errorf("seed %s: %w", acc.Username, err)
		}
		if i > 170 {
			counts["draft"]++
			continue
		}
		got, err := a.Submit(ctx, who, 0, true)
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", acc.Username, err)
		}
		if i > 150 {
			clock.Set(at) // withdrawn and resubmitted on the last day
			if _, err := a.Withdraw(ctx, who); err != nil {
				return nil, err
			}
			if got, err = a.Submit(ctx, who, 1, true); err != nil {
				return nil, err
			}
		}
		counts[string(got.State)]++
	}
	return counts, nil
}

// submittedAt is when demo candidate i applies: between the window's first
// morning and now, more of them on the first days, as candidates do, so
// that the offices' dashboards show a shape day by day.
func submittedAt(now time.Time, i int) time.Time {
	k := (i * 37) % 98
	return now.Add(-time.Duration(97-k*k/98) * time.Hour)
}
