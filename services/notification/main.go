// Command notification delivers analysis status events: live to browsers
// and CI over WebSocket (/v1/ws, package notify) and, when an analysis
// ends, as signed webhooks to the endpoints an organisation registered
// (/v1/webhooks, package webhooks).
//
// Configuration, all from the environment:
//
//	SOLSEC_DATABASE_URL          postgres://... (required): ownership checks, API keys, webhooks
//	SOLSEC_REDIS_URL             redis:// or rediss:// (required): the event streams and live channel
//	SOLSEC_REDIS_CLUSTER         true for ElastiCache in cluster mode
//	SOLSEC_HTTP_ADDR             listen address, default :8080
//	SOLSEC_JWT_KEYS_FILE         JWT key set file, or
//	SOLSEC_JWT_KEYS_SECRET       the Secrets Manager secret holding it (one of the two is required)
//	SOLSEC_JWT_ISSUER            default "solsec"; SOLSEC_JWT_AUDIENCE default "solsec-api"
//	SOLSEC_WS_ALLOWED_ORIGINS    comma-separated origins browsers may connect from (https://app.example.com)
//	SOLSEC_WS_QUEUE_SIZE         events queued per client before it is dropped, default 256
//	SOLSEC_WS_MAX_PER_ORG        connections one organisation may hold to a replica, default 1000
//	SOLSEC_EVENTS_RETENTION      how long events are kept for resume, default 24h
//	SOLSEC_WEBHOOK_MAX_ATTEMPTS  attempts before a delivery is marked failed, default 8
//	SOLSEC_WEBHOOK_ALLOW_PRIVATE true lets webhooks reach private and loopback addresses (development only)
//	SOLSEC_LOG_LEVEL, OTEL_EXPORTER_OTLP_ENDPOINT
//
// The webhook tables are this service's own: it migrates them at start
// (webhooks.Migrate, idempotent and serialised by an advisory lock).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/notify"
	"github.com/solsec/platform/services/internal/redisconn"
	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/service/metrics"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/webhooks"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "notification:", err)
		os.Exit(1)
	}
}

type config struct {
	addr, databaseURL, redisURL string
	redisCluster                bool
	keysFile, keysSecret        string
	issuer, audience            string
	origins                     []string
	queueSize, maxPerOrg        int
	retention                   time.Duration
	maxAttempts                 int
	allowPrivate                bool
	logLevel                    string
}

