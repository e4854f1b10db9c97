package workloads_test

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/components/workloads"
	"github.com/solsec/platform/internal/iampolicy"
	"github.com/solsec/platform/internal/offline"
)

const (
	tDeploy  = "kubernetes:apps/v1:Deployment"
	tJob     = "kubernetes:batch/v1:Job"
	tSA      = "kubernetes:core/v1:ServiceAccount"
	tNetpol  = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
	tCustom  = "kubernetes:security.istio.io/v1:AuthorizationPolicy"
	tVS      = "kubernetes:networking.istio.io/v1:VirtualService"
	tRole    = "aws:iam/role:Role"
	tRolePol = "aws:iam/rolePolicy:RolePolicy"
	tHPA     = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
	tVPA     = "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler"
	tCommand = "command:local:Command"
	tES      = "kubernetes:external-secrets.io/v1beta1:ExternalSecret"
	tMonitor = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
	tPDB     = "kubernetes:policy/v1:PodDisruptionBudget"

	issuer    = "oidc.eks.us-east-1.amazonaws.com/id/ABC"
	registry  = offline.AccountID + ".dkr.ecr.us-east-1.amazonaws.com/solsec/production"
	dbSecret  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0a1b-xyz123"
	bucket    = "solsec-production-us-east-1-contracts-123456789012"
	objectKey = "arn:aws:kms:us-east-1:123456789012:key/objects"
	secretKey = "arn:aws:kms:us-east-1:123456789012:key/secrets"
)

func names() []string {
	var out []string
	for _, w := range workloads.Catalog() {
		out = append(out, w.Name)
	}
	return out
}

// deploy runs the images and the workloads of one region under mocks.
func deploy(t *testing.T, readOnly bool) *offline.Result {
	t.Helper()
	root, err := offline.RepoRoot()
	require.NoError(t, err)
	res, err := offline.Run("production", nil, func(ctx *pulumi.Context) error {
		hashes, urls := map[string]string{}, pulumi.StringMap{}
		for _, w := range names() {
			hashes[w] = "sha256:" + strings.Repeat(fmt.Sprintf("%x", len(w)%16), 64)
			urls[w] = pulumi.String(registry + "/" + w)
		}
		im, err := workloads.NewImages(ctx, "images", &workloads.ImagesArgs{
			SourceHashes: hashes, RepositoryURLs: urls, ModuleDir: root,
			Username: pulumi.String("AWS"), Password: pulumi.String("ecr-password-never-logged"),
		})
		if err != nil {
			return err
		}
		_, err = workloads.NewWorkloads(ctx, "production-us-east-1", &workloads.WorkloadsArgs{
			Environment: "production", Region: "us-east-1", ReadOnly: readOnly,
			Images:          im.Refs,
			OidcProviderArn: pulumi.String("arn:aws:iam::123456789012:oidc-provider/" + issuer), Issuer: pulumi.String(issuer),
			Database: workloads.DatabaseArgs{Host: pulumi.String("db.example.internal"), SecretArn: pulumi.String(dbSecret),
				SecretRegion: "us-east-1", SecretKeyArn: pulumi.String(secretKey)},
			RedisEndpoint: pulumi.String("redis.example.internal"), RedisSecretName: "solsec/production/redis-auth-token",
			JWTSecretName: "solsec/production/jwt-signing-key", SecretsKeyArn: pulumi.String(secretKey),
			ContractsBucket: pulumi.String(bucket), ObjectsKeyArn: pulumi.String(objectKey),
			FileSystemID: pulumi.String("fs-1"), AccessPointID: pulumi.String("fsap-1"),
			CSRFKey: pulumi.ToSecret(pulumi.String("csrf-key-0123456789abcdef0123456789")).(pulumi.StringOutput),
			VpcCidr: "10.0.0.0/16", DataSubnetCidrs: []string{"10.0.4.0/24", "10.0.5.0/24"},
			MonitoringNamespace: "monitoring-production", Hosts: []string{"api.solsec.io", "app.solsec.io"},
			JWTIssuer: "solsec", JWTAudience: "solsec-api",
		})
		return err
	})
	require.NoError(t, err)
	return res
}

func get(t *testing.T, res *offline.Result, typ, name string) offline.Resource {
	t.Helper()
	r, ok := res.Get(typ, name)
	require.True(t, ok, "%s %s", typ, name)
	return r
}

