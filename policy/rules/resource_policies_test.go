package rules

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type m = map[string]any
type l = []any

// rcase is one property set for one resource policy.
type rcase struct {
	name  string
	typ   string // "" means the policy's first type
	stack string
	props m
	want  Status
}

func ok(name string, props m) rcase  { return rcase{name: name, props: props, want: Pass} }
func bad(name string, props m) rcase { return rcase{name: name, props: props, want: Violation} }
func (c rcase) as(typ string) rcase  { c.typ = typ; return c }
func (c rcase) in(stack string) rcase {
	c.stack = stack
	return c
}

func doc(statements ...m) string {
	b := `{"Version":"2012-10-17","Statement":[`
	for i, s := range statements {
		if i > 0 {
			b += ","
		}
		b += toJSON(s)
	}
	return b + "]}"
}

const irsaIssuer = "oidc.eks.us-east-1.amazonaws.com/id/ABC"

func irsaTrust(cond m) string {
	return doc(m{"Effect": "Allow", "Principal": m{"Federated": "arn:aws:iam::123456789012:oidc-provider/" + irsaIssuer},
		"Action": "sts:AssumeRoleWithWebIdentity", "Condition": cond})
}

var goodWAFRules = l{
	m{"name": "common", "statement": m{"managedRuleGroupStatement": m{"vendorName": "AWS", "name": "AWSManagedRulesCommonRuleSet"}}},
	m{"name": "bad-inputs", "statement": m{"managedRuleGroupStatement": m{"vendorName": "AWS", "name": "AWSManagedRulesKnownBadInputsRuleSet"}}},
	m{"name": "rate", "statement": m{"rateBasedStatement": m{"limit": 2000.0, "aggregateKeyType": "IP"}}},
}

var goodWAFRuleJSON = `[
	{"Name":"common","Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesCommonRuleSet"}}},
	{"Name":"bad-inputs","Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesKnownBadInputsRuleSet"}}},
	{"Name":"rate","Statement":{"RateBasedStatement":{"Limit":2000,"AggregateKeyType":"IP"}}}]`

// edgeIngress is an Ingress of class alb with the edge's annotations, some
// replaced ("" deletes one).
func edgeIngress(replace map[string]string) m {
	ann := m{
		"alb.ingress.kubernetes.io/scheme":                   "internet-facing",
		"alb.ingress.kubernetes.io/listen-ports":             `[{"HTTP":80},{"HTTPS":443}]`,
		"alb.ingress.kubernetes.io/ssl-redirect":             "443",
		"alb.ingress.kubernetes.io/ssl-policy":               "ELBSecurityPolicy-TLS13-1-2-2021-06",
		"alb.ingress.kubernetes.io/wafv2-acl-arn":            "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/1",
		"alb.ingress.kubernetes.io/load-balancer-attributes": "access_logs.s3.enabled=true,access_logs.s3.bucket=logs,routing.http.drop_invalid_header_fields.enabled=true,deletion_protection.enabled=true",
	}
	for k, v := range replace {
		if v == "" {
			delete(ann, k)
		} else {
			ann[k] = v
		}
	}
	return m{"metadata": m{"annotations": ann}, "spec": m{"ingressClassName": "alb"}}
}

var allTags = m{"Project": "solsec", "Environment": "staging", "Region": "us-east-1", "ManagedBy": "pulumi", "CostCenter": "x"}

