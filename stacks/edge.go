package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/components/data"
	"github.com/solsec/platform/components/edge"
)

// deployEdge is the last pass: the edge spans every deployed region (an ALB
// in front of each region's mesh, failover between them) and adds the
// global CloudFront parts, so it follows the meshes.
func deployEdge(ctx *pulumi.Context, cfg *Config, g *global, parts []*regionParts) (*edge.Edge, error) {
	var regions []edge.RegionArgs
	for _, p := range parts {
		gateway := []pulumi.Resource{p.cluster}
		if p.mesh != nil {
			gateway = append(gateway, p.mesh.Ready...)
		}
		regions = append(regions, edge.RegionArgs{
			Name:               p.region.Name,
			Primary:            p.region.Role == RolePrimary,
			Provider:           p.provider,
			KubernetesProvider: p.cluster.KubernetesProvider,
			LogsKeyArn:         p.data.KeyArns.MapIndex(pulumi.String(data.KeyLogs)),
			Gateway:            gateway,
		})
	}
	e := cfg.Edge
	return edge.NewEdge(ctx, cfg.Environment+"-edge", &edge.EdgeArgs{
		Environment:      cfg.Environment,
		Domain:           cfg.Domain,
		ZoneID:           g.zone.ZoneID,
		Regions:          regions,
		RateLimit:        e.RateLimits.PerIP,
		UploadRateLimit:  e.RateLimits.UploadsPerIP,
		BlockedCountries: e.BlockedCountries,
		UploadLimitBytes: int64(e.UploadLimitMB) << 20,
		PriceClass:       e.PriceClass,
		LogRetentionDays: cfg.LogRetentionDays,
		Production:       cfg.Environment == "production",
	})
}
