// Package data builds one region's data tier for the platform: a
// customer-managed KMS key per data type, RDS PostgreSQL 15 with a read
// replica and RDS Proxy, ElastiCache Redis in cluster mode, hardened S3
// buckets, EFS for the shared analysis workspace, the platform's secrets in
// Secrets Manager and AWS Backup. The primary region holds the writable
// stores; in a secondary region the component holds the cross-region
// replicas that disaster recovery fails over to (docs/disaster-recovery.md).
package data

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/awsaccount"
)

// Region roles.
const (
	RolePrimary   = "primary"
	RoleSecondary = "secondary"
)

// DatabaseArgs sizes RDS PostgreSQL.
type DatabaseArgs struct {
	// EngineVersion is a PostgreSQL 15 version ("15.8").
	EngineVersion         string
	InstanceClass         string
	AllocatedStorageGB    int
	MaxAllocatedStorageGB int
}

// CacheArgs sizes ElastiCache Redis.
type CacheArgs struct {
	EngineVersion         string
	NodeType              string
	Shards                int
	ReplicasPerShard      int
	SnapshotRetentionDays int
}

// Recovery names the secondary region the primary replicates to. Its
// provider builds, as a child of the primary's Data, the secondary region's
// keys and everything replication writes into (replica buckets, the DR
// backup vault), so that they exist before the primary's replication refers
// to them.
type Recovery struct {
	Region   string
	Provider pulumi.ProviderResource
}

// DataArgs configures a Data component. Stacks validate config before
// building these; the component still checks what it relies on.
type DataArgs struct {
	Environment string
	Region      string
	// Role is RolePrimary or RoleSecondary.
	Role string

	VpcID            pulumi.StringInput
	PrivateSubnetIDs pulumi.StringArrayInput
	// The Network's groups: RDS and Redis accept their ports from the node
	// group only; the component adds an EFS group allowing NFS from it.
	RdsSecurityGroupID   pulumi.StringInput
	RedisSecurityGroupID pulumi.StringInput
	NodeSecurityGroupID  pulumi.StringInput

	Database DatabaseArgs
	Cache    CacheArgs
	// BackupRetentionDays keeps RDS automated backups and AWS Backup
	// recovery points.
	BackupRetentionDays int
	// LogRetentionDays is the retention of the tier's CloudWatch log groups.
	LogRetentionDays int

	// Recovery is set on the primary when a secondary region is deployed.
	Recovery *Recovery
	// Primary is set on a secondary: what the primary built (Data.Replication).
	Primary *Replication
}

// Replication is what a primary region's Data hands to the secondary
// region's Data: the sources it replicates and the recovery site's keys.
type Replication struct {
	// DatabaseArn is the primary DB instance, source of the cross-region
	// read replica.
	DatabaseArn pulumi.StringOutput
	// RedisAuthToken is the cache's AUTH token (a secret), so that the
	// secondary cache accepts the credentials replicated to its region.
	RedisAuthToken pulumi.StringOutput
	// Keys are the secondary region's keys by data type (KeyDatabase ...).
	Keys map[string]pulumi.StringOutput
	// Bucket names and secret ARNs of the primary, by kind, and the DR
	// backup vault in the secondary region.
	BucketNames    pulumi.StringMapOutput
	ReplicaBuckets pulumi.StringMapOutput
	SecretArns     pulumi.StringMapOutput
	BackupVaultArn pulumi.StringOutput
}

// Data is one region's data tier.
type Data struct {
	pulumi.ResourceState

	// KeyArns maps each data type to its key in this region.
	KeyArns pulumi.StringMapOutput `pulumi:"keyArns"`
	// DatabaseArn is the primary instance or, in a secondary, the
	// cross-region replica; DatabaseEndpoint its address.
	DatabaseArn      pulumi.StringOutput `pulumi:"databaseArn"`
	DatabaseEndpoint pulumi.StringOutput `pulumi:"databaseEndpoint"`
	// ReaderEndpoint is the in-region read replica (primary only).
	ReaderEndpoint pulumi.StringOutput `pulumi:"readerEndpoint"`
	// ProxyEndpoint is RDS Proxy's endpoint (primary only).
	ProxyEndpoint pulumi.StringOutput `pulumi:"proxyEndpoint"`
	// MasterSecretArn is the RDS-managed master password secret.
	MasterSecretArn pulumi.StringOutput `pulumi:"masterSecretArn"`
	// RedisEndpoint is the cluster-mode configuration endpoint.
	RedisEndpoint pulumi.StringOutput `pulumi:"redisEndpoint"`
	// BucketNames maps a bucket kind (contracts, results, docs, logs) to
	// its name; ReplicaBucketNames the replicas in the secondary region.
	BucketNames        pulumi.StringMapOutput `pulumi:"bucketNames"`
	ReplicaBucketNames pulumi.StringMapOutput `pulumi:"replicaBucketNames"`
	// FileSystemID and AccessPointID are the analysis workspace.
	FileSystemID  pulumi.StringOutput `pulumi:"fileSystemId"`
	AccessPointID pulumi.StringOutput `pulumi:"accessPointId"`
	// SecretArns maps a secret's short name to its ARN.
	SecretArns pulumi.StringMapOutput `pulumi:"secretArns"`
	// BackupVaultArn is the region's AWS Backup vault (primary) or the DR
	// vault the primary copies into (secondary).
	BackupVaultArn pulumi.StringOutput `pulumi:"backupVaultArn"`

	// Replication is set on a primary that replicates: what the secondary
	// region's Data needs. Not an output.
	Replication *Replication
}

