package data

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Secrets the platform needs besides the RDS-managed master password.
// Generated ones get a random value; placeholders are created empty and set
// by operators (aws secretsmanager put-secret-value), never from config.
const (
	SecretJWTSigningKey = "jwt-signing-key"
	SecretRedisAuth     = "redis-auth-token"
)

// PlaceholderSecrets are third-party API keys the tool integrations use.
var PlaceholderSecrets = []string{"third-party/etherscan-api-key", "third-party/github-token", "third-party/slack-webhook-url"}

// SecretName is a secret's name under solsec/<env>/, the prefix External
// Secrets is allowed to read.
func SecretName(env, short string) string { return "solsec/" + env + "/" + short }

// secrets creates the platform's secrets on the primary, encrypted with the
// secrets key and, when a recovery site exists, replicated to it under the
// secondary's secrets key. A secondary owns none: the replicas are managed
// through the primary's secrets.
func (b *builder) secrets() error {
	b.secretArns = pulumi.StringMap{}
	if !b.primary() {
		return nil
	}
	jwt, err := random.NewRandomPassword(b.ctx, b.child("jwt-signing-key"), &random.RandomPasswordArgs{
		// 64 characters for an HMAC-SHA-512 key.
		Length: pulumi.Int(64),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("jwt signing key: %w", err)
	}
	values := map[string]pulumi.StringOutput{
		SecretJWTSigningKey: pulumi.ToSecret(jwt.Result).(pulumi.StringOutput),
		SecretRedisAuth:     b.redisToken,
	}
	names := append([]string{SecretJWTSigningKey, SecretRedisAuth}, PlaceholderSecrets...)
	var rotated []rotatedSecret
	for _, short := range names {
		suffix := "secret-" + slug(short)
		args := &secretsmanager.SecretArgs{
			Name:        pulumi.String(SecretName(b.args.Environment, short)),
			Description: pulumi.Sprintf("solsec %s: %s", b.args.Environment, short),
			KmsKeyId:    b.keyArn(KeySecrets),
			// Production secrets can be restored for 30 days after deletion.
			RecoveryWindowInDays: pulumi.Int(map[bool]int{true: 30, false: 7}[b.production()]),
			Tags:                 b.tags(suffix, KeySecrets),
		}
		if b.site != nil {
			args.Replicas = secretsmanager.SecretReplicaArray{secretsmanager.SecretReplicaArgs{
				Region: pulumi.String(b.args.Recovery.Region), KmsKeyId: b.site.keys[KeySecrets].arn,
			}}
		}
		secret, err := secretsmanager.NewSecret(b.ctx, b.child(suffix), args, b.parent)
		if err != nil {
			return fmt.Errorf("secret %s: %w", short, err)
		}
		b.secretArns[short] = secret.Arn
		value, generated := values[short]
		if !generated {
			continue
		}
		// The first value only: rotation owns the secret's value after it.
		if _, err := secretsmanager.NewSecretVersion(b.ctx, b.child(suffix), &secretsmanager.SecretVersionArgs{
			SecretId: secret.ID(), SecretString: value,
		}, pulumi.Parent(secret), pulumi.IgnoreChanges([]string{"secretString", "versionStages"})); err != nil {
			return fmt.Errorf("secret %s value: %w", short, err)
		}
		rotated = append(rotated, rotatedSecret{short: short, secret: secret})
	}
	return b.rotation(rotated)
}

// slug turns a secret's short name into a resource-name suffix.
func slug(s string) string {
	out := []byte(s)
	for i, c := range out {
		if c == '/' {
			out[i] = '-'
		}
	}
	return string(out)
}
