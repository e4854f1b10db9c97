package imagebuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Source is what a workload's image is built from, read without building
// it: cheap enough for every `pulumi preview`.
type Source struct {
	// Hash covers the content of every file of the main module that the
	// package compiles for any of the platforms, the version of every
	// dependency module it links, and the Go toolchain. The same hash means
	// the same binaries, so a Pulumi input keyed on it changes exactly when
	// the image would.
	Hash string
	// Revision and Created are the last commit that touched those files,
	// go.mod or go.sum, and its time: the image's labels. A commit
	// elsewhere in the repository leaves them, and so the digest, alone.
	Revision string
	Created  time.Time
	// Dirty is true when some of those files differ from that commit:
	// the revision label would not describe the image.
	Dirty bool
	// Files are the module-relative paths the hash covers, sorted.
	Files []string
}

// listedPackage is the part of `go list -json` Sources reads.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	CgoFiles   []string
	EmbedFiles []string
	Module     *struct {
		Path    string
		Version string
		Main    bool
		Replace *struct {
			Path    string
			Version string
		}
	}
}

// Sources reads the source of a main package (relative to moduleDir,
// "./services/solsec") for the platforms' architectures.
func Sources(ctx context.Context, goBin, moduleDir, pkg string, arches []string) (Source, error) {
	if goBin == "" {
		goBin = "go"
	}
	root, err := filepath.Abs(moduleDir)
	if err != nil {
		return Source{}, err
	}
	files := map[string]bool{}
	deps := map[string]bool{}
	for _, arch := range arches {
		cmd := exec.CommandContext(ctx, goBin, "list", "-deps", "-json", "-mod=readonly", pkg)
		cmd.Dir = root
		cmd.Env = append(filteredEnv(os.Environ()), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return Source{}, fmt.Errorf("go list %s for linux/%s: %w: %s", pkg, arch, err, strings.TrimSpace(stderr.String()))
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			var p listedPackage
			if err := dec.Decode(&p); err == io.EOF {
				break
			} else if err != nil {
				return Source{}, fmt.Errorf("go list %s: %w", pkg, err)
			}
			switch {
			case p.Standard || p.Module == nil:
			case p.Module.Main:
				for _, f := range append(append(append([]string(nil), p.GoFiles...), p.CgoFiles...), p.EmbedFiles...) {
					rel, err := filepath.Rel(root, filepath.Join(p.Dir, f))
					if err != nil {
						return Source{}, err
					}
					files[filepath.ToSlash(rel)] = true
				}
			case p.Module.Replace != nil:
				deps[p.Module.Path+" => "+p.Module.Replace.Path+"@"+p.Module.Replace.Version] = true
			default:
				deps[p.Module.Path+"@"+p.Module.Version] = true
			}
		}
	}
	src := Source{Files: sortedSet(files)}
	h := sha256.New()
	goVersion, err := output(ctx, root, goBin, "env", "GOVERSION")
	if err != nil {
		return Source{}, err
	}
	fmt.Fprintf(h, "go %s\narches %s\n", goVersion, strings.Join(arches, ","))
	for _, d := range sortedSet(deps) {
		fmt.Fprintf(h, "module %s\n", d)
	}
	for _, f := range src.Files {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			return Source{}, err
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(h, "file %s %x\n", f, sum)
	}
	src.Hash = "sha256:" + hex.EncodeToString(h.Sum(nil))

	paths := append([]string{"go.mod", "go.sum"}, src.Files...)
	log, err := output(ctx, root, "git", append([]string{"log", "-1", "--format=%H %ct", "--"}, paths...)...)
	if err != nil {
		return Source{}, err
	}
	rev, ts, ok := strings.Cut(log, " ")
	secs, perr := strconv.ParseInt(ts, 10, 64)
	if !ok || perr != nil {
		return Source{}, fmt.Errorf("no commit has %s's sources (git log says %q)", pkg, log)
	}
	src.Revision, src.Created = rev, time.Unix(secs, 0).UTC()
	status, err := output(ctx, root, "git", append([]string{"status", "--porcelain", "--"}, paths...)...)
	if err != nil {
		return Source{}, err
	}
	src.Dirty = status != ""
	return src, nil
}

func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
