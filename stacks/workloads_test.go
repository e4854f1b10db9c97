package stacks

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/internal/iampolicy"
	"github.com/solsec/platform/internal/offline"
)

// TestMain stands in source hashes for the image builds: the tests and
// the benchmark evaluate the program many times, and reading the real
// sources (imagebuild.Sources, tested in internal/imagebuild and
// cmd/imagebuild) takes seconds per workload. The stand-in has the real
// hashes' shape and differs per workload.
func TestMain(m *testing.M) {
	sourceHashes = func(_ string, names []string) (map[string]string, error) {
		out := map[string]string{}
		for _, w := range names {
			out[w] = fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("sources of "+w)))
		}
		return out, nil
	}
	os.Exit(m.Run())
}

func workloadsConfig(t *testing.T, stack string, mutate func(w map[string]any)) map[string]string {
	t.Helper()
	sf := stackFile(t, stack)
	cfg := map[string]string{}
	for k, v := range sf.Config {
		cfg[k] = v
	}
	if mutate != nil {
		var w map[string]any
		require.NoError(t, json.Unmarshal([]byte(cfg["solsec:workloads"]), &w))
		mutate(w)
		b, err := json.Marshal(w)
		require.NoError(t, err)
		cfg["solsec:workloads"] = string(b)
	}
	return cfg
}

