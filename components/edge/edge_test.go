package edge_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/components/edge"
	"github.com/solsec/platform/internal/offline"
)

const (
	tRecord      = "aws:route53/record:Record"
	tHealthCheck = "aws:route53/healthCheck:HealthCheck"
	tZone        = "aws:route53/zone:Zone"
	tCert        = "aws:acm/certificate:Certificate"
	tCertValid   = "aws:acm/certificateValidation:CertificateValidation"
	tWebACL      = "aws:wafv2/webAcl:WebAcl"
	tWebACLLog   = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
	tLogGroup    = "aws:cloudwatch/logGroup:LogGroup"
	tIngress     = "kubernetes:networking.k8s.io/v1:Ingress"
	tDist        = "aws:cloudfront/distribution:Distribution"
	tOAC         = "aws:cloudfront/originAccessControl:OriginAccessControl"
	tBucket      = "aws:s3/bucketV2:BucketV2"
	tBucketPol   = "aws:s3/bucketPolicy:BucketPolicy"
	tBucketSSE   = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tLogSource   = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
	tLogDest     = "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination"
	tLogDelivery = "aws:cloudwatch/logDelivery:LogDelivery"
)

const domain = "example.solsec.test"

// region is one region a test deploys: its name and whether it is primary.
type region struct {
	name    string
	primary bool
}

var (
	twoRegions = []region{{"us-east-1", true}, {"us-west-2", false}}
	oneRegion  = []region{{"us-east-1", true}}
)

func args(env string) *edge.EdgeArgs {
	return &edge.EdgeArgs{
		Environment:      env,
		Domain:           domain,
		RateLimit:        2000,
		UploadRateLimit:  100,
		BlockedCountries: []string{"KP", "IR"},
		UploadLimitBytes: 10 << 20,
		PriceClass:       "PriceClass_100",
		LogRetentionDays: 365,
		Production:       env == "production",
	}
}

// build runs a Zone and an Edge over the regions, each with its own AWS and
// Kubernetes provider, the way stacks composes them.
func build(t *testing.T, env string, regions []region, a *edge.EdgeArgs) (*offline.Result, error) {
	t.Helper()
	return offline.Run(env, map[string]string{"aws:region": "us-east-1"}, func(ctx *pulumi.Context) error {
		var global *aws.Provider
		var rs []edge.RegionArgs
		for _, r := range regions {
			p, err := aws.NewProvider(ctx, "aws-"+r.name, &aws.ProviderArgs{Region: pulumi.String(r.name)})
			if err != nil {
				return err
			}
			k, err := kubernetes.NewProvider(ctx, "k8s-"+r.name, &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("offline")})
			if err != nil {
				return err
			}
			if r.name == edge.GlobalRegion {
				global = p
			}
			rs = append(rs, edge.RegionArgs{Name: r.name, Primary: r.primary, Provider: p, KubernetesProvider: k,
				LogsKeyArn: pulumi.String(fmt.Sprintf("arn:aws:kms:%s:%s:key/logs", r.name, offline.AccountID))})
		}
		if global == nil {
			var err error
			if global, err = aws.NewProvider(ctx, "aws-global", &aws.ProviderArgs{Region: pulumi.String(edge.GlobalRegion)}); err != nil {
				return err
			}
		}
		zone, err := edge.NewZone(ctx, env, &edge.ZoneArgs{Environment: env, Domain: domain}, pulumi.Provider(global))
		if err != nil {
			return err
		}
		a.ZoneID = zone.ZoneID
		a.Regions = rs
		_, err = edge.NewEdge(ctx, env+"-edge", a)
		return err
	})
}

func mustBuild(t *testing.T, env string, regions []region) *offline.Result {
	t.Helper()
	res, err := build(t, env, regions, args(env))
	require.NoError(t, err)
	return res
}

