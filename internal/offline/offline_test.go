package offline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type custom struct{ pulumi.CustomResourceState }
type component struct{ pulumi.ResourceState }

// program registers a provider in us-west-2, a component on it, and two
// custom resources under the component, the second depending on the first;
// it records what the AZ lookup answered.
func program(zones *[]string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		var prov pulumi.ProviderResourceState
		if err := ctx.RegisterResource("pulumi:providers:aws", "west", pulumi.Map{"region": pulumi.String("us-west-2")}, &prov); err != nil {
			return err
		}
		var comp component
		if err := ctx.RegisterComponentResource("solsec:test:Thing", "thing", &comp, pulumi.Providers(&prov)); err != nil {
			return err
		}
		var vpc custom
		if err := ctx.RegisterResource("aws:ec2/vpc:Vpc", "thing-vpc", pulumi.Map{"cidrBlock": pulumi.String("10.2.0.0/16")}, &vpc, pulumi.Parent(&comp)); err != nil {
			return err
		}
		var key custom
		if err := ctx.RegisterResource("aws:kms/key:Key", "thing-key", pulumi.Map{"description": pulumi.String("k")}, &key,
			pulumi.Parent(&comp), pulumi.DependsOn([]pulumi.Resource{&vpc})); err != nil {
			return err
		}
		var az struct {
			Names []string `pulumi:"names"`
		}
		if err := ctx.Invoke("aws:index/getAvailabilityZones:getAvailabilityZones", map[string]any{}, &az, pulumi.Parent(&comp)); err != nil {
			return err
		}
		*zones = az.Names
		return ctx.RegisterResourceOutputs(&comp, pulumi.Map{})
	}
}

func TestRunRecordsEveryResource(t *testing.T) {
	var zones []string
	res, err := Run("staging", map[string]string{"aws:region": "us-east-1"}, program(&zones))
	require.NoError(t, err)

	comp, ok := res.Get("solsec:test:Thing", "thing")
	require.True(t, ok)
	assert.False(t, comp.Custom)
	vpc, ok := res.Get("aws:ec2/vpc:Vpc", "thing-vpc")
	require.True(t, ok)
	key, ok := res.Get("aws:kms/key:Key", "thing-key")
	require.True(t, ok)

	t.Run("parents, providers and regions are recorded", func(t *testing.T) {
		assert.Equal(t, comp.URN, vpc.Parent)
		assert.Contains(t, vpc.Provider, "pulumi:providers:aws::west")
		assert.Equal(t, "us-west-2", vpc.Region, "the provider's region, not the default")
		owner, ok := res.ComponentOf(vpc)
		require.True(t, ok)
		assert.Equal(t, comp.URN, owner.URN)
		assert.Len(t, res.Descendants(comp.URN), 2)
	})
	t.Run("inputs and dependencies are recorded", func(t *testing.T) {
		assert.Equal(t, "10.2.0.0/16", vpc.Str("cidrBlock"))
		assert.Equal(t, []string{vpc.URN}, key.Dependencies)
	})
	t.Run("ids and ARNs look like the asked region's", func(t *testing.T) {
		assert.Regexp(t, `^vpc-[0-9a-f]{17}$`, vpc.ID)
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, key.ID)
	})
	t.Run("the AZ lookup answers the provider's region", func(t *testing.T) {
		assert.Equal(t, []string{"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"}, zones)
	})
	t.Run("output registrations are counted", func(t *testing.T) {
		assert.Equal(t, 2, res.OutputRegistrations, "the component's and the stack's")
	})
	t.Run("two runs record the same thing", func(t *testing.T) {
		again, err := Run("staging", map[string]string{"aws:region": "us-east-1"}, program(&zones))
		require.NoError(t, err)
		require.Len(t, again.Resources, len(res.Resources))
		for i := range res.Resources {
			assert.Equal(t, res.Resources[i].URN, again.Resources[i].URN)
			assert.Equal(t, res.Resources[i].ID, again.Resources[i].ID)
		}
	})
}

func TestRunRejectsAnInvokeWithNoFakeAnswer(t *testing.T) {
	_, err := Run("staging", nil, func(ctx *pulumi.Context) error {
		var out map[string]any
		return ctx.Invoke("aws:rds/getEngineVersion:getEngineVersion", map[string]any{}, &out)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aws:rds/getEngineVersion:getEngineVersion")
}

func TestLoadStackFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Pulumi.staging.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`config:
  aws:region: us-east-1
  domain: example.com
  solsec:retention: 30
  solsec:regions:
    - name: us-east-1
      azCount: 3
  solsec:apiToken:
    secure: v1:abcdef
`), 0o600))
	sf, err := LoadStackFile(path)
	require.NoError(t, err)
	assert.Equal(t, "staging", sf.Stack)
	assert.Equal(t, "us-east-1", sf.Config["aws:region"])
	assert.Equal(t, "example.com", sf.Config["solsec:domain"], "keys without a namespace belong to the project")
	assert.Equal(t, "30", sf.Config["solsec:retention"])
	assert.JSONEq(t, `[{"name":"us-east-1","azCount":3}]`, sf.Config["solsec:regions"])
	assert.Equal(t, SecretPlaceholder, sf.Config["solsec:apiToken"])
	assert.Equal(t, []string{"solsec:apiToken"}, sf.SecretKeys)

	t.Run("a file that is not YAML is an error naming it", func(t *testing.T) {
		bad := filepath.Join(dir, "Pulumi.production.yaml")
		require.NoError(t, os.WriteFile(bad, []byte("config: [unclosed"), 0o600))
		_, err := LoadStackFile(bad)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Pulumi.production.yaml")
	})
	t.Run("StackFiles finds both, sorted", func(t *testing.T) {
		paths, err := StackFiles(dir)
		require.NoError(t, err)
		require.Len(t, paths, 2)
		assert.Equal(t, "Pulumi.production.yaml", filepath.Base(paths[0]))
	})
}
