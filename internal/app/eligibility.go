package app

import (
	"context"
	"fmt"

	"kaowu"
	"kaowu/eligibility"
	"kaowu/policy"
)

// CheckEligibility evaluates facts against exam year y (0: the current
// year). Anyone may ask; nothing is stored.
func (a *App) CheckEligibility(ctx context.Context, y int, f eligibility.Facts, trace bool) (eligibility.Decision, error) {
	var py *policy.Year
	var err error
	if y == 0 {
		py, err = a.CurrentYear(ctx)
	} else {
		py, err = a.Year(ctx, y)
	}
	if err != nil {
		return eligibility.Decision{}, err
	}
	return eligibility.Evaluate(f, py, trace), nil
}

// CandidateFacts returns the facts that a candidate's account, profile and
// unit give for a target, for the actor allowed to read them.
func (a *App) CandidateFacts(ctx context.Context, actor Actor, candidateID string, target eligibility.Target) (eligibility.Facts, error) {
	acc, err := a.authorize(ctx, actor, candidateID, false)
	if err != nil {
		return eligibility.Facts{}, err
	}
	p, err := a.Store.Profile(ctx, candidateID)
	if err != nil && kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return eligibility.Facts{}, fmt.Errorf("candidate facts: %w", err)
	}
	var u kaowu.Unit
	if p.Work.UnitID != "" {
		if u, err = a.Store.Unit(ctx, p.Work.UnitID); err != nil {
			return eligibility.Facts{}, fmt.Errorf("candidate facts: %w", err)
		}
	}
	return eligibility.FromProfile(acc.IDType, p, u, target, a.today()), nil
}
