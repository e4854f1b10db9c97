// Package api is the public REST API of the solsec platform, served by
// services/api-service: uploads that start analyses, analyses with their
// progress and tool runs, findings with triage, SARIF and JSON reports, API
// keys and password login. The contract is the OpenAPI 3.1 document
// embedded beside this file (openapi.yaml), served at /v1/openapi.json and
// checked against every response in the tests.
//
// Every handler runs as an authenticated auth.Principal and passes
// Principal.OrgID to each store call, so a caller can only ever read or
// change its own organisation's rows. An id that belongs to another
// organisation is answered 404, exactly like an id that does not exist: a
// 403 would confirm to a caller probing ids that the row exists.
//
// Errors are RFC 9457 problem documents (httpx.Fail) with a stable "code"
// member. Redis carries the result cache and the rate-limit counters; both
// degrade to "no cache" and "no limit" when Redis is down, because neither
// is needed to accept an upload safely (PostgreSQL and the River job in the
// same transaction are).
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"

	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/cache"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/ratelimit"
	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/upload"
)

// Config holds the API's tunables; zero values take the defaults noted.
type Config struct {
	// Limits bound one upload; zero fields take upload.DefaultLimits.
	Limits upload.Limits
	// UploadsPerMinute bounds POST /v1/analyses per API key or user;
	// default 60, negative disables the limit.
	UploadsPerMinute int
	// RequestsPerMinute bounds every other authenticated request per API key
	// or user; default 1200, negative disables the limit.
	RequestsPerMinute int
	// LoginsPerMinute bounds login attempts per e-mail address, which slows
	// password guessing down to a crawl; default 10, negative disables it.
	LoginsPerMinute int
	// DefaultProject names the project of uploads that name none; default
	// "default".
	DefaultProject string
	// Version is reported as the JSON and SARIF reports' tool version;
	// default "dev".
	Version string
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0 // ratelimit treats 0 as "no limit"
		}
	}
	def(&c.UploadsPerMinute, 60)
	def(&c.RequestsPerMinute, 1200)
	def(&c.LoginsPerMinute, 10)
	if c.DefaultProject == "" {
		c.DefaultProject = "default"
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	return c
}

// Deps are the API's collaborators. Store, River, Blobs and Tokens are
// required.
type Deps struct {
	Store *postgres.Store
	// River inserts the first pipeline job in the upload's transaction; an
	// insert-only client (no queues, no workers) is enough.
	River *river.Client[pgx.Tx]
	// Blobs is the object store the uploaded sources go to (blob/localdir
	// by default, blob/s3 in the cloud; see blob/blobenv).
	Blobs blob.Store
	// Tokens issues login tokens and verifies them.
	Tokens *auth.Tokens
	// Verifier verifies bearer JWTs; nil means Tokens. Set it to
	// auth.AnyOf(tokens, oidc) to accept an external IdP's tokens as well.
	Verifier auth.TokenVerifier
	// Redis holds the result cache and the rate-limit counters; nil turns
	// both off.
	Redis redis.UniversalClient
	// Events publishes status events (analysis queued, cancelled); nil
	// publishes nothing.
	Events events.Publisher
	// Health serves /healthz and /readyz; nil gets one with a PostgreSQL
	// check.
	Health *service.Health
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
}

// Server is the API.
type Server struct {
	cfg      Config
	store    *postgres.Store
	river    *river.Client[pgx.Tx]
	blobs    blob.Store
	tokens   *auth.Tokens
	authn    *auth.Authenticator
	limiter  *ratelimit.Limiter
	results  *cache.Results
	events   events.Publisher
	health   *service.Health
	log      *slog.Logger
	metrics  *Metrics
	openapi  []byte
	degraded degradedLog
	touched  sync.Map // API key row id → time.Time of the last TouchAPIKey
}

// New checks deps and returns the API.
func New(cfg Config, deps Deps) (*Server, error) {
	switch {
	case deps.Store == nil:
		return nil, errors.New("api: a store is required")
	case deps.River == nil:
		return nil, errors.New("api: a River client is required")
	case deps.Blobs == nil:
		return nil, errors.New("api: an object store for the sources is required")
	case deps.Tokens == nil:
		return nil, errors.New("api: token issuer is required")
	}
	doc, err := OpenAPIJSON()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg.withDefaults(), store: deps.Store, river: deps.River, blobs: deps.Blobs,
		tokens: deps.Tokens, events: deps.Events, health: deps.Health, log: deps.Logger,
		metrics: NewMetrics(), openapi: doc,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	verifier := deps.Verifier
	if verifier == nil {
		verifier = deps.Tokens
	}
	s.authn = &auth.Authenticator{Tokens: verifier, APIKeys: &auth.APIKeys{Store: keyStore{deps.Store}}}
	if deps.Redis != nil {
		s.limiter = ratelimit.New(deps.Redis, ratelimit.Options{})
		s.results = cache.New(deps.Redis, cache.Options{})
	}
	if s.health == nil {
		s.health = service.NewHealth(2 * time.Second)
		s.health.AddCheck("postgres", func(ctx context.Context) error { return deps.Store.Pool().Ping(ctx) })
	}
	s.degraded.log = s.log
	return s, nil
}

