package app

import (
	"context"
	"fmt"

	"kaowu"
)

// actorAccount returns the live account of the actor (usernames are unique).
func (a *App) actorAccount(ctx context.Context, actor Actor) (kaowu.Account, error) {
	if acc := actor.Account; acc != nil && acc.Username == actor.Username && acc.Role == actor.Role {
		return *acc, nil
	}
	accs, err := a.Store.AccountsByLogin(ctx, actor.Username)
	if err != nil {
		return kaowu.Account{}, err
	}
	for _, acc := range accs {
		if acc.Username == actor.Username && acc.Role == actor.Role {
			return acc, nil
		}
	}
	return kaowu.Account{}, kaowu.Errorf(kaowu.EUNAUTHORIZED, "请先登录")
}

// errNotYours is the one refusal for another person's record and for a
// record that does not exist: the two must look the same, so that ids
// cannot be probed.
func errNotYours() error {
	return kaowu.Errorf(kaowu.EFORBIDDEN, "您无权查看或修改其他考生的信息")
}

// notYours turns a lookup's not-found into errNotYours.
func notYours(err error) error {
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
		return errNotYours()
	}
	return err
}

// authorize returns the candidate candidateID if the actor may see their
// data (write=false) or change it (write=true), and EFORBIDDEN otherwise.
// It is the one place that decides whose data a role reaches:
//   - a candidate: their own account only, to read and to change;
//   - unit HR: candidates whose unit is theirs, to read;
//   - site staff: candidates whose unit lies in their site's district, and
//     candidates with no unit yet (they come to the desk), to read;
//   - region staff and admin: every candidate, to read;
//   - military units: none (their candidates do not register online).
//
// Only the candidate changes their own profile, photo and binding; staff
// change accounts through their own use cases (change requests, reset
// codes), which call authorize to read first.
func (a *App) authorize(ctx context.Context, actor Actor, candidateID string, write bool) (kaowu.Account, error) {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return kaowu.Account{}, err
	}
	forbidden := errNotYours()
	if me.Role == kaowu.RoleCandidate {
		if me.ID != candidateID {
			return kaowu.Account{}, forbidden
		}
		return me, nil
	}
	if write {
		return kaowu.Account{}, forbidden
	}
	cand, err := a.Store.Account(ctx, candidateID)
	if err != nil {
		if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
			return kaowu.Account{}, forbidden
		}
		return kaowu.Account{}, err
	}
	if cand.Role != kaowu.RoleCandidate || cand.Deleted() {
		return kaowu.Account{}, forbidden
	}
	ok, err := a.staffReaches(ctx, me, cand)
	if err != nil {
		return kaowu.Account{}, err
	}
	if !ok {
		return kaowu.Account{}, forbidden
	}
	return cand, nil
}

// staffReaches reports whether a staff account's scope covers a candidate.
func (a *App) staffReaches(ctx context.Context, staff, cand kaowu.Account) (bool, error) {
	switch staff.Role {
	case kaowu.RoleAdmin, kaowu.RoleRegionStaff:
		return true, nil
	case kaowu.RoleUnitHR:
		return staff.UnitID != "" && cand.UnitID == staff.UnitID, nil
	case kaowu.RoleSiteStaff:
		if cand.UnitID == "" {
			return true, nil
		}
		unit, err := a.Store.Unit(ctx, cand.UnitID)
		if err != nil {
			return false, err
		}
		site, err := a.siteOfDistrict(ctx, unit.District)
		if err != nil {
			return false, err
		}
		return site != "" && site == staff.Site, nil
	}
	return false, nil
}

// siteOfDistrict returns the code of the current year's site for a
// district (二（一）: a unit's district decides its site), or "".
func (a *App) siteOfDistrict(ctx context.Context, district string) (string, error) {
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return "", fmt.Errorf("site of %s: %w", district, err)
	}
	for _, s := range y.Sites {
		if s.District == district {
			return s.Code, nil
		}
	}
	return "", nil
}

// siteExists reports whether code is a site of the current year.
func (a *App) siteExists(ctx context.Context, code string) (bool, error) {
	y, err := a.CurrentYear(ctx)
	if err != nil {
		return false, err
	}
	for _, s := range y.Sites {
		if s.Code == code {
			return true, nil
		}
	}
	return false, nil
}
