package rules

import (
	"strconv"
	"strings"
)

const (
	tEKSComponent  = "eks:index:Cluster"
	tEKSCluster    = "aws:eks/cluster:Cluster"
	tLaunchTpl     = "aws:ec2/launchTemplate:LaunchTemplate"
	tInstance      = "aws:ec2/instance:Instance"
	minEKSVersion  = "1.34"
	eksVersionNote = "the oldest Kubernetes version in EKS standard support (AWS release calendar, reviewed 2026-11)"
)

// eksLogTypes are every control-plane log type EKS can ship.
var eksLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// eksEndpoint reads the endpoint settings of either cluster shape: the
// pulumi-eks component takes them at the top level, aws.eks.Cluster under
// vpcConfig. Both default public access to true when unset.
func eksEndpoint(r Resource, v View) (public bool, cidrs []string) {
	if r.Type == tEKSCluster {
		v = v.At("vpcConfig")
	}
	return v.BoolOr(true, "endpointPublicAccess"), v.Strings("publicAccessCidrs")
}

// versionAtLeast compares "major.minor" versions.
func versionAtLeast(v, min string) bool {
	parse := func(s string) (int, int, bool) {
		parts := strings.SplitN(strings.TrimPrefix(s, "v"), ".", 3)
		if len(parts) < 2 {
			return 0, 0, false
		}
		a, err1 := strconv.Atoi(parts[0])
		b, err2 := strconv.Atoi(parts[1])
		return a, b, err1 == nil && err2 == nil
	}
	a, b, ok := parse(v)
	ma, mb, _ := parse(min)
	return ok && (a > ma || a == ma && b >= mb)
}

func computePolicies() []ResourcePolicy {
	eks := []string{tEKSComponent, tEKSCluster}
	return []ResourcePolicy{
		{
			ID: "eks-endpoint-not-public", Title: "EKS API endpoint is private or CIDR-restricted",
			Why:         "A Kubernetes API reachable from the whole internet is one credential leak away from cluster takeover.",
			Enforcement: Mandatory, Controls: ctl("EKS.1", "", "CC6.1,CC6.6", "A.8.20,A.8.22"),
			Types: eks,
			Check: func(r Resource, v View) *Problem {
				public, cidrs := eksEndpoint(r, v)
				if !public {
					return nil
				}
				if len(cidrs) == 0 {
					return problem("the public endpoint is enabled with no CIDR restriction (AWS then allows 0.0.0.0/0)", "set endpointPublicAccess: false, or list the office/VPN CIDRs in publicAccessCidrs")
				}
				for _, c := range cidrs {
					if c == worldV4 || c == worldV6 {
						return problem("publicAccessCidrs contains %s", "remove the world CIDR; list only the office/VPN ranges or disable public access", c)
					}
				}
				return nil
			},
		},
		{
			ID: "eks-secrets-encrypted", Title: "EKS encrypts Kubernetes secrets with a KMS key",
			Why:         "Envelope encryption keeps secrets in etcd unreadable without the customer-managed key, and key use is audited.",
			Enforcement: Mandatory, Controls: ctl("EKS.3", "", "CC6.1,C1.1", "A.8.24"),
			Types: eks,
			Check: func(r Resource, v View) *Problem {
				if r.Type == tEKSComponent {
					if !v.Set("encryptionConfigKeyArn") {
						return problem("no encryptionConfigKeyArn", "pass a customer-managed KMS key ARN as encryptionConfigKeyArn")
					}
					return nil
				}
				for _, res := range v.Strings("encryptionConfig", "resources") {
					if res == "secrets" && v.Set("encryptionConfig", "provider", "keyArn") {
						return nil
					}
				}
				return problem("secrets are not envelope-encrypted", `set encryptionConfig {resources: ["secrets"], provider.keyArn: <CMK ARN>}`)
			},
		},
		{
			ID: "eks-control-plane-logs", Title: "EKS ships every control-plane log type",
			Why:         "The audit and authenticator logs are the only record of who did what to the cluster.",
			Enforcement: Mandatory, Controls: ctl("EKS.8", "", "CC7.2", "A.8.15"),
			Types: eks,
			Check: func(r Resource, v View) *Problem {
				have := map[string]bool{}
				for _, t := range v.Strings("enabledClusterLogTypes") {
					have[t] = true
				}
				var missing []string
				for _, t := range eksLogTypes {
					if !have[t] {
						missing = append(missing, t)
					}
				}
				if len(missing) > 0 {
					return problem("control-plane log types %s are off", "set enabledClusterLogTypes to api, audit, authenticator, controllerManager, scheduler", strings.Join(missing, ", "))
				}
				return nil
			},
		},
		{
			ID: "eks-supported-version", Title: "EKS runs a Kubernetes version in standard support",
			Why:         "Versions out of standard support stop getting security patches (and cost extended-support fees); minimum is " + minEKSVersion + ", " + eksVersionNote + ".",
			Enforcement: Mandatory, Controls: ctl("EKS.2", "", "CC7.1", "A.8.8"),
			Types: eks,
			Check: func(r Resource, v View) *Problem {
				ver := v.Str("version")
				if ver == "" {
					return problem("no version pinned (the default moves under you)", "pin version to a supported release, at least "+minEKSVersion)
				}
				if !versionAtLeast(ver, minEKSVersion) {
					return problem("version %s is out of standard support", "upgrade to "+minEKSVersion+" or later, one minor version at a time", ver)
				}
				return nil
			},
		},
		{
			ID: "launch-template-imdsv2", Title: "Launch templates require IMDSv2",
			Why:         "IMDSv1 answers any SSRF with the node role's credentials; IMDSv2 session tokens (and hop limit 1) stop that.",
			Enforcement: Mandatory, Controls: ctl("EC2.8,AutoScaling.3", "5.6", "CC6.1", "A.8.20"),
			Types: []string{tLaunchTpl, tInstance},
			Check: func(r Resource, v View) *Problem {
				if v.Str("metadataOptions", "httpTokens") != "required" {
					return problem("metadataOptions.httpTokens is not \"required\"", `set metadataOptions {httpTokens: "required", httpPutResponseHopLimit: 1}`)
				}
				return nil
			},
		},
		{
			ID: "launch-template-volumes-encrypted", Title: "Launch templates encrypt every EBS volume",
			Why:         "Node volumes hold container images, logs and emptyDir data; unencrypted snapshots leak all of it.",
			Enforcement: Mandatory, Controls: ctl("EC2.3,EC2.7", "2.2.1", "CC6.1,C1.1", "A.8.24"),
			Types: []string{tLaunchTpl},
			Check: func(r Resource, v View) *Problem {
				for _, m := range v.List("blockDeviceMappings") {
					if m.Set("ebs") && !m.Bool("ebs", "encrypted") {
						return problem("volume %s is not encrypted", "set ebs.encrypted: true with a customer-managed kmsKeyId", m.Str("deviceName"))
					}
				}
				return nil
			},
		},
		{
			ID: "launch-template-no-public-ip", Title: "Launch templates give no public IP",
			Why:         "Nodes live in private subnets behind NAT; a public address bypasses every network control.",
			Enforcement: Mandatory, Controls: ctl("EC2.25,EC2.9", "", "CC6.6", "A.8.20"),
			Types: []string{tLaunchTpl},
			Check: func(r Resource, v View) *Problem {
				for _, ni := range v.List("networkInterfaces") {
					if ni.Bool("associatePublicIpAddress") {
						return problem("a network interface sets associatePublicIpAddress", "remove associatePublicIpAddress (or set it to false)")
					}
				}
				return nil
			},
		},
	}
}
