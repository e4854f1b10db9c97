package workloads

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-command/sdk/go/command/local"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ImagesArgs configure the image builds of the primary region.
type ImagesArgs struct {
	// SourceHashes maps each workload to imagebuild.Sources' hash of what
	// its image is built from: the builds' trigger.
	SourceHashes map[string]string
	// RepositoryURLs maps each workload to its ECR repository.
	RepositoryURLs pulumi.StringMapInput
	// Username and Password are the registry credentials
	// (ecr.GetAuthorizationToken); they reach the build through its
	// environment only and are kept secret in the state.
	Username, Password pulumi.StringInput
	// ModuleDir is the root of the Go module the builds run in.
	ModuleDir string
}

// Images builds and pushes every workload's image during `pulumi up`.
type Images struct {
	pulumi.ResourceState

	// Refs maps each workload to its pushed image, repository@sha256:….
	Refs pulumi.StringMapOutput `pulumi:"refs"`
}

// NewImages creates one command:local:Command per workload running
// `go run ./cmd/imagebuild` (docs/images.md: why a command resource).
// Its triggers are the source hash and the repository, so an unchanged
// workload is neither rebuilt nor re-rolled (a change of credentials only
// replays the last output, see ReplayBuild), and the engine runs commands
// only in an update, never in a preview. The command's stdout, the CLI's
// JSON line, is parsed into the digest reference.
func NewImages(ctx *pulumi.Context, name string, args *ImagesArgs, opts ...pulumi.ResourceOption) (*Images, error) {
	switch {
	case args == nil || len(args.SourceHashes) == 0:
		return nil, fmt.Errorf("images %s: source hashes are required", name)
	case args.RepositoryURLs == nil || args.Username == nil || args.Password == nil || args.ModuleDir == "":
		return nil, fmt.Errorf("images %s: repositories, registry credentials and the module directory are required", name)
	}
	im := &Images{}
	if err := ctx.RegisterComponentResource("solsec:workloads:Images", name, im, opts...); err != nil {
		return nil, fmt.Errorf("images %s: register component: %w", name, err)
	}
	workloads := make([]string, 0, len(args.SourceHashes))
	for w := range args.SourceHashes {
		workloads = append(workloads, w)
	}
	sort.Strings(workloads)
	refs := pulumi.StringMap{}
	urls := args.RepositoryURLs.ToStringMapOutput()
	env := pulumi.StringMap{
		"SOLSEC_REGISTRY_USERNAME": pulumi.ToSecret(args.Username).(pulumi.StringOutput),
		"SOLSEC_REGISTRY_PASSWORD": pulumi.ToSecret(args.Password).(pulumi.StringOutput),
	}
	for _, w := range workloads {
		url := urls.MapIndex(pulumi.String(w))
		prefix := url.ApplyT(func(u string) (string, error) {
			p, ok := strings.CutSuffix(u, "/"+w)
			if !ok {
				return "", fmt.Errorf("repository %q of %s does not end in /%s", u, w, w)
			}
			return p, nil
		}).(pulumi.StringOutput)
		create, triggers := pulumi.Sprintf("go run ./cmd/imagebuild -repo-prefix %s %s", prefix, w), pulumi.Array{pulumi.String(args.SourceHashes[w]), url}
		if w == analysersWorkload {
			lock, err := analysersLockHash(args.ModuleDir)
			if err != nil {
				return nil, fmt.Errorf("images %s: %w", name, err)
			}
			// npm ci installs exactly the lockfile; the tree becomes a layer
			// of its own on the Node base (docs/images.md).
			create = pulumi.Sprintf("npm ci --prefix %s --omit=dev --ignore-scripts --no-audit --no-fund >&2 && "+
				"go run ./cmd/imagebuild -base %s -extra %s=%s/node_modules:%s/node_modules -repo-prefix %s %s",
				analysersSource, NodeBase, w, analysersSource, AnalysersDir, prefix, w)
			triggers = append(triggers, pulumi.String(lock), pulumi.String(NodeBase))
		}
		cmd, err := local.NewCommand(ctx, name+"-"+w, &local.CommandArgs{
			Create: create,
			// ECR hands out a new token on every run, so the environment
			// differs on every `pulumi up`: that is an update, which only
			// repeats the last build's output. A new build (create) happens
			// on a replacement, when a trigger changes, with a fresh token.
			// (ignoreChanges on the environment would be worse: Pulumi
			// would create the replacement with the old, expired token.)
			Update:                 pulumi.String(ReplayBuild),
			AddPreviousOutputInEnv: pulumi.Bool(true),
			Dir:                    pulumi.String(args.ModuleDir),
			Environment:            env,
			Triggers:               triggers,
			// Progress and errors only; stdout is the result and the
			// credentials are never printed.
			Logging: local.LoggingStderr,
		}, pulumi.Parent(im), pulumi.AdditionalSecretOutputs([]string{"environment"}))
		if err != nil {
			return nil, fmt.Errorf("images %s: %s: %w", name, w, err)
		}
		refs[w] = pulumi.All(cmd.Stdout, url).ApplyT(func(v []any) (string, error) {
			return ParseBuild(w, v[1].(string), v[0].(string))
		}).(pulumi.StringOutput)
	}
	im.Refs = refs.ToStringMapOutput()
	if err := ctx.RegisterResourceOutputs(im, pulumi.Map{"refs": im.Refs}); err != nil {
		return nil, fmt.Errorf("images %s: register outputs: %w", name, err)
	}
	return im, nil
}

