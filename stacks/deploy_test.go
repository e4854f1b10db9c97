package stacks

import (
	"testing"

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
