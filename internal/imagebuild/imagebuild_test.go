package imagebuild_test

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/internal/imagebuild"
)

// The registry accepts only these credentials, as ECR accepts only the
// token of getAuthorizationToken: every call must carry the authenticator.
const user, password = "AWS", "token-from-getAuthorizationToken"

var creds = &authn.Basic{Username: user, Password: password}

// testRegistry is an in-process OCI registry behind basic auth that counts
// the requests that write (uploads and manifest puts).
type testRegistry struct {
	host   string
	writes atomic.Int64
}

func newRegistry() (*testRegistry, *httptest.Server) {
	r := &testRegistry{}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if u, p, ok := req.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if req.Method == http.MethodPut || req.Method == http.MethodPost || req.Method == http.MethodPatch {
			r.writes.Add(1)
		}
		reg.ServeHTTP(w, req)
	}))
	r.host = strings.TrimPrefix(srv.URL, "http://")
	return r, srv
}

func (r *testRegistry) repo(t *testing.T, path string) name.Repository {
	t.Helper()
	repo, err := name.NewRepository(r.host+"/"+path, name.Insecure)
	require.NoError(t, err)
	return repo
}

// baseFiles is the synthetic base's filesystem: users and groups, the
// nonroot user's home, /tmp.
var baseFiles = []struct {
	name, body string
	dir        bool
}{
	{name: "etc/", dir: true},
	{name: "etc/passwd", body: "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"},
	{name: "etc/group", body: "root:x:0:\nnonroot:x:65532:\n"},
	{name: "home/", dir: true},
	{name: "home/nonroot/", dir: true},
	{name: "tmp/", dir: true},
}

// pushBase builds a small two-platform OCI base (a stand-in for distroless
// static, which this machine cannot download), pushes it and returns its
// digest reference.
func pushBase(r *testRegistry) (string, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range baseFiles {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if f.dir {
			h.Mode, h.Typeflag = 0o755, tar.TypeDir
		}
		if err := tw.WriteHeader(h); err != nil {
			return "", err
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return "", err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64", Variant: "v8"}} {
		img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return "", err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return "", err
		}
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
		cf.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}
		cf.Config.User = "0"
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			return "", err
		}
		pp := p
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &pp}})
	}
	d, err := idx.Digest()
	if err != nil {
		return "", err
	}
	repo, err := name.NewRepository(r.host+"/distroless/static", name.Insecure)
	if err != nil {
		return "", err
	}
	if err := remote.WriteIndex(repo.Tag("nonroot"), idx, remote.WithAuth(creds)); err != nil {
		return "", err
	}
	return repo.Name() + ":nonroot@" + d.String(), nil
}

func moduleDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(dir, "go.mod"))
	return dir
}

// commitTime is a fixed commit time: the build must put exactly it into
// the image and read no clock.
var commitTime = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

// fixture is one base, the options built on it, and the first build.
type fixture struct {
	reg  *testRegistry
	opts imagebuild.Options
	idx  v1.ImageIndex
}

// shared is built once, in TestMain, for every test of this file.
var shared *fixture

