// Package stacks composes the platform: it reads and validates a stack's
// config once, creates one AWS provider per region, builds every component
// of each region with that provider, and exports the stack's outputs. It is
// the only package that reads config; components get typed arguments.
package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Load reads the stack's config from the Pulumi context and validates it.
// It reads the raw text of each key and leaves decoding to ParseConfig,
// which, unlike config.TryObject, rejects unknown fields, so that
// cmd/plan (reading stack files) and the program share one parser.
func Load(ctx *pulumi.Context) (*Config, error) {
	raw := map[string]string{}
	for _, k := range KeyNames() {
		key := Namespace + ":" + k
		if v, err := config.Try(ctx, key); err == nil {
			raw[key] = v
		}
	}
	return ParseConfig(ctx.Stack(), raw)
}

// Deploy is the Pulumi program: config first, so that a bad config fails
// before any resource is registered, then every enabled region.
func Deploy(ctx *pulumi.Context) error {
	cfg, err := Load(ctx)
	if err != nil {
		return err
	}
	providers := map[string]*aws.Provider{}
	for _, r := range cfg.EnabledRegions() {
		p, err := regionalProvider(ctx, cfg, r)
		if err != nil {
			return fmt.Errorf("region %s: %w", r.Name, err)
		}
		providers[r.Name] = p
	}
	g, err := deployGlobal(ctx, cfg, providers[cfg.Primary().Name])
	if err != nil {
		return err
	}
	for _, r := range cfg.EnabledRegions() {
		out, err := deployRegion(ctx, cfg, r, providers[r.Name], g)
		if err != nil {
			return fmt.Errorf("region %s: %w", r.Name, err)
		}
		ctx.Export(r.Name, out)
	}
	ctx.Export("hostedZoneId", g.zone.ZoneId)
	ctx.Export("nameServers", g.zone.NameServers)
	ctx.Export("environment", pulumi.String(cfg.Environment))
	ctx.Export("primaryRegion", pulumi.String(cfg.Primary().Name))
	return nil
}
