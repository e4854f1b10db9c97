// Command dashboard shows an organisation's numbers as server-rendered SVG charts: analyses over time, findings by severity and class, mean time to triage, frequent detectors, tool run times and failure rates.
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
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	return webui.Run(ctx, getenv, stdout, webui.Frontend{
		Name:        "dashboard",
		NeedsNotify: false,
		Mount:       func(a *webui.App) { a.MountDashboard(nil) },
	})
}
