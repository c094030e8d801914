package server

import (
	"net/http"
	"net/url"
	"strconv"

	"kaowu"
	"kaowu/eligibility"
)

// apiEligibility answers POST /api/v1/eligibility/check[?year=2024][&trace=1]
// with the decision for the facts in the body. Open to anyone.
func (s *Server) apiEligibility(w http.ResponseWriter, r *http.Request) {
	year, trace, err := checkParams(r.URL.Query())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	facts, err := eligibility.DecodeFacts(http.MaxBytesReader(w, r.Body, eligibility.MaxFactsBytes))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.App.CheckEligibility(r.Context(), year, facts, trace)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func checkParams(q url.Values) (year int, trace bool, err error) {
	if v := q.Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil {
			return 0, false, kaowu.FieldError("year", "考试年度应为四位数字，例如 2024")
		}
	}
	switch q.Get("trace") {
	case "", "0", "false":
	case "1", "true":
		trace = true
	default:
		return 0, false, kaowu.FieldError("trace", "trace 应为 true 或 false")
	}
	return year, trace, nil
}
