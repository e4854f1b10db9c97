// Package service is the runtime every services/<name>/main.go shares:
// configuration from the environment (Env), JSON logs carrying request,
// analysis and trace ids (NewLogger), OpenTelemetry tracing (SetupTracing,
// Instrument), health and readiness endpoints (Health), and a Run that
// drives HTTP servers and workers until SIGTERM, then drains them.
// Prometheus metrics live in the metrics subpackage and plug in through
// RequestObserver and Health.Handler.
//
// A main stays thin:
//
//	func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
//		env := service.NewEnv(getenv)
//		addr := env.String("SOLSEC_HTTP_ADDR", ":8080")
//		level := env.OneOf("SOLSEC_LOG_LEVEL", "info", "debug", "info", "warn", "error")
//		if err := env.Err(); err != nil {
//			return err
//		}
//		log := service.NewLogger(stdout, "api", service.ParseLevel(level))
//		stopTracing, err := service.SetupTracing(ctx, "api", getenv)
//		...
//		health := service.NewHealth(2 * time.Second)
//		health.AddCheck("postgres", pool.Ping)
//		api := &http.Server{Handler: service.Instrument(mux, service.Instrumentation{Logger: log, Route: service.MuxRoute(mux)})}
//		return service.Runner{Logger: log, Health: health}.Run(ctx,
//			service.HTTPServer("api", api, nil, 20*time.Second),
//			service.Worker("jobs", workers.Run))
//	}
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"
)

// Component is one long-running part of a service.
type Component struct {
	Name string
	// Run runs until ctx is cancelled, then stops gracefully and returns
	// nil. Returning earlier, with or without an error, stops the service.
	Run func(ctx context.Context) error
}

// HTTPServer serves srv on ln (or, when ln is nil, on srv.Addr). At
// shutdown it stops accepting connections and lets in-flight requests
// finish for up to drain (default 20s), then closes what is left and
// reports it.
func HTTPServer(name string, srv *http.Server, ln net.Listener, drain time.Duration) Component {
	if drain <= 0 {
		drain = 20 * time.Second
	}
	return Component{Name: name, Run: func(ctx context.Context) error {
		l := ln
		if l == nil {
			var err error
			if l, err = net.Listen("tcp", srv.Addr); err != nil {
				return fmt.Errorf("listen on %q: %w", srv.Addr, err)
			}
		}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l) }()
		select {
		case err := <-served:
			return fmt.Errorf("serve: %w", err)
		case <-ctx.Done():
		}
		// The drain gets its own deadline: ctx is already cancelled.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
			return fmt.Errorf("in-flight requests did not finish within %s: %w", drain, err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	}}
}

// Worker runs a background loop. run must return once ctx is cancelled,
// after finishing its current job or handing it back to the queue.
func Worker(name string, run func(ctx context.Context) error) Component {
	return Component{Name: name, Run: run}
}

// Runner runs components with a graceful shutdown. The zero value is
// usable; Run(ctx, ...) is Runner{}.Run.
type Runner struct {
	// Logger records the shutdown; nil logs nothing.
	Logger *slog.Logger
	// Health, when set, is drained (readiness fails) as shutdown begins.
	Health *Health
	// DrainDelay is how long readiness fails before components are told to
	// stop, so the load balancer notices first. Default 0: in tests and
	// behind no balancer there is nothing to wait for.
	DrainDelay time.Duration
	// StopTimeout bounds how long Run waits for every component to stop
	// after shutdown begins. Default 25s: under Kubernetes' default 30s
	// grace period, Run then reports a stuck component before the SIGKILL.
	StopTimeout time.Duration
	// Signals that start the shutdown; default SIGTERM and SIGINT.
	Signals []os.Signal
}

// Run is Runner{}.Run.
func Run(ctx context.Context, components ...Component) error {
	return Runner{}.Run(ctx, components...)
}

type result struct {
	name string
	err  error
}

// Run starts every component and waits for a signal, ctx's cancellation or
// a component's return. Then it fails readiness, waits DrainDelay, cancels
// the components' context and waits up to StopTimeout for all of them. It
// returns the first component error (the one that caused the shutdown, if
// any), or nil after a clean shutdown.
func (rn Runner) Run(ctx context.Context, components ...Component) error {
	if len(components) == 0 {
		return errors.New("service: nothing to run")
	}
	if rn.StopTimeout <= 0 {
		rn.StopTimeout = 25 * time.Second
	}
	signals := rn.Signals
	if len(signals) == 0 {
		signals = []os.Signal{syscall.SIGTERM, os.Interrupt}
	}
	stopOn, stopSignals := signal.NotifyContext(ctx, signals...)
	defer stopSignals()

	// Components get a context of their own, cancelled only when Run
	// decides: after the readiness drain, not at the signal itself.
	compCtx, stopComponents := context.WithCancel(context.WithoutCancel(ctx))
	defer stopComponents()
	results := make(chan result, len(components))
	running := map[string]int{}
	for _, c := range components {
		running[c.Name]++
		go func() {
			err := c.Run(compCtx)
			results <- result{c.Name, err}
		}()
	}
	finished := func(r result) {
		if running[r.name]--; running[r.name] == 0 {
			delete(running, r.name)
		}
	}

	var first error
	select {
	case <-stopOn.Done():
		rn.log(slog.LevelInfo, "shutting down", "cause", context.Cause(stopOn).Error())
	case r := <-results:
		finished(r)
		first = fmt.Errorf("%s: %w", r.name, r.err)
		if r.err == nil {
			first = fmt.Errorf("%s stopped before shutdown", r.name)
		}
		rn.log(slog.LevelError, "component stopped, shutting down", "component", r.name, "error", first.Error())
	}

	if rn.Health != nil {
		rn.Health.Drain()
	}
	if rn.DrainDelay > 0 && first == nil {
		time.Sleep(rn.DrainDelay)
	}
	stopComponents()

	deadline := time.NewTimer(rn.StopTimeout)
	defer deadline.Stop()
	for len(running) > 0 {
		select {
		case r := <-results:
			finished(r)
			if r.err != nil && !errors.Is(r.err, context.Canceled) {
				rn.log(slog.LevelError, "component failed to stop cleanly", "component", r.name, "error", r.err.Error())
				if first == nil {
					first = fmt.Errorf("%s: %w", r.name, r.err)
				}
			}
		case <-deadline.C:
			names := make([]string, 0, len(running))
			for n := range running {
				names = append(names, n)
			}
			slices.Sort(names)
			err := fmt.Errorf("service: %v did not stop within %s", names, rn.StopTimeout)
			rn.log(slog.LevelError, "shutdown timed out", "components", names)
			return errors.Join(first, err)
		}
	}
	rn.log(slog.LevelInfo, "stopped")
	return first
}

func (rn Runner) log(level slog.Level, msg string, args ...any) {
	if rn.Logger != nil {
		rn.Logger.Log(context.Background(), level, msg, args...)
	}
}
