// Package mesh builds one region's Istio service mesh: the control plane and
// the CNI node agent from Istio's pinned Helm charts, an ingress gateway the
// ALB targets in IP mode, mesh-wide strict mTLS, default-deny authorisation
// in the platform namespace with JWT checks at the gateway, telemetry to
// Jaeger and Prometheus, and Kiali. It also exports the pieces workloads
// reuse: caller allow-lists, destination rules with circuit breaking, and
// virtual services with retries, timeouts and path-based routes.
package mesh

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Names other components and workloads refer to.
const (
	// SystemNamespace holds istiod, the CNI agent, the gateway and Kiali;
	// Cluster creates it. It is also Istio's root namespace, so policies
	// there apply to the whole mesh.
	SystemNamespace = "istio-system"
	// DefaultPlatformNamespace is where the platform's services run.
	DefaultPlatformNamespace = "security-platform"
	// GatewayService is the ingress gateway's Kubernetes Service (ClusterIP)
	// the ALB targets in IP mode; GatewayHTTPSPort is its TLS port.
	GatewayService   = "istio-ingressgateway"
	GatewayHTTPSPort = 443
	// GatewayName is the Istio Gateway routes bind to, as
	// "<namespace>/<name>".
	GatewayName = SystemNamespace + "/platform-gateway"
	// GatewayServiceAccount is the identity the gateway presents in mTLS;
	// a workload reached through the gateway allows it as a caller.
	GatewayServiceAccount = GatewayService
	// TracingProvider and MetricsProvider name the mesh's telemetry
	// extension providers.
	TracingProvider = "jaeger"
	MetricsProvider = "prometheus"
)

// GatewayPrincipal is the gateway's mTLS identity, for AllowCallers.
var GatewayPrincipal = Principal{Namespace: SystemNamespace, ServiceAccount: GatewayServiceAccount}

// JWTArgs describe tokens checked at the gateway. The zero value checks
// none: use it when the services authenticate every request themselves and
// accept credentials the gateway cannot check, such as API keys (Istio
// refuses a request whose bearer token is not a valid JWT) or a login
// endpoint that is called without one.
type JWTArgs struct {
	// Issuer is the tokens' iss claim; JwksURI serves the signing keys.
	Issuer  string
	JwksURI string
	// Audiences accepted; empty accepts any audience of the issuer.
	Audiences []string
	// ProtectedPaths require a valid token (Istio path globs such as
	// "/api/*"); other paths accept anonymous requests, but a request that
	// carries an invalid token is always refused.
	ProtectedPaths []string
}

// TelemetryArgs point the mesh and Kiali at the observability stack.
type TelemetryArgs struct {
	// TracingHost is the FQDN of the Jaeger collector's OTLP gRPC service
	// and TracingPort its port.
	TracingHost string
	TracingPort int
	// SamplingPercent of requests traced (0 < p <= 100).
	SamplingPercent float64
	// PrometheusURL, TracingQueryURL (Jaeger query, gRPC) and GrafanaURL
	// are in-cluster URLs Kiali reads from; GrafanaURL may be empty.
	PrometheusURL   string
	TracingQueryURL string
	GrafanaURL      string
}

// MeshArgs configure a Mesh.
type MeshArgs struct {
	Environment string
	Region      string
	// PlatformNamespace gets sidecar injection and default-deny
	// authorisation; it must exist (Cluster creates it). Default
	// DefaultPlatformNamespace.
	PlatformNamespace string
	// MonitoringNamespace runs Prometheus, which scrapes the sidecars
	// (Cluster creates monitoring-<env>).
	MonitoringNamespace string
	// Hosts the gateway serves, e.g. "app.example.com"; the gateway's
	// certificate names them all.
	Hosts []string
	// CertificateIssuer is the cert-manager ClusterIssuer that signs the
	// gateway's certificate, so the ALB re-encrypts to the gateway.
	CertificateIssuer string
	JWT               JWTArgs
	Telemetry         TelemetryArgs
	// Routes are path-based routes from the gateway to platform services;
	// more can be added later with NewVirtualService.
	Routes []Route
	// EgressHosts are external hosts (HTTPS) workloads may call besides the
	// region's AWS APIs (*.<region>.amazonaws.com), which are always
	// allowed; the mesh refuses every other destination outside it.
	EgressHosts []string
}

