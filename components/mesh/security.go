package mesh

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// API versions of the Istio resources the mesh creates.
const (
	securityAPI   = "security.istio.io/v1"
	networkingAPI = "networking.istio.io/v1"
	telemetryAPI  = "telemetry.istio.io/v1"
)

// InjectionLabel turns on sidecar injection for a namespace.
const InjectionLabel = "istio-injection"

// customResource creates one Istio (or other CRD-backed) object.
func customResource(ctx *pulumi.Context, name, apiVersion, kind, namespace, objectName string, spec pulumi.Map, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	r, err := apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(apiVersion),
		Kind:        pulumi.String(kind),
		Metadata:    metav1.ObjectMetaArgs{Name: pulumi.String(objectName), Namespace: pulumi.String(namespace)},
		OtherFields: kubernetes.UntypedArgs{"spec": spec},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s %s/%s: %w", kind, namespace, objectName, err)
	}
	return r, nil
}

// security turns on injection in the platform namespace, requires mTLS
// everywhere, denies every request in the platform namespace that no
// policy allows, and lets the sidecars reach istiod and Prometheus reach
// the sidecars through the namespace's default-deny network policies.
func (b *builder) security() error {
	ns := b.args.platformNamespace()
	injection, err := corev1.NewNamespacePatch(b.ctx, b.child("injection"), &corev1.NamespacePatchArgs{
		Metadata: metav1.ObjectMetaPatchArgs{
			Name:   pulumi.String(ns),
			Labels: pulumi.StringMap{InjectionLabel: pulumi.String("enabled")},
		},
	}, b.after(b.istiod)...)
	if err != nil {
		return fmt.Errorf("injection label on %s: %w", ns, err)
	}
	b.injection = injection
	b.m.Ready = append(b.m.Ready, injection)

	// In the root namespace, without a selector: the whole mesh accepts
	// only mutual TLS.
	if _, err := customResource(b.ctx, b.child("strict-mtls"), securityAPI, "PeerAuthentication", SystemNamespace, "default",
		pulumi.Map{"mtls": pulumi.Map{"mode": pulumi.String("STRICT")}}, b.after(b.base, b.istiod)...); err != nil {
		return err
	}
	// An ALLOW policy with no rules matches nothing, so every request to
	// the namespace is refused until AllowCallers admits its callers.
	if _, err := customResource(b.ctx, b.child("default-deny"), securityAPI, "AuthorizationPolicy", ns, "default-deny",
		pulumi.Map{}, b.after(b.base, b.istiod)...); err != nil {
		return err
	}
	return b.meshNetworkPolicies(ns)
}

// meshNetworkPolicies open exactly what the mesh itself needs through the
// platform namespace's default-deny NetworkPolicies: sidecars to istiod
// (xDS and certificates, 15012) and to the trace collector, the gateway to
// the workloads, and Prometheus to the sidecars' metrics ports (15020,
// 15090).
func (b *builder) meshNetworkPolicies(ns string) error {
	nsSelector := func(name string) metav1.LabelSelectorArgs {
		return metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String(name)}}
	}
	tcp := func(port int) networkingv1.NetworkPolicyPortArgs {
		return networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String("TCP"), Port: pulumi.Int(port)}
	}
	policies := []struct {
		suffix string
		spec   networkingv1.NetworkPolicySpecArgs
	}{
		{"to-istiod", networkingv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Egress")},
			Egress: networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
				To: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
					NamespaceSelector: nsSelector(SystemNamespace),
					PodSelector:       metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"app": pulumi.String("istiod")}},
				}},
				Ports: networkingv1.NetworkPolicyPortArray{tcp(15012)},
			}},
		}},
		{"from-gateway", networkingv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress")},
			Ingress: networkingv1.NetworkPolicyIngressRuleArray{networkingv1.NetworkPolicyIngressRuleArgs{
				From: networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{
					NamespaceSelector: nsSelector(SystemNamespace),
					PodSelector:       metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"istio": pulumi.String("ingressgateway")}},
				}},
			}},
		}},
		{"to-tracing", networkingv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Egress")},
			Egress: networkingv1.NetworkPolicyEgressRuleArray{networkingv1.NetworkPolicyEgressRuleArgs{
				To:    networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{NamespaceSelector: nsSelector(b.args.MonitoringNamespace)}},
				Ports: networkingv1.NetworkPolicyPortArray{tcp(b.args.Telemetry.TracingPort)},
			}},
		}},
		{"from-prometheus", networkingv1.NetworkPolicySpecArgs{
			PodSelector: metav1.LabelSelectorArgs{},
			PolicyTypes: pulumi.StringArray{pulumi.String("Ingress")},
			Ingress: networkingv1.NetworkPolicyIngressRuleArray{networkingv1.NetworkPolicyIngressRuleArgs{
				From:  networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{NamespaceSelector: nsSelector(b.args.MonitoringNamespace)}},
				Ports: networkingv1.NetworkPolicyPortArray{tcp(15020), tcp(15090)},
			}},
		}},
	}
	for _, p := range policies {
		if _, err := networkingv1.NewNetworkPolicy(b.ctx, b.child("netpol-"+p.suffix), &networkingv1.NetworkPolicyArgs{
			Metadata: metav1.ObjectMetaArgs{Name: pulumi.String("mesh-" + p.suffix), Namespace: pulumi.String(ns)},
			Spec:     p.spec,
		}, b.parent); err != nil {
			return fmt.Errorf("network policy %s: %w", p.suffix, err)
		}
	}
	return nil
}

