package mesh

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// gatewayTLSSecret holds the gateway's certificate, issued by cert-manager.
const gatewayTLSSecret = "platform-gateway-tls"

// gateway installs the ingress gateway as a ClusterIP service (the ALB
// reaches its pods directly, in IP mode), scaled on CPU from two replicas
// with a disruption budget, its certificate, the Istio Gateway that serves
// the platform's hosts on TLS only, the JWT checks and the configured
// routes.
func (b *builder) gateway() error {
	gw, err := b.release(GatewayService, pulumi.Map{
		"labels":  pulumi.StringMap{"istio": pulumi.String("ingressgateway")},
		"service": pulumi.Map{"type": pulumi.String("ClusterIP")},
		"autoscaling": pulumi.Map{
			"enabled": pulumi.Bool(true), "minReplicas": pulumi.Int(2), "maxReplicas": pulumi.Int(6),
			"targetCPUUtilizationPercentage": pulumi.Int(70),
		},
		"podDisruptionBudget": pulumi.Map{"minAvailable": pulumi.Int(1)},
		"resources": pulumi.Map{"requests": pulumi.Map{
			"cpu": pulumi.String("250m"), "memory": pulumi.String("256Mi"),
		}},
		"topologySpreadConstraints": spread(GatewayService),
	}, b.istiod)
	if err != nil {
		return err
	}
	b.gw = gw
	b.m.Ready = append(b.m.Ready, gw)

	var hosts pulumi.StringArray
	for _, h := range b.args.Hosts {
		hosts = append(hosts, pulumi.String(h))
	}
	cert, err := apiextensions.NewCustomResource(b.ctx, b.child("gateway-cert"), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("cert-manager.io/v1"),
		Kind:       pulumi.String("Certificate"),
		Metadata:   metaIn(SystemNamespace, "platform-gateway"),
		OtherFields: map[string]any{"spec": pulumi.Map{
			"secretName": pulumi.String(gatewayTLSSecret),
			"dnsNames":   hosts,
			"issuerRef":  pulumi.Map{"kind": pulumi.String("ClusterIssuer"), "name": pulumi.String(b.args.CertificateIssuer)},
			"privateKey": pulumi.Map{"algorithm": pulumi.String("ECDSA"), "size": pulumi.Int(256), "rotationPolicy": pulumi.String("Always")},
		}},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("gateway certificate: %w", err)
	}
	gwName := GatewayName[strings.Index(GatewayName, "/")+1:]
	istioGW, err := customResource(b.ctx, b.child("gateway"), networkingAPI, "Gateway", SystemNamespace, gwName, pulumi.Map{
		"selector": pulumi.StringMap{"istio": pulumi.String("ingressgateway")},
		"servers": pulumi.Array{pulumi.Map{
			"port": pulumi.Map{"number": pulumi.Int(GatewayHTTPSPort), "name": pulumi.String("https"), "protocol": pulumi.String("HTTPS")},
			// "*" and not the named hosts: Istio turns a server's hosts into
			// an SNI match, and the ALB re-encrypts to the gateway without
			// sending SNI, so named hosts would reset every request from the
			// ALB (istio/istio#31421). Which hosts are served is still decided
			// by the VirtualServices, which name them; a Host header no route
			// names gets 404. The certificate names the hosts.
			"hosts": pulumi.StringArray{pulumi.String("*")},
			"tls": pulumi.Map{
				"mode":               pulumi.String("SIMPLE"),
				"credentialName":     pulumi.String(gatewayTLSSecret),
				"minProtocolVersion": pulumi.String("TLSV1_2"),
			},
		}},
	}, b.after(b.base, gw, cert)...)
	if err != nil {
		return err
	}
	b.m.Ready = append(b.m.Ready, istioGW)
	if err := b.jwt(); err != nil {
		return err
	}
	if len(b.args.Routes) == 0 {
		return nil
	}
	_, err = NewVirtualService(b.ctx, b.child("routes"), VirtualServiceArgs{
		Name: "platform-routes", Namespace: b.args.platformNamespace(),
		Hosts: b.args.Hosts, Gateways: []string{GatewayName}, Routes: b.args.Routes,
	}, b.after(b.m.Ready...)...)
	return err
}

// Route sends requests whose path starts with PathPrefix to a service.
type Route struct {
	PathPrefix string
	// Service is the destination's host (a Service name in the virtual
	// service's namespace, or an FQDN) and Port its port.
	Service string
	Port    int
	// Timeout bounds the whole request including retries (default 15s).
	Timeout string
	// Attempts retries a failed request (default 2) within PerTryTimeout
	// each (default 5s), on RetryOn conditions (default: gateway errors,
	// connect failures and refused streams, which are safe to repeat).
	Attempts      int
	PerTryTimeout string
	RetryOn       string
}

