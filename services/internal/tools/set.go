package tools

import (
	"context"
	"sync"
)

// Config selects and configures the standard tools of a deployment.
type Config struct {
	Engine  Engine
	Slither ExternalOptions
	Mythril ExternalOptions
	Solhint ExternalOptions
}

// Standard returns the built-in engine, Slither, Mythril and Solhint, in
// that order. External tools whose binaries are missing are still returned:
// they report themselves unavailable, which the pipeline records as such.
func Standard(cfg Config) []Tool {
	engine := cfg.Engine
	return []Tool{&engine, NewSlither(cfg.Slither), NewMythril(cfg.Mythril), NewSolhint(cfg.Solhint)}
}

// DetectAll runs every tool's Detect concurrently (version commands of
// Python tools take seconds) and returns the answers in the tools' order.
func DetectAll(ctx context.Context, ts []Tool) []Availability {
	out := make([]Availability, len(ts))
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Go(func() { out[i] = t.Detect(ctx) })
	}
	wg.Wait()
	return out
}
