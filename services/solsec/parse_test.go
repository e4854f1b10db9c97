package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const okContract = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface IBank { function deposit() external payable; }

contract Bank is IBank {
    mapping(address => uint256) public balances;
    modifier nonZero() { require(msg.value > 0, "zero"); _; }
    constructor() {}
    function deposit() external payable nonZero { balances[msg.sender] += msg.value; }
    receive() external payable {}
}

function helper(uint256 x) pure returns (uint256) { return x + 1; }
`

const brokenContract = `pragma solidity ^0.8.0;

contract Broken {
    function f() public {
        uint256 x = ;
    }
    function g() public pure returns (uint256) { return 1 }
}
`

func TestParseCommand(t *testing.T) {
	dir := writeFiles(t, map[string]string{"Bank.sol": okContract, "Broken.sol": brokenContract})
	bank := filepath.Join(dir, "Bank.sol")
	broken := filepath.Join(dir, "Broken.sol")

	t.Run("counts contracts and functions of a valid file", func(t *testing.T) {
		r := solsec("parse", bank)
		assert.Equal(t, exitOK, r.code)
		// IBank and Bank; deposit twice, the constructor, receive and the
		// free function helper, but not the modifier.
		assert.Equal(t, "ok: 2 contracts, 5 functions\n", r.stdout)
		assert.Empty(t, r.stderr)
	})
	t.Run("prints every syntax error as file:line:col and exits 2", func(t *testing.T) {
		r := solsec("parse", broken)
		assert.Equal(t, exitInput, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, broken+":5:21: ")
		assert.Contains(t, r.stderr, broken+":7:59: ")
		assert.Contains(t, r.stderr, broken+": 2 syntax errors\n")
	})
	t.Run("prints the AST as JSON with flags after the file", func(t *testing.T) {
		r := solsec("parse", bank, "--ast", "json")
		require.Equal(t, exitOK, r.code, r.stderr)
		var unit struct {
			Kind  string `json:"kind"`
			Nodes []struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
			} `json:"nodes"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &unit))
		assert.Equal(t, "SourceUnit", unit.Kind)
		var kinds []string
		for _, n := range unit.Nodes {
			kinds = append(kinds, n.Kind+" "+n.Name)
		}
		assert.Equal(t, []string{"PragmaDirective solidity", "ContractDefinition IBank", "ContractDefinition Bank", "FunctionDefinition helper"}, kinds)
		assert.Contains(t, r.stdout, "\n  \"kind\"", "the JSON is indented")
	})
	t.Run("prints the partial AST of a broken file and still exits 2", func(t *testing.T) {
		r := solsec("parse", "--ast", "json", broken)
		assert.Equal(t, exitInput, r.code)
		assert.True(t, json.Valid([]byte(r.stdout)))
		assert.Contains(t, r.stdout, `"name": "g"`, "declarations after the error are kept")
		assert.Contains(t, r.stderr, broken+":5:21: ")
	})
	t.Run("reads standard input for -", func(t *testing.T) {
		r := invocation{stdin: "contract A { function f() external {} }"}.run("parse", "-")
		assert.Equal(t, exitOK, r.code)
		assert.Equal(t, "ok: 1 contract, 1 function\n", r.stdout)
		r = invocation{stdin: "contract A {"}.run("parse", "-")
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, "<stdin>:1:")
	})
	t.Run("names a missing file", func(t *testing.T) {
		missing := filepath.Join(dir, "Nope.sol")
		r := solsec("parse", missing)
		assert.Equal(t, exitInput, r.code)
		assert.Equal(t, "solsec parse: "+missing+": no such file\n", r.stderr)
	})
	t.Run("refuses a directory and points to scan", func(t *testing.T) {
		r := solsec("parse", dir)
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, "is a directory")
		assert.Contains(t, r.stderr, "scan")
	})
	t.Run("wants exactly one file", func(t *testing.T) {
		for _, args := range [][]string{{"parse"}, {"parse", bank, broken}} {
			r := solsec(args...)
			assert.Equal(t, exitInput, r.code)
			assert.Contains(t, r.stderr, "want exactly one FILE")
		}
	})
	t.Run("rejects an AST format other than json", func(t *testing.T) {
		r := solsec("parse", bank, "--ast", "yaml")
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, `"yaml" is not one of json`)
	})
}
