package data

import (
	"fmt"
	"github.com/solsec/platform/internal/s3bucket"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// Bucket kinds.
const (
	BucketContracts = "contracts"
	BucketResults   = "results"
	BucketDocs      = "docs"
	BucketLogs      = "logs"
)

// bucketClass is a bucket's data class: when its objects move to cheaper
// storage and when they expire. Zero means never.
type bucketClass struct {
	kind string
	// infrequentAfter and glacierAfter are days after creation.
	infrequentAfter, glacierAfter int
	expireAfter                   int
	// noncurrentDays keeps overwritten and deleted versions this long.
	noncurrentDays int
}

// bucketClasses: contract sources are read again on re-analysis for months,
// results and reports are mostly read in the first weeks, documentation is
// served (kept warm), access logs are kept a year for audits.
var bucketClasses = []bucketClass{
	{kind: BucketContracts, infrequentAfter: 30, glacierAfter: 180, noncurrentDays: 90},
	{kind: BucketResults, infrequentAfter: 30, glacierAfter: 90, noncurrentDays: 90},
	{kind: BucketDocs, infrequentAfter: 90, noncurrentDays: 30},
	{kind: BucketLogs, infrequentAfter: 30, glacierAfter: 90, expireAfter: 365, noncurrentDays: 30},
}

// DataBuckets are the buckets holding platform data, besides the logs.
var DataBuckets = []string{BucketContracts, BucketResults, BucketDocs}

// ReplicatedBuckets are the kinds copied to the secondary region: the
// contracts and results the issue names, the documentation (a failover
// origin for the edge) and the access logs (audit evidence outlives a
// region), so that no production bucket exists in one region only.
var ReplicatedBuckets = []string{BucketContracts, BucketResults, BucketDocs, BucketLogs}

// BucketName is a bucket's global name: environment, region, kind and
// account, so that it is unique across AWS and known before it exists.
func BucketName(env, region, kind, account string) string {
	return fmt.Sprintf("solsec-%s-%s-%s-%s", env, region, kind, account)
}

// bucket is one created bucket.
type bucket struct {
	name       string
	arn        string
	resource   *s3.BucketV2
	versioning *s3.BucketVersioningV2
}

// bucketSpec says where and how to build one bucket.
type bucketSpec struct {
	prefix, region string
	class          bucketClass
	// key encrypts objects (SSE-KMS with bucket keys): the objects key,
	// or the logs key for the access-logs bucket.
	key pulumi.StringInput
	// logs is the access-logs bucket; "" for the logs bucket itself.
	logs string
	opts []pulumi.ResourceOption
}

// newBucket creates a private, versioned, encrypted, TLS-only bucket with
// its lifecycle and access logging.
func (b *builder) newBucket(s bucketSpec) (*bucket, error) {
	kind := s.class.kind
	n := func(suffix string) string { return s.prefix + "-" + kind + suffix }
	name := BucketName(b.args.Environment, s.region, kind, b.accountID)
	arn := fmt.Sprintf("arn:%s:s3:::%s", b.partition, name)
	fail := func(what string, err error) (*bucket, error) {
		return nil, fmt.Errorf("%s bucket %s: %w", kind, what, err)
	}

	base, err := s3bucket.New(b.ctx, n(""), s3bucket.Args{
		// Production buckets are never emptied by a destroy.
		Name: name, ForceDestroy: !b.production(), KMSKey: s.key,
		Tags: pulumi.StringMap{"DataClass": pulumi.String(kind)},
		Opts: s.opts,
	})
	if err != nil {
		return fail("", err)
	}
	bk, ver, child := base.Bucket, base.Versioning, base.Child

	statements := []iampolicy.Statement{iampolicy.Statement{
		Sid: "DenyInsecureTransport", Effect: "Deny", Principal: map[string]any{"AWS": "*"},
		Action: []string{"s3:*"}, Resource: []string{arn, arn + "/*"},
	}.When("Bool", "aws:SecureTransport", false)}
	if s.logs == "" {
		statements = append(statements, iampolicy.Statement{
			Sid: "S3ServerAccessLogs", Effect: "Allow", Principal: map[string]any{"Service": "logging.s3.amazonaws.com"},
			Action: []string{"s3:PutObject"}, Resource: arn + "/*",
		}.When("StringEquals", "aws:SourceAccount", b.accountID).
			When("ArnLike", "aws:SourceArn", fmt.Sprintf("arn:%s:s3:::solsec-%s-*", b.partition, b.args.Environment)))
	}
	if _, err := s3.NewBucketPolicy(b.ctx, n("-policy"), &s3.BucketPolicyArgs{
		Bucket: bk.ID(),
		Policy: pulumi.String(iampolicy.New(statements...).JSON()),
	}, child...); err != nil {
		return fail("policy", err)
	}

	c := s.class
	rule := &s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:     pulumi.String(kind + "-lifecycle"),
		Status: pulumi.String("Enabled"),
		Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(7)},
		NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
			NoncurrentDays: pulumi.Int(c.noncurrentDays)},
	}
	var transitions s3.BucketLifecycleConfigurationV2RuleTransitionArray
	if c.infrequentAfter > 0 {
		transitions = append(transitions, &s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
			Days: pulumi.Int(c.infrequentAfter), StorageClass: pulumi.String("STANDARD_IA")})
	}
	if c.glacierAfter > 0 {
		transitions = append(transitions, &s3.BucketLifecycleConfigurationV2RuleTransitionArgs{
			Days: pulumi.Int(c.glacierAfter), StorageClass: pulumi.String("GLACIER")})
	}
	rule.Transitions = transitions
	if c.expireAfter > 0 {
		rule.Expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(c.expireAfter)}
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(b.ctx, n("-lifecycle"), &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bk.ID(),
		Rules:  s3.BucketLifecycleConfigurationV2RuleArray{rule},
	}, append(child, pulumi.DependsOn([]pulumi.Resource{ver}))...); err != nil {
		return fail("lifecycle", err)
	}
	if s.logs != "" {
		if _, err := s3.NewBucketLoggingV2(b.ctx, n("-logging"), &s3.BucketLoggingV2Args{
			// The region in the prefix keeps a replica's own logs apart
			// from the primary's logs replicated into the same bucket.
			Bucket: bk.ID(), TargetBucket: pulumi.String(s.logs), TargetPrefix: pulumi.String(s.region + "/" + kind + "/"),
		}, child...); err != nil {
			return fail("access logging", err)
		}
	}
	return &bucket{name: name, arn: arn, resource: bk, versioning: ver}, nil
}