func TestFailoverRecords(t *testing.T) {
	res := mustBuild(t, "production", twoRegions)
	zone := res.OfType(tZone)
	require.Len(t, zone, 1)
	checks := map[string]offline.Resource{}
	for _, hc := range res.OfType(tHealthCheck) {
		checks[hc.ID] = hc
	}
	require.Len(t, checks, 2, "one health check per region's ALB")

	t.Run("health checks probe each ALB over HTTPS on the health path every 10 s, failing after 3", func(t *testing.T) {
		for _, hc := range checks {
			assert.Equal(t, "HTTPS", hc.Str("type"))
			assert.Equal(t, edge.HealthPath, hc.Str("resourcePath"))
			assert.Equal(t, 443, hc.Int("port"))
			assert.Equal(t, 10, hc.Int("requestInterval"))
			assert.Equal(t, 3, hc.Int("failureThreshold"))
			assert.Regexp(t, `^k8s-solsecproduction-[0-9a-f]{10}-\d+\.us-(east-1|west-2)\.elb\.amazonaws\.com$`, hc.Str("fqdn"))
		}
	})

	for _, name := range []string{"api-origin." + domain, "app-origin." + domain} {
		t.Run(name+" has one PRIMARY in us-east-1 and one SECONDARY in us-west-2, each tied to its region's health check", func(t *testing.T) {
			roles := map[string]string{}
			for _, rec := range res.OfType(tRecord) {
				if rec.Str("name") != name {
					continue
				}
				policies := rec.Objects("failoverRoutingPolicies")
				require.Len(t, policies, 1, rec.Name)
				role := policies[0]["type"].(string)
				region := rec.Str("setIdentifier")
				_, dup := roles[role]
				assert.False(t, dup, "%s has two %s records", name, role)
				roles[role] = region
				assert.Equal(t, zone[0].ID, rec.Str("zoneId"))
				hc, ok := checks[rec.Str("healthCheckId")]
				require.True(t, ok, "%s is tied to a health check", rec.Name)
				alias := rec.Objects("aliases")
				require.Len(t, alias, 1)
				assert.Equal(t, hc.Str("fqdn"), alias[0]["name"], "the record and its health check target the same ALB")
				assert.Contains(t, alias[0]["name"], "."+region+".elb.amazonaws.com", "the %s record points at the %s ALB", role, region)
				assert.Equal(t, true, alias[0]["evaluateTargetHealth"])
			}
			assert.Equal(t, map[string]string{edge.FailoverPrimary: "us-east-1", edge.FailoverSecondary: "us-west-2"}, roles)
		})
	}

	t.Run("the public names alias the CloudFront distribution over IPv4 and IPv6", func(t *testing.T) {
		for _, label := range []string{"api", "app", "docs"} {
			types := map[string]bool{}
			for _, rec := range res.OfType(tRecord) {
				if rec.Str("name") != label+"."+domain {
					continue
				}
				types[rec.Str("type")] = true
				alias := rec.Objects("aliases")
				require.Len(t, alias, 1)
				assert.Regexp(t, `^d[0-9a-f]{13}\.cloudfront\.net$`, alias[0]["name"])
				assert.Equal(t, "Z2FDTNDATAQYW2", alias[0]["zoneId"])
			}
			assert.Equal(t, map[string]bool{"A": true, "AAAA": true}, types, label)
		}
	})

	t.Run("staging with one region gets simple records", func(t *testing.T) {
		res := mustBuild(t, "staging", oneRegion)
		n := 0
		for _, rec := range res.OfType(tRecord) {
			if !strings.Contains(rec.Str("name"), "-origin.") {
				continue
			}
			n++
			assert.Empty(t, rec.Objects("failoverRoutingPolicies"), rec.Name)
			assert.False(t, rec.Has("setIdentifier"), rec.Name)
			assert.False(t, rec.Has("healthCheckId"), rec.Name)
			assert.Contains(t, rec.Objects("aliases")[0]["name"], ".us-east-1.elb.amazonaws.com")
		}
		assert.Equal(t, 2, n, "one record for each origin name")
		assert.Len(t, res.OfType(tHealthCheck), 1, "the single ALB is still health checked")
	})
}

