package intel

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/tools"
)

const vaultSource = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Vault {
    mapping(address => uint256) public balances;
    bool private locked;
    bool private entered;
    address public owner;

    modifier nonReentrant() {
        require(!locked, "reentrant");
        locked = true;
        _;
        locked = false;
    }

    // A lock whose name does not say so: it checks and sets a flag around _.
    modifier busy() {
        require(!entered);
        entered = true;
        _;
        entered = false;
    }

    function withdrawGuarded() external nonReentrant {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}(""); // CALL guarded
        require(ok);
        balances[msg.sender] = 0;
    }

    function withdrawBusy() external busy {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}(""); // CALL busy
        require(ok);
        balances[msg.sender] = 0;
    }

    function withdrawCEI() external {
        uint256 amount = balances[msg.sender];
        balances[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}(""); // CALL cei
        require(ok);
    }

    function withdrawVulnerable() external {
        uint256 amount = balances[msg.sender];
        (bool ok, ) = msg.sender.call{value: amount}(""); // CALL vulnerable
        require(ok);
        balances[msg.sender] = 0;
    }

    function payAll(address[] calldata to) external {
        for (uint256 i = 0; i < to.length; i++) {
            balances[to[i]] = 0;
            (bool ok, ) = to[i].call{value: 1}(""); // CALL loop
            require(ok);
        }
    }

    function withdrawViaHelper() external {
        balances[msg.sender] = 0;
        _pay(msg.sender); // CALL helper
        _record(); // WRITE after helper
    }

    function _pay(address to) internal {
        (bool ok, ) = to.call{value: 1}("");
        require(ok);
    }

    function _record() internal {
        owner = msg.sender;
    }

    function onlyHumans() external view returns (bool) {
        require(tx.origin == msg.sender, "no contracts"); // ORIGIN eoa
        return true;
    }

    function sweep() external {
        require(tx.origin == owner); // ORIGIN auth
        payable(msg.sender).transfer(address(this).balance);
    }

    function mixed() external view returns (bool) {
        require(msg.sender == tx.origin); // ORIGIN mixed eoa
        return tx.origin == owner; // ORIGIN mixed auth
    }

    function add(uint256 a, uint256 b) external pure returns (uint256) {
        return a + b; // ARITH checked
    }

    function addUnchecked(uint256 a, uint256 b) external pure returns (uint256) {
        unchecked {
            return a + b; // ARITH unchecked
        }
    }
}
`

const oldSource = `pragma solidity ^0.7.6;

