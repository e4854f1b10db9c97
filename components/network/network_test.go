package network_test

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/components/network"
	"github.com/solsec/platform/internal/offline"
	"github.com/solsec/platform/stacks"
)

const (
	tSubnet     = "aws:ec2/subnet:Subnet"
	tNat        = "aws:ec2/natGateway:NatGateway"
	tRoute      = "aws:ec2/route:Route"
	tRouteTable = "aws:ec2/routeTable:RouteTable"
	tAssoc      = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tSG         = "aws:ec2/securityGroup:SecurityGroup"
	tSGRule     = "aws:ec2/securityGroupRule:SecurityGroupRule"
)

// regionCase is one region of one of the repository's stacks.
type regionCase struct {
	stack  string
	cfg    *stacks.Config
	region stacks.Region
}

func regionCases(t *testing.T) []regionCase {
	root, err := offline.RepoRoot()
	require.NoError(t, err)
	var out []regionCase
	for _, stack := range stacks.Environments {
		sf, err := offline.LoadStackFile(filepath.Join(root, "Pulumi."+stack+".yaml"))
		require.NoError(t, err)
		cfg, err := stacks.ParseConfig(stack, sf.Config)
		require.NoError(t, err)
		// Planned regions are tested too: enabling one must just work.
		for _, r := range cfg.Regions {
			out = append(out, regionCase{stack, cfg, r})
		}
	}
	require.Len(t, out, 4)
	return out
}

func argsOf(c regionCase) *network.NetworkArgs {
	return &network.NetworkArgs{
		Environment: c.stack, Region: c.region.Name,
		VpcCidr: c.region.VpcCidr, PublicSubnets: c.region.PublicSubnets, PrivateSubnets: c.region.PrivateSubnets,
		PodCidr: c.region.PodCidr, PodSubnets: c.region.PodSubnets,
		NatMode: c.region.NatMode, FlowLogRetentionDays: c.cfg.LogRetentionDays,
		ClusterName: stacks.ClusterName(c.stack, c.region.Name),
	}
}

// runNetwork builds just the component, with its region's provider.
func runNetwork(t *testing.T, stack, region string, args *network.NetworkArgs) (*offline.Result, offline.Resource) {
	t.Helper()
	res, err := offline.Run(stack, map[string]string{"aws:region": region}, func(ctx *pulumi.Context) error {
		p, err := aws.NewProvider(ctx, "aws-"+region, &aws.ProviderArgs{Region: pulumi.String(region)})
		if err != nil {
			return err
		}
		_, err = network.NewNetwork(ctx, "net", args, pulumi.Providers(p))
		return err
	})
	require.NoError(t, err)
	comp, ok := res.Get("solsec:network:Network", "net")
	require.True(t, ok)
	return res, comp
}

func byID(res *offline.Result, typ string) map[string]offline.Resource {
	out := map[string]offline.Resource{}
	for _, r := range res.OfType(typ) {
		out[r.ID] = r
	}
	return out
}