// Metrics returns the server's metrics, for callers that serve /metrics
// elsewhere.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Handler returns the whole API, instrumented (request ids, traces, access
// log, latency metrics), with /healthz, /readyz and /metrics beside it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	admin := s.health.Handler(s.metrics)
	mux.Handle("GET /healthz", admin)
	mux.Handle("GET /readyz", admin)
	mux.Handle("GET /metrics", admin)
	mux.HandleFunc("GET /v1/openapi.json", s.serveOpenAPI)
	mux.HandleFunc("POST /v1/auth/login", s.login)

	mux.Handle("POST /v1/analyses", s.authed(auth.ActionUpload, classUpload, s.createAnalysis))
	mux.Handle("GET /v1/analyses", s.authed(auth.ActionRead, classRequest, s.listAnalyses))
	mux.Handle("GET /v1/analyses/{id}", s.authed(auth.ActionRead, classRequest, s.getAnalysis))
	mux.Handle("POST /v1/analyses/{id}/cancel", s.authed(auth.ActionUpload, classRequest, s.cancelAnalysis))
	mux.Handle("GET /v1/analyses/{id}/findings", s.authed(auth.ActionRead, classRequest, s.listFindings))
	mux.Handle("GET /v1/analyses/{id}/report.json", s.authed(auth.ActionRead, classRequest, s.reportJSON))
	mux.Handle("GET /v1/analyses/{id}/report.sarif", s.authed(auth.ActionRead, classRequest, s.reportSARIF))
	mux.Handle("GET /v1/findings/{id}", s.authed(auth.ActionRead, classRequest, s.getFinding))
	mux.Handle("POST /v1/findings/{id}/triage", s.authed(auth.ActionTriage, classRequest, s.triageFinding))
	mux.Handle("GET /v1/api-keys", s.authed(auth.ActionManageKeys, classRequest, s.listAPIKeys))
	mux.Handle("POST /v1/api-keys", s.authed(auth.ActionManageKeys, classRequest, s.createAPIKey))
	mux.Handle("DELETE /v1/api-keys/{id}", s.authed(auth.ActionManageKeys, classRequest, s.revokeAPIKey))

	// Anything else under the API answers a problem document, not the mux's
	// plain-text 404, so clients parse every error the same way.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, r, http.StatusNotFound, codeNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
	})
	return service.Instrument(mux, service.Instrumentation{Logger: s.log, Metrics: s.metrics, Route: service.MuxRoute(mux)})
}

// authed wraps a handler with authentication, the role check for action,
// the rate limit of class and a touch of the API key's last use.
func (s *Server) authed(action auth.Action, class limitClass, h http.HandlerFunc) http.Handler {
	return s.authn.Middleware(auth.Require(action, s.rateLimited(class, s.touchKey(h))))
}

// principal returns the request's principal; authed guarantees one.
func principal(r *http.Request) auth.Principal {
	p, _ := auth.PrincipalFrom(r.Context())
	return p
}

// touchKey records an API key's last use at most once a minute per key and
// replica, off the request path: last-used times are for humans deciding
// which keys to revoke, and a write per CI request would double the load of
// every read.
func (s *Server) touchKey(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principal(r)
		if p.APIKeyID != "" {
			now := time.Now()
			last, loaded := s.touched.Load(p.APIKeyID)
			if !loaded || now.Sub(last.(time.Time)) > time.Minute {
				s.touched.Store(p.APIKeyID, now)
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					if err := s.store.TouchAPIKey(ctx, p.OrgID, p.APIKeyID); err != nil {
						s.log.Warn("record api key use", "key", p.APIKeyID, "error", err.Error())
					}
				}()
			}
		}
		next(w, r)
	}
}

// degradedLog logs a Redis failure at most once per interval per use, so an
// outage is visible without writing a line per request.
type degradedLog struct {
	log  *slog.Logger
	last sync.Map // use → *atomic.Int64 (unix nanoseconds of the last line)
}

func (d *degradedLog) report(ctx context.Context, use string, err error) {
	v, _ := d.last.LoadOrStore(use, new(atomic.Int64))
	last := v.(*atomic.Int64)
	now := time.Now().UnixNano()
	prev := last.Load()
	if now-prev < int64(10*time.Second) || !last.CompareAndSwap(prev, now) {
		return
	}
	d.log.WarnContext(ctx, "redis unavailable, continuing without it", "use", use, "error", err.Error())
}
