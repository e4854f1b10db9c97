package edge

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Load Balancer Controller annotations the edge sets (and the policies and
// tests read).
const (
	annotationPrefix    = "alb.ingress.kubernetes.io/"
	AnnotationScheme    = annotationPrefix + "scheme"
	AnnotationTarget    = annotationPrefix + "target-type"
	AnnotationCert      = annotationPrefix + "certificate-arn"
	AnnotationSSLPolicy = annotationPrefix + "ssl-policy"
	AnnotationListen    = annotationPrefix + "listen-ports"
	AnnotationRedirect  = annotationPrefix + "ssl-redirect"
	AnnotationWAF       = annotationPrefix + "wafv2-acl-arn"
	AnnotationLBAttrs   = annotationPrefix + "load-balancer-attributes"
	AnnotationGroup     = annotationPrefix + "group.name"
	AnnotationBackend   = annotationPrefix + "backend-protocol"
)

// originSecret is the random value of OriginVerifyHeader, shared by the
// distribution (which sends it) and the regional web ACLs (which require
// it). Changing it needs both updated in one deployment, which Pulumi does.
func (b *builder) originSecret() error {
	secret, err := random.NewRandomPassword(b.ctx, b.child("origin-verify"), &random.RandomPasswordArgs{
		Length:  pulumi.Int(48),
		Special: pulumi.Bool(false),
	}, pulumi.Parent(b.e))
	if err != nil {
		return fmt.Errorf("origin secret: %w", err)
	}
	b.originSecretValue = pulumi.ToSecret(secret.Result).(pulumi.StringOutput)
	return nil
}

// regionalParts builds every region's certificate, web ACL, access-log
// bucket, ALB and health check.
func (b *builder) regionalParts() error {
	albs, checks, acls := pulumi.StringMap{}, pulumi.StringMap{}, pulumi.StringMap{}
	for _, r := range b.regions {
		reg, err := b.region(r)
		if err != nil {
			return fmt.Errorf("region %s: %w", r.Name, err)
		}
		b.regional[r.Name] = reg
		albs[r.Name] = reg.albDNS
		checks[r.Name] = reg.healthCheck.ToStringOutput()
		acls[r.Name] = reg.webACLArn
	}
	b.e.AlbDNSNames = albs.ToStringMapOutput()
	b.e.HealthCheckIDs = checks.ToStringMapOutput()
	b.acls = acls
	return nil
}

func (b *builder) region(r RegionArgs) (*regional, error) {
	logs, err := b.logsBucket(r)
	if err != nil {
		return nil, err
	}
	// A wildcard rather than a list of names: the ALB answers for the
	// public names (CloudFront forwards the viewer's Host) and for the
	// origin names, and new services get names without a certificate
	// change. It is acceptable because the key never leaves ACM (it cannot
	// be exported, so it cannot leak from a pod or a laptop), it is
	// attached only to this environment's ALBs, it covers one label of
	// this environment's own zone only (*.staging.solsec.io never matches
	// a production name), and ACM renews it unattended.
	certArn, err := b.certificate(r, r.Name+"-cert", []string{"*." + b.args.Domain})
	if err != nil {
		return nil, err
	}
	acl, err := b.webACL(r, ScopeRegional, r.Name)
	if err != nil {
		return nil, err
	}
	albDNS, err := b.ingress(r, certArn, acl.Arn, logs)
	if err != nil {
		return nil, err
	}
	// HTTPS to the ALB's own name: the health Ingress answers HealthPath
	// whatever the Host header, through the gateway's readiness endpoint.
	// Route 53 does not validate the certificate, so the ALB's name need
	// not be on it.
	hc, err := route53.NewHealthCheck(b.ctx, b.child(r.Name+"-health"), &route53.HealthCheckArgs{
		Type:             pulumi.String("HTTPS"),
		Fqdn:             albDNS,
		Port:             pulumi.Int(443),
		ResourcePath:     pulumi.String(HealthPath),
		RequestInterval:  pulumi.Int(HealthCheckInterval),
		FailureThreshold: pulumi.Int(HealthCheckFailureThreshold),
		EnableSni:        pulumi.Bool(true),
		Tags:             pulumi.StringMap{"Name": pulumi.String(b.child(r.Name + "-alb"))},
	}, b.in(b.global)...)
	if err != nil {
		return nil, fmt.Errorf("health check: %w", err)
	}
	return &regional{albDNS: albDNS, healthCheck: hc.ID(), webACLArn: acl.Arn, logsBucket: logs}, nil
}

// lbAttributes are the ALB's attributes: access logs to the region's edge
// log bucket, invalid header fields dropped (request smuggling), deletion
// protection in production.
func (b *builder) lbAttributes(logs *bucket) string {
	attrs := []string{
		"access_logs.s3.enabled=true",
		"access_logs.s3.bucket=" + logs.name,
		"access_logs.s3.prefix=alb",
		"routing.http.drop_invalid_header_fields.enabled=true",
		fmt.Sprintf("deletion_protection.enabled=%t", b.args.Production),
	}
	return strings.Join(attrs, ",")
}

// ingress creates the region's ALB as two Ingresses of one IngressGroup
// (one ALB): the platform's hosts forwarded over HTTPS to the gateway's
// TLS port, and HealthPath forwarded over HTTP to its status port, which
// the ALB also uses as the targets' health check. It returns the ALB's DNS
// name, read from the Ingress status once the controller has built it.
func (b *builder) ingress(r RegionArgs, certArn, aclArn pulumi.StringOutput, logs *bucket) (pulumi.StringOutput, error) {
	group := "solsec-" + b.args.Environment
	common := pulumi.StringMap{
		AnnotationScheme:    pulumi.String("internet-facing"),
		AnnotationTarget:    pulumi.String("ip"),
		AnnotationCert:      certArn,
		AnnotationSSLPolicy: pulumi.String(SSLPolicy),
		AnnotationListen:    pulumi.String(`[{"HTTP":80},{"HTTPS":443}]`),
		AnnotationRedirect:  pulumi.String("443"),
		AnnotationWAF:       aclArn,
		AnnotationLBAttrs:   pulumi.String(b.lbAttributes(logs)),
		AnnotationGroup:     pulumi.String(group),
		annotationPrefix + "tags": pulumi.Sprintf("Project=solsec,Environment=%s,Region=%s,ManagedBy=aws-load-balancer-controller",
			b.args.Environment, r.Name),
		annotationPrefix + "healthcheck-protocol":         pulumi.String("HTTP"),
		annotationPrefix + "healthcheck-port":             pulumi.String(fmt.Sprint(HealthPort)),
		annotationPrefix + "healthcheck-path":             pulumi.String(HealthPath),
		annotationPrefix + "healthcheck-interval-seconds": pulumi.String("10"),
		annotationPrefix + "healthy-threshold-count":      pulumi.String("2"),
		annotationPrefix + "unhealthy-threshold-count":    pulumi.String("3"),
		annotationPrefix + "success-codes":                pulumi.String("200"),
	}
	with := func(extra map[string]string) pulumi.StringMap {
		m := pulumi.StringMap{}
		for k, v := range common {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = pulumi.String(v)
		}
		return m
	}
	backend := func(port int) networkingv1.IngressBackendArgs {
		return networkingv1.IngressBackendArgs{Service: &networkingv1.IngressServiceBackendArgs{
			Name: pulumi.String(GatewayService),
			Port: &networkingv1.ServiceBackendPortArgs{Number: pulumi.Int(port)},
		}}
	}
	// CloudFront forwards the viewer's Host header, so the ALB and the
	// gateway route on the public names.
	var rules networkingv1.IngressRuleArray
	for _, h := range b.publicFQDNs() {
		rules = append(rules, networkingv1.IngressRuleArgs{
			Host: pulumi.String(h),
			Http: &networkingv1.HTTPIngressRuleValueArgs{Paths: networkingv1.HTTPIngressPathArray{networkingv1.HTTPIngressPathArgs{
				Path: pulumi.String("/"), PathType: pulumi.String("Prefix"), Backend: backend(GatewayHTTPSPort),
			}}},
		})
	}
	// The controller needs the certificate issued, the ACL and the log
	// bucket's policy in place, and the gateway running.
	deps := append([]pulumi.Resource{logs.policy}, r.Gateway...)
	opts := []pulumi.ResourceOption{pulumi.Parent(b.e), pulumi.Provider(r.KubernetesProvider), pulumi.DependsOn(deps)}
	platform, err := networkingv1.NewIngress(b.ctx, b.child(r.Name+"-alb"), &networkingv1.IngressArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String("platform-edge"), Namespace: pulumi.String(GatewayNamespace),
			Annotations: with(map[string]string{AnnotationBackend: "HTTPS", annotationPrefix + "group.order": "10"}),
		},
		Spec: &networkingv1.IngressSpecArgs{IngressClassName: pulumi.String(IngressClass), Rules: rules},
	}, opts...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("ingress: %w", err)
	}
	if _, err := networkingv1.NewIngress(b.ctx, b.child(r.Name+"-alb-health"), &networkingv1.IngressArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String("platform-edge-health"), Namespace: pulumi.String(GatewayNamespace),
			Annotations: with(map[string]string{AnnotationBackend: "HTTP", annotationPrefix + "group.order": "1"}),
		},
		Spec: &networkingv1.IngressSpecArgs{IngressClassName: pulumi.String(IngressClass), Rules: networkingv1.IngressRuleArray{
			networkingv1.IngressRuleArgs{Http: &networkingv1.HTTPIngressRuleValueArgs{Paths: networkingv1.HTTPIngressPathArray{
				networkingv1.HTTPIngressPathArgs{Path: pulumi.String(HealthPath), PathType: pulumi.String("Exact"), Backend: backend(HealthPort)},
			}}},
		}},
	}, opts...); err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("health ingress: %w", err)
	}
	dns := platform.Status.LoadBalancer().Ingress().Index(pulumi.Int(0)).Hostname().ApplyT(func(h *string) (string, error) {
		if h == nil || *h == "" {
			return "", fmt.Errorf("the Load Balancer Controller reported no ALB for ingress platform-edge in %s", r.Name)
		}
		return *h, nil
	}).(pulumi.StringOutput)
	return dns, nil
}
