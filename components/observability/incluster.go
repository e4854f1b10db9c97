package observability

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/iampolicy"
)

// InClusterArgs configure what runs in the cluster, in the monitoring
// namespace Cluster created.
type InClusterArgs struct {
	// Namespace is monitoring-<env>.
	Namespace string
	// StorageClass backs every volume (Cluster's gp3-encrypted) and
	// SecretStore is Cluster's ClusterSecretStore for Secrets Manager.
	StorageClass string
	SecretStore  string
	// OidcProviderArn and Issuer (Cluster's OidcIssuerURL; the https://
	// scheme is optional) identify the cluster for Alertmanager's IRSA
	// role (it publishes to the alert topic).
	OidcProviderArn pulumi.StringInput
	Issuer          pulumi.StringInput

	// PrometheusRetentionDays and PrometheusStorageGB size each Prometheus
	// replica's volume; GrafanaStorageGB Grafana's.
	PrometheusRetentionDays int
	PrometheusStorageGB     int
	GrafanaStorageGB        int

	// FederationTargets (primary only) are host:port addresses of the
	// other regions' federation endpoints (their FederationEndpoint).
	FederationTargets []pulumi.StringInput
	// FederationSourceCidrs (secondary only) may reach this region's
	// federation endpoint: the primary region's VPC range.
	FederationSourceCidrs []string

	Jaeger JaegerArgs
}

// JaegerArgs size Jaeger's storage, an Amazon OpenSearch Service domain in
// the region's private subnets.
type JaegerArgs struct {
	VpcID pulumi.StringInput
	// SubnetIDs are private subnets, one per AZ (three).
	SubnetIDs []pulumi.StringInput
	// ClientSecurityGroupID is the group pods use (the node group); only
	// it may reach the domain.
	ClientSecurityGroupID pulumi.StringInput
	// InstanceType and InstanceCount (a multiple of the subnet count) size
	// the data nodes; DedicatedMasters adds three master nodes.
	InstanceType     string
	InstanceCount    int
	DedicatedMasters bool
	VolumeGB         int
	// RetentionDays of traces; older daily indices are deleted.
	RetentionDays int
}

func (a *InClusterArgs) validate(primary bool) error {
	j := a.Jaeger
	switch {
	case a.Namespace == "" || a.StorageClass == "" || a.SecretStore == "":
		return errors.New("inCluster: namespace, storageClass and secretStore are required")
	case a.OidcProviderArn == nil || a.Issuer == nil:
		return errors.New("inCluster: the cluster's OIDC provider and issuer are required (Alertmanager IRSA)")
	case a.PrometheusRetentionDays <= 0 || a.PrometheusStorageGB <= 0 || a.GrafanaStorageGB <= 0:
		return fmt.Errorf("inCluster: Prometheus retention %d d, storage %d GB and Grafana storage %d GB must be positive",
			a.PrometheusRetentionDays, a.PrometheusStorageGB, a.GrafanaStorageGB)
	case !primary && len(a.FederationTargets) > 0:
		return errors.New("inCluster: only the primary region federates other regions")
	case primary && len(a.FederationSourceCidrs) > 0:
		return errors.New("inCluster: the primary region's Prometheus is not federated by another region")
	case j.VpcID == nil || j.ClientSecurityGroupID == nil || len(j.SubnetIDs) == 0:
		return errors.New("jaeger: the VPC, private subnets and client security group are required")
	case j.InstanceType == "" || j.InstanceCount <= 0 || j.InstanceCount%len(j.SubnetIDs) != 0:
		return fmt.Errorf("jaeger: instanceType %q and instanceCount %d (a multiple of the %d subnets) are required",
			j.InstanceType, j.InstanceCount, len(j.SubnetIDs))
	case j.VolumeGB <= 0 || j.RetentionDays <= 0:
		return fmt.Errorf("jaeger: volumeGb %d and retentionDays %d must be positive", j.VolumeGB, j.RetentionDays)
	}
	return nil
}

// Endpoints are in-cluster addresses of the observability stack, for the
// Mesh (telemetry and Kiali) and for workloads.
type Endpoints struct {
	// TracingHost and TracingPort receive OTLP over gRPC (the Jaeger
	// collector).
	TracingHost string
	TracingPort int
	// TracingQueryURL is Jaeger query's gRPC API, PrometheusURL and
	// GrafanaURL the in-cluster HTTP URLs.
	TracingQueryURL string
	PrometheusURL   string
	GrafanaURL      string
	// FederationEndpoint is host:port of this region's federation load
	// balancer (secondary regions only; empty otherwise).
	FederationEndpoint pulumi.StringOutput
}

// Chart is a pinned Helm chart.
type Chart struct {
	Name, Repo, Version string
}

// Charts are the in-cluster observability releases, pinned. Bump them
// deliberately, after reading the chart's upgrade notes (kube-prometheus-
// stack upgrades may need its CRDs applied first).
var Charts = map[string]Chart{
	"kube-prometheus-stack": {"kube-prometheus-stack", "https://prometheus-community.github.io/helm-charts", "75.15.1"},
	"jaeger":                {"jaeger", "https://jaegertracing.github.io/helm-charts", "3.4.1"},
}

// Service names the releases create (their fullnameOverride values).
const (
	prometheusFullname = "monitoring"
	grafanaFullname    = "grafana"
	jaegerRelease      = "jaeger"
)

// Secret names: in Secrets Manager (under the stack's solsec/<env>/ path
// External Secrets may read) and the Kubernetes Secrets made from them.
const (
	grafanaAdminSecret   = "grafana-admin"
	opensearchUserSecret = "jaeger-opensearch"
	opensearchUser       = "jaeger"
)

