// Command data-service owns the platform's data: it migrates the schema
// (a one-shot step before every rollout), applies each organisation's
// retention policy on a schedule, and exports or erases an organisation
// on request.
//
//	data-service migrate              apply the store's and River's migrations, then exit
//	data-service serve                run retention periodically; serve /healthz, /readyz, /metrics
//	data-service export-org [-blob] ID  write all of an organisation's data as JSON to stdout,
//	                                  or with -blob to object storage (prints the key)
//	data-service erase-org [-actor WHO] ID  delete every row and object of an organisation
//	                                  (GDPR); prints what was erased
//
// Configuration (environment): SOLSEC_DATABASE_URL (required), SOLSEC_HTTP_ADDR
// (serve, default :8080), SOLSEC_LOG_LEVEL, SOLSEC_RETENTION_INTERVAL (serve,
// default 1h), and the blob store's variables (package blobenv).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/solsec/platform/services/internal/blob/blobenv"
	"github.com/solsec/platform/services/internal/retention"
	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/service/metrics"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/webhooks"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "data-service:", err)
		os.Exit(1)
	}
}

const usage = `usage: data-service <command>
  migrate              apply the schema migrations and exit
  serve                run retention periodically and serve health and metrics
  export-org [-blob] ID  export an organisation's data as JSON (stdout, or object storage with -blob)
  erase-org [-actor WHO] ID  erase an organisation's rows and objects`

// errUsage marks a command line that names no known command.
var errUsage = errors.New(usage)

// run is main with its dependencies passed in. It takes the arguments and
// a separate stderr, beyond the usual (ctx, getenv, stdout): export-org
// writes its JSON to stdout, so the one-shot commands log to stderr to
// keep that output clean; serve logs to stdout like every service.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	cmd, args := args[0], args[1:]
	env := service.NewEnv(getenv)
	dbURL := env.URL("SOLSEC_DATABASE_URL", "", "postgres", "postgresql")
	level := service.ParseLevel(env.OneOf("SOLSEC_LOG_LEVEL", "info", "debug", "info", "warn", "error"))

	switch cmd {
	case "migrate":
		if err := env.Err(); err != nil {
			return err
		}
		return migrate(ctx, dbURL.String(), service.NewLogger(stderr, "data-service", level))
	case "serve":
		cfg := serveConfig{
			addr:     env.String("SOLSEC_HTTP_ADDR", ":8080"),
			interval: env.Duration("SOLSEC_RETENTION_INTERVAL", time.Hour),
			blobs:    blobenv.Load(env, getenv),
		}
		if err := env.Err(); err != nil {
			return err
		}
		cfg.dbURL = dbURL.String()
		return serve(ctx, cfg, getenv, service.NewLogger(stdout, "data-service", level))
	case "export-org", "erase-org":
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		fs.SetOutput(stderr)
		toBlob := fs.Bool("blob", false, "export-org: write the export to object storage and print its key")
		actor := fs.String("actor", "", "erase-org: who requested the erasure (operator or ticket), recorded on the audit tombstone")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return fmt.Errorf("%s needs exactly one organisation id\n%s", cmd, usage)
		}
		blobs := blobenv.Load(env, getenv)
		if err := env.Err(); err != nil {
			return err
		}
		log := service.NewLogger(stderr, "data-service", level)
		svc, closeAll, err := open(ctx, dbURL.String(), blobs, log)
		if err != nil {
			return err
		}
		defer closeAll()
		orgID := fs.Arg(0)
		if cmd == "erase-org" {
			// The webhook tables belong to the notification service and
			// have no foreign key to organisations; they go first, so that a
			// failure leaves the organisation in place for a retry.
			if err := eraseWebhooks(ctx, dbURL.String(), orgID); err != nil {
				return err
			}
			res, err := svc.Erase(ctx, orgID, *actor)
			if err != nil {
				return err
			}
			return json.NewEncoder(stdout).Encode(res)
		}
		if *toBlob {
			key, err := svc.ExportToBlob(ctx, orgID)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(stdout, key)
			return err
		}
		return svc.Export(ctx, orgID, stdout)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func connect(ctx context.Context, dbURL string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	return pool, nil
}

