package stacks

import (
	"regexp"
	"strings"
)

// DatabaseInstanceClasses are the RDS sizes the architecture document
// allows: db.r5.large to db.r5.2xlarge.
var DatabaseInstanceClasses = []string{"db.r5.large", "db.r5.xlarge", "db.r5.2xlarge"}

// CacheNodeTypes are the ElastiCache sizes the architecture document
// allows: cache.r6g.large to cache.r6g.xlarge.
var CacheNodeTypes = []string{"cache.r6g.large", "cache.r6g.xlarge"}

// Data-tier limits. RDS keeps automated backups at most 35 days; the
// architecture document asks for 30 in production. ElastiCache keeps
// snapshots at most 35 days; the issue asks for at least 7.
const (
	ProductionBackupRetentionDays = 30
	maxBackupRetentionDays        = 35
	minCacheSnapshotDays          = 7
	maxCacheSnapshotDays          = 35
	MinCacheShards                = 2
	maxCacheShards                = 500
	MinReplicasPerShard           = 1
	maxReplicasPerShard           = 5
	minStorageGB                  = 20
	maxStorageGB                  = 65536
)

var (
	postgres15 = regexp.MustCompile(`^15\.[0-9]{1,2}$`)
	redis7     = regexp.MustCompile(`^7\.[0-9]{1,2}$`)
)

// validateData checks solsec:data. regionsOK says whether solsec:regions
// was readable, so that the rules tying data to regions are checked only
// then.
func (c *Config) validateData(errs *errorList, regionsOK bool) {
	k := Namespace + ":data"
	d := c.Data
	switch {
	case d.BackupRetentionDays < 1 || d.BackupRetentionDays > maxBackupRetentionDays:
		errs.addf("%s.backupRetentionDays: %d; allowed: 1 to %d days (the RDS limit)", k, d.BackupRetentionDays, maxBackupRetentionDays)
	case c.Environment == "production" && d.BackupRetentionDays < ProductionBackupRetentionDays:
		errs.addf("%s.backupRetentionDays: %d in production; allowed: %d to %d days (the architecture document's 30-day retention)",
			k, d.BackupRetentionDays, ProductionBackupRetentionDays, maxBackupRetentionDays)
	}

	db := d.Database
	if !postgres15.MatchString(db.EngineVersion) {
		errs.addf("%s.database.engineVersion: %q; allowed: a PostgreSQL 15 version such as \"15.8\"", k, db.EngineVersion)
	}
	if !contains(DatabaseInstanceClasses, db.InstanceClass) {
		errs.addf("%s.database.instanceClass: %q; allowed: %s", k, db.InstanceClass, strings.Join(DatabaseInstanceClasses, ", "))
	}
	if db.AllocatedStorageGB < minStorageGB || db.AllocatedStorageGB > maxStorageGB {
		errs.addf("%s.database.allocatedStorageGb: %d; allowed: %d to %d GiB of gp3", k, db.AllocatedStorageGB, minStorageGB, maxStorageGB)
	} else if db.MaxAllocatedStorageGB <= db.AllocatedStorageGB || db.MaxAllocatedStorageGB > maxStorageGB {
		errs.addf("%s.database.maxAllocatedStorageGb: %d; allowed: more than allocatedStorageGb (%d) and at most %d GiB, the storage autoscaling limit",
			k, db.MaxAllocatedStorageGB, db.AllocatedStorageGB, maxStorageGB)
	}

	cache := d.Cache
	if !redis7.MatchString(cache.EngineVersion) {
		errs.addf("%s.cache.engineVersion: %q; allowed: a Redis 7 version such as \"7.1\"", k, cache.EngineVersion)
	}
	if !contains(CacheNodeTypes, cache.NodeType) {
		errs.addf("%s.cache.nodeType: %q; allowed: %s", k, cache.NodeType, strings.Join(CacheNodeTypes, ", "))
	}
	if cache.Shards < MinCacheShards || cache.Shards > maxCacheShards {
		errs.addf("%s.cache.shards: %d; allowed: %d to %d (cluster mode spreads keys over at least two shards)", k, cache.Shards, MinCacheShards, maxCacheShards)
	}
	if cache.ReplicasPerShard < MinReplicasPerShard || cache.ReplicasPerShard > maxReplicasPerShard {
		errs.addf("%s.cache.replicasPerShard: %d; allowed: %d to %d (automatic failover needs a replica in every shard)",
			k, cache.ReplicasPerShard, MinReplicasPerShard, maxReplicasPerShard)
	}
	if cache.SnapshotRetentionDays < minCacheSnapshotDays || cache.SnapshotRetentionDays > maxCacheSnapshotDays {
		errs.addf("%s.cache.snapshotRetentionDays: %d; allowed: %d to %d days", k, cache.SnapshotRetentionDays, minCacheSnapshotDays, maxCacheSnapshotDays)
	}

	if !regionsOK {
		return
	}
	// The primary's data replicates to exactly one enabled secondary
	// region; production must have one (RTO 15 min / RPO 5 min need a
	// warm region), staging may switch its own on for DR drills.
	var secondaries []string
	for _, r := range c.EnabledRegions() {
		if r.Role == RoleSecondary {
			secondaries = append(secondaries, r.Name)
		}
	}
	switch {
	case len(secondaries) > 1:
		errs.addf("%s:regions: %d enabled secondary regions (%s); allowed: at most one, the region the data tier replicates to",
			Namespace, len(secondaries), strings.Join(secondaries, ", "))
	case len(secondaries) == 0 && c.Environment == "production":
		errs.addf("%s:regions: no enabled %s region in production; allowed: exactly one, which holds the data tier's cross-region replicas (RTO 15 min, RPO 5 min)",
			Namespace, RoleSecondary)
	}
}
