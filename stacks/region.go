package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/components/cluster"
	"github.com/solsec/platform/components/data"
	"github.com/solsec/platform/components/mesh"
	"github.com/solsec/platform/components/network"
)

// ResourceName is the prefix of every regional resource: environment and
// region, so that both regions of a stack never collide.
func ResourceName(env, region string) string { return env + "-" + region }

// ClusterName is the EKS cluster of a region; the network tags its subnets
// with it before the cluster exists.
func ClusterName(env, region string) string { return "solsec-" + env + "-" + region }

// regionalProvider is the explicit AWS provider of one region. Its default
// tags reach every AWS resource of the region.
func regionalProvider(ctx *pulumi.Context, cfg *Config, r Region) (*aws.Provider, error) {
	args := &aws.ProviderArgs{
		Region: pulumi.String(r.Name),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
			"Project":     pulumi.String("solsec"),
			"Environment": pulumi.String(cfg.Environment),
			"Region":      pulumi.String(r.Name),
			"ManagedBy":   pulumi.String("pulumi"),
			"CostCenter":  pulumi.String(cfg.CostCenter),
		}},
	}
	if cfg.AccountID != "" {
		args.AllowedAccountIds = pulumi.StringArray{pulumi.String(cfg.AccountID)}
	}
	p, err := aws.NewProvider(ctx, "aws-"+r.Name, args)
	if err != nil {
		return nil, fmt.Errorf("aws provider: %w", err)
	}
	return p, nil
}

// regionLinks is what one region's composition needs from the others: the
// secondary region's provider (on the primary, for its recovery site) and
// the primary's data replication (on the secondary).
type regionLinks struct {
	recovery *data.Recovery
	primary  *data.Replication
}

// deployRegion builds every component of one region and returns the
// region's stack outputs and, on a primary that replicates, what the
// secondary's data tier needs. Later components plug in here.
// regionParts are one region's components, which the second pass
// (observability and mesh) builds on.
type regionParts struct {
	region   Region
	provider *aws.Provider
	net      *network.Network
	cluster  *cluster.Cluster
	data     *data.Data
	// mesh is set by the second pass (deployTelemetry).
	mesh    *mesh.Mesh
	outputs pulumi.Map
}

