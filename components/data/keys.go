package data

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// Data types, each with its own customer-managed key in every region.
const (
	KeyDatabase = "database"
	KeyCache    = "cache"
	KeyObjects  = "objects"
	KeyFiles    = "files"
	KeySecrets  = "secrets"
	KeyLogs     = "logs"
	KeyBackups  = "backups"
)

// KeyTypes lists the data types in the order their keys are created.
var KeyTypes = []string{KeyDatabase, KeyCache, KeyObjects, KeyFiles, KeySecrets, KeyLogs, KeyBackups}

// keyServices are the AWS services that may use each key on behalf of the
// account's principals (kms:ViaService): a principal allowed by IAM can use
// the database key only through RDS, never to decrypt directly.
var keyServices = map[string][]string{
	KeyDatabase: {"rds"},
	KeyCache:    {"elasticache"},
	KeyObjects:  {"s3"},
	KeyFiles:    {"elasticfilesystem"},
	KeySecrets:  {"secretsmanager", "rds"},
	KeyLogs:     {"logs", "s3"},
	KeyBackups:  {"backup", "rds", "elasticfilesystem"},
}

// KeyAlias is the alias of a data type's key. Aliases are regional, so the
// same alias names each region's own key.
func KeyAlias(env, keyType string) string { return fmt.Sprintf("alias/solsec/%s/%s", env, keyType) }

// regionKey is one data type's key in one region.
type regionKey struct {
	key *kms.Key
	arn pulumi.StringOutput
}

// keyPolicy lets the account administer the key (the only statement with
// an account-wide principal, as KMS requires for IAM policies to apply) and
// lets the account's principals use it only through the type's services.
// CloudWatch Logs and S3 log delivery encrypt as their own service
// principals, limited to this account.
func (b *builder) keyPolicy(keyType, region string) iampolicy.Document {
	root := fmt.Sprintf("arn:%s:iam::%s:root", b.partition, b.accountID)
	var via []string
	for _, s := range keyServices[keyType] {
		via = append(via, fmt.Sprintf("%s.%s.amazonaws.com", s, region))
	}
	statements := []iampolicy.Statement{
		{Sid: "AccountAdministers", Effect: "Allow", Principal: map[string]any{"AWS": root}, Action: []string{"kms:*"}, Resource: "*"},
		iampolicy.Statement{
			Sid: "UseThroughServices", Effect: "Allow", Principal: map[string]any{"AWS": root},
			Action:   []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"},
			Resource: "*",
		}.When("StringEquals", "kms:ViaService", via).When("StringEquals", "kms:CallerAccount", b.accountID),
	}
	if keyType == KeyLogs {
		// S3 server access logs are delivered by the logging service into
		// the SSE-KMS logs bucket, which needs data keys from this key.
		statements = append(statements, iampolicy.Statement{
			Sid: "S3ServerAccessLogDelivery", Effect: "Allow",
			Principal: map[string]any{"Service": "logging.s3.amazonaws.com"},
			Action:    []string{"kms:GenerateDataKey*", "kms:Encrypt"},
			Resource:  "*",
		}.When("StringEquals", "aws:SourceAccount", b.accountID))
		statements = append(statements, iampolicy.Statement{
			Sid: "CloudWatchLogsEncrypts", Effect: "Allow",
			Principal: map[string]any{"Service": fmt.Sprintf("logs.%s.amazonaws.com", region)},
			Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			Resource:  "*",
		}.When("ArnLike", "kms:EncryptionContext:aws:logs:arn", b.arn("logs", region, "log-group:*")))
	}
	return iampolicy.New(statements...)
}

// newKeys creates one key per data type in a region, with rotation on and
// the alias alias/solsec/<env>/<type>. prefix names the resources; opts
// carry the parent and, for the recovery site, the other region's provider.
func (b *builder) newKeys(prefix, region string, opts ...pulumi.ResourceOption) (map[string]*regionKey, error) {
	out := map[string]*regionKey{}
	for _, t := range KeyTypes {
		name := prefix + "-key-" + t
		key, err := kms.NewKey(b.ctx, name, &kms.KeyArgs{
			Description:       pulumi.Sprintf("solsec %s %s: %s data", b.args.Environment, region, t),
			EnableKeyRotation: pulumi.Bool(true),
			// A deleted key makes its data unreadable: the longest window.
			DeletionWindowInDays: pulumi.Int(30),
			Policy:               pulumi.String(b.keyPolicy(t, region).JSON()),
			Tags:                 pulumi.StringMap{"Name": pulumi.String(name), "DataClass": pulumi.String(t)},
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("%s key in %s: %w", t, region, err)
		}
		if _, err := kms.NewAlias(b.ctx, name, &kms.AliasArgs{
			Name:        pulumi.String(KeyAlias(b.args.Environment, t)),
			TargetKeyId: key.KeyId,
		}, opts...); err != nil {
			return nil, fmt.Errorf("%s key alias in %s: %w", t, region, err)
		}
		out[t] = &regionKey{key: key, arn: key.Arn}
	}
	return out, nil
}

// keys creates the region's keys. A secondary region's keys belong to the
// primary's recovery site, which exists before this component (they are
// needed by the primary's replication), so a secondary receives them.
func (b *builder) keys() error {
	if !b.primary() {
		b.regionKeys = map[string]*regionKey{}
		for t, arn := range b.args.Primary.Keys {
			b.regionKeys[t] = &regionKey{arn: arn}
		}
		for _, t := range KeyTypes {
			if _, ok := b.regionKeys[t]; !ok {
				return fmt.Errorf("the primary's replication hands over no %s key for %s", t, b.args.Region)
			}
		}
		return nil
	}
	keys, err := b.newKeys(b.name, b.args.Region, b.parent)
	if err != nil {
		return err
	}
	b.regionKeys = keys
	return nil
}

// keyArn is this region's key of a data type.
func (b *builder) keyArn(t string) pulumi.StringOutput { return b.regionKeys[t].arn }