func dig(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func podSpec(r offline.Resource) map[string]any {
	return dig(r.Object("spec"), "template", "spec").(map[string]any)
}

var digestRef = regexp.MustCompile(`^` + regexp.QuoteMeta(registry) + `/([a-z-]+)@sha256:[0-9a-f]{64}$`)

func TestImagesFlowIntoDeploymentsByDigest(t *testing.T) {
	res := deploy(t, false)
	require.Len(t, res.OfType(tCommand), len(names()), "one build per workload")
	for _, w := range names() {
		cmd := get(t, res, tCommand, "images-"+w)
		triggers := []string{"sha256:" + strings.Repeat(fmt.Sprintf("%x", len(w)%16), 64), registry + "/" + w}
		if w == "tool-integration" {
			assert.Equal(t, "npm ci --prefix services/tool-integration/analysers --omit=dev --ignore-scripts --no-audit --no-fund >&2 && "+
				"go run ./cmd/imagebuild -base "+workloads.NodeBase+
				" -extra tool-integration=services/tool-integration/analysers/node_modules:/opt/analysers/node_modules -repo-prefix "+registry+" "+w,
				cmd.Str("create"), "the analysers from the lockfile become a layer on the Node base")
			got := cmd.Strings("triggers")
			require.Len(t, got, 4, "the lockfile and the base trigger a build too")
			assert.Equal(t, triggers, got[:2])
			assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, got[2])
			assert.Equal(t, workloads.NodeBase, got[3])
		} else {
			assert.Equal(t, "go run ./cmd/imagebuild -repo-prefix "+registry+" "+w, cmd.Str("create"))
			assert.Equal(t, triggers, cmd.Strings("triggers"), "the source hash and repository trigger a build, nothing else")
		}
		assert.Equal(t, workloads.ReplayBuild, cmd.Str("update"), "fresh credentials alone replay the last build")
		assert.True(t, cmd.Bool("addPreviousOutputInEnv"))
		env := cmd.Inputs["environment"]
		assert.True(t, env.ContainsSecrets(), "registry credentials are stored encrypted")
		assert.Equal(t, "stderr", cmd.Str("logging"), "stdout (the result) is not logged")

		d := get(t, res, tDeploy, "production-us-east-1-"+w)
		image := podSpec(d)["containers"].([]any)[0].(map[string]any)["image"].(string)
		m := digestRef.FindStringSubmatch(image)
		require.NotNil(t, m, "%s runs %q", w, image)
		assert.Equal(t, w, m[1])
	}
	job := get(t, res, tJob, "production-us-east-1-migrate")
	assert.Regexp(t, digestRef, podSpec(job)["containers"].([]any)[0].(map[string]any)["image"])
	assert.Equal(t, []any{"migrate"}, podSpec(job)["containers"].([]any)[0].(map[string]any)["args"])

	for _, r := range res.Resources {
		if r.Type == tCommand {
			continue
		}
		for k, v := range r.Inputs {
			assert.NotContains(t, fmt.Sprint(v), "ecr-password-never-logged", "%s %s input %s", r.Type, r.Name, k)
		}
	}
}

func TestParseBuildIsStrict(t *testing.T) {
	repo := registry + "/api-service"
	digest := "sha256:" + strings.Repeat("ab", 32)
	line := func(w, d, ref string) string {
		return fmt.Sprintf(`{"workload":%q,"digest":%q,"ref":%q}`, w, d, ref)
	}
	ref, err := workloads.ParseBuild("api-service", repo, line("api-service", digest, repo+"@"+digest)+"\n")
	require.NoError(t, err)
	assert.Equal(t, repo+"@"+digest, ref)
	for name, out := range map[string]string{
		"empty output":          "",
		"two lines":             line("api-service", digest, repo+"@"+digest) + "\n" + line("api-service", digest, repo+"@"+digest),
		"another workload":      line("ui-core", digest, repo+"@"+digest),
		"a short digest":        line("api-service", "sha256:abc", repo+"@sha256:abc"),
		"another repository":    line("api-service", digest, registry+"/ui-core@"+digest),
		"not JSON":              "built api-service",
		"a tag, not the digest": line("api-service", digest, repo+":v1"),
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			_, err := workloads.ParseBuild("api-service", repo, out)
			assert.Error(t, err)
		})
	}
}

