package edge

import (
	"fmt"
	"github.com/solsec/platform/internal/s3bucket"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// Bucket kinds the edge owns.
const (
	// BucketEdgeLogs receives the region's ALB access logs and, in
	// GlobalRegion, CloudFront's access logs and the docs bucket's server
	// access logs.
	BucketEdgeLogs = "edge-logs"
	// BucketEdgeDocs holds the documentation CloudFront serves.
	BucketEdgeDocs = "edge-docs"
)

// BucketName is an edge bucket's global name, in the data tier's scheme
// (solsec-<env>-<region>-<kind>-<account>) so the account's S3 log and
// policy conventions cover it.
func BucketName(env, region, kind, account string) string {
	return fmt.Sprintf("solsec-%s-%s-%s-%s", env, region, kind, account)
}

// bucket is one created bucket.
type bucket struct {
	name     string
	arn      string
	resource *s3.BucketV2
	policy   *s3.BucketPolicy
}

// bucketSpec says how to build one bucket.
type bucketSpec struct {
	region RegionArgs
	kind   string
	// sse is the default encryption: SSE-S3 when kmsKey is nil.
	kmsKey pulumi.StringInput
	// expireDays deletes objects after that many days (0: never).
	expireDays int
	// statements is the bucket's policy, built from its ARN; nil when the
	// caller creates the policy itself (it names a resource created after
	// the bucket).
	statements func(arn string) pulumi.StringOutput
	// logTo is a bucket receiving this bucket's server access logs.
	logTo *bucket
}

// newBucket creates a private, versioned, encrypted, TLS-only bucket with
// ACLs disabled and a lifecycle.
func (b *builder) newBucket(s bucketSpec) (*bucket, error) {
	n := func(suffix string) string { return b.child(s.region.Name + "-" + s.kind + suffix) }
	name := BucketName(b.args.Environment, s.region.Name, s.kind, b.account.ID)
	arn := fmt.Sprintf("arn:%s:s3:::%s", b.account.Partition, name)
	fail := func(what string, err error) (*bucket, error) {
		return nil, fmt.Errorf("%s bucket in %s %s: %w", s.kind, s.region.Name, what, err)
	}
	base, err := s3bucket.New(b.ctx, n(""), s3bucket.Args{
		Name: name, ForceDestroy: !b.args.Production, KMSKey: s.kmsKey,
		Tags: pulumi.StringMap{"DataClass": pulumi.String(s.kind)},
		Opts: b.in(s.region),
	})
	if err != nil {
		return fail("", err)
	}
	bk, ver, child := base.Bucket, base.Versioning, base.Child
	var policy *s3.BucketPolicy
	if s.statements != nil {
		if policy, err = s3.NewBucketPolicy(b.ctx, n("-policy"), &s3.BucketPolicyArgs{
			Bucket: bk.ID(),
			Policy: s.statements(arn),
		}, child...); err != nil {
			return fail("policy", err)
		}
	}
	rule := &s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:     pulumi.String(s.kind + "-lifecycle"),
		Status: pulumi.String("Enabled"),
		Filter: &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
			DaysAfterInitiation: pulumi.Int(7)},
		NoncurrentVersionExpiration: &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
			NoncurrentDays: pulumi.Int(30)},
	}
	if s.expireDays > 0 {
		rule.Expiration = &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(s.expireDays)}
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(b.ctx, n("-lifecycle"), &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bk.ID(),
		Rules:  s3.BucketLifecycleConfigurationV2RuleArray{rule},
	}, append(child, pulumi.DependsOn([]pulumi.Resource{ver}))...); err != nil {
		return fail("lifecycle", err)
	}
	if s.logTo != nil {
		if _, err := s3.NewBucketLoggingV2(b.ctx, n("-logging"), &s3.BucketLoggingV2Args{
			Bucket: bk.ID(), TargetBucket: pulumi.String(s.logTo.name), TargetPrefix: pulumi.String("s3/" + s.kind + "/"),
		}, append(child, pulumi.DependsOn([]pulumi.Resource{s.logTo.policy}))...); err != nil {
			return fail("access logging", err)
		}
	}
	return &bucket{name: name, arn: arn, resource: bk, policy: policy}, nil
}

// denyInsecureTransport is every bucket's first statement.
func denyInsecureTransport(arn string) iampolicy.Statement {
	return iampolicy.Statement{
		Sid: "DenyInsecureTransport", Effect: "Deny", Principal: map[string]any{"AWS": "*"},
		Action: []string{"s3:*"}, Resource: []string{arn, arn + "/*"},
	}.When("Bool", "aws:SecureTransport", false)
}

// logsBucket creates a region's edge access-log bucket. It uses SSE-S3
// because ALB access-log delivery supports no other encryption (a
// KMS-encrypted bucket, like the data tier's logs bucket, silently
// receives nothing), and it is a separate bucket because the data tier's
// logs bucket policy and key policy belong to that component. In
// GlobalRegion it also receives CloudFront's access logs (log delivery v2,
// no ACLs) and the docs bucket's server access logs.
func (b *builder) logsBucket(r RegionArgs) (*bucket, error) {
	acct, part := b.account.ID, b.account.Partition
	elbAccount := elbLogAccounts[r.Name]
	return b.newBucket(bucketSpec{
		region: r, kind: BucketEdgeLogs, expireDays: b.args.LogRetentionDays,
		statements: func(arn string) pulumi.StringOutput {
			st := []iampolicy.Statement{
				denyInsecureTransport(arn),
				{
					Sid: "AlbAccessLogs", Effect: "Allow",
					Principal: map[string]any{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", part, elbAccount)},
					Action:    []string{"s3:PutObject"}, Resource: fmt.Sprintf("%s/alb/AWSLogs/%s/*", arn, acct),
				},
			}
			if r.Name == GlobalRegion {
				// Vended log delivery names the account's log sources of
				// the region as the source.
				source := fmt.Sprintf("arn:%s:logs:%s:%s:*", part, GlobalRegion, acct)
				st = append(st,
					iampolicy.Statement{
						Sid: "CloudFrontLogDeliveryAclCheck", Effect: "Allow",
						Principal: map[string]any{"Service": "delivery.logs.amazonaws.com"},
						Action:    []string{"s3:GetBucketAcl"}, Resource: arn,
					}.When("StringEquals", "aws:SourceAccount", acct).When("ArnLike", "aws:SourceArn", source),
					iampolicy.Statement{
						Sid: "CloudFrontLogDelivery", Effect: "Allow",
						Principal: map[string]any{"Service": "delivery.logs.amazonaws.com"},
						Action:    []string{"s3:PutObject"}, Resource: fmt.Sprintf("%s/AWSLogs/%s/*", arn, acct),
					}.When("StringEquals", "aws:SourceAccount", acct).When("ArnLike", "aws:SourceArn", source).
						When("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control"),
					iampolicy.Statement{
						Sid: "S3ServerAccessLogs", Effect: "Allow",
						Principal: map[string]any{"Service": "logging.s3.amazonaws.com"},
						Action:    []string{"s3:PutObject"}, Resource: arn + "/s3/*",
					}.When("StringEquals", "aws:SourceAccount", acct).
						When("ArnLike", "aws:SourceArn", fmt.Sprintf("arn:%s:s3:::solsec-%s-*", part, b.args.Environment)),
				)
			}
			return pulumi.String(iampolicy.New(st...).JSON()).ToStringOutput()
		},
	})
}
