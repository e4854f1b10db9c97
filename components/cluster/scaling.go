package cluster

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AutoscalingArgs describes how one workload (a Deployment) scales.
type AutoscalingArgs struct {
	Namespace  string
	Deployment string
	// MinReplicas of 2 or more keeps a workload available through a node
	// drain.
	MinReplicas, MaxReplicas int
	// CPUPercent and MemoryPercent are average utilisation targets of the
	// requests; zero leaves that metric out.
	CPUPercent, MemoryPercent int
	// QueueDepthMetric, when set, also scales on an external metric (for
	// workers: jobs waiting per replica), served by a metrics adapter.
	QueueDepthMetric      string
	QueueDepthPerReplica  int
	QueueDepthSelectorKey string
	QueueDepthSelector    string
}

// Autoscaling is a workload's HPA and its recommendation-only VPA.
type Autoscaling struct {
	HPA *autoscalingv2.HorizontalPodAutoscaler
	VPA *apiextensions.CustomResource
}

// NewWorkloadAutoscaling gives a Deployment a HorizontalPodAutoscaler
// (CPU, memory and optionally queue depth, scaling down slowly) and a
// VerticalPodAutoscaler in recommendation mode ("Off": it advises requests,
// never evicts). Later workload components call it with the cluster's
// Kubernetes provider in opts.
func NewWorkloadAutoscaling(ctx *pulumi.Context, name string, args AutoscalingArgs, opts ...pulumi.ResourceOption) (*Autoscaling, error) {
	switch {
	case args.Namespace == "" || args.Deployment == "":
		return nil, fmt.Errorf("autoscaling %s: namespace and deployment are required", name)
	case args.MinReplicas < 2 || args.MaxReplicas < args.MinReplicas:
		return nil, fmt.Errorf("autoscaling %s: replicas %d-%d; want at least 2 and max >= min", name, args.MinReplicas, args.MaxReplicas)
	case args.CPUPercent == 0 && args.MemoryPercent == 0 && args.QueueDepthMetric == "":
		return nil, fmt.Errorf("autoscaling %s: no metric to scale on", name)
	}
	target := autoscalingv2.CrossVersionObjectReferenceArgs{
		ApiVersion: pulumi.String("apps/v1"), Kind: pulumi.String("Deployment"), Name: pulumi.String(args.Deployment),
	}
	var metrics autoscalingv2.MetricSpecArray
	resource := func(kind string, percent int) {
		if percent > 0 {
			metrics = append(metrics, autoscalingv2.MetricSpecArgs{
				Type: pulumi.String("Resource"),
				Resource: autoscalingv2.ResourceMetricSourceArgs{
					Name:   pulumi.String(kind),
					Target: autoscalingv2.MetricTargetArgs{Type: pulumi.String("Utilization"), AverageUtilization: pulumi.Int(percent)},
				},
			})
		}
	}
	resource("cpu", args.CPUPercent)
	resource("memory", args.MemoryPercent)
	if args.QueueDepthMetric != "" {
		selector := metav1.LabelSelectorArgs{}
		if args.QueueDepthSelectorKey != "" {
			selector.MatchLabels = pulumi.StringMap{args.QueueDepthSelectorKey: pulumi.String(args.QueueDepthSelector)}
		}
		metrics = append(metrics, autoscalingv2.MetricSpecArgs{
			Type: pulumi.String("External"),
			External: autoscalingv2.ExternalMetricSourceArgs{
				Metric: autoscalingv2.MetricIdentifierArgs{Name: pulumi.String(args.QueueDepthMetric), Selector: selector},
				Target: autoscalingv2.MetricTargetArgs{Type: pulumi.String("AverageValue"), AverageValue: pulumi.Sprintf("%d", args.QueueDepthPerReplica)},
			},
		})
	}
	meta := metav1.ObjectMetaArgs{Name: pulumi.String(args.Deployment), Namespace: pulumi.String(args.Namespace)}
	hpa, err := autoscalingv2.NewHorizontalPodAutoscaler(ctx, name+"-hpa", &autoscalingv2.HorizontalPodAutoscalerArgs{
		Metadata: meta,
		Spec: autoscalingv2.HorizontalPodAutoscalerSpecArgs{
			ScaleTargetRef: target,
			MinReplicas:    pulumi.Int(args.MinReplicas),
			MaxReplicas:    pulumi.Int(args.MaxReplicas),
			Metrics:        metrics,
			// Scale up at once, down only after five quiet minutes, so a
			// burst of uploads does not make replicas flap.
			Behavior: autoscalingv2.HorizontalPodAutoscalerBehaviorArgs{
				ScaleDown: autoscalingv2.HPAScalingRulesArgs{StabilizationWindowSeconds: pulumi.Int(300)},
			},
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("autoscaling %s: HPA: %w", name, err)
	}
	vpa, err := apiextensions.NewCustomResource(ctx, name+"-vpa", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("autoscaling.k8s.io/v1"),
		Kind:       pulumi.String("VerticalPodAutoscaler"),
		Metadata:   meta,
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"targetRef":    pulumi.Map{"apiVersion": pulumi.String("apps/v1"), "kind": pulumi.String("Deployment"), "name": pulumi.String(args.Deployment)},
			"updatePolicy": pulumi.Map{"updateMode": pulumi.String("Off")},
		}},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("autoscaling %s: VPA: %w", name, err)
	}
	return &Autoscaling{HPA: hpa, VPA: vpa}, nil
}
