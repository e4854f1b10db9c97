package stacks

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/solsec/platform/internal/ec2info"
)

// AWSRegions are the commercial regions a stack may name.
var AWSRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	"ca-central-1", "sa-east-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-south-1", "ap-east-1",
	"me-south-1", "me-central-1", "af-south-1", "il-central-1",
}

// RetentionDays are the values CloudWatch Logs accepts for a log group's
// retention (0, "never expire", is left out on purpose: logs cost money and
// hold personal data, so every group expires).
var RetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// RequiredAZs is the number of availability zones every region spans.
const RequiredAZs = 3

// podRange is RFC 6598 shared address space; AWS accepts it as a secondary
// VPC range beside a 10.0.0.0/8 primary, and it is never routed outside the
// VPC (pods leave through their node's address), so every VPC can reuse it.
var podRange = netip.MustParsePrefix("100.64.0.0/10")

// SupportedKubernetesVersions are the EKS versions in standard support when
// this was written (late 2026); update it as EKS releases and retires them.
var SupportedKubernetesVersions = []string{"1.34", "1.35", "1.36"}

// OnDemandInstanceTypes are the sizes the architecture document gives the
// general (on-demand) node groups: m5.large to m5.2xlarge.
var OnDemandInstanceTypes = []string{"m5.large", "m5.xlarge", "m5.2xlarge"}

// minSpotTypes is how many instance types a spot group needs so that losing
// one spot pool does not empty it.
const minSpotTypes = 2

var (
	roleName    = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	domainLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	groupName   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
	accountID   = regexp.MustCompile(`^[0-9]{12}$`)
)

func (c *Config) validateScalars(errs *errorList) {
	if c.Domain != "" && !validDomain(c.Domain) {
		errs.addf("%s:domain: %q is not a DNS domain; allowed: lower-case labels of letters, digits and hyphens separated by dots, e.g. example.com", Namespace, c.Domain)
	}
	if len(c.CostCenter) > 256 {
		errs.addf("%s:costCenter: %d characters; allowed: at most 256 (an AWS tag value)", Namespace, len(c.CostCenter))
	}
	if c.AccountID != "" && !accountID.MatchString(c.AccountID) {
		errs.addf("%s:accountId: %q; allowed: a 12-digit AWS account id", Namespace, c.AccountID)
	}
}

func (c *Config) validateRetention(errs *errorList) {
	if !containsInt(RetentionDays, c.LogRetentionDays) {
		errs.addf("%s:logRetentionDays: %d is not a retention CloudWatch Logs accepts; allowed: %s", Namespace, c.LogRetentionDays, retentionList())
	}
}

func (c *Config) validateRegions(errs *errorList) {
	if len(c.Regions) == 0 {
		errs.addf("%s:regions: empty; at least one region with role %q is required", Namespace, RolePrimary)
		return
	}
	seen := map[string]int{}
	primaries := 0
	for i, r := range c.Regions {
		key := fmt.Sprintf("%s:regions[%d]", Namespace, i)
		switch {
		case r.Name == "":
			errs.addf("%s.name: missing; allowed: an AWS region such as us-east-1", key)
		case !contains(AWSRegions, r.Name):
			errs.addf("%s.name: %q is not an AWS region; allowed: %s", key, r.Name, strings.Join(AWSRegions, ", "))
		default:
			if j, dup := seen[r.Name]; dup {
				errs.addf("%s.name: %q is already %s:regions[%d]; each region may appear once", key, r.Name, Namespace, j)
			}
			seen[r.Name] = i
		}
		switch r.Role {
		case RolePrimary:
			primaries++
			if !r.IsEnabled() {
				errs.addf("%s.enabled: false on the primary region; the primary must be deployed", key)
			}
		case RoleSecondary:
		default:
			errs.addf("%s.role: %q; allowed: %s, %s", key, r.Role, RolePrimary, RoleSecondary)
		}
		if r.AZCount != RequiredAZs {
			errs.addf("%s.azCount: %d; allowed: %d (the platform spreads every tier over three availability zones)", key, r.AZCount, RequiredAZs)
		}
		if r.NatMode != NatOnePerAZ && r.NatMode != NatSingle {
			errs.addf("%s.natMode: %q; allowed: %s, %s", key, r.NatMode, NatOnePerAZ, NatSingle)
		}
		validateAddressPlan(errs, key, r)
	}
	if primaries != 1 {
		errs.addf("%s: %d regions have role %q; exactly one is required", Namespace+":regions", primaries, RolePrimary)
	}
	// VPC ranges of one stack must be disjoint so that its regions can be
	// peered or joined by a transit gateway for replication and failover.
	for i := range c.Regions {
		for j := i + 1; j < len(c.Regions); j++ {
			a, errA := netip.ParsePrefix(c.Regions[i].VpcCidr)
			b, errB := netip.ParsePrefix(c.Regions[j].VpcCidr)
			if errA == nil && errB == nil && a.Overlaps(b) {
				errs.addf("%s:regions[%d].vpcCidr: %q overlaps %s:regions[%d].vpcCidr %q; allowed: a range disjoint from every other VPC range so the VPCs stay peerable",
					Namespace, j, b, Namespace, i, a)
			}
		}
	}
}

