// Package observability builds one region's monitoring, audit and cost
// guard rails. On AWS: a KMS-encrypted SNS alert topic, CloudWatch alarms
// and a dashboard, AWS Config with managed rules and automatic remediation,
// GuardDuty with its findings routed to the topic, and, once per stack in
// the primary region, the multi-region CloudTrail, the monthly budget and
// cost anomaly detection. In the cluster: kube-prometheus-stack
// (Prometheus, Alertmanager, Grafana, node exporter, kube-state-metrics)
// with the platform's alert rules, dashboards and cross-region federation,
// and Jaeger backed by Amazon OpenSearch Service.
package observability

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/awsaccount"
)

// ObservabilityArgs configure an Observability. Optional inputs of the data
// tier (database and cache ids, audited buckets, a logs key) may be left
// empty; the alarms and trail events that need them are then skipped.
type ObservabilityArgs struct {
	Environment string
	Region      string
	// Primary is true in exactly one region of a stack: the account-level
	// pieces (CloudTrail, global resources in AWS Config, the budget and
	// cost anomaly detection) are created there only.
	Primary bool

	// AlertEmails subscribe to the region's alert topic (at least one).
	AlertEmails []string
	// LogRetentionDays is the retention of every log group created here.
	LogRetentionDays int
	// LogsKeyArn encrypts the log groups; nil creates a key of the
	// component's own.
	LogsKeyArn pulumi.StringInput

	// ClusterName is the region's EKS cluster (node CPU alarm, Container
	// Insights).
	ClusterName string
	// ContainerInsights, when set, installs the CloudWatch Observability
	// add-on whose node metrics the node CPU alarm reads.
	ContainerInsights *ContainerInsightsArgs

	// DatabaseInstanceIDs are RDS instance identifiers (primary and
	// replicas) and DatabaseReplicaIDs the read replicas among them,
	// which also get a replica-lag alarm.
	DatabaseInstanceIDs []pulumi.StringInput
	DatabaseReplicaIDs  []pulumi.StringInput
	// CacheNodeIDs are ElastiCache cache cluster ids (one per node of the
	// replication group).
	CacheNodeIDs []pulumi.StringInput
	// NatGatewayIDs are the region's NAT gateways.
	NatGatewayIDs []pulumi.StringInput

	// AuditedBucketArns get S3 data events in the trail (the contract and
	// result buckets); primary only.
	AuditedBucketArns []pulumi.StringInput
	// AuditLogRetentionDays keeps trail and Config history in S3 (default
	// 2557, seven years).
	AuditLogRetentionDays int

	// MonthlyBudgetUSD is the environment's monthly cost budget and
	// AnomalyThresholdUSD the total impact that raises a cost anomaly
	// alert; both primary only.
	MonthlyBudgetUSD    float64
	AnomalyThresholdUSD float64

	// InCluster configures what runs in the cluster; nil builds only the
	// AWS services.
	InCluster *InClusterArgs
}

// Observability is one region's monitoring, audit and cost guard rails.
type Observability struct {
	pulumi.ResourceState

	AlertTopicArn     pulumi.StringOutput `pulumi:"alertTopicArn"`
	LogsKeyArn        pulumi.StringOutput `pulumi:"logsKeyArn"`
	DashboardName     pulumi.StringOutput `pulumi:"dashboardName"`
	GuardDutyDetector pulumi.StringOutput `pulumi:"guardDutyDetectorId"`
	// TrailArn and AuditBucket are empty outside the primary region.
	TrailArn    pulumi.StringOutput `pulumi:"trailArn"`
	AuditBucket pulumi.StringOutput `pulumi:"auditBucket"`

	// In-cluster endpoints the Mesh and workloads use (empty without
	// InCluster).
	Endpoints Endpoints
}

