// Package s3bucket creates the baseline every bucket of the platform
// starts from: private (public access blocked), ACLs disabled, versioned
// and encrypted by default. The data and edge components add what differs
// (policies, lifecycle, replication, logging) on top, so that the baseline
// cannot drift between them.
package s3bucket

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Args describe one bucket.
type Args struct {
	// Name is the bucket's global name; Tags are added to it.
	Name string
	Tags pulumi.StringMap
	// ForceDestroy lets a destroy empty the bucket: never in production.
	ForceDestroy bool
	// KMSKey encrypts objects with SSE-KMS and a bucket key; nil means
	// SSE-S3, for buckets AWS log delivery writes to (ALB access logs
	// cannot be written to KMS-encrypted buckets).
	KMSKey pulumi.StringInput
	// Opts apply to the bucket (provider, parent); its settings are its
	// children.
	Opts []pulumi.ResourceOption
}

// Bucket is the created baseline.
type Bucket struct {
	Bucket *s3.BucketV2
	// Versioning is what replication and lifecycle rules must depend on.
	Versioning *s3.BucketVersioningV2
	// Child are the options for further settings of this bucket: the
	// caller's options, parented to the bucket.
	Child []pulumi.ResourceOption
}

// New creates the bucket name and its baseline settings, named name plus
// "-public-access", "-ownership", "-versioning" and "-encryption".
func New(ctx *pulumi.Context, name string, a Args) (*Bucket, error) {
	tags := pulumi.StringMap{"Name": pulumi.String(a.Name)}
	for k, v := range a.Tags {
		tags[k] = v
	}
	bk, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		Bucket:       pulumi.String(a.Name),
		ForceDestroy: pulumi.Bool(a.ForceDestroy),
		Tags:         tags,
	}, a.Opts...)
	if err != nil {
		return nil, err
	}
	child := append(append([]pulumi.ResourceOption{}, a.Opts...), pulumi.Parent(bk))
	if _, err := s3.NewBucketPublicAccessBlock(ctx, name+"-public-access", &s3.BucketPublicAccessBlockArgs{
		Bucket: bk.ID(), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, child...); err != nil {
		return nil, fmt.Errorf("public access block: %w", err)
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name+"-ownership", &s3.BucketOwnershipControlsArgs{
		Bucket: bk.ID(),
		// ACLs off: only bucket policies grant access, including to AWS log
		// delivery (ALB, CloudFront's log delivery v2, server access logs).
		Rule: &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, child...); err != nil {
		return nil, fmt.Errorf("ownership controls: %w", err)
	}
	ver, err := s3.NewBucketVersioningV2(ctx, name+"-versioning", &s3.BucketVersioningV2Args{
		Bucket:                  bk.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, child...)
	if err != nil {
		return nil, fmt.Errorf("versioning: %w", err)
	}
	sse := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String("AES256")}
	if a.KMSKey != nil {
		sse = &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
			SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: a.KMSKey}
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name+"-encryption", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bk.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: sse,
			// Bucket keys cut KMS requests (and cost) by orders of magnitude.
			BucketKeyEnabled: pulumi.Bool(a.KMSKey != nil),
		}},
	}, child...); err != nil {
		return nil, fmt.Errorf("encryption: %w", err)
	}
	return &Bucket{Bucket: bk, Versioning: ver, Child: child}, nil
}
