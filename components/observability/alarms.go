package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/components/cluster"
)

// alarm is one CloudWatch alarm on a single metric.
type alarm struct {
	suffix, description string
	namespace, metric   string
	dimensions          pulumi.StringMap
	statistic           string
	comparison          string
	threshold           float64
	// periods of five minutes that must breach before the alarm fires.
	periods int
}

// newAlarm creates an alarm that notifies the alert topic when it fires and
// when it recovers. Missing data is not a breach: a replica that is not
// reporting is caught by the instance's own health alarms.
func (b *builder) newAlarm(a alarm) error {
	periods := a.periods
	if periods == 0 {
		periods = 3
	}
	al, err := cloudwatch.NewMetricAlarm(b.ctx, b.child("alarm-"+a.suffix), &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(b.prefix() + "-" + a.suffix),
		AlarmDescription:   pulumi.String(a.description),
		Namespace:          pulumi.String(a.namespace),
		MetricName:         pulumi.String(a.metric),
		Dimensions:         a.dimensions,
		Statistic:          pulumi.String(a.statistic),
		Period:             pulumi.Int(300),
		EvaluationPeriods:  pulumi.Int(periods),
		DatapointsToAlarm:  pulumi.Int(periods),
		ComparisonOperator: pulumi.String(a.comparison),
		Threshold:          pulumi.Float64(a.threshold),
		TreatMissingData:   pulumi.String("notBreaching"),
		AlarmActions:       pulumi.Array{b.topicArn},
		OkActions:          pulumi.Array{b.topicArn},
		Tags:               b.tags("alarm-" + a.suffix),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("alarm %s: %w", a.suffix, err)
	}
	b.alarmNames = append(b.alarmNames, al.Name)
	return nil
}

const (
	gt = "GreaterThanThreshold"
	lt = "LessThanThreshold"
	gb = 1 << 30
)

