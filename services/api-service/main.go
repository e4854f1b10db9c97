// Command api-service serves the public REST API (package api): uploads,
// analyses, findings, triage, reports, API keys and login.
//
// Configuration, all from the environment:
//
//	SOLSEC_DATABASE_URL        postgres://... (required)
//	SOLSEC_REDIS_URL           redis:// or rediss://; unset runs without cache and rate limits
//	SOLSEC_REDIS_CLUSTER       true for ElastiCache in cluster mode
//	SOLSEC_HTTP_ADDR           listen address, default :8080
//	SOLSEC_JWT_KEYS_FILE       JWT key set file (auth.ParseKeySet format), or
//	SOLSEC_JWT_KEYS_SECRET     the Secrets Manager secret holding it (one of the two is required)
//	SOLSEC_JWT_ISSUER          default "solsec"; SOLSEC_JWT_AUDIENCE default "solsec-api"
//	SOLSEC_JWT_TTL             lifetime of login tokens, default 1h
//	SOLSEC_OIDC_JWKS_URL       with SOLSEC_OIDC_ISSUER and SOLSEC_OIDC_AUDIENCE, also accept an IdP's tokens
//	SOLSEC_BLOB_BACKEND        localdir (default, SOLSEC_BLOB_DIR) or s3 (SOLSEC_S3_BUCKET, SOLSEC_S3_KMS_KEY_ID, ...): see blob/blobenv
//	SOLSEC_UPLOADS_PER_MINUTE, SOLSEC_REQUESTS_PER_MINUTE, SOLSEC_LOGINS_PER_MINUTE   rate limits
//	SOLSEC_MAX_UPLOAD_BYTES, SOLSEC_MAX_FILES   upload limits (upload.DefaultLimits otherwise)
//	SOLSEC_MIGRATE             true to migrate the schema at start (development; data-service does it in production)
//	SOLSEC_LOG_LEVEL, SOLSEC_VERSION, OTEL_EXPORTER_OTLP_ENDPOINT
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
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/solsec/platform/services/internal/api"
	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/blob/blobenv"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/redisconn"
	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/upload"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "api-service:", err)
		os.Exit(1)
	}
}

type config struct {
	addr, databaseURL, redisURL   string
	redisCluster, migrate         bool
	keysFile, keysSecret          string
	issuer, audience              string
	tokenTTL                      time.Duration
	oidcJWKS, oidcIssuer, oidcAud string
	logLevel, version             string
	blob                          blobenv.Config
	uploads, requests, logins     int
	maxUploadBytes                int
	maxFiles                      int
}

func loadConfig(getenv func(string) string) (config, error) {
	env := service.NewEnv(getenv)
	var c config
	c.addr = env.String("SOLSEC_HTTP_ADDR", ":8080")
	if u := env.URL("SOLSEC_DATABASE_URL", "", "postgres", "postgresql"); u != nil {
		c.databaseURL = u.String()
	}
	if getenv("SOLSEC_REDIS_URL") != "" {
		if u := env.URL("SOLSEC_REDIS_URL", "", "redis", "rediss"); u != nil {
			c.redisURL = u.String()
		}
	}
	c.redisCluster = env.Bool("SOLSEC_REDIS_CLUSTER", false)
	c.migrate = env.Bool("SOLSEC_MIGRATE", false)
	c.keysFile = env.String("SOLSEC_JWT_KEYS_FILE", "unset")
	c.keysSecret = env.String("SOLSEC_JWT_KEYS_SECRET", "unset")
	c.issuer = env.String("SOLSEC_JWT_ISSUER", "solsec")
	c.audience = env.String("SOLSEC_JWT_AUDIENCE", "solsec-api")
	c.tokenTTL = env.Duration("SOLSEC_JWT_TTL", time.Hour)
	c.oidcJWKS = env.String("SOLSEC_OIDC_JWKS_URL", "unset")
	c.oidcIssuer = env.String("SOLSEC_OIDC_ISSUER", "unset")
	c.oidcAud = env.String("SOLSEC_OIDC_AUDIENCE", "unset")
	c.blob = blobenv.Load(env, getenv)
	c.logLevel = env.OneOf("SOLSEC_LOG_LEVEL", "info", "debug", "info", "warn", "error")
	c.version = env.String("SOLSEC_VERSION", "dev")
	c.uploads = env.IntBetween("SOLSEC_UPLOADS_PER_MINUTE", 60, -1, 1_000_000)
	c.requests = env.IntBetween("SOLSEC_REQUESTS_PER_MINUTE", 1200, -1, 10_000_000)
	c.logins = env.IntBetween("SOLSEC_LOGINS_PER_MINUTE", 10, -1, 10_000)
	c.maxUploadBytes = env.IntBetween("SOLSEC_MAX_UPLOAD_BYTES", int(upload.DefaultLimits().MaxUploadBytes), 1024, 1<<30)
	c.maxFiles = env.IntBetween("SOLSEC_MAX_FILES", upload.DefaultLimits().MaxFiles, 1, 100_000)
	// "unset" stands for an optional variable left empty: Env treats a ""
	// default as "required".
	for _, p := range []*string{&c.keysFile, &c.keysSecret, &c.oidcJWKS, &c.oidcIssuer, &c.oidcAud} {
		if *p == "unset" {
			*p = ""
		}
	}
	err := env.Err()
	var problems []string
	if (c.keysFile == "") == (c.keysSecret == "") {
		problems = append(problems, "set exactly one of SOLSEC_JWT_KEYS_FILE and SOLSEC_JWT_KEYS_SECRET: the key set that signs login tokens")
	}
	if n := countSet(c.oidcJWKS, c.oidcIssuer, c.oidcAud); n != 0 && n != 3 {
		problems = append(problems, "SOLSEC_OIDC_JWKS_URL, SOLSEC_OIDC_ISSUER and SOLSEC_OIDC_AUDIENCE go together: set all three or none")
	}
	if len(problems) > 0 {
		var ce *service.ConfigError
		if errors.As(err, &ce) {
			problems = append(ce.Problems, problems...)
		}
		return c, &service.ConfigError{Problems: problems}
	}
	return c, err
}

