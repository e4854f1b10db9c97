package api_test

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTheDocumentsSchemasAreValidJSONSchema2020 compiles every schema the
// document embeds; compiling validates each against the 2020-12 metaschema.
func TestTheDocumentsSchemasAreValidJSONSchema2020(t *testing.T) {
	o := contract(t)
	require.Equal(t, "3.1.0", o.doc["openapi"])
	require.Equal(t, "https://json-schema.org/draft/2020-12/schema", o.doc["jsonSchemaDialect"])

	var ptrs []string
	for name := range o.doc["components"].(map[string]any)["schemas"].(map[string]any) {
		ptrs = append(ptrs, pointer("components", "schemas", name))
	}
	for path, item := range o.doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			op := op.(map[string]any)
			if body, ok := op["requestBody"].(map[string]any); ok {
				for mt := range body["content"].(map[string]any) {
					ptrs = append(ptrs, pointer("paths", path, method, "requestBody", "content", mt, "schema"))
				}
			}
			for status, resp := range op["responses"].(map[string]any) {
				resp := resp.(map[string]any)
				if _, isRef := resp["$ref"]; isRef {
					continue
				}
				content, _ := resp["content"].(map[string]any)
				for mt := range content {
					ptrs = append(ptrs, pointer("paths", path, method, "responses", status, "content", mt, "schema"))
				}
			}
			params, _ := op["parameters"].([]any)
			for i, p := range params {
				if _, isRef := p.(map[string]any)["$ref"]; !isRef {
					ptrs = append(ptrs, pointer("paths", path, method, "parameters")+"/"+strconv.Itoa(i)+"/schema")
				}
			}
		}
	}
	sort.Strings(ptrs)
	require.Greater(t, len(ptrs), 40)
	for _, p := range ptrs {
		_, err := o.schema(p)
		assert.NoError(t, err, "schema at %s", p)
	}
}

func TestEveryRouteIsDocumented(t *testing.T) {
	o := contract(t)
	routes := []string{
		"POST /v1/auth/login", "POST /v1/analyses", "GET /v1/analyses", "GET /v1/analyses/{id}",
		"POST /v1/analyses/{id}/cancel", "GET /v1/analyses/{id}/findings", "GET /v1/analyses/{id}/report.json",
		"GET /v1/analyses/{id}/report.sarif", "GET /v1/findings/{id}", "POST /v1/findings/{id}/triage",
		"GET /v1/api-keys", "POST /v1/api-keys", "DELETE /v1/api-keys/{id}", "GET /v1/openapi.json",
		"GET /healthz", "GET /readyz", "GET /metrics",
	}
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		item, ok := o.doc["paths"].(map[string]any)[path].(map[string]any)
		require.True(t, ok, "%s is documented", path)
		assert.Contains(t, item, strings.ToLower(method), "%s is documented", r)
	}
}

func TestTheServedDocumentIsTheEmbeddedOne(t *testing.T) {
	e := newEnv(t)
	r := e.get("/v1/openapi.json", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "3.1.0", r.json(t)["openapi"])
}

func TestOperationsEndpoints(t *testing.T) {
	e := newEnv(t)
	t.Run("healthz answers ok", func(t *testing.T) {
		e := e.with(t)
		assert.Equal(t, http.StatusOK, e.get("/healthz", "").status)
	})
	t.Run("readyz checks PostgreSQL", func(t *testing.T) {
		e := e.with(t)
		r := e.get("/readyz", "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Contains(t, r.json(t)["checks"], "postgres")
	})
	t.Run("metrics count requests by route", func(t *testing.T) {
		e := e.with(t)
		r := e.get("/metrics", "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Contains(t, string(r.body), `solsec_http_request_duration_seconds_count{method="GET",route="GET /readyz",status="200"} 1`)
	})
	t.Run("an unknown path is a problem document", func(t *testing.T) {
		e := e.with(t)
		r := e.do(req{method: http.MethodGet, path: "/v1/nothing-here", cred: e.a.key})
		assert.Equal(t, http.StatusNotFound, r.status)
	})
}
