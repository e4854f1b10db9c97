package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Resource types of the network layer.
const (
	tVpc          = "aws:ec2/vpc:Vpc"
	tFlowLog      = "aws:ec2/flowLog:FlowLog"
	tDefaultSG    = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tSG           = "aws:ec2/securityGroup:SecurityGroup"
	tSGRule       = "aws:ec2/securityGroupRule:SecurityGroupRule"
	tSGIngress    = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tSGEgress     = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	tNACL         = "aws:ec2/networkAcl:NetworkAcl"
	tNACLRule     = "aws:ec2/networkAclRule:NetworkAclRule"
	tSubnet       = "aws:ec2/subnet:Subnet"
	tDefaultNACL  = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
	worldV4       = "0.0.0.0/0"
	worldV6       = "::/0"
	portSSH, pRDP = 22, 3389
)

// ctl builds Controls from comma-separated lists (FSBP, CIS, SOC 2, ISO).
func ctl(fsbp, cis, soc2, iso string) Controls {
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		parts := strings.Split(s, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	return Controls{FSBP: split(fsbp), CIS: split(cis), SOC2: split(soc2), ISO: split(iso)}
}

// adminPorts are the remote administration ports never open to the world.
var adminPorts = []int{portSSH, pRDP}

// permission is one ingress permission, as read from any of the shapes the
// provider uses for it (inline, rule resource, NACL entry).
type permission struct {
	protocol string
	from, to int
	cidrs    []string
}

// exposesAdmin returns the admin ports the permission opens to the world.
func (p permission) exposesAdmin() []int {
	world := false
	for _, c := range p.cidrs {
		if c == worldV4 || c == worldV6 {
			world = true
		}
	}
	if !world {
		return nil
	}
	var out []int
	for _, port := range adminPorts {
		if portIn(p.protocol, p.from, p.to, port) {
			out = append(out, port)
		}
	}
	return out
}

// portIn reports whether a TCP port falls in a rule's protocol and range;
// protocol "-1"/"all" means every port whatever the range says.
func portIn(protocol string, from, to, port int) bool {
	switch strings.ToLower(protocol) {
	case "-1", "all":
		return true
	case "tcp", "6":
		return from <= port && port <= to
	}
	return false
}

func ports(ps []int) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ", ")
}

