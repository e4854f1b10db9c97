package service

import (
	"context"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/solsec/platform/services/internal/httpx"
)

type analysisIDKey struct{}

// WithAnalysisID returns ctx carrying the id of the analysis being worked
// on; every log line written with that context names it.
func WithAnalysisID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, analysisIDKey{}, id)
}

// AnalysisIDFrom returns the analysis id in ctx, "" if none.
func AnalysisIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(analysisIDKey{}).(string)
	return id
}

// WithRequestID is httpx.WithRequestID, here so a worker that carries the
// id of the request behind its job needs one import.
func WithRequestID(ctx context.Context, id string) context.Context {
	return httpx.WithRequestID(ctx, id)
}

// RequestIDFrom is httpx.RequestIDFrom.
func RequestIDFrom(ctx context.Context) string { return httpx.RequestIDFrom(ctx) }

// NewLogger returns a JSON logger writing to w at level, every record
// tagged service=name and, when the context of the call (InfoContext and
// friends) carries them, request_id, analysis_id, trace_id and span_id.
func NewLogger(w io.Writer, name string, level slog.Leveler) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(contextHandler{h}).With("service", name)
}

// ParseLevel maps debug/info/warn/error to a level; use it with
// Env.OneOf("SOLSEC_LOG_LEVEL", "info", "debug", "info", "warn", "error").
func ParseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// contextHandler adds the ids found in a record's context.
type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := httpx.RequestIDFrom(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if id := AnalysisIDFrom(ctx); id != "" {
		r.AddAttrs(slog.String("analysis_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
