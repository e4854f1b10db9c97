// Command tool-integration is the analysis pipeline's tool-integration service: it runs one analyser per job (the built-in engine in process; Slither, Mythril and Solhint as bounded subprocesses when installed) over an analysis' sources in a clean directory, and stores its raw findings and the run's outcome.
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
		fmt.Fprintln(os.Stderr, "tool-integration:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	return pipeline.Run(ctx, pipeline.RoleTools, getenv, stdout)
}
