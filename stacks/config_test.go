package stacks

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/internal/offline"
)

// stackFile loads one of the repository's real stack files.
func stackFile(t testing.TB, stack string) *offline.StackFile {
	t.Helper()
	root, err := offline.RepoRoot()
	require.NoError(t, err)
	sf, err := offline.LoadStackFile(filepath.Join(root, "Pulumi."+stack+".yaml"))
	require.NoError(t, err)
	return sf
}

// rawConfig is a mutable copy of a stack's config for building bad ones.
type rawConfig struct {
	values     map[string]string
	regions    []map[string]any
	nodeGroups []map[string]any
	cluster    map[string]any
	data       map[string]any
	obs, mesh  map[string]any
	edge       map[string]any
}

func productionRaw(t *testing.T) *rawConfig { return loadRaw(t, "production") }

func loadRaw(t *testing.T, stack string) *rawConfig {
	sf := stackFile(t, stack)
	rc := &rawConfig{values: map[string]string{}}
	for k, v := range sf.Config {
		rc.values[k] = v
	}
	require.NoError(t, json.Unmarshal([]byte(sf.Config["solsec:regions"]), &rc.regions))
	require.NoError(t, json.Unmarshal([]byte(sf.Config["solsec:nodeGroups"]), &rc.nodeGroups))
	require.NoError(t, json.Unmarshal([]byte(sf.Config["solsec:cluster"]), &rc.cluster))
	require.NoError(t, json.Unmarshal([]byte(sf.Config["solsec:observability"]), &rc.obs))
	require.NoError(t, json.Unmarshal([]byte(sf.Config["solsec:mesh"]), &rc.mesh))
	require.NoError(t, json.Unmarshal([]byte(sf.Config["solsec:data"]), &rc.data))
	require.NoError(t, json.Unmarshal([]byte(sf.Config["solsec:edge"]), &rc.edge))
	return rc
}

func (rc *rawConfig) encode(t *testing.T) map[string]string {
	out := map[string]string{}
	for k, v := range rc.values {
		out[k] = v
	}
	for key, v := range map[string]any{"solsec:regions": rc.regions, "solsec:nodeGroups": rc.nodeGroups, "solsec:cluster": rc.cluster, "solsec:data": rc.data,
		"solsec:observability": rc.obs, "solsec:mesh": rc.mesh, "solsec:edge": rc.edge} {
		if m, ok := v.(map[string]any); ok && m == nil {
			delete(out, key) // a deleted key stays deleted
			continue
		}
		b, err := json.Marshal(v)
		require.NoError(t, err)
		out[key] = string(b)
	}
	return out
}

func TestParseConfigAcceptsTheRepositoryStacks(t *testing.T) {
	t.Run("production deploys both regions, primary first", func(t *testing.T) {
		sf := stackFile(t, "production")
		cfg, err := ParseConfig(sf.Stack, sf.Config)
		require.NoError(t, err)
		regions := cfg.EnabledRegions()
		require.Len(t, regions, 2)
		assert.Equal(t, "us-east-1", regions[0].Name)
		assert.Equal(t, RolePrimary, regions[0].Role)
		assert.Equal(t, "10.0.0.0/16", regions[0].VpcCidr)
		assert.Equal(t, "us-west-2", regions[1].Name)
		assert.Equal(t, NatOnePerAZ, regions[0].NatMode)
	})
	t.Run("staging deploys us-east-1 and only plans us-west-2", func(t *testing.T) {
		sf := stackFile(t, "staging")
		cfg, err := ParseConfig(sf.Stack, sf.Config)
		require.NoError(t, err)
		regions := cfg.EnabledRegions()
		require.Len(t, regions, 1)
		assert.Equal(t, "10.1.0.0/16", regions[0].VpcCidr)
		assert.Equal(t, NatSingle, regions[0].NatMode)
		assert.Len(t, cfg.Regions, 2)
	})
	t.Run("the architecture document's subnet plan is used in us-east-1", func(t *testing.T) {
		for stack, x := range map[string]string{"production": "0", "staging": "1"} {
			sf := stackFile(t, stack)
			cfg, err := ParseConfig(sf.Stack, sf.Config)
			require.NoError(t, err)
			p := cfg.Primary()
			assert.Equal(t, []string{"10." + x + ".1.0/24", "10." + x + ".2.0/24", "10." + x + ".3.0/24"}, p.PublicSubnets, stack)
			assert.Equal(t, []string{"10." + x + ".4.0/24", "10." + x + ".5.0/24", "10." + x + ".6.0/24"}, p.PrivateSubnets, stack)
		}
	})
}

