package server

import (
	"net/http"
	"strconv"

	"kaowu"
)

// catalogResponse is the body of GET /api/v1/years/{year}/catalog.
type catalogResponse struct {
	Year        int               `json:"year"`
	Active      int               `json:"active"`
	Removed     int               `json:"removed"`
	Specialties []kaowu.Specialty `json:"specialties"`
}

func (s *Server) apiCatalog(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		s.apiError(w, r, kaowu.FieldError("year", "考试年度应为四位数字，例如 2024"))
		return
	}
	y, err := s.App.Year(r.Context(), n)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	resp := catalogResponse{Year: y.Year, Specialties: y.Catalog}
	resp.Active, resp.Removed = y.CatalogCounts()
	writeJSON(w, http.StatusOK, resp)
}
