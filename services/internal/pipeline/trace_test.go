package pipeline_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/solsec/platform/services/internal/store"
)

var (
	recorderOnce sync.Once
	recorder     *tracetest.SpanRecorder
)

// spanRecorder installs a tracer provider that records every span in
// memory, and the W3C propagator services install, for the rest of the
// test binary.
func spanRecorder() *tracetest.SpanRecorder {
	recorderOnce.Do(func() {
		recorder = tracetest.NewSpanRecorder()
	})
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder)))
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return recorder
}

// TestOneTraceAcrossTheServices: each job carries the trace context in
// its metadata, so the parse, orchestration, tool and scoring spans of one
// analysis form one trace, although four River clients worked them.
func TestOneTraceAcrossTheServices(t *testing.T) {
	rec := spanRecorder()
	h := newHarness(t, harnessOptions{})
	h.startAll()

	a := h.submit(foundryProject)
	require.Equal(t, store.StateCompleted, h.waitEnded(a.ID, time.Minute).State)

	var names []string
	traces := map[string]bool{}
	h.waitFor("the scoring span to end", 10*time.Second, func() bool {
		names, traces = nil, map[string]bool{}
		for _, s := range rec.Ended() {
			for _, kv := range s.Attributes() {
				if kv.Key == "solsec.analysis_id" && kv.Value.AsString() == a.ID {
					names = append(names, s.Name())
					traces[s.SpanContext().TraceID().String()] = true
				}
			}
		}
		for _, n := range names {
			if n == "job score" {
				return true
			}
		}
		return false
	})
	for _, want := range []string{"job parse", "job orchestrate", "job tool_run solsec", "job tool_run slither", "job score"} {
		assert.Contains(t, names, want)
	}
	assert.Len(t, traces, 1, "every job span of the analysis is in one trace")
}
