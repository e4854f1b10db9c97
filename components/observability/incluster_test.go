package observability_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/components/observability"
	"github.com/solsec/platform/internal/iampolicy"
	"github.com/solsec/platform/internal/offline"
)

const (
	tRelease  = "kubernetes:helm.sh/v3:Release"
	tExtSec   = "kubernetes:external-secrets.io/v1beta1:ExternalSecret"
	tPromRule = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
	tDomain   = "aws:opensearch/domain:Domain"
)

func withCluster(env string, primary bool) *observability.ObservabilityArgs {
	a := awsArgs(env, primary)
	in := &observability.InClusterArgs{
		Namespace:               "monitoring-" + env,
		StorageClass:            "gp3-encrypted",
		SecretStore:             "aws-secrets-manager",
		OidcProviderArn:         pulumi.String("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"),
		Issuer:                  pulumi.String("https://oidc.eks.us-east-1.amazonaws.com/id/ABC"),
		PrometheusRetentionDays: 30,
		PrometheusStorageGB:     200,
		GrafanaStorageGB:        20,
		Jaeger: observability.JaegerArgs{
			VpcID:                 pulumi.String("vpc-1"),
			SubnetIDs:             []pulumi.StringInput{pulumi.String("subnet-a"), pulumi.String("subnet-b"), pulumi.String("subnet-c")},
			ClientSecurityGroupID: pulumi.String("sg-nodes"),
			InstanceType:          "r6g.large.search",
			InstanceCount:         3,
			DedicatedMasters:      env == "production",
			VolumeGB:              100,
			RetentionDays:         7,
		},
	}
	if primary {
		in.FederationTargets = []pulumi.StringInput{pulumi.String("prom-west.elb.us-west-2.amazonaws.com:9090")}
	} else {
		in.FederationSourceCidrs = []string{"10.0.0.0/16"}
	}
	a.InCluster = in
	return a
}

func values(b built) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range b.of(tRelease) {
		out[r.Str("name")] = r.Object("values")
	}
	return out
}