// NewData builds the data tier of one region. The region's AWS provider
// reaches it through pulumi.Provider or pulumi.Providers in opts.
func NewData(ctx *pulumi.Context, name string, args *DataArgs, opts ...pulumi.ResourceOption) (*Data, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("data %s: %w", name, err)
	}
	d := &Data{}
	if err := ctx.RegisterComponentResource("solsec:data:Data", name, d, opts...); err != nil {
		return nil, fmt.Errorf("data %s: register component: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, d: d, parent: pulumi.Parent(d)}
	steps := []func() error{b.lookupAccount, b.keys, b.recoverySite, b.logGroups, b.database, b.cache, b.buckets, b.files, b.secrets, b.backups}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("data %s: %w", name, err)
		}
	}
	b.finish()
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{
		"keyArns":            d.KeyArns,
		"databaseArn":        d.DatabaseArn,
		"databaseEndpoint":   d.DatabaseEndpoint,
		"readerEndpoint":     d.ReaderEndpoint,
		"proxyEndpoint":      d.ProxyEndpoint,
		"masterSecretArn":    d.MasterSecretArn,
		"redisEndpoint":      d.RedisEndpoint,
		"bucketNames":        d.BucketNames,
		"replicaBucketNames": d.ReplicaBucketNames,
		"fileSystemId":       d.FileSystemID,
		"accessPointId":      d.AccessPointID,
		"secretArns":         d.SecretArns,
		"backupVaultArn":     d.BackupVaultArn,
	}); err != nil {
		return nil, fmt.Errorf("data %s: register outputs: %w", name, err)
	}
	return d, nil
}

func (a *DataArgs) validate() error {
	switch {
	case a == nil:
		return errors.New("args are required (role, network, database and cache settings)")
	case a.Environment == "" || a.Region == "":
		return errors.New("environment and region are required")
	case a.Role != RolePrimary && a.Role != RoleSecondary:
		return fmt.Errorf("role %q: want %q or %q", a.Role, RolePrimary, RoleSecondary)
	case a.VpcID == nil || a.PrivateSubnetIDs == nil || a.RdsSecurityGroupID == nil || a.RedisSecurityGroupID == nil || a.NodeSecurityGroupID == nil:
		return errors.New("the network's VPC, private subnets and RDS, Redis and node security groups are required")
	case a.Role == RoleSecondary && a.Primary == nil:
		return errors.New("a secondary region replicates its primary: Primary (the primary Data's Replication) is required")
	case a.Role == RoleSecondary && a.Recovery != nil:
		return errors.New("only the primary has a Recovery region")
	case a.Role == RolePrimary && a.Primary != nil:
		return errors.New("a primary replicates nothing: Primary must be nil")
	case a.Recovery != nil && (a.Recovery.Provider == nil || a.Recovery.Region == "" || a.Recovery.Region == a.Region):
		return fmt.Errorf("recovery region %q: another region and its provider are required", a.Recovery.Region)
	}
	if !strings.HasPrefix(a.Database.EngineVersion, "15.") {
		return fmt.Errorf("database engine version %q: want PostgreSQL 15 (15.x)", a.Database.EngineVersion)
	}
	if !strings.HasPrefix(a.Database.InstanceClass, "db.r5.") {
		return fmt.Errorf("database instance class %q: want db.r5.large to db.r5.2xlarge", a.Database.InstanceClass)
	}
	if a.Database.AllocatedStorageGB < 20 || a.Database.MaxAllocatedStorageGB <= a.Database.AllocatedStorageGB {
		return fmt.Errorf("database storage %d GiB up to %d GiB: want at least 20 and a larger autoscaling limit",
			a.Database.AllocatedStorageGB, a.Database.MaxAllocatedStorageGB)
	}
	if !strings.HasPrefix(a.Cache.NodeType, "cache.r6g.") || a.Cache.EngineVersion == "" {
		return fmt.Errorf("cache node type %q, version %q: want cache.r6g.large or cache.r6g.xlarge and a Redis 7 version", a.Cache.NodeType, a.Cache.EngineVersion)
	}
	if a.Cache.Shards < 2 || a.Cache.ReplicasPerShard < 1 {
		return fmt.Errorf("cache with %d shard(s) of %d replica(s): want at least 2 shards with at least 1 replica each", a.Cache.Shards, a.Cache.ReplicasPerShard)
	}
	if a.Cache.SnapshotRetentionDays < 7 {
		return fmt.Errorf("cache snapshots kept %d days: want at least 7", a.Cache.SnapshotRetentionDays)
	}
	if a.BackupRetentionDays < 1 || a.BackupRetentionDays > 35 {
		return fmt.Errorf("backup retention %d days: want 1 to 35", a.BackupRetentionDays)
	}
	if a.Environment == "production" && a.BackupRetentionDays < 30 {
		return fmt.Errorf("backup retention %d days in production: want at least 30", a.BackupRetentionDays)
	}
	if a.LogRetentionDays <= 0 {
		return fmt.Errorf("log retention %d days: want a positive CloudWatch retention", a.LogRetentionDays)
	}
	return nil
}

