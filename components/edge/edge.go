// Package edge builds the platform's front door, following the request flow
// of the architecture document: Route 53 → CloudFront + WAF → ALB (TLS) →
// Istio ingress gateway → services.
//
// Global parts exist once per stack, in us-east-1 because CloudFront only
// takes certificates, web ACLs and log delivery from there: the CloudFront
// distribution, its ACM certificate, its CLOUDFRONT-scoped web ACL, the
// documentation bucket it serves through Origin Access Control, and the
// public api./app./docs. names. Regional parts exist in every deployed
// region: a wildcard ACM certificate, a REGIONAL web ACL, the ALB (an
// Ingress of class alb that the AWS Load Balancer Controller turns into an
// ALB targeting the Istio gateway's pods), its access-log bucket, a Route 53
// health check, and the region's share of the failover records CloudFront
// uses as origins. The hosted zone itself is a separate component (Zone)
// because the cluster's cert-manager needs it long before the edge exists.
//
// See docs/edge.md for the request flow and the decisions.
package edge

import (
	"errors"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/solsec/platform/internal/awsaccount"
)

// Names and numbers other packages, the policies and the tests refer to.
const (
	// GlobalRegion is where CloudFront's certificate, web ACL and log
	// delivery must live.
	GlobalRegion = "us-east-1"
	// IngressClass is the AWS Load Balancer Controller's class.
	IngressClass = "alb"
	// GatewayNamespace, GatewayService and the ports are the Istio ingress
	// gateway's (components/mesh): TLS on 443, Istio's readiness endpoint
	// on the status port.
	GatewayNamespace = "istio-system"
	GatewayService   = "istio-ingressgateway"
	GatewayHTTPSPort = 443
	HealthPort       = 15021
	// HealthPath is answered by the gateway's status port whatever the
	// Host header, so the ALB's target health and Route 53's health check
	// both prove that the region's gateway pods are ready.
	HealthPath = "/healthz/ready"
	// UploadPath is the contract upload API, rate limited more strictly
	// and allowed a larger body than the rest of the API.
	UploadPath = "/v1/analyses"
	// OriginVerifyHeader carries a random secret CloudFront adds to every
	// origin request; the regional web ACL blocks requests without it, so
	// the ALBs cannot be used to bypass CloudFront's WAF.
	OriginVerifyHeader = "x-origin-verify"
	// SSLPolicy is the ALB's TLS policy: TLS 1.3 and 1.2 with forward
	// secrecy only.
	SSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
	// CloudFrontMinimumTLS is the viewer TLS floor.
	CloudFrontMinimumTLS = "TLSv1.2_2021"
	// BodyInspectionLimit is the body size a REGIONAL web ACL inspects
	// (8 KB, fixed for ALBs); it is also the limit the AWS common rule set
	// applies to every body, which the edge applies outside the upload path.
	BodyInspectionLimit = 8 * 1024
	// HealthCheckInterval and HealthCheckFailureThreshold tune failover:
	// three failed 10-second checks take a region out of DNS.
	HealthCheckInterval         = 10
	HealthCheckFailureThreshold = 3
)

// Failover routing roles of Route 53.
const (
	FailoverPrimary   = "PRIMARY"
	FailoverSecondary = "SECONDARY"
)

// PriceClasses are the CloudFront price classes config may choose.
var PriceClasses = []string{"PriceClass_100", "PriceClass_200", "PriceClass_All"}

// elbHostedZones are the Route 53 hosted zones of Application Load
// Balancers per region (the alias target zone of their DNS names), and
// elbLogAccounts the Elastic Load Balancing accounts that write ALB access
// logs in regions opened before August 2022, from the Elastic Load Balancing
// endpoints table and the ALB access-log documentation.
var (
	elbHostedZones = map[string]string{"us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5"}
	elbLogAccounts = map[string]string{"us-east-1": "127311923021", "us-west-2": "797873946194"}
)

