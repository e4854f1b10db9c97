package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func noEnv(string) string { return "" }

func runCLI(t *testing.T, args ...string) (int, []result, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, noEnv, &stdout, &stderr)
	var out []result
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var r result
		require.NoError(t, dec.Decode(&r))
		out = append(out, r)
	}
	return code, out, stderr.String()
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no workload", []string{"-module", "../.."}, "usage"},
		{"a platform the clusters do not run", []string{"-platforms", "windows/amd64", "solsec"}, "linux only"},
		{"a malformed extra directory", []string{"-extra", "tool-integration=node_modules", "solsec"}, "workload=source-dir:/target-dir"},
	}
	for _, c := range cases {
		t.Run(c.name+" exits 2 and says why", func(t *testing.T) {
			code, _, stderr := runCLI(t, c.args...)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr, c.want)
		})
	}
}

func TestSourcesOnly(t *testing.T) {
	code, out, stderr := runCLI(t, "-module", "../..", "-sources-only", "solsec")
	require.Equal(t, 0, code, stderr)
	require.Len(t, out, 1)
	assert.Equal(t, "solsec", out[0].Workload)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, out[0].SourceHash)
	assert.Regexp(t, `^[0-9a-f]{40}$`, out[0].Revision)
	assert.Empty(t, out[0].Digest, "nothing is built")
}

// pushBase puts a minimal two-platform base into the registry.
func pushBase(t *testing.T, host string) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := "nonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n"
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "etc/passwd", Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}))
	_, err := tw.Write([]byte(body))
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON),
			static.NewLayer(buf.Bytes(), types.OCIUncompressedLayer))
		require.NoError(t, err)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture = "linux", arch
		img, err = mutate.ConfigFile(img, cf)
		require.NoError(t, err)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	d, err := idx.Digest()
	require.NoError(t, err)
	ref, err := name.ParseReference(host + "/base:latest")
	require.NoError(t, err)
	require.NoError(t, remote.WriteIndex(ref, idx))
	return host + "/base@" + d.String()
}

func TestBuildAndPush(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go binary for two platforms")
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	base := pushBase(t, host)
	args := []string{"-module", "../..", "-base", base, "-repo-prefix", host + "/solsec/staging", "-allow-dirty", "solsec"}

	code, first, stderr := runCLI(t, args...)
	require.Equal(t, 0, code, stderr)
	require.Len(t, first, 1)
	r := first[0]
	t.Run("the workload is pushed to <prefix>/<workload> by digest, under a tag naming the revision and the image", func(t *testing.T) {
		assert.True(t, r.Pushed)
		assert.True(t, r.Tagged)
		assert.Equal(t, host+"/solsec/staging/solsec@"+r.Digest, r.Ref)
		assert.Regexp(t, `^v0\.0\.0-\d{14}-`+r.Revision[:12]+`-[0-9a-f]{12}$`, r.Tag)
		idx, err := remote.Index(mustRef(t, r.Ref))
		require.NoError(t, err)
		m, err := idx.IndexManifest()
		require.NoError(t, err)
		assert.Len(t, m.Manifests, 2)
	})
	t.Run("a second run of the same tree pushes nothing", func(t *testing.T) {
		code, again, stderr := runCLI(t, args...)
		require.Equal(t, 0, code, stderr)
		require.Len(t, again, 1)
		assert.Equal(t, r.Digest, again[0].Digest)
		assert.False(t, again[0].Pushed)
		assert.False(t, again[0].Tagged)
	})
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s)
	require.NoError(t, err)
	return ref
}