// Principal is a workload identity in the mesh: a service account.
type Principal struct {
	Namespace, ServiceAccount string
}

// String is the SPIFFE-style principal Istio matches in policies.
func (p Principal) String() string {
	return fmt.Sprintf("cluster.local/ns/%s/sa/%s", p.Namespace, p.ServiceAccount)
}

// AllowArgs say who may call one workload.
type AllowArgs struct {
	// Namespace of the workload (DefaultPlatformNamespace if empty).
	Namespace string
	// App is the workload's "app" label; the policy applies to it only.
	App string
	// Callers are the only identities admitted; at least one.
	Callers []Principal
	// Ports, Methods and Paths narrow what callers may do; empty allows
	// any.
	Ports   []string
	Methods []string
	Paths   []string
}

// AllowCallers admits exactly the given callers to one workload, on top of
// the namespace's default deny. Pass the cluster's Kubernetes provider (or
// a parent that has it) in opts, and the Mesh's Ready resources through
// pulumi.DependsOn.
func AllowCallers(ctx *pulumi.Context, name string, args AllowArgs, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	if args.App == "" {
		return nil, fmt.Errorf("allow callers %s: app is required: a policy without a selector would open the whole namespace", name)
	}
	if len(args.Callers) == 0 {
		return nil, fmt.Errorf("allow callers %s: %w", name, errors.New("at least one caller is required: a rule without sources admits everyone"))
	}
	ns := args.Namespace
	if ns == "" {
		ns = DefaultPlatformNamespace
	}
	var principals pulumi.StringArray
	for _, c := range args.Callers {
		if c.Namespace == "" || c.ServiceAccount == "" {
			return nil, fmt.Errorf("allow callers %s: caller %+v needs a namespace and a service account", name, c)
		}
		principals = append(principals, pulumi.String(c.String()))
	}
	rule := pulumi.Map{"from": pulumi.Array{pulumi.Map{"source": pulumi.Map{"principals": principals}}}}
	if len(args.Ports)+len(args.Methods)+len(args.Paths) > 0 {
		op := pulumi.Map{}
		if len(args.Ports) > 0 {
			op["ports"] = pulumi.ToStringArray(args.Ports)
		}
		if len(args.Methods) > 0 {
			op["methods"] = pulumi.ToStringArray(args.Methods)
		}
		if len(args.Paths) > 0 {
			op["paths"] = pulumi.ToStringArray(args.Paths)
		}
		rule["to"] = pulumi.Array{pulumi.Map{"operation": op}}
	}
	return customResource(ctx, name, securityAPI, "AuthorizationPolicy", ns, "allow-"+args.App+"-callers", pulumi.Map{
		"selector": pulumi.Map{"matchLabels": pulumi.StringMap{"app": pulumi.String(args.App)}},
		"action":   pulumi.String("ALLOW"),
		"rules":    pulumi.Array{rule},
	}, opts...)
}

// jwt validates the platform's tokens at the gateway and refuses requests
// to protected paths that carry none.
func (b *builder) jwt() error {
	j := b.args.JWT
	if j.Issuer == "" {
		return nil // the services authenticate every request (see JWTArgs)
	}
	gateway := pulumi.Map{"matchLabels": pulumi.StringMap{"istio": pulumi.String("ingressgateway")}}
	rule := pulumi.Map{
		"issuer":  pulumi.String(j.Issuer),
		"jwksUri": pulumi.String(j.JwksURI),
		// Services behind the gateway read claims from the verified token.
		"forwardOriginalToken": pulumi.Bool(true),
	}
	if len(j.Audiences) > 0 {
		rule["audiences"] = pulumi.ToStringArray(j.Audiences)
	}
	if _, err := customResource(b.ctx, b.child("jwt"), securityAPI, "RequestAuthentication", SystemNamespace, "platform-jwt", pulumi.Map{
		"selector": gateway,
		"jwtRules": pulumi.Array{rule},
	}, b.after(b.istiod, b.gw)...); err != nil {
		return err
	}
	if len(j.ProtectedPaths) == 0 {
		return nil
	}
	_, err := customResource(b.ctx, b.child("require-jwt"), securityAPI, "AuthorizationPolicy", SystemNamespace, "require-jwt", pulumi.Map{
		"selector": gateway,
		"action":   pulumi.String("DENY"),
		"rules": pulumi.Array{pulumi.Map{
			"from": pulumi.Array{pulumi.Map{"source": pulumi.Map{"notRequestPrincipals": pulumi.StringArray{pulumi.String("*")}}}},
			"to":   pulumi.Array{pulumi.Map{"operation": pulumi.Map{"paths": pulumi.ToStringArray(j.ProtectedPaths)}}},
		}},
	}, b.after(b.istiod, b.gw)...)
	return err
}
