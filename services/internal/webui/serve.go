package webui

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/service/metrics"
)

// Frontend names a deployable and mounts its routes on an App.
type Frontend struct {
	Name string
	// NeedsNotify makes SOLSEC_NOTIFY_URL required (the analysis front end
	// relays its WebSocket).
	NeedsNotify bool
	Mount       func(a *App)
}

// Run is the whole of a front end's main: configuration from the
// environment, JSON logs, tracing, the pages on SOLSEC_HTTP_ADDR and
// /healthz, /readyz and /metrics on SOLSEC_ADMIN_ADDR, until SIGTERM.
//
// Environment:
//
//	SOLSEC_API_URL              the public API, e.g. http://api-service:8080 (required)
//	SOLSEC_NOTIFY_URL           the notification service (required by analysis)
//	SOLSEC_WEB_CSRF_KEY         at least 32 bytes, shared by every front end (required)
//	SOLSEC_WEB_SECURE_COOKIES   default true; false only for plain-http development
//	SOLSEC_WEB_WS_ORIGINS       extra connect-src origins for the CSP
//	SOLSEC_UPLOAD_MAX_BYTES, SOLSEC_UPLOAD_MAX_FILES, SOLSEC_UPLOAD_MAX_FILE_BYTES
//	                            the API's upload limits, when changed there
//	SOLSEC_HTTP_ADDR (:8080), SOLSEC_ADMIN_ADDR (:9090), SOLSEC_LOG_LEVEL (info)
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer, fe Frontend) error {
	env := service.NewEnv(getenv)
	addr := env.String("SOLSEC_HTTP_ADDR", ":8080")
	adminAddr := env.String("SOLSEC_ADMIN_ADDR", ":9090")
	level := env.OneOf("SOLSEC_LOG_LEVEL", "info", "debug", "info", "warn", "error")
	api := env.URL("SOLSEC_API_URL", "", "http", "https")
	var notify *url.URL
	if fe.NeedsNotify {
		notify = env.URL("SOLSEC_NOTIFY_URL", "", "http", "https")
	}
	key := env.Secret("SOLSEC_WEB_CSRF_KEY")
	secure := env.Bool("SOLSEC_WEB_SECURE_COOKIES", true)
	wsOrigins := env.List("SOLSEC_WEB_WS_ORIGINS", nil)
	def := DefaultUploadLimits()
	lim := UploadLimits{
		MaxUploadBytes: int64(env.IntBetween("SOLSEC_UPLOAD_MAX_BYTES", int(def.MaxUploadBytes), 1024, 1<<30)),
		MaxFiles:       env.IntBetween("SOLSEC_UPLOAD_MAX_FILES", def.MaxFiles, 1, 100000),
		MaxFileBytes:   int64(env.IntBetween("SOLSEC_UPLOAD_MAX_FILE_BYTES", int(def.MaxFileBytes), 1024, 1<<30)),
	}
	if err := env.Err(); err != nil {
		return err
	}
	if len(key) < 32 {
		return &service.ConfigError{Problems: []string{"SOLSEC_WEB_CSRF_KEY (value withheld): want at least 32 bytes"}}
	}
	log := service.NewLogger(stdout, fe.Name, service.ParseLevel(level))
	stopTracing, err := service.SetupTracing(ctx, fe.Name, getenv)
	if err != nil {
		return err
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()

	app, err := NewApp(Config{API: api, Notify: notify, CSRFKey: []byte(key), SecureCookies: secure, WSOrigins: wsOrigins, Limits: lim, Logger: log})
	if err != nil {
		return err
	}
	fe.Mount(app)

	reg := metrics.New()
	health := service.NewHealth(2 * time.Second)
	health.AddCheck("api", app.API().Ping)
	web := &http.Server{
		Addr:              addr,
		Handler:           service.Instrument(app.Handler(), service.Instrumentation{Logger: log, Metrics: reg, Route: service.MuxRoute(app.Mux())}),
		ReadHeaderTimeout: 10 * time.Second,
		// No WriteTimeout: the live view's WebSocket relay and large
		// uploads run for minutes; the API client bounds each call.
		IdleTimeout: 2 * time.Minute,
	}
	admin := &http.Server{Addr: adminAddr, Handler: health.Handler(reg.Handler()), ReadHeaderTimeout: 5 * time.Second}
	log.Info("starting", "addr", addr, "admin", adminAddr, "api", api.Redacted())
	return service.Runner{Logger: log, Health: health}.Run(ctx,
		service.HTTPServer(fe.Name, web, nil, 20*time.Second),
		service.HTTPServer("admin", admin, nil, 5*time.Second))
}
