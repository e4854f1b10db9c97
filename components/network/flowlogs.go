package network

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// policy is an IAM or KMS policy document.
type policy struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string                       `json:"Sid,omitempty"`
	Effect    string                       `json:"Effect"`
	Principal map[string]any               `json:"Principal,omitempty"`
	Action    []string                     `json:"Action"`
	Resource  any                          `json:"Resource,omitempty"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

func (p policy) String() string {
	b, err := json.Marshal(p)
	if err != nil {
		// Marshalling fixed struct types cannot fail.
		panic(err)
	}
	return string(b)
}

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

	keyPolicy := policy{Version: "2012-10-17", Statement: []statement{
		{
			// Without an account statement a key can become unmanageable;
			// this delegates access control to IAM policies of the account.
			Sid: "AccountAdministers", Effect: "Allow",
			Principal: map[string]any{"AWS": root},
			Action:    []string{"kms:*"}, Resource: "*",
		},
		{
			Sid: "FlowLogGroupEncrypts", Effect: "Allow",
			Principal: map[string]any{"Service": fmt.Sprintf("logs.%s.amazonaws.com", b.args.Region)},
			Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			Resource:  "*",
			// Only for this log group: CloudWatch Logs names the group in
			// the encryption context.
			Condition: map[string]map[string]string{"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": groupArn}},
		},
	}}
	key, err := kms.NewKey(b.ctx, b.child("flow-logs-key"), &kms.KeyArgs{
		Description:          pulumi.Sprintf("VPC flow logs of %s", b.name),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(keyPolicy.String()),
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

	trust := policy{Version: "2012-10-17", Statement: []statement{{
		Effect:    "Allow",
		Principal: map[string]any{"Service": "vpc-flow-logs.amazonaws.com"},
		Action:    []string{"sts:AssumeRole"},
		// Confused-deputy guard: only flow logs of this account may assume it.
		Condition: map[string]map[string]string{
			"StringEquals": {"aws:SourceAccount": b.accountID},
			"ArnLike":      {"aws:SourceArn": fmt.Sprintf("arn:%s:ec2:%s:%s:vpc-flow-log/*", b.partition, b.args.Region, b.accountID)},
		},
	}}}
	role, err := iam.NewRole(b.ctx, b.child("flow-logs"), &iam.RoleArgs{
		Description:      pulumi.Sprintf("Writes VPC flow logs of %s to %s", b.name, groupName),
		AssumeRolePolicy: pulumi.String(trust.String()),
		Tags:             b.tags("flow-logs", nil),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("flow-log role: %w", err)
	}
	write := policy{Version: "2012-10-17", Statement: []statement{{
		Sid: "WriteFlowLogGroupOnly", Effect: "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
		Resource: []string{groupArn, groupArn + ":*"},
	}}}
	if _, err := iam.NewRolePolicy(b.ctx, b.child("flow-logs"), &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: pulumi.String(write.String()),
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
