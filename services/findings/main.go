// Command findings is the findings front end: an analysis's findings with filters, each finding's source excerpt and per-tool evidence, triage, and the SARIF and JSON reports.
// It is a web front end over the public API; see services/internal/webui
// for the environment it reads and docs/web.md for the design.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/solsec/platform/services/internal/webui"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "findings:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	return webui.Run(ctx, getenv, stdout, webui.Frontend{
		Name:        "findings",
		NeedsNotify: false,
		Mount:       func(a *webui.App) { a.MountFindings() },
	})
}
