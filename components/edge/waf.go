package edge

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Web ACL scopes.
const (
	ScopeCloudFront = "CLOUDFRONT"
	ScopeRegional   = "REGIONAL"
)

// ManagedRuleGroups are the AWS managed rule groups every web ACL runs, in
// evaluation order: IP reputation and anonymous IPs first (cheap, drop
// known-bad sources), then the OWASP Top 10 common rule set, known bad
// inputs (Log4j/Log4Shell, Java deserialisation, ...) and SQL injection.
var ManagedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesAnonymousIpList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

// countedManagedRules are managed rules the edge only counts, each with the
// reason:
//   - SizeRestrictions_BODY blocks every body over 8 KB, which would block
//     every contract upload; the edge's own body-size and upload-size rules
//     replace it (8 KB outside UploadPath, the upload limit on it).
//   - HostingProviderIPList blocks requests from cloud providers, which is
//     where customers' CI pipelines call the API from.
var countedManagedRules = map[string][]string{
	"AWSManagedRulesCommonRuleSet":   {"SizeRestrictions_BODY"},
	"AWSManagedRulesAnonymousIpList": {"HostingProviderIPList"},
}

// rule is one web ACL rule in the WAF API's JSON shape (the ACL's
// ruleJson), which, unlike the typed rules input, nests statements as
// deeply as the rules here need.
type rule = map[string]any

func visibility(metric string) map[string]any {
	return map[string]any{"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": metric}
}

func block() map[string]any { return map[string]any{"Block": map[string]any{}} }

// pathStartsWith matches the normalised, lower-cased URI path, so that
// /V1//Analyses cannot dodge a rule meant for /v1/analyses.
func pathStartsWith(prefix string) map[string]any {
	return map[string]any{"ByteMatchStatement": map[string]any{
		"FieldToMatch":         map[string]any{"UriPath": map[string]any{}},
		"PositionalConstraint": "STARTS_WITH",
		"SearchString":         strings.ToLower(prefix),
		"TextTransformations": []any{
			map[string]any{"Priority": 0, "Type": "NORMALIZE_PATH"},
			map[string]any{"Priority": 1, "Type": "LOWERCASE"},
		},
	}}
}

func not(statement map[string]any) map[string]any {
	return map[string]any{"NotStatement": map[string]any{"Statement": statement}}
}

func and(statements ...map[string]any) map[string]any {
	list := make([]any, len(statements))
	for i, s := range statements {
		list[i] = s
	}
	return map[string]any{"AndStatement": map[string]any{"Statements": list}}
}

// GreaterThanPattern is a regular expression matching exactly the decimal
// integers greater than n (no sign, no leading zeros): a WAF rule compares
// a Content-Length header with it, because WAF's size constraints cannot
// measure a body beyond the first kilobytes it inspects.
func GreaterThanPattern(n int64) string {
	s := strconv.FormatInt(n, 10)
	d := len(s)
	// Any number with more digits.
	alts := []string{fmt.Sprintf("[1-9][0-9]{%d,}", d)}
	// Same number of digits: equal up to position i, larger at i.
	for i := 0; i < d; i++ {
		c := s[i]
		if c == '9' {
			continue
		}
		alt := s[:i]
		if c+1 == '9' {
			alt += "9"
		} else {
			alt += fmt.Sprintf("[%c-9]", c+1)
		}
		if rest := d - i - 1; rest > 0 {
			alt += fmt.Sprintf("[0-9]{%d}", rest)
		}
		alts = append(alts, alt)
	}
	return "^(" + strings.Join(alts, "|") + ")$"
}

// aclRules are the rules of a web ACL of a scope. A REGIONAL ACL sees
// CloudFront's addresses as the source, so its per-client rules use the
// client address CloudFront puts in X-Forwarded-For, and it first blocks
// whatever does not carry CloudFront's origin secret (Route 53's health
// checks, which cannot, reach only HealthPath).
func (b *builder) aclRules(scope, secret string) []rule {
	a := b.args
	var rules []rule
	add := func(name string, r rule) {
		r["Name"] = name
		r["Priority"] = len(rules)
		r["VisibilityConfig"] = visibility(strings.ReplaceAll(name, "-", ""))
		rules = append(rules, r)
	}
	var forwarded map[string]any
	if scope == ScopeRegional {
		// NO_MATCH: a request without the header (a health check) is
		// neither geo-blocked nor counted against a client.
		forwarded = map[string]any{"HeaderName": "X-Forwarded-For", "FallbackBehavior": "NO_MATCH"}
		add("origin-verify", rule{"Action": block(), "Statement": and(
			not(map[string]any{"ByteMatchStatement": map[string]any{
				"FieldToMatch":         map[string]any{"SingleHeader": map[string]any{"Name": OriginVerifyHeader}},
				"PositionalConstraint": "EXACTLY",
				"SearchString":         secret,
				"TextTransformations":  []any{map[string]any{"Priority": 0, "Type": "NONE"}},
			}}),
			not(map[string]any{"ByteMatchStatement": map[string]any{
				"FieldToMatch":         map[string]any{"UriPath": map[string]any{}},
				"PositionalConstraint": "EXACTLY",
				"SearchString":         HealthPath,
				"TextTransformations":  []any{map[string]any{"Priority": 0, "Type": "NONE"}},
			}}),
		)})
	}
	if len(a.BlockedCountries) > 0 {
		geo := map[string]any{"CountryCodes": a.BlockedCountries}
		if forwarded != nil {
			geo["ForwardedIPConfig"] = forwarded
		}
		add("blocked-countries", rule{"Action": block(), "Statement": map[string]any{"GeoMatchStatement": geo}})
	}
	rate := func(limit int, scopeDown map[string]any) map[string]any {
		s := map[string]any{"Limit": limit, "EvaluationWindowSec": 300, "AggregateKeyType": "IP"}
		if forwarded != nil {
			s["AggregateKeyType"] = "FORWARDED_IP"
			s["ForwardedIPConfig"] = forwarded
		}
		if scopeDown != nil {
			s["ScopeDownStatement"] = scopeDown
		}
		return map[string]any{"RateBasedStatement": s}
	}
	add("rate-limit-uploads", rule{"Action": block(), "Statement": rate(a.UploadRateLimit, pathStartsWith(UploadPath))})
	add("rate-limit", rule{"Action": block(), "Statement": rate(a.RateLimit, nil)})
	add("body-size", rule{"Action": block(), "Statement": and(
		not(pathStartsWith(UploadPath)),
		map[string]any{"SizeConstraintStatement": map[string]any{
			"FieldToMatch":        map[string]any{"Body": map[string]any{"OversizeHandling": "MATCH"}},
			"ComparisonOperator":  "GT",
			"Size":                BodyInspectionLimit,
			"TextTransformations": []any{map[string]any{"Priority": 0, "Type": "NONE"}},
		}},
	)})
	add("upload-size", rule{"Action": block(), "Statement": and(
		pathStartsWith(UploadPath),
		map[string]any{"RegexMatchStatement": map[string]any{
			"FieldToMatch":        map[string]any{"SingleHeader": map[string]any{"Name": "content-length"}},
			"RegexString":         GreaterThanPattern(a.UploadLimitBytes),
			"TextTransformations": []any{map[string]any{"Priority": 0, "Type": "NONE"}},
		}},
	)})
	for _, g := range ManagedRuleGroups {
		group := map[string]any{"VendorName": "AWS", "Name": g}
		var overrides []any
		for _, r := range countedManagedRules[g] {
			overrides = append(overrides, map[string]any{"Name": r, "ActionToUse": map[string]any{"Count": map[string]any{}}})
		}
		if overrides != nil {
			group["RuleActionOverrides"] = overrides
		}
		add(g, rule{"OverrideAction": map[string]any{"None": map[string]any{}}, "Statement": map[string]any{"ManagedRuleGroupStatement": group}})
	}
	return rules
}

