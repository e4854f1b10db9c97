// Package cluster builds one region's EKS cluster for the platform: a
// private control plane with envelope-encrypted secrets and every log type,
// an IAM OIDC provider for IRSA, managed node groups (on-demand and spot) on
// hardened launch templates, the EKS managed add-ons, the platform's Helm
// add-ons, and the namespaces workloads run in with their guard rails.
package cluster

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/awsaccount"
)

// ControlPlaneLogTypes are all five EKS control-plane log types.
var ControlPlaneLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// NodeGroup sizes one managed node group.
type NodeGroup struct {
	Name string
	// Spot groups are tainted so that only workloads that tolerate
	// interruption land there.
	Spot          bool
	InstanceTypes []string
	MinSize       int
	DesiredSize   int
	MaxSize       int
}

// PodSubnet is one AZ's pod subnet for VPC CNI custom networking.
type PodSubnet struct {
	AZ       string
	SubnetID pulumi.StringInput
}

// ClusterArgs configures a Cluster.
type ClusterArgs struct {
	Environment string
	Region      string
	// Name is the EKS cluster name; the network already tagged its subnets
	// with it.
	Name              string
	KubernetesVersion string
	// PublicAccessCidrs opens the public endpoint to these ranges; empty
	// keeps it off.
	PublicAccessCidrs []string
	// AdminRoles are IAM role names granted cluster admin.
	AdminRoles []string

	VpcID            pulumi.StringInput
	PrivateSubnetIDs pulumi.StringArrayInput
	PodSubnets       []PodSubnet
	// ControlPlaneSecurityGroup is attached to the control plane's
	// interfaces; NodeSecurityGroupIDs to every node and pod.
	ControlPlaneSecurityGroup *ec2.SecurityGroup
	NodeSecurityGroupIDs      []pulumi.StringInput

	NodeGroups []NodeGroup

	// HostedZoneID is the environment's public zone; cert-manager may
	// change records only there. Domain is its name.
	HostedZoneID pulumi.StringInput
	Domain       string
	// AcmeEmail receives Let's Encrypt expiry notices.
	AcmeEmail string
}

// Cluster is one region's EKS cluster and its add-ons.
type Cluster struct {
	pulumi.ResourceState

	ClusterName     pulumi.StringOutput `pulumi:"clusterName"`
	OidcProviderArn pulumi.StringOutput `pulumi:"oidcProviderArn"`
	OidcIssuerURL   pulumi.StringOutput `pulumi:"oidcIssuerUrl"`
	Kubeconfig      pulumi.StringOutput `pulumi:"kubeconfig"`
	NodeRoleArn     pulumi.StringOutput `pulumi:"nodeRoleArn"`

	// For components in the same program.
	KubernetesProvider *kubernetes.Provider
	irsa               *irsa
}

// NewCluster builds the cluster of one region. The region's AWS provider
// reaches it through pulumi.Providers in opts.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("solsec:cluster:Cluster", name, c, opts...); err != nil {
		return nil, fmt.Errorf("cluster %s: register component: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, c: c, parent: pulumi.Parent(c)}
	steps := []func() error{
		b.lookupAccount, b.controlPlane, b.oidc, b.networkingAddons, b.kubernetesProvider,
		b.nodeGroups, b.clusterAddons, b.namespaces, b.serviceAccountRoles, b.helmAddons, b.clusterConfig,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("cluster %s: %w", name, err)
		}
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName":     c.ClusterName,
		"oidcProviderArn": c.OidcProviderArn,
		"oidcIssuerUrl":   c.OidcIssuerURL,
		"kubeconfig":      c.Kubeconfig,
		"nodeRoleArn":     c.NodeRoleArn,
	}); err != nil {
		return nil, fmt.Errorf("cluster %s: register outputs: %w", name, err)
	}
	return c, nil
}

func (a *ClusterArgs) validate() error {
	switch {
	case a == nil:
		return errors.New("args are required")
	case a.Name == "" || a.Region == "" || a.Environment == "" || a.KubernetesVersion == "":
		return errors.New("name, region, environment and kubernetesVersion are required")
	case a.VpcID == nil || a.PrivateSubnetIDs == nil || a.ControlPlaneSecurityGroup == nil || len(a.NodeSecurityGroupIDs) == 0:
		return errors.New("the network's VPC, private subnets and security groups are required")
	case len(a.PodSubnets) == 0:
		return errors.New("pod subnets are required (VPC CNI custom networking)")
	case len(a.AdminRoles) == 0:
		return errors.New("at least one admin role is required")
	case a.HostedZoneID == nil || a.Domain == "" || a.AcmeEmail == "":
		return errors.New("the hosted zone, domain and ACME e-mail are required (cert-manager DNS-01)")
	}
	for _, cidr := range a.PublicAccessCidrs {
		if cidr == "0.0.0.0/0" {
			return errors.New("publicAccessCidrs: 0.0.0.0/0 would open the API endpoint to the world")
		}
	}
	spotOrOnDemand := false
	for _, g := range a.NodeGroups {
		if g.MinSize > g.DesiredSize || g.DesiredSize > g.MaxSize || g.MaxSize < 1 || len(g.InstanceTypes) == 0 {
			return fmt.Errorf("node group %q: sizes %d/%d/%d or instance types %v are not valid", g.Name, g.MinSize, g.DesiredSize, g.MaxSize, g.InstanceTypes)
		}
		spotOrOnDemand = spotOrOnDemand || !g.Spot
	}
	if !spotOrOnDemand {
		return errors.New("at least one on-demand node group is required")
	}
	return nil
}

// builder carries the state shared by the steps that build a Cluster.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *ClusterArgs
	c      *Cluster
	parent pulumi.ResourceOrInvokeOption

	accountID, partition string

	eks       *eks.Cluster
	secretKey pulumi.StringOutput
	ebsKeyArn pulumi.StringOutput
	oidcArn   pulumi.StringOutput
	issuer    pulumi.StringOutput // without https://
	nodeRole  *iam.Role
	nodes     []pulumi.Resource
	addons    []pulumi.Resource
	k8s       *kubernetes.Provider
	k8sOpts   []pulumi.ResourceOption
	roles     map[string]*iam.Role
	releases  map[string]pulumi.Resource

	namespaceResources []pulumi.Resource
}

func (b *builder) child(suffix string) string { return b.name + "-" + suffix }

func (b *builder) tags(suffix string) pulumi.StringMap {
	return pulumi.StringMap{"Name": pulumi.String(b.child(suffix))}
}

func (b *builder) lookupAccount() error {
	acct, err := awsaccount.Lookup(b.ctx, b.parent)
	if err != nil {
		return err
	}
	b.accountID, b.partition = acct.ID, acct.Partition
	return nil
}
