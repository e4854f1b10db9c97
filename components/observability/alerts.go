package observability

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// accountAdministers is the statement every key policy starts with: without
// it a key can become unmanageable; it delegates access to IAM policies.
func (b *builder) accountAdministers() iampolicy.Statement {
	return iampolicy.Statement{Sid: "AccountAdministers", Effect: "Allow",
		Principal: map[string]any{"AWS": b.root()}, Action: []string{"kms:*"}, Resource: "*"}
}

// key creates a customer-managed key with rotation and an alias.
func (b *builder) key(suffix, description string, policy iampolicy.Document) (*kms.Key, error) {
	k, err := kms.NewKey(b.ctx, b.child(suffix+"-key"), &kms.KeyArgs{
		Description:          pulumi.String(description),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(policy.JSON()),
		Tags:                 b.tags(suffix + "-key"),
	}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", suffix, err)
	}
	if _, err := kms.NewAlias(b.ctx, b.child(suffix+"-key"), &kms.AliasArgs{
		Name:        pulumi.Sprintf("alias/solsec/%s/%s/%s", b.args.Environment, b.args.Region, suffix),
		TargetKeyId: k.KeyId,
	}, b.parent); err != nil {
		return nil, fmt.Errorf("%s key alias: %w", suffix, err)
	}
	return k, nil
}

// logsKey uses the data tier's logs key when given, else creates one that
// CloudWatch Logs may use for this account's log groups in this region only.
func (b *builder) useLogsKey() error {
	if b.args.LogsKeyArn != nil {
		b.logsKey = b.args.LogsKeyArn.ToStringOutput()
		b.o.LogsKeyArn = b.logsKey
		return nil
	}
	k, err := b.key("logs", "CloudWatch log groups of "+b.name, iampolicy.New(
		b.accountAdministers(),
		iampolicy.Statement{Sid: "LogGroupsOfThisAccountEncrypt", Effect: "Allow",
			Principal: map[string]any{"Service": fmt.Sprintf("logs.%s.amazonaws.com", b.args.Region)},
			Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			Resource:  "*"}.When("ArnLike", "kms:EncryptionContext:aws:logs:arn", b.arn("logs", "log-group:*")),
	))
	if err != nil {
		return err
	}
	b.logsKey = k.Arn
	b.o.LogsKeyArn = k.Arn
	return nil
}

// logGroup creates a log group encrypted with the logs key and retained
// for the configured number of days.
func (b *builder) logGroup(suffix, name string) (*cloudwatch.LogGroup, error) {
	g, err := cloudwatch.NewLogGroup(b.ctx, b.child(suffix), &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(name),
		RetentionInDays: pulumi.Int(b.args.LogRetentionDays),
		KmsKeyId:        b.logsKey,
		Tags:            b.tags(suffix),
	}, b.parent)
	if err != nil {
		return nil, fmt.Errorf("log group %s: %w", name, err)
	}
	return g, nil
}

// alertPublishers are the services that publish to the alert topic.
var alertPublishers = []string{
	"cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com",
}

// alertTopic creates the region's SNS alert topic, encrypted with a key the
// publishing services may use, a topic policy that lets only those services
// of this account publish, and the e-mail subscriptions.
func (b *builder) alertTopic() error {
	key, err := b.key("alerts", "SNS alert topic of "+b.name, iampolicy.New(
		b.accountAdministers(),
		iampolicy.Statement{Sid: "AlertPublishersEncrypt", Effect: "Allow",
			Principal: map[string]any{"Service": alertPublishers},
			Action:    []string{"kms:GenerateDataKey*", "kms:Decrypt"},
			Resource:  "*"}.When("StringEquals", "aws:SourceAccount", b.accountID),
	))
	if err != nil {
		return err
	}
	topic, err := sns.NewTopic(b.ctx, b.child("alerts"), &sns.TopicArgs{
		Name:           pulumi.String(b.prefix() + "-alerts"),
		DisplayName:    pulumi.Sprintf("solsec %s %s alerts", b.args.Environment, b.args.Region),
		KmsMasterKeyId: key.Arn,
		Tags:           b.tags("alerts"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("alert topic: %w", err)
	}
	account, root := b.accountID, b.root()
	policy := topic.Arn.ApplyT(func(arn string) string {
		return iampolicy.New(
			iampolicy.Statement{Sid: "AccountManages", Effect: "Allow", Principal: map[string]any{"AWS": root},
				Action: []string{"sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission",
					"sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"},
				Resource: arn},
			iampolicy.Statement{Sid: "AlertPublishersPublish", Effect: "Allow", Principal: map[string]any{"Service": alertPublishers},
				Action: []string{"sns:Publish"}, Resource: arn}.When("StringEquals", "aws:SourceAccount", account),
			iampolicy.Statement{Sid: "DenyInsecureTransport", Effect: "Deny", Principal: map[string]any{"AWS": "*"},
				Action: []string{"sns:Publish"}, Resource: arn}.When("Bool", "aws:SecureTransport", false),
		).JSON()
	}).(pulumi.StringOutput)
	if _, err := sns.NewTopicPolicy(b.ctx, b.child("alerts"), &sns.TopicPolicyArgs{
		Arn: topic.Arn, Policy: policy,
	}, b.parent); err != nil {
		return fmt.Errorf("alert topic policy: %w", err)
	}
	for i, email := range b.args.AlertEmails {
		if _, err := sns.NewTopicSubscription(b.ctx, b.child(fmt.Sprintf("alerts-email-%d", i)), &sns.TopicSubscriptionArgs{
			Topic: topic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(email),
		}, b.parent); err != nil {
			return fmt.Errorf("alert subscription %d: %w", i, err)
		}
	}
	b.topicArn = topic.Arn
	b.alertsKeyArn = key.Arn
	b.o.AlertTopicArn = topic.Arn
	return nil
}
