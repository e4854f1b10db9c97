package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// flowLogGroupName is known before the group exists so that the key policy
// can name it without a dependency cycle.
func (b *builder) flowLogGroupName() string { return "/aws/vpc-flow-logs/" + b.name }

// flowLogs records ALL traffic of the VPC to a CloudWatch log group
// encrypted with a key of its own, written by a role that can write to that
// group and nothing else.
func (b *builder) flowLogs() error {
	groupName := b.flowLogGroupName()
	groupArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", b.partition, b.args.Region, b.accountID, groupName)
	root := fmt.Sprintf("arn:%s:iam::%s:root", b.partition, b.accountID)

	keyPolicy := iampolicy.New(
		// Without an account statement a key can become unmanageable;
		// this delegates access control to IAM policies of the account.
		iampolicy.Statement{Sid: "AccountAdministers", Effect: "Allow",
			Principal: map[string]any{"AWS": root}, Action: []string{"kms:*"}, Resource: "*"},
		// Only for this log group: CloudWatch Logs names the group in the
		// encryption context.
		iampolicy.Statement{Sid: "FlowLogGroupEncrypts", Effect: "Allow",
			Principal: map[string]any{"Service": fmt.Sprintf("logs.%s.amazonaws.com", b.args.Region)},
			Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			Resource:  "*"}.When("ArnEquals", "kms:EncryptionContext:aws:logs:arn", groupArn),
	)
	key, err := kms.NewKey(b.ctx, b.child("flow-logs-key"), &kms.KeyArgs{
		Description:          pulumi.Sprintf("VPC flow logs of %s", b.name),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(keyPolicy.JSON()),
		Tags:                 b.tags("flow-logs-key", nil),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("flow-log key: %w", err)
	}
	if _, err := kms.NewAlias(b.ctx, b.child("flow-logs-key"), &kms.AliasArgs{
		Name:        pulumi.Sprintf("alias/solsec/%s/%s/flow-logs", b.args.Environment, b.args.Region),
		TargetKeyId: key.KeyId,
	}, b.parent); err != nil {
		return fmt.Errorf("flow-log key alias: %w", err)
	}

	group, err := cloudwatch.NewLogGroup(b.ctx, b.child("flow-logs"), &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(groupName),
		RetentionInDays: pulumi.Int(b.args.FlowLogRetentionDays),
		KmsKeyId:        key.Arn,
		Tags:            b.tags("flow-logs", nil),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("flow-log group: %w", err)
	}

	// Confused-deputy guard: only flow logs of this account may assume it.
	trust := iampolicy.New(iampolicy.Statement{Effect: "Allow",
		Principal: map[string]any{"Service": "vpc-flow-logs.amazonaws.com"},
		Action:    []string{"sts:AssumeRole"}}.
		When("StringEquals", "aws:SourceAccount", b.accountID).
		When("ArnLike", "aws:SourceArn", fmt.Sprintf("arn:%s:ec2:%s:%s:vpc-flow-log/*", b.partition, b.args.Region, b.accountID)))
	role, err := iam.NewRole(b.ctx, b.child("flow-logs"), &iam.RoleArgs{
		Description:      pulumi.Sprintf("Writes VPC flow logs of %s to %s", b.name, groupName),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
		Tags:             b.tags("flow-logs", nil),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("flow-log role: %w", err)
	}
	write := iampolicy.New(iampolicy.Allow("WriteFlowLogGroupOnly",
		[]string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
		groupArn, groupArn+":*"))
	if _, err := iam.NewRolePolicy(b.ctx, b.child("flow-logs"), &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: pulumi.String(write.JSON()),
	}, b.parent); err != nil {
		return fmt.Errorf("flow-log role policy: %w", err)
	}

	if _, err := ec2.NewFlowLog(b.ctx, b.child("flow-log"), &ec2.FlowLogArgs{
		VpcId:              b.vpc.ID(),
		TrafficType:        pulumi.String("ALL"),
		LogDestinationType: pulumi.String("cloud-watch-logs"),
		LogDestination:     group.Arn,
		IamRoleArn:         role.Arn,
		// One-minute aggregation: the shortest AWS offers, for incident response.
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   b.tags("flow-log", nil),
	}, b.parent); err != nil {
		return fmt.Errorf("flow log: %w", err)
	}
	b.net.FlowLogGroupName = group.Name
	b.net.FlowLogKeyArn = key.Arn
	return nil
}
