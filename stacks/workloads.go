package stacks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/components/data"
	"github.com/solsec/platform/components/registry"
	"github.com/solsec/platform/components/workloads"
	"github.com/solsec/platform/internal/imagebuild"
)

// imageArches are the architectures cmd/imagebuild builds by default (the
// node groups' architectures); the source hash covers both.
var imageArches = []string{"amd64", "arm64"}

// sourceHashes returns each workload's source hash (imagebuild.Sources: a
// few `go list` and `git` calls per workload, no build), the trigger of its
// image build. It is a variable so that the stacks' tests and benchmark,
// which evaluate the program hundreds of times, can stand in hashes of
// their own: reading the sources takes seconds.
var sourceHashes = readSourceHashes

var sourceCache struct {
	sync.Mutex
	hashes map[string]map[string]string
}

// readSourceHashes reads every workload's sources in moduleDir, four at a
// time, once per process (cmd/plan evaluates each stack several times).
func readSourceHashes(moduleDir string, names []string) (map[string]string, error) {
	sourceCache.Lock()
	defer sourceCache.Unlock()
	key := moduleDir + "\x00" + strings.Join(names, ",")
	if h, ok := sourceCache.hashes[key]; ok {
		return h, nil
	}
	out := make(map[string]string, len(names))
	errs := make([]error, len(names))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, w := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			src, err := imagebuild.Sources(context.Background(), "go", moduleDir, "./services/"+w, imageArches)
			if err != nil {
				errs[i] = fmt.Errorf("sources of %s: %w", w, err)
				return
			}
			mu.Lock()
			out[w] = src.Hash
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if sourceCache.hashes == nil {
		sourceCache.hashes = map[string]map[string]string{}
	}
	sourceCache.hashes[key] = out
	return out, nil
}

// moduleRoot is the directory holding go.mod at or above the working
// directory: the project root under `pulumi up`, which runs the program
// there, and also from a package directory under `go test`.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above the working directory: the image builds need the module's sources")
		}
		dir = parent
	}
}

// workloadNames are the deployed services, one repository and image each.
func workloadNames() []string {
	var out []string
	for _, w := range workloads.Catalog() {
		out = append(out, w.Name)
	}
	return out
}

// deployWorkloads is the third pass: the registry in the primary region,
// the image builds, and every region's workloads on its mesh. A secondary
// pulls the same digests from its own region's replicated repositories.
func deployWorkloads(ctx *pulumi.Context, cfg *Config, parts []*regionParts) (pulumi.Map, error) {
	var primary *regionParts
	var pulls []pulumi.StringInput
	for _, p := range parts {
		pulls = append(pulls, p.cluster.NodeRoleArn)
		if p.region.Role == RolePrimary {
			primary = p
		}
	}
	if primary == nil {
		return nil, fmt.Errorf("no primary region among the deployed ones")
	}
	names := workloadNames()
	w := cfg.Workloads
	args := &registry.RegistryArgs{
		Environment: cfg.Environment, Region: primary.region.Name, Workloads: names,
		PullRoleArns: pulls, PushRoleName: w.PushRoleName,
		UntaggedExpiryDays: w.UntaggedExpiryDays, KeepReleases: w.KeepReleases, BasicScanningOnly: w.BasicScanningOnly,
	}
	for _, p := range parts {
		if p.region.Role == RoleSecondary {
			args.Replica = &registry.Replica{Region: p.region.Name, Provider: p.provider}
		}
	}
	reg, err := registry.NewRegistry(ctx, "solsec-"+cfg.Environment+"-registry", args, pulumi.Provider(primary.provider))
	if err != nil {
		return nil, err
	}

	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	hashes, err := sourceHashes(root, names)
	if err != nil {
		return nil, fmt.Errorf("image sources: %w", err)
	}
	token := ecr.GetAuthorizationTokenOutput(ctx, ecr.GetAuthorizationTokenOutputArgs{}, pulumi.Provider(primary.provider))
	images, err := workloads.NewImages(ctx, "solsec-"+cfg.Environment+"-images", &workloads.ImagesArgs{
		SourceHashes: hashes, RepositoryURLs: reg.RepositoryURLs, ModuleDir: root,
		Username: token.UserName(), Password: token.Password(),
	}, pulumi.DependsOn([]pulumi.Resource{reg}))
	if err != nil {
		return nil, err
	}

	// One CSRF key for every region, so that a failover keeps forms
	// valid; it lives in the state, encrypted.
	csrf, err := random.NewRandomPassword(ctx, "solsec-"+cfg.Environment+"-web-csrf-key", &random.RandomPasswordArgs{
		Length: pulumi.Int(48), Special: pulumi.Bool(false),
	})
	if err != nil {
		return nil, fmt.Errorf("CSRF key: %w", err)
	}
	for _, p := range parts {
		refs := images.Refs
		if p != primary {
			refs = inRegion(refs, primary.region.Name, p.region.Name)
		}
		wl, err := deployRegionWorkloads(ctx, cfg, p, primary, refs, csrf.Result)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", p.region.Name, err)
		}
		p.outputs["workloadImages"] = wl.Images
		p.outputs["workloadRoleArns"] = wl.RoleArns
	}
	return pulumi.Map{
		"repositoryUrls": reg.RepositoryURLs,
		"imagesKeyArn":   reg.KeyArn,
		"images":         images.Refs,
	}, nil
}