func (b *builder) endpoints() Endpoints {
	ns := b.args.InCluster.Namespace
	return Endpoints{
		TracingHost:     fmt.Sprintf("%s-collector.%s.svc.cluster.local", jaegerRelease, ns),
		TracingPort:     4317,
		TracingQueryURL: fmt.Sprintf("http://%s-query.%s.svc.cluster.local:16685", jaegerRelease, ns),
		PrometheusURL:   fmt.Sprintf("http://%s-prometheus.%s.svc.cluster.local:9090", prometheusFullname, ns),
		GrafanaURL:      fmt.Sprintf("http://%s.%s.svc.cluster.local", grafanaFullname, ns),
	}
}

// inCluster builds the in-cluster stack: credentials first (Secrets
// Manager, then External Secrets), then Jaeger's storage and Jaeger, then
// kube-prometheus-stack with its rules, monitors and dashboards.
func (b *builder) inCluster() error {
	b.o.Endpoints = b.endpoints()
	b.o.Endpoints.FederationEndpoint = pulumi.String("").ToStringOutput()
	key, err := b.key("secrets", "Observability credentials of "+b.name, iampolicy.New(b.accountAdministers()))
	if err != nil {
		return err
	}
	b.secretsKey = key.Arn
	for _, step := range []func() error{b.jaeger, b.prometheusStack, b.monitors, b.alertRules, b.dashboards, b.federationEndpoint} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// generatedCredential creates a random password, stores it with a user
// name in Secrets Manager (encrypted with the component's secrets key),
// and has External Secrets copy it into a Kubernetes Secret with keys
// userKey and passwordKey. The password only ever exists in Pulumi's
// encrypted state, Secrets Manager and the Kubernetes Secret.
func (b *builder) generatedCredential(suffix, user, k8sName, userKey, passwordKey string) (*random.RandomPassword, pulumi.Resource, error) {
	pw, err := random.NewRandomPassword(b.ctx, b.child(suffix), &random.RandomPasswordArgs{
		Length: pulumi.Int(32), MinUpper: pulumi.Int(1), MinLower: pulumi.Int(1), MinNumeric: pulumi.Int(1),
		MinSpecial: pulumi.Int(1), OverrideSpecial: pulumi.String("-_=+#%"),
	}, b.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("%s password: %w", suffix, err)
	}
	path := fmt.Sprintf("solsec/%s/observability/%s", b.args.Environment, k8sName)
	secret, err := secretsmanager.NewSecret(b.ctx, b.child(suffix), &secretsmanager.SecretArgs{
		Name:                 pulumi.String(path),
		Description:          pulumi.Sprintf("%s credentials (generated; read by External Secrets)", k8sName),
		KmsKeyId:             b.secretsKey,
		RecoveryWindowInDays: pulumi.Int(7),
		Tags:                 b.tags(suffix),
	}, b.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("%s secret: %w", suffix, err)
	}
	value := pulumi.ToSecret(pulumi.JSONMarshal(pulumi.Map{
		userKey: pulumi.String(user), passwordKey: pw.Result,
	})).(pulumi.StringOutput)
	version, err := secretsmanager.NewSecretVersion(b.ctx, b.child(suffix), &secretsmanager.SecretVersionArgs{
		SecretId: secret.ID(), SecretString: value,
	}, b.parent)
	if err != nil {
		return nil, nil, fmt.Errorf("%s secret version: %w", suffix, err)
	}
	ext, err := apiextensions.NewCustomResource(b.ctx, b.child(suffix+"-external"), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("external-secrets.io/v1beta1"),
		Kind:       pulumi.String("ExternalSecret"),
		Metadata:   metav1.ObjectMetaArgs{Name: pulumi.String(k8sName), Namespace: pulumi.String(b.args.InCluster.Namespace)},
		OtherFields: map[string]any{"spec": pulumi.Map{
			"refreshInterval": pulumi.String("1h"),
			"secretStoreRef":  pulumi.Map{"kind": pulumi.String("ClusterSecretStore"), "name": pulumi.String(b.args.InCluster.SecretStore)},
			"target":          pulumi.Map{"name": pulumi.String(k8sName), "creationPolicy": pulumi.String("Owner")},
			"dataFrom":        pulumi.Array{pulumi.Map{"extract": pulumi.Map{"key": pulumi.String(path)}}},
		}},
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{version}))
	if err != nil {
		return nil, nil, fmt.Errorf("%s external secret: %w", suffix, err)
	}
	return pw, ext, nil
}

// release installs one pinned chart into the monitoring namespace.
func (b *builder) release(key string, values pulumi.Map, deps ...pulumi.Resource) (*helmv3.Release, error) {
	chart, ok := Charts[key]
	if !ok {
		return nil, fmt.Errorf("no pinned chart %q", key)
	}
	r, err := helmv3.NewRelease(b.ctx, b.child(key), &helmv3.ReleaseArgs{
		Name:            pulumi.String(key),
		Chart:           pulumi.String(chart.Name),
		Version:         pulumi.String(chart.Version),
		RepositoryOpts:  helmv3.RepositoryOptsArgs{Repo: pulumi.String(chart.Repo)},
		Namespace:       pulumi.String(b.args.InCluster.Namespace),
		CreateNamespace: pulumi.Bool(false),
		Atomic:          pulumi.Bool(true),
		CleanupOnFail:   pulumi.Bool(true),
		Timeout:         pulumi.Int(900),
		Values:          values,
	}, b.parent, pulumi.DependsOn(deps))
	if err != nil {
		return nil, fmt.Errorf("helm release %s: %w", key, err)
	}
	return r, nil
}
