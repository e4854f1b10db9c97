package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const anywhere = "0.0.0.0/0"

// rule is one security-group rule. Exactly one of peer, cidrs or self says
// who is on the other side.
type rule struct {
	name        string
	direction   string // ingress or egress
	protocol    string
	from, to    int
	peer        *ec2.SecurityGroup
	cidrs       []string
	self        bool
	description string
}

// securityGroups creates the groups the architecture document names, with
// rules as separate resources so that groups can refer to each other
// without a cycle. AWS's default allow-all egress is removed by the provider
// when a group is created, so a group has only the egress listed here.
func (b *builder) securityGroups() error {
	groups := []struct {
		target      **ec2.SecurityGroup
		suffix      string
		description string
	}{
		{&b.albSG, "alb", "Application Load Balancer: HTTP and HTTPS from the internet"},
		{&b.nodeSG, "nodes", "EKS nodes and pods: cluster-internal traffic"},
		{&b.cpSG, "control-plane", "EKS control plane: API server to and from the nodes"},
		{&b.rdsSG, "rds", "RDS PostgreSQL: 5432 from EKS nodes only"},
		{&b.redisSG, "redis", "ElastiCache Redis: 6379 from EKS nodes only"},
		{&b.endpointSG, "endpoints", "VPC interface endpoints: HTTPS from EKS nodes only"},
		{&b.extSG, "external", "External services: HTTPS egress from EKS nodes only"},
	}
	for _, g := range groups {
		sg, err := ec2.NewSecurityGroup(b.ctx, b.child(g.suffix), &ec2.SecurityGroupArgs{
			VpcId:       b.vpc.ID(),
			Description: pulumi.String(g.description),
			// Deleting a group must not hang on rules that reference it.
			RevokeRulesOnDelete: pulumi.Bool(true),
			Tags:                b.tags(g.suffix, nil),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("security group %s: %w", g.suffix, err)
		}
		*g.target = sg
	}
	resolver := b.plan.dnsResolver.String() + "/32"

	rules := map[*ec2.SecurityGroup][]rule{
		b.albSG: {
			{name: "https-in", direction: "ingress", protocol: "tcp", from: 443, to: 443, cidrs: []string{anywhere},
				description: "HTTPS from the internet (CloudFront and clients)"},
			{name: "http-in", direction: "ingress", protocol: "tcp", from: 80, to: 80, cidrs: []string{anywhere},
				description: "HTTP from the internet, only to be redirected to HTTPS"},
			{name: "targets-out", direction: "egress", protocol: "tcp", from: 1024, to: 65535, peer: b.nodeSG,
				description: "To the Istio ingress gateway pods (IP targets) and their health checks"},
		},
		b.nodeSG: {
			{name: "self-in", direction: "ingress", protocol: "-1", from: 0, to: 0, self: true,
				description: "Node-to-node and pod-to-pod traffic inside the cluster"},
			{name: "api-webhooks-in", direction: "ingress", protocol: "tcp", from: 443, to: 443, peer: b.cpSG,
				description: "Control plane to admission webhooks and extension API servers on 443"},
			{name: "kubelet-in", direction: "ingress", protocol: "tcp", from: 10250, to: 10250, peer: b.cpSG,
				description: "Control plane to the kubelet API (logs, exec, metrics)"},
			{name: "cp-pods-in", direction: "ingress", protocol: "tcp", from: 1025, to: 65535, peer: b.cpSG,
				description: "Control plane to pods serving webhooks on high ports"},
			{name: "alb-in", direction: "ingress", protocol: "tcp", from: 1024, to: 65535, peer: b.albSG,
				description: "ALB to the Istio ingress gateway pods and health checks"},
			{name: "self-out", direction: "egress", protocol: "-1", from: 0, to: 0, self: true,
				description: "Node-to-node and pod-to-pod traffic inside the cluster"},
			{name: "api-out", direction: "egress", protocol: "tcp", from: 443, to: 443, peer: b.cpSG,
				description: "Nodes and pods to the Kubernetes API server"},
			{name: "rds-out", direction: "egress", protocol: "tcp", from: 5432, to: 5432, peer: b.rdsSG,
				description: "Workloads to RDS PostgreSQL"},
			{name: "redis-out", direction: "egress", protocol: "tcp", from: 6379, to: 6379, peer: b.redisSG,
				description: "Workloads to ElastiCache Redis"},
			{name: "endpoints-out", direction: "egress", protocol: "tcp", from: 443, to: 443, peer: b.endpointSG,
				description: "To VPC interface endpoints of AWS APIs"},
			{name: "efs-out", direction: "egress", protocol: "tcp", from: 2049, to: 2049, cidrs: []string{b.args.VpcCidr},
				description: "NFS to EFS mount targets in the VPC"},
			{name: "dns-udp-out", direction: "egress", protocol: "udp", from: 53, to: 53, cidrs: []string{resolver},
				description: "DNS to the VPC resolver (CoreDNS upstream)"},
			{name: "dns-tcp-out", direction: "egress", protocol: "tcp", from: 53, to: 53, cidrs: []string{resolver},
				description: "DNS over TCP to the VPC resolver for large answers"},
		},
		b.cpSG: {
			{name: "api-in", direction: "ingress", protocol: "tcp", from: 443, to: 443, peer: b.nodeSG,
				description: "Nodes and pods to the Kubernetes API server"},
			{name: "kubelet-out", direction: "egress", protocol: "tcp", from: 10250, to: 10250, peer: b.nodeSG,
				description: "Control plane to the kubelet API"},
			{name: "webhooks-out", direction: "egress", protocol: "tcp", from: 443, to: 443, peer: b.nodeSG,
				description: "Control plane to admission webhooks on 443"},
			{name: "pods-out", direction: "egress", protocol: "tcp", from: 1025, to: 65535, peer: b.nodeSG,
				description: "Control plane to pods serving webhooks on high ports"},
		},
		b.rdsSG: {
			{name: "postgres-in", direction: "ingress", protocol: "tcp", from: 5432, to: 5432, peer: b.nodeSG,
				description: "PostgreSQL from EKS nodes only"},
		},
		b.redisSG: {
			{name: "redis-in", direction: "ingress", protocol: "tcp", from: 6379, to: 6379, peer: b.nodeSG,
				description: "Redis from EKS nodes only"},
		},
		b.endpointSG: {
			{name: "https-in", direction: "ingress", protocol: "tcp", from: 443, to: 443, peer: b.nodeSG,
				description: "HTTPS from EKS nodes and pods to AWS APIs"},
		},
		b.extSG: {
			{name: "https-out", direction: "egress", protocol: "tcp", from: 443, to: 443, cidrs: []string{anywhere},
				description: "HTTPS to external service APIs and S3 (through its gateway endpoint)"},
		},
	}
	order := []struct {
		suffix string
		sg     *ec2.SecurityGroup
	}{{"alb", b.albSG}, {"nodes", b.nodeSG}, {"control-plane", b.cpSG}, {"rds", b.rdsSG}, {"redis", b.redisSG}, {"endpoints", b.endpointSG}, {"external", b.extSG}}
	for _, g := range order {
		for _, r := range rules[g.sg] {
			args := &ec2.SecurityGroupRuleArgs{
				Type:            pulumi.String(r.direction),
				SecurityGroupId: g.sg.ID(),
				Protocol:        pulumi.String(r.protocol),
				FromPort:        pulumi.Int(r.from),
				ToPort:          pulumi.Int(r.to),
				Description:     pulumi.String(r.description),
			}
			switch {
			case r.peer != nil:
				args.SourceSecurityGroupId = r.peer.ID()
			case r.self:
				args.Self = pulumi.Bool(true)
			default:
				args.CidrBlocks = pulumi.ToStringArray(r.cidrs)
			}
			if _, err := ec2.NewSecurityGroupRule(b.ctx, b.child(g.suffix+"-"+r.name), args, b.parent); err != nil {
				return fmt.Errorf("security group rule %s-%s: %w", g.suffix, r.name, err)
			}
		}
	}
	b.net.AlbSecurityGroupID = b.albSG.ID()
	b.net.NodeSecurityGroupID = b.nodeSG.ID()
	b.net.ControlPlaneSecurityGroupID = b.cpSG.ID()
	b.net.ControlPlaneSecurityGroup = b.cpSG
	b.net.RdsSecurityGroupID = b.rdsSG.ID()
	b.net.RedisSecurityGroupID = b.redisSG.ID()
	b.net.EndpointSecurityGroupID = b.endpointSG.ID()
	b.net.ExternalServicesSecurityGroupID = b.extSG.ID()
	return nil
}

// networkACLs are the stateless second line behind security groups: no
// tier accepts SSH or RDP from anywhere, and the private tier accepts only
// the VPC's own ranges plus return traffic on ephemeral ports.
func (b *builder) networkACLs() error {
	deny := func(no, port int) ec2.NetworkAclIngressArgs {
		return ec2.NetworkAclIngressArgs{RuleNo: pulumi.Int(no), Action: pulumi.String("deny"), Protocol: pulumi.String("tcp"),
			CidrBlock: pulumi.String(anywhere), FromPort: pulumi.Int(port), ToPort: pulumi.Int(port)}
	}
	allow := func(no int, proto, cidr string, from, to int) ec2.NetworkAclIngressArgs {
		return ec2.NetworkAclIngressArgs{RuleNo: pulumi.Int(no), Action: pulumi.String("allow"), Protocol: pulumi.String(proto),
			CidrBlock: pulumi.String(cidr), FromPort: pulumi.Int(from), ToPort: pulumi.Int(to)}
	}
	allowAllOut := ec2.NetworkAclEgressArray{ec2.NetworkAclEgressArgs{RuleNo: pulumi.Int(100), Action: pulumi.String("allow"),
		Protocol: pulumi.String("-1"), CidrBlock: pulumi.String(anywhere), FromPort: pulumi.Int(0), ToPort: pulumi.Int(0)}}

	subnetIDs := func(subnets ...[]*ec2.Subnet) pulumi.StringArray {
		var ids pulumi.StringArray
		for _, group := range subnets {
			for _, s := range group {
				ids = append(ids, s.ID())
			}
		}
		return ids
	}

	if _, err := ec2.NewNetworkAcl(b.ctx, b.child("public-acl"), &ec2.NetworkAclArgs{
		VpcId:     b.vpc.ID(),
		SubnetIds: subnetIDs(b.public),
		Ingress: ec2.NetworkAclIngressArray{
			deny(10, 22), deny(20, 3389),
			allow(100, "-1", anywhere, 0, 0),
		},
		Egress: allowAllOut,
		Tags:   b.tags("public-acl", nil),
	}, b.parent); err != nil {
		return fmt.Errorf("public network ACL: %w", err)
	}
	if _, err := ec2.NewNetworkAcl(b.ctx, b.child("private-acl"), &ec2.NetworkAclArgs{
		VpcId:     b.vpc.ID(),
		SubnetIds: subnetIDs(b.private, b.pods),
		Ingress: ec2.NetworkAclIngressArray{
			deny(10, 22), deny(20, 3389),
			allow(100, "-1", b.args.VpcCidr, 0, 0),
			allow(110, "-1", b.args.PodCidr, 0, 0),
			// Replies to connections the tier opened through the NAT or
			// the S3 gateway endpoint arrive on ephemeral ports.
			allow(200, "tcp", anywhere, 1024, 65535),
			allow(210, "udp", anywhere, 1024, 65535),
		},
		Egress: allowAllOut,
		Tags:   b.tags("private-acl", nil),
	}, b.parent); err != nil {
		return fmt.Errorf("private network ACL: %w", err)
	}
	return nil
}
