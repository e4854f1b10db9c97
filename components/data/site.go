package data

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RecoverySite is the part of a secondary region that the primary's
// replication writes into: the secondary region's keys (one per data
// type), the replica buckets with their access-logs bucket, and the DR
// backup vault. It is a child of the primary's Data, built with the
// secondary region's provider before the primary's replication refers to
// it; the secondary's Data is built later and receives its keys.
type RecoverySite struct {
	pulumi.ResourceState

	KeyArns            pulumi.StringMapOutput `pulumi:"keyArns"`
	ReplicaBucketNames pulumi.StringMapOutput `pulumi:"replicaBucketNames"`
	BackupVaultArn     pulumi.StringOutput    `pulumi:"backupVaultArn"`
}

// site is the builder's view of the recovery site.
type site struct {
	keys     map[string]*regionKey
	buckets  map[string]*bucket
	vaultArn pulumi.StringOutput
}

// recoverySite builds the recovery site when the primary replicates.
func (b *builder) recoverySite() error {
	if !b.primary() || b.args.Recovery == nil {
		return nil
	}
	r := b.args.Recovery
	name := b.child("recovery")
	rs := &RecoverySite{}
	if err := b.ctx.RegisterComponentResource("solsec:data:RecoverySite", name, rs,
		b.parent, pulumi.Providers(r.Provider)); err != nil {
		return fmt.Errorf("recovery site: register component: %w", err)
	}
	opts := []pulumi.ResourceOption{pulumi.Parent(rs), pulumi.Provider(r.Provider)}

	keys, err := b.newKeys(name, r.Region, opts...)
	if err != nil {
		return fmt.Errorf("recovery site: %w", err)
	}
	buckets, err := b.newBucketSet(name, r.Region, keys, opts...)
	if err != nil {
		return fmt.Errorf("recovery site: %w", err)
	}
	vault, err := backup.NewVault(b.ctx, name+"-vault", &backup.VaultArgs{
		Name:      pulumi.String(b.physical(r.Region + "-dr")),
		KmsKeyArn: keys[KeyBackups].arn,
		// Production recovery points are never deleted with the stack.
		ForceDestroy: pulumi.Bool(!b.production()),
		Tags:         pulumi.StringMap{"Name": pulumi.String(name + "-vault")},
	}, opts...)
	if err != nil {
		return fmt.Errorf("recovery site: backup vault: %w", err)
	}
	b.site = &site{keys: keys, buckets: buckets, vaultArn: vault.Arn}

	keyArns, names := pulumi.StringMap{}, pulumi.StringMap{}
	for t, k := range keys {
		keyArns[t] = k.arn
	}
	for kind, bk := range buckets {
		names[kind] = pulumi.String(bk.name)
	}
	rs.KeyArns = keyArns.ToStringMapOutput()
	rs.ReplicaBucketNames = names.ToStringMapOutput()
	rs.BackupVaultArn = vault.Arn
	b.d.ReplicaBucketNames = rs.ReplicaBucketNames
	if err := b.ctx.RegisterResourceOutputs(rs, pulumi.Map{
		"keyArns":            rs.KeyArns,
		"replicaBucketNames": rs.ReplicaBucketNames,
		"backupVaultArn":     rs.BackupVaultArn,
	}); err != nil {
		return fmt.Errorf("recovery site: register outputs: %w", err)
	}
	return nil
}
