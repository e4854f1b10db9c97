package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cfg"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// ConfigRule is an AWS managed Config rule and, where one is set, the AWS
// SSM Automation document that remediates a non-compliant resource.
type ConfigRule struct {
	Name       string
	Identifier string
	// Parameters of the rule, as JSON; empty for none.
	Parameters string
	// Remediation is an AWS-owned SSM document; RemediationParam names its
	// parameter that receives the resource id.
	Remediation      string
	RemediationParam string
	ResourceType     string
}

// ConfigRules are the controls the policy pack also checks, so that a
// change made outside Pulumi is caught too.
var ConfigRules = []ConfigRule{
	{Name: "encrypted-volumes", Identifier: "ENCRYPTED_VOLUMES"},
	{Name: "rds-storage-encrypted", Identifier: "RDS_STORAGE_ENCRYPTED"},
	{Name: "rds-multi-az", Identifier: "RDS_MULTI_AZ_SUPPORT"},
	{Name: "s3-tls-only", Identifier: "S3_BUCKET_SSL_REQUESTS_ONLY",
		Remediation: "AWSConfigRemediation-RestrictBucketSSLRequestsOnly", RemediationParam: "BucketName", ResourceType: "AWS::S3::Bucket"},
	{Name: "s3-public-access-blocked", Identifier: "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
		Remediation: "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock", RemediationParam: "BucketName", ResourceType: "AWS::S3::Bucket"},
	{Name: "s3-public-read-prohibited", Identifier: "S3_BUCKET_PUBLIC_READ_PROHIBITED"},
	{Name: "eks-endpoint-private", Identifier: "EKS_ENDPOINT_NO_PUBLIC_ACCESS"},
	{Name: "cloudtrail-enabled", Identifier: "MULTI_REGION_CLOUD_TRAIL_ENABLED"},
	{Name: "ec2-imdsv2", Identifier: "EC2_IMDSV2_CHECK",
		Remediation: "AWSConfigRemediation-EnforceEC2InstanceIMDSv2", RemediationParam: "InstanceId", ResourceType: "AWS::EC2::Instance"},
}

