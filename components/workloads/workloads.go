// Package workloads runs the platform's services on one region's EKS
// cluster: per workload a hardened Deployment on an image pinned by digest,
// its Service, ServiceAccount with a least-privilege IRSA role,
// PodDisruptionBudget, autoscaling, ExternalSecrets, mesh routing and
// authorization, ServiceMonitor and NetworkPolicies; the schema migrations
// as a Job the Deployments wait for. images.go builds and pushes the
// images during `pulumi up`. docs/workloads.md has the caller matrix.
package workloads

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/awsaccount"
)

// Namespaces the workloads run in (created by the cluster component).
const (
	PlatformNamespace = "security-platform"
	ToolsNamespace    = "security-tools"
)

// DatabaseArgs locate PostgreSQL and its credentials.
type DatabaseArgs struct {
	// Host is the endpoint the services connect to (the primary instance,
	// or a secondary's cross-region replica) on port 5432, database
	// "solsec".
	Host pulumi.StringInput
	// SecretArn is the RDS-managed master secret (JSON username and
	// password) in SecretRegion, encrypted with SecretKeyArn.
	SecretArn    pulumi.StringInput
	SecretRegion string
	SecretKeyArn pulumi.StringInput
}

// WorkloadsArgs configure one region's workloads.
type WorkloadsArgs struct {
	Environment string
	Region      string
	// ReadOnly runs the region as a standby on a read replica: the URLs
	// ask for read-only transactions, workers and data-service run no
	// replicas and no migration runs. Failover turns it off.
	ReadOnly bool

	// Images maps every workload of Catalog to its image reference,
	// repository@sha256:<digest>.
	Images pulumi.StringMapInput

	// OidcProviderArn and Issuer (without https://) identify the cluster
	// for the IRSA roles.
	OidcProviderArn pulumi.StringInput
	Issuer          pulumi.StringInput

	Database DatabaseArgs
	// RedisEndpoint is the cluster-mode configuration endpoint (TLS, port
	// 6379); RedisSecretName and JWTSecretName are secrets in this
	// region (replicas in a secondary), encrypted with SecretsKeyArn.
	RedisEndpoint   pulumi.StringInput
	RedisSecretName string
	JWTSecretName   string
	SecretsKeyArn   pulumi.StringInput
	// ContractsBucket holds uploaded sources and tool output, encrypted
	// with ObjectsKeyArn.
	ContractsBucket pulumi.StringInput
	ObjectsKeyArn   pulumi.StringInput
	// FileSystemID and AccessPointID are the EFS analysis workspace.
	FileSystemID  pulumi.StringInput
	AccessPointID pulumi.StringInput
	// CSRFKey is the front ends' shared CSRF key (a secret, at least 32
	// bytes), the same in every region so that a failover keeps forms
	// valid.
	CSRFKey pulumi.StringInput

	// VpcCidr and DataSubnetCidrs (the private subnets holding RDS and
	// Redis) bound the workloads' egress.
	VpcCidr         string
	DataSubnetCidrs []string
	// MonitoringNamespace is where Prometheus runs.
	MonitoringNamespace string
	// Hosts are the gateway's hosts the routes serve (api., app.).
	Hosts []string
	// JWTIssuer and JWTAudience are what the API and notification
	// verify in tokens.
	JWTIssuer, JWTAudience string
}

// Workloads is one region's running platform.
type Workloads struct {
	pulumi.ResourceState

	// RoleArns maps each workload that calls AWS to its IRSA role.
	RoleArns pulumi.StringMapOutput `pulumi:"roleArns"`
	// Images are the image references the Deployments run.
	Images pulumi.StringMapOutput `pulumi:"images"`
}

// NewWorkloads deploys every workload of Catalog. The cluster's Kubernetes
// provider and the region's AWS provider reach it through
// pulumi.Providers; pass the mesh's Ready resources with pulumi.DependsOn.
func NewWorkloads(ctx *pulumi.Context, name string, args *WorkloadsArgs, opts ...pulumi.ResourceOption) (*Workloads, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("workloads %s: %w", name, err)
	}
	w := &Workloads{}
	if err := ctx.RegisterComponentResource("solsec:workloads:Workloads", name, w, opts...); err != nil {
		return nil, fmt.Errorf("workloads %s: register component: %w", name, err)
	}
	acct, err := awsaccount.Lookup(ctx, pulumi.Parent(w))
	if err != nil {
		return nil, fmt.Errorf("workloads %s: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, w: w, parent: pulumi.Parent(w), acct: acct, roles: pulumi.StringMap{}}
	steps := []func() error{b.sharedSecrets, b.workspace, b.deployAll, b.routes}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("workloads %s: %w", name, err)
		}
	}
	w.RoleArns = b.roles.ToStringMapOutput()
	w.Images = args.Images.ToStringMapOutput()
	if err := ctx.RegisterResourceOutputs(w, pulumi.Map{"roleArns": w.RoleArns, "images": w.Images}); err != nil {
		return nil, fmt.Errorf("workloads %s: register outputs: %w", name, err)
	}
	return w, nil
}

