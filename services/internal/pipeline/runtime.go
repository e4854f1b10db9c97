package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/solsec/platform/services/internal/blob/blobenv"
	"github.com/solsec/platform/services/internal/cache"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/redisconn"
	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/tools"
)

// AllTools are the tools the platform knows, in fan-out order: the
// built-in engine first (it is always there), then the external ones.
var AllTools = []string{tools.EngineName, "slither", "mythril", "solhint"}

// Config is a pipeline service's configuration, read from the environment
// by LoadConfig. Variables (defaults in brackets):
//
//	SOLSEC_DATABASE_URL        PostgreSQL URL (required)
//	SOLSEC_REDIS_URL           Redis URL for events and the result cache [none: both off]
//	SOLSEC_REDIS_CLUSTER       true for ElastiCache in cluster mode [false]
//	SOLSEC_BLOB_BACKEND, SOLSEC_BLOB_DIR, SOLSEC_S3_*
//	                           object storage, as every service reads it (package blobenv)
//	SOLSEC_ADMIN_ADDR          /healthz, /readyz and /metrics [:9090]
//	SOLSEC_LOG_LEVEL           debug, info, warn or error [info]
//	SOLSEC_CONCURRENCY         jobs worked at once [4; tool-integration 2]
//	SOLSEC_WORKDIR             where working directories are made [system temp]
//	SOLSEC_SHUTDOWN_DRAIN      how long in-flight jobs may finish at shutdown [20s]
//	SOLSEC_TOOLS               orchestration: tools analyses fan out to;
//	                           tool-integration: tools this worker runs [all four]
//	SOLSEC_TOOL_TIMEOUT        default run timeout of a tool [10m]
//	SOLSEC_TOOL_TIMEOUT_<TOOL> one tool's run timeout, e.g. SOLSEC_TOOL_TIMEOUT_MYTHRIL
//	SOLSEC_TOOL_MEMORY_MB      address-space limit of external tools [tools' default]
//	SOLSEC_TOOL_COMMAND_<TOOL> how to start an external tool, space-separated: its
//	                           binary, then arguments that come before its own, e.g.
//	                           "/nodejs/bin/node /opt/analysers/node_modules/solhint/solhint.js"
//	                           [the tool's usual name, looked up on PATH]
//	SOLSEC_SWEEP_EVERY, SOLSEC_STUCK_AFTER, SOLSEC_FAIL_AFTER
//	                           orchestration's sweep [1m, 30m, 2h]
//	OTEL_EXPORTER_OTLP_ENDPOINT traces exporter [off]
type Config struct {
	Role         Role
	DatabaseURL  string
	RedisURL     string
	RedisCluster bool
	Blob         blobenv.Config
	AdminAddr    string
	LogLevel     string
	Concurrency  int
	Workdir      string
	Drain        time.Duration
	Tools        []string
	ToolTimeout  time.Duration
	ToolTimeouts map[string]time.Duration
	ToolMemoryMB int
	ToolCommands map[string][]string
	SweepEvery   time.Duration
	StuckAfter   time.Duration
	FailAfter    time.Duration
}

// LoadConfig reads role's configuration and reports every problem at once.
func LoadConfig(role Role, getenv func(string) string) (Config, error) {
	env := service.NewEnv(getenv)
	c := Config{Role: role}
	if u := env.URL("SOLSEC_DATABASE_URL", "", "postgres", "postgresql"); u != nil {
		c.DatabaseURL = u.String()
	}
	if getenv("SOLSEC_REDIS_URL") != "" {
		if u := env.URL("SOLSEC_REDIS_URL", "", "redis", "rediss"); u != nil {
			c.RedisURL = u.String()
		}
	}
	c.RedisCluster = env.Bool("SOLSEC_REDIS_CLUSTER", false)
	c.Blob = blobenv.Load(env, getenv)
	var problems []string
	c.AdminAddr = env.String("SOLSEC_ADMIN_ADDR", ":9090")
	c.LogLevel = env.OneOf("SOLSEC_LOG_LEVEL", "info", "debug", "info", "warn", "error")
	defConcurrency := 4
	if role == RoleTools {
		// External analysers are CPU- and memory-hungry processes.
		defConcurrency = 2
	}
	c.Concurrency = env.IntBetween("SOLSEC_CONCURRENCY", defConcurrency, 1, 256)
	c.Workdir = strings.TrimSpace(getenv("SOLSEC_WORKDIR"))
	c.Drain = env.Duration("SOLSEC_SHUTDOWN_DRAIN", 20*time.Second)
	c.Tools = env.List("SOLSEC_TOOLS", AllTools)
	for _, t := range c.Tools {
		if !slices.Contains(AllTools, t) {
			problems = append(problems, fmt.Sprintf("SOLSEC_TOOLS: unknown tool %q: want a comma-separated list of %s", t, strings.Join(AllTools, ", ")))
		}
	}
	if len(c.Tools) == 0 {
		c.Tools = AllTools
	}
	c.ToolTimeout = env.Duration("SOLSEC_TOOL_TIMEOUT", DefaultToolTimeout)
	c.ToolTimeouts = map[string]time.Duration{}
	for _, t := range AllTools {
		name := "SOLSEC_TOOL_TIMEOUT_" + strings.ToUpper(t)
		if getenv(name) != "" {
			c.ToolTimeouts[t] = env.Duration(name, c.ToolTimeout)
		}
	}
	c.ToolMemoryMB = env.IntBetween("SOLSEC_TOOL_MEMORY_MB", 0, 0, 1<<20)
	c.ToolCommands = map[string][]string{}
	for _, t := range AllTools[1:] { // the engine runs in process
		name := "SOLSEC_TOOL_COMMAND_" + strings.ToUpper(t)
		if v := strings.Fields(getenv(name)); len(v) > 0 {
			if !filepath.IsAbs(v[0]) {
				problems = append(problems, fmt.Sprintf("%s: %q: want an absolute path to the binary first", name, v[0]))
			}
			c.ToolCommands[t] = v
		}
	}
	c.SweepEvery = env.Duration("SOLSEC_SWEEP_EVERY", DefaultSweepEvery)
	c.StuckAfter = env.Duration("SOLSEC_STUCK_AFTER", DefaultStuckAfter)
	c.FailAfter = env.Duration("SOLSEC_FAIL_AFTER", DefaultFailAfter)
	var ce *service.ConfigError
	if errors.As(env.Err(), &ce) {
		problems = append(ce.Problems, problems...)
	}
	if len(problems) > 0 {
		return c, &service.ConfigError{Problems: problems}
	}
	return c, nil
}