func networkPolicies() []ResourcePolicy {
	return []ResourcePolicy{
		{
			ID: "vpc-flow-log-all-traffic", Title: "VPC flow logs capture all traffic",
			Why:         "Flow logs of accepted traffic only miss scans and blocked exfiltration attempts; incident response needs both.",
			Enforcement: Mandatory, Controls: ctl("EC2.6", "3.7", "CC7.2", "A.8.15,A.8.16"),
			Types: []string{tFlowLog},
			Check: func(r Resource, v View) *Problem {
				if t := v.Str("trafficType"); t != "ALL" {
					return problem("trafficType is %q", `set trafficType: "ALL"`, t)
				}
				if !v.Set("logDestination") && !v.Set("logGroupName") {
					return problem("no log destination", "set logDestination to a KMS-encrypted log group or bucket")
				}
				return nil
			},
		},
		{
			ID: "default-security-group-closed", Title: "Default security groups have no rules",
			Why:         "Anything launched without an explicit group lands in the default one; with no rules it can talk to nothing.",
			Enforcement: Mandatory, Controls: ctl("EC2.2", "5.4", "CC6.6", "A.8.20,A.8.22"),
			Types: []string{tDefaultSG},
			Check: func(r Resource, v View) *Problem {
				if n := len(v.List("ingress")) + len(v.List("egress")); n > 0 {
					return problem("the default security group has %d rule(s)", "remove every ingress and egress entry from the DefaultSecurityGroup", n)
				}
				return nil
			},
		},
		{
			ID: "security-group-no-world-admin-ports", Title: "No SSH or RDP from the internet in security groups",
			Why:         "SSH (22) and RDP (3389) open to 0.0.0.0/0 or ::/0 invite brute force; administration goes through SSM.",
			Enforcement: Mandatory, Controls: ctl("EC2.13,EC2.14,EC2.19", "5.2,5.3", "CC6.1,CC6.6", "A.8.20"),
			Types: []string{tSG, tSGRule, tSGIngress},
			Check: func(r Resource, v View) *Problem {
				var perms []permission
				switch r.Type {
				case tSG:
					for _, in := range v.List("ingress") {
						perms = append(perms, permission{in.Str("protocol"), int(in.Num("fromPort")), int(in.Num("toPort")),
							append(in.Strings("cidrBlocks"), in.Strings("ipv6CidrBlocks")...)})
					}
				case tSGRule:
					if v.Str("type") == "ingress" {
						perms = append(perms, permission{v.Str("protocol"), int(v.Num("fromPort")), int(v.Num("toPort")),
							append(v.Strings("cidrBlocks"), v.Strings("ipv6CidrBlocks")...)})
					}
				case tSGIngress:
					perms = append(perms, permission{v.Str("ipProtocol"), int(v.Num("fromPort")), int(v.Num("toPort")),
						[]string{v.Str("cidrIpv4"), v.Str("cidrIpv6")}})
				}
				for _, p := range perms {
					if open := p.exposesAdmin(); len(open) > 0 {
						return problem("ingress opens port(s) %s to the internet", "remove the rule or restrict its CIDR; use SSM Session Manager for shell access", ports(open))
					}
				}
				return nil
			},
		},
		{
			ID: "network-acl-no-world-admin-ports", Title: "No SSH or RDP from the internet through network ACLs",
			Why:         "A network ACL is the subnet-wide second line: the first rule matching world traffic to 22 or 3389 must deny it.",
			Enforcement: Mandatory, Controls: ctl("EC2.21", "5.1", "CC6.6", "A.8.20,A.8.22"),
			Types: []string{tNACL, tDefaultNACL, tNACLRule},
			Check: func(r Resource, v View) *Problem {
				type entry struct {
					no     int
					allow  bool
					perm   permission
					egress bool
				}
				var es []entry
				if r.Type == tNACLRule {
					es = append(es, entry{int(v.Num("ruleNumber")), v.Str("ruleAction") == "allow",
						permission{v.Str("protocol"), int(v.Num("fromPort")), int(v.Num("toPort")), []string{v.Str("cidrBlock"), v.Str("ipv6CidrBlock")}},
						v.Bool("egress")})
				} else {
					for _, in := range v.List("ingress") {
						es = append(es, entry{int(in.Num("ruleNo")), in.Str("action") == "allow",
							permission{in.Str("protocol"), int(in.Num("fromPort")), int(in.Num("toPort")), []string{in.Str("cidrBlock"), in.Str("ipv6CidrBlock")}},
							false})
					}
				}
				sort.Slice(es, func(i, j int) bool { return es[i].no < es[j].no })
				var open []int
				for _, port := range adminPorts {
					// The lowest-numbered rule matching world traffic decides.
					for _, e := range es {
						if e.egress {
							continue
						}
						if containsInt(e.perm.exposesAdmin(), port) {
							if e.allow {
								open = append(open, port)
							}
							break
						}
					}
				}
				if len(open) > 0 {
					return problem("the first rule matching internet traffic to port(s) %s allows it", "add a lower-numbered deny rule for 0.0.0.0/0 (and ::/0) on 22 and 3389", ports(open))
				}
				return nil
			},
		},
		{
			ID: "security-group-rule-described", Title: "Every security group and rule says what it is for",
			Why:         "An undescribed rule cannot be reviewed: nobody can tell whether it is still needed.",
			Enforcement: Advisory, Controls: ctl("", "", "CC6.6,CC8.1", "A.8.9,A.8.20"),
			Types: []string{tSG, tSGRule, tSGIngress, tSGEgress},
			Check: func(r Resource, v View) *Problem {
				if d := v.Str("description"); d == "" || d == "Managed by Pulumi" {
					return problem("no description", "set description to the traffic the rule carries and why")
				}
				if r.Type == tSG {
					for _, dir := range []string{"ingress", "egress"} {
						for i, in := range v.List(dir) {
							if in.Str("description") == "" {
								return problem("inline %s rule %d has no description", "describe every inline rule (or move it to its own rule resource)", dir, i)
							}
						}
					}
				}
				return nil
			},
		},
		{
			ID: "subnet-no-auto-public-ip", Title: "Subnets do not hand out public IPs",
			Why:         "Auto-assigned public addresses put every instance launched there on the internet; NAT and load balancers need none.",
			Enforcement: Advisory, Controls: ctl("EC2.15", "", "CC6.6", "A.8.20"),
			Types: []string{tSubnet},
			Check: func(r Resource, v View) *Problem {
				if v.Bool("mapPublicIpOnLaunch") {
					return problem("mapPublicIpOnLaunch is true", "set mapPublicIpOnLaunch: false")
				}
				return nil
			},
		},
	}
}

func containsInt(xs []int, x int) bool {
	for _, e := range xs {
		if e == x {
			return true
		}
	}
	return false
}