// validateAddressPlan checks one region's ranges: well-formed, subnets
// inside their range, one per AZ, and no two subnets overlapping.
func validateAddressPlan(errs *errorList, key string, r Region) {
	vpc, ok := parseCIDR(errs, key+".vpcCidr", r.VpcCidr, 16, 24)
	if ok && !vpc.Addr().Is4() {
		errs.addf("%s.vpcCidr: %q; allowed: an IPv4 range", key, r.VpcCidr)
		ok = false
	}
	pods, podOK := parseCIDR(errs, key+".podCidr", r.PodCidr, 16, 24)
	if podOK && !podRange.Contains(pods.Addr()) {
		errs.addf("%s.podCidr: %q; allowed: a range inside %s (RFC 6598), used only for pod addresses", key, r.PodCidr, podRange)
		podOK = false
	}
	if ok && podOK && vpc.Overlaps(pods) {
		errs.addf("%s.podCidr: %q overlaps vpcCidr %q; allowed: a disjoint range", key, pods, vpc)
	}

	type subnet struct {
		key    string
		prefix netip.Prefix
	}
	var all []subnet
	check := func(field string, cidrs []string, parent netip.Prefix, parentOK bool, parentField string) {
		if len(cidrs) != r.AZCount || len(cidrs) != RequiredAZs {
			errs.addf("%s.%s: %d subnets; allowed: exactly one per availability zone (%d)", key, field, len(cidrs), RequiredAZs)
		}
		for i, s := range cidrs {
			k := fmt.Sprintf("%s.%s[%d]", key, field, i)
			p, ok := parseCIDR(errs, k, s, 16, 28)
			if !ok {
				continue
			}
			if parentOK && !(parent.Contains(p.Addr()) && p.Bits() >= parent.Bits()) {
				errs.addf("%s: %q is outside %s %q; allowed: a subnet of that range", k, s, parentField, parent)
			}
			all = append(all, subnet{k, p})
		}
	}
	check("publicSubnets", r.PublicSubnets, vpc, ok, "vpcCidr")
	check("privateSubnets", r.PrivateSubnets, vpc, ok, "vpcCidr")
	check("podSubnets", r.PodSubnets, pods, podOK, "podCidr")
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if all[i].prefix.Overlaps(all[j].prefix) {
				errs.addf("%s: %q overlaps %s %q; allowed: subnets that share no address", all[j].key, all[j].prefix, all[i].key, all[i].prefix)
			}
		}
	}
}

// parseCIDR accepts only canonical IPv4 ranges ("10.0.0.0/16", not
// "10.0.1.0/16") whose prefix length AWS allows for the use.
func parseCIDR(errs *errorList, key, s string, minBits, maxBits int) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		errs.addf("%s: %q is not a CIDR range; allowed: an IPv4 range such as 10.0.0.0/16", key, s)
		return netip.Prefix{}, false
	}
	if !p.Addr().Is4() {
		errs.addf("%s: %q; allowed: an IPv4 range", key, s)
		return netip.Prefix{}, false
	}
	if p.Masked() != p {
		errs.addf("%s: %q has host bits set; allowed: the network address, %q", key, s, p.Masked())
		return netip.Prefix{}, false
	}
	if p.Bits() < minBits || p.Bits() > maxBits {
		errs.addf("%s: %q; allowed: a prefix length from /%d to /%d", key, s, minBits, maxBits)
		return netip.Prefix{}, false
	}
	return p, true
}