func TestCertificates(t *testing.T) {
	for _, regions := range [][]region{twoRegions, {{"us-west-2", true}, {"us-east-1", false}}} {
		res := mustBuild(t, "production", regions)
		zone := res.OfType(tZone)[0]
		records := map[string]offline.Resource{}
		for _, rec := range res.OfType(tRecord) {
			if strings.HasPrefix(rec.Str("name"), "_") {
				_, dup := records[rec.Str("name")]
				assert.False(t, dup, "validation record %s is created once", rec.Str("name"))
				records[rec.Str("name")] = rec
				assert.Equal(t, zone.ID, rec.Str("zoneId"), "validated through the environment's zone")
				assert.Equal(t, "CNAME", rec.Str("type"))
			}
		}
		certs := map[string]offline.Resource{}
		for _, c := range res.OfType(tCert) {
			certs[c.Name] = c
		}
		primary := regions[0].name

		t.Run("primary "+primary+": a wildcard per region for the ALB and CloudFront's certificate in us-east-1", func(t *testing.T) {
			require.Len(t, certs, 3)
			for _, r := range regions {
				c, ok := certs["production-edge-"+r.name+"-cert"]
				require.True(t, ok, r.name)
				assert.Equal(t, r.name, c.Region)
				assert.Equal(t, "*."+domain, c.Str("domainName"))
				assert.Equal(t, "DNS", c.Str("validationMethod"))
			}
			cf := certs["production-edge-cloudfront-cert"]
			assert.Equal(t, "us-east-1", cf.Region)
			assert.Equal(t, "api."+domain, cf.Str("domainName"))
			assert.ElementsMatch(t, []string{"app." + domain, "docs." + domain}, cf.Strings("subjectAlternativeNames"))
		})

		t.Run("primary "+primary+": every certificate waits for validation through records of the zone", func(t *testing.T) {
			validations := res.OfType(tCertValid)
			require.Len(t, validations, 3)
			for _, v := range validations {
				cert, ok := certs[v.Name]
				require.True(t, ok, v.Name)
				assert.Equal(t, cert.Region, v.Region)
				fqdns := v.Strings("validationRecordFqdns")
				names := append([]string{cert.Str("domainName")}, cert.Strings("subjectAlternativeNames")...)
				require.Len(t, fqdns, len(names))
				for i, n := range names {
					base := strings.TrimPrefix(n, "*.")
					assert.Regexp(t, `^_[0-9a-f]{32}\.`+regexp.QuoteMeta(base)+`$`, fqdns[i], n)
					rec, ok := records[fqdns[i]+"."]
					require.True(t, ok, "a record of the zone validates %s", n)
					assert.Contains(t, rec.Strings("records")[0], ".acm-validations.aws.")
				}
			}
		})
	}
}

// aclRules decodes a web ACL's rules.
func aclRules(t *testing.T, acl offline.Resource) []map[string]any {
	t.Helper()
	var rules []map[string]any
	require.NoError(t, json.Unmarshal([]byte(acl.Str("ruleJson")), &rules), acl.Name)
	return rules
}

func ruleNamed(rules []map[string]any, name string) map[string]any {
	for _, r := range rules {
		if r["Name"] == name {
			return r
		}
	}
	return nil
}

