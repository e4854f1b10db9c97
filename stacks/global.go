package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// global holds the stack's resources that are not regional.
type global struct {
	zone *route53.Zone
}

// deployGlobal creates what exists once per stack, through the primary
// region's provider: the environment's public hosted zone, which cert-manager
// (DNS-01) and, later, the edge's records and failover use. It is protected
// in production: deleting it would take the platform's names offline.
func deployGlobal(ctx *pulumi.Context, cfg *Config, primary *aws.Provider) (*global, error) {
	zone, err := route53.NewZone(ctx, cfg.Environment+"-zone", &route53.ZoneArgs{
		Name:    pulumi.String(cfg.Domain),
		Comment: pulumi.Sprintf("solsec %s public zone (managed by Pulumi)", cfg.Environment),
	}, pulumi.Provider(primary), pulumi.Protect(cfg.Environment == "production"))
	if err != nil {
		return nil, fmt.Errorf("hosted zone %s: %w", cfg.Domain, err)
	}
	return &global{zone: zone}, nil
}
