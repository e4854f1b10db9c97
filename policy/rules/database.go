package rules

import "strings"

const (
	tRDSInstance        = "aws:rds/instance:Instance"
	tRDSCluster         = "aws:rds/cluster:Cluster"
	tRDSClusterInstance = "aws:rds/clusterInstance:ClusterInstance"
	tRDSParams          = "aws:rds/parameterGroup:ParameterGroup"
	tRDSClusterParams   = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
	tRedis              = "aws:elasticache/replicationGroup:ReplicationGroup"
	prodBackupDays      = 30
	otherBackupDays     = 7
)

// isReplica reports whether an RDS instance is a read replica, whose
// backups and deletion are governed by its source.
func isReplica(v View) bool { return v.Set("replicateSourceDb") }

func databasePolicies() []ResourcePolicy {
	rds := []string{tRDSInstance, tRDSCluster}
	return []ResourcePolicy{
		{
			ID: "rds-encrypted-cmk", Title: "RDS storage is encrypted with a customer-managed key",
			Why:         "Encryption at rest with our own KMS key protects snapshots and lets us revoke access and audit every use.",
			Enforcement: Mandatory, Controls: ctl("RDS.3,RDS.4", "2.3.1", "CC6.1,C1.1", "A.8.24"),
			Types: rds,
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("storageEncrypted") {
					return problem("storageEncrypted is not true", "set storageEncrypted: true and kmsKeyId to the data CMK")
				}
				if !v.Set("kmsKeyId") {
					return problem("encrypted with the AWS-managed key", "set kmsKeyId to a customer-managed key")
				}
				return nil
			},
		},
		{
			ID: "rds-not-public", Title: "RDS instances are not publicly accessible",
			Why:         "A public endpoint exposes the database listener to the internet; clients reach it from the VPC.",
			Enforcement: Mandatory, Controls: ctl("RDS.2", "2.3.3", "CC6.6", "A.8.20,A.8.22"),
			Types: []string{tRDSInstance, tRDSClusterInstance},
			Check: func(r Resource, v View) *Problem {
				if v.Bool("publiclyAccessible") {
					return problem("publiclyAccessible is true", "set publiclyAccessible: false")
				}
				return nil
			},
		},
		{
			ID: "rds-multi-az", Title: "Production RDS instances are Multi-AZ",
			Why:         "One AZ failure must not take the findings database down; staging may run single-AZ to save cost.",
			Enforcement: Mandatory, Controls: ctl("RDS.5", "", "A1.2", "A.8.14"),
			Types: []string{tRDSInstance},
			Check: func(r Resource, v View) *Problem {
				if r.Stack == Production && !isReplica(v) && !v.Bool("multiAz") {
					return problem("multiAz is not true in production", "set multiAz: true")
				}
				return nil
			},
		},
		{
			ID: "rds-backup-retention", Title: "RDS keeps automated backups (30 days in production)",
			Why:         "Point-in-time recovery is the answer to corruption and bad migrations; a month covers late discovery.",
			Enforcement: Mandatory, Controls: ctl("RDS.11,RDS.26", "", "A1.2,A1.3", "A.8.13"),
			Types: rds,
			Check: func(r Resource, v View) *Problem {
				if isReplica(v) {
					return nil
				}
				min := otherBackupDays
				if r.Stack == Production {
					min = prodBackupDays
				}
				if d := int(v.Num("backupRetentionPeriod")); d < min {
					return problem("backupRetentionPeriod is %d days, below %d", "set backupRetentionPeriod to at least the minimum", d, min)
				}
				return nil
			},
		},
		{
			ID: "rds-deletion-protection", Title: "Production databases have deletion protection",
			Why:         "A mistaken replace or destroy must not drop the production database.",
			Enforcement: Mandatory, Controls: ctl("RDS.7,RDS.8", "", "A1.2", "A.8.13"),
			Types: rds,
			Check: func(r Resource, v View) *Problem {
				if r.Stack == Production && !v.Bool("deletionProtection") {
					return problem("deletionProtection is not true in production", "set deletionProtection: true")
				}
				return nil
			},
		},
		{
			ID: "rds-performance-insights-cmk", Title: "Performance Insights data is encrypted with a customer-managed key",
			Why:         "Performance Insights stores query text, which can carry data; it needs the same key as the database.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.1,C1.1", "A.8.24"),
			Types: []string{tRDSInstance, tRDSCluster, tRDSClusterInstance},
			Check: func(r Resource, v View) *Problem {
				if v.Bool("performanceInsightsEnabled") && !v.Set("performanceInsightsKmsKeyId") {
					return problem("Performance Insights is on without performanceInsightsKmsKeyId", "set performanceInsightsKmsKeyId to the data CMK")
				}
				return nil
			},
		},
		{
			ID: "rds-iam-auth", Title: "RDS accepts IAM database authentication",
			Why:         "Workloads authenticate with short-lived IAM tokens through IRSA instead of long-lived passwords.",
			Enforcement: Mandatory, Controls: ctl("RDS.10,RDS.12", "", "CC6.1", "A.5.17,A.8.5"),
			Types: rds,
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("iamDatabaseAuthenticationEnabled") {
					return problem("iamDatabaseAuthenticationEnabled is not true", "set iamDatabaseAuthenticationEnabled: true")
				}
				return nil
			},
		},
		{
			ID: "rds-force-tls", Title: "RDS forces TLS connections",
			Why:         "Without rds.force_ssl (PostgreSQL) or require_secure_transport (MySQL) clients may send credentials and data in clear.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.7", "A.8.24"),
			Types: []string{tRDSInstance, tRDSParams, tRDSClusterParams},
			Check: func(r Resource, v View) *Problem {
				if r.Type == tRDSInstance {
					if !v.Set("parameterGroupName") && !isReplica(v) {
						return problem("uses the default parameter group, which does not force TLS", "attach a parameter group setting rds.force_ssl=1 (PostgreSQL) or require_secure_transport=ON (MySQL)")
					}
					return nil
				}
				family := v.Str("family")
				want := map[string][]string{}
				switch {
				case strings.Contains(family, "postgres"):
					want["rds.force_ssl"] = []string{"1"}
				case strings.Contains(family, "mysql"), strings.Contains(family, "mariadb"):
					want["require_secure_transport"] = []string{"1", "ON", "on"}
				default:
					return nil
				}
				for _, p := range v.List("parameters") {
					if ok, found := want[p.Str("name")]; found {
						for _, o := range ok {
							if p.Str("value") == o {
								return nil
							}
						}
					}
				}
				return problem("parameter group of family %s does not force TLS", "add parameter rds.force_ssl=1 (PostgreSQL) or require_secure_transport=ON (MySQL)", family)
			},
		},
		{
			ID: "rds-logs-exported", Title: "RDS exports its logs to CloudWatch",
			Why:         "Database logs (connections, errors, slow queries) are needed to investigate access and outages.",
			Enforcement: Advisory, Controls: ctl("RDS.9", "", "CC7.2", "A.8.15"),
			Types: rds,
			Check: func(r Resource, v View) *Problem {
				if len(v.Strings("enabledCloudwatchLogsExports")) == 0 {
					return problem("no enabledCloudwatchLogsExports", `export at least ["postgresql"] (or the engine's log types)`)
				}
				return nil
			},
		},
		{
			ID: "redis-encrypted-at-rest", Title: "Redis encrypts data at rest",
			Why:         "Cache contents (sessions, queue payloads) and backups must be unreadable off the service.",
			Enforcement: Mandatory, Controls: ctl("ElastiCache.4", "", "CC6.1,C1.1", "A.8.24"),
			Types: []string{tRedis},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("atRestEncryptionEnabled") {
					return problem("atRestEncryptionEnabled is not true", "set atRestEncryptionEnabled: true and kmsKeyId to the data CMK")
				}
				return nil
			},
		},
		{
			ID: "redis-encrypted-in-transit", Title: "Redis requires TLS",
			Why:         "Queue messages and AUTH tokens cross the VPC; \"preferred\" mode still accepts plaintext clients.",
			Enforcement: Mandatory, Controls: ctl("ElastiCache.5", "", "CC6.7", "A.8.24"),
			Types: []string{tRedis},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("transitEncryptionEnabled") {
					return problem("transitEncryptionEnabled is not true", "set transitEncryptionEnabled: true")
				}
				if v.Str("transitEncryptionMode") == "preferred" {
					return problem("transitEncryptionMode is \"preferred\"", `set transitEncryptionMode: "required"`)
				}
				return nil
			},
		},
		{
			ID: "redis-auth", Title: "Redis requires authentication",
			Why:         "Without AUTH or RBAC any pod that reaches port 6379 can read and write every key.",
			Enforcement: Mandatory, Controls: ctl("ElastiCache.6", "", "CC6.1", "A.5.17,A.8.5"),
			Types: []string{tRedis},
			Check: func(r Resource, v View) *Problem {
				if !v.Set("authToken") && len(v.List("userGroupIds")) == 0 {
					return problem("neither authToken nor userGroupIds is set", "set authToken from a random secret (or userGroupIds for RBAC)")
				}
				return nil
			},
		},
		{
			ID: "redis-automatic-failover", Title: "Redis fails over automatically across AZs",
			Why:         "A primary node failure must promote a replica in another AZ without an operator.",
			Enforcement: Mandatory, Controls: ctl("ElastiCache.3", "", "A1.2", "A.8.14"),
			Types: []string{tRedis},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("automaticFailoverEnabled") || !v.Bool("multiAzEnabled") {
					return problem("automaticFailoverEnabled and multiAzEnabled are not both true", "set automaticFailoverEnabled: true, multiAzEnabled: true with at least 2 cache clusters")
				}
				return nil
			},
		},
		{
			ID: "redis-snapshots", Title: "Redis keeps daily snapshots",
			Why:         "Snapshots allow recovering queued work after data loss or a bad flush.",
			Enforcement: Mandatory, Controls: ctl("ElastiCache.1", "", "A1.2", "A.8.13"),
			Types: []string{tRedis},
			Check: func(r Resource, v View) *Problem {
				if v.Num("snapshotRetentionLimit") < 1 {
					return problem("snapshotRetentionLimit is 0", "set snapshotRetentionLimit to at least 1 (7 in production)")
				}
				return nil
			},
		},
	}
}
