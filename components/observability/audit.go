package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// auditKey encrypts the audit buckets: CloudTrail may use it for this
// account's trails only, AWS Config for this account only.
func (b *builder) auditKey() (pulumi.StringOutput, error) {
	statements := []iampolicy.Statement{
		b.accountAdministers(),
		iampolicy.Statement{Sid: "ConfigEncrypts", Effect: "Allow", Principal: map[string]any{"Service": "config.amazonaws.com"},
			Action: []string{"kms:GenerateDataKey*", "kms:Decrypt"}, Resource: "*"}.
			When("StringEquals", "aws:SourceAccount", b.accountID),
	}
	if b.args.Primary {
		statements = append(statements,
			iampolicy.Statement{Sid: "CloudTrailEncrypts", Effect: "Allow", Principal: map[string]any{"Service": "cloudtrail.amazonaws.com"},
				Action: []string{"kms:GenerateDataKey*"}, Resource: "*"}.
				When("StringLike", "kms:EncryptionContext:aws:cloudtrail:arn", fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*", b.partition, b.accountID)).
				When("StringEquals", "aws:SourceArn", b.trailArn()),
			iampolicy.Statement{Sid: "CloudTrailDescribes", Effect: "Allow", Principal: map[string]any{"Service": "cloudtrail.amazonaws.com"},
				Action: []string{"kms:DescribeKey"}, Resource: "*"},
		)
	}
	k, err := b.key("audit", "Audit logs (CloudTrail, AWS Config) of "+b.name, iampolicy.New(statements...))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return k.Arn, nil
}

// auditBucket creates a private, versioned, KMS-encrypted bucket for audit
// logs whose objects nobody may delete (the lifecycle expires them after
// the audit retention), readable only over TLS. writers are the
// service statements that deliver to it.
func (b *builder) auditBucket(purpose string, keyArn pulumi.StringInput, writers ...iampolicy.Statement) (*s3.BucketV2, pulumi.Resource, error) {
	name := fmt.Sprintf("%s-%s-%s", b.prefix(), purpose, b.accountID)
	arn := fmt.Sprintf("arn:%s:s3:::%s", b.partition, name)
	suffix := purpose + "-bucket"
	// Audit history outlives the stack: destroying the stack leaves it.
	keep := pulumi.RetainOnDelete(true)
	bucket, err := s3.NewBucketV2(b.ctx, b.child(suffix), &s3.BucketV2Args{
		Bucket: pulumi.String(name),
		Tags:   b.tags(suffix),
	}, b.parent, keep)
	if err != nil {
		return nil, nil, fmt.Errorf("%s bucket: %w", purpose, err)
	}
	on := []pulumi.ResourceOption{b.parent, pulumi.DependsOn([]pulumi.Resource{bucket})}
	if _, err := s3.NewBucketPublicAccessBlock(b.ctx, b.child(suffix), &s3.BucketPublicAccessBlockArgs{
		Bucket: bucket.ID(), BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true),
		IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
	}, on...); err != nil {
		return nil, nil, fmt.Errorf("%s bucket public access block: %w", purpose, err)
	}
	if _, err := s3.NewBucketOwnershipControls(b.ctx, b.child(suffix), &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, on...); err != nil {
		return nil, nil, fmt.Errorf("%s bucket ownership: %w", purpose, err)
	}
	if _, err := s3.NewBucketVersioningV2(b.ctx, b.child(suffix), &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, on...); err != nil {
		return nil, nil, fmt.Errorf("%s bucket versioning: %w", purpose, err)
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(b.ctx, b.child(suffix), &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("aws:kms"), KmsMasterKeyId: keyArn,
			},
			BucketKeyEnabled: pulumi.Bool(true),
		}},
	}, on...); err != nil {
		return nil, nil, fmt.Errorf("%s bucket encryption: %w", purpose, err)
	}
	retention := b.args.auditRetention()
	if _, err := s3.NewBucketLifecycleConfigurationV2(b.ctx, b.child(suffix), &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("archive-then-expire"),
			Status: pulumi.String("Enabled"),
			Filter: s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Transitions: s3.BucketLifecycleConfigurationV2RuleTransitionArray{
				s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(90), StorageClass: pulumi.String("STANDARD_IA")},
				s3.BucketLifecycleConfigurationV2RuleTransitionArgs{Days: pulumi.Int(365), StorageClass: pulumi.String("GLACIER")},
			},
			Expiration:                  s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(retention)},
			NoncurrentVersionExpiration: s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(30)},
			AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(7),
			},
		}},
	}, on...); err != nil {
		return nil, nil, fmt.Errorf("%s bucket lifecycle: %w", purpose, err)
	}
	statements := append([]iampolicy.Statement{
		{Sid: "DenyDelete", Effect: "Deny", Principal: map[string]any{"AWS": "*"},
			Action:   []string{"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket"},
			Resource: []string{arn, arn + "/*"}},
		iampolicy.Statement{Sid: "DenyInsecureTransport", Effect: "Deny", Principal: map[string]any{"AWS": "*"},
			Action: []string{"s3:*"}, Resource: []string{arn, arn + "/*"}}.When("Bool", "aws:SecureTransport", false),
	}, writers...)
	policy, err := s3.NewBucketPolicy(b.ctx, b.child(suffix), &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: pulumi.String(iampolicy.New(statements...).JSON()),
	}, on...)
	if err != nil {
		return nil, nil, fmt.Errorf("%s bucket policy: %w", purpose, err)
	}
	return bucket, policy, nil
}

