package eligibility

import (
	"kaowu"
	"kaowu/policy"
)

// FromProfile returns the facts that an account's ID type, its stored
// profile and its unit give, for a target. What a profile does not hold
// stays unknown: whether a major or title is relevant to the target and
// whether an education is recognised are left unset, so the engine sends
// them to the site office for review rather than guessing. The previous
// year's result comes from the returning-candidate records, not from the
// profile, and is set by the caller.
func FromProfile(idType kaowu.IDType, p kaowu.Profile, u kaowu.Unit, target Target, today kaowu.Date) Facts {
	w := p.Work
	f := Facts{
		Today:                        today,
		IDType:                       idType,
		Military:                     idType == kaowu.IDMilitaryOfficer,
		PracticeRegisteredOn:         w.PracticeRegisteredOn,
		SpecialtyStartedOn:           w.SpecialtyStartedOn,
		Unit:                         Unit{Name: u.Name, District: u.District, Category: u.Category, Private: u.Private},
		CommunityTrainingCertificate: w.CommunityTrainingCertificate,
		HubeiAidAward:                policy.AwardLevel(w.HubeiAidAward),
		FileElsewhere:                w.FileElsewhere,
		SocialInsuranceMonths:        w.SocialInsuranceMonths,
		Target:                       target,
	}
	for _, e := range p.Education {
		f.Education = append(f.Education, Education{
			Level: policy.EducationLevel(e.Level), Major: e.Major, Medical: e.Medical, FullTime: e.FullTime,
			GraduatedOn: e.GraduatedOn, MilitarySchool: e.MilitarySchool,
		})
	}
	for _, t := range p.Titles {
		f.Titles = append(f.Titles, Title{Level: t.Level, Specialty: t.Specialty, ObtainedOn: t.ObtainedOn})
	}
	for _, l := range p.Licences {
		f.Licences = append(f.Licences, Licence{Kind: policy.LicenceKind(l.Kind), Category: policy.PhysicianCategory(l.Category), Scope: l.Scope, ObtainedOn: l.ObtainedOn})
	}
	for _, c := range p.Posts {
		f.PostChanges = append(f.PostChanges, PostChange{On: c.On, From: c.From, To: c.To})
	}
	if w.FrontlineAppraised {
		f.Frontline = &Frontline{Appraised: true, EarlyUsedBefore: w.FrontlineEarlyUsedBefore}
	}
	if !w.ResidencyCertificateOn.IsZero() {
		f.ResidencyCertificate = &ResidencyCertificate{ObtainedOn: w.ResidencyCertificateOn}
	}
	return f
}