contract Old {
    function add(uint256 a, uint256 b) external pure returns (uint256) {
        return a + b; // ARITH old
    }
}
`

// loadIndex writes the sources into a temporary project, loads it with the
// real parser and indexes it with the project directory as root.
func loadIndex(t *testing.T, files map[string]string) *SourceIndex {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
		paths = append(paths, p)
	}
	p, err := analysis.Load(paths, analysis.LoadOptions{})
	require.NoError(t, err)
	require.Empty(t, p.Diagnostics)
	return NewSourceIndex(p, dir)
}

// lineOf returns the 1-based line of the marker comment in src.
func lineOf(t *testing.T, src, marker string) int {
	t.Helper()
	i := strings.Index(src, "// "+marker+"\n")
	require.GreaterOrEqual(t, i, 0, "marker %q", marker)
	return strings.Count(src[:i], "\n") + 1
}

func TestFilters(t *testing.T) {
	ix := loadIndex(t, map[string]string{"src/Vault.sol": vaultSource, "src/Old.sol": oldSource})
	at := func(tool, detector, swc, file, marker string) Observation {
		src := vaultSource
		if file == "src/Old.sol" {
			src = oldSource
		}
		line := lineOf(t, src, marker)
		return ob(tool, detector, swc, file, line, line, in("", ""))
	}
	cases := []struct {
		name       string
		obs        Observation
		wantFilter string // "" means not suppressed
		wantReason string
	}{
		{"reentrancy in a nonReentrant function is suppressed", at("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", "CALL guarded"),
			"reentrancy-guarded", "Vault.withdrawGuarded is protected by the reentrancy guard nonReentrant"},
		{"reentrancy behind a lock modifier recognised by its body is suppressed", at("mythril", "state-access-after-external-call", "SWC-107", "src/Vault.sol", "CALL busy"),
			"reentrancy-guarded", "guard busy"},
		{"read-only reentrancy is not excused by a guard", at("solsec", "reentrancy-read-only", "SWC-107", "src/Vault.sol", "CALL guarded"),
			"", ""},
		{"reentrancy reported where every write precedes the call is suppressed", at("mythril", "external-call-to-user-supplied-address", "SWC-107", "src/Vault.sol", "CALL cei"),
			"checks-effects-interactions", "Vault.withdrawCEI follows checks-effects-interactions"},
		{"reentrancy with a write after the call is kept", at("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", "CALL vulnerable"),
			"", ""},
		{"a write before a call inside a loop is not checks-effects-interactions", at("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", "CALL loop"),
			"", ""},
		{"a state write through an internal call after the external call is kept", at("slither", "reentrancy-no-eth", "SWC-107", "src/Vault.sol", "CALL helper"),
			"", ""},
		{"tx.origin compared only with msg.sender is suppressed", at("solhint", "avoid-tx-origin", "SWC-115", "src/Vault.sol", "ORIGIN eoa"),
			"tx-origin-eoa-check", "Vault.onlyHumans uses tx.origin only to compare it with msg.sender"},
		{"tx.origin compared with the owner is kept", at("solhint", "avoid-tx-origin", "SWC-115", "src/Vault.sol", "ORIGIN auth"),
			"", ""},
		{"a function using tx.origin both ways is kept", at("solhint", "avoid-tx-origin", "SWC-115", "src/Vault.sol", "ORIGIN mixed eoa"),
			"", ""},
		{"overflow in checked 0.8 arithmetic is suppressed", at("mythril", "integer-arithmetic-bugs", "SWC-101", "src/Vault.sol", "ARITH checked"),
			"checked-arithmetic", "requires Solidity ^0.8.20"},
		{"overflow inside an unchecked block is kept", at("mythril", "integer-arithmetic-bugs", "SWC-101", "src/Vault.sol", "ARITH unchecked"),
			"", ""},
		{"overflow under a 0.7 pragma is kept", at("mythril", "integer-arithmetic-bugs", "SWC-101", "src/Old.sol", "ARITH old"),
			"", ""},
		{"a finding in lib/ is third-party code", ob("slither", "reentrancy-eth", "SWC-107", "lib/forge-std/src/Test.sol", 10, 12),
			"dependency-code", "third-party code under lib"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := Merge([]Observation{tc.obs})
			require.Len(t, fs, 1)
			ApplyFilters(fs, ix, DefaultFilters())
			if tc.wantFilter == "" {
				assert.Nil(t, fs[0].Suppression, "suppressed: %+v", fs[0].Suppression)
				return
			}
			require.NotNil(t, fs[0].Suppression)
			assert.Equal(t, tc.wantFilter, fs[0].Suppression.Filter)
			assert.Contains(t, fs[0].Suppression.Reason, tc.wantReason)
			assert.Len(t, fs, 1, "a suppressed finding is kept")
		})
	}
}

func TestFiltersWithoutSourcesOnlyUsePaths(t *testing.T) {
	fs := Merge([]Observation{
		ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", 26, 26),
		ob("slither", "reentrancy-eth", "SWC-107", "node_modules/@openzeppelin/contracts/utils/Address.sol", 40, 44),
	})
	ApplyFilters(fs, nil, DefaultFilters())
	require.Len(t, fs, 2)
	assert.Equal(t, "dependency-code", fs[0].Suppression.Filter)
	assert.Nil(t, fs[1].Suppression)
}

func TestFiltersDescribeThemselves(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range DefaultFilters() {
		assert.NotEmpty(t, f.Description, f.ID)
		assert.False(t, seen[f.ID], "duplicate filter %s", f.ID)
		seen[f.ID] = true
	}
	assert.True(t, requiresAtLeast08(">=0.8.4 <0.9.0"))
	assert.True(t, requiresAtLeast08("0.8.19"))
	assert.False(t, requiresAtLeast08("^0.7.6"))
	assert.False(t, requiresAtLeast08("<0.9.0"))
	assert.Equal(t, findings.SeverityMedium, ob("a", "b", "", "c", 1, 1).Finding.Severity)
}

func TestIndexSources(t *testing.T) {
	t.Run("sources indexed from memory feed the filters", func(t *testing.T) {
		ix, err := IndexSources(t.TempDir(), tools.Sources{{Path: "src/Vault.sol", Content: []byte(vaultSource)}}, analysis.LoadOptions{})
		require.NoError(t, err)
		line := lineOf(t, vaultSource, "CALL guarded")
		fs := Merge([]Observation{ob("slither", "reentrancy-eth", "SWC-107", "src/Vault.sol", line, line)})
		ApplyFilters(fs, ix, DefaultFilters())
		require.NotNil(t, fs[0].Suppression)
		assert.Equal(t, "reentrancy-guarded", fs[0].Suppression.Filter)
	})
	t.Run("the temporary directory is removed", func(t *testing.T) {
		dir := t.TempDir()
		_, err := IndexSources(dir, tools.Sources{{Path: "A.sol", Content: []byte("contract A {}")}}, analysis.LoadOptions{})
		require.NoError(t, err)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries)
	})
	t.Run("paths escaping the project are rejected", func(t *testing.T) {
		_, err := IndexSources(t.TempDir(), tools.Sources{{Path: "../A.sol", Content: []byte("contract A {}")}}, analysis.LoadOptions{})
		assert.ErrorContains(t, err, "inside the project")
	})
}
