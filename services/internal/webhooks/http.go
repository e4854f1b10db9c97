package webhooks

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/solsec/platform/services/internal/httpx"
)

// Caller is what the HTTP API needs of an authenticated request: its
// organisation, and whether it may manage endpoints (create, delete),
// which hands out signing secrets and so is an admin's job.
type Caller func(r *http.Request) (orgID string, mayManage bool, ok bool)

// Handler serves the management API of endpoints under /v1/webhooks:
//
//	GET    /v1/webhooks                       the organisation's endpoints
//	POST   /v1/webhooks                       register one; the answer holds its secret, shown once
//	DELETE /v1/webhooks/{id}                  remove one with its deliveries
//	GET    /v1/webhooks/{id}/deliveries       recent deliveries with every attempt
func Handler(st *Store, caller Caller) http.Handler {
	mux := http.NewServeMux()
	h := &api{st: st, caller: caller}
	mux.HandleFunc("GET /v1/webhooks", h.list)
	mux.HandleFunc("POST /v1/webhooks", h.create)
	mux.HandleFunc("DELETE /v1/webhooks/{id}", h.delete)
	mux.HandleFunc("GET /v1/webhooks/{id}/deliveries", h.deliveries)
	return mux
}

type api struct {
	st     *Store
	caller Caller
}

func (a *api) org(w http.ResponseWriter, r *http.Request, manage bool) (string, bool) {
	org, mayManage, ok := a.caller(r)
	if !ok {
		httpx.Fail(w, r, http.StatusUnauthorized, "unauthenticated", "authentication required")
		return "", false
	}
	if manage && !mayManage {
		httpx.Fail(w, r, http.StatusForbidden, "forbidden", "only an admin may register or remove webhook endpoints")
		return "", false
	}
	return org, true
}

func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		httpx.Fail(w, r, http.StatusNotFound, "not_found", "no such webhook endpoint in your organisation")
	case errors.Is(err, ErrInvalid):
		httpx.Fail(w, r, http.StatusUnprocessableEntity, "invalid_endpoint", err.Error())
	default:
		w.Header().Set("Retry-After", "5")
		httpx.Fail(w, r, http.StatusServiceUnavailable, "unavailable", "webhooks are unavailable right now; retry shortly")
	}
}

func (a *api) list(w http.ResponseWriter, r *http.Request) {
	org, ok := a.org(w, r, false)
	if !ok {
		return
	}
	eps, err := a.st.ListEndpoints(r.Context(), org)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if eps == nil {
		eps = []Endpoint{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": eps})
}

func (a *api) create(w http.ResponseWriter, r *http.Request) {
	org, ok := a.org(w, r, true)
	if !ok {
		return
	}
	var in NewEndpoint
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		httpx.Fail(w, r, http.StatusBadRequest, "invalid_json", "want {\"url\": \"https://...\", \"eventTypes\": [...], \"description\": \"...\"}: "+err.Error())
		return
	}
	ep, secret, err := a.st.CreateEndpoint(r.Context(), org, in)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		Endpoint
		Secret string `json:"secret"`
	}{ep, secret})
}

func (a *api) delete(w http.ResponseWriter, r *http.Request) {
	org, ok := a.org(w, r, true)
	if !ok {
		return
	}
	if err := a.st.DeleteEndpoint(r.Context(), org, r.PathValue("id")); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) deliveries(w http.ResponseWriter, r *http.Request) {
	org, ok := a.org(w, r, false)
	if !ok {
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ds, err := a.st.ListDeliveries(r.Context(), org, r.PathValue("id"), limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if ds == nil {
		ds = []Delivery{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ds})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