func TestParseConfigRejects(t *testing.T) {
	tests := []struct {
		name string
		// mutate breaks a valid production config.
		mutate func(rc *rawConfig)
		stack  string
		// wantKey is the config key the message must name; wantAllowed is
		// a piece of what it must say is allowed.
		wantKey, wantAllowed string
	}{
		{"an unknown region", func(rc *rawConfig) { rc.regions[1]["name"] = "us-east-9" },
			"", "solsec:regions[1].name", "us-west-2"},
		{"a duplicated region", func(rc *rawConfig) { rc.regions[1]["name"] = "us-east-1" },
			"", "solsec:regions[1].name", "once"},
		{"no primary region", func(rc *rawConfig) { rc.regions[0]["role"] = "secondary" },
			"", "solsec:regions", "exactly one"},
		{"two primary regions", func(rc *rawConfig) { rc.regions[1]["role"] = "primary" },
			"", "solsec:regions", "exactly one"},
		{"an unknown role", func(rc *rawConfig) { rc.regions[1]["role"] = "standby" },
			"", "solsec:regions[1].role", "primary, secondary"},
		{"a malformed VPC range", func(rc *rawConfig) { rc.regions[0]["vpcCidr"] = "10.0.0/16" },
			"", "solsec:regions[0].vpcCidr", "IPv4 range"},
		{"a VPC range with host bits", func(rc *rawConfig) { rc.regions[0]["vpcCidr"] = "10.0.1.0/16" },
			"", "solsec:regions[0].vpcCidr", "10.0.0.0/16"},
		{"a VPC range overlapping the other region's", func(rc *rawConfig) {
			rc.regions[1]["vpcCidr"] = "10.0.0.0/16"
			rc.regions[1]["publicSubnets"] = []string{"10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"}
			rc.regions[1]["privateSubnets"] = []string{"10.0.4.0/24", "10.0.5.0/24", "10.0.6.0/24"}
		}, "", "solsec:regions[1].vpcCidr", "peerable"},
		{"a subnet outside its VPC", func(rc *rawConfig) {
			rc.regions[0]["privateSubnets"] = []string{"10.0.4.0/24", "10.0.5.0/24", "10.9.6.0/24"}
		}, "", "solsec:regions[0].privateSubnets[2]", "subnet of that range"},
		{"two subnets overlapping", func(rc *rawConfig) {
			rc.regions[0]["privateSubnets"] = []string{"10.0.4.0/24", "10.0.5.0/24", "10.0.1.0/24"}
		}, "", "solsec:regions[0].privateSubnets[2]", "share no address"},
		{"a pod subnet outside the pod range", func(rc *rawConfig) {
			rc.regions[0]["podSubnets"] = []string{"100.64.0.0/18", "100.64.64.0/18", "100.65.0.0/18"}
		}, "", "solsec:regions[0].podSubnets[2]", "subnet of that range"},
		{"a pod range outside RFC 6598 space", func(rc *rawConfig) { rc.regions[0]["podCidr"] = "172.16.0.0/16" },
			"", "solsec:regions[0].podCidr", "100.64.0.0/10"},
		{"two subnets where three AZs need three", func(rc *rawConfig) {
			rc.regions[0]["publicSubnets"] = []string{"10.0.1.0/24", "10.0.2.0/24"}
		}, "", "solsec:regions[0].publicSubnets", "one per availability zone"},
		{"an AZ count of two", func(rc *rawConfig) { rc.regions[0]["azCount"] = 2 },
			"", "solsec:regions[0].azCount", "allowed: 3"},
		{"an unknown NAT mode", func(rc *rawConfig) { rc.regions[0]["natMode"] = "per-subnet" },
			"", "solsec:regions[0].natMode", "one-per-az, single"},
		{"a retention CloudWatch does not accept", func(rc *rawConfig) { rc.values["solsec:logRetentionDays"] = "45" },
			"", "solsec:logRetentionDays", "30, 60"},
		{"a retention that is not a number", func(rc *rawConfig) { rc.values["solsec:logRetentionDays"] = "a year" },
			"", "solsec:logRetentionDays", "365"},
		{"a missing domain", func(rc *rawConfig) { delete(rc.values, "solsec:domain") },
			"", "solsec:domain", "required"},
		{"a domain that is not one", func(rc *rawConfig) { rc.values["solsec:domain"] = "Solsec_IO" },
			"", "solsec:domain", "example.com"},
		{"a missing cost centre", func(rc *rawConfig) { rc.values["solsec:costCenter"] = "  " },
			"", "solsec:costCenter", "required"},
		{"a misspelt key", func(rc *rawConfig) { rc.values["solsec:costCentre"] = "x" },
			"", "solsec:costCentre", "solsec:costCenter"},
		{"a misspelt region field", func(rc *rawConfig) { rc.regions[0]["vpcRange"] = "10.0.0.0/16" },
			"", "solsec:regions", "vpcRange"},
		{"a disabled primary", func(rc *rawConfig) { rc.regions[0]["enabled"] = false },
			"", "solsec:regions[0].enabled", "must be deployed"},
		{"an unknown instance type", func(rc *rawConfig) { rc.nodeGroups[0]["instanceTypes"] = []string{"m5.mega"} },
			"", "solsec:nodeGroups[0].instanceTypes[0]", "m5.large"},
		{"node group sizes out of order", func(rc *rawConfig) { rc.nodeGroups[0]["minSize"] = 10 },
			"", "solsec:nodeGroups[0]", "minSize <= desiredSize"},
		{"spot capacity only", func(rc *rawConfig) { rc.nodeGroups[0]["capacityType"] = "spot" },
			"", "solsec:nodeGroups", "at least one"},
		{"node groups too large for the pod subnets", func(rc *rawConfig) {
			rc.regions[0]["podSubnets"] = []string{"100.64.0.0/24", "100.64.1.0/24", "100.64.2.0/24"}
		}, "", "solsec:regions[0].podSubnets", "smaller solsec:nodeGroups maxSize"},
		{"a stack that is not an environment", func(rc *rawConfig) {}, "dev", "stack name \"dev\"", "staging, production"},
		{"an unsupported Kubernetes version", func(rc *rawConfig) { rc.cluster["kubernetesVersion"] = "1.29" },
			"", "solsec:cluster.kubernetesVersion", "1.35"},
		{"a public endpoint open to the world", func(rc *rawConfig) { rc.cluster["publicAccessCidrs"] = []string{"0.0.0.0/0"} },
			"", "solsec:cluster.publicAccessCidrs[0]", "never 0.0.0.0/0"},
		{"no cluster admin", func(rc *rawConfig) { rc.cluster["adminRoles"] = []string{} },
			"", "solsec:cluster.adminRoles", "at least one"},
		{"an admin given as an ARN", func(rc *rawConfig) { rc.cluster["adminRoles"] = []string{"arn:aws:iam::123456789012:role/x"} },
			"", "solsec:cluster.adminRoles[0]", "not an ARN"},
		{"an on-demand type outside m5.large-m5.2xlarge", func(rc *rawConfig) { rc.nodeGroups[0]["instanceTypes"] = []string{"c5.xlarge"} },
			"", "solsec:nodeGroups[0].instanceTypes[0]", "m5.large, m5.xlarge, m5.2xlarge"},
		{"a spot group with a single type", func(rc *rawConfig) { rc.nodeGroups[1]["instanceTypes"] = []string{"m5.xlarge"} },
			"", "solsec:nodeGroups[1].instanceTypes", "at least 2"},
		{"no alert recipient", func(rc *rawConfig) { rc.obs["alertEmails"] = []string{} },
			"", "solsec:observability.alertEmails", "at least one address"},
		{"an anomaly threshold above the budget", func(rc *rawConfig) { rc.obs["anomalyThresholdUsd"] = 90000 },
			"", "solsec:observability", "threshold below the budget"},
		{"a trace store not spread over the AZs", func(rc *rawConfig) {
			rc.obs["jaeger"].(map[string]any)["instanceCount"] = 2
		}, "", "solsec:observability.jaeger.instanceCount", "multiple of 3"},
		{"a JWKS URL over plain HTTP", func(rc *rawConfig) {
			rc.mesh["jwt"].(map[string]any)["jwksUri"] = "http://auth.solsec.io/jwks.json"
		}, "", "solsec:mesh.jwt.jwksUri", "https URL"},
		{"protected paths the gateway would not check", func(rc *rawConfig) {
			rc.mesh["jwt"].(map[string]any)["checkAtGateway"] = false
			rc.mesh["jwt"].(map[string]any)["protectedPaths"] = []string{"/v1/*"}
		}, "", "solsec:mesh.jwt.protectedPaths", "no protected paths when the gateway checks no token"},
		{"a wildcard egress host", func(rc *rawConfig) { rc.mesh["egressHosts"] = []string{"*.example.com"} },
			"", "solsec:mesh.egressHosts[0]", "no wildcards"},
		{"a sampling rate above 100%", func(rc *rawConfig) { rc.mesh["samplingPercent"] = 150 },
			"", "solsec:mesh.samplingPercent", "at most 100"},
		{"an account id that is not one", func(rc *rawConfig) { rc.values["solsec:accountId"] = "12345" },
			"", "solsec:accountId", "12-digit"},
		{"a missing data tier", func(rc *rawConfig) { rc.data = nil },
			"", "solsec:data", "required"},
		{"an empty data tier", func(rc *rawConfig) { rc.data = map[string]any{} },
			"", "solsec:data.backupRetentionDays: 0", "1 to 35"},
		{"a database class below db.r5.large", func(rc *rawConfig) { dbSetting(rc, "instanceClass", "db.t3.medium") },
			"", "solsec:data.database.instanceClass", "db.r5.large, db.r5.xlarge, db.r5.2xlarge"},
		{"a database class above db.r5.2xlarge", func(rc *rawConfig) { dbSetting(rc, "instanceClass", "db.r5.4xlarge") },
			"", "solsec:data.database.instanceClass", "db.r5.2xlarge"},
		{"a database of another family", func(rc *rawConfig) { dbSetting(rc, "instanceClass", "db.r6g.large") },
			"", `"db.r6g.large"`, "db.r5.large"},
		{"PostgreSQL 14", func(rc *rawConfig) { dbSetting(rc, "engineVersion", "14.10") },
			"", "solsec:data.database.engineVersion", "PostgreSQL 15"},
		{"PostgreSQL 16", func(rc *rawConfig) { dbSetting(rc, "engineVersion", "16.1") },
			"", `"16.1"`, "PostgreSQL 15"},
		{"a major version without a minor", func(rc *rawConfig) { dbSetting(rc, "engineVersion", "15") },
			"", "solsec:data.database.engineVersion", "15.8"},
		{"a storage limit not above the allocation", func(rc *rawConfig) { dbSetting(rc, "maxAllocatedStorageGb", 100) },
			"", "solsec:data.database.maxAllocatedStorageGb", "more than allocatedStorageGb"},
		{"backups kept under 30 days in production", func(rc *rawConfig) { rc.data["backupRetentionDays"] = 29 },
			"", "solsec:data.backupRetentionDays: 29 in production", "30 to 35"},
		{"backups kept longer than RDS allows", func(rc *rawConfig) { rc.data["backupRetentionDays"] = 36 },
			"", "solsec:data.backupRetentionDays", "1 to 35"},
		{"a cache type below cache.r6g.large", func(rc *rawConfig) { cacheSetting(rc, "nodeType", "cache.t4g.medium") },
			"", "solsec:data.cache.nodeType", "cache.r6g.large, cache.r6g.xlarge"},
		{"a cache type above cache.r6g.xlarge", func(rc *rawConfig) { cacheSetting(rc, "nodeType", "cache.r6g.2xlarge") },
			"", "solsec:data.cache.nodeType", "cache.r6g.xlarge"},
		{"a single cache shard", func(rc *rawConfig) { cacheSetting(rc, "shards", 1) },
			"", "solsec:data.cache.shards", "2 to 500"},
		{"cache shards without replicas", func(rc *rawConfig) { cacheSetting(rc, "replicasPerShard", 0) },
			"", "solsec:data.cache.replicasPerShard", "1 to 5"},
		{"cache snapshots kept under a week", func(rc *rawConfig) { cacheSetting(rc, "snapshotRetentionDays", 3) },
			"", "solsec:data.cache.snapshotRetentionDays", "7 to 35"},
		{"Redis 6", func(rc *rawConfig) { cacheSetting(rc, "engineVersion", "6.2") },
			"", "solsec:data.cache.engineVersion", "Redis 7"},
		{"a misspelt data field", func(rc *rawConfig) { rc.data["backupRetention"] = 30 },
			"", "solsec:data", "backupRetention"},
		{"production without a secondary region to replicate to", func(rc *rawConfig) { rc.regions[1]["enabled"] = false },
			"", "solsec:regions", "exactly one, which holds the data tier's cross-region replicas"},
		{"a missing edge", func(rc *rawConfig) { rc.edge = nil },
			"", "solsec:edge", "required"},
		{"a zone mode that is neither", func(rc *rawConfig) { rc.edge["zone"] = "delegated" },
			"", `solsec:edge.zone: "delegated"`, "create (this stack creates the public zone of solsec:domain), existing"},
		{"an unknown price class", func(rc *rawConfig) { rc.edge["priceClass"] = "PriceClass_300" },
			"", `solsec:edge.priceClass: "PriceClass_300"`, "PriceClass_100, PriceClass_200, PriceClass_All"},
		{"a rate limit below WAF's minimum", func(rc *rawConfig) { edgeRate(rc, "perIp", 5) },
			"", "solsec:edge.rateLimits.perIp: 5", "10 to 2000000000 requests per client IP per 5 minutes"},
		{"a rate limit above WAF's maximum", func(rc *rawConfig) { edgeRate(rc, "perIp", 3000000000) },
			"", "solsec:edge.rateLimits.perIp: 3000000000", "10 to 2000000000"},
		{"an upload limit as loose as the general one", func(rc *rawConfig) { edgeRate(rc, "uploadsPerIp", 2000) },
			"", "solsec:edge.rateLimits.uploadsPerIp: 2000", "less than rateLimits.perIp (2000), the stricter limit of /v1/analyses"},
		{"a country name instead of a code", func(rc *rawConfig) { rc.edge["blockedCountries"] = []string{"CU", "Iran"} },
			"", `solsec:edge.blockedCountries[1]: "Iran" is not an ISO 3166-1 alpha-2 country code`, "two upper-case letters such as KP"},
		{"a lower-case country code", func(rc *rawConfig) { rc.edge["blockedCountries"] = []string{"kp"} },
			"", `solsec:edge.blockedCountries[0]: "kp"`, "upper-case"},
		{"a code that is not assigned", func(rc *rawConfig) { rc.edge["blockedCountries"] = []string{"XX"} },
			"", `solsec:edge.blockedCountries[0]: "XX"`, "ISO 3166-1 alpha-2"},
		{"a country blocked twice", func(rc *rawConfig) { rc.edge["blockedCountries"] = []string{"KP", "IR", "KP"} },
			"", `solsec:edge.blockedCountries[2]: "KP" is already solsec:edge.blockedCountries[0]`, "once"},
		{"no upload limit", func(rc *rawConfig) { rc.edge["uploadLimitMb"] = 0 },
			"", "solsec:edge.uploadLimitMb: 0", "1 to 100 MiB"},
		{"an upload limit above 100 MiB", func(rc *rawConfig) { rc.edge["uploadLimitMb"] = 512 },
			"", "solsec:edge.uploadLimitMb: 512", "1 to 100 MiB"},
		{"a misspelt edge field", func(rc *rawConfig) { rc.edge["rateLimit"] = 100 },
			"", "solsec:edge", `unknown field "rateLimit"`},
		{"a deployed region the edge cannot front", func(rc *rawConfig) { rc.regions[1]["name"] = "eu-west-1" },
			"", `solsec:regions: "eu-west-1" is deployed but the edge does not know its ALB hosted zone`, "us-east-1, us-west-2"},
		{"no region in us-east-1", func(rc *rawConfig) {
			rc.regions[0]["name"] = "us-east-2"
		}, "", "solsec:regions: no enabled region is us-east-1", "CloudFront's certificate, web ACL and log delivery"},
	}
	for _, tc := range tests {
		t.Run("it rejects "+tc.name, func(t *testing.T) {
			rc := productionRaw(t)
			tc.mutate(rc)
			stack := tc.stack
			if stack == "" {
				stack = "production"
			}
			cfg, err := ParseConfig(stack, rc.encode(t))
			require.Error(t, err)
			assert.Nil(t, cfg)
			assert.Contains(t, err.Error(), tc.wantKey)
			assert.Contains(t, err.Error(), tc.wantAllowed)
		})
	}
}

