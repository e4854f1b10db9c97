package cluster

import (
	"encoding/json"
	"fmt"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// addonVersion resolves the EKS add-on version AWS marks as the default for
// the cluster's Kubernetes version (not the newest): it is fixed for a given
// Kubernetes version, so add-ons change only when the cluster is upgraded,
// and AWS guarantees it is compatible. The resolved version is recorded in
// the add-on's inputs, so `pulumi preview` shows any change.
func (b *builder) addonVersion(name string) (string, error) {
	mostRecent := false
	v, err := awseks.GetAddonVersion(b.ctx, &awseks.GetAddonVersionArgs{
		AddonName: name, KubernetesVersion: b.args.KubernetesVersion, MostRecent: &mostRecent,
	}, b.parent)
	if err != nil {
		return "", fmt.Errorf("resolve %s version for Kubernetes %s: %w", name, b.args.KubernetesVersion, err)
	}
	return v.Version, nil
}

// addon creates one EKS managed add-on. Conflicts with what EKS installed
// itself are resolved in favour of our configuration.
func (b *builder) addon(name string, role pulumi.StringInput, config map[string]any, deps []pulumi.Resource) (*awseks.Addon, error) {
	version, err := b.addonVersion(name)
	if err != nil {
		return nil, err
	}
	args := &awseks.AddonArgs{
		ClusterName:              pulumi.String(b.args.Name),
		AddonName:                pulumi.String(name),
		AddonVersion:             pulumi.String(version),
		ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
		ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
		Tags:                     b.tags(name),
	}
	if role != nil {
		args.ServiceAccountRoleArn = role
	}
	if config != nil {
		j, err := json.Marshal(config)
		if err != nil {
			return nil, fmt.Errorf("%s configuration: %w", name, err)
		}
		args.ConfigurationValues = pulumi.String(string(j))
	}
	a, err := awseks.NewAddon(b.ctx, b.child(name), args, b.parent, pulumi.DependsOn(append([]pulumi.Resource{b.eks}, deps...)))
	if err != nil {
		return nil, fmt.Errorf("add-on %s: %w", name, err)
	}
	return a, nil
}

// networkingAddons installs what nodes need before they join: the VPC CNI
// (custom networking, network policies, its own IRSA role) and kube-proxy.
func (b *builder) networkingAddons() error {
	s := b.scope()
	cniRole, err := b.role("vpc-cni", "kube-system", "aws-node", pulumi.String(cniPolicy(s).JSON()))
	if err != nil {
		return err
	}
	cni, err := b.addon("vpc-cni", cniRole.Arn, map[string]any{
		"env": map[string]string{
			// Pods take addresses from the pod subnet of their AZ, named
			// by the ENIConfig whose name is the node's zone.
			"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true",
			"ENI_CONFIG_LABEL_DEF":               "topology.kubernetes.io/zone",
		},
		// Enforces the namespaces' NetworkPolicies.
		"enableNetworkPolicy": "true",
	}, nil)
	if err != nil {
		return err
	}
	proxy, err := b.addon("kube-proxy", nil, nil, nil)
	if err != nil {
		return err
	}
	b.addons = append(b.addons, cni, proxy)
	return nil
}

// kubernetesProvider talks to the new cluster with the kubeconfig pulumi-eks
// returns; every in-cluster resource uses it.
func (b *builder) kubernetesProvider() error {
	p, err := kubernetes.NewProvider(b.ctx, b.child("k8s"), &kubernetes.ProviderArgs{
		Kubeconfig:            b.eks.KubeconfigJson,
		EnableServerSideApply: pulumi.Bool(true),
		// Never fall back to a kubeconfig of the machine running Pulumi.
		DeleteUnreachable: pulumi.Bool(false),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("kubernetes provider: %w", err)
	}
	b.k8s = p
	b.c.KubernetesProvider = p
	b.k8sOpts = []pulumi.ResourceOption{pulumi.Parent(b.c), pulumi.Provider(p)}
	return b.eniConfigs()
}

// eniConfigs tell the VPC CNI which subnet and security groups pods of each
// AZ use. They exist before any node, so no pod lands in the node subnet.
func (b *builder) eniConfigs() error {
	var sgs pulumi.StringArray
	for _, id := range b.args.NodeSecurityGroupIDs {
		sgs = append(sgs, id)
	}
	for _, ps := range b.args.PodSubnets {
		cfg, err := apiextensions.NewCustomResource(b.ctx, b.child("eniconfig-"+ps.AZ), &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("crd.k8s.amazonaws.com/v1alpha1"),
			Kind:       pulumi.String("ENIConfig"),
			Metadata:   metav1.ObjectMetaArgs{Name: pulumi.String(ps.AZ)},
			OtherFields: kubernetes.UntypedArgs{
				"spec": pulumi.Map{"subnet": ps.SubnetID, "securityGroups": sgs},
			},
		}, append(b.opts(), pulumi.DependsOn(b.addons))...)
		if err != nil {
			return fmt.Errorf("ENIConfig %s: %w", ps.AZ, err)
		}
		b.addons = append(b.addons, cfg)
	}
	return nil
}

// opts are the options of in-cluster resources.
func (b *builder) opts() []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption(nil), b.k8sOpts...)
}

// clusterAddons need running nodes: CoreDNS (spread and disruption-guarded)
// and the EBS and EFS CSI drivers with their IRSA roles.
func (b *builder) clusterAddons() error {
	s := b.scope()
	coredns, err := b.addon("coredns", nil, map[string]any{
		"replicaCount":        3,
		"podDisruptionBudget": map[string]any{"enabled": true, "maxUnavailable": 1},
		"topologySpreadConstraints": []map[string]any{{
			"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
			"labelSelector": map[string]any{"matchLabels": map[string]string{"k8s-app": "kube-dns"}},
		}},
	}, b.nodes)
	if err != nil {
		return err
	}
	ebsPolicy := b.ebsKeyArn.ApplyT(func(key string) string { return ebsCSIPolicy(s, key).JSON() }).(pulumi.StringOutput)
	ebsRole, err := b.role("ebs-csi", "kube-system", "ebs-csi-controller-sa", ebsPolicy)
	if err != nil {
		return err
	}
	ebs, err := b.addon("aws-ebs-csi-driver", ebsRole.Arn, map[string]any{
		"controller": map[string]any{"replicaCount": 2},
	}, b.nodes)
	if err != nil {
		return err
	}
	efsRole, err := b.role("efs-csi", "kube-system", "efs-csi-controller-sa", pulumi.String(efsCSIPolicy(s).JSON()))
	if err != nil {
		return err
	}
	efs, err := b.addon("aws-efs-csi-driver", efsRole.Arn, map[string]any{
		"controller": map[string]any{"replicaCount": 2},
	}, b.nodes)
	if err != nil {
		return err
	}
	b.addons = append(b.addons, coredns, ebs, efs)
	return nil
}
