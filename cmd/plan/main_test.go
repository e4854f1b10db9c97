package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/internal/offline"
)

// copyProject copies Pulumi.yaml and the stack files into a temporary
// directory, applying edit to the named stack file's text.
func copyProject(t *testing.T, stack string, edit func(string) string) string {
	t.Helper()
	root, err := offline.RepoRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	paths, err := filepath.Glob(filepath.Join(root, "Pulumi*.yaml"))
	require.NoError(t, err)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		text := string(b)
		if filepath.Base(p) == "Pulumi."+stack+".yaml" {
			edited := edit(text)
			require.NotEqual(t, text, edited, "the edit changed the file")
			text = edited
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(p)), []byte(text), 0o600))
	}
	return dir
}

func TestPlan(t *testing.T) {
	root, err := offline.RepoRoot()
	require.NoError(t, err)

	t.Run("it prints every stack's inventory and exits 0", func(t *testing.T) {
		var out, errOut bytes.Buffer
		code := run([]string{"-dir", root}, &out, &errOut)
		require.Equal(t, 0, code, errOut.String())
		s := out.String()
		assert.Contains(t, s, "stack production (Pulumi.production.yaml)")
		assert.Contains(t, s, "stack staging (Pulumi.staging.yaml)")
		assert.Contains(t, s, "solsec:network:Network production-us-west-2")
		assert.Contains(t, s, "solsec:cluster:Cluster production-us-west-2")
		assert.Contains(t, s, "solsec:cluster:Cluster staging-us-east-1")
		for _, c := range []string{"data:Data", "observability:Observability", "mesh:Mesh"} {
			assert.Contains(t, s, "solsec:"+c+" production-us-west-2", c)
		}
		for _, stack := range []string{"production", "staging"} {
			assert.Contains(t, s, "solsec:edge:Edge "+stack+"-edge", "the edge of "+stack)
			assert.Contains(t, s, "solsec:edge:Zone "+stack, "the zone of "+stack)
		}
		assert.Contains(t, s, "region us-west-2 (secondary): planned, not deployed")
		assert.Regexp(t, `aws:ec2/natGateway:NatGateway \.+ 3`, s)
	})
	t.Run("STACK limits the evaluation to one stack", func(t *testing.T) {
		var out, errOut bytes.Buffer
		require.Equal(t, 0, run([]string{"-dir", root, "-stack", "staging"}, &out, &errOut))
		assert.NotContains(t, out.String(), "stack production")
	})
	t.Run("an unknown stack is an error", func(t *testing.T) {
		var out, errOut bytes.Buffer
		assert.Equal(t, 1, run([]string{"-dir", root, "-stack", "dev"}, &out, &errOut))
		assert.Contains(t, errOut.String(), `stack "dev"`)
	})
	t.Run("an overlapping range within a stack exits 1 naming the key", func(t *testing.T) {
		dir := copyProject(t, "production", func(s string) string {
			return strings.Replace(s, "vpcCidr: 10.2.0.0/16", "vpcCidr: 10.0.0.0/16", 1)
		})
		var out, errOut bytes.Buffer
		assert.Equal(t, 1, run([]string{"-dir", dir}, &out, &errOut))
		assert.Contains(t, errOut.String(), "solsec:regions[1].vpcCidr")
	})
	t.Run("a range overlapping the other environment exits 1 naming both", func(t *testing.T) {
		dir := copyProject(t, "staging", func(s string) string {
			s = strings.Replace(s, "vpcCidr: 10.3.0.0/16", "vpcCidr: 10.2.0.0/16", 1)
			return strings.ReplaceAll(s, "10.3.", "10.2.")
		})
		var out, errOut bytes.Buffer
		assert.Equal(t, 1, run([]string{"-dir", dir}, &out, &errOut))
		assert.Contains(t, errOut.String(), "stack staging solsec:regions[1].vpcCidr (us-west-2)")
		assert.Contains(t, errOut.String(), "stack production solsec:regions[1].vpcCidr")
	})
}