func edgeRate(rc *rawConfig, field string, v any)     { rc.edge["rateLimits"].(map[string]any)[field] = v }
func dbSetting(rc *rawConfig, field string, v any)    { rc.data["database"].(map[string]any)[field] = v }
func cacheSetting(rc *rawConfig, field string, v any) { rc.data["cache"].(map[string]any)[field] = v }

func TestParseConfigEdgeRules(t *testing.T) {
	t.Run("the repository stacks read their edge settings", func(t *testing.T) {
		for _, stack := range Environments {
			sf := stackFile(t, stack)
			cfg, err := ParseConfig(stack, sf.Config)
			require.NoError(t, err)
			assert.Equal(t, ZoneCreate, cfg.Edge.Zone)
			assert.Less(t, cfg.Edge.RateLimits.UploadsPerIP, cfg.Edge.RateLimits.PerIP)
			assert.NotEmpty(t, cfg.Edge.BlockedCountries)
		}
	})
	t.Run("an existing zone and no blocked countries are accepted", func(t *testing.T) {
		rc := productionRaw(t)
		rc.edge["zone"] = ZoneExisting
		rc.edge["blockedCountries"] = []string{}
		cfg, err := ParseConfig("production", rc.encode(t))
		require.NoError(t, err)
		assert.Equal(t, ZoneExisting, cfg.Edge.Zone)
	})
	t.Run("the code list is ISO 3166-1's 249 assigned codes, each two upper-case letters", func(t *testing.T) {
		assert.Len(t, ISOCountryCodes, 249)
		seen := map[string]bool{}
		for _, c := range ISOCountryCodes {
			assert.Regexp(t, `^[A-Z]{2}$`, c)
			assert.False(t, seen[c], c)
			seen[c] = true
		}
	})
}

