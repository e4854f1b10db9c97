package service

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/solsec/platform/services/internal/httpx"
)

// RequestObserver records one finished HTTP request. The metrics package's
// Registry implements it with a latency histogram.
type RequestObserver interface {
	ObserveRequest(route, method string, status int, elapsed time.Duration)
}

// Instrumentation configures Instrument. Every field is optional.
type Instrumentation struct {
	// Logger writes one access-log line per request.
	Logger *slog.Logger
	// Metrics observes every request.
	Metrics RequestObserver
	// Route names a request's route for spans, logs and metrics. It must be
	// low-cardinality (a pattern such as "GET /v1/analyses/{id}", never the
	// raw path, or every id becomes a time series). MuxRoute gives it for a
	// ServeMux; nil names every request "unrouted".
	Route func(*http.Request) string
}

// MuxRoute returns the pattern mux would route r to, "unmatched" if none.
// It asks the mux up front because wrapping middleware (auth, request ids)
// hands the mux a copy of the request, so the pattern the mux sets on that
// copy never reaches the outer layers.
func MuxRoute(mux *http.ServeMux) func(*http.Request) string {
	return func(r *http.Request) string {
		if _, pattern := mux.Handler(r); pattern != "" {
			return pattern
		}
		return "unmatched"
	}
}

// Instrument wraps next with, outermost first: a request id (httpx.RequestID),
// a server span continuing the caller's W3C trace context, panic recovery
// (500 problem, logged with its stack), the request metrics and the access
// log.
func Instrument(next http.Handler, in Instrumentation) http.Handler {
	tracer := otel.Tracer("github.com/solsec/platform/services/internal/service")
	route := in.Route
	if route == nil {
		route = func(*http.Request) string { return "unrouted" }
	}
	observed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		name := route(r)
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("http.route", name),
			attribute.String("url.path", r.URL.Path),
			attribute.String("request.id", httpx.RequestIDFrom(r.Context())),
		))
		rec := &statusRecorder{ResponseWriter: w}
		r = r.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					// net/http's own signal to abort the response silently.
					span.End()
					panic(v)
				}
				if in.Logger != nil {
					in.Logger.ErrorContext(ctx, "handler panicked", "route", name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				}
				span.RecordError(fmt.Errorf("panic: %v", v))
				if !rec.wroteHeader {
					httpx.Fail(rec, r, http.StatusInternalServerError, "internal", "the server failed to handle the request")
				}
			}
			status := rec.statusCode()
			elapsed := time.Since(start)
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
			span.End()
			if in.Metrics != nil {
				in.Metrics.ObserveRequest(name, r.Method, status, elapsed)
			}
			if in.Logger != nil {
				level := slog.LevelInfo
				if status >= 500 {
					level = slog.LevelError
				}
				in.Logger.LogAttrs(ctx, level, "request",
					slog.String("method", r.Method), slog.String("route", name), slog.String("path", r.URL.Path),
					slog.Int("status", status), slog.Int64("bytes", rec.bytes), slog.Duration("elapsed", elapsed))
			}
		}()
		next.ServeHTTP(rec, r)
	})
	return httpx.RequestID(observed)
}

// statusRecorder remembers the status and size of a response. Unwrap lets
// http.ResponseController reach the writer's Flush and Hijack, which
// streaming endpoints (server-sent events, websockets) need.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	bytes       int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = http.StatusOK, true
	}
	n, err := s.ResponseWriter.Write(p)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// statusCode is what the client saw: 200 when the handler wrote nothing.
func (s *statusRecorder) statusCode() int {
	if !s.wroteHeader {
		return http.StatusOK
	}
	return s.status
}
