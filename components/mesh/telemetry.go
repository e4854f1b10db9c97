package mesh

import (
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func metaIn(namespace, name string) metav1.ObjectMetaArgs {
	return metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(namespace)}
}

// telemetry selects the mesh's providers for every workload: traces to
// Jaeger at the configured sampling rate, and Istio's standard metrics for
// Prometheus. It lives in the root namespace, so it is mesh-wide; a
// namespace or workload may override it with its own Telemetry.
func (b *builder) telemetry() error {
	_, err := customResource(b.ctx, b.child("telemetry"), telemetryAPI, "Telemetry", SystemNamespace, "mesh-default", pulumi.Map{
		"tracing": pulumi.Array{pulumi.Map{
			"providers":                pulumi.Array{pulumi.Map{"name": pulumi.String(TracingProvider)}},
			"randomSamplingPercentage": pulumi.Float64(b.args.Telemetry.SamplingPercent),
		}},
		"metrics": pulumi.Array{pulumi.Map{
			"providers": pulumi.Array{pulumi.Map{"name": pulumi.String(MetricsProvider)}},
		}},
		"accessLogging": pulumi.Array{pulumi.Map{
			"providers": pulumi.Array{pulumi.Map{"name": pulumi.String("envoy")}},
		}},
	}, b.after(b.base, b.istiod)...)
	return err
}
