package imagebuild_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/internal/imagebuild"
)

// deployables lists services/<name> folders holding a main.go: every
// workload the Pulumi program builds an image of.
func deployables(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "services"))
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "internal" {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "services", e.Name(), "main.go")); err == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// TestEveryWorkloadBuildsAndPushes builds each deployable for both
// platforms on the shared base, pushes it to the in-process registry and
// reads it back: the image the cluster will pull exists for every service.
func TestEveryWorkloadBuildsAndPushes(t *testing.T) {
	f := build(t)
	ctx := context.Background()
	names := deployables(t, f.opts.ModuleDir)
	require.GreaterOrEqual(t, len(names), 11, "the platform's deployables: %v", names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			o := f.opts
			o.Name, o.Package, o.ExtraDirs = name, "", nil
			idx, err := imagebuild.Build(ctx, o)
			require.NoError(t, err)
			// A repository of its own: TestPush owns solsec/staging/solsec.
			repo := f.reg.repo(t, "solsec/every/"+name)
			res, err := imagebuild.Push(ctx, idx, repo, "v1.4.0", creds)
			require.NoError(t, err)
			assert.True(t, res.Pushed)

			pulled, err := remote.Index(res.Ref, remote.WithAuth(creds))
			require.NoError(t, err)
			m, err := pulled.IndexManifest()
			require.NoError(t, err)
			var platforms []string
			for _, d := range m.Manifests {
				if d.Platform != nil {
					platforms = append(platforms, d.Platform.OS+"/"+d.Platform.Architecture)
				}
			}
			assert.ElementsMatch(t, []string{"linux/amd64", "linux/arm64"}, platforms)

			img, err := pulled.Image(m.Manifests[0].Digest)
			require.NoError(t, err)
			cfg, err := img.ConfigFile()
			require.NoError(t, err)
			assert.Equal(t, "65532:65532", cfg.Config.User, "non-root")
			assert.Equal(t, []string{"/app/" + name}, cfg.Config.Entrypoint)
		})
	}
}
