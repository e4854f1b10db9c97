package rules

import (
	"encoding/json"
	"strings"
	"unicode"
)

const (
	tCloudFront  = "aws:cloudfront/distribution:Distribution"
	tLB          = "aws:lb/loadBalancer:LoadBalancer"
	tLBAlias     = "aws:alb/loadBalancer:LoadBalancer"
	tListener    = "aws:lb/listener:Listener"
	tListenerAlb = "aws:alb/listener:Listener"
	tWebACL      = "aws:wafv2/webAcl:WebAcl"
	tWebACLAssoc = "aws:wafv2/webAclAssociation:WebAclAssociation"
	tWebACLLog   = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
	tIngress     = "kubernetes:networking.k8s.io/v1:Ingress"
	tLogSource   = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
	tLogDelivery = "aws:cloudwatch/logDelivery:LogDelivery"
)

// Annotations of the AWS Load Balancer Controller the ALB policies read.
const (
	albAnnotations = "alb.ingress.kubernetes.io/"
	annScheme      = albAnnotations + "scheme"
	annSSLPolicy   = albAnnotations + "ssl-policy"
	annListen      = albAnnotations + "listen-ports"
	annRedirect    = albAnnotations + "ssl-redirect"
	annWAF         = albAnnotations + "wafv2-acl-arn"
	annAttributes  = albAnnotations + "load-balancer-attributes"
)

// albIngress is an Ingress the AWS Load Balancer Controller turns into an
// ALB: its annotations, and whether it is one.
func albIngress(v View) (map[string]string, bool) {
	if v.Str("spec", "ingressClassName") != "alb" && v.Str("metadata", "annotations", "kubernetes.io/ingress.class") != "alb" {
		return nil, false
	}
	ann := map[string]string{}
	for _, k := range v.Keys("metadata", "annotations") {
		ann[k] = v.Str("metadata", "annotations", k)
	}
	return ann, true
}

// lbAttributes parses the load-balancer-attributes annotation
// ("k1=v1,k2=v2").
func lbAttributes(ann map[string]string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(ann[annAttributes], ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
			out[k] = v
		}
	}
	return out
}

// requiredManagedRules are the AWS managed rule groups every web ACL runs.
var requiredManagedRules = []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}

// isApplicationLB reports whether a load balancer is an ALB (the default type).
func isApplicationLB(v View) bool {
	t := v.Str("loadBalancerType")
	return t == "" || t == "application"
}

// modernTLS reports whether an ELB security policy allows only TLS 1.2+.
func modernTLS(policy string) bool {
	return strings.Contains(policy, "TLS13") || strings.Contains(policy, "TLS-1-2")
}

// wafRules returns a web ACL's rules from either the typed list or
// ruleJson, the WAF API's JSON (PascalCase keys), whose keys are turned
// into the typed list's camelCase so that checks read both alike.
func wafRules(v View) []View {
	if rs := v.List("rules"); len(rs) > 0 {
		return rs
	}
	raw := v.Str("ruleJson")
	if raw == "" {
		return nil
	}
	var decoded []any
	if err := json.Unmarshal([]byte(raw), &decoded); err != nil {
		return nil
	}
	out := make([]View, len(decoded))
	for i, r := range decoded {
		out[i] = View{v: camelKeys(r), unknown: v.unknown}
	}
	return out
}

// camelKeys lower-cases the leading capitals of every map key
// ("ManagedRuleGroupStatement" → "managedRuleGroupStatement",
// "IPSetReferenceStatement" → "ipSetReferenceStatement").
func camelKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[camel(k)] = camelKeys(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = camelKeys(e)
		}
		return out
	}
	return v
}

