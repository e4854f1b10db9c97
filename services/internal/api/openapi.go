package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"gopkg.in/yaml.v3"
)

// openapiYAML is the API's contract. It is written in YAML for people and
// served as JSON for tools; OpenAPI 3.1 schemas are JSON Schema 2020-12.
//
//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPIJSON returns the OpenAPI document as JSON.
func OpenAPIJSON() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi.yaml: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("api: openapi.yaml to JSON: %w", err)
	}
	return b, nil
}

// serveOpenAPI is GET /v1/openapi.json; it needs no credentials, so clients
// can generate code and discover the authentication schemes.
func (s *Server) serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(s.openapi)
}
