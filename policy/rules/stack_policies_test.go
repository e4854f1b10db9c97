package rules

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scase is one stack for one stack policy.
type scase struct {
	name      string
	stack     string
	resources []Resource
	want      Status
	// names are the resources the violations must name.
	names []string
}

func rsc(typ, name, region string, props m) Resource {
	return Resource{Type: typ, Name: name, URN: "urn:" + name, Region: region, Props: props}
}

func withID(r Resource, id string) Resource { r.ID = id; return r }

var (
	vpcA     = withID(rsc(tVpc, "vpc-a", "us-east-1", m{"cidrBlock": "10.0.0.0/16"}), "vpc-111")
	flowA    = rsc(tFlowLog, "flow-a", "us-east-1", m{"vpcId": "vpc-111", "trafficType": "ALL"})
	bucketB  = withID(rsc(tBucket, "bucket-b", "us-east-1", m{"bucket": "solsec-b"}), "solsec-b")
	tlsOnly  = doc(m{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::solsec-b/*", "Condition": m{"Bool": m{"aws:SecureTransport": "false"}}})
	bucketOK = []Resource{
		bucketB,
		rsc(tBucketPAB, "b-pab", "us-east-1", m{"bucket": "solsec-b"}),
		rsc(tBucketSSE, "b-sse", "us-east-1", m{"bucket": "solsec-b"}),
		rsc(tBucketVersioning, "b-ver", "us-east-1", m{"bucket": "solsec-b"}),
		rsc(tBucketPolicy, "b-pol", "us-east-1", m{"bucket": "solsec-b", "policy": tlsOnly}),
	}
	keyK = withID(rsc(tKMSKey, "key-k", "us-east-1", m{"enableKeyRotation": true}), "1234-abcd")
	cdn  = withID(rsc(tCloudFront, "cdn", "", m{}), "E1")
	dbP  = withID(rsc(tRDSInstance, "db-primary", "us-east-1", m{"identifier": "solsec-db"}), "solsec-db")
)

func without(rs []Resource, name string) []Resource {
	var out []Resource
	for _, r := range rs {
		if r.Name != name {
			out = append(out, r)
		}
	}
	return out
}

var stackCases = map[string][]scase{
	"vpc-has-flow-logs": {
		{name: "the VPC's flow log joined on its id", resources: []Resource{vpcA, flowA}, want: Pass},
		{name: "a flow log of another VPC", resources: []Resource{vpcA, rsc(tFlowLog, "f", "us-east-1", m{"vpcId": "vpc-222"})}, want: Violation, names: []string{"vpc-a"}},
		{name: "a flow log whose VPC id is unknown", resources: []Resource{vpcA, rsc(tFlowLog, "f", "us-east-1", m{"vpcId": Unknown})}, want: Unknowns},
		{name: "a new VPC (no id yet) with a flow log in its region", resources: []Resource{rsc(tVpc, "v", "us-east-1", m{}), rsc(tFlowLog, "f", "us-east-1", m{"vpcId": Unknown})}, want: Unknowns},
	},
	"region-has-guardduty": {
		{name: "a detector in every region", resources: []Resource{vpcA, rsc(tDetector, "gd", "us-east-1", m{"enable": true})}, want: Pass},
		{name: "a second region without one", resources: []Resource{vpcA, rsc(tDetector, "gd", "us-east-1", m{}), rsc(tVpc, "vpc-w", "us-west-2", m{})}, want: Violation, names: []string{"region us-west-2"}},
	},
	"region-has-guardduty-eks": {
		{name: "EKS audit logs through the detector's datasources", resources: []Resource{rsc(tEKSCluster, "eks", "us-east-1", m{}), rsc(tDetector, "gd", "us-east-1", m{"datasources": m{"kubernetes": m{"auditLogs": m{"enable": true}}}})}, want: Pass},
		{name: "EKS runtime monitoring as a detector feature", resources: []Resource{rsc("aws:eks/nodeGroup:NodeGroup", "ng", "us-east-1", m{}), rsc(tDetectorFeature, "f", "us-east-1", m{"name": "RUNTIME_MONITORING", "status": "ENABLED"})}, want: Pass},
		{name: "no EKS, nothing required", resources: []Resource{vpcA}, want: Pass},
		{name: "EKS without protection", resources: []Resource{rsc(tEKSCluster, "eks", "us-east-1", m{}), rsc(tDetector, "gd", "us-east-1", m{})}, want: Violation, names: []string{"region us-east-1"}},
	},
	"region-has-config": {
		{name: "a recorder in the region", resources: []Resource{vpcA, rsc(tRecorder, "rec", "us-east-1", m{})}, want: Pass},
		{name: "no recorder", resources: []Resource{vpcA}, want: Violation, names: []string{"region us-east-1"}},
	},
	"stack-has-cloudtrail": {
		{name: "a multi-region trail", resources: []Resource{vpcA, rsc(tTrail, "trail", "us-east-1", m{"isMultiRegionTrail": true})}, want: Pass},
		{name: "a single-region trail only", resources: []Resource{vpcA, rsc(tTrail, "trail", "us-east-1", m{"isMultiRegionTrail": false})}, want: Violation},
	},
	"s3-bucket-baseline": {
		{name: "every setting resource joined on the bucket name", resources: bucketOK, want: Pass},
		{name: "settings inline on the bucket", resources: []Resource{
			withID(rsc(tBucket, "inline", "us-east-1", m{"bucket": "solsec-i", "policy": tlsOnly,
				"serverSideEncryptionConfigurations": l{m{"rules": l{m{"applyServerSideEncryptionByDefault": m{"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "k"}}}}},
				"versionings":                        l{m{"enabled": true}}}), "solsec-i"),
			rsc(tBucketPAB, "i-pab", "us-east-1", m{"bucket": "solsec-i"}),
		}, want: Pass},
		{name: "no public access block", resources: without(bucketOK, "b-pab"), want: Violation, names: []string{"bucket-b"}},
		{name: "a setting for another bucket does not count", resources: append(without(bucketOK, "b-ver"), rsc(tBucketVersioning, "x", "us-east-1", m{"bucket": "solsec-other"})), want: Violation, names: []string{"bucket-b"}},
		{name: "a setting whose bucket is unknown", resources: append(without(bucketOK, "b-sse"), rsc(tBucketSSE, "x", "us-east-1", m{"bucket": Unknown})), want: Unknowns},
	},
	"s3-bucket-hygiene": {
		{name: "lifecycle and logging", resources: []Resource{bucketB, rsc(tBucketLifecycle, "lc", "us-east-1", m{"bucket": "solsec-b"}), rsc(tBucketLogging, "lg", "us-east-1", m{"bucket": "solsec-b", "targetBucket": "solsec-logs"})}, want: Pass},
		{name: "the log bucket itself needs no logging", resources: []Resource{withID(rsc(tBucket, "logs", "us-east-1", m{"bucket": "solsec-logs"}), "solsec-logs"), rsc(tBucketLifecycle, "lc", "us-east-1", m{"bucket": "solsec-logs"}), rsc(tBucketLogging, "lg", "us-east-1", m{"bucket": "solsec-x", "targetBucket": "solsec-logs"})}, want: Pass},
		{name: "neither", resources: []Resource{bucketB}, want: Violation, names: []string{"bucket-b"}},
	},
	"production-bucket-replication": {
		{name: "replicated in production, destination exempt", stack: Production, resources: []Resource{bucketB,
			withID(rsc(tBucket, "bucket-dr", "us-west-2", m{"bucket": "solsec-b-dr"}), "solsec-b-dr"),
			rsc(tBucketReplication, "rep", "us-east-1", m{"bucket": "solsec-b", "rules": l{m{"destination": m{"bucket": "arn:aws:s3:::solsec-b-dr"}}}})}, want: Pass},
		{name: "staging needs no replication", stack: "staging", resources: []Resource{bucketB}, want: Pass},
		{name: "not replicated in production", stack: Production, resources: []Resource{bucketB}, want: Violation, names: []string{"bucket-b"}},
	},
	"production-database-cross-region-replica": {
		{name: "a replica in the other region", stack: Production, resources: []Resource{dbP, rsc(tRDSInstance, "db-dr", "us-west-2", m{"replicateSourceDb": "arn:aws:rds:us-east-1:1:db:solsec-db"})}, want: Pass},
		{name: "an aurora global database", stack: Production, resources: []Resource{rsc(tRDSCluster, "c1", "us-east-1", m{"globalClusterIdentifier": "g"}), rsc(tRDSCluster, "c2", "us-west-2", m{"globalClusterIdentifier": "g"})}, want: Pass},
		{name: "staging needs none", stack: "staging", resources: []Resource{dbP}, want: Pass},
		{name: "a replica in the same region does not count", stack: Production, resources: []Resource{dbP, rsc(tRDSInstance, "db-reader", "us-east-1", m{"replicateSourceDb": "solsec-db"})}, want: Violation, names: []string{"db-primary"}},
		{name: "a replica whose source is unknown", stack: Production, resources: []Resource{dbP, rsc(tRDSInstance, "db-dr", "us-west-2", m{"replicateSourceDb": Unknown})}, want: Unknowns},
	},
	"kms-key-used": {
		{name: "a launch template uses the key's ARN", resources: []Resource{keyK, rsc(tLaunchTpl, "lt", "us-east-1", m{"blockDeviceMappings": l{m{"ebs": m{"kmsKeyId": "arn:aws:kms:us-east-1:1:key/1234-abcd"}}}})}, want: Pass},
		{name: "only an alias points at it", resources: []Resource{keyK, rsc(tKMSAlias, "alias", "us-east-1", m{"targetKeyId": "1234-abcd"})}, want: Violation, names: []string{"key-k"}},
		{name: "a new key (id unknown)", resources: []Resource{rsc(tKMSKey, "new", "us-east-1", m{})}, want: Unknowns},
	},
	"secret-has-rotation": {
		{name: "rotation joined on the ARN", resources: []Resource{withID(rsc(tSecret, "s", "us-east-1", m{}), "arn:aws:secretsmanager:us-east-1:1:secret:s-AbC"), rsc(tSecretRotation, "r", "us-east-1", m{"secretId": "arn:aws:secretsmanager:us-east-1:1:secret:s-AbC"})}, want: Pass},
		{name: "no rotation", resources: []Resource{withID(rsc(tSecret, "s", "us-east-1", m{}), "arn:s")}, want: Violation, names: []string{"s"}},
	},
	"waf-has-logging": {
		{name: "logging joined on the ACL ARN", resources: []Resource{withID(rsc(tWebACL, "acl", "us-east-1", m{"arn": "arn:aws:wafv2:acl"}), "id-1"), rsc(tWebACLLog, "log", "us-east-1", m{"resourceArn": "arn:aws:wafv2:acl"})}, want: Pass},
		{name: "no logging", resources: []Resource{withID(rsc(tWebACL, "acl", "us-east-1", m{}), "id-1")}, want: Violation, names: []string{"acl"}},
	},
	"cloudfront-logging": {
		{name: "a v2 access-log delivery from the distribution", resources: []Resource{cdn,
			rsc(tLogSource, "src", "us-east-1", m{"name": "cf", "logType": "ACCESS_LOGS", "resourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}),
			rsc(tLogDelivery, "del", "us-east-1", m{"deliverySourceName": "cf", "deliveryDestinationArn": "arn:d"})}, want: Pass},
		{name: "legacy logging to a bucket", resources: []Resource{withID(rsc(tCloudFront, "cdn", "", m{"loggingConfig": m{"bucket": "logs.s3.amazonaws.com"}}), "E1")}, want: Pass},
		{name: "a source without a delivery", resources: []Resource{cdn,
			rsc(tLogSource, "src", "us-east-1", m{"name": "cf", "logType": "ACCESS_LOGS", "resourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"})}, want: Violation, names: []string{"cdn"}},
		{name: "a delivery of another distribution", resources: []Resource{cdn,
			rsc(tLogSource, "src", "us-east-1", m{"name": "cf", "logType": "ACCESS_LOGS", "resourceArn": "arn:aws:cloudfront::123456789012:distribution/E2"}),
			rsc(tLogDelivery, "del", "us-east-1", m{"deliverySourceName": "cf"})}, want: Violation, names: []string{"cdn"}},
		{name: "no logging at all", resources: []Resource{cdn}, want: Violation, names: []string{"cdn"}},
		{name: "a source whose distribution is not known yet", resources: []Resource{cdn,
			rsc(tLogSource, "src", "us-east-1", m{"name": "cf", "logType": "ACCESS_LOGS", "resourceArn": Unknown})}, want: Unknowns},
	},
	"alb-has-waf": {
		{name: "internet-facing ALB with an association", resources: []Resource{withID(rsc(tLB, "alb", "us-east-1", m{"internal": false}), "arn:aws:elasticloadbalancing:alb"), rsc(tWebACLAssoc, "assoc", "us-east-1", m{"resourceArn": "arn:aws:elasticloadbalancing:alb"})}, want: Pass},
		{name: "internal ALB needs none", resources: []Resource{withID(rsc(tLB, "alb", "us-east-1", m{"internal": true}), "arn:alb")}, want: Pass},
		{name: "internet-facing ALB without one", resources: []Resource{withID(rsc(tLB, "alb", "us-east-1", m{}), "arn:alb")}, want: Violation, names: []string{"alb"}},
	},
	"istio-mesh-wide-strict": {
		{name: "istiod with a root-namespace STRICT policy", resources: []Resource{rsc(tHelmRelease, "istiod", "", m{"chart": "istiod"}), rsc(tPeerAuthV1, "pa", "", m{"metadata": m{"namespace": "istio-system"}, "spec": m{"mtls": m{"mode": "STRICT"}}})}, want: Pass},
		{name: "no Istio, nothing required", resources: []Resource{vpcA}, want: Pass},
		{name: "istiod with only a namespaced policy", resources: []Resource{rsc(tHelmRelease, "istiod", "", m{"chart": "istiod"}), rsc(tPeerAuthV1, "pa", "", m{"metadata": m{"namespace": "apps"}, "spec": m{"mtls": m{"mode": "STRICT"}}})}, want: Violation, names: []string{"istiod"}},
	},
}

func TestStackPolicies(t *testing.T) {
	for _, p := range StackPolicies() {
		var pass, fail bool
		for _, c := range stackCases[p.ID] {
			pass = pass || c.want == Pass
			fail = fail || c.want == Violation
			t.Run(p.ID+": "+c.name, func(t *testing.T) {
				stack := c.stack
				if stack == "" {
					stack = "staging"
				}
				vs := CheckStack(p, Stack{Name: stack, Resources: c.resources})
				require.NotEmpty(t, vs)
				for _, v := range vs {
					assert.Equal(t, c.want, v.Status, v.Message)
				}
				var names []string
				for _, v := range vs {
					if v.Status == Violation {
						assert.Contains(t, v.Message, "Fix: ")
						if v.Resource != "" {
							assert.Contains(t, v.Message, `"`+v.Resource+`"`)
							names = append(names, v.Resource)
						}
					}
				}
				if c.names != nil {
					assert.Equal(t, c.names, names)
				}
			})
		}
		assert.True(t, pass && fail, "%s needs a compliant and a violating case", p.ID)
	}
}

func TestWaivers(t *testing.T) {
	never := []ResourcePolicy{policyByID(t, "alb-internal")}
	alb := Resource{Type: tLB, Name: "staging-us-east-1-alb", URN: "urn:alb", Props: m{"internal": false}}
	other := Resource{Type: tLB, Name: "staging-us-east-1-admin-lb", URN: "urn:admin", Props: m{"internal": false}}
	rep := EvaluateWith(Stack{Name: "staging", Resources: []Resource{alb, other}}, never, nil, Waivers())
	require.Len(t, rep.Verdicts, 2)
	t.Run("a waived violation prints as waived with its reason and owner", func(t *testing.T) {
		v := rep.Verdicts[0]
		assert.Equal(t, Waived, v.Status)
		require.NotNil(t, v.Waiver)
		assert.Contains(t, v.Waiver.Reason, "internet-facing by design")
		assert.NotEmpty(t, v.Waiver.Owner)
		assert.Contains(t, v.Message, "staging-us-east-1-alb")
	})
	t.Run("a resource the waiver does not name still fails", func(t *testing.T) {
		assert.Equal(t, Violation, rep.Verdicts[1].Status)
		assert.Len(t, rep.Failed(), 1)
	})
	t.Run("a waiver that matches nothing is reported as unused", func(t *testing.T) {
		w := []Waiver{
			{Policy: "alb-internal", Resource: "*-alb", Reason: "r", Owner: "o"},
			{Policy: "alb-internal", Resource: "gone-*", Reason: "r", Owner: "o"},
			{Policy: "alb-internal", Stack: Production, Resource: "*", Reason: "r", Owner: "o"},
		}
		rep := EvaluateWith(Stack{Name: "staging", Resources: []Resource{alb}}, never, nil, w)
		require.Len(t, rep.Unused, 1, "the production-only waiver is not this stack's business")
		assert.Equal(t, "gone-*", rep.Unused[0].Resource)
	})
	t.Run("a waiver for one stack leaves the others alone", func(t *testing.T) {
		w := []Waiver{{Policy: "alb-internal", Stack: Production, Resource: "*", Reason: "r", Owner: "o"}}
		rep := EvaluateWith(Stack{Name: "staging", Resources: []Resource{alb}}, never, nil, w)
		assert.Equal(t, Violation, rep.Verdicts[0].Status)
	})
	t.Run("every waiver names an existing policy, a reason, an owner and a review date", func(t *testing.T) {
		ids := map[string]bool{}
		for _, p := range ResourcePolicies() {
			ids[p.ID] = true
		}
		for _, p := range StackPolicies() {
			ids[p.ID] = true
		}
		for _, w := range Waivers() {
			assert.True(t, ids[w.Policy], w.Policy)
			assert.Greater(t, len(w.Reason), 30, w.Policy)
			assert.Contains(t, w.Owner, "@", w.Policy)
			assert.Regexp(t, `^\d{4}-\d{2}-\d{2}$`, w.Reviewed, w.Policy)
		}
	})
}

func TestFromPropertyMap(t *testing.T) {
	pm := resource.PropertyMap{
		"plain":    resource.NewStringProperty("x"),
		"secret":   resource.MakeSecret(resource.NewStringProperty("token")),
		"computed": resource.MakeComputed(resource.NewStringProperty("")),
		"output":   resource.NewOutputProperty(resource.Output{Known: false}),
		"known":    resource.NewOutputProperty(resource.Output{Known: true, Element: resource.NewNumberProperty(3)}),
		"list":     resource.NewArrayProperty([]resource.PropertyValue{resource.NewBoolProperty(true), resource.MakeComputed(resource.NewStringProperty(""))}),
		"obj":      resource.NewObjectProperty(resource.PropertyMap{"k": resource.NewNullProperty()}),
	}
	got := FromPropertyMap(pm)
	assert.Equal(t, "x", got["plain"])
	assert.Equal(t, "token", got["secret"], "secrets are judged by value")
	assert.True(t, IsUnknown(got["computed"]))
	assert.True(t, IsUnknown(got["output"]))
	assert.Equal(t, 3.0, got["known"])
	assert.Equal(t, true, got["list"].([]any)[0])
	assert.True(t, IsUnknown(got["list"].([]any)[1]))
	assert.Equal(t, map[string]any{"k": nil}, got["obj"])
}
