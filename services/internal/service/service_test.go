package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/solsec/platform/services/internal/httpx"
)

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestEnvReadsValidValues(t *testing.T) {
	env := NewEnv(mapEnv(map[string]string{
		"SOLSEC_ADDR":      " :9090 ",
		"SOLSEC_WORKERS":   "8",
		"SOLSEC_TIMEOUT":   "45s",
		"SOLSEC_DB":        "postgres://u:p@db:5432/solsec",
		"SOLSEC_LEVEL":     "debug",
		"SOLSEC_TOOLS":     "builtin, slither,,",
		"SOLSEC_DEV":       "true",
		"SOLSEC_JWT_KEY":   "s3cret",
		"SOLSEC_NEGATIVE":  "-3",
		"SOLSEC_UNSET_INT": "",
	}))
	assert.Equal(t, ":9090", env.String("SOLSEC_ADDR", ":8080"))
	assert.Equal(t, "fallback", env.String("SOLSEC_MISSING", "fallback"))
	assert.Equal(t, 8, env.IntBetween("SOLSEC_WORKERS", 4, 1, 64))
	assert.Equal(t, -3, env.Int("SOLSEC_NEGATIVE", 0))
	assert.Equal(t, 7, env.Int("SOLSEC_UNSET_INT", 7), "an empty variable takes the default")
	assert.Equal(t, 45*time.Second, env.Duration("SOLSEC_TIMEOUT", time.Second))
	assert.Equal(t, "db:5432", env.URL("SOLSEC_DB", "", "postgres", "postgresql").Host)
	assert.Equal(t, "debug", env.OneOf("SOLSEC_LEVEL", "info", "debug", "info", "warn", "error"))
	assert.Equal(t, []string{"builtin", "slither"}, env.List("SOLSEC_TOOLS", nil))
	assert.True(t, env.Bool("SOLSEC_DEV", false))
	assert.Equal(t, "s3cret", env.Secret("SOLSEC_JWT_KEY"))
	assert.NoError(t, env.Err())
}

func TestEnvReportsEveryProblemTogether(t *testing.T) {
	env := NewEnv(mapEnv(map[string]string{
		"SOLSEC_WORKERS": "lots",
		"SOLSEC_PORT":    "70000",
		"SOLSEC_TIMEOUT": "-5s",
		"SOLSEC_DB":      "mysql://root:hunter2@db/x",
		"SOLSEC_LEVEL":   "verbose",
		"SOLSEC_DEV":     "maybe",
	}))
	assert.Equal(t, 4, env.Int("SOLSEC_WORKERS", 4), "a bad value falls back to the default so reading can go on")
	env.IntBetween("SOLSEC_PORT", 8080, 1, 65535)
	env.Duration("SOLSEC_TIMEOUT", time.Second)
	assert.Nil(t, env.URL("SOLSEC_DB", "", "postgres"))
	env.OneOf("SOLSEC_LEVEL", "info", "debug", "info")
	env.Bool("SOLSEC_DEV", false)
	env.String("SOLSEC_REGION", "")
	env.Secret("SOLSEC_JWT_KEY")

	err := env.Err()
	var cfg *ConfigError
	require.ErrorAs(t, err, &cfg)
	assert.Equal(t, []string{
		`SOLSEC_WORKERS="lots": want an integer`,
		`SOLSEC_PORT="70000": want an integer from 1 to 65535`,
		`SOLSEC_TIMEOUT="-5s": want a positive duration such as "30s" or "5m"`,
		`SOLSEC_DB (value withheld, it may hold a password): want an absolute postgres URL with a host`,
		`SOLSEC_LEVEL="verbose": want one of debug, info`,
		`SOLSEC_DEV="maybe": want true or false`,
		`SOLSEC_REGION is required: want a non-empty value`,
		`SOLSEC_JWT_KEY is required: want a non-empty secret`,
	}, cfg.Problems)
	assert.NotContains(t, err.Error(), "hunter2", "credentials in URLs never reach the error")
	assert.Contains(t, err.Error(), "invalid configuration:\n  - SOLSEC_WORKERS")
}