func TestNetworkOfEveryStackAndRegion(t *testing.T) {
	for _, c := range regionCases(t) {
		name := c.stack + " " + c.region.Name
		res, comp := runNetwork(t, c.stack, c.region.Name, argsOf(c))

		t.Run(name+": subnets are inside the VPC, disjoint, and one of each tier per AZ", func(t *testing.T) {
			vpcs := res.OfType("aws:ec2/vpc:Vpc")
			require.Len(t, vpcs, 1)
			vpc := netip.MustParsePrefix(vpcs[0].Str("cidrBlock"))
			assert.Equal(t, c.region.VpcCidr, vpc.String())
			assert.True(t, vpcs[0].Bool("enableDnsSupport"))
			assert.True(t, vpcs[0].Bool("enableDnsHostnames"))
			pods := netip.MustParsePrefix(res.OfType("aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation")[0].Str("cidrBlock"))

			subnets := res.OfType(tSubnet)
			require.Len(t, subnets, 9)
			tiers := map[string]map[string]bool{}
			var prefixes []netip.Prefix
			for _, s := range subnets {
				p := netip.MustParsePrefix(s.Str("cidrBlock"))
				tier := s.StringMap("tags")["Tier"]
				if tier == "pods" {
					assert.True(t, pods.Contains(p.Addr()), "%s in the pod range", p)
				} else {
					assert.True(t, vpc.Contains(p.Addr()), "%s in the VPC", p)
				}
				for _, q := range prefixes {
					assert.False(t, p.Overlaps(q), "%s overlaps %s", p, q)
				}
				prefixes = append(prefixes, p)
				assert.Equal(t, vpcs[0].ID, s.Str("vpcId"))
				assert.False(t, s.Bool("mapPublicIpOnLaunch"))
				if tiers[tier] == nil {
					tiers[tier] = map[string]bool{}
				}
				tiers[tier][s.Str("availabilityZone")] = true
			}
			azs := []string{c.region.Name + "a", c.region.Name + "b", c.region.Name + "c"}
			for _, tier := range []string{"public", "private", "pods"} {
				for _, az := range azs {
					assert.True(t, tiers[tier][az], "%s subnet in %s", tier, az)
				}
				assert.Len(t, tiers[tier], 3)
			}
		})

		t.Run(name+": the NAT count follows the NAT mode", func(t *testing.T) {
			want := 1
			if c.region.NatMode == network.NatOnePerAZ {
				want = 3
			}
			assert.Len(t, res.OfType(tNat), want)
			assert.Len(t, res.OfType("aws:ec2/eip:Eip"), want)
			subnets := byID(res, tSubnet)
			for _, nat := range res.OfType(tNat) {
				assert.Equal(t, "public", subnets[nat.Str("subnetId")].StringMap("tags")["Tier"], "NAT gateways live in public subnets")
			}
		})

		t.Run(name+": each private and pod subnet routes to the internet through its own AZ's NAT", func(t *testing.T) {
			subnets := byID(res, tSubnet)
			nats := byID(res, tNat)
			defaultRoute := map[string]offline.Resource{}
			for _, r := range res.OfType(tRoute) {
				require.Equal(t, "0.0.0.0/0", r.Str("destinationCidrBlock"))
				defaultRoute[r.Str("routeTableId")] = r
			}
			checked := 0
			for _, a := range res.OfType(tAssoc) {
				s := subnets[a.Str("subnetId")]
				tier := s.StringMap("tags")["Tier"]
				route, ok := defaultRoute[a.Str("routeTableId")]
				require.True(t, ok, "subnet %s has a default route", s.Name)
				if tier == "public" {
					assert.True(t, strings.HasPrefix(route.Str("gatewayId"), "igw-"), "public subnets use the internet gateway")
					assert.False(t, route.Has("natGatewayId"))
					continue
				}
				nat, ok := nats[route.Str("natGatewayId")]
				require.True(t, ok, "%s subnet %s routes through a NAT gateway", tier, s.Name)
				natAZ := subnets[nat.Str("subnetId")].Str("availabilityZone")
				if c.region.NatMode == network.NatOnePerAZ {
					assert.Equal(t, s.Str("availabilityZone"), natAZ, "the NAT of the subnet's own AZ")
				}
				checked++
			}
			assert.Equal(t, 6, checked, "three private and three pod subnets")
		})

		t.Run(name+": flow logs record all traffic into an encrypted group with the configured retention", func(t *testing.T) {
			logs := res.OfType("aws:ec2/flowLog:FlowLog")
			require.Len(t, logs, 1)
			fl := logs[0]
			assert.Equal(t, "ALL", fl.Str("trafficType"))
			assert.Equal(t, "cloud-watch-logs", fl.Str("logDestinationType"))
			groups := res.OfType("aws:cloudwatch/logGroup:LogGroup")
			require.Len(t, groups, 1)
			group := groups[0]
			assert.Contains(t, fl.Str("logDestination"), ":log-group:"+group.Str("name"))
			assert.Equal(t, c.cfg.LogRetentionDays, group.Int("retentionInDays"))
			keys := res.OfType("aws:kms/key:Key")
			require.Len(t, keys, 1)
			assert.True(t, keys[0].Bool("enableKeyRotation"))
			assert.Contains(t, group.Str("kmsKeyId"), ":key/"+keys[0].ID)
			assert.Contains(t, keys[0].Str("policy"), "kms:EncryptionContext:aws:logs:arn")
			assert.Contains(t, keys[0].Str("policy"), "logs."+c.region.Name+".amazonaws.com")

			roles := res.OfType("aws:iam/role:Role")
			require.Len(t, roles, 1)
			assert.Contains(t, fl.Str("iamRoleArn"), ":role/"+roles[0].ID)
			assert.Contains(t, roles[0].Str("assumeRolePolicy"), "vpc-flow-logs.amazonaws.com")
			policies := res.OfType("aws:iam/rolePolicy:RolePolicy")
			require.Len(t, policies, 1)
			p := policies[0].Str("policy")
			groupArn := "arn:aws:logs:" + c.region.Name + ":" + offline.AccountID + ":log-group:" + group.Str("name")
			assert.Contains(t, p, `"Resource":["`+groupArn+`","`+groupArn+`:*"]`, "the role writes only to its group")
			assert.NotContains(t, p, `"*"`)
		})

		t.Run(name+": security group rules keep data tiers private and describe every rule", func(t *testing.T) {
			groups := map[string]string{} // id -> suffix
			for _, sg := range res.OfType(tSG) {
				groups[sg.ID] = strings.TrimPrefix(sg.Name, "net-")
			}
			require.Len(t, groups, 7)
			ingressTo := map[string][]offline.Resource{}
			for _, r := range res.OfType(tSGRule) {
				assert.NotEmpty(t, r.Str("description"), "rule %s has a description", r.Name)
				target := groups[r.Str("securityGroupId")]
				require.NotEmpty(t, target)
				if r.Str("type") != "ingress" {
					continue
				}
				ingressTo[target] = append(ingressTo[target], r)
				for _, cidr := range r.Strings("cidrBlocks") {
					if cidr == "0.0.0.0/0" {
						assert.Equal(t, "alb", target, "only the ALB is open to the internet (%s)", r.Name)
						assert.Contains(t, []int{80, 443}, r.Int("fromPort"))
						assert.Equal(t, r.Int("fromPort"), r.Int("toPort"))
					}
				}
			}
			for sg, port := range map[string]int{"rds": 5432, "redis": 6379} {
				rules := ingressTo[sg]
				require.Len(t, rules, 1, "%s has exactly one ingress rule", sg)
				assert.Equal(t, "nodes", groups[rules[0].Str("sourceSecurityGroupId")], "%s is reachable from the node group only", sg)
				assert.Equal(t, port, rules[0].Int("fromPort"))
				assert.Equal(t, port, rules[0].Int("toPort"))
				assert.Equal(t, "tcp", rules[0].Str("protocol"))
			}
			assert.Empty(t, ingressTo["external"], "the external-services group only sends")
			defaults := res.OfType("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
			require.Len(t, defaults, 1)
			assert.False(t, defaults[0].Has("ingress") && len(defaults[0].Objects("ingress")) > 0)
			assert.False(t, defaults[0].Has("egress") && len(defaults[0].Objects("egress")) > 0)
		})

		t.Run(name+": network ACLs refuse SSH and RDP from anywhere before allowing anything", func(t *testing.T) {
			acls := res.OfType("aws:ec2/networkAcl:NetworkAcl")
			require.Len(t, acls, 2)
			covered := 0
			for _, acl := range acls {
				covered += len(acl.Strings("subnetIds"))
				denied := map[float64]float64{} // port -> rule number
				firstAllow := 1e9
				for _, rule := range acl.Objects("ingress") {
					no := rule["ruleNo"].(float64)
					if rule["action"] == "deny" && rule["cidrBlock"] == "0.0.0.0/0" {
						denied[rule["fromPort"].(float64)] = no
					}
					if rule["action"] == "allow" {
						firstAllow = min(firstAllow, no)
					}
				}
				for _, port := range []float64{22, 3389} {
					no, ok := denied[port]
					require.True(t, ok, "%s denies port %v", acl.Name, port)
					assert.Less(t, no, firstAllow)
				}
			}
			assert.Equal(t, 9, covered, "every subnet has a tier ACL")
		})

		t.Run(name+": endpoints let nodes reach AWS APIs without the NAT", func(t *testing.T) {
			services := map[string]offline.Resource{}
			for _, e := range res.OfType("aws:ec2/vpcEndpoint:VpcEndpoint") {
				services[strings.TrimPrefix(e.Str("serviceName"), "com.amazonaws."+c.region.Name+".")] = e
			}
			require.Contains(t, services, "s3")
			assert.Equal(t, "Gateway", services["s3"].Str("vpcEndpointType"))
			assert.Len(t, services["s3"].Strings("routeTableIds"), 3)
			for _, svc := range []string{"ecr.api", "ecr.dkr", "sts", "logs", "secretsmanager", "kms"} {
				e, ok := services[svc]
				require.True(t, ok, "%s endpoint", svc)
				assert.Equal(t, "Interface", e.Str("vpcEndpointType"))
				assert.True(t, e.Bool("privateDnsEnabled"))
				assert.Len(t, e.Strings("subnetIds"), 3)
			}
		})

		t.Run(name+": subnets carry the tags EKS and the load balancer controller look for", func(t *testing.T) {
			clusterTag := "kubernetes.io/cluster/" + stacks.ClusterName(c.stack, c.region.Name)
			for _, s := range res.OfType(tSubnet) {
				tags := s.StringMap("tags")
				assert.Equal(t, "shared", tags[clusterTag])
				switch tags["Tier"] {
				case "public":
					assert.Equal(t, "1", tags["kubernetes.io/role/elb"])
				case "private":
					assert.Equal(t, "1", tags["kubernetes.io/role/internal-elb"])
				}
			}
		})

		t.Run(name+": every resource is a child of the component and outputs are registered", func(t *testing.T) {
			for _, r := range res.Resources {
				if r.Type == "pulumi:providers:aws" || r.URN == comp.URN {
					continue
				}
				assert.Equal(t, comp.URN, r.Parent, "%s %s", r.Type, r.Name)
				assert.True(t, strings.HasPrefix(r.Name, "net-"), "%s is named after the component", r.Name)
				assert.Equal(t, c.region.Name, r.Region, "%s uses the region's provider", r.Name)
				assert.Contains(t, r.Provider, "pulumi:providers:aws::aws-"+c.region.Name)
			}
			// One for the component, one for the stack.
			assert.Equal(t, 2, res.OutputRegistrations)
		})
	}
}

func TestNetworkRejectsBadArgs(t *testing.T) {
	good := func() *network.NetworkArgs {
		return &network.NetworkArgs{
			Environment: "staging", Region: "us-east-1", VpcCidr: "10.1.0.0/16",
			PublicSubnets:  []string{"10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24"},
			PrivateSubnets: []string{"10.1.4.0/24", "10.1.5.0/24", "10.1.6.0/24"},
			PodCidr:        "100.64.0.0/16", PodSubnets: []string{"100.64.0.0/18", "100.64.64.0/18", "100.64.128.0/18"},
			NatMode: network.NatSingle, FlowLogRetentionDays: 30, ClusterName: "c",
		}
	}
	tests := []struct {
		name   string
		mutate func(a *network.NetworkArgs) *network.NetworkArgs
		want   string
	}{
		{"nil args", func(*network.NetworkArgs) *network.NetworkArgs { return nil }, "args are required"},
		{"two AZs of subnets", func(a *network.NetworkArgs) *network.NetworkArgs {
			a.PublicSubnets = a.PublicSubnets[:2]
			return a
		}, "publicSubnets"},
		{"a subnet outside the VPC", func(a *network.NetworkArgs) *network.NetworkArgs {
			a.PrivateSubnets[0] = "10.9.4.0/24"
			return a
		}, "outside"},
		{"an unknown NAT mode", func(a *network.NetworkArgs) *network.NetworkArgs { a.NatMode = "many"; return a }, "natMode"},
	}
	for _, tc := range tests {
		t.Run("it rejects "+tc.name+" before registering anything", func(t *testing.T) {
			res, err := offline.Run("staging", nil, func(ctx *pulumi.Context) error {
				_, err := network.NewNetwork(ctx, "net", tc.mutate(good()))
				return err
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, res.Resources)
		})
	}
}
