// Package network builds one region's network for the platform: a VPC over
// three availability zones with public, private and pod subnets, NAT, flow
// logs, network ACLs, the security groups every other tier attaches to, and
// VPC endpoints so that nodes reach AWS APIs without the NAT.
package network

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/awsaccount"
)

// NAT modes.
const (
	// NatOnePerAZ gives each AZ its own NAT gateway, so losing an AZ does
	// not cut the others off the internet (production).
	NatOnePerAZ = "one-per-az"
	// NatSingle shares one NAT gateway between all AZs (staging: cheaper,
	// and an AZ outage there is acceptable).
	NatSingle = "single"
)

// AZCount is the number of availability zones the network spans.
const AZCount = 3

// NetworkArgs configures a Network. Stacks validate config before building
// these; the component still checks what it relies on.
type NetworkArgs struct {
	// Environment is the stack's environment, used in names and tags.
	Environment string
	// Region is the AWS region the component's provider points at.
	Region string
	// VpcCidr is the VPC's primary range.
	VpcCidr string
	// PublicSubnets and PrivateSubnets hold one range per AZ, in AZ order.
	PublicSubnets  []string
	PrivateSubnets []string
	// PodCidr is a secondary VPC range for pod addresses, split into one
	// PodSubnets range per AZ (VPC CNI custom networking).
	PodCidr    string
	PodSubnets []string
	// NatMode is NatOnePerAZ or NatSingle.
	NatMode string
	// FlowLogRetentionDays is the retention of the flow-log group.
	FlowLogRetentionDays int
	// ClusterName is the EKS cluster that will use the subnets; their tags
	// name it so that EKS and the AWS Load Balancer Controller find them.
	ClusterName string
}

// Network is one region's network.
type Network struct {
	pulumi.ResourceState

	VpcID             pulumi.IDOutput          `pulumi:"vpcId"`
	VpcCidr           pulumi.StringOutput      `pulumi:"vpcCidr"`
	AvailabilityZones pulumi.StringArrayOutput `pulumi:"availabilityZones"`
	PublicSubnetIDs   pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	PrivateSubnetIDs  pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	PodSubnetIDs      pulumi.StringArrayOutput `pulumi:"podSubnetIds"`
	NatPublicIPs      pulumi.StringArrayOutput `pulumi:"natPublicIps"`
	FlowLogGroupName  pulumi.StringOutput      `pulumi:"flowLogGroupName"`
	FlowLogKeyArn     pulumi.StringOutput      `pulumi:"flowLogKeyArn"`

	// Security groups other components attach to their resources.
	AlbSecurityGroupID              pulumi.IDOutput `pulumi:"albSecurityGroupId"`
	NodeSecurityGroupID             pulumi.IDOutput `pulumi:"nodeSecurityGroupId"`
	ControlPlaneSecurityGroupID     pulumi.IDOutput `pulumi:"controlPlaneSecurityGroupId"`
	RdsSecurityGroupID              pulumi.IDOutput `pulumi:"rdsSecurityGroupId"`
	RedisSecurityGroupID            pulumi.IDOutput `pulumi:"redisSecurityGroupId"`
	EndpointSecurityGroupID         pulumi.IDOutput `pulumi:"endpointSecurityGroupId"`
	ExternalServicesSecurityGroupID pulumi.IDOutput `pulumi:"externalServicesSecurityGroupId"`

	// Typed handles for components in the same program (not outputs).
	ControlPlaneSecurityGroup *ec2.SecurityGroup
	NatGatewayIDs             []pulumi.StringOutput
	PrivateSubnets            []*ec2.Subnet
	PodSubnets                []*ec2.Subnet
	AZNames                   []string
}

// NewNetwork builds the network of one region. The region's AWS provider
// reaches it through pulumi.Provider or pulumi.Providers in opts.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		return nil, errors.New("network: args are required (VPC and subnet ranges, NAT mode, retention)")
	}
	plan, err := args.plan()
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", name, err)
	}
	n := &Network{}
	if err := ctx.RegisterComponentResource("solsec:network:Network", name, n, opts...); err != nil {
		return nil, fmt.Errorf("network %s: register component: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, plan: plan, net: n, parent: pulumi.Parent(n)}
	steps := []func() error{b.lookupAccount, b.buildVPC, b.subnets, b.routing, b.flowLogs, b.securityGroups, b.networkACLs, b.endpoints}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("network %s: %w", name, err)
		}
	}
	n.AvailabilityZones = pulumi.ToStringArray(b.azs).ToStringArrayOutput()
	n.AZNames = b.azs
	n.VpcCidr = pulumi.String(args.VpcCidr).ToStringOutput()

	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":                           n.VpcID,
		"vpcCidr":                         n.VpcCidr,
		"availabilityZones":               n.AvailabilityZones,
		"publicSubnetIds":                 n.PublicSubnetIDs,
		"privateSubnetIds":                n.PrivateSubnetIDs,
		"podSubnetIds":                    n.PodSubnetIDs,
		"natPublicIps":                    n.NatPublicIPs,
		"flowLogGroupName":                n.FlowLogGroupName,
		"flowLogKeyArn":                   n.FlowLogKeyArn,
		"albSecurityGroupId":              n.AlbSecurityGroupID,
		"nodeSecurityGroupId":             n.NodeSecurityGroupID,
		"controlPlaneSecurityGroupId":     n.ControlPlaneSecurityGroupID,
		"rdsSecurityGroupId":              n.RdsSecurityGroupID,
		"redisSecurityGroupId":            n.RedisSecurityGroupID,
		"endpointSecurityGroupId":         n.EndpointSecurityGroupID,
		"externalServicesSecurityGroupId": n.ExternalServicesSecurityGroupID,
	}); err != nil {
		return nil, fmt.Errorf("network %s: register outputs: %w", name, err)
	}
	return n, nil
}

