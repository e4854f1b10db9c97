package outline

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sample() Outline {
	return Outline{
		Imports: []string{"./IERC20.sol", "../utils/Context.sol"},
		Contracts: []Contract{{
			Name:  "Token",
			Kind:  "abstract",
			Bases: []string{"Context", "Lib.IERC20"},
			Functions: []Function{
				{Kind: "constructor", Visibility: "internal", Mutability: "nonpayable", Modifiers: []string{"Base"}},
				{Kind: "modifier", Name: "onlyOwner", Visibility: "internal", Mutability: "nonpayable", Modifiers: []string{}},
				{Kind: "function", Name: "transfer", Visibility: "public", Mutability: "nonpayable", Modifiers: []string{"onlyOwner"}},
				{Kind: "function", Name: "transfer", Visibility: "external", Mutability: "payable", Modifiers: []string{}},
			},
			StateVariables: []StateVariable{
				{Name: "total", Visibility: "internal", Mutability: "mutable"},
				{Name: "LIMIT", Visibility: "public", Mutability: "constant"},
			},
			Events: []string{"Transfer"},
			Errors: []string{"Insufficient"},
		}},
		FreeFunctions: []Function{{Kind: "function", Name: "helper", Visibility: "internal", Mutability: "pure", Modifiers: []string{}}},
	}
}

// clone deep-copies through JSON, the same way the cross-check decodes both sides.
func clone(t *testing.T, o Outline) Outline {
	t.Helper()
	b, err := json.Marshal(o)
	require.NoError(t, err)
	var out Outline
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func TestCompare(t *testing.T) {
	t.Run("identical outlines agree on every check", func(t *testing.T) {
		mm, st := Compare("a.sol", sample(), clone(t, sample()))
		assert.Empty(t, mm)
		assert.Equal(t, Stats{Files: 1, Contracts: 1, Functions: 5, Checks: st.Checks, Agreed: st.Checks}, st)
		assert.Greater(t, st.Checks, 20)
		assert.InDelta(t, 100.0, st.Agreement(), 1e-9)
	})

	cases := []struct {
		name   string
		mutate func(o *Outline)
		want   Mismatch
	}{
		{"a different contract kind is reported", func(o *Outline) { o.Contracts[0].Kind = "contract" },
			Mismatch{File: "a.sol", Contract: "Token", Field: "kind", Ours: "contract", Solc: "abstract"}},
		{"a changed base list is reported", func(o *Outline) { o.Contracts[0].Bases = []string{"Context"} },
			Mismatch{File: "a.sol", Contract: "Token", Field: "bases", Ours: `["Context"]`, Solc: `["Context", "Lib.IERC20"]`}},
		{"the second overload is paired by occurrence", func(o *Outline) { o.Contracts[0].Functions[3].Mutability = "view" },
			Mismatch{File: "a.sol", Contract: "Token", Field: "function transfer#2 mutability", Ours: "view", Solc: "payable"}},
		{"a modifier list difference is reported", func(o *Outline) { o.Contracts[0].Functions[0].Modifiers = []string{} },
			Mismatch{File: "a.sol", Contract: "Token", Field: "constructor modifiers", Ours: "[]", Solc: `["Base"]`}},
		{"state variable mutability is compared", func(o *Outline) { o.Contracts[0].StateVariables[1].Mutability = "immutable" },
			Mismatch{File: "a.sol", Contract: "Token", Field: "stateVariable LIMIT mutability", Ours: "immutable", Solc: "constant"}},
		{"free function visibility is compared", func(o *Outline) { o.FreeFunctions[0].Visibility = "public" },
			Mismatch{File: "a.sol", Field: "function helper visibility", Ours: "public", Solc: "internal"}},
		{"imports are compared as written", func(o *Outline) { o.Imports[1] = "../utils/Context.sol " },
			Mismatch{File: "a.sol", Field: "imports", Ours: `["./IERC20.sol", "../utils/Context.sol "]`, Solc: `["./IERC20.sol", "../utils/Context.sol"]`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ours := clone(t, sample())
			tc.mutate(&ours)
			mm, st := Compare("a.sol", ours, sample())
			require.Len(t, mm, 1)
			assert.Equal(t, tc.want, mm[0])
			assert.Equal(t, st.Checks-1, st.Agreed)
			assert.Less(t, st.Agreement(), 100.0)
		})
	}

	t.Run("a missing function is reported once and the rest still pair up", func(t *testing.T) {
		ours := clone(t, sample())
		ours.Contracts[0].Functions = append(ours.Contracts[0].Functions[:1], ours.Contracts[0].Functions[2:]...)
		mm, _ := Compare("a.sol", ours, sample())
		var fields []string
		for _, m := range mm {
			fields = append(fields, m.Field)
		}
		assert.Equal(t, []string{"modifier onlyOwner", "functions order"}, fields)
		assert.Equal(t, "missing", mm[0].Ours)
	})

	t.Run("an extra contract on our side is reported", func(t *testing.T) {
		ours := clone(t, sample())
		ours.Contracts = append(ours.Contracts, Contract{Name: "Ghost", Kind: "library"})
		mm, st := Compare("a.sol", ours, sample())
		require.Len(t, mm, 2)
		assert.Equal(t, Mismatch{File: "a.sol", Contract: "Ghost", Field: "contract", Ours: "present", Solc: "missing"}, mm[0])
		assert.Equal(t, "contract order", mm[1].Field)
		assert.Equal(t, 1, st.Contracts)
	})

	t.Run("a mismatch prints file, contract, field and both values", func(t *testing.T) {
		m := Mismatch{File: "a.sol", Contract: "Token", Field: "kind", Ours: "contract", Solc: "abstract"}
		assert.Equal(t, "a.sol Token: kind: ours contract, solc abstract", m.String())
	})
}

func TestStatsAdd(t *testing.T) {
	var total Stats
	total.Add(Stats{Files: 1, Contracts: 2, Functions: 3, Checks: 10, Agreed: 9})
	total.Add(Stats{Files: 1, Contracts: 1, Functions: 1, Checks: 10, Agreed: 10})
	assert.Equal(t, Stats{Files: 2, Contracts: 3, Functions: 4, Checks: 20, Agreed: 19}, total)
	assert.InDelta(t, 95.0, total.Agreement(), 1e-9)
}