// classOf returns a kind's bucket class.
func classOf(kind string) bucketClass {
	for _, c := range bucketClasses {
		if c.kind == kind {
			return c
		}
	}
	return bucketClass{kind: kind, noncurrentDays: 30}
}

// newBucketSet creates the logs bucket first, then the data buckets
// logging into it, in one region with that region's keys.
func (b *builder) newBucketSet(prefix, region string, keys map[string]*regionKey, opts ...pulumi.ResourceOption) (map[string]*bucket, error) {
	out := map[string]*bucket{}
	logs, err := b.newBucket(bucketSpec{prefix: prefix, region: region, class: classOf(BucketLogs), key: keys[KeyLogs].arn, opts: opts})
	if err != nil {
		return nil, err
	}
	out[BucketLogs] = logs
	for _, kind := range DataBuckets {
		bk, err := b.newBucket(bucketSpec{prefix: prefix, region: region, class: classOf(kind), key: keys[KeyObjects].arn, logs: logs.name,
			opts: append(append([]pulumi.ResourceOption{}, opts...), pulumi.DependsOn([]pulumi.Resource{logs.resource}))})
		if err != nil {
			return nil, err
		}
		out[kind] = bk
	}
	return out, nil
}

// buckets creates the primary's buckets and, when a recovery site exists,
// replicates contracts and results to it. A secondary has no buckets of its
// own: its replicas belong to the primary's recovery site.
func (b *builder) buckets() error {
	b.bucketNames = pulumi.StringMap{}
	if !b.primary() {
		b.d.ReplicaBucketNames = b.args.Primary.ReplicaBuckets
		return nil
	}
	set, err := b.newBucketSet(b.name, b.args.Region, b.regionKeys, b.parent)
	if err != nil {
		return err
	}
	for kind, bk := range set {
		b.bucketNames[kind] = pulumi.String(bk.name)
	}
	if b.site == nil {
		return nil
	}
	return b.replication(set)
}

