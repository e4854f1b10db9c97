package stacks

import (
	"fmt"
	"net/netip"

	"github.com/solsec/platform/components/network"
	"github.com/solsec/platform/internal/ec2info"
)

// awsReservedPerSubnet is what AWS keeps of every subnet: network address,
// router, DNS, one for future use, and broadcast.
const awsReservedPerSubnet = 5

// dataTierAddresses is what the private subnet of one AZ keeps for things
// other than nodes and endpoints: RDS primary, standby and read replica,
// RDS Proxy, ElastiCache nodes, the EFS mount target, the interfaces EKS
// places for its control plane, and load-balancer interfaces, with room to grow.
const dataTierAddresses = 32

// Capacity is the address budget of one region's subnets against its node
// groups at their maximum size.
type Capacity struct {
	// PodAddressesPerSubnet is the usable size of the smallest pod subnet.
	PodAddressesPerSubnet int
	// PodAddressesNeeded is the most pod addresses all node groups at their
	// maximum size can take, assuming every node lands in one AZ (as after
	// losing the other two): each node can take at most
	// ec2info.PodAddressesCustomNetworking of its largest instance type.
	PodAddressesNeeded int
	// NodeAddressesPerSubnet is the usable size of the smallest private subnet.
	NodeAddressesPerSubnet int
	// NodeAddressesNeeded is every node at maximum size (one primary address
	// each, again all in one AZ) plus one address per interface endpoint and
	// the data tier's reservation.
	NodeAddressesNeeded int
}

// AddressCapacity computes a region's address budget. Under VPC CNI custom
// networking nodes take their own address from the private subnet and pod
// addresses from the pod subnet of their AZ.
func AddressCapacity(r Region, groups []NodeGroup) (Capacity, error) {
	var c Capacity
	for _, g := range groups {
		perNode := 0
		for _, t := range g.InstanceTypes {
			it, err := ec2info.Lookup(t)
			if err != nil {
				return Capacity{}, fmt.Errorf("node group %q: %w", g.Name, err)
			}
			perNode = max(perNode, it.PodAddressesCustomNetworking())
		}
		c.PodAddressesNeeded += g.MaxSize * perNode
		c.NodeAddressesNeeded += g.MaxSize
	}
	c.NodeAddressesNeeded += len(network.InterfaceEndpointServices) + dataTierAddresses
	var err error
	if c.PodAddressesPerSubnet, err = smallestUsable(r.PodSubnets); err != nil {
		return Capacity{}, fmt.Errorf("podSubnets: %w", err)
	}
	if c.NodeAddressesPerSubnet, err = smallestUsable(r.PrivateSubnets); err != nil {
		return Capacity{}, fmt.Errorf("privateSubnets: %w", err)
	}
	return c, nil
}

func smallestUsable(cidrs []string) (int, error) {
	if len(cidrs) == 0 {
		return 0, fmt.Errorf("no subnets")
	}
	smallest := -1
	for _, s := range cidrs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return 0, fmt.Errorf("%q: %w", s, err)
		}
		n := 1<<(32-p.Bits()) - awsReservedPerSubnet
		if smallest < 0 || n < smallest {
			smallest = n
		}
	}
	return smallest, nil
}