func TestLoggerCarriesIDsFromTheContext(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, "api", slog.LevelInfo)

	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	ctx = WithAnalysisID(WithRequestID(ctx, "req-7"), "an-42")
	log.With("component", "jobs").InfoContext(ctx, "parsed", "files", 3)
	log.DebugContext(ctx, "below the level")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 1, "debug is filtered at info level")
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &rec))
	assert.Equal(t, "parsed", rec["msg"])
	assert.Equal(t, "api", rec["service"])
	assert.Equal(t, "jobs", rec["component"])
	assert.Equal(t, "req-7", rec["request_id"])
	assert.Equal(t, "an-42", rec["analysis_id"])
	assert.Equal(t, span.SpanContext().TraceID().String(), rec["trace_id"])
	assert.Equal(t, float64(3), rec["files"])
	assert.Equal(t, "an-42", AnalysisIDFrom(ctx))
}

func TestParseLevel(t *testing.T) {
	assert.Equal(t, slog.LevelDebug, ParseLevel("debug"))
	assert.Equal(t, slog.LevelWarn, ParseLevel("warn"))
	assert.Equal(t, slog.LevelInfo, ParseLevel("nonsense"))
}

type observed struct {
	route, method string
	status        int
}

type recordingObserver struct {
	mu  sync.Mutex
	obs []observed
}

func (r *recordingObserver) ObserveRequest(route, method string, status int, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obs = append(r.obs, observed{route, method, status})
}

// withSpanRecorder installs a recording tracer provider and the W3C
// propagator for the duration of a test.
func withSpanRecorder(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })
	return rec
}

func TestInstrument(t *testing.T) {
	spans := withSpanRecorder(t)
	var logs bytes.Buffer
	obs := &recordingObserver{}
	mux := http.NewServeMux()
	var handlerCtx context.Context
	mux.HandleFunc("GET /v1/analyses/{id}", func(w http.ResponseWriter, r *http.Request) {
		handlerCtx = r.Context()
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("nil map") })
	mux.HandleFunc("GET /flush", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, http.NewResponseController(w).Flush())
	})
	h := Instrument(mux, Instrumentation{Logger: NewLogger(&logs, "api", slog.LevelInfo), Metrics: obs, Route: MuxRoute(mux)})

	t.Run("a request continues the caller's trace and is observed by its route", func(t *testing.T) {
		const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		req := httptest.NewRequest(http.MethodGet, "/v1/analyses/123", nil)
		req.Header.Set("traceparent", parent)
		req.Header.Set(httpx.RequestIDHeader, "rid-1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		assert.Equal(t, http.StatusAccepted, rec.Code)
		assert.Equal(t, "rid-1", rec.Header().Get(httpx.RequestIDHeader))
		assert.Equal(t, "rid-1", httpx.RequestIDFrom(handlerCtx))
		sc := trace.SpanContextFromContext(handlerCtx)
		assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", sc.TraceID().String(), "the handler's span is a child of the caller's")

		ended := spans.Ended()
		require.NotEmpty(t, ended)
		last := ended[len(ended)-1]
		assert.Equal(t, "GET /v1/analyses/{id}", last.Name(), "spans are named by route, not by path")
		assert.Equal(t, "00f067aa0ba902b7", last.Parent().SpanID().String())
		assert.Equal(t, trace.SpanKindServer, last.SpanKind())

		assert.Contains(t, obs.obs, observed{"GET /v1/analyses/{id}", "GET", 202})
		assert.Contains(t, logs.String(), `"route":"GET /v1/analyses/{id}"`)
		assert.Contains(t, logs.String(), `"request_id":"rid-1"`)
		assert.Contains(t, logs.String(), `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`)
	})
	t.Run("an unknown path is observed as unmatched, not by its path", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/scan/for/secrets", nil))
		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.Contains(t, obs.obs, observed{"unmatched", "GET", 404})
	})
	t.Run("a panicking handler is answered 500 as a problem and logged", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Equal(t, httpx.ProblemContentType, rec.Header().Get("Content-Type"))
		assert.Contains(t, obs.obs, observed{"GET /boom", "GET", 500})
		assert.Contains(t, logs.String(), `"panic":"nil map"`)
		last := spans.Ended()[len(spans.Ended())-1]
		assert.Equal(t, "Error", last.Status().Code.String())
	})
	t.Run("a streaming handler can still flush", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/flush", nil))
		assert.True(t, rec.Flushed)
	})
}