// SupportedRegions are the regions whose ALB hosted zone and log-delivery
// account the component knows.
func SupportedRegions() []string {
	var out []string
	for r := range elbHostedZones {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// RegionArgs is one deployed region of the edge.
type RegionArgs struct {
	Name string
	// Primary marks the region whose failover records are PRIMARY; the
	// others are SECONDARY.
	Primary bool
	// Provider is the region's AWS provider and KubernetesProvider its
	// cluster's: the edge spans regions, so each child gets its region's
	// providers explicitly.
	Provider           *aws.Provider
	KubernetesProvider *kubernetes.Provider
	// LogsKeyArn encrypts the region's WAF log group (the data tier's logs
	// key, whose policy lets CloudWatch Logs use it).
	LogsKeyArn pulumi.StringInput
	// Gateway lists what the Ingress must follow: the cluster's add-ons
	// (the Load Balancer Controller) and the mesh's gateway.
	Gateway []pulumi.Resource
}

// EdgeArgs configure an Edge.
type EdgeArgs struct {
	Environment string
	// Domain is the environment's public domain and ZoneID its hosted zone
	// (Zone).
	Domain string
	ZoneID pulumi.StringInput
	// Regions are every deployed region; exactly one is Primary and one of
	// them must be GlobalRegion.
	Regions []RegionArgs
	// RateLimit and UploadRateLimit are requests per client IP per five
	// minutes, everywhere and on UploadPath.
	RateLimit       int
	UploadRateLimit int
	// BlockedCountries are ISO 3166-1 alpha-2 codes whose requests the web
	// ACLs block.
	BlockedCountries []string
	// UploadLimitBytes is the largest contract upload body accepted on
	// UploadPath.
	UploadLimitBytes int64
	// PriceClass is one of PriceClasses.
	PriceClass string
	// LogRetentionDays keeps WAF logs (CloudWatch) and edge access logs (S3).
	LogRetentionDays int
	// Production turns on the ALBs' deletion protection and keeps buckets
	// from being emptied by a destroy.
	Production bool
}

// Edge is the platform's front door.
type Edge struct {
	pulumi.ResourceState

	// DistributionID and DistributionDomain are the CloudFront
	// distribution's; the public names alias to it.
	DistributionID     pulumi.IDOutput     `pulumi:"distributionId"`
	DistributionDomain pulumi.StringOutput `pulumi:"distributionDomain"`
	// Names are the public names (api., app., docs.) and OriginNames the
	// failover names CloudFront sends API and app requests to.
	Names       pulumi.StringArrayOutput `pulumi:"names"`
	OriginNames pulumi.StringArrayOutput `pulumi:"originNames"`
	// AlbDNSNames maps a region to its ALB's DNS name (from the Ingress
	// status) and HealthCheckIDs to its Route 53 health check.
	AlbDNSNames    pulumi.StringMapOutput `pulumi:"albDnsNames"`
	HealthCheckIDs pulumi.StringMapOutput `pulumi:"healthCheckIds"`
	// WebACLArns maps "cloudfront" and each region to its web ACL.
	WebACLArns pulumi.StringMapOutput `pulumi:"webAclArns"`
	// DocsBucket is the bucket CloudFront serves /docs/* from.
	DocsBucket pulumi.StringOutput `pulumi:"docsBucket"`
}

// Public and origin names, relative to the domain.
var (
	publicNames = []string{"api", "app", "docs"}
	// originNames maps a public name served by the cluster to the failover
	// name CloudFront resolves to reach the region that serves it.
	originNames = map[string]string{"api": "api-origin", "app": "app-origin"}
)

// NewEdge builds the edge of a stack: the regional parts of every region in
// args.Regions, then the global parts in GlobalRegion.
func NewEdge(ctx *pulumi.Context, name string, args *EdgeArgs, opts ...pulumi.ResourceOption) (*Edge, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("edge %s: %w", name, err)
	}
	e := &Edge{}
	if err := ctx.RegisterComponentResource("solsec:edge:Edge", name, e, opts...); err != nil {
		return nil, fmt.Errorf("edge %s: register component: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, e: e, regional: map[string]*regional{},
		validationRecords: map[string]pulumi.StringOutput{}}
	for _, r := range args.Regions {
		b.regions = append(b.regions, r)
		if r.Name == GlobalRegion {
			b.global = r
		}
	}
	acct, err := awsaccount.Lookup(ctx, pulumi.Parent(e), pulumi.Provider(b.global.Provider))
	if err != nil {
		return nil, fmt.Errorf("edge %s: %w", name, err)
	}
	b.account = acct
	steps := []func() error{b.originSecret, b.regionalParts, b.cdn, b.dns}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("edge %s: %w", name, err)
		}
	}
	if err := ctx.RegisterResourceOutputs(e, pulumi.Map{
		"distributionId":     e.DistributionID,
		"distributionDomain": e.DistributionDomain,
		"names":              e.Names,
		"originNames":        e.OriginNames,
		"albDnsNames":        e.AlbDNSNames,
		"healthCheckIds":     e.HealthCheckIDs,
		"webAclArns":         e.WebACLArns,
		"docsBucket":         e.DocsBucket,
	}); err != nil {
		return nil, fmt.Errorf("edge %s: register outputs: %w", name, err)
	}
	return e, nil
}