// dig walks a decoded JSON value along keys and list indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestWebACLs(t *testing.T) {
	res := mustBuild(t, "production", twoRegions)
	acls := res.OfType(tWebACL)
	require.Len(t, acls, 3)

	t.Run("the CLOUDFRONT scope is only in us-east-1, a REGIONAL one per ALB region", func(t *testing.T) {
		scopes := map[string]string{}
		for _, acl := range acls {
			if acl.Str("scope") == edge.ScopeCloudFront {
				assert.Equal(t, "us-east-1", acl.Region, acl.Name)
				scopes["cloudfront"] = acl.Region
			} else {
				assert.Equal(t, edge.ScopeRegional, acl.Str("scope"))
				scopes[acl.Region] = acl.Str("scope")
			}
		}
		assert.Equal(t, map[string]string{"cloudfront": "us-east-1", "us-east-1": "REGIONAL", "us-west-2": "REGIONAL"}, scopes)
	})

	for _, acl := range acls {
		rules := aclRules(t, acl)
		regional := acl.Str("scope") == edge.ScopeRegional
		t.Run(acl.Name+" runs the managed groups, overriding only the 8 KB body rule and the hosting-provider list", func(t *testing.T) {
			for _, g := range edge.ManagedRuleGroups {
				r := ruleNamed(rules, g)
				require.NotNil(t, r, g)
				assert.Equal(t, "AWS", dig(r, "Statement", "ManagedRuleGroupStatement", "VendorName"))
				assert.Equal(t, g, dig(r, "Statement", "ManagedRuleGroupStatement", "Name"))
				assert.NotNil(t, dig(r, "OverrideAction", "None"), "%s keeps the group's own actions", g)
			}
			assert.Equal(t, "SizeRestrictions_BODY", dig(ruleNamed(rules, "AWSManagedRulesCommonRuleSet"), "Statement", "ManagedRuleGroupStatement", "RuleActionOverrides", 0, "Name"))
			assert.Equal(t, "HostingProviderIPList", dig(ruleNamed(rules, "AWSManagedRulesAnonymousIpList"), "Statement", "ManagedRuleGroupStatement", "RuleActionOverrides", 0, "Name"))
			assert.Nil(t, dig(ruleNamed(rules, "AWSManagedRulesKnownBadInputsRuleSet"), "Statement", "ManagedRuleGroupStatement", "RuleActionOverrides"), "Log4j protection is never relaxed")
		})
		t.Run(acl.Name+" rate limits per client with the configured limits, stricter on uploads", func(t *testing.T) {
			general := dig(ruleNamed(rules, "rate-limit"), "Statement", "RateBasedStatement")
			uploads := dig(ruleNamed(rules, "rate-limit-uploads"), "Statement", "RateBasedStatement")
			assert.EqualValues(t, 2000, dig(general, "Limit"))
			assert.EqualValues(t, 100, dig(uploads, "Limit"))
			assert.Equal(t, "/v1/analyses", dig(uploads, "ScopeDownStatement", "ByteMatchStatement", "SearchString"))
			want := "IP"
			if regional {
				want = "FORWARDED_IP"
			}
			assert.Equal(t, want, dig(general, "AggregateKeyType"))
			assert.Equal(t, want, dig(uploads, "AggregateKeyType"))
			assert.NotNil(t, dig(ruleNamed(rules, "rate-limit"), "Action", "Block"))
		})
		t.Run(acl.Name+" blocks the configured countries", func(t *testing.T) {
			geo := ruleNamed(rules, "blocked-countries")
			require.NotNil(t, geo)
			assert.Equal(t, []any{"KP", "IR"}, dig(geo, "Statement", "GeoMatchStatement", "CountryCodes"))
			assert.NotNil(t, dig(geo, "Action", "Block"))
		})
		t.Run(acl.Name+" lets uploads carry up to the upload limit and other requests 8 KB", func(t *testing.T) {
			body := ruleNamed(rules, "body-size")
			assert.EqualValues(t, edge.BodyInspectionLimit, dig(body, "Statement", "AndStatement", "Statements", 1, "SizeConstraintStatement", "Size"))
			assert.Equal(t, "/v1/analyses", dig(body, "Statement", "AndStatement", "Statements", 0, "NotStatement", "Statement", "ByteMatchStatement", "SearchString"))
			upload := ruleNamed(rules, "upload-size")
			assert.Equal(t, edge.GreaterThanPattern(10<<20), dig(upload, "Statement", "AndStatement", "Statements", 1, "RegexMatchStatement", "RegexString"))
		})
		t.Run(acl.Name+" requires the origin secret only on the regional ACL", func(t *testing.T) {
			verify := ruleNamed(rules, "origin-verify")
			if !regional {
				assert.Nil(t, verify)
				return
			}
			require.NotNil(t, verify)
			assert.EqualValues(t, 0, verify["Priority"], "checked before anything else")
			secret := dig(verify, "Statement", "AndStatement", "Statements", 0, "NotStatement", "Statement", "ByteMatchStatement", "SearchString")
			assert.Regexp(t, `^offline-random-[0-9a-f]{24}$`, secret, "the random origin secret")
			assert.Equal(t, edge.HealthPath, dig(verify, "Statement", "AndStatement", "Statements", 1, "NotStatement", "Statement", "ByteMatchStatement", "SearchString"),
				"Route 53's health checks reach the health path without the secret")
		})
	}

	t.Run("the origin secret CloudFront sends is the one every regional ACL requires, secret in both", func(t *testing.T) {
		d := res.OfType(tDist)[0]
		origins := d.Inputs["origins"]
		require.True(t, origins.IsArray())
		var sent []string
		for _, o := range origins.ArrayValue() {
			if h, ok := o.ObjectValue()["customHeaders"]; ok {
				v := h.ArrayValue()[0].ObjectValue()["value"]
				assert.True(t, v.IsSecret(), "the header value is a secret in the distribution's inputs")
				sent = append(sent, v.SecretValue().Element.StringValue())
			}
		}
		require.Len(t, sent, 2, "the api and app origins")
		assert.Equal(t, sent[0], sent[1])
		for _, acl := range acls {
			raw := acl.Inputs["ruleJson"]
			if acl.Str("scope") == edge.ScopeRegional {
				assert.True(t, raw.IsSecret(), "%s: rules holding the secret are secret", acl.Name)
				assert.Contains(t, acl.Str("ruleJson"), `"SearchString":"`+sent[0]+`"`)
			} else {
				assert.False(t, raw.IsSecret(), "%s: the CloudFront rules stay readable in diffs", acl.Name)
				assert.NotContains(t, acl.Str("ruleJson"), sent[0])
			}
		}
	})

	t.Run("every ACL logs to an aws-waf-logs- group in its region with Authorization redacted", func(t *testing.T) {
		groups := map[string]offline.Resource{}
		for _, g := range res.OfType(tLogGroup) {
			groups[g.Name] = g
		}
		logging := res.OfType(tWebACLLog)
		require.Len(t, logging, len(acls))
		for _, acl := range acls {
			var cfg *offline.Resource
			for i := range logging {
				if logging[i].Parent == acl.URN {
					cfg = &logging[i]
				}
			}
			require.NotNil(t, cfg, acl.Name)
			assert.Contains(t, cfg.Str("resourceArn"), "/webacl/"+acl.Str("name")+"/")
			dest := cfg.Strings("logDestinationConfigs")
			require.Len(t, dest, 1)
			assert.Contains(t, dest[0], ":log-group:aws-waf-logs-")
			assert.Contains(t, dest[0], ":"+acl.Region+":")
			var redacted []string
			for _, f := range cfg.Objects("redactedFields") {
				redacted = append(redacted, dig(f, "singleHeader", "name").(string))
			}
			assert.Contains(t, redacted, "authorization")
			assert.Contains(t, redacted, edge.OriginVerifyHeader)
		}
		for _, g := range groups {
			assert.True(t, strings.HasPrefix(g.Str("name"), "aws-waf-logs-"), g.Name)
			assert.Contains(t, g.Str("kmsKeyId"), ":"+g.Region+":", "encrypted with the region's logs key")
		}
	})
}