// serviceWrites lets one AWS service of this account check the bucket's
// ACL and write objects under prefix (AWSLogs/<account>/...).
func (b *builder) serviceWrites(sid, service, bucketArn, prefix string, extra func(iampolicy.Statement) iampolicy.Statement) []iampolicy.Statement {
	principal := map[string]any{"Service": service}
	check := iampolicy.Statement{Sid: sid + "AclCheck", Effect: "Allow", Principal: principal,
		Action: []string{"s3:GetBucketAcl", "s3:ListBucket"}, Resource: bucketArn}.When("StringEquals", "aws:SourceAccount", b.accountID)
	write := iampolicy.Statement{Sid: sid + "Write", Effect: "Allow", Principal: principal,
		Action: []string{"s3:PutObject"}, Resource: bucketArn + "/" + prefix}.
		When("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control").
		When("StringEquals", "aws:SourceAccount", b.accountID)
	return []iampolicy.Statement{extra(check), extra(write)}
}

func (b *builder) trailName() string { return "solsec-" + b.args.Environment }

func (b *builder) trailArn() string {
	return fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", b.partition, b.args.Region, b.accountID, b.trailName())
}

// TrailMetricNamespace holds the metrics of the trail's metric filters.
const TrailMetricNamespace = "solsec/CloudTrail"

// TrailAlarms are the CIS-style metric filters on the trail's log group,
// each with an alarm that fires on the first match.
var TrailAlarms = []struct{ Name, Description, Pattern string }{
	{"RootAccountUsage", "The root user was used",
		`{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`},
	{"UnauthorizedApiCalls", "API calls were refused for lack of permission",
		`{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`},
	{"IamPolicyChanges", "IAM policies were changed",
		`{ ($.eventSource = "iam.amazonaws.com") && (($.eventName = "DeleteGroupPolicy") || ($.eventName = "DeleteRolePolicy") || ` +
			`($.eventName = "DeleteUserPolicy") || ($.eventName = "PutGroupPolicy") || ($.eventName = "PutRolePolicy") || ` +
			`($.eventName = "PutUserPolicy") || ($.eventName = "CreatePolicy") || ($.eventName = "DeletePolicy") || ` +
			`($.eventName = "CreatePolicyVersion") || ($.eventName = "DeletePolicyVersion") || ($.eventName = "AttachRolePolicy") || ` +
			`($.eventName = "DetachRolePolicy") || ($.eventName = "AttachUserPolicy") || ($.eventName = "DetachUserPolicy") || ` +
			`($.eventName = "AttachGroupPolicy") || ($.eventName = "DetachGroupPolicy")) }`},
	{"KmsKeyChanges", "A KMS key was disabled or scheduled for deletion, or its policy changed",
		`{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = "DisableKey") || ($.eventName = "ScheduleKeyDeletion") || ($.eventName = "PutKeyPolicy")) }`},
	{"SecurityGroupChanges", "A security group was changed",
		`{ ($.eventName = "AuthorizeSecurityGroupIngress") || ($.eventName = "AuthorizeSecurityGroupEgress") || ` +
			`($.eventName = "RevokeSecurityGroupIngress") || ($.eventName = "RevokeSecurityGroupEgress") || ` +
			`($.eventName = "CreateSecurityGroup") || ($.eventName = "DeleteSecurityGroup") || ($.eventName = "ModifySecurityGroupRules") }`},
}

