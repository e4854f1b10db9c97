package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dotGraph is what parseDOT recovers from a document: the graph's id, its
// node statements and edges, with quoted ids unescaped.
type dotGraph struct {
	name  string
	nodes []string
	edges []graphEdge // Kind holds the edge's label attribute
}

// parseDOT checks a document against the part of the Graphviz DOT grammar
// (https://graphviz.org/doc/info/lang.html) that a directed graph of
// statements uses: `digraph ID { stmt; ... }` where a statement is an
// attribute assignment, an attribute statement (graph/node/edge [...]), a
// node statement or an edge statement `ID -> ID [...]`. Anything else,
// including an unbalanced quote, is an error.
func parseDOT(src string) (*dotGraph, error) {
	toks, err := dotTokens(src)
	if err != nil {
		return nil, err
	}
	i := 0
	peek := func() string {
		if i < len(toks) {
			return toks[i]
		}
		return ""
	}
	next := func() string { t := peek(); i++; return t }
	expect := func(want string) error {
		if got := next(); got != want {
			return fmt.Errorf("token %d: want %q, got %q", i, want, got)
		}
		return nil
	}
	isID := func(t string) bool {
		return strings.HasPrefix(t, `"`) || (t != "" && (unicode.IsLetter(rune(t[0])) || t[0] == '_' || unicode.IsDigit(rune(t[0]))))
	}
	unquote := func(t string) string {
		if strings.HasPrefix(t, `"`) {
			return strings.ReplaceAll(t[1:len(t)-1], `\"`, `"`)
		}
		return t
	}
	attrs := func() (map[string]string, error) {
		out := map[string]string{}
		if peek() != "[" {
			return out, nil
		}
		next()
		for peek() != "]" {
			k := next()
			if !isID(k) {
				return nil, fmt.Errorf("attribute name %q", k)
			}
			if err := expect("="); err != nil {
				return nil, err
			}
			v := next()
			if !isID(v) {
				return nil, fmt.Errorf("attribute value %q", v)
			}
			out[unquote(k)] = unquote(v)
			if peek() == "," || peek() == ";" {
				next()
			}
		}
		next()
		return out, nil
	}
	g := &dotGraph{}
	if err := expect("digraph"); err != nil {
		return nil, err
	}
	if !isID(peek()) {
		return nil, fmt.Errorf("graph id %q", peek())
	}
	g.name = unquote(next())
	if err := expect("{"); err != nil {
		return nil, err
	}
	for peek() != "}" {
		t := next()
		switch {
		case t == "":
			return nil, fmt.Errorf("unterminated graph")
		case t == "graph" || t == "node" || t == "edge":
			if _, err := attrs(); err != nil {
				return nil, err
			}
		case isID(t) && peek() == "=":
			next()
			if !isID(next()) {
				return nil, fmt.Errorf("assignment to %s", t)
			}
		case isID(t) && peek() == "->":
			next()
			to := next()
			if !isID(to) {
				return nil, fmt.Errorf("edge target %q", to)
			}
			a, err := attrs()
			if err != nil {
				return nil, err
			}
			g.edges = append(g.edges, graphEdge{From: unquote(t), To: unquote(to), Kind: a["label"]})
		case isID(t):
			if _, err := attrs(); err != nil {
				return nil, err
			}
			g.nodes = append(g.nodes, unquote(t))
		default:
			return nil, fmt.Errorf("unexpected %q", t)
		}
		if peek() == ";" {
			next()
		}
	}
	next()
	if i != len(toks) {
		return nil, fmt.Errorf("text after the graph: %q", toks[i:])
	}
	return g, nil
}

func dotTokens(src string) ([]string, error) {
	var toks []string
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			if j >= len(src) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			toks = append(toks, src[i:j+1])
			i = j + 1
		case strings.HasPrefix(src[i:], "->"):
			toks = append(toks, "->")
			i += 2
		case strings.ContainsRune("{}[]=;,", rune(c)):
			toks = append(toks, string(c))
			i++
		case c == '_' || c == '.' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)):
			j := i
			for j < len(src) && (src[j] == '_' || src[j] == '.' || unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j]))) {
				j++
			}
			toks = append(toks, src[i:j])
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at %d", c, i)
		}
	}
	return toks, nil
}