func path(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func TestInCluster(t *testing.T) {
	for _, primary := range []bool{true, false} {
		a := withCluster("production", primary)
		b := build(t, a)
		vals := values(b)
		name := a.Region

		t.Run(name+": every Helm release is pinned and installed atomically into the monitoring namespace", func(t *testing.T) {
			releases := b.of(tRelease)
			require.Len(t, releases, len(observability.Charts))
			for _, r := range releases {
				chart, ok := observability.Charts[r.Str("name")]
				require.True(t, ok, r.Str("name"))
				assert.NotEmpty(t, r.Str("version"))
				assert.Equal(t, chart.Version, r.Str("version"))
				assert.Equal(t, a.InCluster.Namespace, r.Str("namespace"))
				assert.True(t, r.Bool("atomic"))
			}
		})

		t.Run(name+": Prometheus, Alertmanager and Jaeger are highly available", func(t *testing.T) {
			kps := vals["kube-prometheus-stack"]
			assert.GreaterOrEqual(t, path(kps, "prometheus", "prometheusSpec", "replicas"), float64(2))
			assert.Equal(t, true, path(kps, "prometheus", "podDisruptionBudget", "enabled"))
			assert.GreaterOrEqual(t, path(kps, "alertmanager", "alertmanagerSpec", "replicas"), float64(3))
			assert.Equal(t, true, path(kps, "alertmanager", "podDisruptionBudget", "enabled"))
			j := vals["jaeger"]
			pdbs := map[string]bool{}
			for _, p := range b.of("kubernetes:policy/v1:PodDisruptionBudget") {
				assert.Equal(t, float64(1), p.Object("spec")["minAvailable"])
				pdbs[path(p.Object("spec"), "selector", "matchLabels", "app.kubernetes.io/component").(string)] = true
			}
			for _, c := range []string{"collector", "query"} {
				assert.GreaterOrEqual(t, path(j, c, "replicaCount"), float64(2), c)
				assert.True(t, pdbs[c], "%s has a disruption budget", c)
			}
			assert.Equal(t, true, path(j, "collector", "autoscaling", "enabled"))
		})

		t.Run(name+": Prometheus and Grafana persist on encrypted gp3 with the configured retention", func(t *testing.T) {
			kps := vals["kube-prometheus-stack"]
			spec := path(kps, "prometheus", "prometheusSpec").(map[string]any)
			assert.Equal(t, "30d", spec["retention"])
			claim := path(spec, "storageSpec", "volumeClaimTemplate", "spec").(map[string]any)
			assert.Equal(t, "gp3-encrypted", claim["storageClassName"])
			assert.Equal(t, "200Gi", path(claim, "resources", "requests", "storage"))
			g := kps["grafana"].(map[string]any)
			assert.Equal(t, true, path(g, "persistence", "enabled"))
			assert.Equal(t, "gp3-encrypted", path(g, "persistence", "storageClassName"))
			assert.Equal(t, "gp3-encrypted", path(kps, "alertmanager", "alertmanagerSpec", "storage", "volumeClaimTemplate", "spec", "storageClassName"))
		})

		t.Run(name+": no release carries a plain-text credential; Grafana's admin comes from Secrets Manager through External Secrets", func(t *testing.T) {
			for n, v := range vals {
				for _, leak := range credentialLeaks(v, n) {
					t.Error(leak)
				}
			}
			g := vals["kube-prometheus-stack"]["grafana"].(map[string]any)
			assert.Nil(t, g["adminPassword"])
			assert.Equal(t, "grafana-admin", path(g, "admin", "existingSecret"))
			assert.Equal(t, "jaeger-opensearch", path(vals["jaeger"], "storage", "elasticsearch", "existingSecret"))

			secrets := map[string]bool{}
			for _, s := range b.of("aws:secretsmanager/secret:Secret") {
				assert.True(t, strings.HasPrefix(s.Str("name"), "solsec/production/"), "External Secrets may read only solsec/<env>/")
				assert.Contains(t, s.Str("kmsKeyId"), ":key/")
				secrets[s.Str("name")] = true
			}
			for _, v := range b.of("aws:secretsmanager/secretVersion:SecretVersion") {
				raw := v.Inputs[resource.PropertyKey("secretString")]
				assert.True(t, raw.IsSecret() || raw.IsComputed(), "%s: the secret string is marked secret", v.Name)
			}
			ext := b.of(tExtSec)
			require.Len(t, ext, 2)
			for _, e := range ext {
				spec := e.Object("spec")
				assert.Equal(t, "ClusterSecretStore", path(spec, "secretStoreRef", "kind"))
				assert.Equal(t, "aws-secrets-manager", path(spec, "secretStoreRef", "name"))
				key := spec["dataFrom"].([]any)[0].(map[string]any)["extract"].(map[string]any)["key"].(string)
				assert.True(t, secrets[key], "%s reads a secret this component wrote", key)
			}
		})

		t.Run(name+": Alertmanager publishes to the alert topic with an IRSA role scoped to it", func(t *testing.T) {
			am := path(vals["kube-prometheus-stack"], "alertmanager").(map[string]any)
			assert.Contains(t, path(am, "serviceAccount", "annotations", "eks.amazonaws.com/role-arn"), ":role/")
			topic := b.one(t, tTopic)
			receivers := path(am, "config", "receivers").([]any)
			var sns map[string]any
			for _, r := range receivers {
				if cfgs, ok := r.(map[string]any)["sns_configs"].([]any); ok {
					sns = cfgs[0].(map[string]any)
				}
			}
			require.NotNil(t, sns)
			assert.True(t, strings.HasSuffix(sns["topic_arn"].(string), topic.ID))
			for _, r := range b.of("aws:iam/role:Role") {
				if !strings.Contains(r.Name, "alertmanager") {
					continue
				}
				trust, err := iampolicy.Parse(r.Str("assumeRolePolicy"))
				require.NoError(t, err)
				cond := trust.Statement[0].Condition["StringEquals"]
				assert.Equal(t, "system:serviceaccount:"+a.InCluster.Namespace+":alertmanager", cond["oidc.eks.us-east-1.amazonaws.com/id/ABC:sub"])
			}
			for _, p := range b.of("aws:iam/rolePolicy:RolePolicy") {
				if !strings.Contains(p.Name, "alertmanager") {
					continue
				}
				doc, err := iampolicy.Parse(p.Str("policy"))
				require.NoError(t, err)
				for _, st := range doc.Statement {
					assert.NotContains(t, st.Resources(), "*", st.Sid)
				}
			}
		})

		t.Run(name+": the platform's alert rules and dashboards ship as code", func(t *testing.T) {
			rule := b.one(t, tPromRule)
			var alerts []string
			for _, g := range rule.Object("spec")["groups"].([]any) {
				for _, r := range g.(map[string]any)["rules"].([]any) {
					if a, ok := r.(map[string]any)["alert"].(string); ok {
						alerts = append(alerts, a)
					}
				}
			}
			assert.Subset(t, alerts, []string{"NodeMemoryPressure", "PodRestartingOften", "QueueDepthHigh", "HighErrorRate", "HighLatency"})
			boards := 0
			for _, cm := range b.of("kubernetes:core/v1:ConfigMap") {
				if path(cm.Object("metadata"), "labels", "grafana_dashboard") != "1" {
					continue
				}
				boards++
				for _, body := range cm.Object("data") {
					var d struct {
						Panels []struct{ Title string } `json:"panels"`
					}
					require.NoError(t, json.Unmarshal([]byte(body.(string)), &d))
					assert.NotEmpty(t, d.Panels)
				}
			}
			assert.Equal(t, 2, boards, "platform and cluster dashboards")
		})

		t.Run(name+": federation: the primary scrapes the secondary, which exposes an internal endpoint to the primary only", func(t *testing.T) {
			spec := path(vals["kube-prometheus-stack"], "prometheus", "prometheusSpec").(map[string]any)
			services := b.of("kubernetes:core/v1:Service")
			if primary {
				jobs := spec["additionalScrapeConfigs"].([]any)
				require.Len(t, jobs, 1)
				job := jobs[0].(map[string]any)
				assert.Equal(t, "/federate", job["metrics_path"])
				assert.Equal(t, true, job["honor_labels"])
				assert.Equal(t, []any{"prom-west.elb.us-west-2.amazonaws.com:9090"}, job["static_configs"].([]any)[0].(map[string]any)["targets"])
				assert.Empty(t, services)
				return
			}
			assert.Nil(t, spec["additionalScrapeConfigs"])
			require.Len(t, services, 1)
			md, s := services[0].Object("metadata"), services[0].Object("spec")
			assert.Equal(t, "internal", path(md, "annotations", "service.beta.kubernetes.io/aws-load-balancer-scheme"))
			assert.Equal(t, []any{"10.0.0.0/16"}, s["loadBalancerSourceRanges"])
		})

		t.Run(name+": Jaeger stores traces in a private, encrypted OpenSearch domain reachable from the pods only", func(t *testing.T) {
			d := b.one(t, tDomain)
			assert.Equal(t, true, d.Object("encryptAtRest")["enabled"])
			assert.Contains(t, d.Object("encryptAtRest")["kmsKeyId"], ":key/")
			assert.Equal(t, true, d.Object("nodeToNodeEncryption")["enabled"])
			assert.Equal(t, true, d.Object("domainEndpointOptions")["enforceHttps"])
			sec := d.Object("advancedSecurityOptions")
			assert.Equal(t, true, sec["enabled"])
			assert.Equal(t, false, sec["anonymousAuthEnabled"])
			assert.Len(t, d.Object("vpcOptions")["subnetIds"], 3)
			assert.Equal(t, true, d.Object("clusterConfig")["zoneAwarenessEnabled"])
			sg := b.one(t, "aws:ec2/securityGroup:SecurityGroup")
			ingress := sg.Objects("ingress")
			require.Len(t, ingress, 1)
			assert.Equal(t, float64(443), ingress[0]["fromPort"])
			assert.Equal(t, []any{"sg-nodes"}, ingress[0]["securityGroups"])
			assert.Nil(t, ingress[0]["cidrBlocks"])
			assert.Equal(t, "elasticsearch", path(vals["jaeger"], "storage", "type"))
			assert.Equal(t, float64(7), path(vals["jaeger"], "esIndexCleaner", "numberOfDays"))
		})

		t.Run(name+": every log group, including the trace store's, is encrypted and retained", func(t *testing.T) {
			groups := b.of(tLogGroup)
			require.NotEmpty(t, groups)
			for _, g := range groups {
				assert.Contains(t, g.Str("kmsKeyId"), ":key/", g.Name)
				assert.Equal(t, a.LogRetentionDays, g.Int("retentionInDays"), g.Name)
			}
		})
	}
}

func TestEndpointsFeedTheMesh(t *testing.T) {
	var ep observability.Endpoints
	_, err := offline.Run("staging", map[string]string{"aws:region": "us-east-1"}, func(ctx *pulumi.Context) error {
		o, err := observability.NewObservability(ctx, "obs", withCluster("staging", true))
		if err != nil {
			return err
		}
		ep = o.Endpoints
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, "jaeger-collector.monitoring-staging.svc.cluster.local", ep.TracingHost)
	assert.Equal(t, 4317, ep.TracingPort)
	assert.Equal(t, "http://monitoring-prometheus.monitoring-staging.svc.cluster.local:9090", ep.PrometheusURL)
	assert.Contains(t, ep.TracingQueryURL, "jaeger-query.monitoring-staging")
}

func TestInClusterArgsAreValidated(t *testing.T) {
	for name, mutate := range map[string]func(in *observability.InClusterArgs){
		"secondary federating": func(in *observability.InClusterArgs) {
			in.FederationTargets = []pulumi.StringInput{pulumi.String("x:9090")}
		},
		"no Prometheus storage":    func(in *observability.InClusterArgs) { in.PrometheusStorageGB = 0 },
		"uneven OpenSearch nodes":  func(in *observability.InClusterArgs) { in.Jaeger.InstanceCount = 4 },
		"no secret store":          func(in *observability.InClusterArgs) { in.SecretStore = "" },
		"no OIDC for Alertmanager": func(in *observability.InClusterArgs) { in.OidcProviderArn = nil },
	} {
		t.Run(name+" is rejected", func(t *testing.T) {
			a := withCluster("staging", false)
			mutate(a.InCluster)
			_, err := runAll(t, "staging", a)
			assert.Error(t, err)
		})
	}
}

// credentialLeaks lists values under keys that name a credential and hold
// a literal string: credentials come from Secrets (existingSecret,
// secretKeyRef), never from chart values.
func credentialLeaks(v any, where string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := where + "." + k
			lk := strings.ToLower(k)
			if s, ok := e.(string); ok && s != "" && (strings.Contains(lk, "password") && !strings.HasSuffix(lk, "key") || lk == "token" || lk == "apikey" || lk == "secretkey") {
				out = append(out, p+" is a literal")
			}
			out = append(out, credentialLeaks(e, p)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, credentialLeaks(e, where+"[]")...)
		}
	}
	return out
}