// audit creates the audit key of the region and, in the primary region,
// the stack's one multi-region trail: log-file validation, KMS, a
// dedicated bucket, CloudWatch Logs delivery with metric filters and
// alarms, and S3 data events on the audited buckets.
func (b *builder) audit() error {
	key, err := b.auditKey()
	if err != nil {
		return err
	}
	b.auditKeyArn = key
	if !b.args.Primary {
		return nil
	}
	bucketName := fmt.Sprintf("%s-%s-%s", b.prefix(), "cloudtrail", b.accountID)
	bucketArn := fmt.Sprintf("arn:%s:s3:::%s", b.partition, bucketName)
	trailArn := b.trailArn()
	onlyThisTrail := func(s iampolicy.Statement) iampolicy.Statement {
		return s.When("StringEquals", "aws:SourceArn", trailArn)
	}
	bucket, policy, err := b.auditBucket("cloudtrail", key,
		b.serviceWrites("CloudTrail", "cloudtrail.amazonaws.com", bucketArn, "AWSLogs/"+b.accountID+"/*", onlyThisTrail)...)
	if err != nil {
		return err
	}

	group, err := b.logGroup("cloudtrail", "/aws/cloudtrail/"+b.trailName())
	if err != nil {
		return err
	}
	groupArn := b.arn("logs", "log-group:/aws/cloudtrail/"+b.trailName())
	trust := iampolicy.New(iampolicy.Statement{Effect: "Allow", Principal: map[string]any{"Service": "cloudtrail.amazonaws.com"},
		Action: []string{"sts:AssumeRole"}}.When("StringEquals", "aws:SourceArn", trailArn))
	role, err := iam.NewRole(b.ctx, b.child("cloudtrail-logs"), &iam.RoleArgs{
		Description:      pulumi.Sprintf("Delivers trail %s to CloudWatch Logs", b.trailName()),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
		Tags:             b.tags("cloudtrail-logs"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("cloudtrail logs role: %w", err)
	}
	rolePolicy, err := iam.NewRolePolicy(b.ctx, b.child("cloudtrail-logs"), &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: pulumi.String(iampolicy.New(iampolicy.Allow("WriteTrailGroupOnly",
			[]string{"logs:CreateLogStream", "logs:PutLogEvents"}, groupArn+":log-stream:*")).JSON()),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("cloudtrail logs role policy: %w", err)
	}

	selectors := cloudtrail.TrailAdvancedEventSelectorArray{cloudtrail.TrailAdvancedEventSelectorArgs{
		Name: pulumi.String("All management events"),
		FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{
			Field: pulumi.String("eventCategory"), Equals: pulumi.StringArray{pulumi.String("Management")},
		}},
	}}
	if len(b.args.AuditedBucketArns) > 0 {
		var prefixes pulumi.StringArray
		for _, arn := range b.args.AuditedBucketArns {
			prefixes = append(prefixes, pulumi.Sprintf("%s/", arn))
		}
		selectors = append(selectors, cloudtrail.TrailAdvancedEventSelectorArgs{
			Name: pulumi.String("Objects of the contract and result buckets"),
			FieldSelectors: cloudtrail.TrailAdvancedEventSelectorFieldSelectorArray{
				cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("eventCategory"), Equals: pulumi.StringArray{pulumi.String("Data")}},
				cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("resources.type"), Equals: pulumi.StringArray{pulumi.String("AWS::S3::Object")}},
				cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs{Field: pulumi.String("resources.ARN"), StartsWiths: prefixes},
			},
		})
	}
	trail, err := cloudtrail.NewTrail(b.ctx, b.child("trail"), &cloudtrail.TrailArgs{
		Name:                       pulumi.String(b.trailName()),
		S3BucketName:               bucket.Bucket,
		IsMultiRegionTrail:         pulumi.Bool(true),
		IncludeGlobalServiceEvents: pulumi.Bool(true),
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		KmsKeyId:                   key,
		CloudWatchLogsGroupArn:     pulumi.Sprintf("%s:*", group.Arn),
		CloudWatchLogsRoleArn:      role.Arn,
		AdvancedEventSelectors:     selectors,
		Tags:                       b.tags("trail"),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{policy, rolePolicy}))
	if err != nil {
		return fmt.Errorf("trail: %w", err)
	}
	b.o.TrailArn = trail.Arn
	b.o.AuditBucket = bucket.Bucket

	for _, a := range TrailAlarms {
		if _, err := cloudwatch.NewLogMetricFilter(b.ctx, b.child("trail-"+a.Name), &cloudwatch.LogMetricFilterArgs{
			Name:         pulumi.String(a.Name),
			LogGroupName: group.Name,
			Pattern:      pulumi.String(a.Pattern),
			MetricTransformation: cloudwatch.LogMetricFilterMetricTransformationArgs{
				Name: pulumi.String(a.Name), Namespace: pulumi.String(TrailMetricNamespace), Value: pulumi.String("1"),
			},
		}, b.parent); err != nil {
			return fmt.Errorf("metric filter %s: %w", a.Name, err)
		}
		if err := b.newAlarm(alarm{"trail-" + a.Name, a.Description, TrailMetricNamespace, a.Name, nil, "Sum", "GreaterThanOrEqualToThreshold", 1, 1}); err != nil {
			return err
		}
	}
	return nil
}