func TestParseConfigWorkloadsRules(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(w map[string]any)
		wantErr string
	}{
		{"the repository's settings", func(map[string]any) {}, ""},
		{"a promoted secondary", func(w map[string]any) { w["secondaryMode"] = "active" }, ""},
		{"an unknown secondary mode", func(w map[string]any) { w["secondaryMode"] = "read-only" },
			`solsec:workloads.secondaryMode: "read-only"; allowed: standby`},
		{"no secondary mode", func(w map[string]any) { delete(w, "secondaryMode") }, "solsec:workloads.secondaryMode"},
		{"a push role ARN instead of a name", func(w map[string]any) { w["pushRoleName"] = "arn:aws:iam::123456789012:role/ci" },
			"solsec:workloads.pushRoleName"},
		{"no push role", func(w map[string]any) { w["pushRoleName"] = "" }, "solsec:workloads.pushRoleName"},
		{"a single kept release", func(w map[string]any) { w["keepReleases"] = 1 }, "solsec:workloads.keepReleases: 1; allowed: 2 to 1000"},
		{"untagged images kept forever", func(w map[string]any) { w["untaggedExpiryDays"] = 0 }, "solsec:workloads.untaggedExpiryDays: 0"},
		{"an unknown field", func(w map[string]any) { w["replicas"] = 3 }, `unknown field "replicas"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("production", workloadsConfig(t, "production", tt.mutate))
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
	t.Run("the key is required", func(t *testing.T) {
		cfg := workloadsConfig(t, "staging", nil)
		delete(cfg, "solsec:workloads")
		_, err := ParseConfig("staging", cfg)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "solsec:workloads: missing")
	})
}

var imageRef = regexp.MustCompile(`^123456789012\.dkr\.ecr\.(us-[a-z]+-\d)\.amazonaws\.com/solsec/production/([a-z-]+)@sha256:[0-9a-f]{64}$`)

func TestTheRegistryAndTheWorkloadsAreWiredPerRegion(t *testing.T) {
	res, err := offline.Run("production", workloadsConfig(t, "production", nil), Deploy)
	require.NoError(t, err)
	names := workloadNames()

	t.Run("one ECR repository per workload, in the primary region only", func(t *testing.T) {
		repos := res.OfType("aws:ecr/repository:Repository")
		require.Len(t, repos, len(names))
		for _, r := range repos {
			assert.Equal(t, "us-east-1", r.Region)
			assert.Equal(t, "IMMUTABLE", r.Str("imageTagMutability"), r.Name)
			assert.True(t, r.Object("imageScanningConfiguration")["scanOnPush"].(bool), r.Name)
			enc := r.Objects("encryptionConfigurations")
			require.Len(t, enc, 1, r.Name)
			assert.Equal(t, "KMS", enc[0]["encryptionType"], r.Name)
			assert.Regexp(t, `^arn:aws:kms:us-east-1:`, enc[0]["kmsKey"], r.Name)
		}
		repl := res.OfType("aws:ecr/replicationConfiguration:ReplicationConfiguration")
		require.Len(t, repl, 1)
		assert.Contains(t, fmt.Sprint(repl[0].Inputs), "us-west-2")
	})

	t.Run("the repository policy lets exactly both regions' nodes and CI pull, and only CI push", func(t *testing.T) {
		pol := res.OfType("aws:ecr/repositoryPolicy:RepositoryPolicy")
		require.Len(t, pol, len(names))
		doc, err := iampolicy.Parse(pol[0].Str("policy"))
		require.NoError(t, err)
		var pullers []string
		for _, s := range doc.Statement {
			if s.Sid == "NodesAndCIPull" {
				for _, p := range s.Principal["AWS"].([]any) {
					pullers = append(pullers, regexp.MustCompile(`-[0-9a-f]{7}$`).ReplaceAllString(p.(string), ""))
				}
			}
			if s.Sid == "CIPushes" {
				assert.Equal(t, "arn:aws:iam::123456789012:role/solsec-deploy-production", s.Principal["AWS"], "solsec:workloads.pushRoleName")
			}
		}
		assert.Equal(t, []string{
			"arn:aws:iam::123456789012:role/production-us-east-1-nodes",
			"arn:aws:iam::123456789012:role/production-us-west-2-nodes",
			"arn:aws:iam::123456789012:role/solsec-deploy-production",
		}, pullers)
	})

	t.Run("every workload runs its build's digest, the secondary from its own region", func(t *testing.T) {
		for _, region := range []string{"us-east-1", "us-west-2"} {
			for _, w := range names {
				d, ok := res.Get("kubernetes:apps/v1:Deployment", "production-"+region+"-"+w)
				require.True(t, ok, region+" "+w)
				c := d.Object("spec")["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
				m := imageRef.FindStringSubmatch(c["image"].(string))
				require.NotNil(t, m, "%s %s: %v", region, w, c["image"])
				assert.Equal(t, region, m[1], "%s pulls from its region's registry", w)
				assert.Equal(t, w, m[2])
				cmd, ok := res.Get("command:local:Command", "solsec-production-images-"+w)
				require.True(t, ok)
				var out struct{ Digest string }
				require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(fakeStdout(t, cmd))), &out))
				assert.True(t, strings.HasSuffix(c["image"].(string), "@"+out.Digest), "%s %s runs the digest its build printed", region, w)
			}
		}
	})

	t.Run("the secondary is a read-only standby by default", func(t *testing.T) {
		_, primaryJob := res.Get("kubernetes:batch/v1:Job", "production-us-east-1-migrate")
		_, secondaryJob := res.Get("kubernetes:batch/v1:Job", "production-us-west-2-migrate")
		assert.True(t, primaryJob)
		assert.False(t, secondaryJob)
		es, ok := res.Get("kubernetes:external-secrets.io/v1beta1:ExternalSecret", "production-us-west-2-api-service-database")
		require.True(t, ok)
		url := fmt.Sprint(es.Object("spec")["target"].(map[string]any)["template"].(map[string]any)["data"].(map[string]any)["url"])
		assert.Contains(t, url, "default_transaction_read_only=on")
		assert.Contains(t, url, ".us-west-2.rds.amazonaws.com:5432/solsec", "the region's own replica")
		assert.NotContains(t, url, ":5432:5432")
		store, ok := res.Get("kubernetes:external-secrets.io/v1beta1:SecretStore", "production-us-west-2-api-service-store-primary")
		require.True(t, ok, "the master secret is read where RDS keeps it")
		assert.Equal(t, "us-east-1", store.Object("spec")["provider"].(map[string]any)["aws"].(map[string]any)["region"])
	})

	t.Run("the build credentials stay in the build's encrypted environment", func(t *testing.T) {
		for _, r := range res.Resources {
			if r.Type == "command:local:Command" {
				assert.True(t, r.Inputs["environment"].ContainsSecrets(), r.Name)
				continue
			}
			assert.NotContains(t, fmt.Sprint(r.Inputs), "offline-ecr-password-", "%s %s", r.Type, r.Name)
		}
	})
}

func TestAnActiveSecondaryRunsEverythingReadWrite(t *testing.T) {
	res, err := offline.Run("production", workloadsConfig(t, "production", func(w map[string]any) { w["secondaryMode"] = "active" }), Deploy)
	require.NoError(t, err)
	_, ok := res.Get("kubernetes:batch/v1:Job", "production-us-west-2-migrate")
	assert.True(t, ok, "the promoted replica is migrated in its region")
	es, ok := res.Get("kubernetes:external-secrets.io/v1beta1:ExternalSecret", "production-us-west-2-api-service-database")
	require.True(t, ok)
	assert.NotContains(t, fmt.Sprint(es.Object("spec")), "default_transaction_read_only")
	_, ok = res.Get("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "production-us-west-2-orchestration-hpa")
	assert.True(t, ok, "workers scale again")
}

func TestStagingRunsOneRegionWithoutReplication(t *testing.T) {
	res, err := offline.Run("staging", workloadsConfig(t, "staging", nil), Deploy)
	require.NoError(t, err)
	assert.Empty(t, res.OfType("aws:ecr/replicationConfiguration:ReplicationConfiguration"))
	assert.Len(t, res.OfType("solsec:workloads:Workloads"), 1)
	assert.Len(t, res.OfType("aws:ecr/repository:Repository"), len(workloadNames()))
}

// fakeStdout is the stdout the offline fake gives a build command: the
// recorded inputs hold the create command and triggers it derives from.
func fakeStdout(t *testing.T, cmd offline.Resource) string {
	t.Helper()
	fields := strings.Fields(cmd.Str("create"))
	prefix, w := fields[len(fields)-2], fields[len(fields)-1]
	sum := sha256.Sum256([]byte(cmd.Strings("triggers")[0] + "\n" + prefix + "/" + w))
	return fmt.Sprintf(`{"digest":"sha256:%x"}`, sum)
}
