package ec2info

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookup(t *testing.T) {
	t.Run("a known type gives AWS's published limits", func(t *testing.T) {
		it, err := Lookup("m5.2xlarge")
		require.NoError(t, err)
		assert.Equal(t, 4, it.ENIs)
		assert.Equal(t, 15, it.IPv4PerENI)
	})
	t.Run("an unknown type is an error naming it", func(t *testing.T) {
		_, err := Lookup("m5.huge")
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"m5.huge"`)
		assert.Contains(t, err.Error(), "m5.large")
	})
}

func TestCustomNetworkingLimits(t *testing.T) {
	tests := []struct {
		name          string
		typ           string
		wantAddresses int
		wantMaxPods   int
	}{
		{"m5.large keeps its primary interface out of the pod subnet", "m5.large", 18, 20},
		{"m5.xlarge uses three secondary interfaces", "m5.xlarge", 42, 44},
		{"m5.4xlarge scales with its eight interfaces", "m5.4xlarge", 203, 205},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it, err := Lookup(tc.typ)
			require.NoError(t, err)
			assert.Equal(t, tc.wantAddresses, it.PodAddressesCustomNetworking())
			assert.Equal(t, tc.wantMaxPods, it.MaxPodsCustomNetworking())
		})
	}
}