func TestIngressAnnotations(t *testing.T) {
	for _, env := range []string{"staging", "production"} {
		res := mustBuild(t, env, twoRegions)
		acls := map[string]string{}
		for _, acl := range res.OfType(tWebACL) {
			if acl.Str("scope") == edge.ScopeRegional {
				acls[acl.Region] = acl.Str("name")
			}
		}
		ingresses := res.OfType(tIngress)
		require.Len(t, ingresses, 4, "two Ingresses (one ALB) per region")
		for _, ing := range ingresses {
			meta := ing.Object("metadata")
			ann := map[string]string{}
			for k, v := range meta["annotations"].(map[string]any) {
				ann[k] = v.(string)
			}
			region := strings.Split(ann[edge.AnnotationCert], ":")[3]
			t.Run(env+" "+ing.Name+": an internet-facing ALB of IP targets with TLS 1.2+, HTTP redirected, the region's WAF and certificate", func(t *testing.T) {
				assert.Equal(t, "alb", dig(ing.Object("spec"), "ingressClassName"))
				assert.Equal(t, "istio-system", meta["namespace"])
				assert.Equal(t, "internet-facing", ann[edge.AnnotationScheme])
				assert.Equal(t, "ip", ann[edge.AnnotationTarget])
				assert.Regexp(t, `^arn:aws:acm:`+region+`:123456789012:certificate/`, ann[edge.AnnotationCert])
				assert.Equal(t, "ELBSecurityPolicy-TLS13-1-2-2021-06", ann[edge.AnnotationSSLPolicy])
				assert.Equal(t, "443", ann[edge.AnnotationRedirect])
				assert.JSONEq(t, `[{"HTTP":80},{"HTTPS":443}]`, ann[edge.AnnotationListen])
				assert.Regexp(t, `^arn:aws:wafv2:`+region+`:123456789012:regional/webacl/`+acls[region]+`/`, ann[edge.AnnotationWAF])
				assert.Equal(t, "solsec-"+env, ann[edge.AnnotationGroup], "both Ingresses share one ALB")
			})
			t.Run(env+" "+ing.Name+": access logs to the region's edge bucket, invalid headers dropped, deletion protection in production", func(t *testing.T) {
				attrs := map[string]string{}
				for _, kv := range strings.Split(ann[edge.AnnotationLBAttrs], ",") {
					k, v, _ := strings.Cut(kv, "=")
					attrs[k] = v
				}
				assert.Equal(t, "true", attrs["access_logs.s3.enabled"])
				assert.Equal(t, edge.BucketName(env, region, edge.BucketEdgeLogs, offline.AccountID), attrs["access_logs.s3.bucket"])
				assert.Equal(t, "true", attrs["routing.http.drop_invalid_header_fields.enabled"])
				assert.Equal(t, strconv.FormatBool(env == "production"), attrs["deletion_protection.enabled"])
			})
			t.Run(env+" "+ing.Name+": targets the Istio gateway, TLS to its TLS port, the health path to its status port", func(t *testing.T) {
				rules := dig(ing.Object("spec"), "rules").([]any)
				require.NotEmpty(t, rules)
				for _, r := range rules {
					svc := dig(r, "http", "paths", 0, "backend", "service")
					assert.Equal(t, "istio-ingressgateway", dig(svc, "name"))
					port := dig(svc, "port", "number")
					if meta["name"] == "platform-edge-health" {
						assert.EqualValues(t, edge.HealthPort, port)
						assert.Equal(t, edge.HealthPath, dig(r, "http", "paths", 0, "path"))
						assert.Nil(t, dig(r, "host"), "answers whatever the Host header, for Route 53")
						assert.Equal(t, "HTTP", ann[edge.AnnotationBackend])
					} else {
						assert.EqualValues(t, 443, port)
						assert.Equal(t, "HTTPS", ann[edge.AnnotationBackend])
					}
				}
			})
		}
	}
}

