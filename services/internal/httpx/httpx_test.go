package httpx

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	return body
}

func TestWriteProblem(t *testing.T) {
	t.Run("writes the standard members and the extensions as problem+json", func(t *testing.T) {
		rec := httptest.NewRecorder()
		WriteProblem(rec, nil, Problem{
			Type: TypeURI("too_many_files"), Title: "Too many files", Status: http.StatusRequestEntityTooLarge,
			Detail: "2001 files; the limit is 2000", Instance: "/v1/analyses",
			Extra: map[string]any{"limit": 2000},
		})
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		assert.Equal(t, ProblemContentType, rec.Header().Get("Content-Type"))
		assert.Equal(t, map[string]any{
			"type": "urn:solsec:problem:too_many_files", "title": "Too many files", "status": float64(413),
			"detail": "2001 files; the limit is 2000", "instance": "/v1/analyses", "limit": float64(2000),
		}, decode(t, rec))
	})
	t.Run("defaults the type to about:blank and the title to the status text", func(t *testing.T) {
		rec := httptest.NewRecorder()
		WriteProblem(rec, nil, Problem{Status: http.StatusNotFound})
		body := decode(t, rec)
		assert.Equal(t, "about:blank", body["type"])
		assert.Equal(t, "Not Found", body["title"])
		assert.NotContains(t, body, "detail")
	})
	t.Run("does not let an extension replace a standard member", func(t *testing.T) {
		rec := httptest.NewRecorder()
		WriteProblem(rec, nil, Problem{Status: http.StatusBadRequest, Extra: map[string]any{"status": 200, "type": "x"}})
		body := decode(t, rec)
		assert.Equal(t, float64(400), body["status"])
		assert.Equal(t, "about:blank", body["type"])
	})
	t.Run("adds the request id of the request", func(t *testing.T) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req = req.WithContext(WithRequestID(req.Context(), "req-1"))
		Fail(rec, req, http.StatusForbidden, "forbidden", "viewers cannot triage")
		body := decode(t, rec)
		assert.Equal(t, "req-1", body["request_id"])
		assert.Equal(t, "forbidden", body["code"])
		assert.Equal(t, "urn:solsec:problem:forbidden", body["type"])
	})
}

func TestRequestID(t *testing.T) {
	var seen string
	h := RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = RequestIDFrom(r.Context()) }))
	tests := []struct {
		name     string
		incoming string
		keep     bool
	}{
		{"a sane incoming id is kept", "3f2a-01:lb.7_x", true},
		{"a missing id is generated", "", false},
		{"an id with a line break is replaced", "abc\r\nX-Evil: 1", false},
		{"an overlong id is replaced", strings.Repeat("a", 129), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.incoming != "" {
				req.Header[RequestIDHeader] = []string{tt.incoming}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, seen, rec.Header().Get(RequestIDHeader), "the handler and the client see the same id")
			if tt.keep {
				assert.Equal(t, tt.incoming, seen)
			} else {
				assert.Regexp(t, "^[0-9a-f]{32}$", seen)
			}
		})
	}
}
