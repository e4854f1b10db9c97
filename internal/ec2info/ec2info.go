// Package ec2info holds the few facts about EC2 instance types that the
// platform's address planning needs: how many network interfaces an instance
// can attach and how many IPv4 addresses each interface can hold. The VPC CNI
// gives every pod a VPC address from these, so they bound how many pods a node
// can run and how many addresses a node can take from a pod subnet.
//
// The numbers are AWS's published limits ("IP addresses per network interface
// per instance type" in the EC2 user guide). Only the families the platform
// uses or is likely to use are listed; an unknown type is an error, never a
// guess.
package ec2info

import (
	"fmt"
	"sort"
)

// InstanceType is the networking limit of one EC2 instance type.
type InstanceType struct {
	Name string
	// ENIs is the maximum number of network interfaces.
	ENIs int
	// IPv4PerENI is the maximum number of IPv4 addresses per interface,
	// the interface's own primary address included.
	IPv4PerENI int
}

// sizes of the general-purpose families the platform uses; the ENI limits
// depend on the size, not the family, within these families.
var sizeLimits = map[string][2]int{
	"large":   {3, 10},
	"xlarge":  {4, 15},
	"2xlarge": {4, 15},
	"4xlarge": {8, 30},
}

var families = []string{"m5", "m5a", "m5d", "m5n", "m6i", "m6a", "m7i", "c5", "c5a", "c6i", "r5", "r6i"}

var known = func() map[string]InstanceType {
	m := map[string]InstanceType{}
	for _, f := range families {
		for size, l := range sizeLimits {
			name := f + "." + size
			m[name] = InstanceType{Name: name, ENIs: l[0], IPv4PerENI: l[1]}
		}
	}
	return m
}()

// Lookup returns the limits of an instance type, or an error that lists the
// types this package knows.
func Lookup(name string) (InstanceType, error) {
	t, ok := known[name]
	if !ok {
		return InstanceType{}, fmt.Errorf("unknown instance type %q (known: %v)", name, Known())
	}
	return t, nil
}

// Known lists the instance types this package has limits for, sorted.
func Known() []string {
	out := make([]string, 0, len(known))
	for n := range known {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// MaxPodsCustomNetworking is the pod limit of a node when the VPC CNI runs
// with custom networking: the primary interface stays in the node subnet and
// holds no pod addresses, every other interface gives all but its own
// primary address to pods, and two host-network pods (aws-node, kube-proxy)
// need none.
func (t InstanceType) MaxPodsCustomNetworking() int {
	return t.PodAddressesCustomNetworking() + 2
}

// PodAddressesCustomNetworking is the most addresses a node can take from its
// pod subnet under custom networking, warm pool included: the CNI cannot
// attach more interfaces than the instance allows, so this bounds the node's
// use of the pod subnet whatever the warm-pool settings are.
func (t InstanceType) PodAddressesCustomNetworking() int {
	return (t.ENIs - 1) * (t.IPv4PerENI - 1)
}