func TestSetupTracing(t *testing.T) {
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })

	t.Run("without an endpoint spans get ids but no exporter", func(t *testing.T) {
		shutdown, err := SetupTracing(context.Background(), "api", mapEnv(nil))
		require.NoError(t, err)
		_, span := otel.Tracer("t").Start(context.Background(), "op")
		assert.True(t, span.SpanContext().IsValid())
		span.End()
		assert.Contains(t, otel.GetTextMapPropagator().Fields(), "traceparent")
		require.NoError(t, shutdown(context.Background()))
	})
	t.Run("with an endpoint an OTLP exporter is installed without connecting eagerly", func(t *testing.T) {
		shutdown, err := SetupTracing(context.Background(), "api", mapEnv(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}))
		require.NoError(t, err)
		_, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider)
		assert.True(t, ok)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = shutdown(ctx) // nothing was exported; the collector does not exist
	})
	t.Run("trace context round-trips through a job payload", func(t *testing.T) {
		_, err := SetupTracing(context.Background(), "orchestration", mapEnv(nil))
		require.NoError(t, err)
		ctx, span := otel.Tracer("t").Start(context.Background(), "enqueue")
		defer span.End()
		payload := propagation.MapCarrier{}
		InjectTrace(ctx, payload)
		got := trace.SpanContextFromContext(ExtractTrace(context.Background(), payload))
		assert.Equal(t, span.SpanContext().TraceID(), got.TraceID())
	})
}

func readyz(t *testing.T, h *Health) (int, Report) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.Handler(nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var rep Report
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &rep))
	return rec.Code, rep
}

func TestHealth(t *testing.T) {
	t.Run("healthz answers while checks fail", func(t *testing.T) {
		h := NewHealth(time.Second)
		h.AddCheck("postgres", func(context.Context) error { return errors.New("down") })
		rec := httptest.NewRecorder()
		h.Handler(nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		assert.Equal(t, http.StatusOK, rec.Code)
	})
	t.Run("readyz is ok when every check passes", func(t *testing.T) {
		h := NewHealth(time.Second)
		h.AddCheck("postgres", func(context.Context) error { return nil })
		h.AddCheck("redis", func(context.Context) error { return nil })
		code, rep := readyz(t, h)
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, "ok", rep.Status)
		assert.Equal(t, "ok", rep.Checks["redis"].Status)
	})
	t.Run("readyz fails and names the check that failed", func(t *testing.T) {
		h := NewHealth(time.Second)
		h.AddCheck("postgres", func(context.Context) error { return errors.New("connection refused") })
		h.AddCheck("redis", func(context.Context) error { return nil })
		code, rep := readyz(t, h)
		assert.Equal(t, http.StatusServiceUnavailable, code)
		assert.Equal(t, "fail", rep.Status)
		assert.Equal(t, CheckResult{Status: "fail", Error: "connection refused", Elapsed: rep.Checks["postgres"].Elapsed}, rep.Checks["postgres"])
		assert.Equal(t, "ok", rep.Checks["redis"].Status)
	})
	t.Run("a check that never answers fails at the timeout", func(t *testing.T) {
		h := NewHealth(20 * time.Millisecond)
		block := make(chan struct{})
		defer close(block)
		h.AddCheck("stuck", func(context.Context) error { <-block; return nil })
		code, rep := readyz(t, h)
		assert.Equal(t, http.StatusServiceUnavailable, code)
		assert.Contains(t, rep.Checks["stuck"].Error, "no answer within 20ms")
	})
	t.Run("a panicking check fails instead of crashing", func(t *testing.T) {
		h := NewHealth(time.Second)
		h.AddCheck("buggy", func(context.Context) error { panic("oops") })
		_, rep := readyz(t, h)
		assert.Contains(t, rep.Checks["buggy"].Error, "oops")
	})
	t.Run("readyz fails once draining", func(t *testing.T) {
		h := NewHealth(time.Second)
		h.Drain()
		code, rep := readyz(t, h)
		assert.Equal(t, http.StatusServiceUnavailable, code)
		assert.Equal(t, "draining", rep.Status)
	})
	t.Run("metrics are served when given", func(t *testing.T) {
		h := NewHealth(time.Second)
		rec := httptest.NewRecorder()
		h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "solsec_up 1\n") })).
			ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		assert.Equal(t, "solsec_up 1\n", rec.Body.String())
	})
}

