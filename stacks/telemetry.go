package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/components/cluster"
	"github.com/solsec/platform/components/data"
	"github.com/solsec/platform/components/mesh"
	"github.com/solsec/platform/components/observability"
)

// deployTelemetry is the second pass over the regions: Observability, then
// the Mesh that sends it traces and metrics. Secondaries go first because
// the primary's Prometheus federates theirs and needs their endpoints.
func deployTelemetry(ctx *pulumi.Context, cfg *Config, parts []*regionParts) error {
	var primary *regionParts
	var ordered []*regionParts
	for _, p := range parts {
		if p.region.Role == RolePrimary {
			primary = p
		} else {
			ordered = append(ordered, p)
		}
	}
	if primary == nil {
		return fmt.Errorf("no primary region among the deployed ones")
	}
	ordered = append(ordered, primary)
	var federation []pulumi.StringInput
	for _, p := range ordered {
		obs, err := deployObservability(ctx, cfg, p, primary, federation)
		if err != nil {
			return fmt.Errorf("region %s: %w", p.region.Name, err)
		}
		if p != primary {
			federation = append(federation, obs.Endpoints.FederationEndpoint)
		}
		m, err := deployMesh(ctx, cfg, p, obs)
		if err != nil {
			return fmt.Errorf("region %s: %w", p.region.Name, err)
		}
		p.mesh = m
		p.outputs["alertTopicArn"] = obs.AlertTopicArn
		p.outputs["dashboardName"] = obs.DashboardName
	}
	return nil
}

// lastSegment turns an ARN into the identifier after its last colon
// (an RDS instance ARN into the instance identifier).
func lastSegment(arn pulumi.StringOutput) pulumi.StringOutput {
	return arn.ApplyT(func(a string) string { return a[strings.LastIndex(a, ":")+1:] }).(pulumi.StringOutput)
}

// cacheNodeIDs names every node of the region's Redis replication group the
// way ElastiCache names cluster-mode nodes: <group>-<shard:4>-<node:3>. The
// group id is the data component's ("solsec-<env>-<region>").
func cacheNodeIDs(cfg *Config, region string) []pulumi.StringInput {
	var ids []pulumi.StringInput
	group := "solsec-" + cfg.Environment + "-" + region
	for shard := 1; shard <= cfg.Data.Cache.Shards; shard++ {
		for node := 1; node <= cfg.Data.Cache.ReplicasPerShard+1; node++ {
			ids = append(ids, pulumi.String(fmt.Sprintf("%s-%04d-%03d", group, shard, node)))
		}
	}
	return ids
}

