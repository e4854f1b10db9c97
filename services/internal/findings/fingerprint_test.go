package findings

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeCode(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"drops spaces around punctuation", "a  =  b + c ;", "a=b+c;"},
		{"keeps one space between words", "uint256 \t\n  x", "uint256 x"},
		{"drops line comments", "x = 1; // set x\ny = 2;", "x=1;y=2;"},
		{"drops block comments", "x /* the amount */ = 1;", "x=1;"},
		{"a comment between words still separates them", "return/*c*/x;", "return x;"},
		{"keeps string contents exactly", `s = "a  // b  /* c */";`, `s="a  // b  /* c */";`},
		{"keeps escaped quotes inside strings", `s = 'it\'s  ok' ;`, `s='it\'s  ok';`},
		{"handles an unterminated block comment", "x = 1; /* open", "x=1;"},
		{"handles an unterminated string", `x = "open`, `x="open`},
		{"empty input", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, NormalizeCode(tc.in))
		})
	}
}

// locate builds the finding a detector would report for the first occurrence
// of code in src, with real line, column and offset values.
func locate(t *testing.T, src, code, contract, function string) Finding {
	t.Helper()
	start := strings.Index(src, code)
	require.GreaterOrEqual(t, start, 0, "code not in source")
	end := start + len(code)
	line, col := lineCol(src, start)
	endLine, endCol := lineCol(src, end)
	return Finding{
		Rule:     testRule("unchecked-low-level-call"),
		Message:  "return value of call is not checked",
		Contract: contract,
		Function: function,
		Locations: []Location{{
			File: "contracts/Vault.sol", StartLine: line, StartColumn: col, EndLine: endLine, EndColumn: endCol,
			StartOffset: start, EndOffset: end, Snippet: code,
		}},
	}
}

func lineCol(src string, off int) (int, int) {
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndex(src[:off], "\n")
	return line, col
}

const vaultV1 = `pragma solidity ^0.8.20;

contract Vault {
    mapping(address => uint256) balances;

    function withdraw(uint256 amount) external {
        msg.sender.call{value: amount}("");
        balances[msg.sender] -= amount;
    }
}
`

// vaultV2 is vaultV1 after a formatter run and an unrelated edit: new lines
// above, different spacing, a line break inside the call and a comment.
const vaultV2 = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title A vault
contract Vault {
    mapping(address => uint256) balances;
    event Paid(address to);

    function deposit() external payable { balances[msg.sender] += msg.value; }

    function withdraw(uint256 amount) external {
        msg.sender.call{ value: amount }(
            "" /* no data */
        );
        balances[msg.sender] -= amount;
    }
}
`

func TestFingerprint(t *testing.T) {
	v1Code := `msg.sender.call{value: amount}("")`
	v2Code := "msg.sender.call{ value: amount }(\n            \"\" /* no data */\n        )"
	v1 := locate(t, vaultV1, v1Code, "Vault", "withdraw")
	v2 := locate(t, vaultV2, v2Code, "Vault", "withdraw")
	require.NotEqual(t, v1.Primary().StartLine, v2.Primary().StartLine, "the fixture must move the code")

	t.Run("is stable when the code is reformatted and moved to other lines", func(t *testing.T) {
		assert.Equal(t, v1.baseFingerprint(), v2.baseFingerprint())
	})
	t.Run("is 32 lower-case hex digits", func(t *testing.T) {
		assert.Regexp(t, `^[0-9a-f]{32}$`, v1.baseFingerprint())
	})
	t.Run("treats ./ and backslashes in the path like the clean path", func(t *testing.T) {
		a := Fingerprint("d", "contracts/Vault.sol", "C", "f", "x")
		assert.Equal(t, a, Fingerprint("d", "./contracts/Vault.sol", "C", "f", "x"))
		assert.Equal(t, a, Fingerprint("d", `contracts\Vault.sol`, "C", "f", "x"))
	})

	base := Fingerprint("unchecked-low-level-call", "contracts/Vault.sol", "Vault", "withdraw", v1Code)
	assert.Equal(t, base, v1.baseFingerprint())
	differs := []struct {
		name string
		fp   string
	}{
		{"changes when the code changes", Fingerprint("unchecked-low-level-call", "contracts/Vault.sol", "Vault", "withdraw", `msg.sender.call{value: amount * 2}("")`)},
		{"changes in another function", Fingerprint("unchecked-low-level-call", "contracts/Vault.sol", "Vault", "withdrawAll", v1Code)},
		{"changes in another contract", Fingerprint("unchecked-low-level-call", "contracts/Vault.sol", "Bank", "withdraw", v1Code)},
		{"changes in another file", Fingerprint("unchecked-low-level-call", "contracts/Bank.sol", "Vault", "withdraw", v1Code)},
		{"changes for another detector", Fingerprint("reentrancy-eth", "contracts/Vault.sol", "Vault", "withdraw", v1Code)},
		{"does not confuse field boundaries", Fingerprint("unchecked-low-level-call", "contracts/Vault.sol", "Vaultw", "ithdraw", v1Code)},
	}
	for _, tc := range differs {
		t.Run(tc.name, func(t *testing.T) {
			assert.NotEqual(t, base, tc.fp)
		})
	}

	t.Run("uses the message when there is no snippet", func(t *testing.T) {
		f := v1
		f.Locations = []Location{f.Locations[0]}
		f.Locations[0].Snippet = ""
		assert.Equal(t, Fingerprint(f.ID, f.Primary().File, "Vault", "withdraw", f.Message), f.baseFingerprint())
		f.Message = "another message"
		assert.NotEqual(t, Fingerprint(f.ID, f.Primary().File, "Vault", "withdraw", v1.Message), f.baseFingerprint())
	})
}
