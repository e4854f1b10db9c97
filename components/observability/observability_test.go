package observability_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/components/observability"
	"github.com/solsec/platform/internal/iampolicy"
	"github.com/solsec/platform/internal/offline"
)

const (
	tTrail        = "aws:cloudtrail/trail:Trail"
	tAlarm        = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tLogGroup     = "aws:cloudwatch/logGroup:LogGroup"
	tTopic        = "aws:sns/topic:Topic"
	tRecorder     = "aws:cfg/recorder:Recorder"
	tRule         = "aws:cfg/rule:Rule"
	tRemediation  = "aws:cfg/remediationConfiguration:RemediationConfiguration"
	tDetector     = "aws:guardduty/detector:Detector"
	tFeature      = "aws:guardduty/detectorFeature:DetectorFeature"
	tBudget       = "aws:budgets/budget:Budget"
	tAnomalyMon   = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
	tAnomalySub   = "aws:costexplorer/anomalySubscription:AnomalySubscription"
	tBucketPolicy = "aws:s3/bucketPolicy:BucketPolicy"
)

var regions = map[bool]string{true: "us-east-1", false: "us-west-2"}

func awsArgs(env string, primary bool) *observability.ObservabilityArgs {
	return &observability.ObservabilityArgs{
		Environment:         env,
		Region:              regions[primary],
		Primary:             primary,
		AlertEmails:         []string{"oncall@solsec.example", "security@solsec.example"},
		LogRetentionDays:    90,
		ClusterName:         "solsec-" + env + "-" + regions[primary],
		DatabaseInstanceIDs: []pulumi.StringInput{pulumi.String("solsec-db"), pulumi.String("solsec-db-replica")},
		DatabaseReplicaIDs:  []pulumi.StringInput{pulumi.String("solsec-db-replica")},
		CacheNodeIDs:        []pulumi.StringInput{pulumi.String("solsec-cache-0001-001"), pulumi.String("solsec-cache-0001-002")},
		NatGatewayIDs:       []pulumi.StringInput{pulumi.String("nat-1"), pulumi.String("nat-2"), pulumi.String("nat-3")},
		AuditedBucketArns:   []pulumi.StringInput{pulumi.String("arn:aws:s3:::solsec-contracts"), pulumi.String("arn:aws:s3:::solsec-results")},
		MonthlyBudgetUSD:    5000,
		AnomalyThresholdUSD: 200,
		ContainerInsights: &observability.ContainerInsightsArgs{
			KubernetesVersion: "1.32",
			OidcProviderArn:   pulumi.String("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"),
			Issuer:            pulumi.String("oidc.eks.us-east-1.amazonaws.com/id/ABC"),
		},
	}
}

// runAll builds one Observability per args, each region with its own
// explicit AWS provider and the same Kubernetes provider.
func runAll(t *testing.T, env string, all ...*observability.ObservabilityArgs) (*offline.Result, error) {
	t.Helper()
	return offline.Run(env, map[string]string{"aws:region": "us-east-1"}, func(ctx *pulumi.Context) error {
		k, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("offline")})
		if err != nil {
			return err
		}
		for _, a := range all {
			p, err := aws.NewProvider(ctx, "aws-"+a.Region, &aws.ProviderArgs{Region: pulumi.String(a.Region)})
			if err != nil {
				return err
			}
			if _, err := observability.NewObservability(ctx, "obs-"+a.Region, a, pulumi.Providers(p, k)); err != nil {
				return err
			}
		}
		return nil
	})
}

// built is one component's records.
type built struct {
	res   *offline.Result
	under []offline.Resource
}