// Toolset builds the tools a tool-integration worker offers: the built-in
// engine in process, the external analysers as subprocesses found on
// PATH (reported unavailable when missing), each bounded by its timeout
// and the memory limit.
func (c Config) Toolset() map[string]tools.Tool {
	out := map[string]tools.Tool{}
	for _, name := range c.Tools {
		lim := tools.Limits{Timeout: c.ToolTimeout}
		if t := c.ToolTimeouts[name]; t > 0 {
			lim.Timeout = t
		}
		if c.ToolMemoryMB > 0 {
			lim.MemoryBytes = int64(c.ToolMemoryMB) << 20
		}
		opts := tools.ExternalOptions{Limits: lim}
		if cmd := c.ToolCommands[name]; len(cmd) > 0 {
			opts.Binary, opts.LeadingArgs = cmd[0], cmd[1:]
		}
		switch name {
		case tools.EngineName:
			out[name] = &tools.Engine{}
		case "slither":
			out[name] = tools.NewSlither(opts)
		case "mythril":
			out[name] = tools.NewMythril(opts)
		case "solhint":
			out[name] = tools.NewSolhint(opts)
		}
	}
	return out
}

// Run runs one pipeline service until ctx ends or SIGTERM: its River
// client, the queue-depth poller and the admin server (/healthz, /readyz,
// /metrics). At shutdown readiness fails first, River's Stop lets jobs in
// flight finish within SOLSEC_SHUTDOWN_DRAIN, and StopAndCancel then hands
// the rest back to the queue for another worker.
func Run(ctx context.Context, role Role, getenv func(string) string, stdout io.Writer) error {
	cfg, err := LoadConfig(role, getenv)
	if err != nil {
		return err
	}
	log := service.NewLogger(stdout, string(role), service.ParseLevel(cfg.LogLevel))
	stopTracing, err := service.SetupTracing(ctx, string(role), getenv)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = stopTracing(sctx)
	}()

	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()

	blobs, err := blobenv.Open(ctx, cfg.Blob)
	if err != nil {
		return err
	}
	metrics := NewMetrics()
	deps := &Deps{Store: postgres.New(pool), Blobs: blobs, Logger: log, Metrics: metrics}
	health := service.NewHealth(2 * time.Second)
	health.AddCheck("postgres", pool.Ping)
	if cfg.RedisURL != "" {
		// Redis is an accelerator here: it fails fast rather than retrying
		// and never decides readiness (the pipeline works without it).
		rdb, err := redisconn.Open(cfg.RedisURL, cfg.RedisCluster)
		if err != nil {
			return fmt.Errorf("SOLSEC_REDIS_URL: %w", err)
		}
		defer rdb.Close()
		deps.Events = events.NewRedis(rdb, events.Options{})
		deps.Cache = cache.New(rdb, cache.Options{Timeout: 200 * time.Millisecond})
	} else {
		log.Warn("SOLSEC_REDIS_URL is not set: no status events, no result cache")
	}

	wc := WorkerConfig{
		Concurrency: cfg.Concurrency, Workdir: cfg.Workdir,
		EnabledTools: cfg.Tools, SweepEvery: cfg.SweepEvery, StuckAfter: cfg.StuckAfter, FailAfter: cfg.FailAfter,
		ToolTimeouts: cfg.ToolTimeouts, DefaultToolTimeout: cfg.ToolTimeout,
		Client: ClientConfig{Logger: log},
	}
	if role == RoleTools {
		wc.Tools = cfg.Toolset()
		for _, t := range wc.Tools {
			av := t.Detect(ctx)
			log.Info("tool detected", "tool", av.Tool, "available", av.Available, "version", av.Version, "reason", av.Reason)
		}
	}
	client, err := NewWorkerClient(role, pool, deps, wc)
	if err != nil {
		return err
	}

	admin := &http.Server{Addr: cfg.AdminAddr, Handler: health.Handler(metrics.Handler()), ReadHeaderTimeout: 5 * time.Second}
	log.Info("starting", "admin", cfg.AdminAddr, "concurrency", cfg.Concurrency, "tools", cfg.Tools)
	return service.Runner{Logger: log, Health: health, StopTimeout: cfg.Drain + 15*time.Second}.Run(ctx,
		service.HTTPServer("admin", admin, nil, 5*time.Second),
		service.Worker("river", RunClient(client, cfg.Drain)),
		service.Worker("queue-depth", func(ctx context.Context) error {
			PollQueueDepth(ctx, pool, metrics, log, 15*time.Second)
			return nil
		}),
	)
}