// addressPlan is the parsed form of the args' ranges.
type addressPlan struct {
	vpc, pods                netip.Prefix
	public, private, podNets []netip.Prefix
	// dnsResolver is the VPC's Route 53 resolver: the VPC base address + 2.
	dnsResolver netip.Addr
}

func (a *NetworkArgs) plan() (addressPlan, error) {
	var p addressPlan
	var err error
	if p.vpc, err = netip.ParsePrefix(a.VpcCidr); err != nil {
		return p, fmt.Errorf("vpcCidr %q: %w", a.VpcCidr, err)
	}
	if p.pods, err = netip.ParsePrefix(a.PodCidr); err != nil {
		return p, fmt.Errorf("podCidr %q: %w", a.PodCidr, err)
	}
	parse := func(field string, cidrs []string, parent netip.Prefix) ([]netip.Prefix, error) {
		if len(cidrs) != AZCount {
			return nil, fmt.Errorf("%s: %d ranges, want one per AZ (%d)", field, len(cidrs), AZCount)
		}
		out := make([]netip.Prefix, len(cidrs))
		for i, c := range cidrs {
			s, err := netip.ParsePrefix(c)
			if err != nil {
				return nil, fmt.Errorf("%s[%d] %q: %w", field, i, c, err)
			}
			if !parent.Contains(s.Addr()) || s.Bits() < parent.Bits() {
				return nil, fmt.Errorf("%s[%d] %q is outside %s", field, i, c, parent)
			}
			out[i] = s
		}
		return out, nil
	}
	if p.public, err = parse("publicSubnets", a.PublicSubnets, p.vpc); err != nil {
		return p, err
	}
	if p.private, err = parse("privateSubnets", a.PrivateSubnets, p.vpc); err != nil {
		return p, err
	}
	if p.podNets, err = parse("podSubnets", a.PodSubnets, p.pods); err != nil {
		return p, err
	}
	if a.NatMode != NatOnePerAZ && a.NatMode != NatSingle {
		return p, fmt.Errorf("natMode %q: want %q or %q", a.NatMode, NatOnePerAZ, NatSingle)
	}
	if a.Region == "" || a.Environment == "" || a.ClusterName == "" {
		return p, errors.New("region, environment and clusterName are required")
	}
	if a.FlowLogRetentionDays <= 0 {
		return p, fmt.Errorf("flowLogRetentionDays %d: want a positive CloudWatch retention", a.FlowLogRetentionDays)
	}
	p.dnsResolver = p.vpc.Addr().Next().Next()
	return p, nil
}

// builder carries the state shared by the steps that build a Network.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *NetworkArgs
	plan   addressPlan
	net    *Network
	parent pulumi.ResourceOrInvokeOption

	accountID, partition string
	azs                  []string

	vpc                        *ec2.Vpc
	podCidr                    *ec2.VpcIpv4CidrBlockAssociation
	public, private, pods      []*ec2.Subnet
	publicRT                   *ec2.RouteTable
	privateRTs                 []*ec2.RouteTable
	nodeSG, albSG, cpSG, rdsSG *ec2.SecurityGroup
	redisSG, endpointSG, extSG *ec2.SecurityGroup
}

// child names a child resource after the component.
func (b *builder) child(suffix string) string { return b.name + "-" + suffix }

// tags returns the Name tag plus extra tags; the provider adds the
// project-wide default tags.
func (b *builder) tags(suffix string, extra map[string]string) pulumi.StringMap {
	t := pulumi.StringMap{"Name": pulumi.String(b.child(suffix))}
	for k, v := range extra {
		t[k] = pulumi.String(v)
	}
	return t
}

// lookupAccount reads the account, partition and the region's AZs through
// the component's provider.
func (b *builder) lookupAccount() error {
	acct, err := awsaccount.Lookup(b.ctx, b.parent)
	if err != nil {
		return err
	}
	zones, err := aws.GetAvailabilityZones(b.ctx, &aws.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
		// Local and Wavelength zones are opt-in; only regular AZs hold a tier.
		Filters: []aws.GetAvailabilityZonesFilter{{Name: "opt-in-status", Values: []string{"opt-in-not-required"}}},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("look up availability zones of %s: %w", b.args.Region, err)
	}
	names := append([]string(nil), zones.Names...)
	sort.Strings(names)
	if len(names) < AZCount {
		return fmt.Errorf("region %s has %d available zones %v; the network needs %d", b.args.Region, len(names), names, AZCount)
	}
	b.accountID, b.partition, b.azs = acct.ID, acct.Partition, names[:AZCount]
	return nil
}
