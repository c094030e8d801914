package app

import (
	"context"

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
