package registry_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/components/registry"
	"github.com/solsec/platform/internal/iampolicy"
	"github.com/solsec/platform/internal/offline"
)

const (
	tRepo      = "aws:ecr/repository:Repository"
	tLifecycle = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	tRepoPol   = "aws:ecr/repositoryPolicy:RepositoryPolicy"
	tScanning  = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
	tReplConf  = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
	tTemplate  = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
	tKey       = "aws:kms/key:Key"
	tAlias     = "aws:kms/alias:Alias"
	tRole      = "aws:iam/role:Role"
	tRolePol   = "aws:iam/rolePolicy:RolePolicy"
)

var (
	account   = offline.AccountID
	root      = "arn:aws:iam::" + account + ":root"
	pushRole  = "arn:aws:iam::" + account + ":role/solsec-deploy-production"
	nodeRoles = []string{
		"arn:aws:iam::" + account + ":role/solsec-production-use1-nodes-1a2b3c4",
		"arn:aws:iam::" + account + ":role/solsec-production-usw2-nodes-5d6e7f8",
	}
	workloads = []string{"solsec", "api-service", "tool-integration"}
)

// args are a production registry with a replica; the replica's provider is
// filled in by run.
func args() *registry.RegistryArgs {
	var pulls []pulumi.StringInput
	for _, r := range nodeRoles {
		pulls = append(pulls, pulumi.String(r))
	}
	return &registry.RegistryArgs{
		Environment: "production", Region: "us-east-1",
		Workloads:    append([]string(nil), workloads...),
		PullRoleArns: pulls, PushRoleName: "solsec-deploy-production",
		UntaggedExpiryDays: 7, KeepReleases: 30,
		Replica: &registry.Replica{Region: "us-west-2"},
	}
}

type run struct {
	res  *offline.Result
	comp offline.Resource
	urls map[string]string
}

// runRegistry builds just the component with the primary region's
// provider and, when a replica is asked for, the replica region's.
func runRegistry(t *testing.T, a *registry.RegistryArgs) run {
	t.Helper()
	var out run
	res, err := offline.Run(a.Environment, map[string]string{"aws:region": a.Region}, func(ctx *pulumi.Context) error {
		p, err := aws.NewProvider(ctx, "aws-"+a.Region, &aws.ProviderArgs{Region: pulumi.String(a.Region)})
		if err != nil {
			return err
		}
		if a.Replica != nil {
			rp, err := aws.NewProvider(ctx, "aws-"+a.Replica.Region, &aws.ProviderArgs{Region: pulumi.String(a.Replica.Region)})
			if err != nil {
				return err
			}
			a.Replica.Provider = rp
		}
		r, err := registry.NewRegistry(ctx, "registry", a, pulumi.Providers(p))
		if err != nil {
			return err
		}
		urls, err := internals.UnsafeAwaitOutput(ctx.Context(), r.RepositoryURLs)
		if err != nil {
			return err
		}
		out.urls, _ = urls.Value.(map[string]string)
		return nil
	})
	require.NoError(t, err)
	comp, ok := res.Get("solsec:registry:Registry", "registry")
	require.True(t, ok)
	out.res, out.comp = res, comp
	return out
}

// keyArnOf returns the ARN of the images key in a region.
func keyArnOf(t *testing.T, r run, region string) string {
	t.Helper()
	for _, a := range r.res.OfType(tAlias) {
		if a.Region == region {
			assert.Equal(t, registry.KeyAlias("production"), a.Str("name"))
			return "arn:aws:kms:" + region + ":" + account + ":key/" + a.Str("targetKeyId")
		}
	}
	t.Fatalf("no images key alias in %s", region)
	return ""
}

func policyOf(t *testing.T, s string) iampolicy.Document {
	t.Helper()
	doc, err := iampolicy.Parse(s)
	require.NoError(t, err, s)
	return doc
}

func statement(t *testing.T, doc iampolicy.Document, sid string) iampolicy.Statement {
	t.Helper()
	for _, st := range doc.Statement {
		if st.Sid == sid {
			return st
		}
	}
	t.Fatalf("no statement %s", sid)
	return iampolicy.Statement{}
}

