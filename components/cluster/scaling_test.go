package cluster_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/components/cluster"
	"github.com/solsec/platform/internal/iampolicy"
	"github.com/solsec/platform/internal/offline"
)

func TestNewWorkloadAutoscaling(t *testing.T) {
	t.Run("a worker scales on CPU and queue depth and gets a recommendation-only VPA", func(t *testing.T) {
		res, err := offline.Run("staging", nil, func(ctx *pulumi.Context) error {
			_, err := cluster.NewWorkloadAutoscaling(ctx, "orchestration", cluster.AutoscalingArgs{
				Namespace: "security-platform", Deployment: "orchestration", MinReplicas: 2, MaxReplicas: 20,
				CPUPercent: 70, QueueDepthMetric: "solsec_queue_depth", QueueDepthPerReplica: 10,
				QueueDepthSelectorKey: "queue", QueueDepthSelector: "analysis",
			})
			return err
		})
		require.NoError(t, err)
		hpas := res.OfType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
		require.Len(t, hpas, 1)
		spec := hpas[0].Object("spec")
		assert.Equal(t, float64(2), spec["minReplicas"])
		metrics := spec["metrics"].([]any)
		require.Len(t, metrics, 2)
		assert.Equal(t, "Resource", metrics[0].(map[string]any)["type"])
		ext := metrics[1].(map[string]any)["external"].(map[string]any)
		assert.Equal(t, "solsec_queue_depth", ext["metric"].(map[string]any)["name"])
		vpas := res.OfType("kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler")
		require.Len(t, vpas, 1)
		assert.Equal(t, "Off", vpas[0].Object("spec")["updatePolicy"].(map[string]any)["updateMode"])
	})
	for name, args := range map[string]cluster.AutoscalingArgs{
		"a single replica":   {Namespace: "n", Deployment: "d", MinReplicas: 1, MaxReplicas: 3, CPUPercent: 70},
		"no metric":          {Namespace: "n", Deployment: "d", MinReplicas: 2, MaxReplicas: 3},
		"a missing workload": {Namespace: "n", MinReplicas: 2, MaxReplicas: 3, CPUPercent: 70},
	} {
		t.Run("it rejects "+name, func(t *testing.T) {
			res, err := offline.Run("staging", nil, func(ctx *pulumi.Context) error {
				_, err := cluster.NewWorkloadAutoscaling(ctx, "w", args)
				return err
			})
			require.Error(t, err)
			assert.Empty(t, res.Resources)
		})
	}
}

func TestNewServiceAccountRole(t *testing.T) {
	res, err := offline.Run("staging", nil, func(ctx *pulumi.Context) error {
		_, err := cluster.NewServiceAccountRole(ctx, "api", cluster.ServiceAccountRoleArgs{
			OidcProviderArn: pulumi.String("arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"),
			Issuer:          pulumi.String("oidc.eks.us-east-1.amazonaws.com/id/ABC"),
			Namespace:       "security-platform", ServiceAccount: "api-service",
			Policy: pulumi.String(iampolicy.New(iampolicy.Allow("Read", []string{"s3:GetObject"}, "arn:aws:s3:::b/*")).JSON()),
		})
		return err
	})
	require.NoError(t, err)
	roles := res.OfType("aws:iam/role:Role")
	require.Len(t, roles, 1)
	trust, err := iampolicy.Parse(roles[0].Str("assumeRolePolicy"))
	require.NoError(t, err)
	cond := trust.Statement[0].Condition["StringEquals"]
	assert.Equal(t, "system:serviceaccount:security-platform:api-service", cond["oidc.eks.us-east-1.amazonaws.com/id/ABC:sub"])
	assert.Equal(t, "sts.amazonaws.com", cond["oidc.eks.us-east-1.amazonaws.com/id/ABC:aud"])
	policies := res.OfType("aws:iam/rolePolicy:RolePolicy")
	require.Len(t, policies, 1)
	assert.Equal(t, roles[0].URN, policies[0].Parent, "the policy belongs to its role")
}