// alarms watches the data tier, the NAT gateways and the cluster's nodes.
// Alarms for resources the args do not name are skipped.
func (b *builder) alarms() error {
	var all []alarm
	for i, id := range b.args.DatabaseInstanceIDs {
		dim := pulumi.StringMap{"DBInstanceIdentifier": id}
		all = append(all,
			alarm{fmt.Sprintf("rds-%d-cpu", i), "RDS CPU above 80% for 15 minutes", "AWS/RDS", "CPUUtilization", dim, "Average", gt, 80, 0},
			alarm{fmt.Sprintf("rds-%d-memory", i), "RDS freeable memory below 512 MiB", "AWS/RDS", "FreeableMemory", dim, "Average", lt, 512 << 20, 0},
			alarm{fmt.Sprintf("rds-%d-storage", i), "RDS free storage below 10 GiB", "AWS/RDS", "FreeStorageSpace", dim, "Minimum", lt, 10 * gb, 1},
		)
	}
	for i, id := range b.args.DatabaseReplicaIDs {
		all = append(all, alarm{fmt.Sprintf("rds-replica-%d-lag", i), "RDS replica more than 60 s behind (RPO is 5 minutes)",
			"AWS/RDS", "ReplicaLag", pulumi.StringMap{"DBInstanceIdentifier": id}, "Maximum", gt, 60, 0})
	}
	for i, id := range b.args.CacheNodeIDs {
		dim := pulumi.StringMap{"CacheClusterId": id}
		all = append(all,
			alarm{fmt.Sprintf("cache-%d-cpu", i), "Redis engine CPU above 75%", "AWS/ElastiCache", "EngineCPUUtilization", dim, "Average", gt, 75, 0},
			alarm{fmt.Sprintf("cache-%d-memory", i), "Redis memory above 80% of maxmemory", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", dim, "Average", gt, 80, 0},
			alarm{fmt.Sprintf("cache-%d-evictions", i), "Redis evicting keys", "AWS/ElastiCache", "Evictions", dim, "Sum", gt, 100, 0},
			alarm{fmt.Sprintf("cache-%d-replication-lag", i), "Redis replica more than 30 s behind", "AWS/ElastiCache", "ReplicationLag", dim, "Maximum", gt, 30, 0},
		)
	}
	for i, id := range b.args.NatGatewayIDs {
		dim := pulumi.StringMap{"NatGatewayId": id}
		all = append(all,
			alarm{fmt.Sprintf("nat-%d-port-allocation", i), "NAT gateway cannot allocate source ports", "AWS/NATGateway", "ErrorPortAllocation", dim, "Sum", gt, 0, 1},
			alarm{fmt.Sprintf("nat-%d-packets-dropped", i), "NAT gateway dropping packets", "AWS/NATGateway", "PacketsDropCount", dim, "Sum", gt, 100, 0},
		)
	}
	all = append(all, alarm{"eks-node-cpu", "EKS node CPU above 80% (Container Insights)", "ContainerInsights", "node_cpu_utilization",
		pulumi.StringMap{"ClusterName": pulumi.String(b.args.ClusterName)}, "Average", gt, 80, 0})
	for _, a := range all {
		if err := b.newAlarm(a); err != nil {
			return err
		}
	}
	return b.containerInsights()
}

// ContainerInsightsArgs let the component install the Amazon CloudWatch
// Observability add-on, which publishes the node metrics the node CPU
// alarm reads.
type ContainerInsightsArgs struct {
	KubernetesVersion string
	// OidcProviderArn and Issuer (Cluster's OidcIssuerURL; the https://
	// scheme is optional) identify the cluster for the agent's IRSA role.
	OidcProviderArn pulumi.StringInput
	Issuer          pulumi.StringInput
}

// containerInsightsGroups are the log groups the add-on writes; creating
// them first gives them the logs key and a retention (the agent would
// create them unencrypted and kept forever).
var containerInsightsGroups = []string{"application", "dataplane", "host", "performance"}

func (b *builder) containerInsights() error {
	ci := b.args.ContainerInsights
	if ci == nil {
		return nil
	}
	var groups []pulumi.Resource
	for _, g := range containerInsightsGroups {
		lg, err := b.logGroup("ci-"+g, fmt.Sprintf("/aws/containerinsights/%s/%s", b.args.ClusterName, g))
		if err != nil {
			return err
		}
		groups = append(groups, lg)
	}
	role, err := cluster.NewServiceAccountRole(b.ctx, b.child("cloudwatch-agent"), cluster.ServiceAccountRoleArgs{
		OidcProviderArn: ci.OidcProviderArn, Issuer: issuerHost(ci.Issuer),
		Namespace: "amazon-cloudwatch", ServiceAccount: "cloudwatch-agent",
	}, b.parent)
	if err != nil {
		return err
	}
	attach, err := iam.NewRolePolicyAttachment(b.ctx, b.child("cloudwatch-agent"), &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/CloudWatchAgentServerPolicy", b.partition),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("cloudwatch agent policy: %w", err)
	}
	mostRecent := false
	v, err := awseks.GetAddonVersion(b.ctx, &awseks.GetAddonVersionArgs{
		AddonName: "amazon-cloudwatch-observability", KubernetesVersion: ci.KubernetesVersion, MostRecent: &mostRecent,
	}, b.parent)
	if err != nil {
		return fmt.Errorf("resolve amazon-cloudwatch-observability version: %w", err)
	}
	if _, err := awseks.NewAddon(b.ctx, b.child("container-insights"), &awseks.AddonArgs{
		ClusterName:              pulumi.String(b.args.ClusterName),
		AddonName:                pulumi.String("amazon-cloudwatch-observability"),
		AddonVersion:             pulumi.String(v.Version),
		ServiceAccountRoleArn:    role.Arn,
		ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
		ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
		Tags:                     b.tags("container-insights"),
	}, b.parent, pulumi.DependsOn(append(groups, attach))); err != nil {
		return fmt.Errorf("container insights add-on: %w", err)
	}
	return nil
}

// dashboard is the region's CloudWatch dashboard: the state of every alarm
// above, and the metrics they watch.
func (b *builder) dashboard() error {
	metricWidget := func(title string, metrics pulumi.Array, y int) pulumi.Map {
		return pulumi.Map{
			"type": pulumi.String("metric"), "x": pulumi.Int(0), "y": pulumi.Int(y), "width": pulumi.Int(24), "height": pulumi.Int(6),
			"properties": pulumi.Map{
				"title": pulumi.String(title), "region": pulumi.String(b.args.Region), "view": pulumi.String("timeSeries"),
				"stat": pulumi.String("Average"), "period": pulumi.Int(300), "metrics": metrics,
			},
		}
	}
	series := func(namespace, metric, dim string, ids []pulumi.StringInput) pulumi.Array {
		var out pulumi.Array
		for _, id := range ids {
			out = append(out, pulumi.Array{pulumi.String(namespace), pulumi.String(metric), pulumi.String(dim), id})
		}
		return out
	}
	var alarmArns pulumi.Array
	for _, n := range b.alarmNames {
		alarmArns = append(alarmArns, pulumi.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s", b.partition, b.args.Region, b.accountID, n))
	}
	widgets := pulumi.Array{pulumi.Map{
		"type": pulumi.String("alarm"), "x": pulumi.Int(0), "y": pulumi.Int(0), "width": pulumi.Int(24), "height": pulumi.Int(4),
		"properties": pulumi.Map{"title": pulumi.String("Alarms"), "alarms": alarmArns},
	}}
	y := 4
	add := func(title string, metrics pulumi.Array) {
		if len(metrics) == 0 {
			return
		}
		widgets = append(widgets, metricWidget(title, metrics, y))
		y += 6
	}
	add("EKS node CPU %", pulumi.Array{pulumi.Array{pulumi.String("ContainerInsights"), pulumi.String("node_cpu_utilization"),
		pulumi.String("ClusterName"), pulumi.String(b.args.ClusterName)}})
	add("RDS CPU %", series("AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", b.args.DatabaseInstanceIDs))
	add("RDS replica lag (s)", series("AWS/RDS", "ReplicaLag", "DBInstanceIdentifier", b.args.DatabaseReplicaIDs))
	add("Redis engine CPU %", series("AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", b.args.CacheNodeIDs))
	add("Redis memory %", series("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", b.args.CacheNodeIDs))
	add("NAT port allocation errors", series("AWS/NATGateway", "ErrorPortAllocation", "NatGatewayId", b.args.NatGatewayIDs))

	d, err := cloudwatch.NewDashboard(b.ctx, b.child("dashboard"), &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(b.prefix()),
		DashboardBody: pulumi.JSONMarshal(pulumi.Map{"widgets": widgets}),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	b.o.DashboardName = d.DashboardName
	return nil
}