// TestMain builds services/solsec (the CLI: small and already here) once
// on a synthetic base in an in-process registry; each test reads what it
// needs. With -short the build is skipped and so are the tests that need it.
func TestMain(m *testing.M) {
	flag.Parse()
	code, err := withFixture(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "imagebuild test setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func withFixture(m *testing.M) (int, error) {
	if testing.Short() {
		return m.Run(), nil
	}
	reg, srv := newRegistry()
	defer srv.Close()
	baseRef, err := pushBase(reg)
	if err != nil {
		return 0, err
	}
	ctx := context.Background()
	d, base, err := imagebuild.PullBase(ctx, baseRef, remote.WithAuth(creds))
	if err != nil {
		return 0, err
	}
	tools, err := os.MkdirTemp("", "analysers-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tools)
	if err := os.MkdirAll(filepath.Join(tools, "node_modules", ".bin"), 0o755); err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(tools, "node_modules", "solhint.js"), []byte("// solhint\n"), 0o644); err != nil {
		return 0, err
	}
	if err := os.Symlink("../solhint.js", filepath.Join(tools, "node_modules", ".bin", "solhint")); err != nil {
		return 0, err
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		return 0, err
	}
	opts := imagebuild.Options{
		ModuleDir: root, Name: "solsec", Base: base, BaseRef: d,
		Version: "v1.4.0", Revision: "0123456789abcdef0123456789abcdef01234567", Created: commitTime,
		Source: "https://github.com/solsec/platform", Env: []string{"SOLSEC_LOG_FORMAT=json"},
		ExtraDirs: []imagebuild.Dir{{Source: tools, Target: "/opt/analysers"}},
	}
	idx, err := imagebuild.Build(ctx, opts)
	if err != nil {
		return 0, err
	}
	shared = &fixture{reg: reg, opts: opts, idx: idx}
	return m.Run(), nil
}

func build(t *testing.T) *fixture {
	t.Helper()
	if shared == nil {
		t.Skip("-short: the image is not built")
	}
	return shared
}

func digestOf(t *testing.T, idx v1.ImageIndex) v1.Hash {
	t.Helper()
	d, err := idx.Digest()
	require.NoError(t, err)
	return d
}

func TestBuildIsReproducible(t *testing.T) {
	f := build(t)
	ctx := context.Background()
	t.Run("a second build of the same tree gives the same index digest", func(t *testing.T) {
		again, err := imagebuild.Build(ctx, f.opts)
		require.NoError(t, err)
		assert.Equal(t, digestOf(t, f.idx), digestOf(t, again))
	})
	t.Run("another version gives another digest", func(t *testing.T) {
		o := f.opts
		o.Version = "v1.4.1"
		other, err := imagebuild.Build(ctx, o)
		require.NoError(t, err)
		assert.NotEqual(t, digestOf(t, f.idx), digestOf(t, other))
	})
}

func TestPush(t *testing.T) {
	f := build(t)
	ctx := context.Background()
	repo := f.reg.repo(t, "solsec/staging/solsec")

	first, err := imagebuild.Push(ctx, f.idx, repo, "v1.4.0", creds)
	require.NoError(t, err)
	t.Run("the first push uploads the index under its digest and tag", func(t *testing.T) {
		assert.True(t, first.Pushed)
		assert.True(t, first.Tagged)
		assert.Equal(t, digestOf(t, f.idx).String(), first.Ref.DigestStr())
		tagged, err := remote.Head(repo.Tag("v1.4.0"), remote.WithAuth(creds))
		require.NoError(t, err)
		assert.Equal(t, digestOf(t, f.idx), tagged.Digest)
	})
	t.Run("pushing the same build again uploads nothing", func(t *testing.T) {
		before := f.reg.writes.Load()
		again, err := imagebuild.Push(ctx, f.idx, repo, "v1.4.0", creds)
		require.NoError(t, err)
		assert.False(t, again.Pushed)
		assert.False(t, again.Tagged)
		assert.Equal(t, first.Ref, again.Ref)
		assert.Equal(t, before, f.reg.writes.Load(), "no upload or manifest write")
	})
	t.Run("an unchanged build under a new tag is only tagged", func(t *testing.T) {
		before := f.reg.writes.Load()
		res, err := imagebuild.Push(ctx, f.idx, repo, "v1.4.0-rc.2", creds)
		require.NoError(t, err)
		assert.False(t, res.Pushed)
		assert.True(t, res.Tagged)
		assert.Equal(t, before+1, f.reg.writes.Load(), "one manifest write for the tag, no blob")
	})
	t.Run("a tag already naming another image is refused, as immutable tags are", func(t *testing.T) {
		o := f.opts
		o.Version = "v1.4.2"
		other, err := imagebuild.Build(ctx, o)
		require.NoError(t, err)
		_, err = imagebuild.Push(ctx, other, repo, "v1.4.0", creds)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "tags are immutable")
	})
	t.Run("without the registry's credentials nothing is pushed", func(t *testing.T) {
		_, err := imagebuild.Push(ctx, f.idx, f.reg.repo(t, "solsec/staging/other"), "v1.4.0", authn.Anonymous)
		require.Error(t, err)
	})
}

// pulled is one platform's image as a registry client reads it back.
type pulled struct {
	platform v1.Platform
	manifest *v1.Manifest
	config   *v1.ConfigFile
	layers   []v1.Layer
}

