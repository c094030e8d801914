package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"kaowu"
	"kaowu/policy"
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
	b, err := s.catalogBodies.get(y)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("ETag", b.etag)
	h.Set("Cache-Control", "public, max-age=60")
	h.Set("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == b.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	body := b.plain
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = b.gzipped
	}
	w.Write(body)
}

// catalogCache keeps each stored year's catalogue encoded, plain and
// gzipped: the catalogue changes only with the year's revision (a new
// *policy.Year from App.Year), and every candidate reads it.
type catalogCache struct {
	mu     sync.Mutex
	byYear map[*policy.Year]catalogBody
}

type catalogBody struct {
	etag           string
	plain, gzipped []byte
}

func (c *catalogCache) get(y *policy.Year) (catalogBody, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.byYear[y]; ok {
		return b, nil
	}
	resp := catalogResponse{Year: y.Year, Specialties: y.Catalog}
	resp.Active, resp.Removed = y.CatalogCounts()
	plain, err := json.Marshal(resp)
	if err != nil {
		return catalogBody{}, fmt.Errorf("encode catalogue %d: %w", y.Year, err)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(plain)
	zw.Close()
	// One entry per year: a new revision replaces the old one.
	for old := range c.byYear {
		if old.Year == y.Year {
			delete(c.byYear, old)
		}
	}
	if c.byYear == nil {
		c.byYear = map[*policy.Year]catalogBody{}
	}
	b := catalogBody{etag: fmt.Sprintf(`"%d-%x"`, y.Year, crc32.ChecksumIEEE(plain)), plain: plain, gzipped: gz.Bytes()}
	c.byYear[y] = b
	return b, nil
}
