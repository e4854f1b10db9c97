package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// graphEdge is one edge of an output graph. It mirrors analysis.Edge with
// JSON names, so the JSON form is a documented contract of the CLI rather
// than whatever the analysis package's field names happen to be.
type graphEdge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
}

// graphDoc is the JSON form of `solsec graph --format json`.
type graphDoc struct {
	Kind  string      `json:"kind"`
	Nodes []string    `json:"nodes"`
	Edges []graphEdge `json:"edges"`
}

// newGraphDoc sorts edges and collects every endpoint, and any extra node,
// as a node, so output is deterministic whatever order the analysis
// produced edges in.
func newGraphDoc(kind string, edges []graphEdge, extra ...string) graphDoc {
	doc := graphDoc{Kind: kind, Nodes: []string{}, Edges: slices.Clone(edges)}
	if doc.Edges == nil {
		doc.Edges = []graphEdge{}
	}
	slices.SortFunc(doc.Edges, func(a, b graphEdge) int {
		return strings.Compare(a.From+"\x00"+a.To+"\x00"+a.Kind, b.From+"\x00"+b.To+"\x00"+b.Kind)
	})
	doc.Edges = slices.Compact(doc.Edges)
	doc.Nodes = append(doc.Nodes, extra...)
	for _, e := range doc.Edges {
		doc.Nodes = append(doc.Nodes, e.From, e.To)
	}
	slices.Sort(doc.Nodes)
	doc.Nodes = slices.Compact(doc.Nodes)
	return doc
}

func writeGraphJSON(w io.Writer, doc graphDoc) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// writeGraphDOT writes a Graphviz digraph. Every id is quoted, because file
// paths and "Contract.function" names are not DOT identifiers, and each edge
// is labelled with its kind ("import", "inherits", "internal", "external",
// ...) so mixed edge kinds stay readable.
func writeGraphDOT(w io.Writer, doc graphDoc) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "digraph %s {\n", dotQuote(doc.Kind))
	fmt.Fprintln(bw, "  rankdir=LR;")
	fmt.Fprintln(bw, `  node [shape=box, fontname="Helvetica"];`)
	fmt.Fprintln(bw, `  edge [fontname="Helvetica", fontsize=10];`)
	for _, n := range doc.Nodes {
		fmt.Fprintf(bw, "  %s;\n", dotQuote(n))
	}
	for _, e := range doc.Edges {
		fmt.Fprintf(bw, "  %s -> %s [label=%s];\n", dotQuote(e.From), dotQuote(e.To), dotQuote(e.Kind))
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

// dotQuote makes a DOT double-quoted string. DOT's only escape inside such
// a string is \" for a quote; a backslash is doubled so that one at the end
// of a name cannot swallow the closing quote, and line breaks become the
// \n escape that labels understand.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return `"` + r.Replace(s) + `"`
}
