package data_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/components/data"
	"github.com/solsec/platform/internal/iampolicy"
	"github.com/solsec/platform/internal/offline"
	"github.com/solsec/platform/stacks"
)

// stackRun is the whole program of one repository stack, evaluated offline,
// with the stack's outputs as the program returned them.
type stackRun struct {
	stack   string
	cfg     *stacks.Config
	res     *offline.Result
	outputs pulumi.Map
}

func runStacks(t *testing.T) []stackRun {
	t.Helper()
	root, err := offline.RepoRoot()
	require.NoError(t, err)
	var out []stackRun
	for _, stack := range stacks.Environments {
		sf, err := offline.LoadStackFile(filepath.Join(root, "Pulumi."+stack+".yaml"))
		require.NoError(t, err)
		cfg, err := stacks.ParseConfig(stack, sf.Config)
		require.NoError(t, err)
		var outputs pulumi.Map
		res, err := offline.Run(stack, sf.Config, func(ctx *pulumi.Context) error {
			o, err := stacks.Compose(ctx)
			outputs = o
			return err
		})
		require.NoError(t, err)
		out = append(out, stackRun{stack, cfg, res, outputs})
	}
	return out
}

// dataTier returns every resource of the data tier (the Data components
// and, through the primary's recovery site, their children in other
// regions) of a given type located in a region.
func dataTier(r stackRun, region, typ string) []offline.Resource {
	var out []offline.Resource
	for _, c := range r.res.OfType("solsec:data:Data") {
		for _, d := range r.res.Descendants(c.URN) {
			if d.Type == typ && d.Region == region {
				out = append(out, d)
			}
		}
	}
	return out
}

// keysOf maps each key ARN of a region's data tier to its data type,
// read from the key's alias.
func keysOf(t *testing.T, r stackRun, region string) map[string]string {
	t.Helper()
	byID := map[string]offline.Resource{}
	for _, k := range dataTier(r, region, "aws:kms/key:Key") {
		byID[k.ID] = k
	}
	out := map[string]string{}
	prefix := "alias/solsec/" + r.stack + "/"
	for _, a := range dataTier(r, region, "aws:kms/alias:Alias") {
		k, ok := byID[a.Str("targetKeyId")]
		require.True(t, ok, "alias %s points at a data key", a.Str("name"))
		require.True(t, strings.HasPrefix(a.Str("name"), prefix), a.Str("name"))
		out["arn:aws:kms:"+region+":"+offline.AccountID+":key/"+k.ID] = strings.TrimPrefix(a.Str("name"), prefix)
	}
	return out
}

func TestKeys(t *testing.T) {
	for _, r := range runStacks(t) {
		for _, region := range r.cfg.EnabledRegions() {
			name := r.stack + " " + region.Name
			t.Run(name+": one rotated key per data type, aliased alias/solsec/<env>/<type>", func(t *testing.T) {
				keys := keysOf(t, r, region.Name)
				var types []string
				for _, typ := range keys {
					types = append(types, typ)
				}
				assert.ElementsMatch(t, data.KeyTypes, types)
				for _, k := range dataTier(r, region.Name, "aws:kms/key:Key") {
					assert.True(t, k.Bool("enableKeyRotation"), k.Name)
					assert.Equal(t, 30, k.Int("deletionWindowInDays"), k.Name)
				}
			})
			t.Run(name+": no key policy grants anything to * or another account", func(t *testing.T) {
				root := "arn:aws:iam::" + offline.AccountID + ":root"
				for _, k := range dataTier(r, region.Name, "aws:kms/key:Key") {
					doc, err := iampolicy.Parse(k.Str("policy"))
					require.NoError(t, err)
					admins := 0
					for _, st := range doc.Statement {
						require.NotNil(t, st.Principal, "%s %s", k.Name, st.Sid)
						for kind, p := range st.Principal {
							assert.NotEqual(t, "*", p, "%s %s", k.Name, st.Sid)
							switch kind {
							case "AWS":
								assert.Equal(t, root, p, "%s %s", k.Name, st.Sid)
							case "Service":
								assert.Regexp(t, `^[a-z0-9.-]+\.amazonaws\.com$`, p)
								assert.NotEmpty(t, st.Condition, "a service principal is scoped to the account: %s %s", k.Name, st.Sid)
							default:
								t.Errorf("%s %s: unexpected principal kind %s", k.Name, st.Sid, kind)
							}
						}
						if contains(st.Action, "kms:*") {
							admins++
							assert.Equal(t, "AccountAdministers", st.Sid)
						} else if st.Principal["AWS"] == root {
							assert.Contains(t, st.Condition["StringEquals"], "kms:ViaService", "use only through the data type's services: %s", k.Name)
						}
					}
					assert.Equal(t, 1, admins, "only the account root statement administers %s", k.Name)
				}
			})
		}
	}
}