func migrate(ctx context.Context, dbURL string, log *slog.Logger) error {
	pool, err := connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	res, err := postgres.Migrate(ctx, pool)
	if err != nil {
		return err
	}
	v, err := postgres.SchemaVersion(ctx, pool)
	if err != nil {
		return err
	}
	// The notification service's webhook tables are migrated here too, so
	// that one Job before a rollout leaves every schema current.
	hooks, err := webhooks.Migrate(ctx, pool)
	if err != nil {
		return err
	}
	log.InfoContext(ctx, "schema migrated", "applied", res.Applied, "river_applied", res.RiverApplied, "webhooks_applied", hooks, "version", v)
	return nil
}

// eraseWebhooks deletes an organisation's webhook endpoints, deliveries and
// cursor, when the webhook tables exist (they do once migrate has run).
func eraseWebhooks(ctx context.Context, dbURL, orgID string) error {
	pool, err := connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	var present bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('webhook_endpoints') IS NOT NULL`).Scan(&present); err != nil {
		return fmt.Errorf("erase webhooks: %w", err)
	}
	if !present {
		return nil
	}
	return webhooks.NewStore(pool, webhooks.Guard{}).DeleteOrganization(ctx, orgID)
}

// open connects the store and the blob store for the retention service.
func open(ctx context.Context, dbURL string, blobs blobenv.Config, log *slog.Logger) (*retention.Service, func(), error) {
	pool, err := connect(ctx, dbURL)
	if err != nil {
		return nil, nil, err
	}
	bs, err := blobenv.Open(ctx, blobs)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return retention.New(postgres.New(pool), bs, retention.Options{Logger: log}), pool.Close, nil
}

type serveConfig struct {
	dbURL    string
	addr     string
	interval time.Duration
	blobs    blobenv.Config
}

func serve(ctx context.Context, cfg serveConfig, getenv func(string) string, log *slog.Logger) error {
	stopTracing, err := service.SetupTracing(ctx, "data-service", getenv)
	if err != nil {
		return err
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()

	pool, err := connect(ctx, cfg.dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	bs, err := blobenv.Open(ctx, cfg.blobs)
	if err != nil {
		return err
	}
	svc := retention.New(postgres.New(pool), bs, retention.Options{Logger: log})

	reg := metrics.New()
	jobs := reg.JobDuration()
	purged := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "solsec_retention_analyses_purged_total",
		Help: "Analyses archived to object storage and purged by the retention policy.",
	})
	reg.Registerer().MustRegister(purged)

	ms, err := postgres.Migrations()
	if err != nil {
		return err
	}
	latest := ms[len(ms)-1].Version
	health := service.NewHealth(2 * time.Second)
	health.AddCheck("postgres", pool.Ping)
	// Serving on a schema older than this build means `migrate` was not run
	// before the rollout: not ready, so the rollout stops here.
	health.AddCheck("schema", func(ctx context.Context) error {
		v, err := postgres.SchemaVersion(ctx, pool)
		if err != nil {
			return err
		}
		if v < latest {
			return fmt.Errorf("schema version %d, this build needs %d: run data-service migrate", v, latest)
		}
		return nil
	})

	sweep := func(ctx context.Context) {
		start := time.Now()
		var rep retention.Report
		ran, err := postgres.WithTryLock(ctx, pool, postgres.LockRetention, func(ctx context.Context) error {
			var err error
			rep, err = svc.Sweep(ctx)
			return err
		})
		outcome := "completed"
		switch {
		case !ran && err == nil:
			// Another replica holds the lock and does this round.
			log.DebugContext(ctx, "retention sweep skipped: another replica is sweeping")
			return
		case err != nil:
			outcome = "failed"
			log.ErrorContext(ctx, "retention sweep failed", "err", err, "purged", rep.Purged)
		default:
			log.InfoContext(ctx, "retention sweep done", "organizations", rep.Organizations, "purged", rep.Purged)
		}
		purged.Add(float64(rep.Purged))
		jobs.WithLabelValues("retention", outcome).Observe(time.Since(start).Seconds())
	}
	retentionLoop := func(ctx context.Context) error {
		t := time.NewTicker(cfg.interval)
		defer t.Stop()
		for {
			sweep(ctx)
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}

	srv := &http.Server{Addr: cfg.addr, Handler: health.Handler(reg.Handler()), ReadHeaderTimeout: 10 * time.Second}
	log.InfoContext(ctx, "data-service serving", "addr", cfg.addr, "retention_interval", cfg.interval.String())
	return service.Runner{Logger: log, Health: health}.Run(ctx,
		service.HTTPServer("http", srv, nil, 10*time.Second),
		service.Worker("retention", retentionLoop))
}