// Mesh is one region's Istio installation.
type Mesh struct {
	pulumi.ResourceState

	IstioVersion       pulumi.StringOutput `pulumi:"istioVersion"`
	GatewayServiceName pulumi.StringOutput `pulumi:"gatewayServiceName"`
	GatewayNamespace   pulumi.StringOutput `pulumi:"gatewayNamespace"`
	GatewayPort        pulumi.IntOutput    `pulumi:"gatewayPort"`

	// Ready lists the resources a workload's mesh resources must follow
	// (CRDs, istiod, the gateway); use it with pulumi.DependsOn.
	Ready []pulumi.Resource
}

// NewMesh builds the mesh of one region. The cluster's Kubernetes provider
// reaches it through pulumi.Provider or pulumi.Providers in opts.
func NewMesh(ctx *pulumi.Context, name string, args *MeshArgs, opts ...pulumi.ResourceOption) (*Mesh, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("mesh %s: %w", name, err)
	}
	m := &Mesh{}
	if err := ctx.RegisterComponentResource("solsec:mesh:Mesh", name, m, opts...); err != nil {
		return nil, fmt.Errorf("mesh %s: register component: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, m: m, parent: pulumi.Parent(m)}
	steps := []func() error{b.istio, b.security, b.gateway, b.egress, b.telemetry, b.kiali}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("mesh %s: %w", name, err)
		}
	}
	m.IstioVersion = pulumi.String(Charts["istiod"].Version).ToStringOutput()
	m.GatewayServiceName = pulumi.String(GatewayService).ToStringOutput()
	m.GatewayNamespace = pulumi.String(SystemNamespace).ToStringOutput()
	m.GatewayPort = pulumi.Int(GatewayHTTPSPort).ToIntOutput()
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{
		"istioVersion":       m.IstioVersion,
		"gatewayServiceName": m.GatewayServiceName,
		"gatewayNamespace":   m.GatewayNamespace,
		"gatewayPort":        m.GatewayPort,
	}); err != nil {
		return nil, fmt.Errorf("mesh %s: register outputs: %w", name, err)
	}
	return m, nil
}

func (a *MeshArgs) validate() error {
	switch {
	case a == nil:
		return errors.New("args are required")
	case a.Environment == "" || a.Region == "":
		return errors.New("environment and region are required")
	case a.MonitoringNamespace == "":
		return errors.New("monitoringNamespace is required (Prometheus scrapes the sidecars from there)")
	case len(a.Hosts) == 0 || a.CertificateIssuer == "":
		return errors.New("the gateway's hosts and certificate issuer are required")
	case a.JWT.Issuer != "" && !strings.HasPrefix(a.JWT.JwksURI, "https://"):
		return fmt.Errorf("jwt: issuer %q needs an https JWKS URI (got %q)", a.JWT.Issuer, a.JWT.JwksURI)
	case a.JWT.Issuer == "" && (a.JWT.JwksURI != "" || len(a.JWT.Audiences) > 0 || len(a.JWT.ProtectedPaths) > 0):
		return errors.New("jwt: the JWKS URI, audiences and protected paths need an issuer")
	case a.Telemetry.TracingHost == "" || a.Telemetry.TracingPort <= 0:
		return errors.New("telemetry: the tracing collector's host and port are required")
	case a.Telemetry.SamplingPercent <= 0 || a.Telemetry.SamplingPercent > 100:
		return fmt.Errorf("telemetry: samplingPercent %v: want 0 < p <= 100", a.Telemetry.SamplingPercent)
	case a.Telemetry.PrometheusURL == "" || a.Telemetry.TracingQueryURL == "":
		return errors.New("telemetry: Prometheus and Jaeger query URLs are required (Kiali)")
	}
	for _, h := range a.Hosts {
		if h == "*" {
			return errors.New(`hosts: "*" would serve any Host header; name the hosts`)
		}
	}
	for _, h := range a.EgressHosts {
		if h == "" || h == "*" {
			return fmt.Errorf("egressHosts: %q would let workloads reach any host", h)
		}
	}
	for _, r := range a.Routes {
		if err := r.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (a *MeshArgs) platformNamespace() string {
	if a.PlatformNamespace == "" {
		return DefaultPlatformNamespace
	}
	return a.PlatformNamespace
}

// builder carries the state shared by the steps that build a Mesh.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *MeshArgs
	m      *Mesh
	parent pulumi.ResourceOption

	base, istiod, cni, gw pulumi.Resource
	injection             pulumi.Resource
}

func (b *builder) child(suffix string) string { return b.name + "-" + suffix }

// after returns the component's options plus dependencies.
func (b *builder) after(deps ...pulumi.Resource) []pulumi.ResourceOption {
	return []pulumi.ResourceOption{b.parent, pulumi.DependsOn(deps)}
}