func TestEveryStoreUsesItsOwnTypesKey(t *testing.T) {
	for _, r := range runStacks(t) {
		for _, region := range r.cfg.EnabledRegions() {
			keys := keysOf(t, r, region.Name)
			want := func(t *testing.T, typ string, res offline.Resource, arn string) {
				t.Helper()
				assert.Equal(t, typ, keys[arn], "%s %s is encrypted with %q", res.Type, res.Name, arn)
			}
			t.Run(r.stack+" "+region.Name+": databases, caches, buckets, files, secrets, logs and vaults", func(t *testing.T) {
				dbs := dataTier(r, region.Name, "aws:rds/instance:Instance")
				require.NotEmpty(t, dbs)
				for _, db := range dbs {
					assert.True(t, db.Bool("storageEncrypted"), db.Name)
					want(t, data.KeyDatabase, db, db.Str("kmsKeyId"))
					want(t, data.KeyDatabase, db, db.Str("performanceInsightsKmsKeyId"))
					if db.Bool("manageMasterUserPassword") {
						want(t, data.KeySecrets, db, db.Str("masterUserSecretKmsKeyId"))
					}
				}
				for _, rg := range dataTier(r, region.Name, "aws:elasticache/replicationGroup:ReplicationGroup") {
					want(t, data.KeyCache, rg, rg.Str("kmsKeyId"))
				}
				buckets := map[string]string{}
				for _, bk := range dataTier(r, region.Name, "aws:s3/bucketV2:BucketV2") {
					buckets[bk.ID] = bk.StringMap("tags")["DataClass"]
				}
				sses := dataTier(r, region.Name, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
				require.Len(t, sses, len(buckets))
				for _, sse := range sses {
					rule := sse.Objects("rules")[0]
					def := rule["applyServerSideEncryptionByDefault"].(map[string]any)
					assert.Equal(t, "aws:kms", def["sseAlgorithm"])
					assert.Equal(t, true, rule["bucketKeyEnabled"])
					typ := data.KeyObjects
					if buckets[sse.Str("bucket")] == data.BucketLogs {
						typ = data.KeyLogs
					}
					want(t, typ, sse, def["kmsMasterKeyId"].(string))
				}
				for _, fs := range dataTier(r, region.Name, "aws:efs/fileSystem:FileSystem") {
					assert.True(t, fs.Bool("encrypted"))
					want(t, data.KeyFiles, fs, fs.Str("kmsKeyId"))
				}
				for _, s := range dataTier(r, region.Name, "aws:secretsmanager/secret:Secret") {
					want(t, data.KeySecrets, s, s.Str("kmsKeyId"))
				}
				for _, g := range dataTier(r, region.Name, "aws:cloudwatch/logGroup:LogGroup") {
					want(t, data.KeyLogs, g, g.Str("kmsKeyId"))
					assert.Equal(t, r.cfg.LogRetentionDays, g.Int("retentionInDays"))
				}
				for _, v := range dataTier(r, region.Name, "aws:backup/vault:Vault") {
					want(t, data.KeyBackups, v, v.Str("kmsKeyArn"))
				}
			})
		}
		// Secret replicas are configured on the primary's secrets but
		// encrypted in the secondary region with its secrets key.
		if s, ok := r.cfg.Secondary(); ok {
			t.Run(r.stack+": secret replicas use the secondary's secrets key", func(t *testing.T) {
				keys := keysOf(t, r, s.Name)
				for _, sec := range dataTier(r, r.cfg.Primary().Name, "aws:secretsmanager/secret:Secret") {
					replicas := sec.Objects("replicas")
					require.Len(t, replicas, 1, sec.Name)
					assert.Equal(t, s.Name, replicas[0]["region"])
					assert.Equal(t, data.KeySecrets, keys[replicas[0]["kmsKeyId"].(string)])
				}
			})
		}
	}
}

func TestDatabase(t *testing.T) {
	for _, r := range runStacks(t) {
		prod := r.stack == "production"
		primary := r.cfg.Primary().Name
		dbs := map[string]offline.Resource{}
		for _, db := range dataTier(r, primary, "aws:rds/instance:Instance") {
			dbs[db.Str("identifier")] = db
		}
		id := "solsec-" + r.stack + "-" + primary
		t.Run(r.stack+": the primary is PostgreSQL 15, Multi-AZ, private, backed up and observed", func(t *testing.T) {
			db, ok := dbs[id]
			require.True(t, ok, "primary instance %s", id)
			assert.Equal(t, "postgres", db.Str("engine"))
			assert.Regexp(t, `^15\.\d+$`, db.Str("engineVersion"))
			assert.Equal(t, r.cfg.Data.Database.EngineVersion, db.Str("engineVersion"))
			assert.Equal(t, r.cfg.Data.Database.InstanceClass, db.Str("instanceClass"))
			assert.Contains(t, stacks.DatabaseInstanceClasses, db.Str("instanceClass"))
			assert.True(t, db.Bool("multiAz"))
			assert.False(t, db.Bool("publiclyAccessible"))
			assert.Equal(t, "gp3", db.Str("storageType"))
			assert.Greater(t, db.Int("maxAllocatedStorage"), db.Int("allocatedStorage"))
			assert.Equal(t, r.cfg.Data.BackupRetentionDays, db.Int("backupRetentionPeriod"))
			if prod {
				assert.Equal(t, 30, db.Int("backupRetentionPeriod"))
			}
			assert.True(t, db.Bool("performanceInsightsEnabled"))
			assert.NotEmpty(t, db.Str("performanceInsightsKmsKeyId"))
			assert.Equal(t, 15, db.Int("monitoringInterval"))
			assert.NotEmpty(t, db.Str("monitoringRoleArn"))
			assert.ElementsMatch(t, data.DatabaseLogExports, db.Strings("enabledCloudwatchLogsExports"))
			assert.True(t, db.Bool("iamDatabaseAuthenticationEnabled"))
			assert.True(t, db.Bool("manageMasterUserPassword"))
			assert.False(t, db.Has("password"), "no password in the program")
			assert.True(t, db.Bool("copyTagsToSnapshot"))
			assert.Equal(t, prod, db.Bool("deletionProtection"))
			assert.Equal(t, !prod, db.Bool("skipFinalSnapshot"))
			assert.Equal(t, prod, db.Has("finalSnapshotIdentifier"))
			assert.Len(t, db.Strings("vpcSecurityGroupIds"), 1)
		})
		t.Run(r.stack+": the parameter group forces TLS", func(t *testing.T) {
			pgs := dataTier(r, primary, "aws:rds/parameterGroup:ParameterGroup")
			require.Len(t, pgs, 1)
			assert.Equal(t, "postgres15", pgs[0].Str("family"))
			params := map[string]any{}
			for _, p := range pgs[0].Objects("parameters") {
				params[p["name"].(string)] = p["value"]
			}
			assert.Equal(t, "1", params["rds.force_ssl"])
			assert.Equal(t, "1", params["log_connections"])
			assert.Equal(t, pgs[0].ID, dbs[id].Str("parameterGroupName"))
		})
		t.Run(r.stack+": an in-region read replica serves reads", func(t *testing.T) {
			reader, ok := dbs[id+"-reader"]
			require.True(t, ok)
			assert.Equal(t, id, reader.Str("replicateSourceDb"))
			assert.True(t, reader.Bool("performanceInsightsEnabled"))
			assert.False(t, reader.Bool("publiclyAccessible"))
		})
		t.Run(r.stack+": RDS Proxy requires TLS and IAM and uses the managed secret", func(t *testing.T) {
			proxies := dataTier(r, primary, "aws:rds/proxy:Proxy")
			require.Len(t, proxies, 1)
			p := proxies[0]
			assert.True(t, p.Bool("requireTls"))
			assert.Equal(t, "POSTGRESQL", p.Str("engineFamily"))
			auths := p.Objects("auths")
			require.Len(t, auths, 1)
			assert.Equal(t, "REQUIRED", auths[0]["iamAuth"])
			assert.Regexp(t, `:secret:rds!db-`, auths[0]["secretArn"])
			targets := dataTier(r, primary, "aws:rds/proxyTarget:ProxyTarget")
			require.Len(t, targets, 1)
			assert.Equal(t, id, targets[0].Str("dbInstanceIdentifier"))
		})
		t.Run(r.stack+": a cross-region replica exists only in production, only in the secondary, with its key", func(t *testing.T) {
			var crossRegion []offline.Resource
			for _, region := range r.cfg.EnabledRegions() {
				for _, db := range dataTier(r, region.Name, "aws:rds/instance:Instance") {
					if strings.HasPrefix(db.Str("replicateSourceDb"), "arn:") {
						crossRegion = append(crossRegion, db)
					}
				}
			}
			if !prod {
				assert.Empty(t, crossRegion)
				return
			}
			s, ok := r.cfg.Secondary()
			require.True(t, ok)
			require.Len(t, crossRegion, 1)
			replica := crossRegion[0]
			assert.Equal(t, s.Name, replica.Region)
			assert.Equal(t, "arn:aws:rds:"+primary+":"+offline.AccountID+":db:"+id, replica.Str("replicateSourceDb"))
			assert.Equal(t, data.KeyDatabase, keysOf(t, r, s.Name)[replica.Str("kmsKeyId")])
			assert.True(t, replica.Bool("multiAz"))
			assert.True(t, replica.Bool("deletionProtection"))
			assert.Equal(t, 30, replica.Int("backupRetentionPeriod"), "PITR from the moment it is promoted")
			alarms := dataTier(r, s.Name, "aws:cloudwatch/metricAlarm:MetricAlarm")
			require.Len(t, alarms, 1)
			assert.Equal(t, "ReplicaLag", alarms[0].Str("metricName"))
			assert.Equal(t, replica.ID, alarms[0].StringMap("dimensions")["DBInstanceIdentifier"])
			assert.LessOrEqual(t, alarms[0].Int("threshold")*alarms[0].Int("evaluationPeriods"), 300, "alarmed well inside the 5-minute RPO")
		})
	}
}

func TestCache(t *testing.T) {
	for _, r := range runStacks(t) {
		for _, region := range r.cfg.EnabledRegions() {
			t.Run(r.stack+" "+region.Name+": Redis runs in cluster mode, fails over, encrypts and requires AUTH from random", func(t *testing.T) {
				rgs := dataTier(r, region.Name, "aws:elasticache/replicationGroup:ReplicationGroup")
				require.Len(t, rgs, 1)
				rg := rgs[0]
				assert.Equal(t, "enabled", rg.Str("clusterMode"))
				assert.Equal(t, r.cfg.Data.Cache.Shards, rg.Int("numNodeGroups"))
				assert.GreaterOrEqual(t, rg.Int("numNodeGroups"), 2)
				assert.GreaterOrEqual(t, rg.Int("replicasPerNodeGroup"), 1)
				assert.Equal(t, r.cfg.Data.Cache.ReplicasPerShard, rg.Int("replicasPerNodeGroup"))
				assert.Contains(t, stacks.CacheNodeTypes, rg.Str("nodeType"))
				assert.True(t, rg.Bool("automaticFailoverEnabled"))
				assert.True(t, rg.Bool("multiAzEnabled"))
				assert.True(t, rg.Bool("atRestEncryptionEnabled"))
				assert.True(t, rg.Bool("transitEncryptionEnabled"))
				assert.Equal(t, "required", rg.Str("transitEncryptionMode"))
				assert.GreaterOrEqual(t, rg.Int("snapshotRetentionLimit"), 7)
				assert.NotEmpty(t, rg.Str("snapshotWindow"))

				raw := rg.Inputs["authToken"]
				require.True(t, raw.IsSecret(), "the AUTH token is recorded as a secret")
				assert.Equal(t, randomValue(t, r, "redis-auth"), rg.Str("authToken"), "the token is the random password's result")

				pgs := dataTier(r, region.Name, "aws:elasticache/parameterGroup:ParameterGroup")
				require.Len(t, pgs, 1)
				assert.Equal(t, pgs[0].Str("name"), rg.Str("parameterGroupName"))
				params := map[string]any{}
				for _, p := range pgs[0].Objects("parameters") {
					params[p["name"].(string)] = p["value"]
				}
				assert.Equal(t, "yes", params["cluster-enabled"])
			})
		}
		t.Run(r.stack+": the AUTH token is stored as a secret in Secrets Manager", func(t *testing.T) {
			primary := r.cfg.Primary().Name
			var secretID string
			for _, s := range dataTier(r, primary, "aws:secretsmanager/secret:Secret") {
				if s.Str("name") == data.SecretName(r.stack, data.SecretRedisAuth) {
					secretID = s.ID
				}
			}
			require.NotEmpty(t, secretID)
			found := false
			for _, v := range dataTier(r, primary, "aws:secretsmanager/secretVersion:SecretVersion") {
				if v.Str("secretId") == secretID {
					found = true
					assert.True(t, v.Inputs["secretString"].IsSecret())
					assert.Equal(t, randomValue(t, r, "redis-auth"), v.Str("secretString"))
				}
			}
			assert.True(t, found)
		})
	}
}

// randomValue is the fake result of the random password whose name ends
// in suffix.
func randomValue(t *testing.T, r stackRun, suffix string) string {
	t.Helper()
	for _, p := range r.res.OfType("random:index/randomPassword:RandomPassword") {
		if strings.HasSuffix(p.Name, "-"+suffix) {
			return offline.RandomResult(p.URN)
		}
	}
	t.Fatalf("no random password named *-%s", suffix)
	return ""
}

func TestBuckets(t *testing.T) {
	for _, r := range runStacks(t) {
		for _, region := range r.cfg.EnabledRegions() {
			name := r.stack + " " + region.Name
			buckets := dataTier(r, region.Name, "aws:s3/bucketV2:BucketV2")
			byBucket := func(typ string) map[string]offline.Resource {
				out := map[string]offline.Resource{}
				for _, x := range dataTier(r, region.Name, typ) {
					out[x.Str("bucket")] = x
				}
				return out
			}
			t.Run(name+": every bucket is private, versioned, KMS-encrypted, TLS-only, tiered and logged", func(t *testing.T) {
				require.NotEmpty(t, buckets)
				pabs := byBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
				owners := byBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
				versions := byBucket("aws:s3/bucketVersioningV2:BucketVersioningV2")
				sses := byBucket("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
				policies := byBucket("aws:s3/bucketPolicy:BucketPolicy")
				lifecycles := byBucket("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
				logging := byBucket("aws:s3/bucketLoggingV2:BucketLoggingV2")
				logsBucket := data.BucketName(r.stack, region.Name, data.BucketLogs, offline.AccountID)
				for _, bk := range buckets {
					b := bk.ID
					pab := pabs[b]
					for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
						assert.True(t, pab.Bool(flag), "%s %s", b, flag)
					}
					assert.Equal(t, "BucketOwnerEnforced", owners[b].Object("rule")["objectOwnership"], b)
					assert.Equal(t, "Enabled", versions[b].Object("versioningConfiguration")["status"], b)
					assert.Equal(t, "aws:kms", sses[b].Objects("rules")[0]["applyServerSideEncryptionByDefault"].(map[string]any)["sseAlgorithm"], b)

					doc, err := iampolicy.Parse(policies[b].Str("policy"))
					require.NoError(t, err)
					denies := false
					for _, st := range doc.Statement {
						if st.Effect == "Deny" && st.Condition["Bool"]["aws:SecureTransport"] == false {
							denies = contains(st.Action, "s3:*") && contains(st.Resources(), "arn:aws:s3:::"+b+"/*")
						}
						if st.Effect == "Allow" {
							assert.NotEqual(t, "*", st.Principal["AWS"], "no public grant on %s", b)
						}
					}
					assert.True(t, denies, "%s denies requests without TLS", b)

					rules := lifecycles[b].Objects("rules")
					require.Len(t, rules, 1, b)
					assert.Equal(t, "Enabled", rules[0]["status"])
					assert.NotEmpty(t, rules[0]["transitions"], "%s tiers to infrequent access", b)
					assert.NotNil(t, rules[0]["noncurrentVersionExpiration"], b)
					assert.NotNil(t, rules[0]["abortIncompleteMultipartUpload"], b)

					if b == logsBucket {
						assert.NotContains(t, logging, b, "the logs bucket does not log into itself")
						continue
					}
					require.Contains(t, logging, b)
					assert.Equal(t, logsBucket, logging[b].Str("targetBucket"), b)
				}
			})
		}
		t.Run(r.stack+": replication only in production, every primary bucket to the secondary's replica with its key, RTC 15 min", func(t *testing.T) {
			primary := r.cfg.Primary().Name
			rcs := dataTier(r, primary, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")
			s, ok := r.cfg.Secondary()
			if r.stack != "production" {
				assert.False(t, ok)
				assert.Empty(t, rcs)
				for _, region := range r.cfg.EnabledRegions() {
					assert.Empty(t, dataTier(r, region.Name, "aws:s3/bucketReplicationConfig:BucketReplicationConfig"))
				}
				return
			}
			require.True(t, ok)
			secondaryKeys := keysOf(t, r, s.Name)
			replicas := map[string]bool{}
			for _, bk := range dataTier(r, s.Name, "aws:s3/bucketV2:BucketV2") {
				replicas["arn:aws:s3:::"+bk.ID] = true
			}
			require.Len(t, rcs, len(data.ReplicatedBuckets))
			sources := map[string]bool{}
			for _, rc := range rcs {
				sources[rc.Str("bucket")] = true
				rule := rc.Objects("rules")[0]
				assert.Equal(t, "Enabled", rule["status"])
				dest := rule["destination"].(map[string]any)
				assert.True(t, replicas[dest["bucket"].(string)], "%s replicates to a bucket in %s", rc.Str("bucket"), s.Name)
				assert.Contains(t, dest["bucket"], "-"+s.Name+"-")
				key := dest["encryptionConfiguration"].(map[string]any)["replicaKmsKeyId"].(string)
				assert.Contains(t, []string{data.KeyObjects, data.KeyLogs}, secondaryKeys[key])
				rtc := dest["replicationTime"].(map[string]any)
				assert.Equal(t, "Enabled", rtc["status"])
				assert.Equal(t, float64(15), rtc["time"].(map[string]any)["minutes"])
				assert.Equal(t, "Enabled", dest["metrics"].(map[string]any)["status"])
				assert.Equal(t, "Enabled", rule["sourceSelectionCriteria"].(map[string]any)["sseKmsEncryptedObjects"].(map[string]any)["status"])
			}
			for _, bk := range dataTier(r, primary, "aws:s3/bucketV2:BucketV2") {
				assert.True(t, sources[bk.ID], "%s replicates", bk.ID)
			}
			t.Run("through a role limited to those buckets", func(t *testing.T) {
				var policy offline.Resource
				for _, p := range dataTier(r, primary, "aws:iam/rolePolicy:RolePolicy") {
					if strings.HasSuffix(p.Name, "-replication") {
						policy = p
					}
				}
				doc, err := iampolicy.Parse(policy.Str("policy"))
				require.NoError(t, err)
				for _, st := range doc.Statement {
					for _, res := range st.Resources() {
						assert.NotContains(t, res, "*:", st.Sid)
						assert.NotEqual(t, "*", res, st.Sid)
						if strings.HasPrefix(res, "arn:aws:s3:::") {
							assert.Regexp(t, `^arn:aws:s3:::solsec-production-us-(east-1|west-2)-(contracts|results|docs|logs)-\d{12}(/\*)?$`, res)
						}
					}
				}
			})
		})
	}
}

func TestFilesAndBackups(t *testing.T) {
	for _, r := range runStacks(t) {
		for _, region := range r.cfg.EnabledRegions() {
			name := r.stack + " " + region.Name
			t.Run(name+": EFS mounts in the private subnets behind NFS from the node group only", func(t *testing.T) {
				fss := dataTier(r, region.Name, "aws:efs/fileSystem:FileSystem")
				require.Len(t, fss, 1)
				assert.Len(t, dataTier(r, region.Name, "aws:efs/mountTarget:MountTarget"), 3)
				var sg offline.Resource
				for _, g := range dataTier(r, region.Name, "aws:ec2/securityGroup:SecurityGroup") {
					if strings.HasSuffix(g.Name, "-efs") {
						sg = g
					}
				}
				require.NotEmpty(t, sg.ID)
				for _, mt := range dataTier(r, region.Name, "aws:efs/mountTarget:MountTarget") {
					assert.Equal(t, []string{sg.ID}, mt.Strings("securityGroups"))
					sub := findByID(r.res, "aws:ec2/subnet:Subnet", mt.Str("subnetId"))
					assert.Equal(t, "private", sub.StringMap("tags")["Tier"])
				}
				nodes, ok := r.res.Get("aws:ec2/securityGroup:SecurityGroup", stacks.ResourceName(r.stack, region.Name)+"-nodes")
				require.True(t, ok)
				var rules []offline.Resource
				for _, rule := range r.res.OfType("aws:ec2/securityGroupRule:SecurityGroupRule") {
					if rule.Str("securityGroupId") == sg.ID {
						rules = append(rules, rule)
					}
				}
				require.Len(t, rules, 1, "one rule: NFS in")
				assert.Equal(t, "ingress", rules[0].Str("type"))
				assert.Equal(t, 2049, rules[0].Int("fromPort"))
				assert.Equal(t, 2049, rules[0].Int("toPort"))
				assert.Equal(t, nodes.ID, rules[0].Str("sourceSecurityGroupId"))
				assert.False(t, rules[0].Has("cidrBlocks"))

				aps := dataTier(r, region.Name, "aws:efs/accessPoint:AccessPoint")
				require.Len(t, aps, 1)
				assert.Equal(t, data.Workspace.Path, aps[0].Object("rootDirectory")["path"])
				assert.Equal(t, float64(data.Workspace.UID), aps[0].Object("posixUser")["uid"])
				bps := dataTier(r, region.Name, "aws:efs/backupPolicy:BackupPolicy")
				require.Len(t, bps, 1)
				assert.Equal(t, "ENABLED", bps[0].Object("backupPolicy")["status"])
				assert.NotEmpty(t, fss[0].Objects("lifecyclePolicies"))
			})
		}
		t.Run(r.stack+": AWS Backup covers the database and EFS daily, copying to the secondary only in production", func(t *testing.T) {
			primary := r.cfg.Primary().Name
			plans := dataTier(r, primary, "aws:backup/plan:Plan")
			require.Len(t, plans, 1)
			rule := plans[0].Objects("rules")[0]
			assert.Equal(t, data.BackupSchedule, rule["schedule"])
			assert.Equal(t, float64(r.cfg.Data.BackupRetentionDays), rule["lifecycle"].(map[string]any)["deleteAfter"])
			copies, _ := rule["copyActions"].([]any)
			if s, ok := r.cfg.Secondary(); ok {
				require.Len(t, copies, 1)
				dest := copies[0].(map[string]any)["destinationVaultArn"].(string)
				assert.True(t, strings.HasPrefix(dest, "arn:aws:backup:"+s.Name+":"), dest)
				assert.Len(t, dataTier(r, s.Name, "aws:backup/vault:Vault"), 1)
			} else {
				assert.Empty(t, copies)
			}
			sels := dataTier(r, primary, "aws:backup/selection:Selection")
			require.Len(t, sels, 1)
			res := sels[0].Strings("resources")
			require.Len(t, res, 2)
			assert.Contains(t, res[0], ":rds:"+primary+":")
			assert.Contains(t, res[1], ":elasticfilesystem:"+primary+":")
		})
		t.Run(r.stack+": secrets live under solsec/<env>/, placeholders hold no value", func(t *testing.T) {
			primary := r.cfg.Primary().Name
			secrets := dataTier(r, primary, "aws:secretsmanager/secret:Secret")
			require.Len(t, secrets, 2+len(data.PlaceholderSecrets))
			withValue := map[string]bool{}
			for _, v := range dataTier(r, primary, "aws:secretsmanager/secretVersion:SecretVersion") {
				withValue[v.Str("secretId")] = true
			}
			for _, s := range secrets {
				assert.True(t, strings.HasPrefix(s.Str("name"), "solsec/"+r.stack+"/"), s.Str("name"))
				placeholder := strings.Contains(s.Str("name"), "/third-party/")
				assert.Equal(t, !placeholder, withValue[s.ID], s.Str("name"))
			}
		})
	}
}

// secretLeak walks a recorded value and returns the path of the first
// plain (not secret) string containing one of the values.
func secretLeak(v resource.PropertyValue, values []string, path string) string {
	switch {
	case v.IsSecret():
		return ""
	case v.IsString():
		for _, s := range values {
			if strings.Contains(v.StringValue(), s) {
				return path
			}
		}
	case v.IsArray():
		for i, e := range v.ArrayValue() {
			if p := secretLeak(e, values, path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	case v.IsObject():
		for k, e := range v.ObjectValue() {
			if p := secretLeak(e, values, path+"."+string(k)); p != "" {
				return p
			}
		}
	case v.IsComputed():
		return secretLeak(v.Input().Element, values, path)
	case v.IsOutput():
		if v.OutputValue().Secret {
			return ""
		}
		return secretLeak(v.OutputValue().Element, values, path)
	}
	return ""
}

func TestNoSecretInPlainText(t *testing.T) {
	for _, r := range runStacks(t) {
		var values []string
		for _, p := range r.res.OfType("random:index/randomPassword:RandomPassword") {
			values = append(values, offline.RandomResult(p.URN))
		}
		// The JWT signing key and the Redis token, plus the generated
		// passwords of other components (Grafana, the trace store): every
		// random value of the stack is checked.
		require.GreaterOrEqual(t, len(values), 2, "the JWT signing key and the Redis token at least")

		t.Run(r.stack+": the random values flow only as secrets into recorded inputs", func(t *testing.T) {
			used := 0
			for _, res := range r.res.Resources {
				for k, v := range res.Inputs {
					p := secretLeak(v, values, string(k))
					assert.Empty(t, p, "%s %s holds a secret in plain text at %s", res.Type, res.Name, p)
					if secretLeak(resource.NewObjectProperty(resource.PropertyMap{"x": unwrap(v)}), values, "") != "" {
						used++
					}
				}
			}
			assert.GreaterOrEqual(t, used, 3, "the values do reach the cache and Secrets Manager, as secrets")
		})
		t.Run(r.stack+": stack outputs hold no secret value in plain text", func(t *testing.T) {
			require.NotNil(t, r.outputs)
			checkOutputs(t, r.outputs, values, "")
		})
	}
}

// unwrap removes every secret wrapper so that a leak check finds the value.
func unwrap(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return unwrap(v.SecretValue().Element)
	case v.IsArray():
		var out []resource.PropertyValue
		for _, e := range v.ArrayValue() {
			out = append(out, unwrap(e))
		}
		return resource.NewArrayProperty(out)
	case v.IsObject():
		out := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			out[k] = unwrap(e)
		}
		return resource.NewObjectProperty(out)
	}
	return v
}

// checkOutputs resolves each stack output leaf and fails when one that is
// not marked secret contains a secret value.
func checkOutputs(t *testing.T, m pulumi.Map, values []string, path string) {
	for k, in := range m {
		if sub, ok := in.(pulumi.Map); ok {
			checkOutputs(t, sub, values, path+"."+k)
			continue
		}
		res, err := internals.UnsafeAwaitOutput(context.Background(), pulumi.ToOutput(in))
		require.NoError(t, err)
		if res.Secret {
			continue
		}
		pv := resource.NewPropertyValue(res.Value)
		assert.Empty(t, secretLeak(pv, values, path+"."+k), "stack output %s.%s is a secret in plain text", path, k)
	}
}

func findByID(res *offline.Result, typ, id string) offline.Resource {
	for _, r := range res.OfType(typ) {
		if r.ID == id {
			return r
		}
	}
	return offline.Resource{}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validArgs are a staging primary's arguments built without a network.
func validArgs() *data.DataArgs {
	return &data.DataArgs{
		Environment: "staging", Region: "us-east-1", Role: data.RolePrimary,
		VpcID:                pulumi.String("vpc-0123"),
		PrivateSubnetIDs:     pulumi.ToStringArray([]string{"subnet-a", "subnet-b", "subnet-c"}),
		RdsSecurityGroupID:   pulumi.String("sg-rds"),
		RedisSecurityGroupID: pulumi.String("sg-redis"),
		NodeSecurityGroupID:  pulumi.String("sg-nodes"),
		Database:             data.DatabaseArgs{EngineVersion: "15.8", InstanceClass: "db.r5.large", AllocatedStorageGB: 100, MaxAllocatedStorageGB: 500},
		Cache:                data.CacheArgs{EngineVersion: "7.1", NodeType: "cache.r6g.large", Shards: 2, ReplicasPerShard: 1, SnapshotRetentionDays: 7},
		BackupRetentionDays:  7,
		LogRetentionDays:     90,
	}
}

func runComponent(args *data.DataArgs) (*offline.Result, error) {
	return offline.Run("staging", map[string]string{"aws:region": "us-east-1"}, func(ctx *pulumi.Context) error {
		_, err := data.NewData(ctx, "test", args)
		return err
	})
}

func TestSecretRotation(t *testing.T) {
	for _, r := range runStacks(t) {
		t.Run(r.stack+": every secret with a value rotates within 90 days; the function reaches every region's cache", func(t *testing.T) {
			primary := r.cfg.Primary().Name
			rotations := map[string]offline.Resource{}
			for _, rot := range dataTier(r, primary, "aws:secretsmanager/secretRotation:SecretRotation") {
				rotations[rot.Str("secretId")] = rot
			}
			fns := dataTier(r, primary, "aws:lambda/function:Function")
			require.Len(t, fns, 1)
			for _, v := range dataTier(r, primary, "aws:secretsmanager/secretVersion:SecretVersion") {
				rot, ok := rotations[v.Str("secretId")]
				require.True(t, ok, "%s rotates", v.Str("secretId"))
				days := int(rot.Object("rotationRules")["automaticallyAfterDays"].(float64))
				assert.LessOrEqual(t, days, 90)
				assert.Contains(t, rot.Str("rotationLambdaArn"), fns[0].Str("name"))
			}
			groups := fns[0].Object("environment")["variables"].(map[string]any)["REPLICATION_GROUPS"].(string)
			for _, region := range r.cfg.EnabledRegions() {
				assert.Contains(t, groups, region.Name+":solsec-"+r.stack+"-"+region.Name)
			}
		})
	}
}

func TestNewDataRejectsBadArgs(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(a *data.DataArgs)
		want   string
	}{
		{"an unknown role", func(a *data.DataArgs) { a.Role = "standby" }, `role "standby"`},
		{"a secondary without its primary", func(a *data.DataArgs) { a.Role = data.RoleSecondary }, "Primary"},
		{"a missing network", func(a *data.DataArgs) { a.RdsSecurityGroupID = nil }, "security groups"},
		{"PostgreSQL 16", func(a *data.DataArgs) { a.Database.EngineVersion = "16.1" }, "PostgreSQL 15"},
		{"a burstable database class", func(a *data.DataArgs) { a.Database.InstanceClass = "db.t3.micro" }, "db.r5.large"},
		{"a single cache shard", func(a *data.DataArgs) { a.Cache.Shards = 1 }, "at least 2 shards"},
		{"shards without replicas", func(a *data.DataArgs) { a.Cache.ReplicasPerShard = 0 }, "at least 1 replica"},
		{"a small cache type", func(a *data.DataArgs) { a.Cache.NodeType = "cache.t4g.small" }, "cache.r6g.large"},
		{"cache snapshots kept 3 days", func(a *data.DataArgs) { a.Cache.SnapshotRetentionDays = 3 }, "at least 7"},
		{"production backups under 30 days", func(a *data.DataArgs) { a.Environment = "production"; a.BackupRetentionDays = 14 }, "at least 30"},
		{"a recovery region equal to its own", func(a *data.DataArgs) { a.Recovery = &data.Recovery{Region: "us-east-1"} }, "another region"},
		{"no storage autoscaling headroom", func(a *data.DataArgs) { a.Database.MaxAllocatedStorageGB = 100 }, "larger autoscaling limit"},
	}
	for _, tc := range tests {
		t.Run("it rejects "+tc.name+" before registering anything", func(t *testing.T) {
			args := validArgs()
			tc.mutate(args)
			res, err := runComponent(args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, res.Resources)
		})
	}
	t.Run("it rejects nil args", func(t *testing.T) {
		_, err := runComponent(nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "args are required")
	})
	t.Run("valid args build a primary without replication, every child named after and parented to the component", func(t *testing.T) {
		res, err := runComponent(validArgs())
		require.NoError(t, err)
		comp, ok := res.Get("solsec:data:Data", "test")
		require.True(t, ok)
		assert.Empty(t, res.OfType("solsec:data:RecoverySite"))
		assert.Empty(t, res.OfType("aws:s3/bucketReplicationConfig:BucketReplicationConfig"))
		under := map[string]bool{}
		for _, d := range res.Descendants(comp.URN) {
			under[d.URN] = true
		}
		for _, r := range res.Resources {
			if r.Type == "solsec:data:Data" || strings.HasPrefix(r.Type, "pulumi:providers:") {
				continue
			}
			assert.True(t, under[r.URN], "%s %s is under the component", r.Type, r.Name)
			assert.True(t, strings.HasPrefix(r.Name, "test-"), "%s is named after the component", r.Name)
		}
		assert.Equal(t, 1, res.OutputRegistrations-1, "the component registers its outputs")
	})
}

func TestRecoverySite(t *testing.T) {
	for _, r := range runStacks(t) {
		sites := r.res.OfType("solsec:data:RecoverySite")
		s, replicated := r.cfg.Secondary()
		if !replicated {
			t.Run(r.stack+" has no recovery site", func(t *testing.T) { assert.Empty(t, sites) })
			continue
		}
		t.Run(r.stack+": the recovery site is a child of the primary's Data, entirely in the secondary region", func(t *testing.T) {
			require.Len(t, sites, 1)
			primary, ok := r.res.Get("solsec:data:Data", stacks.ResourceName(r.stack, r.cfg.Primary().Name))
			require.True(t, ok)
			assert.Equal(t, primary.URN, sites[0].Parent)
			children := r.res.Descendants(sites[0].URN)
			require.NotEmpty(t, children)
			for _, c := range children {
				assert.Equal(t, s.Name, c.Region, "%s %s", c.Type, c.Name)
			}
			secondary, ok := r.res.Get("solsec:data:Data", stacks.ResourceName(r.stack, s.Name))
			require.True(t, ok)
			assert.Empty(t, filter(r.res.Descendants(secondary.URN), "aws:kms/key:Key"), "the secondary's keys are the site's")
		})
	}
}

func filter(rs []offline.Resource, typ string) []offline.Resource {
	var out []offline.Resource
	for _, r := range rs {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}
