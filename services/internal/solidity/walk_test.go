package solidity

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
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
	for _, f := range []string{"testdata/constructs.sol", "testdata/old.sol"} {
		t.Run(f, func(t *testing.T) {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			checkJSON(t, mustParse(t, string(src)))
		})
	}
	u := mustParse(t, walkSrc)
	root := checkJSON(t, u)
	// Like solc, the unit starts at its first token (line 2, after the comment).
	src := root["src"].(map[string]any)
	assert.EqualValues(t, 2, src["start"].(map[string]any)["line"])
	c := root["nodes"].([]any)[0].(map[string]any)
	assert.Equal(t, "ContractDefinition", c["kind"])
	assert.Equal(t, "C", c["name"])
	assert.Equal(t, "@notice doc", c["documentation"].(map[string]any)["text"])
}

// checkJSON marshals u and checks that the JSON holds exactly the nodes
// Walk visits, each with its kind and src; it returns the decoded root.
func checkJSON(t *testing.T, u *SourceUnit) map[string]any {
	b, err := json.Marshal(u)
	require.NoError(t, err)
	var root map[string]any
	require.NoError(t, json.Unmarshal(b, &root))
	assert.Equal(t, "SourceUnit", root["kind"])

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
	return root
}

// TestFixturesCoverEveryNodeKind keeps the construct fixtures honest: each
// node type the parser can build (bar error placeholders) appears in them.
func TestFixturesCoverEveryNodeKind(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range []string{"testdata/constructs.sol", "testdata/old.sol"} {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		Inspect(mustParse(t, string(src)), func(n Node) bool { seen[n.NodeKind()] = true; return true })
	}
	for _, k := range []string{"SourceUnit", "PragmaDirective", "ImportDirective", "ImportSymbol", "IdentifierPath",
		"ContractDefinition", "InheritanceSpecifier", "FunctionDefinition", "ModifierDefinition", "ModifierInvocation",
		"OverrideSpecifier", "ParameterList", "VariableDeclaration", "EventDefinition", "ErrorDefinition",
		"StructDefinition", "EnumDefinition", "EnumValue", "UserDefinedValueTypeDefinition", "UsingForDirective",
		"UsingForFunction", "Documentation", "CatchClause", "ElementaryTypeName", "UserDefinedTypeName",
		"ArrayTypeName", "Mapping", "FunctionTypeName", "Block", "PlaceholderStatement", "ExpressionStatement",
		"VariableDeclarationStatement", "IfStatement", "ForStatement", "WhileStatement", "DoWhileStatement",
		"Continue", "Break", "Return", "Throw", "EmitStatement", "RevertStatement", "TryStatement", "InlineAssembly",
		"Identifier", "Literal", "ElementaryTypeNameExpression", "MemberAccess", "IndexAccess", "IndexRangeAccess",
		"FunctionCall", "FunctionCallOptions", "NewExpression", "UnaryOperation", "BinaryOperation", "Assignment",
		"Conditional", "TupleExpression", "YulBlock", "YulTypedName", "YulVariableDeclaration", "YulAssignment",
		"YulExpressionStatement", "YulFunctionDefinition", "YulIf", "YulSwitch", "YulCase", "YulForLoop",
		"YulBreak", "YulContinue", "YulLeave", "YulFunctionCall", "YulIdentifier", "YulLiteral"} {
		assert.True(t, seen[k], "fixtures contain no %s", k)
	}
}

// TestParseIsSafeForConcurrentUse parses the fixtures from several
// goroutines (token buffers are pooled) and expects identical ASTs.
func TestParseIsSafeForConcurrentUse(t *testing.T) {
	var srcs [][]byte
	var want []string
	for _, f := range []string{"testdata/constructs.sol", "testdata/old.sol", "testdata/token.sol"} {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		u, _ := Parse(f, src)
		b, err := json.Marshal(u)
		require.NoError(t, err)
		srcs, want = append(srcs, src), append(want, string(b))
	}
	var wg sync.WaitGroup
	got := make([][]string, 8)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				k := (g + i) % len(srcs)
				u, _ := Parse([]string{"testdata/constructs.sol", "testdata/old.sol", "testdata/token.sol"}[k], srcs[k])
				b, _ := json.Marshal(u)
				if string(b) != want[k] {
					got[g] = append(got[g], fmt.Sprintf("goroutine %d file %d differs", g, k))
				}
			}
		}()
	}
	wg.Wait()
	for _, g := range got {
		assert.Empty(t, g)
	}
}
