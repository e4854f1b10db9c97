package stacks

import (
	"fmt"
	"net/netip"
	"strings"
)

// CheckPeerable checks that no VPC range of one stack overlaps a VPC range of
// another, planned regions included, so that any two environments can be
// peered (for migrations, shared tooling or DR drills). Each stack's own
// ranges are checked by ParseConfig; pod ranges are left out on purpose:
// they never leave their VPC, so every VPC reuses the same one.
func CheckPeerable(cfgs []*Config) error {
	type vpcRange struct {
		env, where string
		prefix     netip.Prefix
	}
	var ranges []vpcRange
	for _, c := range cfgs {
		for i, r := range c.Regions {
			p, err := netip.ParsePrefix(r.VpcCidr)
			if err != nil {
				continue // ParseConfig reports it
			}
			ranges = append(ranges, vpcRange{c.Environment, fmt.Sprintf("stack %s %s:regions[%d].vpcCidr (%s)", c.Environment, Namespace, i, r.Name), p})
		}
	}
	var problems []string
	for i := range ranges {
		for j := i + 1; j < len(ranges); j++ {
			a, b := ranges[i], ranges[j]
			if a.env != b.env && a.prefix.Overlaps(b.prefix) {
				problems = append(problems, fmt.Sprintf("%s %q overlaps %s %q; allowed: ranges disjoint across environments so they stay peerable",
					b.where, b.prefix, a.where, a.prefix))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("stacks are not peerable:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
}
