package main

import (
	"strings"
	"testing"

	"github.com/solsec/platform/components/workloads"
)

// TestRoutesMatchProduction keeps make dev's origin routing the gateway's.
func TestRoutesMatchProduction(t *testing.T) {
	prod := workloads.Routes()
	if len(prod) != len(routes) {
		t.Fatalf("the gateway has %d routes, devtool edge %d: copy components/workloads.Routes", len(prod), len(routes))
	}
	for i, p := range prod {
		service, _, _ := strings.Cut(p.Service, ".")
		if routes[i].prefix != p.PathPrefix || routes[i].service != service {
			t.Errorf("route %d: gateway %s -> %s, devtool edge %s -> %s", i, p.PathPrefix, service, routes[i].prefix, routes[i].service)
		}
	}
}

func TestRouteOf(t *testing.T) {
	for path, want := range map[string]string{
		"/":                    "ui-core",
		"/signin":              "ui-core",
		"/assets/app.css":      "ui-core",
		"/analyses":            "analysis",
		"/analyses/x/live":     "analysis",
		"/findings/analyses/x": "findings",
		"/dashboard":           "dashboard",
		"/v1/ws":               "notification",
		"/v1/analyses":         "api-service",
	} {
		if got := routeOf(path); got != want {
			t.Errorf("routeOf(%q) = %s, want %s", path, got, want)
		}
	}
}
