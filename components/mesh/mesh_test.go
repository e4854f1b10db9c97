package mesh_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/components/mesh"
	"github.com/solsec/platform/internal/offline"
)

const (
	tRelease     = "kubernetes:helm.sh/v3:Release"
	tPeerAuth    = "kubernetes:security.istio.io/v1:PeerAuthentication"
	tAuthz       = "kubernetes:security.istio.io/v1:AuthorizationPolicy"
	tReqAuth     = "kubernetes:security.istio.io/v1:RequestAuthentication"
	tTelemetry   = "kubernetes:telemetry.istio.io/v1:Telemetry"
	tVirtualSvc  = "kubernetes:networking.istio.io/v1:VirtualService"
	tDestRule    = "kubernetes:networking.istio.io/v1:DestinationRule"
	tGateway     = "kubernetes:networking.istio.io/v1:Gateway"
	tNsPatch     = "kubernetes:core/v1:NamespacePatch"
	tCertificate = "kubernetes:cert-manager.io/v1:Certificate"
)

func meshArgs(env string) *mesh.MeshArgs {
	return &mesh.MeshArgs{
		Environment:         env,
		Region:              "us-east-1",
		MonitoringNamespace: "monitoring-" + env,
		Hosts:               []string{"app." + env + ".solsec.example", "api." + env + ".solsec.example"},
		CertificateIssuer:   "letsencrypt",
		JWT: mesh.JWTArgs{
			Issuer:         "https://auth." + env + ".solsec.example/",
			JwksURI:        "https://auth." + env + ".solsec.example/.well-known/jwks.json",
			Audiences:      []string{"solsec-api"},
			ProtectedPaths: []string{"/api/*"},
		},
		Telemetry: mesh.TelemetryArgs{
			TracingHost:     "jaeger-collector.monitoring-" + env + ".svc.cluster.local",
			TracingPort:     4317,
			SamplingPercent: 10,
			PrometheusURL:   "http://prometheus.monitoring-" + env + ".svc:9090",
			TracingQueryURL: "http://jaeger-query.monitoring-" + env + ".svc:16685",
		},
		Routes: []mesh.Route{
			{PathPrefix: "/api/", Service: "api-service", Port: 8080},
			{PathPrefix: "/", Service: "ui-core", Port: 8080, Timeout: "30s"},
		},
		EgressHosts: []string{"auth." + env + ".solsec.example"},
	}
}

