// Package registry builds the platform's private container registry in the
// primary region: one ECR repository per workload with immutable tags,
// scanning (enhanced and continuous by default), encryption with a
// customer-managed key of its own, a lifecycle policy and a repository
// policy that lets only this account's node roles pull and only the CI
// deploy role push. When a recovery region is given, the registry
// replicates every repository there, and a repository creation template
// gives the replicas the same guarantees with that region's own key.
// docs/images.md describes how the registry is composed and fed.
package registry

import (
	"errors"
	"fmt"
	"regexp"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/awsaccount"
)

// Replica is the region the registry replicates to (production's
// us-west-2) and that region's AWS provider.
type Replica struct {
	Region   string
	Provider pulumi.ProviderResource
}

// RegistryArgs configures a Registry. Stacks validate config before
// building these; the component still checks what it relies on.
type RegistryArgs struct {
	Environment string
	// Region is the primary region, where images are pushed.
	Region string
	// Workloads names one repository each: the services/<name> directories
	// the caller found. The component does not read services/ itself.
	Workloads []string
	// PullRoleArns are the node roles of this account's clusters (every
	// region that runs workloads): the only principals, besides the push
	// role, that may pull. They must be role ARNs of this account.
	PullRoleArns []pulumi.StringInput
	// PushRoleName is the IAM role that CI deploys with (docs/deploying.md,
	// created once per account): the only principal that may push.
	PushRoleName string
	// UntaggedExpiryDays expires untagged images (interrupted pushes,
	// superseded builds) that many days after their push.
	UntaggedExpiryDays int
	// KeepReleases is how many tagged images each repository keeps.
	KeepReleases int
	// BasicScanningOnly falls back to ECR's basic scan on push, for an
	// account where Amazon Inspector cannot be enabled. The default is
	// enhanced scanning with continuous rescans as new CVEs are published.
	BasicScanningOnly bool
	// Replica is set where the registry replicates (production).
	Replica *Replica
}

// Registry is the platform's container registry.
type Registry struct {
	pulumi.ResourceState

	// RepositoryURLs maps each workload to its repository URL
	// (<account>.dkr.ecr.<region>.amazonaws.com/solsec/<env>/<workload>).
	RepositoryURLs pulumi.StringMapOutput `pulumi:"repositoryUrls"`
	// RepositoryArns maps each workload to its repository ARN.
	RepositoryArns pulumi.StringMapOutput `pulumi:"repositoryArns"`
	// KeyArn is the key the repositories are encrypted with.
	KeyArn pulumi.StringOutput `pulumi:"keyArn"`
	// ReplicaKeyArn is the key of the replicas ("" without a replica).
	ReplicaKeyArn pulumi.StringOutput `pulumi:"replicaKeyArn"`

	// Repositories are the repositories by workload, for components in
	// the same program (dependencies of image pushes).
	Repositories map[string]*ecr.Repository
}

// workloadName is what ECR accepts as one path segment of a repository name.
var workloadName = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

// roleName is an IAM role name (an ARN is not one).
var roleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// RepositoryPrefix is the namespace of an environment's repositories; the
// replication rule, the scanning rules and the replicas' creation template
// select the platform's repositories by it and nothing else.
func RepositoryPrefix(env string) string { return "solsec/" + env }

// RepositoryName is a workload's repository name.
func RepositoryName(env, workload string) string { return RepositoryPrefix(env) + "/" + workload }

// NewRegistry builds the registry. The primary region's AWS provider
// reaches it through pulumi.Provider or pulumi.Providers in opts.
func NewRegistry(ctx *pulumi.Context, name string, args *RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("registry %s: %w", name, err)
	}
	r := &Registry{}
	if err := ctx.RegisterComponentResource("solsec:registry:Registry", name, r, opts...); err != nil {
		return nil, fmt.Errorf("registry %s: register component: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, r: r, parent: pulumi.Parent(r)}
	steps := []func() error{b.lookupAccount, b.policies, b.key, b.repositories, b.scanning, b.replication}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("registry %s: %w", name, err)
		}
	}
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"repositoryUrls": r.RepositoryURLs,
		"repositoryArns": r.RepositoryArns,
		"keyArn":         r.KeyArn,
		"replicaKeyArn":  r.ReplicaKeyArn,
	}); err != nil {
		return nil, fmt.Errorf("registry %s: register outputs: %w", name, err)
	}
	return r, nil
}