func TestEveryContainerIsLockedDown(t *testing.T) {
	res := deploy(t, false)
	pods := append(res.OfType(tDeploy), res.OfType(tJob)...)
	require.Len(t, pods, len(names())+1)
	for _, d := range pods {
		spec := podSpec(d)
		assert.Equal(t, map[string]any{"runAsNonRoot": true, "runAsUser": float64(65532), "runAsGroup": float64(65532),
			"fsGroup": float64(65532), "seccompProfile": map[string]any{"type": "RuntimeDefault"}}, spec["securityContext"], d.Name)
		assert.Equal(t, false, spec["automountServiceAccountToken"], d.Name)
		for _, c := range spec["containers"].([]any) {
			c := c.(map[string]any)
			assert.Equal(t, map[string]any{
				"allowPrivilegeEscalation": false, "privileged": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
				"capabilities": map[string]any{"drop": []any{"ALL"}}, "seccompProfile": map[string]any{"type": "RuntimeDefault"},
			}, c["securityContext"], d.Name)
			for _, k := range []string{"requests", "limits"} {
				r := dig(c, "resources", k).(map[string]any)
				assert.NotEmpty(t, r["cpu"], "%s %s cpu", d.Name, k)
				assert.NotEmpty(t, r["memory"], "%s %s memory", d.Name, k)
			}
			if d.Type == tDeploy {
				assert.Equal(t, "/healthz", dig(c, "livenessProbe", "httpGet", "path"), d.Name)
				assert.Equal(t, "/readyz", dig(c, "readinessProbe", "httpGet", "path"), d.Name)
			}
		}
		if d.Type == tDeploy {
			spread := spec["topologySpreadConstraints"].([]any)
			assert.Equal(t, "topology.kubernetes.io/zone", spread[0].(map[string]any)["topologyKey"], d.Name)
		}
	}
}

func TestToolRunnersUseSpotNodesAndTheWorkspace(t *testing.T) {
	res := deploy(t, false)
	d := get(t, res, tDeploy, "production-us-east-1-tool-integration")
	assert.Equal(t, "security-tools", dig(d.Object("metadata"), "namespace"))
	spec := podSpec(d)
	assert.Equal(t, map[string]any{"solsec.io/capacity": "spot"}, spec["nodeSelector"])
	assert.Equal(t, "solsec.io/spot", spec["tolerations"].([]any)[0].(map[string]any)["key"])
	assert.Contains(t, fmt.Sprint(spec["volumes"]), "claimName:tool-workspace")
	pv := get(t, res, "kubernetes:core/v1:PersistentVolume", "production-us-east-1-workspace")
	assert.Equal(t, "fs-1::fsap-1", dig(pv.Object("spec"), "csi", "volumeHandle"))
	env := fmt.Sprint(spec["containers"].([]any)[0].(map[string]any)["env"])
	assert.Contains(t, env, "name:SOLSEC_TOOL_COMMAND_SOLHINT value:/nodejs/bin/node /opt/analysers/node_modules/solhint/solhint.js",
		"Solhint runs through node: the distroless base has no /usr/bin/env for its shebang")
	for _, w := range names() {
		if w != "tool-integration" {
			ns := dig(get(t, res, tDeploy, "production-us-east-1-"+w).Object("metadata"), "namespace")
			assert.Equal(t, "security-platform", ns, w)
		}
	}
}

// wantResources is every resource each workload's role may touch.
var wantResources = map[string][]string{
	"api-service":         {"blob", "db", "redis", "jwt"},
	"notification":        {"db", "redis", "jwt"},
	"contract-parser":     {"blob", "db", "redis"},
	"orchestration":       {"blob", "db", "redis"},
	"tool-integration":    {"blob", "db", "redis"},
	"intelligence-engine": {"blob", "db", "redis"},
	"data-service":        {"blob", "db"},
}

