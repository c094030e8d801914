package main

import (
	"context"
	"encoding/json"

	"kaowu/eligibility"
)

// checkCmd reads candidate facts as JSON on standard input and prints the
// eligibility decision as JSON (docs/eligibility.md describes both).
func checkCmd(ctx context.Context, args []string, e *env) error {
	fs := newFlags("check", e)
	var c common
	c.register(fs, "kaowu.db")
	year := fs.Int("year", 0, "考试年度（默认：当前年度）")
	trace := fs.Bool("trace", false, "输出每条规则的判断过程")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	facts, err := eligibility.DecodeFacts(e.stdin)
	if err != nil {
		return err
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	d, err := a.CheckEligibility(ctx, *year, facts, *trace)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