func (a *RegistryArgs) validate() error {
	switch {
	case a == nil:
		return errors.New("args are required (environment, region, workloads, pull and push roles, retention)")
	case a.Environment == "" || a.Region == "":
		return errors.New("environment and region are required")
	case len(a.Workloads) == 0:
		return errors.New("workloads: at least one is required (the services/<name> directories)")
	case len(a.PullRoleArns) == 0:
		return errors.New("pullRoleArns: the clusters' node roles are required, or nothing could pull")
	case a.PushRoleName == "":
		return errors.New("pushRoleName: the CI deploy role is required, or nothing could push")
	case a.UntaggedExpiryDays < 1:
		return fmt.Errorf("untaggedExpiryDays %d: want at least 1", a.UntaggedExpiryDays)
	case a.KeepReleases < 2:
		// One release kept would leave nothing to roll back to.
		return fmt.Errorf("keepReleases %d: want at least 2, so that a rollback has an image", a.KeepReleases)
	case a.Replica != nil && (a.Replica.Provider == nil || a.Replica.Region == "" || a.Replica.Region == a.Region):
		return fmt.Errorf("replica region %q: another region than %q and its provider are required", a.Replica.Region, a.Region)
	}
	if !roleName.MatchString(a.PushRoleName) {
		return fmt.Errorf("pushRoleName %q: want an IAM role name, not an ARN", a.PushRoleName)
	}
	seen := map[string]bool{}
	for _, w := range a.Workloads {
		if !workloadName.MatchString(w) {
			return fmt.Errorf("workload %q: want lowercase letters and digits separated by '.', '_' or '-'", w)
		}
		if seen[w] {
			return fmt.Errorf("workload %q is listed twice", w)
		}
		seen[w] = true
	}
	return nil
}

// builder carries the state shared by the steps that build a Registry.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *RegistryArgs
	r      *Registry
	parent pulumi.ResourceOrInvokeOption

	acct awsaccount.Account
	// repositoryPolicy and lifecyclePolicy apply to every repository and,
	// through the creation template, to every replica.
	repositoryPolicy pulumi.StringOutput
	lifecyclePolicy  string
	keyArn           pulumi.StringOutput
	repos            []pulumi.Resource
}

// child names a child resource after the component.
func (b *builder) child(suffix string) string { return b.name + "-" + suffix }

func (b *builder) tags(suffix string) pulumi.StringMap {
	return pulumi.StringMap{"Name": pulumi.String(b.child(suffix))}
}

func (b *builder) lookupAccount() error {
	acct, err := awsaccount.Lookup(b.ctx, b.parent)
	if err != nil {
		return err
	}
	b.acct = acct
	return nil
}

// workloads returns the workloads sorted, so that resource order and
// output maps do not depend on the caller's order.
func (b *builder) workloads() []string {
	w := append([]string(nil), b.args.Workloads...)
	sort.Strings(w)
	return w
}

// repositories creates one repository per workload with its lifecycle and
// repository policies.
func (b *builder) repositories() error {
	urls, arns := pulumi.StringMap{}, pulumi.StringMap{}
	b.r.Repositories = map[string]*ecr.Repository{}
	for _, w := range b.workloads() {
		suffix := "repo-" + w
		repo, err := ecr.NewRepository(b.ctx, b.child(suffix), &ecr.RepositoryArgs{
			Name: pulumi.String(RepositoryName(b.args.Environment, w)),
			// Immutable tags: a tag names one image forever, so a
			// deployment by tag can never be changed under it.
			ImageTagMutability: pulumi.String("IMMUTABLE"),
			// Basic scan on push; the registry's enhanced scanning
			// supersedes it where enabled.
			ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
			EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{&ecr.RepositoryEncryptionConfigurationArgs{
				EncryptionType: pulumi.String("KMS"),
				KmsKey:         b.keyArn,
			}},
			// Deleting a repository that still holds images fails: a
			// release must not vanish with a refactoring of the program.
			ForceDelete: pulumi.Bool(false),
			Tags:        pulumi.StringMap{"Name": pulumi.String(b.child(suffix)), "Workload": pulumi.String(w)},
		}, b.parent)
		if err != nil {
			return fmt.Errorf("repository %s: %w", w, err)
		}
		lp, err := ecr.NewLifecyclePolicy(b.ctx, b.child(suffix), &ecr.LifecyclePolicyArgs{
			Repository: repo.Name,
			Policy:     pulumi.String(b.lifecyclePolicy),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("lifecycle policy of %s: %w", w, err)
		}
		rp, err := ecr.NewRepositoryPolicy(b.ctx, b.child(suffix), &ecr.RepositoryPolicyArgs{
			Repository: repo.Name,
			Policy:     b.repositoryPolicy,
		}, b.parent)
		if err != nil {
			return fmt.Errorf("repository policy of %s: %w", w, err)
		}
		b.r.Repositories[w] = repo
		b.repos = append(b.repos, repo, lp, rp)
		urls[w] = repo.RepositoryUrl
		arns[w] = repo.Arn
	}
	b.r.RepositoryURLs = urls.ToStringMapOutput()
	b.r.RepositoryArns = arns.ToStringMapOutput()
	return nil
}