func TestEachRoleTrustsOnlyItsServiceAccountAndGrantsOnlyItsResources(t *testing.T) {
	res := deploy(t, false)
	secret := func(name string) string {
		return "arn:aws:secretsmanager:us-east-1:123456789012:secret:solsec/production/" + name + "-??????"
	}
	resources := map[string][]string{
		"blob":  {"arn:aws:s3:::" + bucket, "arn:aws:s3:::" + bucket + "/*", objectKey},
		"db":    {dbSecret, secretKey},
		"redis": {secret("redis-auth-token"), secretKey},
		"jwt":   {secret("jwt-signing-key"), secretKey},
	}
	roles := res.OfType(tRole)
	require.Len(t, roles, len(wantResources), "front ends call no AWS API and get no role")
	for w, kinds := range wantResources {
		t.Run(w, func(t *testing.T) {
			role := get(t, res, tRole, "production-us-east-1-"+w)
			trust, err := iampolicy.Parse(role.Str("assumeRolePolicy"))
			require.NoError(t, err)
			require.Len(t, trust.Statement, 1)
			ns := "security-platform"
			if w == "tool-integration" {
				ns = "security-tools"
			}
			assert.Equal(t, map[string]any{issuer + ":sub": "system:serviceaccount:" + ns + ":" + w, issuer + ":aud": "sts.amazonaws.com"},
				trust.Statement[0].Condition["StringEquals"])

			pol, err := iampolicy.Parse(get(t, res, tRolePol, "production-us-east-1-"+w).Str("policy"))
			require.NoError(t, err)
			got := map[string]bool{}
			for _, s := range pol.Statement {
				assert.Equal(t, "Allow", s.Effect)
				for _, r := range s.Resources() {
					assert.NotContains(t, r, "*:*", "no wildcard resource")
					got[r] = true
				}
				for _, a := range s.Action {
					assert.NotContains(t, a, "*", "%s: no wildcard action", w)
				}
				if strings.HasPrefix(s.Action[0], "kms:") {
					assert.NotEmpty(t, s.Condition["StringEquals"]["kms:ViaService"], "keys only through their service")
				}
			}
			want := map[string]bool{}
			for _, k := range kinds {
				for _, r := range resources[k] {
					want[r] = true
				}
			}
			assert.Equal(t, want, got)

			sa := get(t, res, tSA, "production-us-east-1-"+w)
			assert.Regexp(t, `^arn:aws:iam::123456789012:role/production-us-east-1-`+w+`-[0-9a-f]{7}$`,
				dig(sa.Object("metadata"), "annotations", "eks.amazonaws.com/role-arn"), "the service account names its own role")
		})
	}
	for _, w := range []string{"ui-core", "analysis", "findings", "dashboard"} {
		sa := get(t, res, tSA, "production-us-east-1-"+w)
		assert.Nil(t, dig(sa.Object("metadata"), "annotations"), "%s has no AWS identity", w)
	}
}

func TestRoutesSendEachPathToItsWorkload(t *testing.T) {
	res := deploy(t, false)
	vs := get(t, res, tVS, "production-us-east-1-routes")
	spec := vs.Object("spec")
	assert.Equal(t, []any{"istio-system/platform-gateway"}, spec["gateways"])
	var got []string
	for _, h := range spec["http"].([]any) {
		h := h.(map[string]any)
		got = append(got, fmt.Sprintf("%s -> %s", dig(h["match"].([]any)[0].(map[string]any), "uri", "prefix"),
			dig(h["route"].([]any)[0].(map[string]any), "destination", "host")))
	}
	svc := func(w string) string { return w + ".security-platform.svc.cluster.local" }
	assert.Equal(t, []string{
		"/v1/ws -> " + svc("notification"), "/v1/ -> " + svc("api-service"), "/analyses -> " + svc("analysis"),
		"/findings -> " + svc("findings"), "/dashboard -> " + svc("dashboard"), "/ -> " + svc("ui-core"),
	}, got, "most specific first: Istio takes the first match")
}

// callers is the documented caller matrix (docs/workloads.md).
var callers = map[string][]string{
	"api-service":  {"analysis", "dashboard", "findings", "gateway", "ui-core"},
	"notification": {"analysis", "gateway"},
	"ui-core":      {"gateway"},
	"analysis":     {"gateway"},
	"findings":     {"gateway"},
	"dashboard":    {"gateway"},
}

func TestAuthorizationPoliciesAdmitExactlyTheDocumentedCallers(t *testing.T) {
	res := deploy(t, false)
	got := map[string][]string{}
	for _, p := range res.OfType(tCustom) {
		spec := p.Object("spec")
		app := dig(spec, "selector", "matchLabels", "app").(string)
		rules := spec["rules"].([]any)
		require.Len(t, rules, 1)
		for _, pr := range dig(rules[0].(map[string]any)["from"].([]any)[0].(map[string]any), "source", "principals").([]any) {
			s := pr.(string)
			if s == "cluster.local/ns/istio-system/sa/istio-ingressgateway" {
				got[app] = append(got[app], "gateway")
				continue
			}
			got[app] = append(got[app], strings.TrimPrefix(s, "cluster.local/ns/security-platform/sa/"))
		}
		sort.Strings(got[app])
	}
	assert.Equal(t, callers, got, "workers and data-service get none: the namespace's default deny refuses every call")
}