func (a *EdgeArgs) validate() error {
	if a == nil {
		return errors.New("args are required")
	}
	switch {
	case a.Environment == "" || a.Domain == "" || a.ZoneID == nil:
		return errors.New("environment, domain and zone are required")
	case len(a.Regions) == 0:
		return errors.New("at least one region is required")
	case a.RateLimit < 10 || a.UploadRateLimit < 10 || a.UploadRateLimit > a.RateLimit:
		return fmt.Errorf("rate limits %d and %d (uploads): want at least 10 each, uploads no more than the general limit", a.RateLimit, a.UploadRateLimit)
	case a.UploadLimitBytes <= BodyInspectionLimit:
		return fmt.Errorf("upload limit %d bytes: want more than the %d bytes every other request may carry", a.UploadLimitBytes, BodyInspectionLimit)
	case !contains(PriceClasses, a.PriceClass):
		return fmt.Errorf("price class %q: want one of %v", a.PriceClass, PriceClasses)
	case a.LogRetentionDays < 1:
		return fmt.Errorf("log retention %d days: want at least 1", a.LogRetentionDays)
	}
	primaries, global := 0, false
	seen := map[string]bool{}
	for _, r := range a.Regions {
		if _, ok := elbHostedZones[r.Name]; !ok {
			return fmt.Errorf("region %q: the edge supports %v", r.Name, SupportedRegions())
		}
		if seen[r.Name] {
			return fmt.Errorf("region %q is listed twice", r.Name)
		}
		seen[r.Name] = true
		if r.Provider == nil || r.KubernetesProvider == nil || r.LogsKeyArn == nil {
			return fmt.Errorf("region %s: its AWS and Kubernetes providers and logs key are required", r.Name)
		}
		if r.Primary {
			primaries++
		}
		global = global || r.Name == GlobalRegion
	}
	if primaries != 1 {
		return fmt.Errorf("%d primary regions: want exactly one", primaries)
	}
	if !global {
		return fmt.Errorf("no region is %s, where CloudFront's certificate, web ACL and log delivery must live", GlobalRegion)
	}
	return nil
}

// builder carries the state shared by the steps that build an Edge.
type builder struct {
	ctx     *pulumi.Context
	name    string
	args    *EdgeArgs
	e       *Edge
	account awsaccount.Account

	regions []RegionArgs
	global  RegionArgs
	// regional holds what each region built, by region name.
	regional map[string]*regional
	// validationRecords are the ACM validation records by domain name:
	// ACM asks for the same record for a name in every region of an
	// account, so each is created once and shared.
	validationRecords map[string]pulumi.StringOutput
	// originSecretValue is the value of OriginVerifyHeader (a secret).
	originSecretValue pulumi.StringOutput
	// acls are the web ACL ARNs by region, and "cloudfront".
	acls pulumi.StringMap
	// distribution is the CloudFront distribution the public names alias.
	distribution *cloudfront.Distribution
}

// regional is what one region's parts hand to the global ones.
type regional struct {
	albDNS      pulumi.StringOutput
	healthCheck pulumi.IDOutput
	webACLArn   pulumi.StringOutput
	// logsBucket is the region's edge access-log bucket.
	logsBucket *bucket
}

// child names a child resource after the component.
func (b *builder) child(suffix string) string { return b.name + "-" + suffix }

// in returns the options of a child living in a region.
func (b *builder) in(r RegionArgs, more ...pulumi.ResourceOption) []pulumi.ResourceOption {
	return append([]pulumi.ResourceOption{pulumi.Parent(b.e), pulumi.Provider(r.Provider)}, more...)
}

func (b *builder) fqdn(label string) string { return label + "." + b.args.Domain }

func (b *builder) publicFQDNs() []string {
	var out []string
	for _, n := range publicNames {
		out = append(out, b.fqdn(n))
	}
	return out
}

func (b *builder) originFQDNs() []string {
	var out []string
	for _, n := range []string{"api", "app"} {
		out = append(out, b.fqdn(originNames[n]))
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
