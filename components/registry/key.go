package registry

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/awsaccount"
	"github.com/solsec/platform/internal/iampolicy"
)

// KeyAlias is the alias of the images key in each region, named like the
// data component's keys (alias/solsec/<env>/<type>).
func KeyAlias(env string) string { return "alias/solsec/" + env + "/images" }

// keyPolicy lets the account administer the key and lets the account's
// principals use it only through ECR in the key's region: images are a
// data type of their own, with their own key, rather than a use of one of
// the data component's keys, whose policies admit only their own services
// and whose rotation and deletion follow the data they protect.
func keyPolicy(acct awsaccount.Account, region string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Statement{Sid: "AccountAdministers", Effect: "Allow", Principal: map[string]any{"AWS": acct.Root()}, Action: []string{"kms:*"}, Resource: "*"},
		iampolicy.Statement{
			Sid: "UseThroughECR", Effect: "Allow", Principal: map[string]any{"AWS": acct.Root()},
			Action:   []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"},
			Resource: "*",
		}.When("StringEquals", "kms:ViaService", fmt.Sprintf("ecr.%s.amazonaws.com", region)).
			When("StringEquals", "kms:CallerAccount", acct.ID),
	)
}

// newKey creates an images key with rotation and its alias in a region;
// opts carry the parent and that region's provider.
func (b *builder) newKey(suffix, region string, opts ...pulumi.ResourceOption) (*kms.Key, error) {
	name := b.child(suffix)
	key, err := kms.NewKey(b.ctx, name, &kms.KeyArgs{
		Description:       pulumi.Sprintf("solsec %s %s: container images", b.args.Environment, region),
		EnableKeyRotation: pulumi.Bool(true),
		// Without the key no image can be pulled: the longest window.
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(keyPolicy(b.acct, region).JSON()),
		Tags:                 pulumi.StringMap{"Name": pulumi.String(name), "DataClass": pulumi.String("images")},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("images key in %s: %w", region, err)
	}
	if _, err := kms.NewAlias(b.ctx, name, &kms.AliasArgs{
		Name:        pulumi.String(KeyAlias(b.args.Environment)),
		TargetKeyId: key.KeyId,
	}, opts...); err != nil {
		return nil, fmt.Errorf("images key alias in %s: %w", region, err)
	}
	return key, nil
}

// key creates the primary region's images key.
func (b *builder) key() error {
	key, err := b.newKey("key", b.args.Region, b.parent)
	if err != nil {
		return err
	}
	b.keyArn = key.Arn
	b.r.KeyArn = key.Arn
	return nil
}
