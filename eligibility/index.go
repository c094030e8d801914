package eligibility

import (
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"weak"

	"kaowu"
	"kaowu/policy"
)

// index holds lookups derived from one *policy.Year, built once. A Year is
// treated as immutable once handed to Evaluate.
type index struct {
	byCode      map[string]*kaowu.Specialty
	byName      map[string]*kaowu.Specialty // name + "|" + level, active rows first
	categories  map[string][]policy.PhysicianCategory
	materials   map[string]*policy.Material
	materialIdx map[string]int
	onlineIDs   map[kaowu.IDType]int       // → index in online_id_types
	licTitles   map[policy.LicenceKind]int // → index in licence_titles
	fromReg     map[kaowu.Licence]bool
	community   map[string]bool // specialty names
	communityUC map[string]bool // unit categories
	privateUC   map[string]bool
	unitCats    map[string]bool
	hubei       map[policy.AwardLevel]bool
	residency   map[policy.PhysicianCategory]bool
	nurseAsst   map[string]bool
	sites       map[string]*policy.Site
	districts   map[string]*policy.Site
	byLevel     map[kaowu.Level][]int // condition rows per level
	rowKeys     []string              // conditions[i].Key()
	clauseSet   map[string]bool
	cutoff      string
	tr          traceStrings
}

// traceStrings are the parameter values a trace shows, formatted once.
type traceStrings struct {
	catalogLen, sitesLen, licenceRulesLen    string
	nurseNames, communitySpecialties         string
	communityUnitCats, privateUnitCats       string
	residencyCats, awardLevels, fromReg      string
	residencyAsMaster, primaryCareDirect     string
	cats                                     map[string]string // by specialty name
	rowParam, rowDesc, materialParam         []string
	onlineIDParam, licTitleParam, licTitleLv []string
}

// indexes maps a weak *policy.Year to its *index. The entry goes when the
// Year is collected, so loading years again and again does not leak.
var indexes sync.Map

// indexOf returns the index of y, building it on first use. Concurrent
// first uses may build it twice; one wins, both are equal.
func indexOf(y *policy.Year) *index {
	k := weak.Make(y)
	if v, ok := indexes.Load(k); ok {
		return v.(*index)
	}
	v, loaded := indexes.LoadOrStore(k, buildIndex(y))
	if !loaded {
		runtime.AddCleanup(y, func(k weak.Pointer[policy.Year]) { indexes.Delete(k) }, k)
	}
	return v.(*index)
}

func buildIndex(y *policy.Year) *index {
	e := &y.Eligibility
	ix := &index{
		byCode:      map[string]*kaowu.Specialty{},
		byName:      map[string]*kaowu.Specialty{},
		categories:  map[string][]policy.PhysicianCategory{},
		materials:   map[string]*policy.Material{},
		materialIdx: map[string]int{},
		onlineIDs:   map[kaowu.IDType]int{},
		licTitles:   map[policy.LicenceKind]int{},
		fromReg:     map[kaowu.Licence]bool{},
		community:   set(e.Community.Specialties),
		communityUC: set(e.Community.UnitCategories),
		privateUC:   set(e.Private.UnitCategories),
		unitCats:    map[string]bool{},
		hubei:       map[policy.AwardLevel]bool{},
		residency:   map[policy.PhysicianCategory]bool{},
		nurseAsst:   set(e.NurseAssistant.Names),
		sites:       map[string]*policy.Site{},
		districts:   map[string]*policy.Site{},
		byLevel:     map[kaowu.Level][]int{},
		clauseSet:   map[string]bool{},
		cutoff:      y.Cutoff.Date.String(),
	}
	for i := range y.Catalog {
		s := &y.Catalog[i]
		if _, dup := ix.byCode[s.Code]; !dup {
			ix.byCode[s.Code] = s
		}
		k := s.Name + "|" + string(s.Level)
		if old, ok := ix.byName[k]; !ok || (!old.Active() && s.Active()) {
			ix.byName[k] = s
		}
		ix.categories[s.Name] = e.PhysicianCategories.Of(s.Name)
	}
	for i := range e.Materials {
		ix.materials[e.Materials[i].Key] = &e.Materials[i]
		ix.materialIdx[e.Materials[i].Key] = i
	}
	for i, t := range e.OnlineIDTypes {
		ix.onlineIDs[t.IDType] = i
	}
	for i, t := range e.LicenceTitles {
		ix.licTitles[t.Licence] = i
	}
	for _, l := range e.Counting.FromRegistration {
		ix.fromReg[l] = true
	}
	for _, c := range y.UnitCategories {
		ix.unitCats[c.Key] = true
	}
	for _, a := range e.HubeiAid.AwardLevels {
		ix.hubei[a] = true
	}
	for _, c := range e.Residency.Categories {
		ix.residency[c] = true
	}
	for i := range y.Sites {
		s := &y.Sites[i]
		ix.sites[s.Code] = s
		ix.districts[s.District] = s
	}
	for i, c := range e.Conditions {
		ix.byLevel[c.Level] = append(ix.byLevel[c.Level], i)
		ix.rowKeys = append(ix.rowKeys, c.Key())
	}
	// Highest education first: the closest row is the route named.
	for _, rows := range ix.byLevel {
		sort.SliceStable(rows, func(a, b int) bool {
			return e.Conditions[rows[a]].Education.Rank() > e.Conditions[rows[b]].Education.Rank()
		})
	}
	for _, c := range y.Clauses {
		ix.clauseSet[c.ID] = true
	}
	ix.tr = buildTraceStrings(y)
	return ix
}

