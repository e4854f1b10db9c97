package stacks

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/internal/offline"
)

func TestDeploy(t *testing.T) {
	t.Run("a bad config fails before any resource is registered", func(t *testing.T) {
		sf := stackFile(t, "production")
		cfg := map[string]string{}
		for k, v := range sf.Config {
			cfg[k] = v
		}
		cfg["solsec:logRetentionDays"] = "45"
		res, err := offline.Run("production", cfg, Deploy)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "solsec:logRetentionDays")
		assert.Empty(t, res.Resources)
	})

	for _, stack := range Environments {
		sf := stackFile(t, stack)
		cfg, err := ParseConfig(stack, sf.Config)
		require.NoError(t, err)
		res, err := offline.Run(stack, sf.Config, Deploy)
		require.NoError(t, err)

		t.Run(stack+" leaves token checks to the services, so API keys and sign-in pass the gateway", func(t *testing.T) {
			require.False(t, cfg.Mesh.GatewayChecksTokens())
			assert.Empty(t, res.OfType("kubernetes:security.istio.io/v1:RequestAuthentication"))
			assert.NotEmpty(t, res.OfType("kubernetes:networking.istio.io/v1:Gateway"))
		})

		t.Run(stack+" has one tagged provider per enabled region", func(t *testing.T) {
			providers := res.OfType("pulumi:providers:aws")
			require.Len(t, providers, len(cfg.EnabledRegions()))
			for _, r := range cfg.EnabledRegions() {
				p, ok := res.Get("pulumi:providers:aws", "aws-"+r.Name)
				require.True(t, ok, r.Name)
				assert.Equal(t, r.Name, p.Str("region"))
				got := p.Object("defaultTags")["tags"]
				assert.Equal(t, map[string]any{
					"Project": "solsec", "Environment": stack, "Region": r.Name,
					"ManagedBy": "pulumi", "CostCenter": cfg.CostCenter,
				}, got)
			}
		})

		t.Run(stack+" builds a Network per enabled region on that region's provider", func(t *testing.T) {
			nets := res.OfType("solsec:network:Network")
			require.Len(t, nets, len(cfg.EnabledRegions()))
			for _, r := range cfg.EnabledRegions() {
				n, ok := res.Get("solsec:network:Network", ResourceName(stack, r.Name))
				require.True(t, ok)
				children := res.Descendants(n.URN)
				require.NotEmpty(t, children)
				for _, c := range children {
					assert.Equal(t, r.Name, c.Region, "%s %s", c.Type, c.Name)
				}
			}
		})

		t.Run(stack+" names no resource twice", func(t *testing.T) {
			seen := map[string]bool{}
			for _, r := range res.Resources {
				assert.False(t, seen[r.URN], r.URN)
				seen[r.URN] = true
			}
		})
	}
}