// inRegion turns image references of the primary's registry into the same
// digests in another region's replicated repositories: ECR replication
// keeps repository names and digests.
func inRegion(refs pulumi.StringMapOutput, from, to string) pulumi.StringMapOutput {
	return refs.ApplyT(func(m map[string]string) (map[string]string, error) {
		out := make(map[string]string, len(m))
		for w, ref := range m {
			old := ".dkr.ecr." + from + ".amazonaws.com/"
			if !strings.Contains(ref, old) {
				return nil, fmt.Errorf("image %s of %s is not in the %s registry", ref, w, from)
			}
			out[w] = strings.Replace(ref, old, ".dkr.ecr."+to+".amazonaws.com/", 1)
		}
		return out, nil
	}).(pulumi.StringMapOutput)
}

// hostOnly drops the ":port" of an RDS endpoint.
func hostOnly(endpoint pulumi.StringOutput) pulumi.StringOutput {
	return endpoint.ApplyT(func(e string) string {
		host, _, _ := strings.Cut(e, ":")
		return host
	}).(pulumi.StringOutput)
}

func deployRegionWorkloads(ctx *pulumi.Context, cfg *Config, p, primary *regionParts, images pulumi.StringMapOutput, csrf pulumi.StringOutput) (*workloads.Workloads, error) {
	key := func(d *data.Data, t string) pulumi.StringOutput { return d.KeyArns.MapIndex(pulumi.String(t)) }
	buckets := p.data.BucketNames
	if p != primary {
		// A secondary has no buckets of its own: the primary's replicas
		// in its region.
		buckets = p.data.ReplicaBucketNames
	}
	readOnly := p != primary && cfg.Workloads.SecondaryMode == SecondaryStandby
	ready := []pulumi.Resource{p.cluster}
	if p.mesh != nil {
		ready = append(ready, p.mesh.Ready...)
	}
	return workloads.NewWorkloads(ctx, ResourceName(cfg.Environment, p.region.Name), &workloads.WorkloadsArgs{
		Environment: cfg.Environment, Region: p.region.Name, ReadOnly: readOnly,
		Images:          images,
		OidcProviderArn: p.cluster.OidcProviderArn, Issuer: p.cluster.OidcIssuerURL,
		Database: workloads.DatabaseArgs{
			Host: hostOnly(p.data.DatabaseEndpoint),
			// RDS keeps the master secret in the primary region only.
			SecretArn: primary.data.MasterSecretArn, SecretRegion: primary.region.Name,
			SecretKeyArn: key(primary.data, data.KeySecrets),
		},
		RedisEndpoint:   p.data.RedisEndpoint,
		RedisSecretName: data.SecretName(cfg.Environment, data.SecretRedisAuth),
		JWTSecretName:   data.SecretName(cfg.Environment, data.SecretJWTSigningKey),
		SecretsKeyArn:   key(p.data, data.KeySecrets),
		ContractsBucket: buckets.MapIndex(pulumi.String(data.BucketContracts)),
		ObjectsKeyArn:   key(p.data, data.KeyObjects),
		FileSystemID:    p.data.FileSystemID, AccessPointID: p.data.AccessPointID,
		CSRFKey:             csrf,
		VpcCidr:             p.region.VpcCidr,
		DataSubnetCidrs:     p.region.PrivateSubnets,
		MonitoringNamespace: "monitoring-" + cfg.Environment,
		Hosts:               []string{"api." + cfg.Domain, "app." + cfg.Domain},
		JWTIssuer:           cfg.Mesh.JWT.Issuer, JWTAudience: cfg.Mesh.JWT.Audiences[0],
	}, pulumi.Providers(p.provider, p.cluster.KubernetesProvider), pulumi.DependsOn(ready))
}