func TestNetworkPoliciesAllowExactlyTheDocumentedFlows(t *testing.T) {
	res := deploy(t, false)
	in, out := map[string][]string{}, map[string][]string{}
	peer := func(p map[string]any, port any) string {
		switch {
		case dig(p, "podSelector", "matchLabels", "app") != nil:
			return fmt.Sprintf("%v:%v", dig(p, "podSelector", "matchLabels", "app"), port)
		case dig(p, "namespaceSelector", "matchLabels") != nil:
			return fmt.Sprintf("ns/%v:%v", dig(p, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name"), port)
		default:
			return fmt.Sprintf("%v:%v", dig(p, "ipBlock", "cidr"), port)
		}
	}
	for _, np := range res.OfType(tNetpol) {
		spec := np.Object("spec")
		app := dig(spec, "podSelector", "matchLabels", "app").(string)
		for key, into := range map[string]map[string][]string{"ingress": in, "egress": out} {
			rules, _ := spec[key].([]any)
			for _, r := range rules {
				r := r.(map[string]any)
				peers, _ := r["from"].([]any)
				if key == "egress" {
					peers, _ = r["to"].([]any)
				}
				for _, p := range peers {
					for _, port := range r["ports"].([]any) {
						into[app] = append(into[app], peer(p.(map[string]any), port.(map[string]any)["port"]))
					}
				}
			}
			sort.Strings(into[app])
		}
	}
	mon := "ns/monitoring-production:9090"
	assert.Equal(t, []string{"analysis:8080", "dashboard:8080", "findings:8080", "ui-core:8080"}, in["api-service"])
	assert.Equal(t, []string{"analysis:8080"}, in["notification"])
	for _, w := range []string{"ui-core", "analysis", "findings", "dashboard", "contract-parser", "orchestration", "tool-integration", "intelligence-engine"} {
		assert.Equal(t, []string{mon}, in[w], "%s: only Prometheus comes in (the gateway through the mesh's policy)", w)
	}
	assert.Equal(t, []string{"ns/monitoring-production:8080"}, in["data-service"])

	assert.Equal(t, []string{"api-service:8080", "notification:8080"}, out["analysis"])
	for _, w := range []string{"ui-core", "findings", "dashboard"} {
		assert.Equal(t, []string{"api-service:8080"}, out[w], w)
	}
	data := []string{"10.0.4.0/24:5432", "10.0.4.0/24:6379", "10.0.5.0/24:5432", "10.0.5.0/24:6379"}
	aws := []string{"0.0.0.0/0:443", "10.0.0.0/16:443"}
	for _, w := range []string{"api-service", "notification", "contract-parser", "orchestration", "tool-integration", "intelligence-engine"} {
		want := append(append([]string(nil), data...), aws...)
		sort.Strings(want)
		assert.Equal(t, want, out[w], w)
	}
	assert.Equal(t, []string{"0.0.0.0/0:443", "10.0.0.0/16:443", "10.0.4.0/24:5432", "10.0.5.0/24:5432"}, out["data-service"])
	assert.Equal(t, []string{"10.0.4.0/24:5432", "10.0.5.0/24:5432"}, out["data-service-migrate"])
}

func TestDeploymentsWaitForTheMigrations(t *testing.T) {
	res := deploy(t, false)
	job := get(t, res, tJob, "production-us-east-1-migrate")
	assert.Equal(t, "false", dig(job.Object("spec"), "template", "metadata", "annotations", "sidecar.istio.io/inject"))
	for _, w := range workloads.Catalog() {
		d := get(t, res, tDeploy, "production-us-east-1-"+w.Name)
		if w.Database {
			assert.Contains(t, d.Dependencies, job.URN, w.Name)
		}
	}
}

func TestScalingDisruptionAndMonitoring(t *testing.T) {
	res := deploy(t, false)
	assert.Len(t, res.OfType(tHPA), len(names()))
	for _, d := range res.OfType(tDeploy) {
		assert.NotContains(t, d.Object("spec"), "replicas", "%s: a rollout never resets what the HPA chose", d.Name)
	}
	assert.Len(t, res.OfType(tPDB), len(names()))
	for _, v := range res.OfType(tVPA) {
		assert.Equal(t, "Off", dig(v.Object("spec"), "updatePolicy", "updateMode"), v.Name)
	}
	for w, queue := range map[string]string{"contract-parser": "parse", "orchestration": "orchestrate", "tool-integration": "tools", "intelligence-engine": "score"} {
		hpa := get(t, res, tHPA, "production-us-east-1-"+w+"-hpa")
		assert.Contains(t, fmt.Sprint(hpa.Object("spec")["metrics"]), "queue:"+queue, w)
	}
	// api-service and notification serve metrics on their mTLS port: the
	// mesh's sidecar PodMonitor scrapes them merged.
	assert.Len(t, res.OfType(tMonitor), len(names())-2)
}

func TestAReadOnlyRegionRunsOnlyWhatReads(t *testing.T) {
	res := deploy(t, true)
	_, ok := res.Get(tJob, "production-us-east-1-migrate")
	assert.False(t, ok, "a replica is migrated through the primary")
	for _, w := range workloads.Catalog() {
		d := get(t, res, tDeploy, "production-us-east-1-"+w.Name)
		_, scaled := res.Get(tHPA, "production-us-east-1-"+w.Name+"-hpa")
		if w.Worker() || w.Name == "data-service" {
			assert.Equal(t, float64(0), d.Object("spec")["replicas"], w.Name)
			assert.False(t, scaled, w.Name)
		} else {
			assert.True(t, scaled, w.Name)
			assert.NotContains(t, d.Object("spec"), "replicas", "%s: the HPA owns the count", w.Name)
		}
	}
	for _, es := range res.OfType(tES) {
		if strings.HasSuffix(es.Name, "-database") {
			assert.Contains(t, dig(es.Object("spec"), "target", "template", "data", "url"), "default_transaction_read_only=on", es.Name)
		}
	}
}

func TestBadArgsAreRejectedBeforeAnythingIsRegistered(t *testing.T) {
	for name, args := range map[string]*workloads.WorkloadsArgs{
		"nil args":      nil,
		"no images":     {Environment: "production", Region: "us-east-1"},
		"no region":     {Environment: "production"},
		"no namespaces": {Environment: "production", Region: "us-east-1", Images: pulumi.StringMap{}},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := offline.Run("production", nil, func(ctx *pulumi.Context) error {
				_, err := workloads.NewWorkloads(ctx, "w", args)
				return err
			})
			require.Error(t, err)
			assert.Empty(t, res.Resources)
		})
	}
	_, err := offline.Run("production", nil, func(ctx *pulumi.Context) error {
		_, err := workloads.NewImages(ctx, "images", &workloads.ImagesArgs{SourceHashes: map[string]string{"api-service": "sha256:00"}})
		return err
	})
	assert.ErrorContains(t, err, "registry credentials")
}

