package rules

import (
	"regexp"
	"strings"
)

const (
	tIAMPolicy      = "aws:iam/policy:Policy"
	tIAMRolePolicy  = "aws:iam/rolePolicy:RolePolicy"
	tIAMUserPolicy  = "aws:iam/userPolicy:UserPolicy"
	tIAMGroupPolicy = "aws:iam/groupPolicy:GroupPolicy"
	tIAMRole        = "aws:iam/role:Role"
	tIAMAttach      = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tECR            = "aws:ecr/repository:Repository"
	tHelmRelease    = "kubernetes:helm.sh/v3:Release"
	tHelmChartV3    = "kubernetes:helm.sh/v3:Chart"
	tHelmChartV4    = "kubernetes:helm.sh/v4:Chart"
	tPeerAuthV1     = "kubernetes:security.istio.io/v1:PeerAuthentication"
	tPeerAuthV1b1   = "kubernetes:security.istio.io/v1beta1:PeerAuthentication"
	adminPolicyARN  = "arn:aws:iam::aws:policy/AdministratorAccess"
)

// requiredTags are the tags every AWS resource carries, normally through
// the region provider's default tags.
var requiredTags = []string{"Project", "Environment", "Region", "ManagedBy", "CostCenter"}

// taggable are the AWS resource types that take tags; providers apply
// default tags only to those.
var taggable = []string{
	tVpc, tSubnet, tSG, tNACL, tFlowLog, tLaunchTpl, tEKSCluster, tKMSKey, tIAMRole, tIAMPolicy,
	tRDSInstance, tRDSCluster, tRedis, tBucket, tEFS, tSecret, tECR, tLogGroup, tTrail, tDetector,
	tCloudFront, tLB, tLBAlias, tWebACL,
	"aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip",
	"aws:ec2/routeTable:RouteTable", "aws:ec2/vpcEndpoint:VpcEndpoint", "aws:eks/nodeGroup:NodeGroup",
	"aws:eks/addon:Addon", "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws:route53/zone:Zone",
	"aws:backup/vault:Vault", "aws:backup/plan:Plan", "aws:acm/certificate:Certificate",
}