func TestCloudFront(t *testing.T) {
	res := mustBuild(t, "production", twoRegions)
	dists := res.OfType(tDist)
	require.Len(t, dists, 1, "one distribution per environment")
	d := dists[0]
	distArn := "arn:aws:cloudfront::" + offline.AccountID + ":distribution/" + d.ID

	t.Run("every behaviour redirects to HTTPS or is HTTPS only", func(t *testing.T) {
		behaviours := append([]map[string]any{d.Object("defaultCacheBehavior")}, d.Objects("orderedCacheBehaviors")...)
		require.Len(t, behaviours, 4)
		for _, b := range behaviours {
			assert.Contains(t, []string{"redirect-to-https", "https-only"}, b["viewerProtocolPolicy"], b["pathPattern"])
			assert.NotEmpty(t, b["responseHeadersPolicyId"], "security headers on %v", b["pathPattern"])
		}
	})
	t.Run("viewers need TLS 1.2 (2021 ciphers) on the us-east-1 certificate; HTTP/2 and HTTP/3", func(t *testing.T) {
		vc := d.Object("viewerCertificate")
		assert.Equal(t, "TLSv1.2_2021", vc["minimumProtocolVersion"])
		assert.Equal(t, "sni-only", vc["sslSupportMethod"])
		assert.Regexp(t, `^arn:aws:acm:us-east-1:`, vc["acmCertificateArn"])
		assert.Equal(t, "http2and3", d.Str("httpVersion"))
		assert.Equal(t, "PriceClass_100", d.Str("priceClass"))
		assert.ElementsMatch(t, []string{"api." + domain, "app." + domain, "docs." + domain}, d.Strings("aliases"))
	})
	t.Run("the API and app origins are the failover names over HTTPS only, carrying the origin secret", func(t *testing.T) {
		origins := map[string]map[string]any{}
		for _, o := range d.Objects("origins") {
			origins[o["originId"].(string)] = o
		}
		for id, host := range map[string]string{"api": "api-origin." + domain, "app": "app-origin." + domain} {
			o := origins[id]
			assert.Equal(t, host, o["domainName"])
			assert.Equal(t, "https-only", dig(o, "customOriginConfig", "originProtocolPolicy"))
			assert.Equal(t, []any{"TLSv1.2"}, dig(o, "customOriginConfig", "originSslProtocols"))
			assert.Equal(t, edge.OriginVerifyHeader, dig(o, "customHeaders", 0, "name"))
		}
	})
	t.Run("the API passes through uncached with every viewer header; assets and docs are cached", func(t *testing.T) {
		paths := map[string]map[string]any{}
		for _, b := range d.Objects("orderedCacheBehaviors") {
			paths[b["pathPattern"].(string)] = b
		}
		api := paths[edge.PathAPI]
		assert.Equal(t, "api", api["targetOriginId"])
		assert.Equal(t, edge.ManagedCachingDisabled, api["cachePolicyId"])
		assert.Equal(t, edge.ManagedAllViewer, api["originRequestPolicyId"])
		assert.Contains(t, api["allowedMethods"], "POST")
		for _, p := range []string{edge.PathAssets, edge.PathDocs} {
			assert.NotEqual(t, edge.ManagedCachingDisabled, paths[p]["cachePolicyId"], p)
			assert.Equal(t, true, paths[p]["compress"], p)
		}
		assert.Equal(t, "docs", paths[edge.PathDocs]["targetOriginId"])
	})
	t.Run("the docs bucket is reached through OAC and its policy grants only this distribution", func(t *testing.T) {
		oac := res.OfType(tOAC)
		require.Len(t, oac, 1)
		assert.Equal(t, "always", oac[0].Str("signingBehavior"))
		var docs map[string]any
		for _, o := range d.Objects("origins") {
			if o["originId"] == "docs" {
				docs = o
			}
		}
		require.NotNil(t, docs)
		assert.Equal(t, oac[0].ID, docs["originAccessControlId"])
		bucket := edge.BucketName("production", "us-east-1", edge.BucketEdgeDocs, offline.AccountID)
		assert.Equal(t, bucket+".s3.us-east-1.amazonaws.com", docs["domainName"])

		var policy struct {
			Statement []struct {
				Effect    string
				Principal map[string]any
				Condition map[string]map[string]any
			}
		}
		found := false
		for _, p := range res.OfType(tBucketPol) {
			if p.Str("bucket") != bucket {
				continue
			}
			found = true
			require.NoError(t, json.Unmarshal([]byte(p.Str("policy")), &policy))
		}
		require.True(t, found, "the docs bucket has a policy")
		allows := 0
		for _, s := range policy.Statement {
			if s.Effect != "Allow" {
				continue
			}
			allows++
			assert.Equal(t, map[string]any{"Service": "cloudfront.amazonaws.com"}, s.Principal)
			assert.Equal(t, distArn, s.Condition["StringEquals"]["AWS:SourceArn"])
		}
		assert.Equal(t, 1, allows, "nothing but the distribution is allowed")
		for _, sse := range res.OfType(tBucketSSE) {
			if sse.Str("bucket") == bucket {
				assert.Equal(t, "aws:kms", dig(sse.Objects("rules")[0], "applyServerSideEncryptionByDefault", "sseAlgorithm"))
			}
		}
	})
	t.Run("the CloudFront web ACL is attached", func(t *testing.T) {
		assert.Regexp(t, `^arn:aws:wafv2:us-east-1:123456789012:global/webacl/solsec-production-cloudfront/`, d.Str("webAclId"))
	})
	t.Run("standard logging (v2) delivers the access logs to the us-east-1 edge log bucket", func(t *testing.T) {
		src := res.OfType(tLogSource)
		require.Len(t, src, 1)
		assert.Equal(t, distArn, src[0].Str("resourceArn"))
		assert.Equal(t, "ACCESS_LOGS", src[0].Str("logType"))
		assert.Equal(t, "us-east-1", src[0].Region)
		dst := res.OfType(tLogDest)
		require.Len(t, dst, 1)
		logs := edge.BucketName("production", "us-east-1", edge.BucketEdgeLogs, offline.AccountID)
		assert.Equal(t, "arn:aws:s3:::"+logs, dig(dst[0].Object("deliveryDestinationConfiguration"), "destinationResourceArn"))
		del := res.OfType(tLogDelivery)
		require.Len(t, del, 1)
		assert.Equal(t, src[0].Str("name"), del[0].Str("deliverySourceName"))
		assert.Contains(t, del[0].Str("deliveryDestinationArn"), ":delivery-destination:"+dst[0].Str("name"))
	})
	t.Run("the ALB log buckets use SSE-S3, the only encryption ALB log delivery supports", func(t *testing.T) {
		for _, r := range twoRegions {
			logs := edge.BucketName("production", r.name, edge.BucketEdgeLogs, offline.AccountID)
			found := false
			for _, sse := range res.OfType(tBucketSSE) {
				if sse.Str("bucket") == logs {
					found = true
					assert.Equal(t, "AES256", dig(sse.Objects("rules")[0], "applyServerSideEncryptionByDefault", "sseAlgorithm"))
				}
			}
			assert.True(t, found, logs)
		}
	})
}

