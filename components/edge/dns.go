package edge

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// dns creates the names: the public api./app./docs. names alias the
// CloudFront distribution (IPv4 and IPv6), and the origin names CloudFront
// sends API and app requests to alias the regions' ALBs. With more than one
// region the origin names use failover routing: the primary region answers
// while its health check passes, the secondary takes over when it fails.
// With one region they are simple alias records.
func (b *builder) dns() error {
	var public pulumi.StringArray
	for _, label := range publicNames {
		for _, typ := range []string{"A", "AAAA"} {
			if _, err := route53.NewRecord(b.ctx, b.child(label+"-"+typ), &route53.RecordArgs{
				ZoneId: b.args.ZoneID,
				Name:   pulumi.String(b.fqdn(label)),
				Type:   pulumi.String(typ),
				Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
					Name: b.distribution.DomainName, ZoneId: b.distribution.HostedZoneId, EvaluateTargetHealth: pulumi.Bool(false),
				}},
			}, b.in(b.global)...); err != nil {
				return fmt.Errorf("record %s %s: %w", b.fqdn(label), typ, err)
			}
		}
		public = append(public, pulumi.String(b.fqdn(label)))
	}
	var origins pulumi.StringArray
	failover := len(b.regions) > 1
	for _, label := range []string{"api", "app"} {
		name := b.fqdn(originNames[label])
		origins = append(origins, pulumi.String(name))
		for _, r := range b.regions {
			reg := b.regional[r.Name]
			args := &route53.RecordArgs{
				ZoneId: b.args.ZoneID,
				Name:   pulumi.String(name),
				Type:   pulumi.String("A"),
				Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
					Name: reg.albDNS, ZoneId: pulumi.String(elbHostedZones[r.Name]),
					// An ALB with no healthy target is unhealthy too.
					EvaluateTargetHealth: pulumi.Bool(true),
				}},
			}
			if failover {
				role := FailoverSecondary
				if r.Primary {
					role = FailoverPrimary
				}
				args.SetIdentifier = pulumi.String(r.Name)
				args.HealthCheckId = reg.healthCheck.ToStringOutput()
				args.FailoverRoutingPolicies = route53.RecordFailoverRoutingPolicyArray{
					route53.RecordFailoverRoutingPolicyArgs{Type: pulumi.String(role)},
				}
			}
			if _, err := route53.NewRecord(b.ctx, b.child(originNames[label]+"-"+r.Name), args, b.in(b.global)...); err != nil {
				return fmt.Errorf("record %s in %s: %w", name, r.Name, err)
			}
		}
	}
	b.e.Names = public.ToStringArrayOutput()
	b.e.OriginNames = origins.ToStringArrayOutput()
	return nil
}
