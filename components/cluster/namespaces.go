package cluster

import (
	"fmt"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Namespace is one of the platform's namespaces and its guard rails.
type Namespace struct {
	Name string
	// Enforce is the Pod Security Admission level enforced; audit and
	// warn are always "restricted" so that every relaxation is visible.
	Enforce string
	// Why explains an enforce level below restricted.
	Why string
	// Platform namespaces get default-deny network policies, quotas and
	// limit ranges.
	Platform bool
}

// Namespaces are the architecture document's namespaces for an
// environment (kube-system exists already and is left as EKS made it).
func Namespaces(env string) []Namespace {
	return []Namespace{
		{Name: "istio-system", Enforce: "privileged", Why: "the Istio CNI node agent needs host networking so that meshed pods can stay restricted"},
		{Name: "monitoring-" + env, Enforce: "privileged", Why: "node-exporter reads host metrics through host PID, network and paths"},
		{Name: "argocd-" + env, Enforce: "baseline", Why: "the Redis HA pods of the Argo CD chart do not set every restricted field"},
		{Name: "cert-manager-" + env, Enforce: "restricted"},
		{Name: "external-secrets-" + env, Enforce: "restricted"},
		{Name: "security-platform", Enforce: "restricted", Platform: true},
		{Name: "security-tools", Enforce: "restricted", Platform: true},
	}
}

// namespaces creates every namespace with its Pod Security labels, and in
// the platform namespaces a default-deny policy (DNS excepted), a quota and
// default container limits.
func (b *builder) namespaces() error {
	for _, ns := range Namespaces(b.args.Environment) {
		n, err := corev1.NewNamespace(b.ctx, b.child("ns-"+ns.Name), &corev1.NamespaceArgs{
			Metadata: metav1.ObjectMetaArgs{
				Name: pulumi.String(ns.Name),
				Labels: pulumi.StringMap{
					"pod-security.kubernetes.io/enforce":         pulumi.String(ns.Enforce),
					"pod-security.kubernetes.io/enforce-version": pulumi.String("latest"),
					"pod-security.kubernetes.io/audit":           pulumi.String("restricted"),
					"pod-security.kubernetes.io/warn":            pulumi.String("restricted"),
					"solsec.io/environment":                      pulumi.String(b.args.Environment),
				},
			},
		}, append(b.opts(), pulumi.DependsOn(b.addons))...)
		if err != nil {
			return fmt.Errorf("namespace %s: %w", ns.Name, err)
		}
		b.namespaceResources = append(b.namespaceResources, n)
		if ns.Platform {
			if err := b.guardRails(ns.Name, n); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *builder) guardRails(ns string, n *corev1.Namespace) error {
	opts := append(b.opts(), pulumi.DependsOn([]pulumi.Resource{n}))
	meta := func(name string) metav1.ObjectMetaArgs {
		return metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(ns)}
	}
	// Deny everything in and out; workloads add policies for exactly the
	// traffic they need. DNS to CoreDNS is the one exception every pod needs.
	if _, err := networkingv1.NewNetworkPolicy(b.ctx, b.child(ns+"-default-deny"), &networkingv1.NetworkPolicyArgs{
		Metadata: meta("default-deny"),
		Spec: networkingv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress"), pulumi.String("Egress")},
		},
	}, opts...); err != nil {
		return fmt.Errorf("default-deny policy %s: %w", ns, err)
	}
	dns := networkingv1.NetworkPolicyPortArray{
		networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("UDP"), Port: pulumi.Int(53)},
		networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(53)},
	}
	if _, err := networkingv1.NewNetworkPolicy(b.ctx, b.child(ns+"-allow-dns"), &networkingv1.NetworkPolicyArgs{
		Metadata: meta("allow-dns"),
		Spec: networkingv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Egress")},
			Egress: networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
				To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
					NamespaceSelector: metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("kube-system")}},
					PodSelector:       metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"k8s-app": pulumi.String("kube-dns")}},
				}},
				Ports: dns,
			}},
		},
	}, opts...); err != nil {
		return fmt.Errorf("DNS policy %s: %w", ns, err)
	}
	q := quotaFor(b.args.Environment)
	if _, err := corev1.NewResourceQuota(b.ctx, b.child(ns+"-quota"), &corev1.ResourceQuotaArgs{
		Metadata: meta("platform-quota"),
		Spec: corev1.ResourceQuotaSpecArgs{Hard: pulumi.StringMap{
			"requests.cpu":           pulumi.String(q.cpu),
			"requests.memory":        pulumi.String(q.memory),
			"limits.cpu":             pulumi.String(q.cpuLimit),
			"limits.memory":          pulumi.String(q.memoryLimit),
			"pods":                   pulumi.String(q.pods),
			"persistentvolumeclaims": pulumi.String("20"),
			"services.loadbalancers": pulumi.String("0"),
			"services.nodeports":     pulumi.String("0"),
		}},
	}, opts...); err != nil {
		return fmt.Errorf("quota %s: %w", ns, err)
	}
	if _, err := corev1.NewLimitRange(b.ctx, b.child(ns+"-limits"), &corev1.LimitRangeArgs{
		Metadata: meta("container-defaults"),
		Spec: corev1.LimitRangeSpecArgs{Limits: corev1.LimitRangeItemArray{corev1.LimitRangeItemArgs{
			Type:           pulumi.String("Container"),
			DefaultRequest: pulumi.StringMap{"cpu": pulumi.String("100m"), "memory": pulumi.String("128Mi")},
			Default:        pulumi.StringMap{"cpu": pulumi.String("500m"), "memory": pulumi.String("512Mi")},
			Max:            pulumi.StringMap{"cpu": pulumi.String("4"), "memory": pulumi.String("8Gi")},
		}}},
	}, opts...); err != nil {
		return fmt.Errorf("limit range %s: %w", ns, err)
	}
	return nil
}

type quota struct{ cpu, memory, cpuLimit, memoryLimit, pods string }

// quotaFor sizes a platform namespace's quota: production gets room for
// peak analysis load, staging a fraction of it.
func quotaFor(env string) quota {
	if env == "production" {
		return quota{cpu: "64", memory: "128Gi", cpuLimit: "128", memoryLimit: "256Gi", pods: "400"}
	}
	return quota{cpu: "16", memory: "32Gi", cpuLimit: "32", memoryLimit: "64Gi", pods: "100"}
}
