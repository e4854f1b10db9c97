package data

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// rotationFunction is the Secrets Manager rotation function of the
// generated secrets (JWT signing key, Redis AUTH token). It is Python on
// the managed runtime, the one exception to Go in the repository: Secrets
// Manager calls it with a four-step protocol, its only dependency is the
// runtime's boto3, and an inline source needs no build step in the
// program (docs/data.md).
//
//go:embed rotation/index.py
var rotationFunction string

// RotationDays is how often Secrets Manager rotates the generated secrets.
const RotationDays = 30

// rotatedSecret is one generated secret that the rotation function owns.
type rotatedSecret struct {
	short  string
	secret *secretsmanager.Secret
}

// rotation deploys the rotation function and schedules rotation of the
// generated secrets. For the Redis token the function first adds the new
// token to every region's cache with the ROTATE strategy (old and new are
// both accepted until the next rotation), then makes it current.
func (b *builder) rotation(secrets []rotatedSecret) error {
	fn := b.physical(b.args.Region + "-secret-rotation")
	groups := []string{b.args.Region + ":" + b.physical(b.args.Region)}
	if b.args.Recovery != nil {
		groups = append(groups, b.args.Recovery.Region+":"+b.physical(b.args.Recovery.Region))
	}
	var groupArns, secretArns []pulumi.StringInput
	for _, g := range groups {
		region, id, _ := strings.Cut(g, ":")
		groupArns = append(groupArns, pulumi.String(b.arn("elasticache", region, "replicationgroup:"+id)))
	}
	redisSecret := ""
	for _, s := range secrets {
		secretArns = append(secretArns, s.secret.Arn)
		if s.short == SecretRedisAuth {
			redisSecret = SecretName(b.args.Environment, s.short)
		}
	}

	logs, err := cloudwatch.NewLogGroup(b.ctx, b.child("rotation-logs"), &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/lambda/" + fn),
		RetentionInDays: pulumi.Int(b.args.LogRetentionDays),
		KmsKeyId:        b.keyArn(KeyLogs),
		Tags:            b.tags("rotation-logs", KeyLogs),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("rotation log group: %w", err)
	}
	region := b.args.Region
	policy := pulumi.All(pulumi.All(toAny(secretArns)...), pulumi.All(toAny(groupArns)...), b.keyArn(KeySecrets), logs.Arn).ApplyT(func(v []any) string {
		return iampolicy.New(
			iampolicy.Allow("RotateGeneratedSecrets", []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
				"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"}, strs(v[0])...),
			iampolicy.Allow("GenerateValues", []string{"secretsmanager:GetRandomPassword"}, "*"),
			iampolicy.Allow("RotateRedisToken", []string{"elasticache:ModifyReplicationGroup", "elasticache:DescribeReplicationGroups"}, strs(v[1])...),
			iampolicy.Allow("UseSecretsKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, v[2].(string)).
				When("StringEquals", "kms:ViaService", "secretsmanager."+region+".amazonaws.com"),
			iampolicy.Allow("WriteOwnLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, v[3].(string)+":*"),
		).JSON()
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(b.ctx, b.child("rotation"), &iam.RoleArgs{
		Description: pulumi.String("Secrets Manager rotation of the JWT signing key and the Redis AUTH token"),
		AssumeRolePolicy: pulumi.String(iampolicy.New(iampolicy.Statement{
			Effect: "Allow", Principal: map[string]any{"Service": "lambda.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
		}.When("StringEquals", "aws:SourceAccount", b.accountID)).JSON()),
		Tags: b.tags("rotation", ""),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("rotation role: %w", err)
	}
	rolePolicy, err := iam.NewRolePolicy(b.ctx, b.child("rotation"), &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, pulumi.Parent(role))
	if err != nil {
		return fmt.Errorf("rotation role policy: %w", err)
	}
	function, err := lambda.NewFunction(b.ctx, b.child("rotation"), &lambda.FunctionArgs{
		Name:          pulumi.String(fn),
		Description:   pulumi.String("Rotates the platform's generated secrets (docs/data.md)"),
		Runtime:       pulumi.String("python3.12"),
		Architectures: pulumi.StringArray{pulumi.String("arm64")},
		Handler:       pulumi.String("index.handler"),
		Code:          pulumi.NewAssetArchive(map[string]any{"index.py": pulumi.NewStringAsset(rotationFunction)}),
		Role:          role.Arn,
		// The longest Lambda allows: a token change waits for every cache.
		Timeout: pulumi.Int(900),
		// One rotation at a time: two concurrent ones would race on the
		// Redis tokens.
		ReservedConcurrentExecutions: pulumi.Int(1),
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"REDIS_SECRET_NAME":  pulumi.String(redisSecret),
			"REPLICATION_GROUPS": pulumi.String(strings.Join(groups, ",")),
		}},
		Tags: b.tags("rotation", ""),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{rolePolicy, logs}))
	if err != nil {
		return fmt.Errorf("rotation function: %w", err)
	}
	permission, err := lambda.NewPermission(b.ctx, b.child("rotation"), &lambda.PermissionArgs{
		Function:      function.Name,
		Action:        pulumi.String("lambda:InvokeFunction"),
		Principal:     pulumi.String("secretsmanager.amazonaws.com"),
		SourceAccount: pulumi.String(b.accountID),
	}, pulumi.Parent(function))
	if err != nil {
		return fmt.Errorf("rotation permission: %w", err)
	}
	for _, s := range secrets {
		if _, err := secretsmanager.NewSecretRotation(b.ctx, b.child("secret-"+slug(s.short)), &secretsmanager.SecretRotationArgs{
			SecretId:          s.secret.ID(),
			RotationLambdaArn: function.Arn,
			RotationRules:     &secretsmanager.SecretRotationRotationRulesArgs{AutomaticallyAfterDays: pulumi.Int(RotationDays)},
			// The value Pulumi set is fresh: the first rotation waits for
			// the schedule.
			RotateImmediately: pulumi.Bool(false),
		}, pulumi.Parent(s.secret), pulumi.DependsOn([]pulumi.Resource{permission})); err != nil {
			return fmt.Errorf("secret %s rotation: %w", s.short, err)
		}
	}
	return nil
}

func toAny(in []pulumi.StringInput) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