// replication copies every bucket to its replica in the recovery site,
// re-encrypted with the secondary's key of the same type,
// under Replication Time Control (99.99% of objects within 15 minutes)
// with its metrics, through a role limited to those buckets and keys.
func (b *builder) replication(set map[string]*bucket) error {
	var sources, replicas []string
	for _, kind := range ReplicatedBuckets {
		sources = append(sources, set[kind].arn)
		replicas = append(replicas, b.site.buckets[kind].arn)
	}
	role, err := iam.NewRole(b.ctx, b.child("replication"), &iam.RoleArgs{
		Description: pulumi.String("S3 cross-region replication of the platform's buckets to the recovery site"),
		AssumeRolePolicy: pulumi.String(iampolicy.New(iampolicy.Statement{
			Effect: "Allow", Principal: map[string]any{"Service": "s3.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
		}.When("StringEquals", "aws:SourceAccount", b.accountID)).JSON()),
		Tags: b.tags("replication", ""),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("replication role: %w", err)
	}
	region, drRegion := b.args.Region, b.args.Recovery.Region
	keyArns := pulumi.All(b.keyArn(KeyObjects), b.keyArn(KeyLogs), b.site.keys[KeyObjects].arn, b.site.keys[KeyLogs].arn)
	policy := keyArns.ApplyT(func(v []any) string {
		src, dst := []string{v[0].(string), v[1].(string)}, []string{v[2].(string), v[3].(string)}
		var srcObjects, dstObjects []string
		for i := range sources {
			srcObjects = append(srcObjects, sources[i]+"/*")
			dstObjects = append(dstObjects, replicas[i]+"/*")
		}
		return iampolicy.New(
			iampolicy.Allow("ReadSourceConfiguration", []string{"s3:GetReplicationConfiguration", "s3:ListBucket"}, sources...),
			iampolicy.Allow("ReadSourceVersions", []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
				"s3:GetObjectVersionTagging"}, srcObjects...),
			iampolicy.Allow("WriteReplicas", []string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"}, dstObjects...),
			iampolicy.Allow("DecryptSources", []string{"kms:Decrypt"}, src...).
				When("StringEquals", "kms:ViaService", "s3."+region+".amazonaws.com"),
			iampolicy.Allow("EncryptReplicas", []string{"kms:Encrypt", "kms:GenerateDataKey"}, dst...).
				When("StringEquals", "kms:ViaService", "s3."+drRegion+".amazonaws.com"),
		).JSON()
	}).(pulumi.StringOutput)
	rolePolicy, err := iam.NewRolePolicy(b.ctx, b.child("replication"), &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, pulumi.Parent(role))
	if err != nil {
		return fmt.Errorf("replication role policy: %w", err)
	}
	for i, kind := range ReplicatedBuckets {
		src, dst := set[kind], b.site.buckets[kind]
		replicaKey := b.site.keys[KeyObjects].arn
		if kind == BucketLogs {
			replicaKey = b.site.keys[KeyLogs].arn
		}
		if _, err := s3.NewBucketReplicationConfig(b.ctx, b.child(kind+"-replication"), &s3.BucketReplicationConfigArgs{
			Bucket: src.resource.ID(),
			Role:   role.Arn,
			Rules: s3.BucketReplicationConfigRuleArray{&s3.BucketReplicationConfigRuleArgs{
				Id:       pulumi.String(kind + "-to-" + drRegion),
				Status:   pulumi.String("Enabled"),
				Priority: pulumi.Int(1),
				Filter:   &s3.BucketReplicationConfigRuleFilterArgs{Prefix: pulumi.String("")},
				DeleteMarkerReplication: &s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs{
					Status: pulumi.String("Enabled")},
				SourceSelectionCriteria: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs{
					SseKmsEncryptedObjects: &s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs{
						Status: pulumi.String("Enabled")}},
				Destination: &s3.BucketReplicationConfigRuleDestinationArgs{
					Bucket:       pulumi.String(replicas[i]),
					StorageClass: pulumi.String("STANDARD"),
					EncryptionConfiguration: &s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs{
						ReplicaKmsKeyId: replicaKey},
					ReplicationTime: &s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs{
						Status: pulumi.String("Enabled"),
						Time:   &s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs{Minutes: pulumi.Int(15)}},
					Metrics: &s3.BucketReplicationConfigRuleDestinationMetricsArgs{
						Status:         pulumi.String("Enabled"),
						EventThreshold: &s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs{Minutes: pulumi.Int(15)}},
				},
			}},
			// Both buckets must be versioned before replication is set.
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{src.versioning, dst.versioning, rolePolicy})); err != nil {
			return fmt.Errorf("%s replication: %w", kind, err)
		}
	}
	return nil
}