func (b built) of(typ string) []offline.Resource {
	var out []offline.Resource
	for _, r := range b.under {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

func (b built) one(t *testing.T, typ string) offline.Resource {
	t.Helper()
	rs := b.of(typ)
	require.Len(t, rs, 1, typ)
	return rs[0]
}

func build(t *testing.T, a *observability.ObservabilityArgs) built {
	t.Helper()
	res, err := runAll(t, a.Environment, a)
	require.NoError(t, err)
	comp, ok := res.Get("solsec:observability:Observability", "obs-"+a.Region)
	require.True(t, ok)
	return built{res, res.Descendants(comp.URN)}
}

func TestOneTrailPerStack(t *testing.T) {
	res, err := runAll(t, "production", awsArgs("production", true), awsArgs("production", false))
	require.NoError(t, err)
	trails := res.OfType(tTrail)
	require.Len(t, trails, 1, "one multi-region trail for both regions")
	assert.Equal(t, "us-east-1", trails[0].Region, "in the primary region")
	assert.Len(t, res.OfType(tBudget), 1, "one budget per stack")
	assert.Len(t, res.OfType(tAnomalyMon), 1, "one anomaly monitor per stack")
	assert.Len(t, res.OfType(tDetector), 2, "GuardDuty in every region")
	assert.Len(t, res.OfType(tRecorder), 2, "AWS Config in every region")
}

func TestObservability(t *testing.T) {
	for _, primary := range []bool{true, false} {
		a := awsArgs("production", primary)
		b := build(t, a)
		name := a.Region
		topic := b.one(t, tTopic)
		topicArn := "arn:aws:sns:" + a.Region + ":" + offline.AccountID + ":topic/" + topic.ID

		t.Run(name+": the alert topic is KMS-encrypted, publishable only by AWS services of the account, with the e-mail subscriptions", func(t *testing.T) {
			assert.Contains(t, topic.Str("kmsMasterKeyId"), ":key/")
			subs := b.of("aws:sns/topicSubscription:TopicSubscription")
			require.Len(t, subs, len(a.AlertEmails))
			for _, s := range subs {
				assert.Equal(t, "email", s.Str("protocol"))
				assert.Equal(t, topicArn, s.Str("topic"))
			}
			doc, err := iampolicy.Parse(b.one(t, "aws:sns/topicPolicy:TopicPolicy").Str("policy"))
			require.NoError(t, err)
			for _, st := range doc.Statement {
				if st.Sid == "AlertPublishersPublish" {
					assert.Equal(t, offline.AccountID, st.Condition["StringEquals"]["aws:SourceAccount"])
				}
			}
		})

		t.Run(name+": every alarm notifies the alert topic, and data-tier alarms exist for each resource given", func(t *testing.T) {
			alarms := b.of(tAlarm)
			metrics := map[string]int{}
			for _, al := range alarms {
				assert.Equal(t, []string{topicArn}, al.Strings("alarmActions"), al.Name)
				assert.Equal(t, []string{topicArn}, al.Strings("okActions"), al.Name)
				metrics[al.Str("metricName")]++
			}
			assert.Equal(t, 2, metrics["CPUUtilization"], "RDS CPU per instance")
			assert.Equal(t, 2, metrics["FreeableMemory"])
			assert.Equal(t, 2, metrics["FreeStorageSpace"])
			assert.Equal(t, 1, metrics["ReplicaLag"], "replicas only")
			for _, m := range []string{"EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions", "ReplicationLag"} {
				assert.Equal(t, 2, metrics[m], m)
			}
			assert.Equal(t, 3, metrics["ErrorPortAllocation"], "per NAT gateway")
			assert.Equal(t, 1, metrics["node_cpu_utilization"])
			for _, ta := range observability.TrailAlarms {
				if primary {
					assert.Equal(t, 1, metrics[ta.Name], ta.Name)
				} else {
					assert.Zero(t, metrics[ta.Name], ta.Name)
				}
			}
		})

		t.Run(name+": every log group is encrypted with the logs key and has a retention", func(t *testing.T) {
			groups := b.of(tLogGroup)
			require.NotEmpty(t, groups)
			for _, g := range groups {
				assert.Contains(t, g.Str("kmsKeyId"), ":key/", g.Name)
				assert.Equal(t, a.LogRetentionDays, g.Int("retentionInDays"), g.Name)
			}
		})

		t.Run(name+": the multi-region trail exists only in the primary, validated, KMS-encrypted, with data events", func(t *testing.T) {
			trails := b.of(tTrail)
			if !primary {
				assert.Empty(t, trails)
				return
			}
			require.Len(t, trails, 1)
			tr := trails[0]
			assert.True(t, tr.Bool("isMultiRegionTrail"))
			assert.True(t, tr.Bool("enableLogFileValidation"))
			assert.True(t, tr.Bool("includeGlobalServiceEvents"))
			assert.Contains(t, tr.Str("kmsKeyId"), ":key/")
			assert.True(t, strings.HasSuffix(tr.Str("cloudWatchLogsGroupArn"), ":*"))
			assert.Contains(t, tr.Str("cloudWatchLogsRoleArn"), ":role/")
			var data []string
			for _, sel := range tr.Objects("advancedEventSelectors") {
				for _, fs := range sel["fieldSelectors"].([]any) {
					f := fs.(map[string]any)
					if f["field"] == "resources.ARN" {
						for _, p := range f["startsWiths"].([]any) {
							data = append(data, p.(string))
						}
					}
				}
			}
			assert.ElementsMatch(t, []string{"arn:aws:s3:::solsec-contracts/", "arn:aws:s3:::solsec-results/"}, data)
			assert.Equal(t, tr.Str("s3BucketName"), "solsec-production-us-east-1-cloudtrail-"+offline.AccountID)
		})

		t.Run(name+": audit buckets refuse deletes and plain HTTP, block public access, expire by lifecycle", func(t *testing.T) {
			policies := b.of(tBucketPolicy)
			want := 1
			if primary {
				want = 2
			}
			require.Len(t, policies, want, "config bucket, plus the trail's in the primary")
			for _, p := range policies {
				doc, err := iampolicy.Parse(p.Str("policy"))
				require.NoError(t, err)
				sids := map[string]iampolicy.Statement{}
				for _, st := range doc.Statement {
					sids[st.Sid] = st
				}
				deny, ok := sids["DenyDelete"]
				require.True(t, ok, p.Name)
				assert.Equal(t, "Deny", deny.Effect)
				assert.Subset(t, deny.Action, []string{"s3:DeleteObject", "s3:DeleteObjectVersion"})
				assert.Contains(t, sids, "DenyInsecureTransport")
			}
			for _, pab := range b.of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
				for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
					assert.True(t, pab.Bool(k), k)
				}
			}
			for _, lc := range b.of("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2") {
				rules := lc.Objects("rules")
				require.Len(t, rules, 1)
				assert.Equal(t, float64(2557), rules[0]["expiration"].(map[string]any)["days"])
			}
			for _, enc := range b.of("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2") {
				byDefault := enc.Objects("rules")[0]["applyServerSideEncryptionByDefault"].(map[string]any)
				assert.Equal(t, "aws:kms", byDefault["sseAlgorithm"])
			}
		})

		t.Run(name+": AWS Config records the region, global resources only in the primary, with the rules and remediations", func(t *testing.T) {
			rec := b.one(t, tRecorder)
			group := rec.Object("recordingGroup")
			assert.Equal(t, true, group["allSupported"])
			assert.Equal(t, primary, group["includeGlobalResourceTypes"])
			ids := map[string]bool{}
			for _, r := range b.of(tRule) {
				ids[r.Object("source")["sourceIdentifier"].(string)] = true
			}
			for _, want := range []string{"ENCRYPTED_VOLUMES", "RDS_STORAGE_ENCRYPTED", "RDS_MULTI_AZ_SUPPORT", "S3_BUCKET_SSL_REQUESTS_ONLY",
				"S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", "EKS_ENDPOINT_NO_PUBLIC_ACCESS", "MULTI_REGION_CLOUD_TRAIL_ENABLED", "EC2_IMDSV2_CHECK"} {
				assert.True(t, ids[want], want)
			}
			fixes := b.of(tRemediation)
			assert.GreaterOrEqual(t, len(fixes), 2)
			for _, f := range fixes {
				assert.True(t, f.Bool("automatic"), f.Name)
				assert.Equal(t, "SSM_DOCUMENT", f.Str("targetType"))
				assert.True(t, strings.HasPrefix(f.Str("targetId"), "AWSConfigRemediation-"))
			}
			dc := b.one(t, "aws:cfg/deliveryChannel:DeliveryChannel")
			assert.Contains(t, dc.Str("s3KmsKeyArn"), ":key/")
		})

		t.Run(name+": GuardDuty runs with S3, EKS audit, EKS runtime and RDS login protection; findings reach the topic", func(t *testing.T) {
			det := b.one(t, tDetector)
			assert.True(t, det.Bool("enable"))
			on := map[string]offline.Resource{}
			for _, f := range b.of(tFeature) {
				assert.Equal(t, "ENABLED", f.Str("status"), f.Str("name"))
				assert.Equal(t, det.ID, f.Str("detectorId"))
				on[f.Str("name")] = f
			}
			for _, want := range []string{"S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "RDS_LOGIN_EVENTS"} {
				assert.Contains(t, on, want)
			}
			extra := on["RUNTIME_MONITORING"].Objects("additionalConfigurations")
			require.Len(t, extra, 1)
			assert.Equal(t, "EKS_ADDON_MANAGEMENT", extra[0]["name"])
			assert.Equal(t, "ENABLED", extra[0]["status"])
			rule := b.one(t, "aws:cloudwatch/eventRule:EventRule")
			assert.Contains(t, rule.Str("eventPattern"), `"aws.guardduty"`)
			assert.Equal(t, topicArn, b.one(t, "aws:cloudwatch/eventTarget:EventTarget").Str("arn"))
		})

		t.Run(name+": the budget and cost anomaly detection exist once, in the primary, alerting the topic", func(t *testing.T) {
			if !primary {
				assert.Empty(t, b.of(tBudget))
				assert.Empty(t, b.of(tAnomalySub))
				return
			}
			budget := b.one(t, tBudget)
			assert.Equal(t, "MONTHLY", budget.Str("timeUnit"))
			assert.Equal(t, "5000.00", budget.Str("limitAmount"))
			seen := map[string]bool{}
			for _, n := range budget.Objects("notifications") {
				seen[fmt.Sprint(n["notificationType"], "/", n["threshold"])] = true
				assert.Equal(t, []any{topicArn}, n["subscriberSnsTopicArns"])
			}
			for _, want := range []string{"ACTUAL/80", "ACTUAL/100", "FORECASTED/80", "FORECASTED/100"} {
				assert.True(t, seen[want], want)
			}
			sub := b.one(t, tAnomalySub)
			assert.Equal(t, topicArn, sub.Objects("subscribers")[0]["address"])
			assert.Equal(t, "SNS", sub.Objects("subscribers")[0]["type"])
			assert.Equal(t, "CUSTOM", b.one(t, tAnomalyMon).Str("monitorType"))
		})

		t.Run(name+": every resource is under the component, AWS ones on the region's provider", func(t *testing.T) {
			require.NotEmpty(t, b.under)
			for _, r := range b.under {
				assert.True(t, strings.HasPrefix(r.Name, "obs-"+a.Region+"-"), "%s is named after the component", r.Name)
				if strings.HasPrefix(r.Type, "aws:") {
					assert.Equal(t, a.Region, r.Region, r.Name)
					assert.Contains(t, r.Provider, "aws-"+a.Region, r.Name)
				}
			}
		})

		t.Run(name+": a dashboard shows the region", func(t *testing.T) {
			d := b.one(t, "aws:cloudwatch/dashboard:Dashboard")
			body := d.Str("dashboardBody")
			assert.Contains(t, body, "node_cpu_utilization")
			assert.Contains(t, body, "solsec-db-replica")
			assert.Contains(t, body, `"type":"alarm"`)
		})
	}
}

