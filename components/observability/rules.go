package observability

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The platform's own metrics, which workloads export and the rules and
// dashboards read: a counter of finished analyses (label status), a gauge
// of queued jobs (label queue) and a histogram of tool run times (label
// tool).
const (
	MetricAnalyses    = "solsec_analyses_total"
	MetricQueueDepth  = "solsec_queue_depth"
	MetricToolSeconds = "solsec_tool_run_seconds"
)

// platformNamespaces are where the platform's workloads run.
const platformNamespaces = `security-platform|security-tools`

// Rule is one Prometheus alerting or recording rule.
type Rule struct {
	Alert, Record string
	Expr          string
	For           string
	Severity      string
	Summary       string
}

// AlertRules are the platform's alerts, grouped by what they watch.
// Recording rules ("level:metric:operation") are what the primary region
// federates from the others.
var AlertRules = map[string][]Rule{
	"nodes": {
		{Alert: "NodeMemoryPressure", Expr: `kube_node_status_condition{condition="MemoryPressure",status="true"} == 1`, For: "5m", Severity: "warning",
			Summary: "Node {{ $labels.node }} is under memory pressure"},
		{Alert: "NodeDiskPressure", Expr: `kube_node_status_condition{condition="DiskPressure",status="true"} == 1`, For: "5m", Severity: "warning",
			Summary: "Node {{ $labels.node }} is under disk pressure"},
		{Alert: "NodePIDPressure", Expr: `kube_node_status_condition{condition="PIDPressure",status="true"} == 1`, For: "5m", Severity: "warning",
			Summary: "Node {{ $labels.node }} is running out of process ids"},
	},
	"pods": {
		{Alert: "PodRestartingOften", Expr: `increase(kube_pod_container_status_restarts_total{namespace=~"` + platformNamespaces + `"}[1h]) > 3`,
			For: "5m", Severity: "warning", Summary: "{{ $labels.namespace }}/{{ $labels.pod }} restarted more than 3 times in an hour"},
	},
	"platform": {
		{Record: "namespace_workload:istio_requests:rate5m",
			Expr: `sum by (destination_workload_namespace, destination_workload) (rate(istio_requests_total{reporter="destination"}[5m]))`},
		{Record: "namespace_workload:istio_requests_errors:rate5m",
			Expr: `sum by (destination_workload_namespace, destination_workload) (rate(istio_requests_total{reporter="destination",response_code=~"5.."}[5m]))`},
		{Record: "namespace_workload:istio_request_duration_ms:p99",
			Expr: `histogram_quantile(0.99, sum by (le, destination_workload_namespace, destination_workload) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[5m])))`},
		{Record: "queue:" + MetricQueueDepth + ":max", Expr: `max by (queue) (` + MetricQueueDepth + `)`},
		{Record: "status:" + MetricAnalyses + ":rate1h", Expr: `sum by (status) (rate(` + MetricAnalyses + `[1h]))`},
		{Alert: "QueueDepthHigh", Expr: `queue:` + MetricQueueDepth + `:max > 500`, For: "10m", Severity: "warning",
			Summary: "Queue {{ $labels.queue }} holds more than 500 jobs"},
		{Alert: "HighErrorRate",
			Expr: `namespace_workload:istio_requests_errors:rate5m{destination_workload_namespace=~"` + platformNamespaces + `"} / ` +
				`namespace_workload:istio_requests:rate5m > 0.05`,
			For: "5m", Severity: "critical", Summary: "{{ $labels.destination_workload }} answers more than 5% of requests with 5xx"},
		{Alert: "HighLatency",
			Expr: `namespace_workload:istio_request_duration_ms:p99{destination_workload_namespace=~"` + platformNamespaces + `"} > 2000`,
			For:  "10m", Severity: "warning", Summary: "{{ $labels.destination_workload }} p99 latency above 2 s"},
	},
}