func (c *Config) validateNodeGroups(errs *errorList) {
	if len(c.NodeGroups) == 0 {
		errs.addf("%s:nodeGroups: empty; at least one %s node group is required", Namespace, OnDemand)
		return
	}
	seen := map[string]bool{}
	onDemand := 0
	for i, g := range c.NodeGroups {
		key := fmt.Sprintf("%s:nodeGroups[%d]", Namespace, i)
		if !groupName.MatchString(g.Name) {
			errs.addf("%s.name: %q; allowed: 1-31 lower-case letters, digits and hyphens, starting with a letter", key, g.Name)
		} else if seen[g.Name] {
			errs.addf("%s.name: %q is used twice; node group names are unique", key, g.Name)
		}
		seen[g.Name] = true
		switch g.CapacityType {
		case OnDemand:
			onDemand++
		case Spot:
		default:
			errs.addf("%s.capacityType: %q; allowed: %s, %s", key, g.CapacityType, OnDemand, Spot)
		}
		if len(g.InstanceTypes) == 0 {
			errs.addf("%s.instanceTypes: empty; at least one instance type is required", key)
		}
		for j, t := range g.InstanceTypes {
			if _, err := ec2info.Lookup(t); err != nil {
				errs.addf("%s.instanceTypes[%d]: %v", key, j, err)
			} else if g.CapacityType == OnDemand && !contains(OnDemandInstanceTypes, t) {
				errs.addf("%s.instanceTypes[%d]: %q; allowed for %s groups: %s", key, j, t, OnDemand, strings.Join(OnDemandInstanceTypes, ", "))
			}
		}
		if g.CapacityType == Spot && len(g.InstanceTypes) < minSpotTypes {
			errs.addf("%s.instanceTypes: %d type(s); allowed: at least %d for a spot group, so one reclaimed spot pool does not empty it", key, len(g.InstanceTypes), minSpotTypes)
		}
		if g.MaxSize < 1 || g.MinSize < 0 || g.MinSize > g.DesiredSize || g.DesiredSize > g.MaxSize {
			errs.addf("%s: minSize %d, desiredSize %d, maxSize %d; allowed: 0 <= minSize <= desiredSize <= maxSize, maxSize >= 1",
				key, g.MinSize, g.DesiredSize, g.MaxSize)
		}
	}
	if onDemand == 0 {
		errs.addf("%s:nodeGroups: no %s group; allowed: at least one, because critical workloads must not run only on spot capacity", Namespace, OnDemand)
	}
}

func (c *Config) validateCluster(errs *errorList) {
	k := Namespace + ":cluster"
	if !contains(SupportedKubernetesVersions, c.Cluster.KubernetesVersion) {
		errs.addf("%s.kubernetesVersion: %q; allowed: %s", k, c.Cluster.KubernetesVersion, strings.Join(SupportedKubernetesVersions, ", "))
	}
	for i, cidr := range c.Cluster.PublicAccessCidrs {
		key := fmt.Sprintf("%s.publicAccessCidrs[%d]", k, i)
		p, ok := parseCIDR(errs, key, cidr, 0, 32)
		if ok && p.Bits() < 16 {
			errs.addf("%s: %q opens the API endpoint to %d addresses; allowed: /16 or narrower (never 0.0.0.0/0)", key, cidr, 1<<(32-p.Bits()))
		}
	}
	if len(c.Cluster.AdminRoles) == 0 {
		errs.addf("%s.adminRoles: empty; allowed: at least one IAM role name of the stack's account, granted cluster admin", k)
	}
	if at := strings.LastIndex(c.Cluster.AcmeEmail, "@"); at < 1 || !validDomain(c.Cluster.AcmeEmail[at+1:]) {
		errs.addf("%s.acmeEmail: %q; allowed: an e-mail address that receives Let's Encrypt notices", k, c.Cluster.AcmeEmail)
	}
	for i, r := range c.Cluster.AdminRoles {
		if !roleName.MatchString(r) {
			errs.addf("%s.adminRoles[%d]: %q; allowed: an IAM role name (1-64 letters, digits and +=,.@_-), not an ARN", k, i, r)
		}
	}
}

// validateCapacity rejects a plan whose subnets cannot hold the node groups
// at their maximum size (see capacity.go).
func (c *Config) validateCapacity(errs *errorList) {
	for i, r := range c.Regions {
		cap, err := AddressCapacity(r, c.NodeGroups)
		if err != nil {
			errs.addf("%s:regions[%d]: %v", Namespace, i, err)
			continue
		}
		if cap.PodAddressesNeeded > cap.PodAddressesPerSubnet {
			errs.addf("%s:regions[%d].podSubnets: the smallest holds %d pod addresses but the node groups at maximum size can take %d; allowed: larger pod subnets or smaller %s:nodeGroups maxSize",
				Namespace, i, cap.PodAddressesPerSubnet, cap.PodAddressesNeeded, Namespace)
		}
		if cap.NodeAddressesNeeded > cap.NodeAddressesPerSubnet {
			errs.addf("%s:regions[%d].privateSubnets: the smallest holds %d addresses but nodes at maximum size plus endpoints and data services need %d; allowed: larger private subnets or smaller %s:nodeGroups maxSize",
				Namespace, i, cap.NodeAddressesPerSubnet, cap.NodeAddressesNeeded, Namespace)
		}
	}
}

func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if !domainLabel.MatchString(l) {
			return false
		}
	}
	return true
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

func retentionList() string {
	s := make([]string, len(RetentionDays))
	for i, d := range RetentionDays {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, ", ")
}