// NewObservability builds one region's observability. The region's AWS
// provider and the cluster's Kubernetes provider reach it through
// pulumi.Providers in opts.
func NewObservability(ctx *pulumi.Context, name string, args *ObservabilityArgs, opts ...pulumi.ResourceOption) (*Observability, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("observability %s: %w", name, err)
	}
	o := &Observability{}
	if err := ctx.RegisterComponentResource("solsec:observability:Observability", name, o, opts...); err != nil {
		return nil, fmt.Errorf("observability %s: register component: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, o: o, parent: pulumi.Parent(o)}
	steps := []func() error{b.lookupAccount, b.useLogsKey, b.alertTopic, b.alarms, b.audit, b.config, b.guardDuty, b.cost, b.dashboard}
	if args.InCluster != nil {
		steps = append(steps, b.inCluster)
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("observability %s: %w", name, err)
		}
	}
	if !args.Primary {
		o.TrailArn = pulumi.String("").ToStringOutput()
		o.AuditBucket = pulumi.String("").ToStringOutput()
	}
	if err := ctx.RegisterResourceOutputs(o, pulumi.Map{
		"alertTopicArn":       o.AlertTopicArn,
		"logsKeyArn":          o.LogsKeyArn,
		"dashboardName":       o.DashboardName,
		"guardDutyDetectorId": o.GuardDutyDetector,
		"trailArn":            o.TrailArn,
		"auditBucket":         o.AuditBucket,
	}); err != nil {
		return nil, fmt.Errorf("observability %s: register outputs: %w", name, err)
	}
	return o, nil
}

func (a *ObservabilityArgs) validate() error {
	switch {
	case a == nil:
		return errors.New("args are required")
	case a.Environment == "" || a.Region == "" || a.ClusterName == "":
		return errors.New("environment, region and clusterName are required")
	case len(a.AlertEmails) == 0:
		return errors.New("alertEmails: at least one address must receive alerts")
	case a.LogRetentionDays <= 0:
		return fmt.Errorf("logRetentionDays %d: want a positive CloudWatch retention", a.LogRetentionDays)
	case a.AuditLogRetentionDays < 0:
		return fmt.Errorf("auditLogRetentionDays %d: want a positive number of days", a.AuditLogRetentionDays)
	case a.Primary && (a.MonthlyBudgetUSD <= 0 || a.AnomalyThresholdUSD <= 0):
		return fmt.Errorf("monthlyBudgetUsd %v and anomalyThresholdUsd %v: the primary region needs both, positive", a.MonthlyBudgetUSD, a.AnomalyThresholdUSD)
	}
	if a.InCluster != nil {
		return a.InCluster.validate(a.Primary)
	}
	return nil
}

func (a *ObservabilityArgs) auditRetention() int {
	if a.AuditLogRetentionDays == 0 {
		return 2557
	}
	return a.AuditLogRetentionDays
}

// builder carries the state shared by the steps that build an
// Observability.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *ObservabilityArgs
	o      *Observability
	parent pulumi.ResourceOrInvokeOption

	accountID, partition string

	logsKey      pulumi.StringOutput
	auditKeyArn  pulumi.StringOutput
	alertsKeyArn pulumi.StringOutput
	secretsKey   pulumi.StringOutput
	kps          pulumi.Resource
	topicArn     pulumi.StringOutput
	// alarmNames feed the dashboard's alarm status widget.
	alarmNames []pulumi.StringInput
}

func (b *builder) child(suffix string) string { return b.name + "-" + suffix }

func (b *builder) tags(suffix string) pulumi.StringMap {
	return pulumi.StringMap{"Name": pulumi.String(b.child(suffix))}
}

func (b *builder) lookupAccount() error {
	acct, err := awsaccount.Lookup(b.ctx, b.parent)
	if err != nil {
		return err
	}
	b.accountID, b.partition = acct.ID, acct.Partition
	return nil
}

// arn builds an ARN of this account and region.
func (b *builder) arn(service, resource string) string {
	return awsaccount.Account{ID: b.accountID, Partition: b.partition}.ARN(service, b.args.Region, resource)
}

func (b *builder) root() string { return fmt.Sprintf("arn:%s:iam::%s:root", b.partition, b.accountID) }

// prefix names account-wide resources (buckets, trail, budget) uniquely
// per stack and region.
func (b *builder) prefix() string { return "solsec-" + b.args.Environment + "-" + b.args.Region }

// issuerHost accepts the cluster's issuer with or without its https://
// scheme (Cluster exports the URL) and returns it without, as IAM trust
// policies name it.
func issuerHost(issuer pulumi.StringInput) pulumi.StringOutput {
	return issuer.ToStringOutput().ApplyT(func(s string) string { return strings.TrimPrefix(s, "https://") }).(pulumi.StringOutput)
}