// webACL creates a web ACL of a scope in a region, with its log group and
// logging configuration. The log group's name must start with
// aws-waf-logs-; the Authorization header and cookies are redacted so that
// the logs never hold credentials.
func (b *builder) webACL(r RegionArgs, scope, suffix string) (*wafv2.WebAcl, error) {
	var rulesJSON pulumi.StringOutput
	if scope == ScopeRegional {
		// The regional rules carry the origin secret, so they are secret.
		rulesJSON = b.originSecretValue.ApplyT(func(secret string) (string, error) {
			out, err := json.Marshal(b.aclRules(scope, secret))
			return string(out), err
		}).(pulumi.StringOutput)
	} else {
		// The CloudFront ACL holds no secret; marking its rules secret
		// would hide them from every diff.
		out, err := json.Marshal(b.aclRules(scope, ""))
		if err != nil {
			return nil, fmt.Errorf("web acl %s rules: %w", suffix, err)
		}
		rulesJSON = pulumi.String(string(out)).ToStringOutput()
	}
	name := fmt.Sprintf("solsec-%s-%s", b.args.Environment, suffix)
	acl, err := wafv2.NewWebAcl(b.ctx, b.child(suffix+"-waf"), &wafv2.WebAclArgs{
		Name:             pulumi.String(name),
		Description:      pulumi.Sprintf("solsec %s edge (%s)", b.args.Environment, strings.ToLower(scope)),
		Scope:            pulumi.String(scope),
		DefaultAction:    &wafv2.WebAclDefaultActionArgs{Allow: &wafv2.WebAclDefaultActionAllowArgs{}},
		RuleJson:         rulesJSON,
		VisibilityConfig: &wafv2.WebAclVisibilityConfigArgs{CloudwatchMetricsEnabled: pulumi.Bool(true), SampledRequestsEnabled: pulumi.Bool(true), MetricName: pulumi.String(strings.ReplaceAll(name, "-", ""))},
		Tags:             pulumi.StringMap{"Name": pulumi.String(name)},
	}, b.in(r)...)
	if err != nil {
		return nil, fmt.Errorf("web acl %s: %w", suffix, err)
	}
	logs, err := cloudwatch.NewLogGroup(b.ctx, b.child(suffix+"-waf-logs"), &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("aws-waf-logs-" + name),
		RetentionInDays: pulumi.Int(b.args.LogRetentionDays),
		KmsKeyId:        r.LogsKeyArn,
	}, b.in(r, pulumi.Parent(acl))...)
	if err != nil {
		return nil, fmt.Errorf("web acl %s log group: %w", suffix, err)
	}
	if _, err := wafv2.NewWebAclLoggingConfiguration(b.ctx, b.child(suffix+"-waf-logging"), &wafv2.WebAclLoggingConfigurationArgs{
		ResourceArn:           acl.Arn,
		LogDestinationConfigs: pulumi.StringArray{logs.Arn},
		RedactedFields: wafv2.WebAclLoggingConfigurationRedactedFieldArray{
			&wafv2.WebAclLoggingConfigurationRedactedFieldArgs{SingleHeader: &wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String("authorization")}},
			&wafv2.WebAclLoggingConfigurationRedactedFieldArgs{SingleHeader: &wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String("cookie")}},
			&wafv2.WebAclLoggingConfigurationRedactedFieldArgs{SingleHeader: &wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs{Name: pulumi.String(OriginVerifyHeader)}},
		},
	}, b.in(r, pulumi.Parent(acl))...); err != nil {
		return nil, fmt.Errorf("web acl %s logging: %w", suffix, err)
	}
	return acl, nil
}