// BenchmarkDeploy measures the offline evaluation of each whole stack.
func BenchmarkDeploy(b *testing.B) {
	for _, stack := range Environments {
		sf := stackFile(b, stack)
		b.Run(stack, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := offline.Run(stack, sf.Config, Deploy); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestObservabilityWatchesEveryRegionsDataAndNAT(t *testing.T) {
	sf := stackFile(t, "production")
	cfg, err := ParseConfig("production", sf.Config)
	require.NoError(t, err)
	res, err := offline.Run("production", sf.Config, Deploy)
	require.NoError(t, err)
	watched := map[string]map[string]bool{} // dimension -> values
	for _, a := range res.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		if c, ok := res.ComponentOf(a); !ok || c.Type != "solsec:observability:Observability" {
			continue
		}
		assert.NotEmpty(t, a.Strings("alarmActions"), "%s notifies someone", a.Name)
		for k, v := range a.StringMap("dimensions") {
			if watched[k] == nil {
				watched[k] = map[string]bool{}
			}
			watched[k][v] = true
		}
	}
	for _, nat := range res.OfType("aws:ec2/natGateway:NatGateway") {
		assert.True(t, watched["NatGatewayId"][nat.ID], "NAT gateway %s has alarms", nat.Name)
	}
	for _, r := range cfg.EnabledRegions() {
		node := "solsec-production-" + r.Name + "-0001-001"
		assert.True(t, watched["CacheClusterId"][node], "cache node %s has alarms", node)
	}
	assert.NotEmpty(t, watched["DBInstanceIdentifier"], "the databases have alarms")
}

func TestEdgeIsComposedInFrontOfEveryRegion(t *testing.T) {
	for _, stack := range Environments {
		sf := stackFile(t, stack)
		cfg, err := ParseConfig(stack, sf.Config)
		require.NoError(t, err)
		res, err := offline.Run(stack, sf.Config, Deploy)
		require.NoError(t, err)

		t.Run(stack+" has one Edge and keeps the hosted zone's name, now under the edge's Zone", func(t *testing.T) {
			require.Len(t, res.OfType("solsec:edge:Edge"), 1)
			zones := res.OfType("aws:route53/zone:Zone")
			require.Len(t, zones, 1)
			assert.Equal(t, stack+"-zone", zones[0].Name, "the alias in edge.NewZone needs the old name")
			parent, ok := res.ByURN(zones[0].Parent)
			require.True(t, ok)
			assert.Equal(t, "solsec:edge:Zone", parent.Type)
			assert.Equal(t, cfg.Primary().Name, zones[0].Region)
		})

		t.Run(stack+" puts an ALB in front of each enabled region's gateway, after the gateway exists", func(t *testing.T) {
			for _, r := range cfg.EnabledRegions() {
				ing, ok := res.Get("kubernetes:networking.k8s.io/v1:Ingress", stack+"-edge-"+r.Name+"-alb")
				require.True(t, ok, r.Name)
				assert.Contains(t, ing.Provider, ResourceName(stack, r.Name)+"-k8s", "the region's cluster")
				gateway, ok := res.Get("kubernetes:helm.sh/v3:Release", ResourceName(stack, r.Name)+"-istio-ingressgateway")
				require.True(t, ok)
				assert.Contains(t, ing.Dependencies, gateway.URN)
			}
		})

		t.Run(stack+" routes the origin names by failover only when it has two regions", func(t *testing.T) {
			roles := map[string]string{}
			for _, rec := range res.OfType("aws:route53/record:Record") {
				if rec.Str("name") != "api-origin."+cfg.Domain {
					continue
				}
				for _, p := range rec.Objects("failoverRoutingPolicies") {
					roles[p["type"].(string)] = rec.Str("setIdentifier")
				}
			}
			if len(cfg.EnabledRegions()) == 1 {
				assert.Empty(t, roles)
			} else {
				assert.Equal(t, map[string]string{"PRIMARY": "us-east-1", "SECONDARY": "us-west-2"}, roles)
			}
		})

		t.Run(stack+" exports the edge's names", func(t *testing.T) {
			outputs := stackOutputs(t, stack, sf.Config)
			e, ok := outputs["edge"].(map[string]any)
			require.True(t, ok)
			assert.Equal(t, []string{"api." + cfg.Domain, "app." + cfg.Domain, "docs." + cfg.Domain}, e["names"])
			assert.Len(t, e["albDnsNames"], len(cfg.EnabledRegions()))
		})
	}
}

// stackOutputs runs Compose and resolves its outputs to plain values.
func stackOutputs(t *testing.T, stack string, config map[string]string) map[string]any {
	t.Helper()
	out := make(chan map[string]any, 1)
	_, err := offline.Run(stack, config, func(ctx *pulumi.Context) error {
		outputs, err := Compose(ctx)
		if err != nil {
			return err
		}
		pulumi.ToMapOutput(map[string]pulumi.Output{"edge": outputs["edge"].(pulumi.Map).ToMapOutput()}).ApplyT(func(v map[string]any) int {
			out <- v
			return 0
		})
		return nil
	})
	require.NoError(t, err)
	return <-out
}
