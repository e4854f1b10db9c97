package main

import (
	"bytes"
	"fmt"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
)

var graphCommand = &command{
	name:    "graph",
	summary: "print a project's import, inheritance or call graph",
	usage:   "solsec graph [flags] --kind imports|inheritance|calls PATH...",
	help: `
Loads PATH as scan does and prints one graph of it: imports (file to
imported file), inheritance (contract to base contract) or calls (function
to called function, labelled internal, external, library, lowlevel or
delegatecall).
DOT output renders with Graphviz:
  solsec graph . --kind inheritance | dot -Tsvg > inheritance.svg
Load problems are printed on standard error and give exit code 2; the graph
of what did load is still printed.`,
	run: runGraph,
}

func runGraph(c *cli, cmd *command, args []string) int {
	fs := newFlags("graph")
	kind := &choiceFlag{choices: []string{"imports", "inheritance", "calls"}}
	fs.Var(kind, "kind", "which graph to print (required)")
	format := &choiceFlag{value: "dot", choices: []string{"dot", "json"}}
	fs.Var(format, "format", "output format: Graphviz dot or json")
	output := fs.String("output", "", "write the graph to `file` instead of standard output")
	var lf loadFlags
	lf.register(fs)
	paths, code, ok := c.parseArgs(cmd, fs, args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		return c.usageError(cmd, "no PATH given")
	}
	if kind.value == "" {
		return c.usageError(cmd, "--kind is required: imports, inheritance or calls")
	}
	opts, err := lf.options()
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	if !c.checkPaths(cmd, paths) {
		return exitInput
	}
	project, err := analysis.Load(paths, opts)
	if err != nil {
		fmt.Fprintf(c.stderr, "solsec graph: %v\n", err)
		return exitInput
	}
	var edges []analysis.Edge
	switch kind.value {
	case "imports":
		edges = project.ImportGraph()
	case "inheritance":
		edges = project.InheritanceGraph()
	case "calls":
		edges = project.CallGraph()
	}
	// Import graph nodes are files: show them as scan shows paths, and show
	// every scanned file, also one that imports nothing and that nothing
	// imports.
	rebase := func(s string) string { return s }
	var files []string
	if kind.value == "imports" {
		rebase = pathRebaser(project.Root)
		for _, f := range project.Files {
			if !f.Dependency {
				files = append(files, rebase(f.Path))
			}
		}
	}
	out := make([]graphEdge, len(edges))
	for i, e := range edges {
		out[i] = graphEdge{From: rebase(e.From), To: rebase(e.To), Kind: e.Kind}
	}
	doc := newGraphDoc(kind.value, out, files...)
	var buf bytes.Buffer
	if format.value == "json" {
		err = writeGraphJSON(&buf, doc)
	} else {
		err = writeGraphDOT(&buf, doc)
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "solsec graph: %v\n", err)
		return exitInternal
	}
	if err := c.writeOutput(*output, buf.Bytes()); err != nil {
		fmt.Fprintf(c.stderr, "solsec graph: %v\n", err)
		return exitInput
	}
	pathOf := pathRebaser(project.Root)
	var errs []findings.FileError
	for _, d := range project.Diagnostics {
		errs = append(errs, findings.FileError{File: pathOf(d.File), Line: d.Line, Column: d.Column, Message: d.Message})
	}
	if c.reportLoadErrors(cmd, errs) {
		return exitInput
	}
	return exitOK
}