// run builds the Mesh alone with explicit AWS and Kubernetes providers,
// plus whatever extra the test program adds.
func run(t *testing.T, args *mesh.MeshArgs, extra func(ctx *pulumi.Context, k8s *kubernetes.Provider) error) (*offline.Result, error) {
	t.Helper()
	return offline.Run("staging", map[string]string{"aws:region": "us-east-1"}, func(ctx *pulumi.Context) error {
		a, err := aws.NewProvider(ctx, "aws-us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		k, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("offline")})
		if err != nil {
			return err
		}
		if args != nil || extra == nil {
			if _, err := mesh.NewMesh(ctx, "mesh", args, pulumi.Providers(a, k)); err != nil {
				return err
			}
		}
		if extra != nil {
			return extra(ctx, k)
		}
		return nil
	})
}

func spec(r offline.Resource) map[string]any {
	s := r.Object("spec")
	if s == nil {
		return map[string]any{}
	}
	return s
}

func meta(r offline.Resource) (namespace, name string) {
	md := r.Object("metadata")
	ns, _ := md["namespace"].(string)
	n, _ := md["name"].(string)
	return ns, n
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func TestMesh(t *testing.T) {
	args := meshArgs("staging")
	res, err := run(t, args, nil)
	require.NoError(t, err)
	comp, ok := res.Get("solsec:mesh:Mesh", "mesh")
	require.True(t, ok)
	under := res.Descendants(comp.URN)
	byType := func(typ string) []offline.Resource {
		var out []offline.Resource
		for _, r := range under {
			if r.Type == typ {
				out = append(out, r)
			}
		}
		return out
	}
	k8sProvider := ""
	for _, r := range res.OfType("pulumi:providers:kubernetes") {
		k8sProvider = r.URN
	}

	t.Run("mutual TLS is STRICT mesh-wide", func(t *testing.T) {
		pas := byType(tPeerAuth)
		require.Len(t, pas, 1)
		ns, _ := meta(pas[0])
		assert.Equal(t, mesh.SystemNamespace, ns, "root namespace: applies to the whole mesh")
		assert.Nil(t, spec(pas[0])["selector"], "no selector")
		assert.Equal(t, "STRICT", get(spec(pas[0]), "mtls", "mode"))
	})

	t.Run("the platform namespace gets the injection label", func(t *testing.T) {
		patches := byType(tNsPatch)
		require.Len(t, patches, 1)
		md := patches[0].Object("metadata")
		assert.Equal(t, mesh.DefaultPlatformNamespace, md["name"])
		assert.Equal(t, "enabled", get(md, "labels", mesh.InjectionLabel))
	})

	t.Run("the platform namespace denies every request by default", func(t *testing.T) {
		found := false
		for _, p := range byType(tAuthz) {
			ns, name := meta(p)
			if ns == mesh.DefaultPlatformNamespace && name == "default-deny" {
				found = true
				assert.Empty(t, spec(p), "an ALLOW policy with no rules and no selector matches nothing")
			}
		}
		assert.True(t, found)
	})

	t.Run("every Helm release is pinned, installed atomically and runs one Istio version", func(t *testing.T) {
		releases := map[string]offline.Resource{}
		for _, r := range byType(tRelease) {
			releases[r.Str("name")] = r
		}
		require.Len(t, releases, len(mesh.Charts))
		for key, chart := range mesh.Charts {
			r, ok := releases[key]
			require.True(t, ok, key)
			assert.NotEmpty(t, r.Str("version"), key)
			assert.Equal(t, chart.Version, r.Str("version"), key)
			assert.Equal(t, chart.Name, r.Str("chart"), key)
			assert.Equal(t, mesh.SystemNamespace, r.Str("namespace"), key)
			assert.True(t, r.Bool("atomic"), key)
			assert.False(t, r.Bool("createNamespace"), key)
		}
		for _, key := range []string{"istio-base", "istio-cni", "istiod", "istio-ingressgateway"} {
			assert.Equal(t, mesh.Charts["istiod"].Version, releases[key].Str("version"), key)
		}
	})

	t.Run("istiod and the gateway are highly available; the gateway is a ClusterIP service", func(t *testing.T) {
		releases := map[string]map[string]any{}
		for _, r := range byType(tRelease) {
			releases[r.Str("name")] = r.Object("values")
		}
		istiod := releases["istiod"]
		assert.GreaterOrEqual(t, get(istiod, "pilot", "replicaCount"), float64(2))
		assert.Equal(t, true, get(istiod, "pilot", "autoscaleEnabled"), "HPA")
		assert.GreaterOrEqual(t, get(istiod, "pilot", "autoscaleMin"), float64(2))
		assert.Equal(t, true, get(istiod, "global", "defaultPodDisruptionBudget", "enabled"), "PDB")
		assert.Equal(t, true, get(istiod, "pilot", "cni", "enabled"), "no privileged istio-init")

		gw := releases[mesh.GatewayService]
		assert.Equal(t, "ClusterIP", get(gw, "service", "type"))
		assert.Equal(t, true, get(gw, "autoscaling", "enabled"))
		assert.GreaterOrEqual(t, get(gw, "autoscaling", "minReplicas"), float64(2))
		assert.NotNil(t, get(gw, "podDisruptionBudget", "minAvailable"))
		assert.GreaterOrEqual(t, get(releases["kiali-server"], "deployment", "replicas"), float64(2))
	})

	t.Run("no release carries a plain-text credential", func(t *testing.T) {
		for _, r := range byType(tRelease) {
			for _, leak := range credentialLeaks(r.Object("values"), "") {
				t.Errorf("%s: %s", r.Name, leak)
			}
		}
	})

	t.Run("the gateway serves only TLS for the named hosts and checks JWTs", func(t *testing.T) {
		gws := byType(tGateway)
		require.Len(t, gws, 1)
		servers := spec(gws[0])["servers"].([]any)
		require.Len(t, servers, 1)
		s := servers[0].(map[string]any)
		assert.Equal(t, "HTTPS", get(s, "port", "protocol"))
		assert.Equal(t, "SIMPLE", get(s, "tls", "mode"))
		assert.Equal(t, []any{"*"}, s["hosts"], "the ALB sends no SNI, so the TLS server cannot match on host names")
		certs := byType(tCertificate)
		require.Len(t, certs, 1)
		assert.ElementsMatch(t, toAny(args.Hosts), spec(certs[0])["dnsNames"], "the certificate names the hosts")

		ras := byType(tReqAuth)
		require.Len(t, ras, 1)
		assert.Equal(t, "ingressgateway", get(spec(ras[0]), "selector", "matchLabels", "istio"))
		rules := spec(ras[0])["jwtRules"].([]any)
		require.Len(t, rules, 1)
		assert.Equal(t, args.JWT.Issuer, get(rules[0].(map[string]any), "issuer"))
		assert.Equal(t, args.JWT.JwksURI, get(rules[0].(map[string]any), "jwksUri"))

		var deny map[string]any
		for _, p := range byType(tAuthz) {
			if _, name := meta(p); name == "require-jwt" {
				deny = spec(p)
			}
		}
		require.NotNil(t, deny, "a token is required on protected paths")
		assert.Equal(t, "DENY", deny["action"])
		assert.Contains(t, strings.Join(anyStrings(get(deny["rules"].([]any)[0].(map[string]any), "to").([]any)[0].(map[string]any)["operation"].(map[string]any)["paths"]), ","), "/api/*")
	})

	t.Run("without an issuer the gateway checks no token and leaves authentication to the services", func(t *testing.T) {
		noJWT := meshArgs("staging")
		noJWT.JWT = mesh.JWTArgs{}
		res, err := run(t, noJWT, nil)
		require.NoError(t, err)
		assert.Empty(t, res.OfType(tReqAuth))
		for _, p := range res.OfType(tAuthz) {
			_, name := meta(p)
			assert.NotEqual(t, "require-jwt", name)
		}
		assert.NotEmpty(t, res.OfType(tGateway), "the gateway itself is still built")
	})

	t.Run("egress is limited to registered hosts: the region's AWS APIs and the configured ones", func(t *testing.T) {
		values := map[string]map[string]any{}
		for _, r := range byType(tRelease) {
			values[r.Str("name")] = r.Object("values")
		}
		assert.Equal(t, "REGISTRY_ONLY", get(values["istiod"], "meshConfig", "outboundTrafficPolicy", "mode"))
		ses := byType("kubernetes:networking.istio.io/v1:ServiceEntry")
		require.Len(t, ses, 1)
		hosts := anyStrings(spec(ses[0])["hosts"])
		assert.Contains(t, hosts, "*.us-east-1.amazonaws.com")
		assert.Contains(t, hosts, "auth.staging.solsec.example")
		assert.NotContains(t, hosts, "*")
	})

	t.Run("the namespace's network policies let sidecars reach istiod and the collector, and Prometheus the sidecars", func(t *testing.T) {
		names := map[string]map[string]any{}
		for _, np := range byType("kubernetes:networking.k8s.io/v1:NetworkPolicy") {
			ns, name := meta(np)
			assert.Equal(t, mesh.DefaultPlatformNamespace, ns)
			names[name] = spec(np)
		}
		for _, want := range []string{"mesh-to-istiod", "mesh-to-tracing", "mesh-from-gateway", "mesh-from-prometheus"} {
			assert.Contains(t, names, want)
		}
		port := names["mesh-to-tracing"]["egress"].([]any)[0].(map[string]any)["ports"].([]any)[0].(map[string]any)["port"]
		assert.Equal(t, float64(args.Telemetry.TracingPort), port)
	})

	t.Run("routes from the gateway are path based with timeouts and retries", func(t *testing.T) {
		vss := byType(tVirtualSvc)
		require.Len(t, vss, 1)
		s := spec(vss[0])
		assert.Equal(t, []any{mesh.GatewayName}, s["gateways"])
		http := s["http"].([]any)
		require.Len(t, http, len(args.Routes))
		for i, h := range http {
			route := h.(map[string]any)
			assert.Equal(t, args.Routes[i].PathPrefix, get(route["match"].([]any)[0].(map[string]any), "uri", "prefix"))
			assert.NotEmpty(t, route["timeout"])
			assert.GreaterOrEqual(t, get(route, "retries", "attempts"), float64(1))
			assert.NotEmpty(t, get(route, "retries", "perTryTimeout"))
		}
		assert.Equal(t, "30s", http[1].(map[string]any)["timeout"])
	})

	t.Run("traces go to Jaeger and metrics to Prometheus; Kiali reads both", func(t *testing.T) {
		tels := byType(tTelemetry)
		require.Len(t, tels, 1)
		ns, _ := meta(tels[0])
		assert.Equal(t, mesh.SystemNamespace, ns)
		tracing := spec(tels[0])["tracing"].([]any)[0].(map[string]any)
		assert.Equal(t, mesh.TracingProvider, tracing["providers"].([]any)[0].(map[string]any)["name"])
		assert.Equal(t, args.Telemetry.SamplingPercent, tracing["randomSamplingPercentage"])

		values := map[string]map[string]any{}
		for _, r := range byType(tRelease) {
			values[r.Str("name")] = r.Object("values")
		}
		var jaeger map[string]any
		for _, p := range get(values["istiod"], "meshConfig", "extensionProviders").([]any) {
			if p.(map[string]any)["name"] == mesh.TracingProvider {
				jaeger = p.(map[string]any)
			}
		}
		require.NotNil(t, jaeger)
		assert.Equal(t, args.Telemetry.TracingHost, get(jaeger, "opentelemetry", "service"))
		kiali := values["kiali-server"]
		assert.Equal(t, args.Telemetry.PrometheusURL, get(kiali, "external_services", "prometheus", "url"))
		assert.Equal(t, args.Telemetry.TracingQueryURL, get(kiali, "external_services", "tracing", "internal_url"))
		assert.Equal(t, true, get(kiali, "deployment", "view_only_mode"))
	})

	t.Run("every resource is under the component and uses the cluster's provider", func(t *testing.T) {
		require.NotEmpty(t, under)
		for _, r := range under {
			if r.Custom {
				assert.Equal(t, k8sProvider, r.Provider, r.Name)
			}
			assert.True(t, strings.HasPrefix(r.Name, "mesh-"), "%s is named after the component", r.Name)
		}
		assert.Equal(t, 1, res.OutputRegistrations-1, "the component registers its outputs")
	})
}

func TestReusablePieces(t *testing.T) {
	res, err := run(t, nil, func(ctx *pulumi.Context, k *kubernetes.Provider) error {
		opt := pulumi.Provider(k)
		if _, err := mesh.AllowCallers(ctx, "findings-callers", mesh.AllowArgs{
			App:     "findings",
			Callers: []mesh.Principal{mesh.GatewayPrincipal, {Namespace: "security-platform", ServiceAccount: "api-service"}},
			Methods: []string{"GET"},
		}, opt); err != nil {
			return err
		}
		if _, err := mesh.NewDestinationRule(ctx, "findings-dr", mesh.DestinationRuleArgs{
			Name: "findings", Namespace: "security-platform", Host: "findings", MaxConnections: 50,
		}, opt); err != nil {
			return err
		}
		return nil
	})
	require.NoError(t, err)

	t.Run("AllowCallers admits exactly the named service accounts to one app", func(t *testing.T) {
		ps := res.OfType(tAuthz)
		require.Len(t, ps, 1)
		s := spec(ps[0])
		assert.Equal(t, "ALLOW", s["action"])
		assert.Equal(t, "findings", get(s, "selector", "matchLabels", "app"))
		rules := s["rules"].([]any)
		require.Len(t, rules, 1)
		from := rules[0].(map[string]any)["from"].([]any)[0].(map[string]any)
		assert.ElementsMatch(t, []any{
			"cluster.local/ns/istio-system/sa/istio-ingressgateway",
			"cluster.local/ns/security-platform/sa/api-service",
		}, get(from, "source", "principals"))
		to := rules[0].(map[string]any)["to"].([]any)[0].(map[string]any)
		assert.Equal(t, []any{"GET"}, get(to, "operation", "methods"))
	})

	t.Run("DestinationRule limits connections and ejects failing endpoints", func(t *testing.T) {
		drs := res.OfType(tDestRule)
		require.Len(t, drs, 1)
		tp := spec(drs[0])["trafficPolicy"].(map[string]any)
		assert.Equal(t, float64(50), get(tp, "connectionPool", "tcp", "maxConnections"))
		assert.NotNil(t, get(tp, "connectionPool", "http", "http1MaxPendingRequests"))
		assert.Equal(t, float64(5), get(tp, "outlierDetection", "consecutive5xxErrors"))
		assert.NotEmpty(t, get(tp, "outlierDetection", "baseEjectionTime"))
		assert.Equal(t, "ISTIO_MUTUAL", get(tp, "tls", "mode"))
	})

	t.Run("AllowCallers refuses policies that would open the namespace", func(t *testing.T) {
		for name, a := range map[string]mesh.AllowArgs{
			"no callers": {App: "findings"},
			"no app":     {Callers: []mesh.Principal{mesh.GatewayPrincipal}},
			"half named": {App: "findings", Callers: []mesh.Principal{{Namespace: "security-platform"}}},
		} {
			_, err := run(t, nil, func(ctx *pulumi.Context, k *kubernetes.Provider) error {
				_, err := mesh.AllowCallers(ctx, "bad", a, pulumi.Provider(k))
				return err
			})
			assert.Error(t, err, name)
		}
	})
}

func TestMeshArgsAreValidated(t *testing.T) {
	for name, mutate := range map[string]func(a *mesh.MeshArgs){
		"wildcard host":               func(a *mesh.MeshArgs) { a.Hosts = []string{"*"} },
		"plain-HTTP JWKS":             func(a *mesh.MeshArgs) { a.JWT.JwksURI = "http://auth/jwks" },
		"JWT rules without an issuer": func(a *mesh.MeshArgs) { a.JWT.Issuer = "" },
		"no sampling":                 func(a *mesh.MeshArgs) { a.Telemetry.SamplingPercent = 0 },
		"route without prefix":        func(a *mesh.MeshArgs) { a.Routes = []mesh.Route{{PathPrefix: "api", Service: "x", Port: 1}} },
		"no monitoring ns":            func(a *mesh.MeshArgs) { a.MonitoringNamespace = "" },
		"egress to anywhere":          func(a *mesh.MeshArgs) { a.EgressHosts = []string{"*"} },
	} {
		t.Run(name+" is rejected", func(t *testing.T) {
			a := meshArgs("staging")
			mutate(a)
			_, err := run(t, a, nil)
			assert.Error(t, err)
		})
	}
}

// credentialLeaks lists values under keys that name a credential and hold
// a literal string: credentials must come from Secrets (existingSecret,
// secretKeyRef), never from chart values.
func credentialLeaks(v any, path string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := path + "." + k
			lk := strings.ToLower(k)
			if s, ok := e.(string); ok && s != "" && (strings.Contains(lk, "password") || lk == "token" || strings.HasSuffix(lk, "secretkey") || lk == "apikey") {
				out = append(out, p+" is a literal")
			}
			out = append(out, credentialLeaks(e, p)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, credentialLeaks(e, path+"[]")...)
		}
	}
	return out
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func anyStrings(v any) []string {
	var out []string
	if a, ok := v.([]any); ok {
		for _, e := range a {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
