package mesh

import (
	"fmt"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Chart is a pinned Helm chart.
type Chart struct {
	Name, Repo, Version string
}

const istioRepo = "https://istio-release.storage.googleapis.com/charts"

// istioVersion pins every Istio chart together: base, istiod, the CNI agent
// and the gateway must run the same release (Istio supports skew only
// during a canary upgrade).
const istioVersion = "1.26.2"

// Charts are the mesh's Helm releases, pinned. Upgrade Istio one minor
// version at a time, after reading its upgrade notes.
var Charts = map[string]Chart{
	"istio-base":           {"base", istioRepo, istioVersion},
	"istio-cni":            {"cni", istioRepo, istioVersion},
	"istiod":               {"istiod", istioRepo, istioVersion},
	"istio-ingressgateway": {"gateway", istioRepo, istioVersion},
	"kiali-server":         {"kiali-server", "https://kiali.org/helm-charts", "2.11.0"},
}

// release installs one pinned chart into a namespace that Cluster created.
func (b *builder) release(key string, values pulumi.Map, deps ...pulumi.Resource) (*helmv3.Release, error) {
	chart, ok := Charts[key]
	if !ok {
		return nil, fmt.Errorf("no pinned chart %q", key)
	}
	r, err := helmv3.NewRelease(b.ctx, b.child(key), &helmv3.ReleaseArgs{
		Name:            pulumi.String(key),
		Chart:           pulumi.String(chart.Name),
		Version:         pulumi.String(chart.Version),
		RepositoryOpts:  helmv3.RepositoryOptsArgs{Repo: pulumi.String(chart.Repo)},
		Namespace:       pulumi.String(SystemNamespace),
		CreateNamespace: pulumi.Bool(false),
		Atomic:          pulumi.Bool(true),
		CleanupOnFail:   pulumi.Bool(true),
		Timeout:         pulumi.Int(900),
		Values:          values,
	}, b.after(deps...)...)
	if err != nil {
		return nil, fmt.Errorf("helm release %s: %w", key, err)
	}
	return r, nil
}

// spread keeps replicas of one app in different zones where it can.
func spread(app string) pulumi.Array {
	return pulumi.Array{pulumi.Map{
		"maxSkew":           pulumi.Int(1),
		"topologyKey":       pulumi.String("topology.kubernetes.io/zone"),
		"whenUnsatisfiable": pulumi.String("ScheduleAnyway"),
		"labelSelector":     pulumi.Map{"matchLabels": pulumi.StringMap{"app": pulumi.String(app)}},
	}}
}

// istio installs the CRDs (base), the CNI node agent, and istiod with the
// mesh configuration. The CNI agent sets up each pod's traffic redirection
// from the node, so injected pods need no istio-init container with
// NET_ADMIN and stay within Pod Security "restricted".
func (b *builder) istio() error {
	base, err := b.release("istio-base", pulumi.Map{
		// istiod validates Istio resources itself; the base chart's
		// default revision webhook would duplicate it.
		"defaultRevision": pulumi.String("default"),
	})
	if err != nil {
		return err
	}
	cni, err := b.release("istio-cni", pulumi.Map{
		// The chart's defaults fit EKS: it chains after the VPC CNI and
		// uses its paths (/opt/cni/bin, /etc/cni/net.d).
		"global": pulumi.Map{"logAsJson": pulumi.Bool(true)},
	}, base)
	if err != nil {
		return err
	}
	istiod, err := b.release("istiod", pulumi.Map{
		"pilot": pulumi.Map{
			// Two replicas at least, scaled on CPU up to five; the chart
			// adds a PodDisruptionBudget (global below).
			"replicaCount":     pulumi.Int(2),
			"autoscaleEnabled": pulumi.Bool(true),
			"autoscaleMin":     pulumi.Int(2),
			"autoscaleMax":     pulumi.Int(5),
			"cpu":              pulumi.Map{"targetAverageUtilization": pulumi.Int(70)},
			"resources": pulumi.Map{"requests": pulumi.Map{
				"cpu": pulumi.String("500m"), "memory": pulumi.String("1Gi"),
			}},
			"topologySpreadConstraints": spread("istiod"),
			// Injection leaves out istio-init: the CNI agent redirects.
			"cni": pulumi.Map{"enabled": pulumi.Bool(true)},
		},
		"global": pulumi.Map{
			"defaultPodDisruptionBudget": pulumi.Map{"enabled": pulumi.Bool(true)},
			"logAsJson":                  pulumi.Bool(true),
			"proxy": pulumi.Map{
				// Sidecars run as non-root with no added capabilities.
				"privileged": pulumi.Bool(false),
			},
		},
		"meshConfig": b.meshConfig(),
	}, base, cni)
	if err != nil {
		return err
	}
	b.base, b.cni, b.istiod = base, cni, istiod
	b.m.Ready = []pulumi.Resource{base, istiod}
	return nil
}

// meshConfig is istiod's mesh-wide configuration: the telemetry providers
// the Telemetry resource selects, access logs as JSON, and egress only to
// services the mesh knows.
func (b *builder) meshConfig() pulumi.Map {
	t := b.args.Telemetry
	return pulumi.Map{
		"accessLogFile":     pulumi.String("/dev/stdout"),
		"accessLogEncoding": pulumi.String("JSON"),
		"enableTracing":     pulumi.Bool(true),
		// Pods that call out of the mesh need a ServiceEntry: an
		// exfiltrating process cannot reach an arbitrary host.
		"outboundTrafficPolicy": pulumi.Map{"mode": pulumi.String("REGISTRY_ONLY")},
		"defaultConfig": pulumi.Map{
			// Applications start only once their sidecar is ready, so
			// their first calls are not refused.
			"holdApplicationUntilProxyStarts": pulumi.Bool(true),
		},
		"extensionProviders": pulumi.Array{
			pulumi.Map{"name": pulumi.String(TracingProvider), "opentelemetry": pulumi.Map{
				"service": pulumi.String(t.TracingHost), "port": pulumi.Int(t.TracingPort),
			}},
			pulumi.Map{"name": pulumi.String(MetricsProvider), "prometheus": pulumi.Map{}},
		},
		"defaultProviders": pulumi.Map{
			"tracing": pulumi.StringArray{pulumi.String(TracingProvider)},
			"metrics": pulumi.StringArray{pulumi.String(MetricsProvider)},
		},
	}
}

// kiali installs Kiali in view-only mode (mesh changes come from code),
// reading metrics from Prometheus and traces from Jaeger.
func (b *builder) kiali() error {
	t := b.args.Telemetry
	grafana := pulumi.Map{"enabled": pulumi.Bool(false)}
	if t.GrafanaURL != "" {
		grafana = pulumi.Map{"enabled": pulumi.Bool(true), "internal_url": pulumi.String(t.GrafanaURL)}
	}
	_, err := b.release("kiali-server", pulumi.Map{
		"istio_namespace": pulumi.String(SystemNamespace),
		// Users log in with a Kubernetes token: Kiali shows what their
		// own RBAC lets them see.
		"auth": pulumi.Map{"strategy": pulumi.String("token")},
		"deployment": pulumi.Map{
			"replicas":       pulumi.Int(2),
			"view_only_mode": pulumi.Bool(true),
		},
		"external_services": pulumi.Map{
			"prometheus": pulumi.Map{"url": pulumi.String(t.PrometheusURL)},
			"tracing": pulumi.Map{
				"enabled":      pulumi.Bool(true),
				"provider":     pulumi.String("jaeger"),
				"internal_url": pulumi.String(t.TracingQueryURL),
				"use_grpc":     pulumi.Bool(true),
			},
			"grafana": grafana,
		},
	}, b.istiod)
	return err
}