func principals(st iampolicy.Statement) []string {
	switch p := st.Principal["AWS"].(type) {
	case string:
		return []string{p}
	case []any:
		var out []string
		for _, e := range p {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

func TestRepositories(t *testing.T) {
	r := runRegistry(t, args())
	repos := r.res.OfType(tRepo)
	keyArn := keyArnOf(t, r, "us-east-1")

	t.Run("one repository per workload, named solsec/<env>/<workload>, under the component", func(t *testing.T) {
		var names []string
		for _, repo := range repos {
			names = append(names, repo.Str("name"))
			assert.Equal(t, r.comp.URN, repo.Parent, repo.Name)
			assert.Equal(t, "us-east-1", repo.Region, repo.Name)
			assert.Equal(t, repo.Str("name")[len("solsec/production/"):], repo.StringMap("tags")["Workload"])
		}
		assert.ElementsMatch(t, []string{"solsec/production/solsec", "solsec/production/api-service", "solsec/production/tool-integration"}, names)
	})
	t.Run("every repository has immutable tags, scans on push, keeps its images on delete", func(t *testing.T) {
		for _, repo := range repos {
			assert.Equal(t, "IMMUTABLE", repo.Str("imageTagMutability"), repo.Name)
			scan := repo.Object("imageScanningConfiguration")
			assert.Equal(t, true, scan["scanOnPush"], repo.Name)
			assert.False(t, repo.Bool("forceDelete"), repo.Name)
		}
	})
	t.Run("every repository is encrypted with the registry's own rotated key", func(t *testing.T) {
		for _, repo := range repos {
			enc := repo.Objects("encryptionConfigurations")
			require.Len(t, enc, 1, repo.Name)
			assert.Equal(t, "KMS", enc[0]["encryptionType"], repo.Name)
			assert.Equal(t, keyArn, enc[0]["kmsKey"], repo.Name)
		}
		for _, k := range r.res.OfType(tKey) {
			assert.True(t, k.Bool("enableKeyRotation"), k.Name)
			assert.Equal(t, 30, k.Int("deletionWindowInDays"), k.Name)
		}
	})
	t.Run("the key is administered by the account and used only through ECR of its region", func(t *testing.T) {
		for _, k := range r.res.OfType(tKey) {
			doc := policyOf(t, k.Str("policy"))
			require.Len(t, doc.Statement, 2)
			admin := statement(t, doc, "AccountAdministers")
			assert.Equal(t, []string{root}, principals(admin))
			use := statement(t, doc, "UseThroughECR")
			assert.Equal(t, []string{root}, principals(use))
			assert.NotContains(t, use.Action, "kms:*")
			assert.Equal(t, "ecr."+k.Region+".amazonaws.com", use.Condition["StringEquals"]["kms:ViaService"], k.Name)
			assert.Equal(t, account, use.Condition["StringEquals"]["kms:CallerAccount"], k.Name)
		}
	})
	t.Run("the component outputs every repository's URL by workload", func(t *testing.T) {
		require.Len(t, r.urls, len(workloads))
		for _, w := range workloads {
			assert.Equal(t, account+".dkr.ecr.us-east-1.amazonaws.com/solsec/production/"+w, r.urls[w])
		}
		assert.Equal(t, 2, r.res.OutputRegistrations, "the component registers its outputs (and the stack its own)")
	})
}

func TestLifecyclePolicy(t *testing.T) {
	r := runRegistry(t, args())
	policies := r.res.OfType(tLifecycle)
	require.Len(t, policies, len(workloads), "one lifecycle policy per repository")
	for _, p := range policies {
		var doc struct {
			Rules []struct {
				RulePriority int `json:"rulePriority"`
				Selection    struct {
					TagStatus      string   `json:"tagStatus"`
					TagPatternList []string `json:"tagPatternList"`
					CountType      string   `json:"countType"`
					CountUnit      string   `json:"countUnit"`
					CountNumber    int      `json:"countNumber"`
				} `json:"selection"`
				Action struct {
					Type string `json:"type"`
				} `json:"action"`
			} `json:"rules"`
		}
		require.NoError(t, json.Unmarshal([]byte(p.Str("policy")), &doc))
		require.Len(t, doc.Rules, 2)
		untagged, tagged := doc.Rules[0], doc.Rules[1]
		t.Run(p.Name+": untagged images expire 7 days after their push", func(t *testing.T) {
			assert.Equal(t, "untagged", untagged.Selection.TagStatus)
			assert.Equal(t, "sinceImagePushed", untagged.Selection.CountType)
			assert.Equal(t, "days", untagged.Selection.CountUnit)
			assert.Equal(t, 7, untagged.Selection.CountNumber)
			assert.Equal(t, "expire", untagged.Action.Type)
		})
		t.Run(p.Name+": tagged images beyond the last 30 releases expire", func(t *testing.T) {
			assert.Equal(t, "tagged", tagged.Selection.TagStatus)
			assert.Equal(t, []string{"*"}, tagged.Selection.TagPatternList)
			assert.Equal(t, "imageCountMoreThan", tagged.Selection.CountType)
			assert.Equal(t, 30, tagged.Selection.CountNumber)
			assert.Equal(t, "expire", tagged.Action.Type)
			assert.Less(t, untagged.RulePriority, tagged.RulePriority)
		})
	}
}

func TestRepositoryPolicy(t *testing.T) {
	r := runRegistry(t, args())
	policies := r.res.OfType(tRepoPol)
	require.Len(t, policies, len(workloads), "one repository policy per repository")
	repoNames := map[string]bool{}
	for _, repo := range r.res.OfType(tRepo) {
		repoNames[repo.Str("name")] = true
	}
	for _, p := range policies {
		assert.True(t, repoNames[p.Str("repository")], "%s applies to one of the repositories", p.Name)
		doc := policyOf(t, p.Str("policy"))
		t.Run(p.Name+": only the node roles and the CI role are allowed to pull", func(t *testing.T) {
			pull := statement(t, doc, "NodesAndCIPull")
			assert.Equal(t, "Allow", pull.Effect)
			assert.ElementsMatch(t, append(append([]string(nil), nodeRoles...), pushRole), principals(pull))
			assert.ElementsMatch(t, registry.PullActions, pull.Action)
		})
		t.Run(p.Name+": only the CI role is allowed to push", func(t *testing.T) {
			push := statement(t, doc, "CIPushes")
			assert.Equal(t, "Allow", push.Effect)
			assert.Equal(t, []string{pushRole}, principals(push))
			assert.ElementsMatch(t, registry.PushActions, push.Action)
		})
		t.Run(p.Name+": every other principal of the account is denied pushing", func(t *testing.T) {
			deny := statement(t, doc, "OnlyCIPushes")
			assert.Equal(t, "Deny", deny.Effect)
			assert.Equal(t, []string{"*"}, principals(deny))
			assert.ElementsMatch(t, registry.PushActions, deny.Action)
			assert.Equal(t, []string{pushRole}, strs(deny.Condition["ArnNotEquals"]["aws:PrincipalArn"]))
		})
		t.Run(p.Name+": every other principal but AWS service-linked roles is denied pulling", func(t *testing.T) {
			deny := statement(t, doc, "OnlyNodesAndCIPull")
			assert.Equal(t, "Deny", deny.Effect)
			assert.Equal(t, []string{"*"}, principals(deny))
			assert.ElementsMatch(t, registry.PullActions, deny.Action)
			assert.ElementsMatch(t, append(append([]string(nil), nodeRoles...), pushRole), strs(deny.Condition["ArnNotEquals"]["aws:PrincipalArn"]))
			assert.Equal(t, []string{"arn:aws:iam::" + account + ":role/aws-service-role/*"}, strs(deny.Condition["ArnNotLike"]["aws:PrincipalArn"]))
		})
		t.Run(p.Name+": nothing is allowed to anyone outside the account, nor to *", func(t *testing.T) {
			for _, st := range doc.Statement {
				if st.Effect != "Allow" {
					continue
				}
				for _, pr := range principals(st) {
					assert.Regexp(t, `^arn:aws:iam::`+account+`:role/[\w+=,.@-]+$`, pr, st.Sid)
				}
				for _, a := range st.Action {
					assert.NotContains(t, a, "*", "%s allows a wildcard action", st.Sid)
				}
			}
		})
	}
}

func TestScanning(t *testing.T) {
	cases := []struct {
		name                string
		basic               bool
		scanType, frequency string
	}{
		{"enhanced scanning with continuous rescans by default", false, registry.ScanEnhanced, registry.ScanContinuous},
		{"basic scan on push where the account cannot enable Inspector", true, registry.ScanBasic, registry.ScanOnPush},
	}
	for _, c := range cases {
		t.Run(c.name+", in both regions, for this environment's repositories", func(t *testing.T) {
			a := args()
			a.BasicScanningOnly = c.basic
			r := runRegistry(t, a)
			configs := r.res.OfType(tScanning)
			var regions []string
			for _, sc := range configs {
				regions = append(regions, sc.Region)
				assert.Equal(t, c.scanType, sc.Str("scanType"))
				rules := sc.Objects("rules")
				require.Len(t, rules, 1)
				assert.Equal(t, c.frequency, rules[0]["scanFrequency"])
				filters := rules[0]["repositoryFilters"].([]any)
				require.Len(t, filters, 1)
				f := filters[0].(map[string]any)
				assert.Equal(t, "solsec/production/*", f["filter"])
				assert.Equal(t, "WILDCARD", f["filterType"])
			}
			assert.ElementsMatch(t, []string{"us-east-1", "us-west-2"}, regions)
		})
	}
}

func TestReplication(t *testing.T) {
	r := runRegistry(t, args())
	replicaKey := keyArnOf(t, r, "us-west-2")

	t.Run("the registry replicates this environment's repositories to us-west-2 of the same account", func(t *testing.T) {
		confs := r.res.OfType(tReplConf)
		require.Len(t, confs, 1)
		c := confs[0]
		assert.Equal(t, "us-east-1", c.Region, "a registry's replication is configured in the source region")
		rules := c.Object("replicationConfiguration")["rules"].([]any)
		require.Len(t, rules, 1)
		rule := rules[0].(map[string]any)
		assert.Equal(t, []any{map[string]any{"region": "us-west-2", "registryId": account}}, rule["destinations"])
		assert.Equal(t, []any{map[string]any{"filter": "solsec/production", "filterType": "PREFIX_MATCH"}}, rule["repositoryFilters"])
	})
	templates := r.res.OfType(tTemplate)
	require.Len(t, templates, 1)
	tpl := templates[0]
	t.Run("replicas are created in us-west-2 by a template, before replication starts", func(t *testing.T) {
		assert.Equal(t, "us-west-2", tpl.Region)
		assert.Equal(t, "solsec/production", tpl.Str("prefix"))
		assert.Equal(t, []string{"REPLICATION"}, tpl.Strings("appliedFors"))
		conf := r.res.OfType(tReplConf)[0]
		assert.Contains(t, conf.Dependencies, tpl.URN)
	})
	t.Run("replicas are immutable and encrypted with us-west-2's own images key", func(t *testing.T) {
		assert.Equal(t, "IMMUTABLE", tpl.Str("imageTagMutability"))
		enc := tpl.Objects("encryptionConfigurations")
		require.Len(t, enc, 1)
		assert.Equal(t, "KMS", enc[0]["encryptionType"])
		assert.Equal(t, replicaKey, enc[0]["kmsKey"])
		assert.NotEqual(t, keyArnOf(t, r, "us-east-1"), replicaKey)
	})
	t.Run("replicas get the same repository and lifecycle policies as their sources", func(t *testing.T) {
		src := r.res.OfType(tRepoPol)[0]
		assert.JSONEq(t, src.Str("policy"), tpl.Str("repositoryPolicy"))
		lp := r.res.OfType(tLifecycle)[0]
		assert.JSONEq(t, lp.Str("policy"), tpl.Str("lifecyclePolicy"))
	})
	t.Run("the role ECR creates replicas with is trusted by ECR for this account only and limited to the replicas and their key", func(t *testing.T) {
		roles := r.res.OfType(tRole)
		require.Len(t, roles, 1)
		role := roles[0]
		assert.Equal(t, "arn:aws:iam::"+account+":role/"+role.ID, tpl.Str("customRoleArn"))
		trust := policyOf(t, role.Str("assumeRolePolicy"))
		require.Len(t, trust.Statement, 1)
		st := trust.Statement[0]
		assert.Equal(t, map[string]any{"Service": "ecr.amazonaws.com"}, st.Principal)
		assert.Equal(t, []string{"sts:AssumeRole"}, st.Action)
		assert.Equal(t, account, st.Condition["StringEquals"]["aws:SourceAccount"])

		pols := r.res.OfType(tRolePol)
		require.Len(t, pols, 1)
		doc := policyOf(t, pols[0].Str("policy"))
		assert.Equal(t, []string{"arn:aws:ecr:us-west-2:" + account + ":repository/solsec/production/*"},
			statement(t, doc, "CreateReplicas").Resources())
		assert.Equal(t, []string{replicaKey}, statement(t, doc, "UseReplicaKey").Resources())
	})
	t.Run("without a replica nothing is replicated and no replica resources exist", func(t *testing.T) {
		a := args()
		a.Replica = nil
		r := runRegistry(t, a)
		assert.Empty(t, r.res.OfType(tReplConf))
		assert.Empty(t, r.res.OfType(tTemplate))
		assert.Empty(t, r.res.OfType(tRole))
		assert.Len(t, r.res.OfType(tKey), 1)
		for _, res := range r.res.Resources {
			if res.Region != "" && res.Type != "pulumi:providers:aws" {
				assert.Equal(t, "us-east-1", res.Region, "%s %s", res.Type, res.Name)
			}
		}
	})
}

func TestEveryResourceIsNamedAfterTheComponent(t *testing.T) {
	r := runRegistry(t, args())
	for _, res := range r.res.Descendants(r.comp.URN) {
		assert.Regexp(t, `^registry-`, res.Name, res.Type)
	}
}

func TestNewRegistryRejectsBadArgs(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(a *registry.RegistryArgs) *registry.RegistryArgs
		want   string
	}{
		{"nil args", func(*registry.RegistryArgs) *registry.RegistryArgs { return nil }, "args are required"},
		{"no workloads", func(a *registry.RegistryArgs) *registry.RegistryArgs { a.Workloads = nil; return a }, "workloads"},
		{"a workload ECR cannot name", func(a *registry.RegistryArgs) *registry.RegistryArgs {
			a.Workloads = []string{"API_Service"}
			return a
		}, `workload "API_Service"`},
		{"a workload listed twice", func(a *registry.RegistryArgs) *registry.RegistryArgs {
			a.Workloads = []string{"solsec", "solsec"}
			return a
		}, "listed twice"},
		{"no pull roles", func(a *registry.RegistryArgs) *registry.RegistryArgs { a.PullRoleArns = nil; return a }, "pullRoleArns"},
		{"a push role ARN instead of a name", func(a *registry.RegistryArgs) *registry.RegistryArgs {
			a.PushRoleName = pushRole
			return a
		}, "pushRoleName"},
		{"no untagged expiry", func(a *registry.RegistryArgs) *registry.RegistryArgs { a.UntaggedExpiryDays = 0; return a }, "untaggedExpiryDays 0"},
		{"one release kept", func(a *registry.RegistryArgs) *registry.RegistryArgs { a.KeepReleases = 1; return a }, "keepReleases 1"},
		{"a replica in the primary region", func(a *registry.RegistryArgs) *registry.RegistryArgs {
			a.Replica.Region = "us-east-1"
			return a
		}, `replica region "us-east-1"`},
	}
	for _, c := range cases {
		t.Run(c.name+" is rejected before anything is registered", func(t *testing.T) {
			a := c.mutate(args())
			res, err := offline.Run("production", map[string]string{"aws:region": "us-east-1"}, func(ctx *pulumi.Context) error {
				if a != nil && a.Replica != nil {
					a.Replica.Provider = &fakeProvider{}
				}
				_, err := registry.NewRegistry(ctx, "registry", a)
				return err
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Empty(t, res.Resources)
		})
	}
	t.Run("a pull role of another account fails the deployment", func(t *testing.T) {
		a := args()
		a.Replica = nil
		a.PullRoleArns = append(a.PullRoleArns, pulumi.String("arn:aws:iam::999999999999:role/intruder"))
		_, err := offline.Run("production", map[string]string{"aws:region": "us-east-1"}, func(ctx *pulumi.Context) error {
			r, err := registry.NewRegistry(ctx, "registry", a)
			if err != nil {
				return err
			}
			_, err = internals.UnsafeAwaitOutput(context.Background(), r.RepositoryURLs)
			return err
		})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "is not a role of account "+account)
	})
}

// fakeProvider satisfies pulumi.ProviderResource for validation cases that
// fail before any resource is registered.
type fakeProvider struct{ pulumi.ProviderResourceState }