func pullBack(t *testing.T, f *fixture) (*v1.IndexManifest, []pulled) {
	t.Helper()
	repo := f.reg.repo(t, "solsec/staging/pulled")
	res, err := imagebuild.Push(context.Background(), f.idx, repo, "", creds)
	require.NoError(t, err)
	idx, err := remote.Index(res.Ref, remote.WithAuth(creds))
	require.NoError(t, err)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	var out []pulled
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		require.NoError(t, err)
		m, err := img.Manifest()
		require.NoError(t, err)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		ls, err := img.Layers()
		require.NoError(t, err)
		out = append(out, pulled{platform: *d.Platform, manifest: m, config: cf, layers: ls})
	}
	return im, out
}

// files reads a layer's tar headers and the content of regular files.
func files(t *testing.T, l v1.Layer) (map[string]*tar.Header, map[string][]byte) {
	t.Helper()
	rc, err := l.Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	heads, bodies := map[string]*tar.Header{}, map[string][]byte{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		heads[h.Name] = h
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			require.NoError(t, err)
			bodies[h.Name] = b
		}
	}
	return heads, bodies
}

func TestImage(t *testing.T) {
	f := build(t)
	im, images := pullBack(t, f)

	t.Run("the index is an OCI index of a linux/amd64 and a linux/arm64 image", func(t *testing.T) {
		assert.Equal(t, types.OCIImageIndex, im.MediaType)
		var platforms []string
		for _, p := range images {
			platforms = append(platforms, p.platform.OS+"/"+p.platform.Architecture)
			assert.Equal(t, p.platform.Architecture, p.config.Architecture)
		}
		assert.Equal(t, []string{"linux/amd64", "linux/arm64"}, platforms)
		assert.Equal(t, "v8", images[1].platform.Variant, "the base's variant is kept")
		assert.Equal(t, "v1.4.0", im.Annotations["org.opencontainers.image.version"])
	})
	for _, p := range images {
		arch := p.platform.Architecture
		cfg := p.config.Config
		t.Run(arch+": runs as the non-root user with the binary as entrypoint", func(t *testing.T) {
			assert.Equal(t, "65532:65532", cfg.User)
			assert.Equal(t, []string{"/app/solsec"}, cfg.Entrypoint)
			assert.Empty(t, cfg.Cmd)
			assert.Equal(t, "/app", cfg.WorkingDir)
			assert.Equal(t, []string{"PATH=/usr/local/bin:/usr/bin:/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "SOLSEC_LOG_FORMAT=json"}, cfg.Env)
		})
		t.Run(arch+": is labelled with the source, the revision and the commit time, and no other time", func(t *testing.T) {
			base := f.opts.BaseRef
			want := map[string]string{
				"org.opencontainers.image.title":       "solsec",
				"org.opencontainers.image.version":     "v1.4.0",
				"org.opencontainers.image.revision":    f.opts.Revision,
				"org.opencontainers.image.source":      "https://github.com/solsec/platform",
				"org.opencontainers.image.created":     "2026-11-27T09:30:00Z",
				"org.opencontainers.image.base.name":   base.Context().Name(),
				"org.opencontainers.image.base.digest": base.DigestStr(),
			}
			assert.Equal(t, want, cfg.Labels)
			assert.Equal(t, want, p.manifest.Annotations)
			assert.Equal(t, commitTime, p.config.Created.Time.UTC())
			for _, h := range p.config.History[1:] {
				assert.Equal(t, commitTime, h.Created.Time.UTC(), h.CreatedBy)
			}
		})
		t.Run(arch+": keeps the base's layer first", func(t *testing.T) {
			heads, bodies := files(t, p.layers[0])
			assert.Contains(t, heads, "etc/passwd")
			assert.Contains(t, string(bodies["etc/passwd"]), "nonroot:x:65532:65532")
		})
		t.Run(arch+": carries the binary for its architecture in a reproducible layer", func(t *testing.T) {
			heads, bodies := files(t, p.layers[1])
			var names []string
			for n := range heads {
				names = append(names, n)
			}
			sort.Strings(names)
			assert.Equal(t, []string{"app/", "app/solsec"}, names)
			h := heads["app/solsec"]
			assert.Equal(t, int64(0o555), h.Mode, "executable, writable by no one")
			assert.Equal(t, 65532, h.Uid)
			assert.Equal(t, 65532, h.Gid)
			assert.True(t, h.ModTime.Equal(time.Unix(0, 0)), "fixed mtime, got %s", h.ModTime)
			bin, err := elf.NewFile(bytes.NewReader(bodies["app/solsec"]))
			require.NoError(t, err)
			want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
			assert.Equal(t, want, bin.Machine)
			assert.Nil(t, bin.Section(".interp"), "a static binary has no dynamic loader")
			assert.Nil(t, bin.Section(".symtab"), "built with -s")
		})
		t.Run(arch+": carries an SPDX SBOM of that binary in a marked layer", func(t *testing.T) {
			require.Len(t, p.manifest.Layers, 4, "base, binary, SBOM, analysers")
			assert.Equal(t, "spdx-2.3+json", p.manifest.Layers[2].Annotations[imagebuild.SBOMAnnotation])
			_, bodies := files(t, p.layers[2])
			raw, ok := bodies["var/lib/db/sbom/solsec.spdx.json"]
			require.True(t, ok, "SBOM at %s", imagebuild.SBOMDir)
			var doc imagebuild.SPDX
			require.NoError(t, json.Unmarshal(raw, &doc))
			assert.Equal(t, "SPDX-2.3", doc.SPDXVersion)
			assert.Equal(t, "2026-11-27T09:30:00Z", doc.CreationInfo.Created)
			pkgs := map[string]string{}
			for _, pkg := range doc.Packages {
				pkgs[pkg.Name] = pkg.VersionInfo
			}
			goVersion := strings.TrimSpace(run(t, "go", "env", "GOVERSION"))
			want := map[string]string{"github.com/solsec/platform/services/solsec": "v1.4.0", "stdlib": goVersion}
			for _, dep := range moduleDeps(t, arch) {
				want[dep[0]] = dep[1]
			}
			assert.Equal(t, want, pkgs)
		})
		t.Run(arch+": carries the analysers' directory as a read-only layer, links kept", func(t *testing.T) {
			heads, bodies := files(t, p.layers[3])
			assert.Equal(t, "// solhint\n", string(bodies["opt/analysers/node_modules/solhint.js"]))
			assert.Equal(t, int64(0o444), heads["opt/analysers/node_modules/solhint.js"].Mode)
			link := heads["opt/analysers/node_modules/.bin/solhint"]
			require.NotNil(t, link)
			assert.Equal(t, byte(tar.TypeSymlink), link.Typeflag)
			assert.Equal(t, "../solhint.js", link.Linkname)
		})
	}
}

func TestBaseMustBePinnedByDigest(t *testing.T) {
	_, _, err := imagebuild.PullBase(context.Background(), "gcr.io/distroless/static-debian12:nonroot")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pinned by digest")
}

func TestBuildRejectsIncompleteOptions(t *testing.T) {
	base := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	d, err := name.NewDigest("registry.example/base@sha256:" + strings.Repeat("a", 64))
	require.NoError(t, err)
	good := imagebuild.Options{ModuleDir: ".", Name: "solsec", Base: base, BaseRef: d, Version: "v1", Revision: "abc",
		Created: commitTime, Source: "https://github.com/solsec/platform"}
	cases := []struct {
		name   string
		mutate func(o *imagebuild.Options)
		want   string
	}{
		{"a name that is not a services/ directory", func(o *imagebuild.Options) { o.Name = "../etc" }, "name"},
		{"no base", func(o *imagebuild.Options) { o.Base = nil }, "pinned by digest"},
		{"no revision", func(o *imagebuild.Options) { o.Revision = "" }, "revision"},
		{"no commit time (the build would read the clock)", func(o *imagebuild.Options) { o.Created = time.Time{} }, "creation time"},
		{"a malformed environment variable", func(o *imagebuild.Options) { o.Env = []string{"NOVALUE"} }, "KEY=value"},
	}
	for _, c := range cases {
		t.Run(c.name+" is rejected", func(t *testing.T) {
			o := good
			c.mutate(&o)
			_, err := imagebuild.Build(context.Background(), o)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// moduleDeps lists the modules other than the main module that the
// workload links for linux/arch, as `go list` sees them: what the SBOM
// must name.
func moduleDeps(t *testing.T, arch string) [][2]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", "./services/solsec")
	cmd.Dir = moduleDir(t)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
	out, err := cmd.Output()
	require.NoError(t, err)
	seen := map[string]bool{}
	var deps [][2]string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" || seen[line] {
			continue
		}
		seen[line] = true
		path, version, _ := strings.Cut(line, " ")
		deps = append(deps, [2]string{path, version})
	}
	return deps
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	require.NoError(t, err)
	return string(out)
}