func TestRunDrainsAnInFlightRequest(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	var handlerDone atomic.Bool
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "finished")
		handlerDone.Store(true)
	})}
	shuttingDown := make(chan struct{})
	srv.RegisterOnShutdown(func() { close(shuttingDown) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := "http://" + ln.Addr().String()

	health := NewHealth(time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	type outcome struct {
		err              error
		doneWhenReturned bool
	}
	ran := make(chan outcome, 1)
	go func() {
		err := Runner{Health: health}.Run(ctx, HTTPServer("api", srv, ln, time.Minute))
		ran <- outcome{err, handlerDone.Load()}
	}()

	type response struct {
		body string
		err  error
	}
	got := make(chan response, 1)
	go func() {
		resp, err := http.Get(addr + "/slow")
		if err != nil {
			got <- response{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- response{string(b), err}
	}()
	<-entered
	cancel() // as SIGTERM would
	<-shuttingDown

	code, _ := readyz(t, health)
	assert.Equal(t, http.StatusServiceUnavailable, code, "readiness fails during the drain")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, err = client.Get(addr + "/new")
	assert.Error(t, err, "no new connection is accepted while draining")

	close(release)
	r := <-got
	require.NoError(t, r.err)
	assert.Equal(t, "finished", r.body, "the in-flight request completes")
	o := <-ran
	assert.NoError(t, o.err)
	assert.True(t, o.doneWhenReturned, "Run returned only after the request finished")
}

func TestRunStopsWorkers(t *testing.T) {
	t.Run("a worker hands its job back when cancelled and Run returns cleanly", func(t *testing.T) {
		var handedBack atomic.Bool
		started := make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- Run(ctx, Worker("jobs", func(ctx context.Context) error {
				close(started)
				<-ctx.Done()
				handedBack.Store(true)
				return ctx.Err() // context.Canceled after shutdown is a clean stop
			}))
		}()
		<-started
		cancel()
		assert.NoError(t, <-done)
		assert.True(t, handedBack.Load())
	})
	t.Run("a failing component stops the others and its error is returned", func(t *testing.T) {
		var otherStopped atomic.Bool
		err := Run(context.Background(),
			Worker("scorer", func(ctx context.Context) error { <-ctx.Done(); otherStopped.Store(true); return nil }),
			Worker("parser", func(ctx context.Context) error { return errors.New("redis: connection lost") }),
		)
		require.Error(t, err)
		assert.Equal(t, "parser: redis: connection lost", err.Error())
		assert.True(t, otherStopped.Load())
	})
	t.Run("a component returning early without error still stops the service", func(t *testing.T) {
		err := Run(context.Background(), Worker("jobs", func(context.Context) error { return nil }))
		assert.EqualError(t, err, "jobs stopped before shutdown")
	})
	t.Run("a worker that ignores cancellation is reported after the stop timeout", func(t *testing.T) {
		stuck := make(chan struct{})
		defer close(stuck)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := Runner{StopTimeout: 10 * time.Millisecond}.Run(ctx, Worker("stuck", func(context.Context) error { <-stuck; return nil }))
		assert.EqualError(t, err, "service: [stuck] did not stop within 10ms")
	})
	t.Run("an HTTP server that cannot listen fails Run", func(t *testing.T) {
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer taken.Close()
		err = Run(context.Background(), HTTPServer("api", &http.Server{Addr: taken.Addr().String()}, nil, time.Second))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "api: listen on")
	})
	t.Run("nothing to run is an error", func(t *testing.T) {
		assert.Error(t, Run(context.Background()))
	})
}
