package edge

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ZoneArgs configure a Zone.
type ZoneArgs struct {
	Environment string
	// Domain is the environment's public domain.
	Domain string
	// Existing looks the public zone of Domain up instead of creating it,
	// for a domain whose zone is managed elsewhere (a registrar-linked zone
	// or another account's delegation).
	Existing bool
	// Protect keeps a created zone from being deleted (production): a new
	// zone gets new name servers, which takes every name offline until the
	// delegation is updated.
	Protect bool
}

// Zone is the environment's public hosted zone. It is separate from Edge
// because cert-manager's DNS-01 solver in every cluster needs it before the
// edge (which follows the mesh) exists.
type Zone struct {
	pulumi.ResourceState

	ZoneID      pulumi.StringOutput      `pulumi:"zoneId"`
	NameServers pulumi.StringArrayOutput `pulumi:"nameServers"`
}

// NewZone creates or looks up the public hosted zone. The AWS provider
// reaches it through pulumi.Provider or pulumi.Providers in opts.
func NewZone(ctx *pulumi.Context, name string, args *ZoneArgs, opts ...pulumi.ResourceOption) (*Zone, error) {
	if args == nil || args.Domain == "" || args.Environment == "" {
		return nil, errors.New("zone: environment and domain are required")
	}
	z := &Zone{}
	if err := ctx.RegisterComponentResource("solsec:edge:Zone", name, z, opts...); err != nil {
		return nil, fmt.Errorf("zone %s: register component: %w", name, err)
	}
	if args.Existing {
		found, err := route53.LookupZone(ctx, &route53.LookupZoneArgs{
			Name: pulumi.StringRef(args.Domain), PrivateZone: pulumi.BoolRef(false),
		}, pulumi.Parent(z))
		if err != nil {
			return nil, fmt.Errorf("zone %s: look up the public zone of %s: %w", name, args.Domain, err)
		}
		z.ZoneID = pulumi.String(found.ZoneId).ToStringOutput()
		z.NameServers = pulumi.ToStringArray(found.NameServers).ToStringArrayOutput()
	} else {
		zone, err := route53.NewZone(ctx, name+"-zone", &route53.ZoneArgs{
			Name:    pulumi.String(args.Domain),
			Comment: pulumi.Sprintf("solsec %s public zone (managed by Pulumi)", args.Environment),
		}, pulumi.Parent(z), pulumi.Protect(args.Protect),
			// The zone was created at the stack's top level before it moved
			// into this component: the alias keeps it (and its name servers)
			// instead of replacing it.
			pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(name + "-zone"), NoParent: pulumi.Bool(true)}}))
		if err != nil {
			return nil, fmt.Errorf("zone %s: hosted zone %s: %w", name, args.Domain, err)
		}
		z.ZoneID = zone.ZoneId
		z.NameServers = zone.NameServers
	}
	if err := ctx.RegisterResourceOutputs(z, pulumi.Map{"zoneId": z.ZoneID, "nameServers": z.NameServers}); err != nil {
		return nil, fmt.Errorf("zone %s: register outputs: %w", name, err)
	}
	return z, nil
}