// alertRules installs AlertRules as one PrometheusRule.
func (b *builder) alertRules() error {
	var groups pulumi.Array
	for _, name := range []string{"nodes", "pods", "platform"} {
		var rules pulumi.Array
		for _, r := range AlertRules[name] {
			rule := pulumi.Map{"expr": pulumi.String(r.Expr)}
			if r.Record != "" {
				rule["record"] = pulumi.String(r.Record)
			} else {
				rule["alert"] = pulumi.String(r.Alert)
				rule["for"] = pulumi.String(r.For)
				rule["labels"] = pulumi.StringMap{"severity": pulumi.String(r.Severity)}
				rule["annotations"] = pulumi.StringMap{"summary": pulumi.String(r.Summary)}
			}
			rules = append(rules, rule)
		}
		groups = append(groups, pulumi.Map{"name": pulumi.String("solsec-" + name), "rules": rules})
	}
	_, err := apiextensions.NewCustomResource(b.ctx, b.child("alert-rules"), &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String("monitoring.coreos.com/v1"),
		Kind:        pulumi.String("PrometheusRule"),
		Metadata:    metav1.ObjectMetaArgs{Name: pulumi.String("solsec-platform"), Namespace: pulumi.String(b.args.InCluster.Namespace)},
		OtherFields: map[string]any{"spec": pulumi.Map{"groups": groups}},
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.kps}))
	if err != nil {
		return fmt.Errorf("alert rules: %w", err)
	}
	return nil
}

// dashboardLabel marks ConfigMaps Grafana's sidecar loads as dashboards.
const dashboardLabel = "grafana_dashboard"

// panel is one time-series panel of a dashboard.
type panel struct {
	Title, Expr, Unit string
}

// Dashboards are shipped as code: each is rendered to Grafana's JSON model.
var Dashboards = map[string][]panel{
	"solsec-platform": {
		{"Analyses per hour", `sum by (status) (rate(` + MetricAnalyses + `[1h])) * 3600`, "short"},
		{"Queue depth", `max by (queue) (` + MetricQueueDepth + `)`, "short"},
		{"Tool run time p95", `histogram_quantile(0.95, sum by (le, tool) (rate(` + MetricToolSeconds + `_bucket[15m])))`, "s"},
		{"Error rate by service", `namespace_workload:istio_requests_errors:rate5m{destination_workload_namespace="security-platform"} / namespace_workload:istio_requests:rate5m`, "percentunit"},
		{"p99 latency by service", `namespace_workload:istio_request_duration_ms:p99{destination_workload_namespace="security-platform"}`, "ms"},
	},
	"solsec-cluster": {
		{"Node CPU", `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))`, "percentunit"},
		{"Node memory", `1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes`, "percentunit"},
		{"Pod restarts (1h)", `sum by (namespace) (increase(kube_pod_container_status_restarts_total[1h]))`, "short"},
		{"Pods not ready", `sum by (namespace) (kube_pod_status_ready{condition="false"})`, "short"},
	},
}

// dashboardJSON renders a dashboard's Grafana JSON model, two panels per
// row, every panel on the Prometheus datasource.
func dashboardJSON(uid string, panels []panel) (string, error) {
	var ps []map[string]any
	for i, p := range panels {
		ps = append(ps, map[string]any{
			"id": i + 1, "type": "timeseries", "title": p.Title,
			"gridPos":     map[string]int{"x": (i % 2) * 12, "y": (i / 2) * 8, "w": 12, "h": 8},
			"datasource":  map[string]string{"type": "prometheus", "uid": "prometheus"},
			"fieldConfig": map[string]any{"defaults": map[string]any{"unit": p.Unit}},
			"targets":     []map[string]any{{"refId": "A", "expr": p.Expr}},
		})
	}
	out, err := json.Marshal(map[string]any{
		"uid": uid, "title": uid, "schemaVersion": 39, "editable": false,
		"time": map[string]string{"from": "now-24h", "to": "now"}, "panels": ps,
	})
	if err != nil {
		return "", fmt.Errorf("dashboard %s: %w", uid, err)
	}
	return string(out), nil
}

// dashboards ships Dashboards as ConfigMaps.
func (b *builder) dashboards() error {
	for _, uid := range []string{"solsec-platform", "solsec-cluster"} {
		body, err := dashboardJSON(uid, Dashboards[uid])
		if err != nil {
			return err
		}
		if _, err := corev1.NewConfigMap(b.ctx, b.child("dashboard-"+uid), &corev1.ConfigMapArgs{
			Metadata: metav1.ObjectMetaArgs{
				Name: pulumi.String(uid), Namespace: pulumi.String(b.args.InCluster.Namespace),
				Labels: pulumi.StringMap{dashboardLabel: pulumi.String("1")},
			},
			Data: pulumi.StringMap{uid + ".json": pulumi.String(body)},
		}, b.parent); err != nil {
			return fmt.Errorf("dashboard %s: %w", uid, err)
		}
	}
	return nil
}