func TestOptionalDataInputs(t *testing.T) {
	a := awsArgs("staging", false)
	a.DatabaseInstanceIDs, a.DatabaseReplicaIDs, a.CacheNodeIDs, a.NatGatewayIDs = nil, nil, nil, nil
	a.ContainerInsights = nil
	a.LogsKeyArn = pulumi.String("arn:aws:kms:us-west-2:123456789012:key/data-logs")
	b := build(t, a)

	t.Run("without data-tier ids only the node CPU alarm is created", func(t *testing.T) {
		alarms := b.of(tAlarm)
		require.Len(t, alarms, 1)
		assert.Equal(t, "node_cpu_utilization", alarms[0].Str("metricName"))
	})
	t.Run("a given logs key is used instead of a new one", func(t *testing.T) {
		for _, k := range b.of("aws:kms/key:Key") {
			assert.NotContains(t, k.Name, "logs-key")
		}
		for _, g := range b.of(tLogGroup) {
			assert.Equal(t, "arn:aws:kms:us-west-2:123456789012:key/data-logs", g.Str("kmsKeyId"))
		}
	})
}

func TestArgsAreValidated(t *testing.T) {
	for name, mutate := range map[string]func(a *observability.ObservabilityArgs){
		"no alert e-mail":          func(a *observability.ObservabilityArgs) { a.AlertEmails = nil },
		"no retention":             func(a *observability.ObservabilityArgs) { a.LogRetentionDays = 0 },
		"primary without a budget": func(a *observability.ObservabilityArgs) { a.MonthlyBudgetUSD = 0 },
		"no cluster":               func(a *observability.ObservabilityArgs) { a.ClusterName = "" },
	} {
		t.Run(name+" is rejected", func(t *testing.T) {
			a := awsArgs("staging", true)
			mutate(a)
			_, err := runAll(t, "staging", a)
			assert.Error(t, err)
		})
	}
}
