package imagebuild

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
}

func TestDirLayer(t *testing.T) {
	files := map[string]string{"package.json": "{}", "node_modules/solhint/solhint.js": "x", "node_modules/a/index.js": "y"}
	t.Run("the same tree gives the same layer digest whatever its files' times", func(t *testing.T) {
		a, b := t.TempDir(), t.TempDir()
		writeTree(t, a, files)
		writeTree(t, b, files)
		require.NoError(t, os.Chtimes(filepath.Join(b, "package.json"), time.Now(), time.Now().Add(-time.Hour)))
		la, err := DirLayer(Dir{Source: a, Target: "/opt/analysers"}, types.OCILayer)
		require.NoError(t, err)
		lb, err := DirLayer(Dir{Source: b, Target: "/opt/analysers"}, types.OCILayer)
		require.NoError(t, err)
		da, err := la.Digest()
		require.NoError(t, err)
		db, err := lb.Digest()
		require.NoError(t, err)
		assert.Equal(t, da, db)
	})
	t.Run("a symlink out of the tree is refused", func(t *testing.T) {
		dir := t.TempDir()
		writeTree(t, dir, files)
		require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "passwd")))
		_, err := DirLayer(Dir{Source: dir, Target: "/opt/analysers"}, types.OCILayer)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "leaves")
	})
	t.Run("the image root is not a target", func(t *testing.T) {
		_, err := DirLayer(Dir{Source: t.TempDir(), Target: "/"}, types.OCILayer)
		require.Error(t, err)
	})
}

func TestSBOMNamesEveryLinkedModule(t *testing.T) {
	// A main package that links testify and, through it, other modules.
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "withdeps")
	require.NoError(t, goBuild(context.Background(), "go", root, "./internal/imagebuild/testdata/withdeps", "amd64", bin, nil))
	created := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	raw, err := sbomFor(bin, "withdeps", "v0.0.1", "amd64", created)
	require.NoError(t, err)
	again, err := sbomFor(bin, "withdeps", "v0.0.1", "amd64", created)
	require.NoError(t, err)
	assert.Equal(t, raw, again, "the same binary gives the same document")

	var doc SPDX
	require.NoError(t, json.Unmarshal(raw, &doc))
	got := map[string]string{}
	for _, p := range doc.Packages {
		got[p.Name] = p.VersionInfo
	}
	// What go list says the package links, independently of the binary.
	cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", "./internal/imagebuild/testdata/withdeps")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	require.NoError(t, err)
	want := map[string]string{"github.com/solsec/platform/internal/imagebuild/testdata/withdeps": "v0.0.1", "stdlib": runtime.Version()}
	for _, line := range strings.Fields(strings.ReplaceAll(string(out), " ", "@")) {
		path, version, _ := strings.Cut(line, "@")
		want[path] = version
	}
	require.Greater(t, len(want), 3, "testify brings modules of its own")
	assert.Equal(t, want, got)

	ids := map[string]bool{}
	for _, p := range doc.Packages {
		assert.False(t, ids[p.SPDXID], "duplicate SPDX id %s", p.SPDXID)
		ids[p.SPDXID] = true
		if p.Name != "stdlib" && p.VersionInfo != "v0.0.1" {
			assert.Equal(t, "pkg:golang/"+p.Name+"@"+p.VersionInfo, p.ExternalRefs[0].ReferenceLocator)
		}
	}
	for _, r := range doc.Relationships {
		assert.True(t, r.SPDXElementID == "SPDXRef-DOCUMENT" || ids[r.SPDXElementID], r.SPDXElementID)
		assert.True(t, ids[r.RelatedSPDXElement], r.RelatedSPDXElement)
	}
}
