package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/solsec/platform/services/internal/httpx"
	"github.com/solsec/platform/services/internal/store"
)

// Problem codes of the API's own; the upload package's codes (upload.Code)
// and the auth middleware's are passed through as they are.
const (
	codeNotFound            = "not_found"
	codeInvalidRequest      = "invalid_request"
	codeInvalidParameter    = "invalid_parameter"
	codeIdempotencyReused   = "idempotency_key_reused"
	codeRateLimited         = "rate_limited"
	codeNotCompleted        = "analysis_not_completed"
	codeAlreadyFinished     = "analysis_finished"
	codeInvalidTriage       = "invalid_triage"
	codeConflict            = "conflict"
	codeInternal            = "internal"
	codeInvalidLogin        = "invalid_login"
	codeUnknownTool         = "unknown_tool"
	codeInvalidProject      = "invalid_project"
	codeInvalidIdempotency  = "invalid_idempotency_key"
	codeUnsupportedEncoding = "unsupported_content_encoding"
)

// fail is httpx.Fail under a shorter name.
func fail(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	httpx.Fail(w, r, status, code, detail)
}

// writeProblem writes a problem of type httpx.TypeURI(code) with extension
// members.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string, extra map[string]any) {
	httpx.WriteProblem(w, r, httpx.Problem{Type: httpx.TypeURI(code), Status: status, Detail: detail, Extra: extra})
}

// writeJSON writes v with status. Responses carry tenant data, so nothing
// may be cached by intermediaries.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	// The status is out; an encoding error is a closed connection.
	_ = enc.Encode(v)
}

// storeError answers a store error: ErrNotFound 404 (whether the row is
// missing or another organisation's), ErrInvalidInput 400, ErrConflict 409,
// anything else 500 with the detail logged and not shown.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		fail(w, r, http.StatusNotFound, codeNotFound, what+" not found")
	case errors.Is(err, store.ErrInvalidInput):
		fail(w, r, http.StatusBadRequest, codeInvalidParameter, strings.TrimPrefix(err.Error(), "store: "))
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrInvalidTransition):
		fail(w, r, http.StatusConflict, codeConflict, what+" changed concurrently; retry")
	default:
		s.internal(w, r, err)
	}
}

// internal logs err and answers 500 without its detail, which may name
// hosts or SQL.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "request failed", "error", err.Error())
	fail(w, r, http.StatusInternalServerError, codeInternal, "the server failed to handle the request; quote the request_id to support")
}

// decodeJSON reads a small JSON body into v, refusing unknown fields and
// trailing data so that a typo in a field name is an error, not a default.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body := http.MaxBytesReader(w, r.Body, 64<<10)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data after the JSON object")
	}
	if err != nil {
		fail(w, r, http.StatusBadRequest, codeInvalidRequest, "the body must be one JSON object of the documented shape: "+err.Error())
		return false
	}
	return true
}

// pageParams reads limit and cursor.
func pageParams(w http.ResponseWriter, r *http.Request) (limit int, cursor string, ok bool) {
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxPageSize {
			fail(w, r, http.StatusBadRequest, codeInvalidParameter, fmt.Sprintf("limit=%q: want an integer from 1 to %d", v, store.MaxPageSize))
			return 0, "", false
		}
		limit = n
	}
	return limit, q.Get("cursor"), true
}

// listParam splits a comma-separated, possibly repeated query parameter.
func listParam(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// page is the JSON shape of every list.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}
