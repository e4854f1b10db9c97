package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/components/cluster"
	"github.com/solsec/platform/internal/iampolicy"
)

const alertmanagerServiceAccount = "alertmanager"

// volume is a volumeClaimTemplate on the encrypted gp3 class.
func (b *builder) volume(gb int) pulumi.Map {
	return pulumi.Map{"spec": pulumi.Map{
		"storageClassName": pulumi.String(b.args.InCluster.StorageClass),
		"accessModes":      pulumi.StringArray{pulumi.String("ReadWriteOnce")},
		"resources":        pulumi.Map{"requests": pulumi.Map{"storage": pulumi.Sprintf("%dGi", gb)}},
	}}
}

// prometheusStack installs kube-prometheus-stack: two Prometheus replicas
// on gp3 volumes with the configured retention, three Alertmanagers (they
// gossip, so each alert is sent once) publishing to the alert topic through
// IRSA, node exporter, kube-state-metrics, and Grafana on a gp3 volume
// with its admin credentials from Secrets Manager and a Jaeger datasource.
func (b *builder) prometheusStack() error {
	in := b.args.InCluster
	_, adminSecret, err := b.generatedCredential("grafana-admin", "admin", grafanaAdminSecret, "admin-user", "admin-password")
	if err != nil {
		return err
	}
	topicPolicy := pulumi.All(b.topicArn, b.alertsKeyArn).ApplyT(func(v []any) string {
		return iampolicy.New(
			iampolicy.Allow("PublishAlerts", []string{"sns:Publish"}, v[0].(string)),
			iampolicy.Allow("EncryptAlerts", []string{"kms:GenerateDataKey*", "kms:Decrypt"}, v[1].(string)),
		).JSON()
	}).(pulumi.StringOutput)
	amRole, err := cluster.NewServiceAccountRole(b.ctx, b.child("alertmanager"), cluster.ServiceAccountRoleArgs{
		OidcProviderArn: in.OidcProviderArn, Issuer: issuerHost(in.Issuer),
		Namespace: in.Namespace, ServiceAccount: alertmanagerServiceAccount, Policy: topicPolicy,
	}, b.parent)
	if err != nil {
		return err
	}

	retentionGB := in.PrometheusStorageGB * 9 / 10
	prometheusSpec := pulumi.Map{
		"replicas":      pulumi.Int(2),
		"retention":     pulumi.Sprintf("%dd", in.PrometheusRetentionDays),
		"retentionSize": pulumi.Sprintf("%dGB", retentionGB),
		"storageSpec":   pulumi.Map{"volumeClaimTemplate": b.volume(in.PrometheusStorageGB)},
		"externalLabels": pulumi.StringMap{
			"environment": pulumi.String(b.args.Environment), "region": pulumi.String(b.args.Region),
			"cluster": pulumi.String(b.args.ClusterName),
		},
		// Select every rule and monitor in the cluster, not only the
		// chart's own.
		"ruleSelectorNilUsesHelmValues":           pulumi.Bool(false),
		"serviceMonitorSelectorNilUsesHelmValues": pulumi.Bool(false),
		"podMonitorSelectorNilUsesHelmValues":     pulumi.Bool(false),
		"podAntiAffinity":                         pulumi.String("hard"),
		"podAntiAffinityTopologyKey":              pulumi.String("topology.kubernetes.io/zone"),
	}
	if len(in.FederationTargets) > 0 {
		prometheusSpec["additionalScrapeConfigs"] = b.federationJobs()
	}
	kps, err := b.release("kube-prometheus-stack", pulumi.Map{
		"fullnameOverride": pulumi.String(prometheusFullname),
		"crds":             pulumi.Map{"enabled": pulumi.Bool(true)},
		"prometheus": pulumi.Map{
			"prometheusSpec":      prometheusSpec,
			"podDisruptionBudget": pulumi.Map{"enabled": pulumi.Bool(true), "minAvailable": pulumi.Int(1)},
		},
		"alertmanager": pulumi.Map{
			"alertmanagerSpec": pulumi.Map{
				"replicas":        pulumi.Int(3),
				"storage":         pulumi.Map{"volumeClaimTemplate": b.volume(10)},
				"podAntiAffinity": pulumi.String("soft"),
			},
			"podDisruptionBudget": pulumi.Map{"enabled": pulumi.Bool(true), "minAvailable": pulumi.Int(2)},
			"serviceAccount": pulumi.Map{
				"create": pulumi.Bool(true), "name": pulumi.String(alertmanagerServiceAccount),
				"annotations": pulumi.Map{cluster.RoleAnnotation: amRole.Arn},
			},
			"config": b.alertmanagerConfig(),
		},
		"grafana":                  b.grafanaValues(),
		"kube-state-metrics":       pulumi.Map{"replicas": pulumi.Int(1)},
		"prometheus-node-exporter": pulumi.Map{"hostRootFsMount": pulumi.Map{"enabled": pulumi.Bool(true)}},
	}, adminSecret)
	if err != nil {
		return err
	}
	b.kps = kps
	return nil
}