func TestGraphDOT(t *testing.T) {
	edges := []graphEdge{
		{From: "src/Vault.sol", To: "lib/oz/ReentrancyGuard.sol", Kind: "import"},
		{From: "src/Vault.sol", To: "src/IVault.sol", Kind: "import"},
		{From: "src/Vault.sol", To: "src/IVault.sol", Kind: "import"}, // duplicate
		{From: `odd "name" \`, To: "Vault.withdraw", Kind: "low-level"},
	}
	doc := newGraphDoc("imports", edges)
	var buf bytes.Buffer
	require.NoError(t, writeGraphDOT(&buf, doc))

	t.Run("is a valid DOT digraph with every node and labelled edge", func(t *testing.T) {
		g, err := parseDOT(buf.String())
		require.NoError(t, err, buf.String())
		assert.Equal(t, "imports", g.name)
		assert.ElementsMatch(t, []string{"src/Vault.sol", "lib/oz/ReentrancyGuard.sol", "src/IVault.sol", `odd "name" \\`, "Vault.withdraw"}, g.nodes)
		require.Len(t, g.edges, 3, "duplicate edges are written once")
		assert.Contains(t, g.edges, graphEdge{From: "src/Vault.sol", To: "lib/oz/ReentrancyGuard.sol", Kind: "import"})
		assert.Contains(t, g.edges, graphEdge{From: `odd "name" \\`, To: "Vault.withdraw", Kind: "low-level"})
	})
	t.Run("quotes every id", func(t *testing.T) {
		assert.Contains(t, buf.String(), `  "src/Vault.sol" -> "src/IVault.sol" [label="import"];`)
	})
	t.Run("is deterministic whatever the edge order", func(t *testing.T) {
		rev := []graphEdge{edges[3], edges[2], edges[1], edges[0]}
		var again bytes.Buffer
		require.NoError(t, writeGraphDOT(&again, newGraphDoc("imports", rev)))
		assert.Equal(t, buf.String(), again.String())
	})
	t.Run("an empty graph is still valid", func(t *testing.T) {
		var empty bytes.Buffer
		require.NoError(t, writeGraphDOT(&empty, newGraphDoc("calls", nil)))
		g, err := parseDOT(empty.String())
		require.NoError(t, err)
		assert.Empty(t, g.edges)
	})
}

func TestDOTQuote(t *testing.T) {
	tests := map[string]string{
		"plain":      `"plain"`,
		`a"b`:        `"a\"b"`,
		`trailing\`:  `"trailing\\"`,
		"two\nlines": `"two\nlines"`,
	}
	for in, want := range tests {
		assert.Equal(t, want, dotQuote(in), in)
	}
}

func TestParseDOTRejectsBrokenDocuments(t *testing.T) {
	for _, src := range []string{
		`digraph "g" { "a" -> ; }`,
		`digraph "g" { "a -> "b"; }`,
		`digraph "g" { "a" -> "b" [label=] }`,
		`digraph "g" { "a" -> "b";`,
		`graph "g" { }`,
	} {
		_, err := parseDOT(src)
		assert.Error(t, err, src)
	}
}

func TestGraphJSON(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, writeGraphJSON(&buf, newGraphDoc("inheritance", []graphEdge{
		{From: "Token", To: "ERC20", Kind: "inherits"},
		{From: "ERC20", To: "Context", Kind: "inherits"},
	})))
	var doc struct {
		Kind  string              `json:"kind"`
		Nodes []string            `json:"nodes"`
		Edges []map[string]string `json:"edges"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	assert.Equal(t, "inheritance", doc.Kind)
	assert.Equal(t, []string{"Context", "ERC20", "Token"}, doc.Nodes)
	assert.Equal(t, []map[string]string{
		{"from": "ERC20", "to": "Context", "kind": "inherits"},
		{"from": "Token", "to": "ERC20", "kind": "inherits"},
	}, doc.Edges)

	buf.Reset()
	require.NoError(t, writeGraphJSON(&buf, newGraphDoc("calls", nil)))
	assert.Contains(t, buf.String(), `"nodes": []`)
	assert.Contains(t, buf.String(), `"edges": []`)
}