func TestComponentShape(t *testing.T) {
	res := mustBuild(t, "production", twoRegions)
	comp, ok := res.Get("solsec:edge:Edge", "production-edge")
	require.True(t, ok)
	t.Run("every resource is named after the component and AWS ones run in a region of the edge", func(t *testing.T) {
		children := res.Descendants(comp.URN)
		require.NotEmpty(t, children)
		for _, c := range children {
			assert.True(t, strings.HasPrefix(c.Name, "production-edge-"), c.Name)
			if strings.HasPrefix(c.Type, "aws:") {
				assert.Contains(t, []string{"us-east-1", "us-west-2"}, c.Region, c.Name)
			}
		}
	})
	t.Run("the zone moved from the stack's top level keeps its identity through an alias", func(t *testing.T) {
		zones := res.OfType(tZone)
		require.Len(t, zones, 1)
		assert.Equal(t, "production-zone", zones[0].Name)
		assert.Equal(t, domain, zones[0].Str("name"))
	})
}

func TestExistingZoneIsLookedUp(t *testing.T) {
	res, err := offline.Run("staging", map[string]string{"aws:region": "us-east-1"}, func(ctx *pulumi.Context) error {
		z, err := edge.NewZone(ctx, "staging", &edge.ZoneArgs{Environment: "staging", Domain: domain, Existing: true})
		if err != nil {
			return err
		}
		ctx.Export("zoneId", z.ZoneID)
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, res.OfType(tZone), "an existing zone is not created")
	_, ok := res.Get("solsec:edge:Zone", "staging")
	assert.True(t, ok)
}

func TestArgsAreValidated(t *testing.T) {
	cases := map[string]struct {
		mutate  func(*edge.EdgeArgs)
		regions []region
		want    string
	}{
		"an upload rate above the general rate":       {func(a *edge.EdgeArgs) { a.UploadRateLimit = 5000 }, twoRegions, "uploads no more than the general limit"},
		"an upload limit inside the inspection limit": {func(a *edge.EdgeArgs) { a.UploadLimitBytes = 1024 }, twoRegions, "upload limit 1024 bytes"},
		"an unknown price class":                      {func(a *edge.EdgeArgs) { a.PriceClass = "PriceClass_1" }, twoRegions, `price class "PriceClass_1"`},
		"no region in us-east-1":                      {nil, []region{{"us-west-2", true}}, "no region is us-east-1"},
		"two primaries":                               {nil, []region{{"us-east-1", true}, {"us-west-2", true}}, "2 primary regions"},
		"an unsupported region":                       {nil, []region{{"us-east-1", true}, {"eu-west-1", false}}, `region "eu-west-1"`},
	}
	for name, c := range cases {
		t.Run("rejects "+name, func(t *testing.T) {
			a := args("staging")
			if c.mutate != nil {
				c.mutate(a)
			}
			_, err := build(t, "staging", c.regions, a)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestGreaterThanPattern(t *testing.T) {
	for _, n := range []int64{9, 10, 99, 100, 1999, 8192, 10485760, 52428800, 999999} {
		re := regexp.MustCompile(edge.GreaterThanPattern(n))
		t.Run(fmt.Sprintf("matches exactly the numbers above %d", n), func(t *testing.T) {
			for v := int64(0); v <= n*11+20; v += 1 + n/997 {
				assert.Equal(t, v > n, re.MatchString(strconv.FormatInt(v, 10)), "%d", v)
			}
			for _, v := range []int64{n - 1, n, n + 1, n * 10, n*10 - 1} {
				if v >= 0 {
					assert.Equal(t, v > n, re.MatchString(strconv.FormatInt(v, 10)), "%d", v)
				}
			}
			assert.False(t, re.MatchString("-"+strconv.FormatInt(n+1, 10)))
			assert.False(t, re.MatchString("abc"))
		})
	}
}
