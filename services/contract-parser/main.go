// Command contract-parser is the analysis pipeline's contract-parser service: it parses each analysis' uploaded sources with the engine, stores the AST summary and the import and inheritance graphs, reports syntax errors as findings, and hands the analysis to orchestration.
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
		fmt.Fprintln(os.Stderr, "contract-parser:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	return pipeline.Run(ctx, pipeline.RoleParser, getenv, stdout)
}