// builder carries the state shared by the steps that build a Data.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *DataArgs
	d      *Data
	parent pulumi.ResourceOrInvokeOption

	accountID, partition string

	// regionKeys are this region's keys by data type.
	regionKeys map[string]*regionKey
	// site is the recovery site in the secondary region (primary only).
	site *site

	dbLogGroups   []pulumi.Resource
	redisLogGroup pulumi.StringOutput
	dbArn         pulumi.StringOutput
	redisToken    pulumi.StringOutput
	bucketNames   pulumi.StringMap
	fileSystemArn pulumi.StringOutput
	secretArns    pulumi.StringMap
}

// child names a child resource after the component.
func (b *builder) child(suffix string) string { return b.name + "-" + suffix }

// tags returns the Name tag plus the data class; the provider adds the
// project-wide default tags.
func (b *builder) tags(suffix, class string) pulumi.StringMap {
	t := pulumi.StringMap{"Name": pulumi.String(b.child(suffix))}
	if class != "" {
		t["DataClass"] = pulumi.String(class)
	}
	return t
}

func (b *builder) production() bool { return b.args.Environment == "production" }
func (b *builder) primary() bool    { return b.args.Role == RolePrimary }

// physical is the name of a resource whose name AWS requires to be set and
// unique in the region (identifiers, groups): solsec-<env>-<suffix>.
func (b *builder) physical(suffix string) string {
	return "solsec-" + b.args.Environment + "-" + suffix
}

func (b *builder) lookupAccount() error {
	acct, err := awsaccount.Lookup(b.ctx, b.parent)
	if err != nil {
		return err
	}
	b.accountID, b.partition = acct.ID, acct.Partition
	return nil
}

// arn builds an ARN of this account in a region.
func (b *builder) arn(service, region, resource string) string {
	return awsaccount.Account{ID: b.accountID, Partition: b.partition}.ARN(service, region, resource)
}

// finish fills the outputs that steps did not set (role-dependent) with
// empty values, so that every output field is a resolved output.
func (b *builder) finish() {
	d := b.d
	keyArns := pulumi.StringMap{}
	for t, k := range b.regionKeys {
		keyArns[t] = k.arn
	}
	d.KeyArns = keyArns.ToStringMapOutput()
	d.BucketNames = b.bucketNames.ToStringMapOutput()
	d.SecretArns = b.secretArns.ToStringMapOutput()
	if !b.primary() {
		// A secondary's secrets are replicas that Secrets Manager keeps
		// under the primary's names; the primary's ARNs identify them.
		d.SecretArns = b.args.Primary.SecretArns
	}
	empty := pulumi.String("").ToStringOutput()
	for _, o := range []*pulumi.StringOutput{&d.DatabaseArn, &d.DatabaseEndpoint, &d.ReaderEndpoint, &d.ProxyEndpoint,
		&d.MasterSecretArn, &d.RedisEndpoint, &d.FileSystemID, &d.AccessPointID, &d.BackupVaultArn} {
		if isZero(*o) {
			*o = empty
		}
	}
	if isZeroMap(d.ReplicaBucketNames) {
		d.ReplicaBucketNames = pulumi.StringMap{}.ToStringMapOutput()
	}
}

func isZero(o pulumi.StringOutput) bool       { return o == pulumi.StringOutput{} }
func isZeroMap(o pulumi.StringMapOutput) bool { return o == pulumi.StringMapOutput{} }
