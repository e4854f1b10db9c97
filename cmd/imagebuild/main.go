// Command imagebuild builds the platform's workload images without a
// container daemon and, given a repository prefix, pushes them: for each
// workload named on the command line (a services/<name> directory) it reads
// the workload's sources and last commit, builds the multi-platform image
// on a base pinned by digest, and pushes it to <prefix>/<workload> unless
// the registry already has that digest. It prints one JSON object per
// workload: source hash, revision, digest reference and what the push did.
// With -sources-only it prints the source hashes and builds nothing, which
// is what a preview needs. docs/images.md describes the images.
//
//	imagebuild -repo-prefix 123456789012.dkr.ecr.us-east-1.amazonaws.com/solsec/production solsec api-service
//
// Registry credentials come from SOLSEC_REGISTRY_USERNAME and
// SOLSEC_REGISTRY_PASSWORD (for ECR: AWS and `aws ecr get-login-password`)
// or else from the Docker configuration's credential helpers.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/solsec/platform/internal/imagebuild"
)

// DefaultBase is gcr.io/distroless/static-debian12:nonroot pinned by the
// digest that many public repositories pin it by (found with a code search
// of public Dockerfiles, not fetched from the registry here, which this
// build machine cannot reach). Refresh it with
// `crane digest gcr.io/distroless/static-debian12:nonroot` and review the
// change like any dependency bump; docs/images.md says why this base.
const DefaultBase = "gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// result is what the command prints for each workload.
type result struct {
	Workload   string `json:"workload"`
	SourceHash string `json:"sourceHash"`
	Revision   string `json:"revision"`
	Dirty      bool   `json:"dirty"`
	Digest     string `json:"digest,omitempty"`
	Ref        string `json:"ref,omitempty"`
	Tag        string `json:"tag,omitempty"`
	Pushed     bool   `json:"pushed"`
	Tagged     bool   `json:"tagged"`
}

// extraDirs is the repeatable -extra workload=source:/target flag.
type extraDirs map[string][]imagebuild.Dir

func (e extraDirs) String() string { return "" }

