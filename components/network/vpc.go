package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// azLetter turns "us-east-1a" into "a" for resource names.
func azLetter(az string) string { return az[len(az)-1:] }

func (b *builder) buildVPC() error {
	vpc, err := ec2.NewVpc(b.ctx, b.child("vpc"), &ec2.VpcArgs{
		CidrBlock: pulumi.String(b.args.VpcCidr),
		// Both are needed for private DNS of interface endpoints and for
		// EKS nodes to resolve each other.
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true),
		Tags:               b.tags("vpc", nil),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("vpc: %w", err)
	}
	b.vpc = vpc
	b.net.VpcID = vpc.ID()

	b.podCidr, err = ec2.NewVpcIpv4CidrBlockAssociation(b.ctx, b.child("pod-cidr"), &ec2.VpcIpv4CidrBlockAssociationArgs{
		VpcId:     vpc.ID(),
		CidrBlock: pulumi.String(b.args.PodCidr),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("pod range: %w", err)
	}

	// Managing the default security group with no rules strips the rules AWS
	// puts there, so nothing attached to it by mistake can talk.
	if _, err := ec2.NewDefaultSecurityGroup(b.ctx, b.child("default-sg"), &ec2.DefaultSecurityGroupArgs{
		VpcId: vpc.ID(),
		Tags:  b.tags("default-sg-unused", nil),
	}, b.parent); err != nil {
		return fmt.Errorf("default security group: %w", err)
	}
	return nil
}

func (b *builder) subnets() error {
	cluster := "kubernetes.io/cluster/" + b.args.ClusterName
	var public, private, pods pulumi.StringArray
	for i, az := range b.azs {
		l := azLetter(az)
		pub, err := ec2.NewSubnet(b.ctx, b.child("public-"+l), &ec2.SubnetArgs{
			VpcId:            b.vpc.ID(),
			CidrBlock:        pulumi.String(b.args.PublicSubnets[i]),
			AvailabilityZone: pulumi.String(az),
			// Nothing launched here gets a public address by accident: the
			// ALB and NAT gateways bring their own.
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                b.tags("public-"+l, map[string]string{"Tier": "public", "kubernetes.io/role/elb": "1", cluster: "shared"}),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("public subnet %s: %w", az, err)
		}
		priv, err := ec2.NewSubnet(b.ctx, b.child("private-"+l), &ec2.SubnetArgs{
			VpcId:               b.vpc.ID(),
			CidrBlock:           pulumi.String(b.args.PrivateSubnets[i]),
			AvailabilityZone:    pulumi.String(az),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                b.tags("private-"+l, map[string]string{"Tier": "private", "kubernetes.io/role/internal-elb": "1", cluster: "shared"}),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("private subnet %s: %w", az, err)
		}
		// Pod subnets live in the secondary range, so they wait for it.
		pod, err := ec2.NewSubnet(b.ctx, b.child("pods-"+l), &ec2.SubnetArgs{
			VpcId:               b.vpc.ID(),
			CidrBlock:           pulumi.String(b.args.PodSubnets[i]),
			AvailabilityZone:    pulumi.String(az),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                b.tags("pods-"+l, map[string]string{"Tier": "pods", cluster: "shared"}),
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.podCidr}))
		if err != nil {
			return fmt.Errorf("pod subnet %s: %w", az, err)
		}
		b.public, b.private, b.pods = append(b.public, pub), append(b.private, priv), append(b.pods, pod)
		public, private, pods = append(public, pub.ID()), append(private, priv.ID()), append(pods, pod.ID())
	}
	b.net.PublicSubnetIDs = public.ToStringArrayOutput()
	b.net.PrivateSubnetIDs = private.ToStringArrayOutput()
	b.net.PodSubnetIDs = pods.ToStringArrayOutput()
	b.net.PrivateSubnets, b.net.PodSubnets = b.private, b.pods
	return nil
}

// routing: public subnets route to the internet gateway; each AZ's private
// and pod subnets share a route table whose default route is the NAT gateway
// of that AZ (one-per-az) or the single NAT gateway (single).
func (b *builder) routing() error {
	igw, err := ec2.NewInternetGateway(b.ctx, b.child("igw"), &ec2.InternetGatewayArgs{
		VpcId: b.vpc.ID(),
		Tags:  b.tags("igw", nil),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("internet gateway: %w", err)
	}
	b.publicRT, err = ec2.NewRouteTable(b.ctx, b.child("public-rt"), &ec2.RouteTableArgs{
		VpcId: b.vpc.ID(),
		Tags:  b.tags("public-rt", nil),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("public route table: %w", err)
	}
	if _, err := ec2.NewRoute(b.ctx, b.child("public-default"), &ec2.RouteArgs{
		RouteTableId:         b.publicRT.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		GatewayId:            igw.ID(),
	}, b.parent); err != nil {
		return fmt.Errorf("public default route: %w", err)
	}
	for i, s := range b.public {
		if _, err := ec2.NewRouteTableAssociation(b.ctx, b.child("public-"+azLetter(b.azs[i])), &ec2.RouteTableAssociationArgs{
			SubnetId:     s.ID(),
			RouteTableId: b.publicRT.ID(),
		}, b.parent); err != nil {
			return fmt.Errorf("public route association: %w", err)
		}
	}

	nats := 1
	if b.args.NatMode == NatOnePerAZ {
		nats = len(b.azs)
	}
	var natIDs []pulumi.IDOutput
	var natIPs pulumi.StringArray
	for i := 0; i < nats; i++ {
		l := azLetter(b.azs[i])
		eip, err := ec2.NewEip(b.ctx, b.child("nat-"+l), &ec2.EipArgs{
			Domain: pulumi.String("vpc"),
			Tags:   b.tags("nat-"+l, nil),
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return fmt.Errorf("NAT address %s: %w", l, err)
		}
		nat, err := ec2.NewNatGateway(b.ctx, b.child("nat-"+l), &ec2.NatGatewayArgs{
			AllocationId: eip.ID(),
			SubnetId:     b.public[i].ID(),
			Tags:         b.tags("nat-"+l, nil),
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{igw}))
		if err != nil {
			return fmt.Errorf("NAT gateway %s: %w", l, err)
		}
		natIDs = append(natIDs, nat.ID())
		b.net.NatGatewayIDs = append(b.net.NatGatewayIDs, nat.ID().ToStringOutput())
		natIPs = append(natIPs, eip.PublicIp)
	}
	b.net.NatPublicIPs = natIPs.ToStringArrayOutput()

	for i, az := range b.azs {
		l := azLetter(az)
		rt, err := ec2.NewRouteTable(b.ctx, b.child("private-rt-"+l), &ec2.RouteTableArgs{
			VpcId: b.vpc.ID(),
			Tags:  b.tags("private-rt-"+l, nil),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("private route table %s: %w", az, err)
		}
		nat := natIDs[0]
		if len(natIDs) > 1 {
			nat = natIDs[i]
		}
		if _, err := ec2.NewRoute(b.ctx, b.child("private-default-"+l), &ec2.RouteArgs{
			RouteTableId:         rt.ID(),
			DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
			NatGatewayId:         nat,
		}, b.parent); err != nil {
			return fmt.Errorf("private default route %s: %w", az, err)
		}
		for _, s := range []struct {
			kind   string
			subnet *ec2.Subnet
		}{{"private", b.private[i]}, {"pods", b.pods[i]}} {
			if _, err := ec2.NewRouteTableAssociation(b.ctx, b.child(s.kind+"-"+l), &ec2.RouteTableAssociationArgs{
				SubnetId:     s.subnet.ID(),
				RouteTableId: rt.ID(),
			}, b.parent); err != nil {
				return fmt.Errorf("%s route association %s: %w", s.kind, az, err)
			}
		}
		b.privateRTs = append(b.privateRTs, rt)
	}
	return nil
}
