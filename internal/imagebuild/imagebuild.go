// Package imagebuild builds the platform's workload images without a
// container daemon, the way ko does: it cross-compiles a services/<name>
// main package for linux/amd64 and linux/arm64, puts each binary and an
// SPDX SBOM of it into reproducible layers on a base image pinned by
// digest, sets a non-root config with OCI labels, and joins the images
// into one multi-platform index. The same sources, options and base give
// the same index digest, so Push can skip a workload that has not changed.
// docs/images.md describes the images and how the Pulumi program uses this.
package imagebuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// AppDir is the directory the binary is in and the working directory.
const AppDir = "/app"

// SBOMAnnotation marks the SBOM layer in a manifest; its value is the
// document's format.
const SBOMAnnotation = "dev.solsec.sbom"

// DefaultPlatforms are what the clusters' node groups run.
var DefaultPlatforms = []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}

// Options describe one workload's image.
type Options struct {
	// ModuleDir is the root of the Go module that holds the workload.
	ModuleDir string
	// Name is the workload, services/<Name>; the binary and the image
	// title are named after it.
	Name string
	// Package is the main package to build; "./services/<Name>" if empty.
	Package string

	// Base is the base image index and BaseRef the digest reference it
	// was read from (recorded in the labels and annotations).
	Base    v1.ImageIndex
	BaseRef name.Digest
	// Platforms default to DefaultPlatforms; the base must have each.
	Platforms []v1.Platform

	// Version and Revision are the release and the commit; Created is the
	// commit time, the only time in the image. Source is the repository URL.
	Version  string
	Revision string
	Created  time.Time
	Source   string

	// Env is added to the base image's environment (KEY=value).
	Env []string
	// ExtraDirs become layers of their own, after the binary's.
	ExtraDirs []Dir
	// Go is the go command; "go" if empty.
	Go string
}

var (
	workloadName = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	envVar       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
)

func (o *Options) validate() error {
	switch {
	case !workloadName.MatchString(o.Name):
		return fmt.Errorf("name %q: want a services/<name> directory name", o.Name)
	case o.ModuleDir == "":
		return errors.New("the module directory is required")
	case o.Base == nil || o.BaseRef.DigestStr() == "":
		return errors.New("a base image index pinned by digest is required")
	case o.Version == "" || o.Revision == "" || o.Source == "":
		return errors.New("version, revision and source are required (they label the image)")
	case o.Created.IsZero():
		return errors.New("the creation time (the commit's time) is required: the build does not read the clock")
	}
	for _, e := range o.Env {
		if !envVar.MatchString(e) {
			return fmt.Errorf("env %q: want KEY=value", e)
		}
	}
	return nil
}

// Build builds the workload's multi-platform image index.
func Build(ctx context.Context, o Options) (v1.ImageIndex, error) {
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("image %s: %w", o.Name, err)
	}
	if o.Package == "" {
		o.Package = "./services/" + o.Name
	}
	if o.Go == "" {
		o.Go = "go"
	}
	platforms := o.Platforms
	if len(platforms) == 0 {
		platforms = DefaultPlatforms
	}
	baseManifest, err := o.Base.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("image %s: base index: %w", o.Name, err)
	}
	docker := baseManifest.MediaType == types.DockerManifestList
	tmp, err := os.MkdirTemp("", "imagebuild-"+o.Name+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	// Directory layers are the same for every platform.
	var extra []v1.Layer
	for _, d := range o.ExtraDirs {
		l, err := DirLayer(d, layerType(docker))
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", o.Name, err)
		}
		extra = append(extra, l)
	}

	idx := mutate.IndexMediaType(empty.Index, indexType(docker))
	var adds []mutate.IndexAddendum
	for _, p := range platforms {
		img, err := o.image(ctx, p, baseManifest, tmp, docker, extra)
		if err != nil {
			return nil, fmt.Errorf("image %s for %s: %w", o.Name, p, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
			Platform: &v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant},
		}})
	}
	idx = mutate.AppendManifests(idx, adds...)
	if !docker {
		idx = mutate.Annotations(idx, o.annotations()).(v1.ImageIndex)
	}
	return idx, nil
}

