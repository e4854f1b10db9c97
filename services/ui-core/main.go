// Command ui-core serves the shell every front end shares: sign-in and sign-out, the account page, API keys and the shared assets.
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
		fmt.Fprintln(os.Stderr, "ui-core:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	return webui.Run(ctx, getenv, stdout, webui.Frontend{
		Name:        "ui-core",
		NeedsNotify: false,
		Mount:       func(a *webui.App) { a.MountCore() },
	})
}
