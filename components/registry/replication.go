package registry

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// Scan types and frequencies of the registry scanning configuration.
const (
	ScanEnhanced   = "ENHANCED"
	ScanBasic      = "BASIC"
	ScanContinuous = "CONTINUOUS_SCAN"
	ScanOnPush     = "SCAN_ON_PUSH"
)

// scanningConfiguration sets a region's registry-wide scanning: enhanced
// (Amazon Inspector) with continuous rescans of the platform's
// repositories, so that an image deployed months ago is flagged when a CVE
// in it is published; basic scan on push where enhanced is not available.
// The rule's filter keeps the setting to this environment's repositories.
func (b *builder) scanningConfiguration(suffix string, opts ...pulumi.ResourceOption) error {
	scanType, frequency := ScanEnhanced, ScanContinuous
	if b.args.BasicScanningOnly {
		scanType, frequency = ScanBasic, ScanOnPush
	}
	_, err := ecr.NewRegistryScanningConfiguration(b.ctx, b.child(suffix), &ecr.RegistryScanningConfigurationArgs{
		ScanType: pulumi.String(scanType),
		Rules: ecr.RegistryScanningConfigurationRuleArray{&ecr.RegistryScanningConfigurationRuleArgs{
			ScanFrequency: pulumi.String(frequency),
			RepositoryFilters: ecr.RegistryScanningConfigurationRuleRepositoryFilterArray{
				&ecr.RegistryScanningConfigurationRuleRepositoryFilterArgs{
					Filter:     pulumi.String(RepositoryPrefix(b.args.Environment) + "/*"),
					FilterType: pulumi.String("WILDCARD"),
				},
			},
		}},
	}, opts...)
	if err != nil {
		return fmt.Errorf("registry scanning configuration: %w", err)
	}
	return nil
}

func (b *builder) scanning() error { return b.scanningConfiguration("scanning", b.parent) }

// replication replicates the environment's repositories to the replica
// region, where a creation template makes every replica repository
// immutable, encrypted with that region's own images key, expired and
// restricted like its source (ECR copies images, not repository settings),
// and scanned the same way.
func (b *builder) replication() error {
	if b.args.Replica == nil {
		b.r.ReplicaKeyArn = pulumi.String("").ToStringOutput()
		return nil
	}
	rep := b.args.Replica
	inReplica := []pulumi.ResourceOption{b.parent, pulumi.Provider(rep.Provider)}
	key, err := b.newKey("replica-key", rep.Region, inReplica...)
	if err != nil {
		return err
	}
	b.r.ReplicaKeyArn = key.Arn
	prefix := RepositoryPrefix(b.args.Environment)

	// ECR assumes this role to create the replicas with a customer-managed
	// key: a template that names a KMS key needs one. It may create
	// repositories and receive replicated images under the prefix, and use
	// only the replica key.
	trust := iampolicy.New(iampolicy.Statement{
		Sid: "ECRCreatesReplicas", Effect: "Allow",
		Principal: map[string]any{"Service": "ecr.amazonaws.com"},
		Action:    []string{"sts:AssumeRole"},
	}.When("StringEquals", "aws:SourceAccount", b.acct.ID))
	role, err := iam.NewRole(b.ctx, b.child("replica-creation"), &iam.RoleArgs{
		Description:      pulumi.Sprintf("ECR creates the %s replicas of solsec %s images", rep.Region, b.args.Environment),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
		Tags:             b.tags("replica-creation"),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("replica creation role: %w", err)
	}
	repos := b.acct.ARN("ecr", rep.Region, "repository/"+prefix+"/*")
	policy := key.Arn.ApplyT(func(keyArn string) string {
		return iampolicy.New(
			iampolicy.Allow("CreateReplicas", []string{"ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"}, repos),
			iampolicy.Allow("UseReplicaKey", []string{"kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"}, keyArn),
		).JSON()
	}).(pulumi.StringOutput)
	rolePolicy, err := iam.NewRolePolicy(b.ctx, b.child("replica-creation"), &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: policy,
	}, pulumi.Parent(role))
	if err != nil {
		return fmt.Errorf("replica creation role policy: %w", err)
	}

	template, err := ecr.NewRepositoryCreationTemplate(b.ctx, b.child("replica-template"), &ecr.RepositoryCreationTemplateArgs{
		Prefix:             pulumi.String(prefix),
		Description:        pulumi.Sprintf("replicas of solsec %s images", b.args.Environment),
		AppliedFors:        pulumi.StringArray{pulumi.String("REPLICATION")},
		CustomRoleArn:      role.Arn,
		ImageTagMutability: pulumi.String("IMMUTABLE"),
		EncryptionConfigurations: ecr.RepositoryCreationTemplateEncryptionConfigurationArray{
			&ecr.RepositoryCreationTemplateEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS"), KmsKey: key.Arn},
		},
		LifecyclePolicy:  pulumi.String(b.lifecyclePolicy),
		RepositoryPolicy: b.repositoryPolicy,
		ResourceTags:     pulumi.StringMap{"Name": pulumi.String(b.child("replica")), "Replica": pulumi.String("true")},
	}, append(inReplica, pulumi.DependsOn([]pulumi.Resource{rolePolicy}))...)
	if err != nil {
		return fmt.Errorf("replica creation template: %w", err)
	}
	if err := b.scanningConfiguration("replica-scanning", inReplica...); err != nil {
		return err
	}

	// The template must exist before the first image is replicated, and
	// replication starts with the next push after the rule exists.
	deps := append([]pulumi.Resource{template}, b.repos...)
	if _, err := ecr.NewReplicationConfiguration(b.ctx, b.child("replication"), &ecr.ReplicationConfigurationArgs{
		ReplicationConfiguration: &ecr.ReplicationConfigurationReplicationConfigurationArgs{
			Rules: ecr.ReplicationConfigurationReplicationConfigurationRuleArray{&ecr.ReplicationConfigurationReplicationConfigurationRuleArgs{
				Destinations: ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArray{
					&ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs{
						Region:     pulumi.String(rep.Region),
						RegistryId: pulumi.String(b.acct.ID),
					},
				},
				RepositoryFilters: ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArray{
					&ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs{
						Filter:     pulumi.String(prefix),
						FilterType: pulumi.String("PREFIX_MATCH"),
					},
				},
			}},
		},
	}, b.parent, pulumi.DependsOn(deps)); err != nil {
		return fmt.Errorf("replication configuration: %w", err)
	}
	return nil
}
