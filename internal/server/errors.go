package server

import (
	"encoding/json"
	"net/http"
	"strings"

	"kaowu"
)

// status maps an application error code to its HTTP status. It is the only
// place where that mapping is made.
func status(code string) int {
	switch code {
	case kaowu.EINVALID:
		return http.StatusUnprocessableEntity
	case kaowu.ENOTFOUND:
		return http.StatusNotFound
	case kaowu.ECONFLICT:
		return http.StatusConflict
	case kaowu.EFORBIDDEN:
		return http.StatusForbidden
	case kaowu.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case kaowu.ETOOMANY:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// logIfInternal logs the cause of an internal error with the request id.
func (s *Server) logIfInternal(r *http.Request, err error) {
	if kaowu.ErrorCode(err) == kaowu.EINTERNAL {
		s.Log.Error("internal error", "request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// fail answers err in the form the request expects: JSON for the API, a
// page otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.apiError(w, r, err)
		return
	}
	s.pageError(w, r, err)
}

// apiError writes {"error":{"code","message","fields","request_id"}}.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	code := kaowu.ErrorCode(err)
	fields := kaowu.ErrorFields(err)
	if fields == nil {
		fields = map[string]string{}
	}
	body := map[string]any{"error": map[string]any{
		"code":       code,
		"message":    kaowu.ErrorMessage(err),
		"fields":     fields,
		"request_id": requestID(r.Context()),
	}}
	writeJSON(w, status(code), body)
}

// pageError renders the error page.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	code := kaowu.ErrorCode(err)
	s.render(w, r, status(code), "error", map[string]any{
		"Code":      code,
		"Message":   kaowu.ErrorMessage(err),
		"Fields":    kaowu.ErrorFields(err),
		"RequestID": requestID(r.Context()),
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// sendPrivate answers with one private document (a photo, a form, a
// pledge): never cached, its type not sniffed; or with err's page.
func (s *Server) sendPrivate(w http.ResponseWriter, r *http.Request, contentType, filename string, b []byte, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	if filename != "" {
		w.Header().Set("Content-Disposition", `inline; filename="`+filename+`"`)
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}