func camel(k string) string {
	r := []rune(k)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	if n > 1 && n < len(r) {
		n-- // the last capital starts the next word
	}
	for i := 0; i < n; i++ {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

func edgePolicies() []ResourcePolicy {
	cfViewerOK := func(p string) bool { return p == "redirect-to-https" || p == "https-only" }
	return []ResourcePolicy{
		{
			ID: "cloudfront-https-only", Title: "CloudFront serves viewers over HTTPS only",
			Why:         "allow-all lets a downgraded client send session cookies and API tokens in clear.",
			Enforcement: Mandatory, Controls: ctl("CloudFront.3", "", "CC6.7", "A.8.24"),
			Types: []string{tCloudFront},
			Check: func(r Resource, v View) *Problem {
				if p := v.Str("defaultCacheBehavior", "viewerProtocolPolicy"); !cfViewerOK(p) {
					return problem("the default cache behaviour's viewerProtocolPolicy is %q", `set viewerProtocolPolicy: "redirect-to-https"`, p)
				}
				for _, b := range v.List("orderedCacheBehaviors") {
					if p := b.Str("viewerProtocolPolicy"); !cfViewerOK(p) {
						return problem("cache behaviour %q allows %q", `set viewerProtocolPolicy: "redirect-to-https"`, b.Str("pathPattern"), p)
					}
				}
				return nil
			},
		},
		{
			ID: "cloudfront-tls12", Title: "CloudFront viewers and origins use TLS 1.2 or later",
			Why:         "TLS 1.0/1.1 and SSLv3 have known weaknesses; the default certificate also permits TLS 1.0.",
			Enforcement: Mandatory, Controls: ctl("CloudFront.10,CloudFront.7,CloudFront.9", "", "CC6.7", "A.8.24"),
			Types: []string{tCloudFront},
			Check: func(r Resource, v View) *Problem {
				if v.Bool("viewerCertificate", "cloudfrontDefaultCertificate") {
					return problem("uses the default *.cloudfront.net certificate", "use an ACM certificate with minimumProtocolVersion TLSv1.2_2021")
				}
				if mv := v.Str("viewerCertificate", "minimumProtocolVersion"); !strings.HasPrefix(mv, "TLSv1.2") && !strings.HasPrefix(mv, "TLSv1.3") {
					return problem("minimumProtocolVersion is %q", `set viewerCertificate.minimumProtocolVersion: "TLSv1.2_2021"`, mv)
				}
				for _, o := range v.List("origins") {
					c := o.At("customOriginConfig")
					if c.Raw() == nil {
						continue
					}
					if p := c.Str("originProtocolPolicy"); p != "https-only" {
						return problem("origin %q uses originProtocolPolicy %q", `set originProtocolPolicy: "https-only"`, o.Str("originId"), p)
					}
					for _, proto := range c.Strings("originSslProtocols") {
						if proto != "TLSv1.2" {
							return problem("origin %q allows %s", `set originSslProtocols: ["TLSv1.2"]`, o.Str("originId"), proto)
						}
					}
				}
				return nil
			},
		},
		{
			ID: "cloudfront-waf", Title: "CloudFront distributions are protected by WAF",
			Why:         "The edge is where injection, bot and volumetric attacks arrive; WAF filters them before the origin.",
			Enforcement: Mandatory, Controls: ctl("CloudFront.6", "", "CC6.6,CC7.1", "A.8.20,A.8.23"),
			Types: []string{tCloudFront},
			Check: func(r Resource, v View) *Problem {
				if !v.Set("webAclId") {
					return problem("no webAclId", "set webAclId to the global (us-east-1, CLOUDFRONT scope) web ACL ARN")
				}
				return nil
			},
		},
		{
			ID: "alb-drop-invalid-headers", Title: "ALBs drop invalid HTTP headers",
			Why:         "Malformed headers are a request-smuggling vector against the services behind the ALB.",
			Enforcement: Mandatory, Controls: ctl("ELB.4", "", "CC6.6", "A.8.20"),
			Types: []string{tLB, tLBAlias},
			Check: func(r Resource, v View) *Problem {
				if isApplicationLB(v) && !v.Bool("dropInvalidHeaderFields") {
					return problem("dropInvalidHeaderFields is not true", "set dropInvalidHeaderFields: true")
				}
				return nil
			},
		},
		{
			ID: "alb-access-logs", Title: "Load balancers write access logs",
			Why:         "ALB logs carry client addresses and TLS details needed to investigate abuse.",
			Enforcement: Mandatory, Controls: ctl("ELB.5", "", "CC7.2", "A.8.15"),
			Types: []string{tLB, tLBAlias},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("accessLogs", "enabled") || !v.Set("accessLogs", "bucket") {
					return problem("access logs are off", "set accessLogs {enabled: true, bucket: <log bucket>}")
				}
				return nil
			},
		},
		{
			ID: "alb-internal", Title: "Load balancers are internal unless waived",
			Why:         "Every internet-facing entry point must be a reviewed decision: the waiver list records which ones are.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.6", "A.8.20,A.8.22"),
			Types: []string{tLB, tLBAlias, tIngress},
			Check: func(r Resource, v View) *Problem {
				if r.Type == tIngress {
					if ann, ok := albIngress(v); ok && ann[annScheme] == "internet-facing" {
						return problem("the Ingress asks for an internet-facing ALB", `set the annotation `+annScheme+`: internal, or add a reviewed waiver with the reason it must face the internet`)
					}
					return nil
				}
				if !v.Bool("internal") {
					return problem("the load balancer is internet-facing", "set internal: true, or add a reviewed waiver with the reason it must face the internet")
				}
				return nil
			},
		},
		{
			ID: "alb-deletion-protection", Title: "Load balancers have deletion protection",
			Why:         "Deleting the edge load balancer takes the product offline and changes its DNS name.",
			Enforcement: Advisory, Controls: ctl("ELB.6", "", "A1.2", "A.8.14"),
			Types: []string{tLB, tLBAlias},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("enableDeletionProtection") {
					return problem("enableDeletionProtection is not true", "set enableDeletionProtection: true")
				}
				return nil
			},
		},
		{
			ID: "alb-listener-https", Title: "Listeners serve HTTPS with TLS 1.2+ and HTTP only redirects",
			Why:         "An HTTP listener that forwards serves the application in clear; old TLS policies allow TLS 1.0.",
			Enforcement: Mandatory, Controls: ctl("ELB.1", "", "CC6.7", "A.8.24"),
			Types: []string{tListener, tListenerAlb},
			Check: func(r Resource, v View) *Problem {
				switch v.Str("protocol") {
				case "HTTPS", "TLS":
					if p := v.Str("sslPolicy"); !modernTLS(p) {
						return problem("sslPolicy %q allows TLS below 1.2", `set sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06"`, p)
					}
				case "HTTP":
					for _, a := range v.List("defaultActions") {
						if a.Str("type") != "redirect" || a.Str("redirect", "protocol") != "HTTPS" {
							return problem("the HTTP listener does not only redirect to HTTPS", `make the default action {type: "redirect", redirect: {protocol: "HTTPS", port: "443", statusCode: "HTTP_301"}}`)
						}
					}
				}
				return nil
			},
		},
		{
			ID: "waf-managed-rules", Title: "Web ACLs run the AWS core and known-bad-inputs rule groups",
			Why:         "The managed groups cover OWASP top-10 patterns and exploit payloads (Log4Shell and the like) maintained by AWS.",
			Enforcement: Mandatory, Controls: ctl("WAF.10", "", "CC6.6,CC7.1", "A.8.20,A.8.23"),
			Types: []string{tWebACL},
			Check: func(r Resource, v View) *Problem {
				have := map[string]bool{}
				for _, rule := range wafRules(v) {
					have[rule.Str("statement", "managedRuleGroupStatement", "name")] = true
				}
				for _, g := range requiredManagedRules {
					if !have[g] {
						return problem("rule group %s is missing", "add a rule with managedRuleGroupStatement {vendorName: AWS, name: "+g+"}", g)
					}
				}
				return nil
			},
		},
		{
			ID: "waf-rate-limit", Title: "Web ACLs rate-limit clients",
			Why:         "A rate-based rule caps floods and credential stuffing per client address before they reach the API.",
			Enforcement: Mandatory, Controls: ctl("", "", "A1.1,CC6.6", "A.8.6,A.8.20"),
			Types: []string{tWebACL},
			Check: func(r Resource, v View) *Problem {
				for _, rule := range wafRules(v) {
					if rule.Num("statement", "rateBasedStatement", "limit") > 0 {
						return nil
					}
				}
				return problem("no rate-based rule", "add a rule with rateBasedStatement {limit: <requests per 5 min>, aggregateKeyType: IP} and action block")
			},
		},
		{
			ID: "waf-metrics", Title: "Web ACLs publish CloudWatch metrics and sampled requests",
			Why:         "Without metrics nobody sees a rule blocking real users or an attack ramping up.",
			Enforcement: Advisory, Controls: ctl("WAF.12", "", "CC7.2", "A.8.16"),
			Types: []string{tWebACL},
			Check: func(r Resource, v View) *Problem {
				vc := v.At("visibilityConfig")
				if !vc.Bool("cloudwatchMetricsEnabled") || !vc.Bool("sampledRequestsEnabled") {
					return problem("visibilityConfig does not enable metrics and sampled requests", "set visibilityConfig {cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true}")
				}
				return nil
			},
		},
		{
			ID: "alb-ingress-hardened", Title: "ALB Ingresses serve TLS 1.2+, redirect HTTP, drop invalid headers and log",
			Why:         "The AWS Load Balancer Controller builds the ALB from annotations; a missing one silently leaves the ALB's insecure default.",
			Enforcement: Mandatory, Controls: ctl("ELB.1,ELB.4,ELB.5", "", "CC6.6,CC6.7,CC7.2", "A.8.15,A.8.20,A.8.24"),
			Types: []string{tIngress},
			Check: func(r Resource, v View) *Problem {
				ann, ok := albIngress(v)
				if !ok {
					return nil
				}
				var listen []map[string]int
				_ = json.Unmarshal([]byte(ann[annListen]), &listen)
				https, http := false, false
				for _, l := range listen {
					if _, ok := l["HTTPS"]; ok {
						https = true
					}
					if _, ok := l["HTTP"]; ok {
						http = true
					}
				}
				attrs := lbAttributes(ann)
				switch {
				case !https:
					return problem("listen-ports %q has no HTTPS listener", `set `+annListen+`: '[{"HTTP":80},{"HTTPS":443}]'`, ann[annListen])
				case !modernTLS(ann[annSSLPolicy]):
					return problem("ssl-policy %q allows TLS below 1.2 (or is the controller's default)", "set "+annSSLPolicy+": ELBSecurityPolicy-TLS13-1-2-2021-06", ann[annSSLPolicy])
				case http && ann[annRedirect] == "":
					return problem("an HTTP listener without ssl-redirect serves the application in clear", "set "+annRedirect+": '443'")
				case attrs["routing.http.drop_invalid_header_fields.enabled"] != "true":
					return problem("invalid header fields are not dropped", "add routing.http.drop_invalid_header_fields.enabled=true to "+annAttributes)
				case attrs["access_logs.s3.enabled"] != "true" || attrs["access_logs.s3.bucket"] == "":
					return problem("access logs are off", "add access_logs.s3.enabled=true,access_logs.s3.bucket=<SSE-S3 log bucket> to "+annAttributes)
				}
				return nil
			},
		},
		{
			ID: "alb-ingress-waf", Title: "Internet-facing ALB Ingresses attach a web ACL",
			Why:         "The controller associates the web ACL only when the Ingress names it; without it the services face injection and floods directly.",
			Enforcement: Mandatory, Controls: ctl("ELB.16", "", "CC6.6", "A.8.20,A.8.23"),
			Types: []string{tIngress},
			Check: func(r Resource, v View) *Problem {
				if ann, ok := albIngress(v); ok && ann[annScheme] == "internet-facing" && !strings.HasPrefix(ann[annWAF], "arn:") {
					return problem("no wafv2-acl-arn annotation", "set "+annWAF+" to the region's REGIONAL web ACL ARN")
				}
				return nil
			},
		},
		{
			ID: "alb-ingress-deletion-protection", Title: "Production ALB Ingresses turn on deletion protection",
			Why:         "Deleting the Ingress (or the controller reconciling it away) would delete the production ALB and change the name DNS fails over to.",
			Enforcement: Mandatory, Controls: ctl("ELB.6", "", "A1.2", "A.8.14"),
			Types: []string{tIngress},
			Check: func(r Resource, v View) *Problem {
				ann, ok := albIngress(v)
				if ok && r.Stack == Production && lbAttributes(ann)["deletion_protection.enabled"] != "true" {
					return problem("deletion protection is off in production", "add deletion_protection.enabled=true to "+annAttributes)
				}
				return nil
			},
		},
		{
			ID: "cloudfront-s3-origin-oac", Title: "CloudFront reads S3 origins through Origin Access Control",
			Why:         "Without OAC the bucket must be public or use the legacy identity, which cannot sign SSE-KMS requests.",
			Enforcement: Mandatory, Controls: ctl("CloudFront.13", "", "CC6.1", "A.8.3"),
			Types: []string{tCloudFront},
			Check: func(r Resource, v View) *Problem {
				for _, o := range v.List("origins") {
					d := o.Str("domainName")
					if strings.Contains(d, ".s3.") && strings.HasSuffix(d, ".amazonaws.com") && !o.Set("originAccessControlId") {
						return problem("S3 origin %q has no originAccessControlId", "create an aws.cloudfront.OriginAccessControl (s3, sigv4, always) and set originAccessControlId", o.Str("originId"))
					}
				}
				return nil
			},
		},
		{
			ID: "cloudfront-security-headers", Title: "Every CloudFront behaviour adds the security response headers",
			Why:         "HSTS, nosniff and frame denial must be on every response, including cached assets and error pages.",
			Enforcement: Advisory, Controls: ctl("", "", "CC6.7", "A.8.23,A.8.26"),
			Types: []string{tCloudFront},
			Check: func(r Resource, v View) *Problem {
				if !v.Set("defaultCacheBehavior", "responseHeadersPolicyId") {
					return problem("the default behaviour has no responseHeadersPolicyId", "attach a response headers policy with HSTS and the security headers")
				}
				for _, b := range v.List("orderedCacheBehaviors") {
					if !b.Set("responseHeadersPolicyId") {
						return problem("behaviour %q has no responseHeadersPolicyId", "attach a response headers policy with HSTS and the security headers", b.Str("pathPattern"))
					}
				}
				return nil
			},
		},
		{
			ID: "waf-logs-redact-credentials", Title: "WAF logs redact the Authorization header",
			Why:         "WAF logs every header of a logged request; an unredacted Authorization header puts bearer tokens in a log group.",
			Enforcement: Mandatory, Controls: ctl("", "", "C1.1,CC6.1", "A.8.11,A.8.15"),
			Types: []string{tWebACLLog},
			Check: func(r Resource, v View) *Problem {
				for _, f := range v.List("redactedFields") {
					if strings.EqualFold(f.Str("singleHeader", "name"), "authorization") {
						return nil
					}
				}
				return problem("the Authorization header is not redacted", `add redactedFields [{singleHeader: {name: "authorization"}}]`)
			},
		},
	}
}