// config records every supported resource of the region (global ones, such
// as IAM, only in the primary region, so they are recorded once), delivers
// snapshots to a dedicated audit bucket, evaluates ConfigRules and
// remediates three of them automatically.
func (b *builder) config() error {
	bucketName := fmt.Sprintf("%s-%s-%s", b.prefix(), "config", b.accountID)
	bucketArn := fmt.Sprintf("arn:%s:s3:::%s", b.partition, bucketName)
	same := func(s iampolicy.Statement) iampolicy.Statement { return s }
	bucket, policy, err := b.auditBucket("config", b.auditKeyArn,
		b.serviceWrites("Config", "config.amazonaws.com", bucketArn, "AWSLogs/"+b.accountID+"/Config/*", same)...)
	if err != nil {
		return err
	}
	trust := iampolicy.New(iampolicy.Statement{Effect: "Allow", Principal: map[string]any{"Service": "config.amazonaws.com"},
		Action: []string{"sts:AssumeRole"}}.When("StringEquals", "aws:SourceAccount", b.accountID))
	role, err := iam.NewRole(b.ctx, b.child("config-recorder"), &iam.RoleArgs{
		Description:       pulumi.Sprintf("AWS Config recorder of %s", b.name),
		AssumeRolePolicy:  pulumi.String(trust.JSON()),
		ManagedPolicyArns: pulumi.StringArray{pulumi.Sprintf("arn:%s:iam::aws:policy/service-role/AWS_ConfigRole", b.partition)},
		Tags:              b.tags("config-recorder"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("config recorder role: %w", err)
	}
	recorder, err := cfg.NewRecorder(b.ctx, b.child("config-recorder"), &cfg.RecorderArgs{
		Name:    pulumi.String(b.prefix()),
		RoleArn: role.Arn,
		RecordingGroup: cfg.RecorderRecordingGroupArgs{
			AllSupported:               pulumi.Bool(true),
			IncludeGlobalResourceTypes: pulumi.Bool(b.args.Primary),
		},
	}, b.parent)
	if err != nil {
		return fmt.Errorf("config recorder: %w", err)
	}
	channel, err := cfg.NewDeliveryChannel(b.ctx, b.child("config-delivery"), &cfg.DeliveryChannelArgs{
		Name:         pulumi.String(b.prefix()),
		S3BucketName: bucket.Bucket,
		S3KmsKeyArn:  b.auditKeyArn,
		SnapshotDeliveryProperties: cfg.DeliveryChannelSnapshotDeliveryPropertiesArgs{
			DeliveryFrequency: pulumi.String("TwentyFour_Hours"),
		},
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{recorder, policy}))
	if err != nil {
		return fmt.Errorf("config delivery channel: %w", err)
	}
	status, err := cfg.NewRecorderStatus(b.ctx, b.child("config-recorder"), &cfg.RecorderStatusArgs{
		Name: recorder.Name, IsEnabled: pulumi.Bool(true),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{channel}))
	if err != nil {
		return fmt.Errorf("config recorder status: %w", err)
	}

	remediationRole, err := b.remediationRole()
	if err != nil {
		return err
	}
	for _, r := range ConfigRules {
		args := &cfg.RuleArgs{
			Name:        pulumi.String("solsec-" + b.args.Environment + "-" + r.Name),
			Description: pulumi.Sprintf("solsec policy-pack control %s", r.Identifier),
			Source:      cfg.RuleSourceArgs{Owner: pulumi.String("AWS"), SourceIdentifier: pulumi.String(r.Identifier)},
			Tags:        b.tags("config-rule-" + r.Name),
		}
		if r.Parameters != "" {
			args.InputParameters = pulumi.String(r.Parameters)
		}
		rule, err := cfg.NewRule(b.ctx, b.child("config-rule-"+r.Name), args, b.parent, pulumi.DependsOn([]pulumi.Resource{status}))
		if err != nil {
			return fmt.Errorf("config rule %s: %w", r.Name, err)
		}
		if r.Remediation == "" {
			continue
		}
		if _, err := cfg.NewRemediationConfiguration(b.ctx, b.child("config-fix-"+r.Name), &cfg.RemediationConfigurationArgs{
			ConfigRuleName: rule.Name,
			TargetType:     pulumi.String("SSM_DOCUMENT"),
			TargetId:       pulumi.String(r.Remediation),
			ResourceType:   pulumi.String(r.ResourceType),
			Automatic:      pulumi.Bool(true),
			// A remediation that keeps failing stops after five tries
			// instead of looping; the rule stays non-compliant and visible.
			MaximumAutomaticAttempts: pulumi.Int(5),
			RetryAttemptSeconds:      pulumi.Int(60),
			Parameters: cfg.RemediationConfigurationParameterArray{
				cfg.RemediationConfigurationParameterArgs{Name: pulumi.String("AutomationAssumeRole"), StaticValue: remediationRole},
				cfg.RemediationConfigurationParameterArgs{Name: pulumi.String(r.RemediationParam), ResourceValue: pulumi.String("RESOURCE_ID")},
			},
			ExecutionControls: cfg.RemediationConfigurationExecutionControlsArgs{
				SsmControls: cfg.RemediationConfigurationExecutionControlsSsmControlsArgs{
					ConcurrentExecutionRatePercentage: pulumi.Int(10), ErrorPercentage: pulumi.Int(10),
				},
			},
		}, b.parent); err != nil {
			return fmt.Errorf("config remediation %s: %w", r.Name, err)
		}
	}
	return nil
}

// remediationRole is assumed by SSM Automation to run the remediation
// documents, with exactly the actions they take.
func (b *builder) remediationRole() (pulumi.StringOutput, error) {
	trust := iampolicy.New(iampolicy.Statement{Effect: "Allow", Principal: map[string]any{"Service": "ssm.amazonaws.com"},
		Action: []string{"sts:AssumeRole"}}.When("StringEquals", "aws:SourceAccount", b.accountID))
	role, err := iam.NewRole(b.ctx, b.child("config-remediation"), &iam.RoleArgs{
		Description:      pulumi.Sprintf("SSM Automation remediations of AWS Config rules in %s", b.name),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
		Tags:             b.tags("config-remediation"),
	}, b.parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("remediation role: %w", err)
	}
	buckets := fmt.Sprintf("arn:%s:s3:::*", b.partition)
	if _, err := iam.NewRolePolicy(b.ctx, b.child("config-remediation"), &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: pulumi.String(iampolicy.New(
			iampolicy.Allow("FixBuckets", []string{"s3:GetBucketPolicy", "s3:PutBucketPolicy",
				"s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"}, buckets),
			iampolicy.Allow("FixInstanceMetadata", []string{"ec2:ModifyInstanceMetadataOptions"}, b.arn("ec2", "instance/*")),
			iampolicy.Allow("DescribeInstances", []string{"ec2:DescribeInstances"}, "*"),
			iampolicy.Allow("WatchAutomation", []string{"ssm:GetAutomationExecution"}, "*"),
		).JSON()),
	}, b.parent); err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("remediation role policy: %w", err)
	}
	return role.Arn, nil
}