func TestTheDatabaseURLIsRenderedFromTheMasterSecret(t *testing.T) {
	res := deploy(t, false)
	es := get(t, res, tES, "production-us-east-1-api-service-database")
	spec := es.Object("spec")
	assert.Equal(t, "postgres://{{ .username | urlquery }}:{{ .password | urlquery }}@db.example.internal:5432/solsec?sslmode=require",
		dig(spec, "target", "template", "data", "url"))
	assert.Equal(t, map[string]any{"name": "api-service-aws", "kind": "SecretStore"}, spec["secretStoreRef"],
		"read through the workload's own identity, so what it syncs is what its role grants")
	store := get(t, res, "kubernetes:external-secrets.io/v1beta1:SecretStore", "production-us-east-1-api-service-store")
	assert.Equal(t, "api-service", dig(store.Object("spec"), "provider", "aws", "auth", "jwt", "serviceAccountRef", "name"))
	redis := get(t, res, tES, "production-us-east-1-api-service-redis")
	assert.Equal(t, "rediss://:{{ .token | urlquery }}@redis.example.internal:6379", dig(redis.Object("spec"), "target", "template", "data", "url"))
	_, ok := res.Get(tES, "production-us-east-1-ui-core-database")
	assert.False(t, ok, "front ends hold no database credentials")
}