func buildTraceStrings(y *policy.Year) traceStrings {
	e := &y.Eligibility
	t := traceStrings{
		catalogLen:           itoa(len(y.Catalog)),
		sitesLen:             itoa(len(y.Sites)),
		licenceRulesLen:      itoa(len(y.LicenceRules)),
		nurseNames:           strings.Join(e.NurseAssistant.Names, "、"),
		communitySpecialties: strings.Join(e.Community.Specialties, "、"),
		communityUnitCats:    strings.Join(e.Community.UnitCategories, ","),
		privateUnitCats:      strings.Join(e.Private.UnitCategories, ","),
		residencyCats:        catList(e.Residency.Categories),
		awardLevels:          awardList(e.HubeiAid.AwardLevels),
		fromReg:              licList(e.Counting.FromRegistration),
		residencyAsMaster:    string(e.ResidencyAsMaster.Education) + "→" + string(e.ResidencyAsMaster.CountsAs),
		primaryCareDirect:    string(e.PrimaryCareDirect.Education) + "/" + string(e.PrimaryCareDirect.Level),
		cats:                 map[string]string{},
	}
	for _, s := range y.Catalog {
		t.cats[s.Name] = catList(e.PhysicianCategories.Of(s.Name))
	}
	for i, c := range e.Conditions {
		t.rowParam = append(t.rowParam, "p:eligibility.conditions["+itoa(i)+"]")
		t.rowDesc = append(t.rowDesc, c.Key()+" title="+string(c.Title)+" years="+itoa(c.Years))
	}
	for i := range e.Materials {
		t.materialParam = append(t.materialParam, "p:eligibility.materials["+itoa(i)+"]")
	}
	for i := range e.OnlineIDTypes {
		t.onlineIDParam = append(t.onlineIDParam, "p:eligibility.online_id_types["+itoa(i)+"]")
	}
	for i, lt := range e.LicenceTitles {
		t.licTitleParam = append(t.licTitleParam, "p:eligibility.licence_titles["+itoa(i)+"]")
		t.licTitleLv = append(t.licTitleLv, string(lt.Level))
	}
	return t
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// resolve finds a specialty by code or by name and level.
func (ix *index) resolve(t Target) (*kaowu.Specialty, bool) {
	if isCode(t.Specialty) {
		s, ok := ix.byCode[t.Specialty]
		return s, ok
	}
	s, ok := ix.byName[t.Specialty+"|"+string(t.Level)]
	return s, ok
}

// resolveAny finds a specialty by code, or by name at any level (titles).
func (ix *index) resolveAny(s string) (*kaowu.Specialty, bool) {
	if isCode(s) {
		sp, ok := ix.byCode[s]
		return sp, ok
	}
	for _, l := range kaowu.Levels {
		if sp, ok := ix.byName[s+"|"+string(l)]; ok {
			return sp, true
		}
	}
	return nil, false
}

func itoa(n int) string { return strconv.Itoa(n) }