// exactVersion is a fully pinned chart version (no ranges, no "latest").
var exactVersion = regexp.MustCompile(`^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// serviceAccountSubject is one Kubernetes service account as an OIDC subject.
var serviceAccountSubject = regexp.MustCompile(`^system:serviceaccount:[a-z0-9-]+:[a-z0-9-]+$`)

// policyText returns every policy document a resource carries.
func policyTexts(r Resource, v View) []any {
	if r.Type == tIAMRole {
		var out []any
		for _, p := range v.List("inlinePolicies") {
			out = append(out, p.Raw("policy"))
		}
		return out
	}
	return []any{v.Raw("policy")}
}

// adminStatement reports whether a statement allows every action on every
// resource.
func adminStatement(st statement) bool {
	if st.Effect != "Allow" {
		return false
	}
	all := func(xs []string, star ...string) bool {
		for _, x := range xs {
			for _, s := range star {
				if x == s {
					return true
				}
			}
		}
		return false
	}
	return all(list(st.Action), "*", "*:*") && all(list(st.Resource), "*")
}

func platformPolicies() []ResourcePolicy {
	return []ResourcePolicy{
		{
			ID: "iam-no-admin-statement", Title: "No IAM policy allows \"*\" actions on \"*\" resources",
			Why:         "Full administrator rights on a workload or pipeline role turn any compromise into account takeover.",
			Enforcement: Mandatory, Controls: ctl("IAM.1", "1.16", "CC6.1,CC6.3", "A.5.15,A.8.2"),
			Types: []string{tIAMPolicy, tIAMRolePolicy, tIAMUserPolicy, tIAMGroupPolicy, tIAMRole},
			Check: func(r Resource, v View) *Problem {
				for _, raw := range policyTexts(r, v) {
					doc, _ := parseDocument(raw)
					for _, st := range doc.Statement {
						if adminStatement(st) {
							return problem("statement %q allows \"*\" on \"*\"", "list the actions and resource ARNs the role needs", st.Sid)
						}
					}
				}
				return nil
			},
		},
		{
			ID: "iam-no-administrator-access", Title: "No role gets the AdministratorAccess managed policy",
			Why:         "Same risk as an inline \"*\" grant, hidden behind a managed policy ARN.",
			Enforcement: Mandatory, Controls: ctl("IAM.1", "1.16", "CC6.3", "A.8.2"),
			Types: []string{tIAMAttach, "aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"},
			Check: func(r Resource, v View) *Problem {
				if v.Str("policyArn") == adminPolicyARN {
					return problem("attaches AdministratorAccess", "attach a least-privilege policy instead")
				}
				return nil
			},
		},
		{
			ID: "iam-trust-no-wildcard-principal", Title: "Role trust policies do not trust \"*\"",
			Why:         "A trust policy for Principal \"*\" lets any AWS account assume the role unless a condition scopes it.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.1,CC6.3", "A.5.15"),
			Types: []string{tIAMRole},
			Check: func(r Resource, v View) *Problem {
				doc, _ := parseDocument(v.Raw("assumeRolePolicy"))
				for _, st := range doc.Statement {
					if wildcardPrincipal(st) {
						return problem("the trust policy allows Principal \"*\"", "name the trusted account, service or OIDC provider")
					}
				}
				return nil
			},
		},
		{
			ID: "irsa-trust-one-service-account", Title: "IRSA roles trust exactly one service account",
			Why:         "A wildcard or missing :sub condition lets every pod in the cluster (or any OIDC subject) assume the role.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.1,CC6.3", "A.5.15,A.5.18"),
			Types: []string{tIAMRole},
			Check: func(r Resource, v View) *Problem {
				doc, _ := parseDocument(v.Raw("assumeRolePolicy"))
				for _, st := range doc.Statement {
					if st.Effect != "Allow" || !containsStr(list(st.Action), "sts:AssumeRoleWithWebIdentity") {
						continue
					}
					var subs, auds []string
					for op, kv := range st.Condition {
						for k, val := range kv {
							switch {
							case strings.HasSuffix(k, ":sub"):
								if op != "StringEquals" {
									return problem("the :sub condition uses %s", "use StringEquals on <issuer>:sub with one system:serviceaccount:<namespace>:<name>", op)
								}
								subs = append(subs, list(val)...)
							case strings.HasSuffix(k, ":aud"):
								auds = append(auds, list(val)...)
							}
						}
					}
					if len(subs) != 1 || !serviceAccountSubject.MatchString(subs[0]) {
						return problem("the web-identity trust names %d subject(s) %v", "condition StringEquals <issuer>:sub on exactly one system:serviceaccount:<namespace>:<name>", len(subs), subs)
					}
					if len(auds) != 1 || auds[0] != "sts.amazonaws.com" {
						return problem("the :aud condition is %v", `condition StringEquals <issuer>:aud on "sts.amazonaws.com"`, auds)
					}
				}
				return nil
			},
		},
		{
			ID: "ecr-scan-on-push", Title: "ECR scans images on push",
			Why:         "Known-vulnerable base images are caught before they reach the cluster.",
			Enforcement: Mandatory, Controls: ctl("ECR.1", "", "CC7.1", "A.8.8"),
			Types: []string{tECR},
			Check: func(r Resource, v View) *Problem {
				if !v.Bool("imageScanningConfiguration", "scanOnPush") {
					return problem("scanOnPush is not true", "set imageScanningConfiguration.scanOnPush: true")
				}
				return nil
			},
		},
		{
			ID: "ecr-immutable-tags", Title: "ECR tags are immutable",
			Why:         "A mutable tag lets a pushed image silently replace what a deployment reviewed and pinned.",
			Enforcement: Mandatory, Controls: ctl("ECR.2", "", "CC8.1", "A.8.32"),
			Types: []string{tECR},
			Check: func(r Resource, v View) *Problem {
				if v.Str("imageTagMutability") != "IMMUTABLE" {
					return problem("imageTagMutability is not IMMUTABLE", `set imageTagMutability: "IMMUTABLE"`)
				}
				return nil
			},
		},
		{
			ID: "ecr-kms", Title: "ECR encrypts images with a customer-managed key",
			Why:         "Images contain our analysis code; our key lets us audit and revoke pulls at the key.",
			Enforcement: Mandatory, Controls: ctl("ECR.5", "", "CC6.1", "A.8.24"),
			Types: []string{tECR},
			Check: func(r Resource, v View) *Problem {
				for _, e := range v.List("encryptionConfigurations") {
					if e.Str("encryptionType") == "KMS" && e.Set("kmsKey") {
						return nil
					}
				}
				return problem("not encrypted with a customer-managed key", `set encryptionConfigurations [{encryptionType: "KMS", kmsKey: <CMK ARN>}]`)
			},
		},
		{
			ID: "helm-chart-pinned", Title: "Helm charts are pinned to an exact version",
			Why:         "An unpinned chart changes what is deployed without a code change, bypassing review.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC8.1", "A.8.32,A.8.9"),
			Types: []string{tHelmRelease, tHelmChartV3, tHelmChartV4},
			Check: func(r Resource, v View) *Problem {
				if ver := v.Str("version"); !exactVersion.MatchString(ver) {
					return problem("chart %q version %q is not an exact version", "set version to the exact chart version reviewed (e.g. 1.17.2)", v.Str("chart"), ver)
				}
				return nil
			},
		},
		{
			ID: "istio-strict-mtls", Title: "Istio PeerAuthentication is STRICT",
			Why:         "PERMISSIVE or DISABLE lets plaintext, unauthenticated traffic into the mesh alongside mTLS.",
			Enforcement: Mandatory, Controls: ctl("", "", "CC6.1,CC6.7", "A.8.20,A.8.24"),
			Types: []string{tPeerAuthV1, tPeerAuthV1b1},
			Check: func(r Resource, v View) *Problem {
				if m := v.Str("spec", "mtls", "mode"); m != "STRICT" {
					return problem("spec.mtls.mode is %q", `set spec.mtls.mode: STRICT`, m)
				}
				for _, port := range v.Keys("spec", "portLevelMtls") {
					if m := v.Str("spec", "portLevelMtls", port, "mode"); m != "STRICT" {
						return problem("port %s mtls mode is %q", "remove the port-level exception or make it STRICT", port, m)
					}
				}
				return nil
			},
		},
		{
			ID: "resource-tagged", Title: "Every AWS resource carries the standard tags",
			Why:         "Project, Environment, Region, ManagedBy and CostCenter drive cost reports, inventory and incident ownership.",
			Enforcement: Advisory, Controls: ctl("", "", "CC6.1", "A.5.9"),
			Types: taggable,
			Check: func(r Resource, v View) *Problem {
				tags := map[string]bool{}
				for k := range r.DefaultTags {
					tags[k] = true
				}
				for _, k := range v.Keys("tags") {
					tags[k] = true
				}
				var missing []string
				for _, k := range requiredTags {
					if !tags[k] {
						missing = append(missing, k)
					}
				}
				if len(missing) > 0 {
					return problem("missing tags %s", "give the resource the region provider (whose defaultTags set them) or set the tags", strings.Join(missing, ", "))
				}
				return nil
			},
		},
	}
}

func containsStr(xs []string, x string) bool {
	for _, e := range xs {
		if e == x {
			return true
		}
	}
	return false
}