func TestParseConfigDataRules(t *testing.T) {
	t.Run("staging may keep backups a week", func(t *testing.T) {
		rc := loadRaw(t, "staging")
		rc.data["backupRetentionDays"] = 7
		_, err := ParseConfig("staging", rc.encode(t))
		assert.NoError(t, err)
	})
	t.Run("every allowed class and node type is accepted", func(t *testing.T) {
		for _, class := range DatabaseInstanceClasses {
			for _, node := range CacheNodeTypes {
				rc := productionRaw(t)
				dbSetting(rc, "instanceClass", class)
				cacheSetting(rc, "nodeType", node)
				_, err := ParseConfig("production", rc.encode(t))
				assert.NoError(t, err, "%s %s", class, node)
			}
		}
	})
	t.Run("the repository stacks read their data settings", func(t *testing.T) {
		for _, stack := range Environments {
			sf := stackFile(t, stack)
			cfg, err := ParseConfig(stack, sf.Config)
			require.NoError(t, err)
			assert.Regexp(t, `^15\.`, cfg.Data.Database.EngineVersion)
			assert.GreaterOrEqual(t, cfg.Data.Cache.Shards, 2)
			assert.GreaterOrEqual(t, cfg.Data.Cache.ReplicasPerShard, 1)
			_, replicated := cfg.Secondary()
			assert.Equal(t, stack == "production", replicated, "only production replicates to a secondary region")
		}
	})
	t.Run("two enabled secondary regions are rejected", func(t *testing.T) {
		rc := productionRaw(t)
		third := map[string]any{}
		for k, v := range rc.regions[1] {
			third[k] = v
		}
		third["name"] = "us-east-2"
		third["vpcCidr"] = "10.4.0.0/16"
		third["publicSubnets"] = []string{"10.4.1.0/24", "10.4.2.0/24", "10.4.3.0/24"}
		third["privateSubnets"] = []string{"10.4.4.0/24", "10.4.5.0/24", "10.4.6.0/24"}
		rc.regions = append(rc.regions, third)
		_, err := ParseConfig("production", rc.encode(t))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "2 enabled secondary regions (us-west-2, us-east-2)")
	})
}

