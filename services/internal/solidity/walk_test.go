package solidity

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const walkSrc = `/// @notice doc
contract C is B(1) {
    uint x = 1;
    modifier m() { _; }
    function f(uint a) public m returns (uint) {
        if (a > 0) { x += a; } else { delete x; }
        assembly { let y := add(a, 1) sstore(0, y) }
        return a;
    }
}`

type countingVisitor struct {
	kinds map[string]int
	nils  *int
}

func (v countingVisitor) Visit(n Node) Visitor {
	if n == nil {
		*v.nils++
		return nil
	}
	v.kinds[n.NodeKind()]++
	return v
}

func TestWalkVisitsEveryNodeIncludingYulAndDocs(t *testing.T) {
	u := mustParse(t, walkSrc)
	nils := 0
	v := countingVisitor{kinds: map[string]int{}, nils: &nils}
	Walk(v, u)
	for _, k := range []string{"SourceUnit", "Documentation", "ContractDefinition", "InheritanceSpecifier",
		"IdentifierPath", "VariableDeclaration", "ModifierDefinition", "PlaceholderStatement",
		"FunctionDefinition", "ModifierInvocation", "ParameterList", "IfStatement", "Assignment",
		"UnaryOperation", "InlineAssembly", "YulBlock", "YulVariableDeclaration", "YulTypedName",
		"YulFunctionCall", "YulIdentifier", "YulLiteral", "YulExpressionStatement", "Return",
		"BinaryOperation", "ElementaryTypeName", "Literal", "Identifier"} {
		assert.Positive(t, v.kinds[k], "Walk should reach %s", k)
	}
	total := 0
	for _, n := range v.kinds {
		total += n
	}
	assert.Equal(t, total, nils, "every visited node gets a closing Visit(nil)")
}

func TestInspectSkipsChildrenWhenFalse(t *testing.T) {
	u := mustParse(t, walkSrc)
	yul := 0
	Inspect(u, func(n Node) bool {
		switch n.(type) {
		case *InlineAssembly:
			return false
		case *YulIdentifier:
			yul++
		}
		return true
	})
	assert.Zero(t, yul)
	assert.NotEmpty(t, findAll[*YulIdentifier](u))
}

// TestJSONCarriesKindAndSrcOnEveryNode decodes the JSON form generically
// and checks that every object with a "src" names its node kind.
func TestJSONCarriesKindAndSrcOnEveryNode(t *testing.T) {
	u := mustParse(t, walkSrc)
	b, err := json.Marshal(u)
	require.NoError(t, err)
	var root map[string]any
	require.NoError(t, json.Unmarshal(b, &root))
	assert.Equal(t, "SourceUnit", root["kind"])
	src := root["src"].(map[string]any)
	// Like solc, the unit starts at its first token (line 2, after the comment).
	assert.EqualValues(t, 2, src["start"].(map[string]any)["line"])

	nodes := 0
	var visit func(v any)
	visit = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["kind"]; ok {
				nodes++
				_, hasSrc := v["src"]
				assert.True(t, hasSrc, "node %v has a src", v["kind"])
			}
			for k, c := range v {
				if k != "src" && k != "nameSrc" && k != "memberSrc" {
					visit(c)
				}
			}
		case []any:
			for _, c := range v {
				visit(c)
			}
		}
	}
	visit(root)
	walked := 0
	Inspect(u, func(Node) bool { walked++; return true })
	assert.Equal(t, walked, nodes, "JSON and Walk see the same nodes")

	c := root["nodes"].([]any)[0].(map[string]any)
	assert.Equal(t, "ContractDefinition", c["kind"])
	assert.Equal(t, "C", c["name"])
	assert.Equal(t, " @notice doc", c["documentation"].(map[string]any)["text"])
}