// alertmanagerConfig sends every alert to the region's SNS topic, signed
// with the pod's IRSA credentials; the always-firing Watchdog goes nowhere.
func (b *builder) alertmanagerConfig() pulumi.Map {
	return pulumi.Map{
		"route": pulumi.Map{
			"receiver":        pulumi.String("sns"),
			"group_by":        pulumi.StringArray{pulumi.String("alertname"), pulumi.String("namespace")},
			"group_wait":      pulumi.String("30s"),
			"group_interval":  pulumi.String("5m"),
			"repeat_interval": pulumi.String("4h"),
			"routes": pulumi.Array{pulumi.Map{
				"receiver": pulumi.String("null"),
				"matchers": pulumi.StringArray{pulumi.String(`alertname = "Watchdog"`)},
			}},
		},
		"receivers": pulumi.Array{
			pulumi.Map{"name": pulumi.String("null")},
			pulumi.Map{"name": pulumi.String("sns"), "sns_configs": pulumi.Array{pulumi.Map{
				"topic_arn":     b.topicArn,
				"sigv4":         pulumi.Map{"region": pulumi.String(b.args.Region)},
				"subject":       pulumi.String(`[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}`),
				"send_resolved": pulumi.Bool(true),
			}}},
		},
	}
}

// grafanaValues: one replica on a gp3 volume (Grafana's SQLite database
// cannot be shared; several replicas would need an external database),
// admin credentials only from the Secret External Secrets maintains,
// Prometheus (from the chart) and Jaeger datasources, and dashboards
// loaded from ConfigMaps labelled grafana_dashboard.
func (b *builder) grafanaValues() pulumi.Map {
	in := b.args.InCluster
	return pulumi.Map{
		"fullnameOverride":   pulumi.String(grafanaFullname),
		"replicas":           pulumi.Int(1),
		"deploymentStrategy": pulumi.Map{"type": pulumi.String("Recreate")},
		"persistence": pulumi.Map{
			"enabled": pulumi.Bool(true), "type": pulumi.String("pvc"),
			"storageClassName": pulumi.String(in.StorageClass), "size": pulumi.Sprintf("%dGi", in.GrafanaStorageGB),
		},
		"admin": pulumi.Map{
			"existingSecret": pulumi.String(grafanaAdminSecret),
			"userKey":        pulumi.String("admin-user"),
			"passwordKey":    pulumi.String("admin-password"),
		},
		"grafana.ini": pulumi.Map{
			"security":       pulumi.Map{"cookie_secure": pulumi.Bool(true), "disable_gravatar": pulumi.Bool(true)},
			"users":          pulumi.Map{"allow_sign_up": pulumi.Bool(false)},
			"auth.anonymous": pulumi.Map{"enabled": pulumi.Bool(false)},
		},
		"sidecar": pulumi.Map{
			"dashboards": pulumi.Map{"enabled": pulumi.Bool(true), "label": pulumi.String(dashboardLabel), "searchNamespace": pulumi.String(in.Namespace)},
		},
		"additionalDataSources": pulumi.Array{pulumi.Map{
			"name": pulumi.String("Jaeger"), "type": pulumi.String("jaeger"), "uid": pulumi.String("jaeger"),
			"access": pulumi.String("proxy"),
			"url":    pulumi.Sprintf("http://%s-query.%s.svc.cluster.local", jaegerRelease, in.Namespace),
		}},
	}
}

// federationJobs scrape the other regions' Prometheus /federate endpoints
// for recording-rule series and up, keeping their labels (each carries its
// region as an external label).
func (b *builder) federationJobs() pulumi.Array {
	var targets pulumi.StringArray
	for _, t := range b.args.InCluster.FederationTargets {
		targets = append(targets, t)
	}
	return pulumi.Array{pulumi.Map{
		"job_name":        pulumi.String("federate"),
		"honor_labels":    pulumi.Bool(true),
		"metrics_path":    pulumi.String("/federate"),
		"scrape_interval": pulumi.String("60s"),
		"params": pulumi.Map{"match[]": pulumi.StringArray{
			pulumi.String(`{__name__=~"[a-z_]+:[a-z0-9_:]+"}`), pulumi.String(`{__name__="up"}`), pulumi.String(`{__name__="ALERTS"}`),
		}},
		"static_configs": pulumi.Array{pulumi.Map{"targets": targets}},
	}}
}

