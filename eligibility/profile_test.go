package eligibility

import (
	"testing"

	"kaowu"
)

// TestFromProfile: a nurse's stored profile gives the facts the engine
// needs; relevance it cannot know goes to review, and asserting it makes
// the same profile eligible.
func TestFromProfile(t *testing.T) {
	y := testYear(t)
	p := kaowu.Profile{
		Education: []kaowu.Education{{Level: "bachelor", Major: "护理学", GraduatedOn: kaowu.NewDate(2015, 7, 1), FullTime: true, Medical: true}},
		Titles:    []kaowu.HeldTitle{{Level: kaowu.LevelJunior, Specialty: "护理学", ObtainedOn: kaowu.NewDate(2019, 5, 20)}},
		Licences:  []kaowu.HeldLicence{{Kind: "nurse", ObtainedOn: kaowu.NewDate(2015, 9, 1)}},
		Work:      kaowu.Work{PracticeRegisteredOn: kaowu.NewDate(2015, 10, 1), SpecialtyStartedOn: kaowu.NewDate(2015, 10, 1), ResidencyCertificateOn: kaowu.NewDate(2018, 1, 1), FrontlineAppraised: true},
	}
	u := kaowu.Unit{Name: "丰台区直属第一医院", District: "丰台区", Category: "direct_hospital"}
	f := FromProfile(kaowu.IDResident, p, u, Target{Specialty: "368", Site: "fengtai"}, kaowu.NewDate(2023, 12, 5))
	if f.Unit.District != "丰台区" || len(f.Titles) != 1 || f.Frontline == nil || !f.Frontline.Appraised || f.ResidencyCertificate == nil || f.Military {
		t.Fatalf("facts = %+v", f)
	}
	if d := Evaluate(f, y, false); d.Outcome != Review {
		t.Errorf("unasserted relevance: outcome %s, want review (%+v)", d.Outcome, d.Reasons)
	}
	yes := true
	f.Education[0].Relevant, f.Education[0].Recognised, f.Titles[0].Relevant = &yes, &yes, &yes
	if d := Evaluate(f, y, false); d.Outcome != Eligible {
		t.Errorf("asserted relevance: outcome %s, want eligible (%+v)", d.Outcome, d.Reasons)
	}
	if f := FromProfile(kaowu.IDMilitaryOfficer, p, u, Target{Specialty: "368"}, kaowu.Date{}); !f.Military {
		t.Error("a military officer's ID does not mark the facts military")
	}
}