// image builds one platform's image on the base's image for it.
func (o *Options) image(ctx context.Context, p v1.Platform, base *v1.IndexManifest, tmp string, docker bool, extra []v1.Layer) (v1.Image, error) {
	baseImg, err := platformImage(o.Base, base, p)
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(tmp, p.Architecture, o.Name)
	if err := goBuild(ctx, o.Go, o.ModuleDir, o.Package, p.Architecture, bin, map[string]string{
		"main.version": o.Version, "main.revision": o.Revision,
	}); err != nil {
		return nil, err
	}
	binEntry, err := fileEntry(strings.TrimPrefix(path.Join(AppDir, o.Name), "/"), 0o555, bin)
	if err != nil {
		return nil, err
	}
	binLayer, err := layer([]entry{dirEntry(strings.TrimPrefix(AppDir, "/")), binEntry}, layerType(docker))
	if err != nil {
		return nil, err
	}
	sbom, err := sbomFor(bin, o.Name, o.Version, p.Architecture, o.Created)
	if err != nil {
		return nil, err
	}
	sbomLayer, err := layer([]entry{bytesEntry(strings.TrimPrefix(path.Join(SBOMDir, o.Name+".spdx.json"), "/"), 0o444, sbom)}, layerType(docker))
	if err != nil {
		return nil, err
	}
	created := v1.Time{Time: o.Created.UTC()}
	adds := []mutate.Addendum{
		{Layer: binLayer, History: v1.History{Created: created, CreatedBy: fmt.Sprintf("go build -trimpath %s (linux/%s)", o.Package, p.Architecture)}},
		{Layer: sbomLayer, History: v1.History{Created: created, CreatedBy: "SPDX SBOM of " + o.Name, Comment: "SPDX-2.3 JSON from the binary's build information"},
			Annotations: map[string]string{SBOMAnnotation: "spdx-2.3+json"}},
	}
	for i, l := range extra {
		adds = append(adds, mutate.Addendum{Layer: l, History: v1.History{Created: created, CreatedBy: "directory " + o.ExtraDirs[i].Target}})
	}
	if docker {
		// Docker manifests have no layer annotations.
		for i := range adds {
			adds[i].Annotations = nil
		}
	}
	img, err := mutate.Append(baseImg, adds...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Created = created
	cf.Config.User = fmt.Sprintf("%d:%d", NonRoot, NonRoot)
	cf.Config.Entrypoint = []string{path.Join(AppDir, o.Name)}
	cf.Config.Cmd = nil
	cf.Config.WorkingDir = AppDir
	cf.Config.Env = mergeEnv(cf.Config.Env, o.Env)
	if cf.Config.Labels == nil {
		cf.Config.Labels = map[string]string{}
	}
	for k, v := range o.annotations() {
		cf.Config.Labels[k] = v
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	if !docker {
		img = mutate.Annotations(img, o.annotations()).(v1.Image)
	}
	return img, nil
}

// annotations are the OCI annotations of the index and every manifest and
// the labels of every config.
func (o *Options) annotations() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       o.Name,
		"org.opencontainers.image.version":     o.Version,
		"org.opencontainers.image.revision":    o.Revision,
		"org.opencontainers.image.source":      o.Source,
		"org.opencontainers.image.created":     o.Created.UTC().Format(time.RFC3339),
		"org.opencontainers.image.base.name":   o.BaseRef.Context().Name(),
		"org.opencontainers.image.base.digest": o.BaseRef.DigestStr(),
	}
}

// platformImage returns the base index's image for a platform. A platform
// asked for without a variant matches the base's only image of that OS and
// architecture (arm64 images usually say v8).
func platformImage(idx v1.ImageIndex, m *v1.IndexManifest, p v1.Platform) (v1.Image, error) {
	var found []v1.Descriptor
	for _, d := range m.Manifests {
		if d.Platform == nil || d.Platform.OS != p.OS || d.Platform.Architecture != p.Architecture {
			continue
		}
		if p.Variant != "" && d.Platform.Variant != p.Variant {
			continue
		}
		found = append(found, d)
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("the base index has %d images for %s, want exactly 1", len(found), p)
	}
	return idx.Image(found[0].Digest)
}

// mergeEnv appends add to base; a key in add replaces the same key in base.
func mergeEnv(base, add []string) []string {
	keys := map[string]int{}
	out := append([]string(nil), base...)
	for i, kv := range out {
		k, _, _ := strings.Cut(kv, "=")
		keys[k] = i
	}
	for _, kv := range add {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := keys[k]; ok {
			out[i] = kv
			continue
		}
		keys[k] = len(out)
		out = append(out, kv)
	}
	return out
}

func layerType(docker bool) types.MediaType {
	if docker {
		return types.DockerLayer
	}
	return types.OCILayer
}

func indexType(docker bool) types.MediaType {
	if docker {
		return types.DockerManifestList
	}
	return types.OCIImageIndex
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