func (e extraDirs) Set(v string) error {
	w, dir, ok := strings.Cut(v, "=")
	src, target, ok2 := strings.Cut(dir, ":")
	if !ok || !ok2 || w == "" || src == "" || !strings.HasPrefix(target, "/") {
		return fmt.Errorf("%q: want workload=source-dir:/target-dir", v)
	}
	e[w] = append(e[w], imagebuild.Dir{Source: src, Target: target})
	return nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("imagebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	module := fs.String("module", ".", "root of the Go module holding services/<workload>")
	base := fs.String("base", DefaultBase, "base image index, pinned by digest")
	prefix := fs.String("repo-prefix", "", "push to <prefix>/<workload>; without it the images are only built")
	platforms := fs.String("platforms", "linux/amd64,linux/arm64", "platforms of the index")
	source := fs.String("source", "https://github.com/solsec/platform", "repository URL for the source label")
	sourcesOnly := fs.Bool("sources-only", false, "print the source hashes and revisions, build nothing")
	allowDirty := fs.Bool("allow-dirty", false, "build sources that differ from their last commit (never for a release)")
	extra := extraDirs{}
	fs.Var(extra, "extra", "workload=source-dir:/target-dir: add a directory as a layer (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: imagebuild [flags] workload...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	workloads := fs.Args()
	if len(workloads) == 0 {
		fs.Usage()
		return 2
	}
	plats, err := parsePlatforms(*platforms)
	if err != nil {
		fmt.Fprintln(stderr, "imagebuild:", err)
		return 2
	}
	var arches []string
	for _, p := range plats {
		arches = append(arches, p.Architecture)
	}
	var repoPrefix name.Repository
	if *prefix != "" {
		if repoPrefix, err = name.NewRepository(*prefix); err != nil {
			fmt.Fprintln(stderr, "imagebuild: -repo-prefix:", err)
			return 2
		}
	}
	root, err := filepath.Abs(*module)
	if err != nil {
		fmt.Fprintln(stderr, "imagebuild:", err)
		return 2
	}

	enc := json.NewEncoder(stdout)
	var baseRef name.Digest
	var baseIdx v1.ImageIndex
	for _, w := range workloads {
		src, err := imagebuild.Sources(ctx, "go", root, "./services/"+w, arches)
		if err != nil {
			fmt.Fprintf(stderr, "imagebuild: %s: %v\n", w, err)
			return 1
		}
		res := result{Workload: w, SourceHash: src.Hash, Revision: src.Revision, Dirty: src.Dirty}
		if *sourcesOnly {
			_ = enc.Encode(res)
			continue
		}
		if src.Dirty && !*allowDirty {
			fmt.Fprintf(stderr, "imagebuild: %s: sources differ from their last commit %s; commit them or pass -allow-dirty\n", w, src.Revision)
			return 1
		}
		if baseIdx == nil {
			if baseRef, baseIdx, err = imagebuild.PullBase(ctx, *base, remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
				fmt.Fprintln(stderr, "imagebuild:", err)
				return 1
			}
		}
		version := pseudoVersion(src)
		idx, err := imagebuild.Build(ctx, imagebuild.Options{
			ModuleDir: root, Name: w, Base: baseIdx, BaseRef: baseRef, Platforms: plats,
			Version: version, Revision: src.Revision, Created: src.Created, Source: *source,
			ExtraDirs: extra[w],
		})
		if err != nil {
			fmt.Fprintln(stderr, "imagebuild:", err)
			return 1
		}
		d, err := idx.Digest()
		if err != nil {
			fmt.Fprintln(stderr, "imagebuild:", err)
			return 1
		}
		res.Digest = d.String()
		if *prefix != "" {
			repo := repoPrefix.Registry.Repo(repoPrefix.RepositoryStr(), w)
			// The tag names the release and the exact image, so that a
			// rebuild on a new base under the same revision gets a tag of
			// its own instead of colliding with an immutable one.
			res.Tag = version + "-" + d.Hex[:12]
			pushed, err := imagebuild.Push(ctx, idx, repo, res.Tag, credentials(getenv, repo))
			if err != nil {
				fmt.Fprintln(stderr, "imagebuild:", err)
				return 1
			}
			res.Ref, res.Pushed, res.Tagged = pushed.Ref.String(), pushed.Pushed, pushed.Tagged
		}
		_ = enc.Encode(res)
	}
	return 0
}

// pseudoVersion names a build of an untagged revision the way Go names
// pseudo-versions: v0.0.0-<commit time>-<12 hex of the revision>.
func pseudoVersion(s imagebuild.Source) string {
	rev := s.Revision
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return "v0.0.0-" + s.Created.UTC().Format("20060102150405") + "-" + rev
}

func parsePlatforms(s string) ([]v1.Platform, error) {
	var out []v1.Platform
	for _, p := range strings.Split(s, ",") {
		pl, err := v1.ParsePlatform(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("-platforms %q: %w", s, err)
		}
		if pl.OS != "linux" {
			return nil, fmt.Errorf("-platforms: %s: the clusters run linux only", p)
		}
		out = append(out, *pl)
	}
	if len(out) == 0 {
		return nil, errors.New("-platforms: at least one is required")
	}
	return out, nil
}

// credentials are the environment's registry credentials if set, else
// whatever the Docker configuration resolves for the registry.
func credentials(getenv func(string) string, repo name.Repository) authn.Authenticator {
	if u, p := getenv("SOLSEC_REGISTRY_USERNAME"), getenv("SOLSEC_REGISTRY_PASSWORD"); u != "" && p != "" {
		return &authn.Basic{Username: u, Password: p}
	}
	a, err := authn.DefaultKeychain.Resolve(repo.Registry)
	if err != nil {
		return authn.Anonymous
	}
	return a
}