func TestParseConfigReportsEveryProblemAtOnce(t *testing.T) {
	rc := productionRaw(t)
	delete(rc.values, "solsec:domain")
	rc.values["solsec:logRetentionDays"] = "45"
	rc.regions[0]["natMode"] = "none"
	rc.nodeGroups[1]["capacityType"] = "reserved"
	_, err := ParseConfig("production", rc.encode(t))
	var cerr *ConfigError
	require.ErrorAs(t, err, &cerr)
	assert.Len(t, cerr.Problems, 4, cerr.Error())
}

func TestParseConfigNeverPanics(t *testing.T) {
	inputs := []map[string]string{
		nil,
		{},
		{"solsec:regions": "null", "solsec:nodeGroups": "null"},
		{"solsec:regions": `{"name": "us-east-1"}`},
		{"solsec:regions": `[null, 3, "x"]`},
		{"solsec:regions": `[{}]`, "solsec:nodeGroups": `[{}]`, "solsec:domain": "a.b", "solsec:costCenter": "c", "solsec:logRetentionDays": "30"},
		{"solsec:regions": `[{"name":"us-east-1","role":"primary","azCount":3,"natMode":"single","vpcCidr":"::/0","podCidr":"100.64.0.0/16","publicSubnets":["x"]}]`},
		{"solsec:logRetentionDays": "99999999999999999999999"},
	}
	for i, in := range inputs {
		assert.NotPanics(t, func() {
			_, err := ParseConfig("staging", in)
			assert.Error(t, err, "input %d", i)
		})
	}
}