func (a *WorkloadsArgs) validate() error {
	switch {
	case a == nil:
		return errors.New("args are required")
	case a.Environment == "" || a.Region == "":
		return errors.New("environment and region are required")
	case a.Images == nil:
		return errors.New("images are required: every workload runs an image pinned by digest")
	case a.OidcProviderArn == nil || a.Issuer == nil:
		return errors.New("the cluster's OIDC provider and issuer are required (IRSA)")
	case a.Database.Host == nil || a.Database.SecretArn == nil || a.Database.SecretRegion == "" || a.Database.SecretKeyArn == nil:
		return errors.New("the database host, its master secret, that secret's region and key are required")
	case a.RedisEndpoint == nil || a.RedisSecretName == "" || a.JWTSecretName == "" || a.SecretsKeyArn == nil:
		return errors.New("the Redis endpoint, the Redis and JWT secret names and the secrets key are required")
	case a.ContractsBucket == nil || a.ObjectsKeyArn == nil:
		return errors.New("the contracts bucket and the objects key are required")
	case a.FileSystemID == nil || a.AccessPointID == nil:
		return errors.New("the EFS workspace (file system and access point) is required")
	case a.CSRFKey == nil:
		return errors.New("the front ends' CSRF key is required")
	case a.MonitoringNamespace == "" || len(a.Hosts) == 0 || a.JWTIssuer == "" || a.JWTAudience == "":
		return errors.New("the monitoring namespace, the gateway hosts and the JWT issuer and audience are required")
	}
	if _, err := netip.ParsePrefix(a.VpcCidr); err != nil {
		return fmt.Errorf("VPC CIDR %q: %w", a.VpcCidr, err)
	}
	if len(a.DataSubnetCidrs) == 0 {
		return errors.New("the data subnets' CIDRs are required (egress to RDS and Redis)")
	}
	for _, c := range a.DataSubnetCidrs {
		if _, err := netip.ParsePrefix(c); err != nil {
			return fmt.Errorf("data subnet CIDR %q: %w", c, err)
		}
	}
	return nil
}

// builder carries the state shared by the steps that build Workloads.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *WorkloadsArgs
	w      *Workloads
	parent pulumi.ResourceOrInvokeOption
	acct   awsaccount.Account

	roles pulumi.StringMap
	// migrate is the migrations Job every Deployment waits for (nil in a
	// read-only region).
	migrate pulumi.Resource
	// csrf is the front ends' Secret; workspaceClaim the EFS claim.
	csrf           pulumi.Resource
	workspaceClaim string
}

func (b *builder) child(suffix string) string { return b.name + "-" + suffix }

// image is a workload's image reference.
func (b *builder) image(workload string) pulumi.StringOutput {
	return b.args.Images.ToStringMapOutput().MapIndex(pulumi.String(workload))
}

// namespace of a workload.
func namespace(w Workload) string {
	if w.Tools {
		return ToolsNamespace
	}
	return PlatformNamespace
}

// deployAll deploys every workload of the catalog: first every identity
// (the migrations Job runs as data-service), then the migrations, then the
// Deployments, which wait for them.
func (b *builder) deployAll() error {
	deps := map[string][]pulumi.Resource{}
	for _, w := range Catalog() {
		d, err := b.identity(w)
		if err != nil {
			return fmt.Errorf("%s: %w", w.Name, err)
		}
		deps[w.Name] = d
	}
	if err := b.migrations(deps[MigrationsWorkload]); err != nil {
		return err
	}
	for _, w := range Catalog() {
		if err := b.deploy(w, deps[w.Name]); err != nil {
			return fmt.Errorf("%s: %w", w.Name, err)
		}
	}
	return nil
}
