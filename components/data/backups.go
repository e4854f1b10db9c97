package data

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// BackupSchedule is the AWS Backup plan's daily run (UTC), after the RDS
// backup window and outside peak hours.
const BackupSchedule = "cron(0 5 * * ? *)"

// backups creates, on the primary, a vault under the backups key and a
// daily plan covering the database and the file system, each recovery
// point kept for the retention and, when a recovery site exists, copied to
// its vault in the secondary region. These are independent of the
// services' own backups: they survive the deletion of the instance and the
// loss of the region.
func (b *builder) backups() error {
	if !b.primary() {
		b.d.BackupVaultArn = b.args.Primary.BackupVaultArn
		return nil
	}
	vault, err := backup.NewVault(b.ctx, b.child("vault"), &backup.VaultArgs{
		Name:         pulumi.String(b.physical(b.args.Region)),
		KmsKeyArn:    b.keyArn(KeyBackups),
		ForceDestroy: pulumi.Bool(!b.production()),
		Tags:         b.tags("vault", KeyBackups),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("backup vault: %w", err)
	}
	days := b.args.BackupRetentionDays
	rule := &backup.PlanRuleArgs{
		RuleName:         pulumi.String("daily"),
		TargetVaultName:  vault.Name,
		Schedule:         pulumi.String(BackupSchedule),
		StartWindow:      pulumi.Int(60),
		CompletionWindow: pulumi.Int(360),
		Lifecycle:        &backup.PlanRuleLifecycleArgs{DeleteAfter: pulumi.Int(days)},
	}
	if b.site != nil {
		rule.CopyActions = backup.PlanRuleCopyActionArray{backup.PlanRuleCopyActionArgs{
			DestinationVaultArn: b.site.vaultArn,
			Lifecycle:           &backup.PlanRuleCopyActionLifecycleArgs{DeleteAfter: pulumi.Int(days)},
		}}
	}
	plan, err := backup.NewPlan(b.ctx, b.child("backup-plan"), &backup.PlanArgs{
		Name:  pulumi.String(b.physical(b.args.Region)),
		Rules: backup.PlanRuleArray{rule},
		Tags:  b.tags("backup-plan", KeyBackups),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("backup plan: %w", err)
	}
	role, err := iam.NewRole(b.ctx, b.child("backup"), &iam.RoleArgs{
		Description: pulumi.String("AWS Backup: back up and restore the platform's database and file system"),
		AssumeRolePolicy: pulumi.String(iampolicy.New(iampolicy.Statement{
			Effect: "Allow", Principal: map[string]any{"Service": "backup.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
		}.When("StringEquals", "aws:SourceAccount", b.accountID)).JSON()),
		ManagedPolicyArns: pulumi.StringArray{
			pulumi.Sprintf("arn:%s:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup", b.partition),
			pulumi.Sprintf("arn:%s:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores", b.partition),
		},
		Tags: b.tags("backup", ""),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("backup role: %w", err)
	}
	if _, err := backup.NewSelection(b.ctx, b.child("backup-selection"), &backup.SelectionArgs{
		Name:       pulumi.String("database-and-files"),
		PlanId:     plan.ID(),
		IamRoleArn: role.Arn,
		Resources:  pulumi.StringArray{b.dbArn, b.fileSystemArn},
	}, pulumi.Parent(plan)); err != nil {
		return fmt.Errorf("backup selection: %w", err)
	}
	b.d.BackupVaultArn = vault.Arn
	b.d.Replication = b.replicationOut()
	return nil
}

// replicationOut is what the secondary region's Data receives.
func (b *builder) replicationOut() *Replication {
	if b.site == nil {
		return nil
	}
	keys := map[string]pulumi.StringOutput{}
	for t, k := range b.site.keys {
		keys[t] = k.arn
	}
	replicas := pulumi.StringMap{}
	for kind, bk := range b.site.buckets {
		replicas[kind] = pulumi.String(bk.name)
	}
	return &Replication{
		DatabaseArn:    b.dbArn,
		RedisAuthToken: b.redisToken,
		Keys:           keys,
		BucketNames:    b.bucketNames.ToStringMapOutput(),
		ReplicaBuckets: replicas.ToStringMapOutput(),
		SecretArns:     b.secretArns.ToStringMapOutput(),
		BackupVaultArn: b.site.vaultArn,
	}
}