func deployRegion(ctx *pulumi.Context, cfg *Config, r Region, provider *aws.Provider, g *global, links regionLinks) (*regionParts, error) {
	name := ResourceName(cfg.Environment, r.Name)
	withProvider := pulumi.Providers(provider)

	net, err := network.NewNetwork(ctx, name, &network.NetworkArgs{
		Environment:          cfg.Environment,
		Region:               r.Name,
		VpcCidr:              r.VpcCidr,
		PublicSubnets:        r.PublicSubnets,
		PrivateSubnets:       r.PrivateSubnets,
		PodCidr:              r.PodCidr,
		PodSubnets:           r.PodSubnets,
		NatMode:              r.NatMode,
		FlowLogRetentionDays: cfg.LogRetentionDays,
		ClusterName:          ClusterName(cfg.Environment, r.Name),
	}, withProvider)
	if err != nil {
		return nil, err
	}

	var pods []cluster.PodSubnet
	for i, s := range net.PodSubnets {
		pods = append(pods, cluster.PodSubnet{AZ: net.AZNames[i], SubnetID: s.ID().ToStringOutput()})
	}
	var groups []cluster.NodeGroup
	for _, ng := range cfg.NodeGroups {
		groups = append(groups, cluster.NodeGroup{
			Name: ng.Name, Spot: ng.CapacityType == Spot, InstanceTypes: ng.InstanceTypes,
			MinSize: ng.MinSize, DesiredSize: ng.DesiredSize, MaxSize: ng.MaxSize,
		})
	}
	eks, err := cluster.NewCluster(ctx, name, &cluster.ClusterArgs{
		Environment:               cfg.Environment,
		Region:                    r.Name,
		Name:                      ClusterName(cfg.Environment, r.Name),
		KubernetesVersion:         cfg.Cluster.KubernetesVersion,
		PublicAccessCidrs:         cfg.Cluster.PublicAccessCidrs,
		AdminRoles:                cfg.Cluster.AdminRoles,
		VpcID:                     net.VpcID.ToStringOutput(),
		PrivateSubnetIDs:          net.PrivateSubnetIDs,
		PodSubnets:                pods,
		ControlPlaneSecurityGroup: net.ControlPlaneSecurityGroup,
		NodeSecurityGroupIDs:      []pulumi.StringInput{net.NodeSecurityGroupID.ToStringOutput(), net.ExternalServicesSecurityGroupID.ToStringOutput()},
		NodeGroups:                groups,
		HostedZoneID:              g.zone.ZoneID,
		Domain:                    cfg.Domain,
		AcmeEmail:                 cfg.Cluster.AcmeEmail,
	}, withProvider)
	if err != nil {
		return nil, err
	}

	// The data tier after the network: it uses the network's RDS, Redis
	// and node groups and private subnets.
	d, err := data.NewData(ctx, name, &data.DataArgs{
		Environment:          cfg.Environment,
		Region:               r.Name,
		Role:                 r.Role,
		VpcID:                net.VpcID.ToStringOutput(),
		PrivateSubnetIDs:     net.PrivateSubnetIDs,
		RdsSecurityGroupID:   net.RdsSecurityGroupID.ToStringOutput(),
		RedisSecurityGroupID: net.RedisSecurityGroupID.ToStringOutput(),
		NodeSecurityGroupID:  net.NodeSecurityGroupID.ToStringOutput(),
		Database: data.DatabaseArgs{
			EngineVersion:         cfg.Data.Database.EngineVersion,
			InstanceClass:         cfg.Data.Database.InstanceClass,
			AllocatedStorageGB:    cfg.Data.Database.AllocatedStorageGB,
			MaxAllocatedStorageGB: cfg.Data.Database.MaxAllocatedStorageGB,
		},
		Cache: data.CacheArgs{
			EngineVersion:         cfg.Data.Cache.EngineVersion,
			NodeType:              cfg.Data.Cache.NodeType,
			Shards:                cfg.Data.Cache.Shards,
			ReplicasPerShard:      cfg.Data.Cache.ReplicasPerShard,
			SnapshotRetentionDays: cfg.Data.Cache.SnapshotRetentionDays,
		},
		BackupRetentionDays: cfg.Data.BackupRetentionDays,
		LogRetentionDays:    cfg.LogRetentionDays,
		Recovery:            links.recovery,
		Primary:             links.primary,
	}, withProvider)
	if err != nil {
		return nil, err
	}

	out := pulumi.Map{
		"role":              pulumi.String(r.Role),
		"clusterName":       eks.ClusterName,
		"oidcProviderArn":   eks.OidcProviderArn,
		"kubeconfig":        eks.Kubeconfig,
		"vpcId":             net.VpcID,
		"availabilityZones": net.AvailabilityZones,
		"publicSubnetIds":   net.PublicSubnetIDs,
		"privateSubnetIds":  net.PrivateSubnetIDs,
		"podSubnetIds":      net.PodSubnetIDs,
		"natPublicIps":      net.NatPublicIPs,
		"flowLogGroupName":  net.FlowLogGroupName,
		// Names, endpoints and ARNs only: secret values never leave
		// Secrets Manager.
		"data": pulumi.Map{
			"keyArns":            d.KeyArns,
			"databaseArn":        d.DatabaseArn,
			"databaseEndpoint":   d.DatabaseEndpoint,
			"readerEndpoint":     d.ReaderEndpoint,
			"proxyEndpoint":      d.ProxyEndpoint,
			"masterSecretArn":    d.MasterSecretArn,
			"redisEndpoint":      d.RedisEndpoint,
			"bucketNames":        d.BucketNames,
			"replicaBucketNames": d.ReplicaBucketNames,
			"fileSystemId":       d.FileSystemID,
			"accessPointId":      d.AccessPointID,
			"secretArns":         d.SecretArns,
			"backupVaultArn":     d.BackupVaultArn,
		},
	}
	return &regionParts{region: r, provider: provider, net: net, cluster: eks, data: d, outputs: out}, nil
}
