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

	"github.com/solsec/platform/components/data"
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

// Deploy is the Pulumi program: it composes the stack and exports its
// outputs.
func Deploy(ctx *pulumi.Context) error {
	outputs, err := Compose(ctx)
	if err != nil {
		return err
	}
	for name, value := range outputs {
		ctx.Export(name, value)
	}
	return nil
}

// Compose builds the stack and returns its outputs, so that tests can
// inspect them (for instance that no secret value leaves unwrapped): config
// first, so that a bad config fails before any resource is registered,
// then every enabled region, the primary first because the secondary's
// data tier replicates it, then observability and the mesh, the registry,
// the image builds and the workloads on the meshes, and the edge in front
// of them last.
func Compose(ctx *pulumi.Context) (pulumi.Map, error) {
	cfg, err := Load(ctx)
	if err != nil {
		return nil, err
	}
	providers := map[string]*aws.Provider{}
	for _, r := range cfg.EnabledRegions() {
		p, err := regionalProvider(ctx, cfg, r)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		providers[r.Name] = p
	}
	g, err := deployGlobal(ctx, cfg, providers[cfg.Primary().Name])
	if err != nil {
		return nil, err
	}
	outputs := pulumi.Map{
		"hostedZoneId":  g.zone.ZoneID,
		"nameServers":   g.zone.NameServers,
		"environment":   pulumi.String(cfg.Environment),
		"primaryRegion": pulumi.String(cfg.Primary().Name),
	}
	var links regionLinks
	if s, ok := cfg.Secondary(); ok {
		links.recovery = &data.Recovery{Region: s.Name, Provider: providers[s.Name]}
	}
	var parts []*regionParts
	for _, r := range cfg.EnabledRegions() {
		l := links
		if r.Role == RolePrimary {
			l.primary = nil
		} else {
			l.recovery = nil
		}
		p, err := deployRegion(ctx, cfg, r, providers[r.Name], g, l)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
		if r.Role == RolePrimary {
			links.primary = p.data.Replication
		}
		outputs[r.Name] = p.outputs
		parts = append(parts, p)
	}
	if err := deployTelemetry(ctx, cfg, parts); err != nil {
		return nil, err
	}
	images, err := deployWorkloads(ctx, cfg, parts)
	if err != nil {
		return nil, err
	}
	outputs["registry"] = images
	e, err := deployEdge(ctx, cfg, g, parts)
	if err != nil {
		return nil, err
	}
	outputs["edge"] = pulumi.Map{
		"distributionId":     e.DistributionID,
		"distributionDomain": e.DistributionDomain,
		"names":              e.Names,
		"originNames":        e.OriginNames,
		"albDnsNames":        e.AlbDNSNames,
		"healthCheckIds":     e.HealthCheckIDs,
		"webAclArns":         e.WebACLArns,
		"docsBucket":         e.DocsBucket,
	}
	return outputs, nil
}
