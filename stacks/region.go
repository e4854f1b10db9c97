package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/components/cluster"
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

// deployRegion builds every component of one region and returns the
// region's stack outputs. Later components plug in here.
func deployRegion(ctx *pulumi.Context, cfg *Config, r Region, provider *aws.Provider, g *global) (pulumi.Map, error) {
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
		HostedZoneID:              g.zone.ZoneId,
		Domain:                    cfg.Domain,
		AcmeEmail:                 cfg.Cluster.AcmeEmail,
	}, withProvider)
	if err != nil {
		return nil, err
	}

	return pulumi.Map{
		"role":              pulumi.String(r.Role),
		"clusterName":       eks.ClusterName,
		"oidcProviderArn":   eks.OidcProviderArn,
		"kubeconfig":        eks.Kubeconfig,
		"workloadRoleArns":  eks.WorkloadRoleArns,
		"vpcId":             net.VpcID,
		"availabilityZones": net.AvailabilityZones,
		"publicSubnetIds":   net.PublicSubnetIDs,
		"privateSubnetIds":  net.PrivateSubnetIDs,
		"podSubnetIds":      net.PodSubnetIDs,
		"natPublicIps":      net.NatPublicIPs,
		"flowLogGroupName":  net.FlowLogGroupName,
	}, nil
}