func deployObservability(ctx *pulumi.Context, cfg *Config, p, primary *regionParts, federation []pulumi.StringInput) (*observability.Observability, error) {
	isPrimary := p == primary
	o := cfg.Observability
	args := &observability.ObservabilityArgs{
		Environment:      cfg.Environment,
		Region:           p.region.Name,
		Primary:          isPrimary,
		AlertEmails:      o.AlertEmails,
		LogRetentionDays: cfg.LogRetentionDays,
		// The data tier's logs key encrypts every log group of the region.
		LogsKeyArn:  p.data.KeyArns.MapIndex(pulumi.String(data.KeyLogs)),
		ClusterName: ClusterName(cfg.Environment, p.region.Name),
		ContainerInsights: &observability.ContainerInsightsArgs{
			KubernetesVersion: cfg.Cluster.KubernetesVersion,
			OidcProviderArn:   p.cluster.OidcProviderArn,
			Issuer:            p.cluster.OidcIssuerURL,
		},
		DatabaseInstanceIDs: []pulumi.StringInput{lastSegment(p.data.DatabaseArn)},
		CacheNodeIDs:        cacheNodeIDs(cfg, p.region.Name),
		MonthlyBudgetUSD:    o.MonthlyBudgetUSD,
		AnomalyThresholdUSD: o.AnomalyThresholdUSD,
		InCluster: &observability.InClusterArgs{
			Namespace:               "monitoring-" + cfg.Environment,
			StorageClass:            cluster.DefaultStorageClass,
			SecretStore:             cluster.SecretStoreName,
			OidcProviderArn:         p.cluster.OidcProviderArn,
			Issuer:                  p.cluster.OidcIssuerURL,
			PrometheusRetentionDays: o.Prometheus.RetentionDays,
			PrometheusStorageGB:     o.Prometheus.StorageGB,
			GrafanaStorageGB:        o.GrafanaStorageGB,
			Jaeger: observability.JaegerArgs{
				VpcID:                 p.net.VpcID.ToStringOutput(),
				ClientSecurityGroupID: p.net.NodeSecurityGroupID.ToStringOutput(),
				InstanceType:          o.Jaeger.InstanceType,
				InstanceCount:         o.Jaeger.InstanceCount,
				DedicatedMasters:      o.Jaeger.DedicatedMasters,
				VolumeGB:              o.Jaeger.VolumeGB,
				RetentionDays:         o.Jaeger.RetentionDays,
			},
		},
	}
	for _, id := range p.net.NatGatewayIDs {
		args.NatGatewayIDs = append(args.NatGatewayIDs, id)
	}
	for _, s := range p.net.PrivateSubnets {
		args.InCluster.Jaeger.SubnetIDs = append(args.InCluster.Jaeger.SubnetIDs, s.ID().ToStringOutput())
	}
	if !isPrimary {
		// A secondary's database is the cross-region replica: watch its lag.
		args.DatabaseReplicaIDs = args.DatabaseInstanceIDs
	}
	if isPrimary {
		args.InCluster.FederationTargets = federation
		for _, kind := range []string{"contracts", "results"} {
			args.AuditedBucketArns = append(args.AuditedBucketArns,
				pulumi.Sprintf("arn:aws:s3:::%s", p.data.BucketNames.MapIndex(pulumi.String(kind))))
		}
	} else {
		args.InCluster.FederationSourceCidrs = []string{primary.region.VpcCidr}
	}
	// Depending on the cluster waits for its add-ons (CRDs of cert-manager
	// and External Secrets, the storage class) before anything in-cluster.
	return observability.NewObservability(ctx, ResourceName(cfg.Environment, p.region.Name), args,
		pulumi.Providers(p.provider, p.cluster.KubernetesProvider), pulumi.DependsOn([]pulumi.Resource{p.cluster}))
}

func deployMesh(ctx *pulumi.Context, cfg *Config, p *regionParts, obs *observability.Observability) (*mesh.Mesh, error) {
	m := cfg.Mesh
	e := obs.Endpoints
	gatewayJWT := mesh.JWTArgs{
		Issuer: m.JWT.Issuer, JwksURI: m.JWT.JwksURI,
		Audiences: m.JWT.Audiences, ProtectedPaths: m.JWT.ProtectedPaths,
	}
	if !m.GatewayChecksTokens() {
		gatewayJWT = mesh.JWTArgs{} // the services check every token
	}
	return mesh.NewMesh(ctx, ResourceName(cfg.Environment, p.region.Name), &mesh.MeshArgs{
		Environment:         cfg.Environment,
		Region:              p.region.Name,
		MonitoringNamespace: "monitoring-" + cfg.Environment,
		Hosts:               []string{"api." + cfg.Domain, "app." + cfg.Domain, "docs." + cfg.Domain},
		CertificateIssuer:   cluster.ClusterIssuerName,
		JWT:                 gatewayJWT,
		Telemetry: mesh.TelemetryArgs{
			TracingHost: e.TracingHost, TracingPort: e.TracingPort, SamplingPercent: m.SamplingPercent,
			PrometheusURL: e.PrometheusURL, TracingQueryURL: e.TracingQueryURL, GrafanaURL: e.GrafanaURL,
		},
		EgressHosts: m.EgressHosts,
	}, pulumi.Providers(p.provider, p.cluster.KubernetesProvider), pulumi.DependsOn([]pulumi.Resource{p.cluster}))
}
