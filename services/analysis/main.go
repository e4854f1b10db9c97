// Command analysis is the upload front end: a file, several files or a project archive, dropped or chosen and checked in the browser, then the live progress view relayed from the notification service.
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
		fmt.Fprintln(os.Stderr, "analysis:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	return webui.Run(ctx, getenv, stdout, webui.Frontend{
		Name:        "analysis",
		NeedsNotify: true,
		Mount:       func(a *webui.App) { a.MountAnalysis() },
	})
}
