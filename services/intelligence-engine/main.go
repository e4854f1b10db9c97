// Command intelligence-engine is the analysis pipeline's intelligence-engine service: it merges the findings of every tool run, filters known false-positive shapes, scores each finding with the precision learnt from triage, stores them, completes the analysis, caches the result and announces it.
//
// It works the River queue of its step in PostgreSQL (see
// services/internal/pipeline and docs/pipeline.md) and serves /healthz,
// /readyz and /metrics on SOLSEC_ADMIN_ADDR. Configuration comes from the
// environment (pipeline.Config lists every variable); SIGTERM lets jobs in
// flight finish within SOLSEC_SHUTDOWN_DRAIN, then hands the rest back to
// the queue.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/solsec/platform/services/internal/pipeline"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "intelligence-engine:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	return pipeline.Run(ctx, pipeline.RoleScoring, getenv, stdout)
}