func (r Route) validate() error {
	if !strings.HasPrefix(r.PathPrefix, "/") || r.Service == "" || r.Port <= 0 {
		return fmt.Errorf("route %+v: want a path prefix starting with /, a service and a port", r)
	}
	return nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// VirtualServiceArgs describe a VirtualService.
type VirtualServiceArgs struct {
	Name, Namespace string
	// Hosts the routes apply to: the gateway's hosts for ingress routes, a
	// service name for in-mesh calls.
	Hosts []string
	// Gateways bind the routes to gateways (GatewayName); empty means
	// sidecars only ("mesh").
	Gateways []string
	Routes   []Route
}

// NewVirtualService creates a VirtualService with one path-prefix route per
// Route, each with its timeout and retry policy. Pass the Kubernetes
// provider (or a parent with it) in opts.
func NewVirtualService(ctx *pulumi.Context, name string, args VirtualServiceArgs, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	if args.Name == "" || args.Namespace == "" || len(args.Hosts) == 0 || len(args.Routes) == 0 {
		return nil, fmt.Errorf("virtual service %s: name, namespace, hosts and routes are required", name)
	}
	var http pulumi.Array
	for _, r := range args.Routes {
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("virtual service %s: %w", name, err)
		}
		attempts := r.Attempts
		if attempts == 0 {
			attempts = 2
		}
		http = append(http, pulumi.Map{
			"match": pulumi.Array{pulumi.Map{"uri": pulumi.Map{"prefix": pulumi.String(r.PathPrefix)}}},
			"route": pulumi.Array{pulumi.Map{"destination": pulumi.Map{
				"host": pulumi.String(r.Service), "port": pulumi.Map{"number": pulumi.Int(r.Port)},
			}}},
			"timeout": pulumi.String(or(r.Timeout, "15s")),
			"retries": pulumi.Map{
				"attempts":      pulumi.Int(attempts),
				"perTryTimeout": pulumi.String(or(r.PerTryTimeout, "5s")),
				"retryOn":       pulumi.String(or(r.RetryOn, "gateway-error,connect-failure,refused-stream")),
			},
		})
	}
	spec := pulumi.Map{"hosts": pulumi.ToStringArray(args.Hosts), "http": http}
	if len(args.Gateways) > 0 {
		spec["gateways"] = pulumi.ToStringArray(args.Gateways)
	}
	return customResource(ctx, name, networkingAPI, "VirtualService", args.Namespace, args.Name, spec, opts...)
}

// DestinationRuleArgs describe the client-side traffic policy for one
// service: connection-pool limits and outlier detection (circuit
// breaking). Zero values take the defaults noted.
type DestinationRuleArgs struct {
	Name, Namespace string
	// Host is the service the policy applies to.
	Host string
	// MaxConnections (TCP, default 100), MaxPendingRequests (HTTP/1.1
	// queue, default 64), MaxRequests (HTTP/2, default 256) and
	// MaxRequestsPerConnection (default 0: unlimited) cap what one client
	// sidecar sends; beyond them requests fail fast with 503.
	MaxConnections           int
	MaxPendingRequests       int
	MaxRequests              int
	MaxRequestsPerConnection int
	// Consecutive5xxErrors (default 5) within Interval (default 10s) eject
	// an endpoint for BaseEjectionTime (default 30s); at most
	// MaxEjectionPercent (default 50) of endpoints are ejected at once.
	Consecutive5xxErrors int
	Interval             string
	BaseEjectionTime     string
	MaxEjectionPercent   int
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// NewDestinationRule creates a DestinationRule with connection-pool limits,
// outlier detection and mutual TLS to the destination. Pass the Kubernetes
// provider (or a parent with it) in opts.
func NewDestinationRule(ctx *pulumi.Context, name string, args DestinationRuleArgs, opts ...pulumi.ResourceOption) (*apiextensions.CustomResource, error) {
	if args.Name == "" || args.Namespace == "" || args.Host == "" {
		return nil, fmt.Errorf("destination rule %s: name, namespace and host are required", name)
	}
	http := pulumi.Map{
		"http1MaxPendingRequests": pulumi.Int(orInt(args.MaxPendingRequests, 64)),
		"http2MaxRequests":        pulumi.Int(orInt(args.MaxRequests, 256)),
	}
	if args.MaxRequestsPerConnection > 0 {
		http["maxRequestsPerConnection"] = pulumi.Int(args.MaxRequestsPerConnection)
	}
	return customResource(ctx, name, networkingAPI, "DestinationRule", args.Namespace, args.Name, pulumi.Map{
		"host": pulumi.String(args.Host),
		"trafficPolicy": pulumi.Map{
			"tls": pulumi.Map{"mode": pulumi.String("ISTIO_MUTUAL")},
			"connectionPool": pulumi.Map{
				"tcp":  pulumi.Map{"maxConnections": pulumi.Int(orInt(args.MaxConnections, 100)), "connectTimeout": pulumi.String("3s")},
				"http": http,
			},
			"outlierDetection": pulumi.Map{
				"consecutive5xxErrors": pulumi.Int(orInt(args.Consecutive5xxErrors, 5)),
				"interval":             pulumi.String(or(args.Interval, "10s")),
				"baseEjectionTime":     pulumi.String(or(args.BaseEjectionTime, "30s")),
				"maxEjectionPercent":   pulumi.Int(orInt(args.MaxEjectionPercent, 50)),
			},
		},
	}, opts...)
}

// egress registers the external hosts workloads may reach: with the
// mesh's REGISTRY_ONLY policy, a destination without a ServiceEntry is
// refused. TLS passes through untouched (resolution NONE: the sidecar
// forwards to the address the application resolved, matched by SNI).
func (b *builder) egress() error {
	hosts := append([]string{"*." + b.args.Region + ".amazonaws.com", "sts.amazonaws.com"}, b.args.EgressHosts...)
	_, err := customResource(b.ctx, b.child("egress"), networkingAPI, "ServiceEntry", SystemNamespace, "external-https", pulumi.Map{
		"hosts":      pulumi.ToStringArray(hosts),
		"location":   pulumi.String("MESH_EXTERNAL"),
		"resolution": pulumi.String("NONE"),
		"ports": pulumi.Array{pulumi.Map{
			"number": pulumi.Int(443), "name": pulumi.String("tls"), "protocol": pulumi.String("TLS"),
		}},
	}, b.after(b.base, b.istiod)...)
	return err
}