func TestCheckPeerable(t *testing.T) {
	load := func(t *testing.T, stack string, mutate func(rc *rawConfig)) *Config {
		rc := loadRaw(t, stack)
		if mutate != nil {
			mutate(rc)
		}
		cfg, err := ParseConfig(stack, rc.encode(t))
		require.NoError(t, err)
		return cfg
	}
	t.Run("every stack file of the repository is peerable with the others", func(t *testing.T) {
		root, err := offline.RepoRoot()
		require.NoError(t, err)
		paths, err := offline.StackFiles(root)
		require.NoError(t, err)
		var cfgs []*Config
		for _, p := range paths {
			sf, err := offline.LoadStackFile(p)
			require.NoError(t, err)
			cfg, err := ParseConfig(sf.Stack, sf.Config)
			require.NoError(t, err, p)
			cfgs = append(cfgs, cfg)
		}
		require.Len(t, cfgs, 2)
		assert.NoError(t, CheckPeerable(cfgs))
	})
	t.Run("a staging range overlapping a production range is rejected, naming both keys", func(t *testing.T) {
		prod := load(t, "production", nil)
		staging := load(t, "staging", func(rc *rawConfig) {
			// The planned us-west-2 range collides with production's.
			rc.regions[1]["vpcCidr"] = "10.2.0.0/16"
			rc.regions[1]["publicSubnets"] = []string{"10.2.1.0/24", "10.2.2.0/24", "10.2.3.0/24"}
			rc.regions[1]["privateSubnets"] = []string{"10.2.4.0/24", "10.2.5.0/24", "10.2.6.0/24"}
		})
		err := CheckPeerable([]*Config{prod, staging})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "stack staging solsec:regions[1].vpcCidr (us-west-2)")
		assert.Contains(t, err.Error(), "stack production solsec:regions[1].vpcCidr (us-west-2)")
	})
}

