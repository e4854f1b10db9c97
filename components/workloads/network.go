package workloads

import (
	"fmt"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Ports of the data tier.
const (
	PostgresPort = 5432
	RedisPort    = 6379
	HTTPSPort    = 443
)

// privateRanges are left out of the public HTTPS egress: inside the VPC
// only the endpoints' range (VpcCidr) is allowed on 443.
var privateRanges = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"}

func tcp(port int) networkingv1.NetworkPolicyPortArgs {
	return networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(port)}
}

func app(name string) networkingv1.NetworkPolicyPeerArgs {
	return networkingv1.NetworkPolicyPeerArgs{PodSelector: metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"app": pulumi.String(name)}}}
}

func cidrs(list []string) networkingv1.NetworkPolicyPeerArray {
	var out networkingv1.NetworkPolicyPeerArray
	for _, c := range list {
		out = append(out, networkingv1.NetworkPolicyPeerArgs{IpBlock: networkingv1.IPBlockArgs{Cidr: pulumi.String(c)}})
	}
	return out
}

// networkPolicies open, on top of the namespace's default deny (and, in
// the meshed namespace, the mesh's own policies for istiod, tracing, the
// gateway and the sidecars' metrics), exactly the workload's documented
// flows: its callers in, Prometheus to its admin port, and out to the
// workloads it calls, RDS and Redis in the data subnets, and AWS APIs
// over HTTPS (STS for IRSA, S3, Secrets Manager).
func (b *builder) networkPolicies(w Workload) error {
	ns := namespace(w)
	selector := metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"app": pulumi.String(w.Name)}}
	var ingress networkingv1.NetworkPolicyIngressRuleArray
	if len(w.Callers) > 0 {
		var from networkingv1.NetworkPolicyPeerArray
		for _, c := range w.Callers {
			from = append(from, app(c))
		}
		ingress = append(ingress, networkingv1.NetworkPolicyIngressRuleArgs{From: from, Ports: networkingv1.NetworkPolicyPortArray{tcp(ServingPort)}})
	}
	if w.scrapedDirectly() {
		ingress = append(ingress, networkingv1.NetworkPolicyIngressRuleArgs{
			From: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{NamespaceSelector: metav1.LabelSelectorArgs{
				MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String(b.args.MonitoringNamespace)},
			}}},
			Ports: networkingv1.NetworkPolicyPortArray{tcp(w.adminPort())},
		})
	}
	if len(ingress) > 0 {
		if _, err := networkingv1.NewNetworkPolicy(b.ctx, b.child(w.Name+"-ingress"), &networkingv1.NetworkPolicyArgs{
			Metadata: meta(w.Name+"-ingress", ns),
			Spec: networkingv1.NetworkPolicySpecArgs{
				PodSelector: selector, PolicyTypes: pulumi.StringArray{pulumi.String("Ingress")}, Ingress: ingress,
			},
		}, b.parent); err != nil {
			return fmt.Errorf("ingress policy: %w", err)
		}
	}
	egress := b.egressRules(w)
	if len(egress) == 0 {
		return nil
	}
	if _, err := networkingv1.NewNetworkPolicy(b.ctx, b.child(w.Name+"-egress"), &networkingv1.NetworkPolicyArgs{
		Metadata: meta(w.Name+"-egress", ns),
		Spec: networkingv1.NetworkPolicySpecArgs{
			PodSelector: selector, PolicyTypes: pulumi.StringArray{pulumi.String("Egress")}, Egress: egress,
		},
	}, b.parent); err != nil {
		return fmt.Errorf("egress policy: %w", err)
	}
	return nil
}

// egressRules are a workload's (or the migrations Job's) ways out.
func (b *builder) egressRules(w Workload) networkingv1.NetworkPolicyEgressRuleArray {
	var egress networkingv1.NetworkPolicyEgressRuleArray
	for _, c := range w.Calls {
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{
			To: networkingv1.NetworkPolicyPeerArray{app(c)}, Ports: networkingv1.NetworkPolicyPortArray{tcp(ServingPort)},
		})
	}
	if w.Database {
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{To: cidrs(b.args.DataSubnetCidrs), Ports: networkingv1.NetworkPolicyPortArray{tcp(PostgresPort)}})
	}
	if w.Redis {
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{To: cidrs(b.args.DataSubnetCidrs), Ports: networkingv1.NetworkPolicyPortArray{tcp(RedisPort)}})
	}
	if w.usesAWS() {
		// Interface endpoints sit in the VPC; S3 (gateway endpoint) and
		// STS answer on public addresses. Which hosts is the mesh's
		// REGISTRY_ONLY egress (*.<region>.amazonaws.com, sts).
		public := networkingv1.NetworkPolicyPeerArgs{IpBlock: networkingv1.IPBlockArgs{
			Cidr: pulumi.String("0.0.0.0/0"), Except: pulumi.ToStringArray(privateRanges),
		}}
		to := append(cidrs([]string{b.args.VpcCidr}), public)
		egress = append(egress, networkingv1.NetworkPolicyEgressRuleArgs{To: to, Ports: networkingv1.NetworkPolicyPortArray{tcp(HTTPSPort)}})
	}
	return egress
}
