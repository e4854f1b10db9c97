package stacks

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/components/edge"
)

// global holds the stack's resources that are not regional and exist
// before the regions: the environment's public hosted zone.
type global struct {
	zone *edge.Zone
}

// deployGlobal creates what the regions need from the start, through the
// primary region's provider: the environment's public hosted zone (created,
// or looked up when solsec:edge.zone says it exists), which cert-manager's
// DNS-01 solver uses in every cluster and the edge fills with its records.
// A created zone is protected in production: deleting it would take the
// platform's names offline.
func deployGlobal(ctx *pulumi.Context, cfg *Config, primary *aws.Provider) (*global, error) {
	zone, err := edge.NewZone(ctx, cfg.Environment, &edge.ZoneArgs{
		Environment: cfg.Environment,
		Domain:      cfg.Domain,
		Existing:    cfg.Edge.Zone == ZoneExisting,
		Protect:     cfg.Environment == "production",
	}, pulumi.Providers(primary))
	if err != nil {
		return nil, err
	}
	return &global{zone: zone}, nil
}