func TestPodAddressCapacity(t *testing.T) {
	for _, stack := range Environments {
		sf := stackFile(t, stack)
		cfg, err := ParseConfig(sf.Stack, sf.Config)
		require.NoError(t, err)
		for _, r := range cfg.Regions {
			t.Run(stack+" "+r.Name+" holds every node group at maximum size in one AZ", func(t *testing.T) {
				c, err := AddressCapacity(r, cfg.NodeGroups)
				require.NoError(t, err)
				assert.LessOrEqual(t, c.PodAddressesNeeded, c.PodAddressesPerSubnet)
				assert.LessOrEqual(t, c.NodeAddressesNeeded, c.NodeAddressesPerSubnet)
				// A /24 would not do: that is why pods have their own range.
				assert.Greater(t, c.PodAddressesNeeded, 256-5, "the pod range is needed at all")
			})
		}
	}
	t.Run("the budget is the largest instance type's pod addresses times max size", func(t *testing.T) {
		r := Region{PodSubnets: []string{"100.64.0.0/18"}, PrivateSubnets: []string{"10.0.4.0/24"}}
		c, err := AddressCapacity(r, []NodeGroup{
			{Name: "a", InstanceTypes: []string{"m5.large", "m5.2xlarge"}, MaxSize: 10},
			{Name: "b", InstanceTypes: []string{"m5.large"}, MaxSize: 5},
		})
		require.NoError(t, err)
		assert.Equal(t, 10*42+5*18, c.PodAddressesNeeded)
		assert.Equal(t, 16384-5, c.PodAddressesPerSubnet)
		assert.Equal(t, 251, c.NodeAddressesPerSubnet)
	})
}