// ReplayBuild is the update command of a build: it prints the previous
// build's output (pulumi-command passes it as PULUMI_COMMAND_STDOUT), so
// that refreshed registry credentials leave the digest, and the
// Deployments, as they are.
const ReplayBuild = `printf '%s\n' "$PULUMI_COMMAND_STDOUT"`

// build is the part of cmd/imagebuild's JSON line the program reads.
type build struct {
	Workload   string `json:"workload"`
	SourceHash string `json:"sourceHash"`
	Digest     string `json:"digest"`
	Ref        string `json:"ref"`
}

var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ParseBuild reads the build of one workload from the command's stdout
// strictly: exactly one line, for that workload, with a sha256 digest,
// pushed to that repository. Anything else fails the deployment rather
// than rolling out an image nobody checked.
func ParseBuild(workload, repository, stdout string) (string, error) {
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1 || lines[0] == "" {
		return "", fmt.Errorf("image build of %s: want one JSON line, got %d", workload, len(lines))
	}
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	var b build
	if err := dec.Decode(&b); err != nil {
		return "", fmt.Errorf("image build of %s: %w", workload, err)
	}
	if b.Workload != workload {
		return "", fmt.Errorf("image build of %s: the output is %q's", workload, b.Workload)
	}
	if !digestPattern.MatchString(b.Digest) {
		return "", fmt.Errorf("image build of %s: digest %q is not sha256:<64 hex>", workload, b.Digest)
	}
	want := repository + "@" + b.Digest
	if b.Ref != want {
		return "", fmt.Errorf("image build of %s: pushed %q, want %q", workload, b.Ref, want)
	}
	return want, nil
}

// The tool-integration image carries the external analysers from npm.
const (
	analysersWorkload = "tool-integration"
	// analysersSource holds their package.json and package-lock.json.
	analysersSource = "services/tool-integration/analysers"
	// AnalysersDir is where the image has them.
	AnalysersDir = "/opt/analysers"
	// NodeBase is the tool-integration image's base: distroless Node.js 20,
	// non-root, pinned by digest. The digest is the one several public
	// projects pin; it was not fetched here (no registry access): check it
	// with `crane digest` before the first deployment, as the static base.
	NodeBase = "gcr.io/distroless/nodejs20-debian12:nonroot@sha256:2cd820156cf039c8b54ae2d2a97e424b6729070714de8707a6b79f20d56f6a9a"
)

// analysersLockHash is the SHA-256 of the analysers' lockfile: a new
// Solhint is a new image even when no Go source changed.
func analysersLockHash(moduleDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(moduleDir, filepath.FromSlash(analysersSource), "package-lock.json"))
	if err != nil {
		return "", fmt.Errorf("the analysers' lockfile: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