func countSet(vs ...string) int {
	n := 0
	for _, v := range vs {
		if v != "" {
			n++
		}
	}
	return n
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := service.NewLogger(stdout, "api-service", service.ParseLevel(c.logLevel))
	stopTracing, err := service.SetupTracing(ctx, "api-service", getenv)
	if err != nil {
		return err
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()

	pool, err := pgxpool.New(ctx, c.databaseURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	if c.migrate {
		if _, err := postgres.Migrate(ctx, pool); err != nil {
			return err
		}
	}
	st := postgres.New(pool)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("river: %w", err)
	}

	var src auth.KeySource = auth.FileSource{Path: c.keysFile}
	if c.keysSecret != "" {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return fmt.Errorf("aws config: %w", err)
		}
		src = auth.SecretsManagerSource{Client: secretsmanager.NewFromConfig(awsCfg), SecretID: c.keysSecret}
	}
	ks, err := auth.LoadKeySet(ctx, src)
	if err != nil {
		return err
	}
	tokens, err := auth.NewTokens(ks, auth.TokenConfig{Issuer: c.issuer, Audience: c.audience, TTL: c.tokenTTL})
	if err != nil {
		return err
	}
	var verifier auth.TokenVerifier = tokens
	if c.oidcJWKS != "" {
		oidc, err := auth.NewOIDC(auth.OIDCConfig{JWKSURL: c.oidcJWKS, Issuer: c.oidcIssuer, Audience: c.oidcAud})
		if err != nil {
			return err
		}
		verifier = auth.AnyOf(tokens, oidc)
	}

	blobs, err := blobenv.Open(ctx, c.blob)
	if err != nil {
		return fmt.Errorf("object store: %w", err)
	}

	health := service.NewHealth(2 * time.Second)
	health.AddCheck("postgres", func(ctx context.Context) error { return pool.Ping(ctx) })
	deps := api.Deps{
		Store: st, River: rc, Blobs: blobs, Tokens: tokens, Verifier: verifier,
		Health: health, Logger: log,
	}
	if c.redisURL != "" {
		rdb, err := redisconn.Open(c.redisURL, c.redisCluster)
		if err != nil {
			return err
		}
		defer rdb.Close()
		// Redis is deliberately not a readiness check: the API works
		// without it (no cache, no limits), and failing readiness would
		// take every replica out of the load balancer at once.
		deps.Redis = rdb
		deps.Events = events.NewRedis(rdb, events.Options{})
	}
	limits := upload.DefaultLimits()
	limits.MaxUploadBytes, limits.MaxFiles = int64(c.maxUploadBytes), c.maxFiles
	srv, err := api.New(api.Config{
		Limits: limits, UploadsPerMinute: c.uploads, RequestsPerMinute: c.requests, LoginsPerMinute: c.logins, Version: c.version,
	}, deps)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{
		Addr: c.addr, Handler: srv.Handler(),
		// Uploads are up to tens of MiB: the header timeout stops slowloris,
		// the read timeout bounds a slow upload.
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute,
	}
	log.Info("starting", "addr", c.addr, "redis", c.redisURL != "", "oidc", c.oidcJWKS != "")
	return service.Runner{Logger: log, Health: health}.Run(ctx, service.HTTPServer("api", httpSrv, nil, 20*time.Second))
}