// federationEndpoint exposes a secondary region's Prometheus to the primary
// region's Prometheus only: an internal NLB whose security group admits
// FederationSourceCidrs (the primary VPC, over the peering).
func (b *builder) federationEndpoint() error {
	in := b.args.InCluster
	if len(in.FederationSourceCidrs) == 0 {
		return nil
	}
	svc, err := corev1.NewService(b.ctx, b.child("federation"), &corev1.ServiceArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name: pulumi.String("prometheus-federation"), Namespace: pulumi.String(in.Namespace),
			Annotations: pulumi.StringMap{
				"service.beta.kubernetes.io/aws-load-balancer-scheme":          pulumi.String("internal"),
				"service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": pulumi.String("ip"),
			},
		},
		Spec: corev1.ServiceSpecArgs{
			Type:                     pulumi.String("LoadBalancer"),
			LoadBalancerClass:        pulumi.String("service.k8s.aws/nlb"),
			LoadBalancerSourceRanges: pulumi.ToStringArray(in.FederationSourceCidrs),
			Selector: pulumi.StringMap{
				"app.kubernetes.io/name": pulumi.String("prometheus"),
				"prometheus":             pulumi.String(prometheusFullname + "-prometheus"),
			},
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String("http"), Port: pulumi.Int(9090), TargetPort: pulumi.Int(9090), Protocol: pulumi.String("TCP"),
			}},
		},
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.kps}))
	if err != nil {
		return fmt.Errorf("federation service: %w", err)
	}
	b.o.Endpoints.FederationEndpoint = svc.Status.ApplyT(func(s *corev1.ServiceStatus) string {
		if s == nil || s.LoadBalancer == nil || len(s.LoadBalancer.Ingress) == 0 || s.LoadBalancer.Ingress[0].Hostname == nil {
			return ""
		}
		return *s.LoadBalancer.Ingress[0].Hostname + ":9090"
	}).(pulumi.StringOutput)
	return nil
}

// monitors scrape the mesh: istiod's metrics and every sidecar's merged
// metrics (Envoy and the application's, port 15020).
func (b *builder) monitors() error {
	ns := b.args.InCluster.Namespace
	objects := []struct {
		suffix, kind string
		spec         pulumi.Map
	}{
		{"istiod-monitor", "ServiceMonitor", pulumi.Map{
			"namespaceSelector": pulumi.Map{"matchNames": pulumi.StringArray{pulumi.String("istio-system")}},
			"selector":          pulumi.Map{"matchLabels": pulumi.StringMap{"app": pulumi.String("istiod")}},
			"endpoints":         pulumi.Array{pulumi.Map{"port": pulumi.String("http-monitoring"), "interval": pulumi.String("30s")}},
		}},
		{"sidecar-monitor", "PodMonitor", pulumi.Map{
			"namespaceSelector": pulumi.Map{"any": pulumi.Bool(true)},
			"selector": pulumi.Map{"matchExpressions": pulumi.Array{pulumi.Map{
				"key": pulumi.String("security.istio.io/tlsMode"), "operator": pulumi.String("Exists"),
			}}},
			"podMetricsEndpoints": pulumi.Array{pulumi.Map{
				"path": pulumi.String("/stats/prometheus"), "interval": pulumi.String("30s"),
				"relabelings": pulumi.Array{pulumi.Map{
					"action":       pulumi.String("replace"),
					"sourceLabels": pulumi.StringArray{pulumi.String("__meta_kubernetes_pod_ip")},
					"targetLabel":  pulumi.String("__address__"),
					"replacement":  pulumi.String("$1:15020"),
				}},
			}},
		}},
	}
	for _, o := range objects {
		if _, err := apiextensions.NewCustomResource(b.ctx, b.child(o.suffix), &apiextensions.CustomResourceArgs{
			ApiVersion:  pulumi.String("monitoring.coreos.com/v1"),
			Kind:        pulumi.String(o.kind),
			Metadata:    metav1.ObjectMetaArgs{Name: pulumi.String(o.suffix), Namespace: pulumi.String(ns)},
			OtherFields: map[string]any{"spec": o.spec},
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.kps})); err != nil {
			return fmt.Errorf("%s: %w", o.kind, err)
		}
	}
	return nil
}