// resourceCases has, for every resource policy, at least one compliant and
// one violating property set.
var resourceCases = map[string][]rcase{
	"vpc-flow-log-all-traffic": {
		ok("all traffic to a log group", m{"trafficType": "ALL", "logDestination": "arn:aws:logs:..."}),
		bad("rejected traffic only", m{"trafficType": "REJECT", "logDestination": "arn:aws:logs:..."}),
		bad("no destination", m{"trafficType": "ALL"}),
	},
	"default-security-group-closed": {
		ok("no rules", m{"vpcId": "vpc-1"}),
		bad("an ingress rule", m{"ingress": l{m{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "self": true}}}),
	},
	"security-group-no-world-admin-ports": {
		ok("HTTPS from the world", m{"type": "ingress", "protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": l{"0.0.0.0/0"}}).as(tSGRule),
		ok("SSH from the VPC", m{"type": "ingress", "protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": l{"10.0.0.0/16"}}).as(tSGRule),
		ok("egress to the world on all ports", m{"type": "egress", "protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": l{"0.0.0.0/0"}}).as(tSGRule),
		bad("SSH from the world", m{"type": "ingress", "protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": l{"0.0.0.0/0"}}).as(tSGRule),
		bad("all ports from IPv6 world inline", m{"description": "x", "ingress": l{m{"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "ipv6CidrBlocks": l{"::/0"}}}}).as(tSG),
		bad("RDP in a range from the world", m{"ipProtocol": "tcp", "fromPort": 3000.0, "toPort": 4000.0, "cidrIpv4": "0.0.0.0/0"}).as(tSGIngress),
	},
	"network-acl-no-world-admin-ports": {
		ok("deny 22 and 3389 before allowing all", m{"ingress": l{
			m{"ruleNo": 100.0, "action": "allow", "protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlock": "0.0.0.0/0"},
			m{"ruleNo": 10.0, "action": "deny", "protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlock": "0.0.0.0/0"},
			m{"ruleNo": 20.0, "action": "deny", "protocol": "tcp", "fromPort": 3389.0, "toPort": 3389.0, "cidrBlock": "0.0.0.0/0"},
		}}),
		bad("allow all from the world first", m{"ingress": l{
			m{"ruleNo": 100.0, "action": "allow", "protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlock": "0.0.0.0/0"},
			m{"ruleNo": 200.0, "action": "deny", "protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlock": "0.0.0.0/0"},
		}}),
		bad("a standalone rule allowing RDP", m{"ruleNumber": 50.0, "ruleAction": "allow", "protocol": "tcp", "fromPort": 3389.0, "toPort": 3389.0, "cidrBlock": "0.0.0.0/0"}).as(tNACLRule),
		ok("a standalone egress rule", m{"ruleNumber": 50.0, "egress": true, "ruleAction": "allow", "protocol": "-1", "cidrBlock": "0.0.0.0/0"}).as(tNACLRule),
	},
	"security-group-rule-described": {
		ok("described rule", m{"description": "HTTPS from the ALB"}).as(tSGRule),
		bad("pulumi's default description", m{"description": "Managed by Pulumi"}),
		bad("undescribed inline rule", m{"description": "nodes", "ingress": l{m{"protocol": "tcp"}}}),
	},
	"subnet-no-auto-public-ip": {
		ok("no public IPs", m{"mapPublicIpOnLaunch": false}),
		bad("public IPs on launch", m{"mapPublicIpOnLaunch": true}),
	},
	"eks-endpoint-not-public": {
		ok("private only", m{"endpointPublicAccess": false, "endpointPrivateAccess": true}),
		ok("public restricted to an office range", m{"endpointPublicAccess": true, "publicAccessCidrs": l{"203.0.113.0/24"}}),
		ok("aws.eks.Cluster private", m{"vpcConfig": m{"endpointPublicAccess": false}}).as(tEKSCluster),
		bad("public by default with no CIDRs", m{}),
		bad("open to the world", m{"endpointPublicAccess": true, "publicAccessCidrs": l{"0.0.0.0/0"}}),
		bad("aws.eks.Cluster open to the world", m{"vpcConfig": m{"publicAccessCidrs": l{"0.0.0.0/0"}}}).as(tEKSCluster),
	},
	"eks-secrets-encrypted": {
		ok("component with a key", m{"encryptionConfigKeyArn": "arn:aws:kms:us-east-1:1:key/k"}),
		ok("aws.eks.Cluster with secrets encryption", m{"encryptionConfig": m{"resources": l{"secrets"}, "provider": m{"keyArn": "arn:k"}}}).as(tEKSCluster),
		bad("component without a key", m{}),
		bad("aws.eks.Cluster without a key", m{"encryptionConfig": m{"resources": l{"secrets"}}}).as(tEKSCluster),
	},
	"eks-control-plane-logs": {
		ok("every log type", m{"enabledClusterLogTypes": l{"api", "audit", "authenticator", "controllerManager", "scheduler"}}),
		bad("audit missing", m{"enabledClusterLogTypes": l{"api", "authenticator", "controllerManager", "scheduler"}}),
	},
	"eks-supported-version": {
		ok("1.35", m{"version": "1.35"}),
		ok("1.34 exactly", m{"version": "1.34"}),
		bad("1.29", m{"version": "1.29"}),
		bad("unpinned", m{}),
	},
	"launch-template-imdsv2": {
		ok("tokens required", m{"metadataOptions": m{"httpTokens": "required"}}),
		bad("tokens optional", m{"metadataOptions": m{"httpTokens": "optional"}}),
		bad("instance without metadata options", m{}).as(tInstance),
	},
	"launch-template-volumes-encrypted": {
		ok("encrypted as a string, as the provider takes it", m{"blockDeviceMappings": l{m{"deviceName": "/dev/xvda", "ebs": m{"encrypted": "true"}}}}),
		bad("unencrypted root", m{"blockDeviceMappings": l{m{"deviceName": "/dev/xvda", "ebs": m{"encrypted": "false"}}}}),
	},
	"launch-template-no-public-ip": {
		ok("no interfaces", m{}),
		bad("public IP on the interface", m{"networkInterfaces": l{m{"associatePublicIpAddress": "true"}}}),
	},
	"rds-encrypted-cmk": {
		ok("encrypted with a CMK", m{"storageEncrypted": true, "kmsKeyId": "arn:k"}),
		bad("not encrypted", m{"storageEncrypted": false}),
		bad("aurora cluster with the AWS key", m{"storageEncrypted": true}).as(tRDSCluster),
	},
	"rds-not-public": {
		ok("private", m{"publiclyAccessible": false}),
		bad("public", m{"publiclyAccessible": true}),
		bad("public cluster instance", m{"publiclyAccessible": true}).as(tRDSClusterInstance),
	},
	"rds-multi-az": {
		ok("multi-AZ in production", m{"multiAz": true}).in(Production),
		ok("single-AZ in staging", m{"multiAz": false}).in("staging"),
		ok("a replica in production", m{"replicateSourceDb": "arn:db"}).in(Production),
		bad("single-AZ in production", m{"multiAz": false}).in(Production),
	},
	"rds-backup-retention": {
		ok("30 days in production", m{"backupRetentionPeriod": 30.0}).in(Production),
		ok("7 days in staging", m{"backupRetentionPeriod": 7.0}).in("staging"),
		bad("14 days in production", m{"backupRetentionPeriod": 14.0}).in(Production),
		bad("no backups in staging", m{}).in("staging"),
	},
	"rds-deletion-protection": {
		ok("protected in production", m{"deletionProtection": true}).in(Production),
		ok("unprotected in staging", m{}).in("staging"),
		bad("unprotected in production", m{"deletionProtection": false}).in(Production),
	},
	"rds-performance-insights-cmk": {
		ok("insights with a CMK", m{"performanceInsightsEnabled": true, "performanceInsightsKmsKeyId": "arn:k"}),
		ok("insights off", m{}),
		bad("insights with the AWS key", m{"performanceInsightsEnabled": true}),
	},
	"rds-iam-auth": {
		ok("IAM auth on", m{"iamDatabaseAuthenticationEnabled": true}),
		bad("IAM auth off", m{}),
	},
	"rds-force-tls": {
		ok("instance with a parameter group", m{"parameterGroupName": "solsec-pg15"}),
		ok("PostgreSQL group forcing TLS", m{"family": "postgres15", "parameters": l{m{"name": "rds.force_ssl", "value": "1"}}}).as(tRDSParams),
		ok("MySQL cluster group requiring secure transport", m{"family": "aurora-mysql8.0", "parameters": l{m{"name": "require_secure_transport", "value": "ON"}}}).as(tRDSClusterParams),
		bad("instance on the default group", m{}),
		bad("PostgreSQL group not forcing TLS", m{"family": "postgres15", "parameters": l{m{"name": "rds.force_ssl", "value": "0"}}}).as(tRDSParams),
	},
	"rds-logs-exported": {
		ok("postgresql logs", m{"enabledCloudwatchLogsExports": l{"postgresql"}}),
		bad("no exports", m{}),
	},
	"redis-encrypted-at-rest": {
		ok("encrypted", m{"atRestEncryptionEnabled": true}),
		bad("not encrypted", m{"atRestEncryptionEnabled": false}),
	},
	"redis-encrypted-in-transit": {
		ok("TLS required", m{"transitEncryptionEnabled": true, "transitEncryptionMode": "required"}),
		bad("TLS off", m{}),
		bad("TLS preferred", m{"transitEncryptionEnabled": true, "transitEncryptionMode": "preferred"}),
	},
	"redis-auth": {
		ok("auth token", m{"authToken": "s3cret"}),
		ok("RBAC user group", m{"userGroupIds": l{"solsec"}}),
		bad("no auth", m{}),
	},
	"redis-automatic-failover": {
		ok("failover across AZs", m{"automaticFailoverEnabled": true, "multiAzEnabled": true}),
		bad("no multi-AZ", m{"automaticFailoverEnabled": true}),
	},
	"redis-snapshots": {
		ok("7 snapshots", m{"snapshotRetentionLimit": 7.0}),
		bad("no snapshots", m{"snapshotRetentionLimit": 0.0}),
	},
	"s3-public-access-block": {
		ok("all four on", m{"bucket": "b", "blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true}),
		bad("policies not blocked", m{"bucket": "b", "blockPublicAcls": true, "blockPublicPolicy": false, "ignorePublicAcls": true, "restrictPublicBuckets": true}),
	},
	"s3-sse-kms": {
		ok("aws:kms with a key", m{"bucket": "b", "rules": l{m{"applyServerSideEncryptionByDefault": m{"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "arn:k"}}}}),
		bad("SSE-S3", m{"bucket": "b", "rules": l{m{"applyServerSideEncryptionByDefault": m{"sseAlgorithm": "AES256"}}}}),
		bad("aws:kms with the AWS key", m{"bucket": "b", "rules": l{m{"applyServerSideEncryptionByDefault": m{"sseAlgorithm": "aws:kms"}}}}),
	},
	"s3-versioning": {
		ok("enabled", m{"bucket": "b", "versioningConfiguration": m{"status": "Enabled"}}),
		bad("suspended", m{"bucket": "b", "versioningConfiguration": m{"status": "Suspended"}}),
	},
	"s3-tls-only": {
		ok("deny without TLS", m{"bucket": "b", "policy": doc(m{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*", "Condition": m{"Bool": m{"aws:SecureTransport": "false"}}})}),
		bad("only an allow", m{"bucket": "b", "policy": doc(m{"Effect": "Allow", "Principal": m{"AWS": "arn:aws:iam::1:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})}),
	},
	"s3-lifecycle": {
		ok("an enabled rule", m{"bucket": "b", "rules": l{m{"id": "expire", "status": "Enabled"}}}),
		bad("only disabled rules", m{"bucket": "b", "rules": l{m{"id": "expire", "status": "Disabled"}}}),
	},
	"s3-access-logging": {
		ok("to the log bucket", m{"bucket": "b", "targetBucket": "logs"}),
		bad("no target", m{"bucket": "b"}),
	},
	"s3-replication-enabled": {
		ok("enabled and encrypted", m{"bucket": "b", "rules": l{m{"id": "dr", "status": "Enabled", "destination": m{"bucket": "arn:aws:s3:::b-dr", "encryptionConfiguration": m{"replicaKmsKeyId": "arn:k"}}}}}),
		bad("disabled", m{"bucket": "b", "rules": l{m{"id": "dr", "status": "Disabled", "destination": m{"bucket": "arn:aws:s3:::b-dr"}}}}),
		bad("replicas unencrypted", m{"bucket": "b", "rules": l{m{"id": "dr", "status": "Enabled", "destination": m{"bucket": "arn:aws:s3:::b-dr"}}}}),
	},
	"efs-encrypted": {
		ok("encrypted with a CMK", m{"encrypted": true, "kmsKeyId": "arn:k"}),
		bad("unencrypted", m{}),
	},
	"secret-cmk": {
		ok("CMK", m{"kmsKeyId": "arn:k"}),
		bad("AWS-managed key", m{"name": "solsec/staging/x"}),
	},
	"secret-rotation-schedule": {
		ok("every 30 days", m{"secretId": "arn:s", "rotationRules": m{"automaticallyAfterDays": 30.0}}),
		ok("a schedule expression", m{"secretId": "arn:s", "rotationRules": m{"scheduleExpression": "rate(30 days)"}}),
		bad("every 365 days", m{"secretId": "arn:s", "rotationRules": m{"automaticallyAfterDays": 365.0}}),
	},
	"kms-key-rotation": {
		ok("rotation on", m{"enableKeyRotation": true}),
		ok("asymmetric signing key (AWS cannot rotate it)", m{"customerMasterKeySpec": "RSA_2048"}),
		bad("rotation off", m{"enableKeyRotation": false}),
	},
	"kms-no-wildcard-principal": {
		ok("account root", m{"policy": doc(m{"Effect": "Allow", "Principal": m{"AWS": "arn:aws:iam::1:root"}, "Action": "kms:*", "Resource": "*"})}),
		ok("wildcard scoped to the account", m{"policy": doc(m{"Effect": "Allow", "Principal": m{"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": m{"StringEquals": m{"kms:CallerAccount": "1"}}})}),
		ok("no policy", m{}),
		bad("anyone", m{"policy": doc(m{"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})}),
	},
	"kms-deletion-window": {
		ok("30 days", m{"deletionWindowInDays": 30.0}),
		bad("7 days", m{"deletionWindowInDays": 7.0}),
	},
	"cloudfront-https-only": {
		ok("redirects", m{"defaultCacheBehavior": m{"viewerProtocolPolicy": "redirect-to-https"}, "orderedCacheBehaviors": l{m{"pathPattern": "/api/*", "viewerProtocolPolicy": "https-only"}}}),
		bad("allow-all by default", m{"defaultCacheBehavior": m{"viewerProtocolPolicy": "allow-all"}}),
		bad("allow-all on a path", m{"defaultCacheBehavior": m{"viewerProtocolPolicy": "https-only"}, "orderedCacheBehaviors": l{m{"pathPattern": "/static/*", "viewerProtocolPolicy": "allow-all"}}}),
	},
	"cloudfront-tls12": {
		ok("TLS 1.2 viewers and origins", m{"viewerCertificate": m{"acmCertificateArn": "arn:c", "minimumProtocolVersion": "TLSv1.2_2021"},
			"origins": l{m{"originId": "alb", "customOriginConfig": m{"originProtocolPolicy": "https-only", "originSslProtocols": l{"TLSv1.2"}}}}}),
		bad("default certificate", m{"viewerCertificate": m{"cloudfrontDefaultCertificate": true}}),
		bad("TLS 1.0 viewers", m{"viewerCertificate": m{"minimumProtocolVersion": "TLSv1"}}),
		bad("HTTP to the origin", m{"viewerCertificate": m{"minimumProtocolVersion": "TLSv1.2_2021"},
			"origins": l{m{"originId": "alb", "customOriginConfig": m{"originProtocolPolicy": "http-only", "originSslProtocols": l{"TLSv1.2"}}}}}),
	},
	"cloudfront-waf": {
		ok("web ACL", m{"webAclId": "arn:aws:wafv2:us-east-1:1:global/webacl/x"}),
		bad("no web ACL", m{}),
	},
	"cloudfront-s3-origin-oac": {
		ok("an S3 origin with OAC and a custom origin", m{"origins": l{
			m{"originId": "docs", "domainName": "docs.s3.us-east-1.amazonaws.com", "originAccessControlId": "E123"},
			m{"originId": "api", "domainName": "api-origin.solsec.io", "customOriginConfig": m{"originProtocolPolicy": "https-only"}},
		}}),
		bad("an S3 origin without OAC", m{"origins": l{m{"originId": "docs", "domainName": "docs.s3.us-east-1.amazonaws.com", "s3OriginConfig": m{"originAccessIdentity": ""}}}}),
	},
	"cloudfront-security-headers": {
		ok("on every behaviour", m{"defaultCacheBehavior": m{"responseHeadersPolicyId": "p"}, "orderedCacheBehaviors": l{m{"pathPattern": "/v1/*", "responseHeadersPolicyId": "p"}}}),
		bad("missing on one path", m{"defaultCacheBehavior": m{"responseHeadersPolicyId": "p"}, "orderedCacheBehaviors": l{m{"pathPattern": "/docs/*"}}}),
		bad("missing on the default behaviour", m{"defaultCacheBehavior": m{}}),
	},
	"waf-logs-redact-credentials": {
		ok("Authorization redacted", m{"redactedFields": l{m{"singleHeader": m{"name": "authorization"}}, m{"singleHeader": m{"name": "cookie"}}}}),
		bad("only cookies redacted", m{"redactedFields": l{m{"singleHeader": m{"name": "cookie"}}}}),
		bad("nothing redacted", m{}),
	},
	"alb-ingress-hardened": {
		ok("the edge's annotations", edgeIngress(nil)),
		ok("another controller's Ingress", m{"spec": m{"ingressClassName": "nginx"}}),
		bad("no HTTPS listener", edgeIngress(map[string]string{"alb.ingress.kubernetes.io/listen-ports": `[{"HTTP":80}]`})),
		bad("the controller's default TLS policy", edgeIngress(map[string]string{"alb.ingress.kubernetes.io/ssl-policy": ""})),
		bad("HTTP without a redirect", edgeIngress(map[string]string{"alb.ingress.kubernetes.io/ssl-redirect": ""})),
		bad("invalid headers kept", edgeIngress(map[string]string{"alb.ingress.kubernetes.io/load-balancer-attributes": "access_logs.s3.enabled=true,access_logs.s3.bucket=logs"})),
		bad("no access logs", edgeIngress(map[string]string{"alb.ingress.kubernetes.io/load-balancer-attributes": "routing.http.drop_invalid_header_fields.enabled=true"})),
	},
	"alb-ingress-waf": {
		ok("a web ACL", edgeIngress(nil)),
		ok("an internal ALB", edgeIngress(map[string]string{"alb.ingress.kubernetes.io/scheme": "internal", "alb.ingress.kubernetes.io/wafv2-acl-arn": ""})),
		bad("internet-facing without one", edgeIngress(map[string]string{"alb.ingress.kubernetes.io/wafv2-acl-arn": ""})),
	},
	"alb-ingress-deletion-protection": {
		ok("protected in production", edgeIngress(nil)).in("production"),
		ok("staging may delete its ALB", edgeIngress(map[string]string{"alb.ingress.kubernetes.io/load-balancer-attributes": "deletion_protection.enabled=false"})).in("staging"),
		bad("unprotected in production", edgeIngress(map[string]string{"alb.ingress.kubernetes.io/load-balancer-attributes": "deletion_protection.enabled=false"})).in("production"),
	},
	"alb-drop-invalid-headers": {
		ok("dropped", m{"dropInvalidHeaderFields": true}),
		ok("a network load balancer", m{"loadBalancerType": "network"}),
		bad("kept", m{}),
	},
	"alb-access-logs": {
		ok("enabled", m{"accessLogs": m{"enabled": true, "bucket": "logs"}}),
		bad("disabled", m{"accessLogs": m{"enabled": false, "bucket": "logs"}}),
	},
	"alb-internal": {
		ok("internal", m{"internal": true}),
		bad("internet-facing", m{"internal": false}),
		ok("an internal ALB Ingress", edgeIngress(map[string]string{"alb.ingress.kubernetes.io/scheme": "internal"})).as(tIngress),
		bad("an internet-facing ALB Ingress", edgeIngress(nil)).as(tIngress),
	},
	"alb-deletion-protection": {
		ok("protected", m{"enableDeletionProtection": true}),
		bad("unprotected", m{}),
	},
	"alb-listener-https": {
		ok("HTTPS with TLS 1.3 policy", m{"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}),
		ok("HTTP redirecting", m{"protocol": "HTTP", "defaultActions": l{m{"type": "redirect", "redirect": m{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}}}),
		bad("HTTPS with the 2016 policy", m{"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08"}),
		bad("HTTP forwarding", m{"protocol": "HTTP", "defaultActions": l{m{"type": "forward", "targetGroupArn": "arn:tg"}}}),
	},
	"waf-managed-rules": {
		ok("both groups", m{"rules": goodWAFRules}),
		ok("both groups in ruleJson", m{"ruleJson": goodWAFRuleJSON}),
		bad("only the rate rule", m{"rules": l{goodWAFRules[2]}}),
		bad("only the rate rule in ruleJson", m{"ruleJson": `[{"Name":"rate","Statement":{"RateBasedStatement":{"Limit":100,"AggregateKeyType":"IP"}}}]`}),
	},
	"waf-rate-limit": {
		ok("rate rule", m{"rules": goodWAFRules}),
		ok("rate rule in ruleJson", m{"ruleJson": goodWAFRuleJSON}),
		bad("no rate rule", m{"rules": goodWAFRules[:2]}),
		bad("no rules at all", m{}),
	},
	"waf-metrics": {
		ok("metrics on", m{"visibilityConfig": m{"cloudwatchMetricsEnabled": true, "sampledRequestsEnabled": true}}),
		bad("no sampling", m{"visibilityConfig": m{"cloudwatchMetricsEnabled": true, "sampledRequestsEnabled": false}}),
	},
	"cloudtrail-multi-region": {
		ok("multi-region", m{"isMultiRegionTrail": true}),
		bad("single region", m{"isMultiRegionTrail": false}),
		bad("logging off", m{"isMultiRegionTrail": true, "enableLogging": false}),
	},
	"cloudtrail-log-validation": {
		ok("validated", m{"enableLogFileValidation": true}),
		bad("not validated", m{}),
	},
	"cloudtrail-kms": {
		ok("CMK", m{"kmsKeyId": "arn:k"}),
		bad("no key", m{}),
	},
	"cloudtrail-cloudwatch": {
		ok("delivered", m{"cloudWatchLogsGroupArn": "arn:lg:*", "cloudWatchLogsRoleArn": "arn:role"}),
		bad("no role", m{"cloudWatchLogsGroupArn": "arn:lg:*"}),
	},
	"config-records-everything": {
		ok("all supported", m{"roleArn": "arn:role", "recordingGroup": m{"allSupported": true}}),
		bad("selected types only", m{"roleArn": "arn:role", "recordingGroup": m{"allSupported": false, "resourceTypes": l{"AWS::S3::Bucket"}}}),
	},
	"config-recorder-on": {
		ok("started", m{"name": "default", "isEnabled": true}),
		bad("stopped", m{"name": "default", "isEnabled": false}),
	},
	"guardduty-enabled": {
		ok("enabled by default", m{}),
		ok("EKS feature on", m{"name": "EKS_AUDIT_LOGS", "status": "ENABLED"}).as(tDetectorFeature),
		bad("disabled", m{"enable": false}),
		bad("feature off", m{"name": "RUNTIME_MONITORING", "status": "DISABLED"}).as(tDetectorFeature),
	},
	"log-group-kms": {
		ok("CMK", m{"kmsKeyId": "arn:k", "retentionInDays": 365.0}),
		bad("no key", m{"retentionInDays": 365.0}),
	},
	"log-group-retention": {
		ok("a year", m{"retentionInDays": 365.0}),
		bad("forever", m{}),
		bad("a week", m{"retentionInDays": 7.0}),
	},
	"iam-no-admin-statement": {
		ok("scoped actions", m{"policy": doc(m{"Effect": "Allow", "Action": l{"s3:GetObject"}, "Resource": "arn:aws:s3:::b/*"})}),
		ok("a wildcard action of one service on one resource", m{"policy": doc(m{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"})}),
		bad("star on star", m{"policy": doc(m{"Sid": "God", "Effect": "Allow", "Action": "*", "Resource": "*"})}),
		bad("star on star inline in a role", m{"inlinePolicies": l{m{"name": "x", "policy": doc(m{"Effect": "Allow", "Action": l{"*"}, "Resource": l{"*"}})}}}).as(tIAMRole),
	},
	"iam-no-administrator-access": {
		ok("worker node policy", m{"policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"}),
		bad("administrator", m{"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
	},
	"iam-trust-no-wildcard-principal": {
		ok("a service", m{"assumeRolePolicy": doc(m{"Effect": "Allow", "Principal": m{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})}),
		bad("anyone", m{"assumeRolePolicy": doc(m{"Effect": "Allow", "Principal": m{"AWS": "*"}, "Action": "sts:AssumeRole"})}),
	},
	"irsa-trust-one-service-account": {
		ok("one service account", m{"assumeRolePolicy": irsaTrust(m{"StringEquals": m{irsaIssuer + ":sub": "system:serviceaccount:ns:sa", irsaIssuer + ":aud": "sts.amazonaws.com"}})}),
		ok("not a web-identity role", m{"assumeRolePolicy": doc(m{"Effect": "Allow", "Principal": m{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})}),
		bad("any service account of a namespace", m{"assumeRolePolicy": irsaTrust(m{"StringLike": m{irsaIssuer + ":sub": "system:serviceaccount:ns:*"}, "StringEquals": m{irsaIssuer + ":aud": "sts.amazonaws.com"}})}),
		bad("no subject", m{"assumeRolePolicy": irsaTrust(m{"StringEquals": m{irsaIssuer + ":aud": "sts.amazonaws.com"}})}),
		bad("two service accounts", m{"assumeRolePolicy": irsaTrust(m{"StringEquals": m{irsaIssuer + ":sub": l{"system:serviceaccount:a:x", "system:serviceaccount:b:y"}, irsaIssuer + ":aud": "sts.amazonaws.com"}})}),
	},
	"ecr-scan-on-push": {
		ok("scans", m{"imageScanningConfiguration": m{"scanOnPush": true}}),
		bad("no scan", m{}),
	},
	"ecr-immutable-tags": {
		ok("immutable", m{"imageTagMutability": "IMMUTABLE"}),
		bad("mutable", m{"imageTagMutability": "MUTABLE"}),
	},
	"ecr-kms": {
		ok("KMS", m{"encryptionConfigurations": l{m{"encryptionType": "KMS", "kmsKey": "arn:k"}}}),
		bad("AES256", m{"encryptionConfigurations": l{m{"encryptionType": "AES256"}}}),
	},
	"helm-chart-pinned": {
		ok("exact", m{"chart": "cert-manager", "version": "v1.17.2"}),
		ok("exact prerelease", m{"chart": "x", "version": "1.2.3-rc.1"}),
		bad("range", m{"chart": "cert-manager", "version": "^1.17"}),
		bad("no version", m{"chart": "argo-cd"}),
	},
	"istio-strict-mtls": {
		ok("strict", m{"spec": m{"mtls": m{"mode": "STRICT"}}}),
		bad("permissive", m{"spec": m{"mtls": m{"mode": "PERMISSIVE"}}}),
		bad("a permissive port", m{"spec": m{"mtls": m{"mode": "STRICT"}, "portLevelMtls": m{"8080": m{"mode": "DISABLE"}}}}).as(tPeerAuthV1b1),
	},
	"workload-pod-restricted": {
		ok("restricted", restrictedPod(nil)),
		ok("seccomp on the container", restrictedPod(func(pod, c m) {
			delete(pod["securityContext"].(m), "seccompProfile")
			c["securityContext"].(m)["seccompProfile"] = m{"type": "RuntimeDefault"}
		})),
		ok("a restricted Job", restrictedPod(nil)).as("kubernetes:batch/v1:Job"),
		bad("root allowed", restrictedPod(func(pod, c m) {
			delete(pod["securityContext"].(m), "runAsNonRoot")
			delete(c["securityContext"].(m), "runAsNonRoot")
		})),
		bad("escalation by default", restrictedPod(func(_, c m) { delete(c["securityContext"].(m), "allowPrivilegeEscalation") })),
		bad("privileged", restrictedPod(func(_, c m) { c["securityContext"].(m)["privileged"] = true })),
		bad("a writable root", restrictedPod(func(_, c m) { c["securityContext"].(m)["readOnlyRootFilesystem"] = false })),
		bad("capabilities kept", restrictedPod(func(_, c m) { c["securityContext"].(m)["capabilities"] = m{"drop": l{"NET_RAW"}} })),
		bad("a capability added", restrictedPod(func(_, c m) { c["securityContext"].(m)["capabilities"] = m{"drop": l{"ALL"}, "add": l{"NET_ADMIN"}} })),
		bad("no seccomp", restrictedPod(func(pod, _ m) { delete(pod["securityContext"].(m), "seccompProfile") })),
		bad("host network", restrictedPod(func(pod, _ m) { pod["hostNetwork"] = true })),
		bad("an unrestricted init container", restrictedPod(func(pod, _ m) { pod["initContainers"] = l{m{"name": "init", "image": "x"}} })),
	},
	"workload-image-by-digest": {
		ok("by digest", restrictedPod(nil)),
		bad("by tag", restrictedPod(func(_, c m) {
			c["image"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/solsec/production/api-service:v1"
		})),
		bad("latest", restrictedPod(func(_, c m) { c["image"] = "busybox" })),
		bad("a short digest", restrictedPod(func(_, c m) { c["image"] = "repo@sha256:abc" })),
	},
	"workload-resources-bounded": {
		ok("bounded", restrictedPod(nil)),
		bad("no memory limit", restrictedPod(func(_, c m) { delete(c["resources"].(m)["limits"].(m), "memory") })),
		bad("no requests", restrictedPod(func(_, c m) { delete(c["resources"].(m), "requests") })),
	},
	"resource-tagged": {
		ok("through default tags", m{}),
		bad("no tags at all", m{"tags": m{"Name": "x"}}),
	},
}

func TestResourcePolicies(t *testing.T) {
	for _, p := range ResourcePolicies() {
		cases := resourceCases[p.ID]
		for _, c := range cases {
			t.Run(p.ID+": "+c.name, func(t *testing.T) {
				typ := c.typ
				if typ == "" {
					typ = p.Types[0]
				}
				r := Resource{Type: typ, Name: "test-" + p.ID, URN: "urn:x", Stack: c.stack, Props: c.props}
				if p.ID == "resource-tagged" && c.want == Pass {
					r.DefaultTags = map[string]string{}
					for k, v := range allTags {
						r.DefaultTags[k] = v.(string)
					}
				}
				v, applies := CheckResource(p, r)
				require.True(t, applies, "the policy applies to %s", typ)
				assert.Equal(t, c.want, v.Status, v.Message)
				if c.want == Violation {
					assert.Contains(t, v.Message, `"test-`+p.ID+`"`, "the message names the resource")
					assert.Contains(t, v.Message, "Fix: ", "the message says how to fix it")
				}
			})
		}
	}
}

func TestEveryPolicyHasCompliantAndViolatingCases(t *testing.T) {
	for _, p := range ResourcePolicies() {
		var pass, fail bool
		for _, c := range resourceCases[p.ID] {
			pass = pass || c.want == Pass
			fail = fail || c.want == Violation
		}
		assert.True(t, pass && fail, "%s needs a compliant and a violating case", p.ID)
	}
	for id := range resourceCases {
		found := false
		for _, p := range ResourcePolicies() {
			found = found || p.ID == id
		}
		assert.True(t, found, "cases for unknown policy %s", id)
	}
}

func TestPolicyMetadata(t *testing.T) {
	seen := map[string]bool{}
	n := 0
	check := func(id, title, why string, e Enforcement, c Controls) {
		n++
		assert.False(t, seen[id], "duplicate id %s", id)
		seen[id] = true
		assert.Regexp(t, `^[a-z0-9]+(-[a-z0-9]+)*$`, id)
		assert.NotEmpty(t, title, id)
		assert.Greater(t, len(why), 30, "%s says why", id)
		assert.Contains(t, []Enforcement{Mandatory, Advisory}, e, id)
		assert.NotEmpty(t, c.SOC2, "%s maps to SOC 2", id)
		assert.NotEmpty(t, c.ISO, "%s maps to ISO 27001", id)
		for _, f := range c.FSBP {
			assert.Regexp(t, `^[A-Za-z0-9]+\.\d+$`, f, "%s FSBP id", id)
		}
	}
	for _, p := range ResourcePolicies() {
		check(p.ID, p.Title, p.Why, p.Enforcement, p.Controls)
		assert.NotEmpty(t, p.Types, p.ID)
	}
	for _, p := range StackPolicies() {
		check(p.ID, p.Title, p.Why, p.Enforcement, p.Controls)
	}
	assert.GreaterOrEqual(t, n, 45, "the issue asks for at least 45 policies")
}

func TestUnknownValues(t *testing.T) {
	p := policyByID(t, "rds-encrypted-cmk")
	t.Run("an unknown value the check reads makes the verdict unknown, not a violation", func(t *testing.T) {
		v, _ := CheckResource(p, Resource{Type: tRDSInstance, Name: "db", Props: m{"storageEncrypted": Unknown}})
		assert.Equal(t, Unknowns, v.Status)
		assert.Contains(t, v.Message, `"db"`)
	})
	t.Run("an unknown value inside a list is unknown too", func(t *testing.T) {
		v, _ := CheckResource(policyByID(t, "launch-template-volumes-encrypted"),
			Resource{Type: tLaunchTpl, Name: "lt", Props: m{"blockDeviceMappings": l{Unknown}}})
		assert.Equal(t, Unknowns, v.Status)
	})
	t.Run("an unknown value the check does not read leaves the verdict decided", func(t *testing.T) {
		v, _ := CheckResource(p, Resource{Type: tRDSInstance, Name: "db", Props: m{"storageEncrypted": true, "kmsKeyId": "k", "engineVersion": Unknown}})
		assert.Equal(t, Pass, v.Status)
	})
	t.Run("a policy does not apply to other types", func(t *testing.T) {
		_, applies := CheckResource(p, Resource{Type: tVpc})
		assert.False(t, applies)
	})
}

func policyByID(t *testing.T, id string) ResourcePolicy {
	t.Helper()
	for _, p := range ResourcePolicies() {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no policy %s", id)
	return ResourcePolicy{}
}

func TestMessagesUseTheShortType(t *testing.T) {
	msg := Message(Resource{Type: "aws:ec2/vpc:Vpc", Name: "v"}, Problem{What: "w", Fix: "f"})
	assert.Equal(t, `aws:ec2/vpc "v": w. Fix: f`, msg)
	assert.False(t, strings.Contains(msg, ":Vpc"))
}

// restrictedPod is a Deployment as components/workloads writes it, changed
// by mutate (pod spec, container).
func restrictedPod(mutate func(pod, c m)) m {
	c := m{
		"name":  "api-service",
		"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/solsec/production/api-service@sha256:" + strings.Repeat("ab", 32),
		"securityContext": m{"allowPrivilegeEscalation": false, "privileged": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
			"capabilities": m{"drop": l{"ALL"}}},
		"resources": m{"requests": m{"cpu": "250m", "memory": "256Mi"}, "limits": m{"cpu": "1", "memory": "512Mi"}},
	}
	pod := m{
		"securityContext": m{"runAsNonRoot": true, "runAsUser": 65532.0, "seccompProfile": m{"type": "RuntimeDefault"}},
		"containers":      l{c},
	}
	if mutate != nil {
		mutate(pod, c)
	}
	return m{"spec": m{"template": m{"spec": pod}}}
}