func loadConfig(getenv func(string) string) (config, error) {
	env := service.NewEnv(getenv)
	var c config
	c.addr = env.String("SOLSEC_HTTP_ADDR", ":8080")
	if u := env.URL("SOLSEC_DATABASE_URL", "", "postgres", "postgresql"); u != nil {
		c.databaseURL = u.String()
	}
	if u := env.URL("SOLSEC_REDIS_URL", "", "redis", "rediss"); u != nil {
		c.redisURL = u.String()
	}
	c.redisCluster = env.Bool("SOLSEC_REDIS_CLUSTER", false)
	c.keysFile = env.String("SOLSEC_JWT_KEYS_FILE", "unset")
	c.keysSecret = env.String("SOLSEC_JWT_KEYS_SECRET", "unset")
	c.issuer = env.String("SOLSEC_JWT_ISSUER", "solsec")
	c.audience = env.String("SOLSEC_JWT_AUDIENCE", "solsec-api")
	c.origins = env.List("SOLSEC_WS_ALLOWED_ORIGINS", nil)
	c.queueSize = env.IntBetween("SOLSEC_WS_QUEUE_SIZE", 256, 8, 100_000)
	c.maxPerOrg = env.IntBetween("SOLSEC_WS_MAX_PER_ORG", 1000, 1, 1_000_000)
	c.retention = env.Duration("SOLSEC_EVENTS_RETENTION", events.DefaultRetention)
	c.maxAttempts = env.IntBetween("SOLSEC_WEBHOOK_MAX_ATTEMPTS", 8, 1, 50)
	c.allowPrivate = env.Bool("SOLSEC_WEBHOOK_ALLOW_PRIVATE", false)
	c.logLevel = env.OneOf("SOLSEC_LOG_LEVEL", "info", "debug", "info", "warn", "error")
	// "unset" stands for an optional variable left empty: Env treats a ""
	// default as "required".
	for _, p := range []*string{&c.keysFile, &c.keysSecret} {
		if *p == "unset" {
			*p = ""
		}
	}
	err := env.Err()
	if (c.keysFile == "") == (c.keysSecret == "") {
		problems := []string{"set exactly one of SOLSEC_JWT_KEYS_FILE and SOLSEC_JWT_KEYS_SECRET: the key set that verifies tokens"}
		var ce *service.ConfigError
		if errors.As(err, &ce) {
			problems = append(ce.Problems, problems...)
		}
		return c, &service.ConfigError{Problems: problems}
	}
	return c, err
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := service.NewLogger(stdout, "notification", service.ParseLevel(c.logLevel))
	stopTracing, err := service.SetupTracing(ctx, "notification", getenv)
	if err != nil {
		return err
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()

	pool, err := pgxpool.New(ctx, c.databaseURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	if _, err := webhooks.Migrate(ctx, pool); err != nil {
		return err
	}
	st := postgres.New(pool)

	rdb, err := redisconn.Open(c.redisURL, c.redisCluster)
	if err != nil {
		return err
	}
	defer rdb.Close()
	tr := events.NewRedis(rdb, events.Options{Retention: c.retention})

	authn, err := newAuthenticator(ctx, c, st)
	if err != nil {
		return err
	}

	reg := metrics.New()
	hubMetrics, hookMetrics := new(notify.Metrics), new(webhooks.Metrics)
	if err := errors.Join(hubMetrics.Register(reg.Registerer()), hookMetrics.Register(reg.Registerer())); err != nil {
		return err
	}
	hub := notify.NewHub(tr, notify.HubOptions{QueueSize: c.queueSize, MaxClientsPerOrg: c.maxPerOrg}, log, hubMetrics)
	guard := webhooks.Guard{AllowPrivate: c.allowPrivate, AllowHTTP: c.allowPrivate}
	hooks := webhooks.NewStore(pool, guard)
	dispatcher := webhooks.NewDispatcher(hooks, guard, webhooks.Options{MaxAttempts: c.maxAttempts}, log, hookMetrics)

	health := service.NewHealth(2 * time.Second)
	health.AddCheck("postgres", func(ctx context.Context) error { return pool.Ping(ctx) })
	// The live feed's first subscription, not Redis itself: once subscribed,
	// a Redis outage is ridden out by resync, and failing readiness then
	// would take every replica out at once.
	health.AddCheck("live-feed", func(context.Context) error {
		if !hub.Ready() {
			return errors.New("not yet subscribed to the live event channel")
		}
		return nil
	})

	ws := &notify.Handler{
		Hub:            hub,
		OrgOf:          func(r *http.Request) (string, bool) { p, ok := auth.PrincipalFrom(r.Context()); return p.OrgID, ok },
		Analyses:       analyses{st},
		AllowedOrigins: c.origins,
	}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/ws", notify.BearerFromSubprotocol(authn.Middleware(ws)))
	mux.Handle("/v1/webhooks", authn.Middleware(webhooks.Handler(hooks, caller)))
	mux.Handle("/v1/webhooks/", authn.Middleware(webhooks.Handler(hooks, caller)))
	probes := health.Handler(reg.Handler())
	for _, p := range []string{"GET /healthz", "GET /readyz", "GET /metrics"} {
		mux.Handle(p, probes)
	}
	srv := &http.Server{
		Addr:              c.addr,
		Handler:           service.Instrument(mux, service.Instrumentation{Logger: log, Metrics: reg, Route: service.MuxRoute(mux)}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}

	log.Info("starting", "addr", c.addr, "origins", c.origins, "redis_cluster", c.redisCluster)
	return service.Runner{Logger: log, Health: health, DrainDelay: 5 * time.Second}.Run(ctx,
		service.HTTPServer("http", srv, nil, 10*time.Second),
		service.Worker("hub", hub.Run),
		// At shutdown every socket is closed with "going away", so clients
		// reconnect to another replica and resume from their last event id.
		service.Worker("websockets", func(ctx context.Context) error {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer cancel()
			return hub.Shutdown(sctx)
		}),
		service.Worker("webhook-follow", func(ctx context.Context) error {
			return ignoreCancel(hooks.Follow(ctx, tr, log, hookMetrics, nil))
		}),
		service.Worker("webhook-dispatch", func(ctx context.Context) error { return ignoreCancel(dispatcher.Run(ctx)) }),
	)
}

func ignoreCancel(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// caller tells the webhooks API who is asking: registering endpoints hands
// out signing secrets, so it takes the role that manages API keys.
func caller(r *http.Request) (string, bool, bool) {
	p, ok := auth.PrincipalFrom(r.Context())
	return p.OrgID, p.Can(auth.ActionManageKeys), ok
}

// analyses answers notify's ownership question with the store's
// organisation-scoped lookup, which cannot tell "another organisation's"
// from "no such analysis" — by design.
type analyses struct{ st store.Store }

func (a analyses) CheckAnalysis(ctx context.Context, orgID, analysisID string) error {
	_, err := a.st.GetAnalysis(ctx, orgID, analysisID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", notify.ErrUnknownAnalysis, err)
	}
	return err
}

// keyStore lets auth verify API keys against the store.
type keyStore struct{ st store.Store }

func (k keyStore) LookupAPIKey(ctx context.Context, keyID string) (auth.StoredAPIKey, error) {
	key, err := k.st.GetAPIKeyByKeyID(ctx, keyID)
	if errors.Is(err, store.ErrNotFound) {
		return auth.StoredAPIKey{}, fmt.Errorf("%w: %s", auth.ErrKeyNotFound, keyID)
	}
	if err != nil {
		return auth.StoredAPIKey{}, err
	}
	return auth.StoredAPIKey{ID: key.ID, OrgID: key.OrgID, Role: auth.Role(key.Role), SecretHash: key.SecretHash, Revoked: !key.Active()}, nil
}

func newAuthenticator(ctx context.Context, c config, st store.Store) (*auth.Authenticator, error) {
	var src auth.KeySource = auth.FileSource{Path: c.keysFile}
	if c.keysSecret != "" {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("aws config: %w", err)
		}
		src = auth.SecretsManagerSource{Client: secretsmanager.NewFromConfig(awsCfg), SecretID: c.keysSecret}
	}
	ks, err := auth.LoadKeySet(ctx, src)
	if err != nil {
		return nil, err
	}
	tokens, err := auth.NewTokens(ks, auth.TokenConfig{Issuer: c.issuer, Audience: c.audience})
	if err != nil {
		return nil, err
	}
	return &auth.Authenticator{Tokens: tokens, APIKeys: &auth.APIKeys{Store: keyStore{st}}}, nil
}
