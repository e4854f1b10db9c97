package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Check reports whether one dependency is usable (a database ping, a Redis
// PING). It must honour ctx's deadline.
type Check func(ctx context.Context) error

// Health serves /healthz (the process is alive) and /readyz (the service
// can do its work: every registered check passes within the timeout, and it
// is not shutting down).
type Health struct {
	timeout  time.Duration
	mu       sync.Mutex
	checks   map[string]Check
	draining atomic.Bool
}

// NewHealth returns a Health whose readiness checks each get timeout
// (default 2s); a check that takes longer fails.
func NewHealth(timeout time.Duration) *Health {
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	return &Health{timeout: timeout, checks: map[string]Check{}}
}

// AddCheck registers a readiness check under name, replacing any of that
// name.
func (h *Health) AddCheck(name string, check Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks[name] = check
}

// Drain makes /readyz fail from now on, so the load balancer stops sending
// new requests while in-flight ones finish. Run calls it at shutdown.
func (h *Health) Drain() { h.draining.Store(true) }

// CheckResult is the outcome of one check in a /readyz response.
type CheckResult struct {
	Status  string `json:"status"` // "ok" or "fail"
	Error   string `json:"error,omitempty"`
	Elapsed string `json:"elapsed"`
}

// Report is the /readyz response body.
type Report struct {
	Status string                 `json:"status"` // "ok", "fail" or "draining"
	Checks map[string]CheckResult `json:"checks"`
}

// Ready runs every check concurrently, each bounded by the timeout.
func (h *Health) Ready(ctx context.Context) Report {
	h.mu.Lock()
	checks := make(map[string]Check, len(h.checks))
	for name, c := range h.checks {
		checks[name] = c
	}
	h.mu.Unlock()

	rep := Report{Status: "ok", Checks: make(map[string]CheckResult, len(checks))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, check := range checks {
		wg.Go(func() {
			res := h.run(ctx, check)
			mu.Lock()
			defer mu.Unlock()
			rep.Checks[name] = res
		})
	}
	wg.Wait()
	for _, res := range rep.Checks {
		if res.Status != "ok" {
			rep.Status = "fail"
		}
	}
	if h.draining.Load() {
		rep.Status = "draining"
	}
	return rep
}

// run runs one check in its own goroutine so that a check ignoring its
// context still cannot hold /readyz past the timeout.
func (h *Health) run(ctx context.Context, check Check) CheckResult {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("check panicked: %v", v)
			}
		}()
		done <- check(ctx)
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = fmt.Errorf("no answer within %s", h.timeout)
	}
	res := CheckResult{Status: "ok", Elapsed: time.Since(start).Round(time.Millisecond).String()}
	if err != nil {
		res.Status, res.Error = "fail", err.Error()
	}
	return res
}

// Handler serves /healthz, /readyz and, when metrics is not nil, /metrics:
// the admin endpoints Kubernetes probes and Prometheus scrape.
func (h *Health) Handler(metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		rep := h.Ready(r.Context())
		status := http.StatusOK
		if rep.Status != "ok" {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, rep)
	})
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
