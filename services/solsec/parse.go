package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/solsec/platform/services/internal/solidity"
)

var parseCommand = &command{
	name:    "parse",
	summary: "check that one file parses, or print its AST",
	usage:   "solsec parse [--ast json] FILE",
	help: `
Parses FILE (or standard input when FILE is "-") on its own, without
resolving imports. Prints every syntax error as file:line:col: message on
standard error and exits 2, or prints "ok: N contracts, M functions".
With --ast json the syntax tree is printed as indented JSON (every node has
a "kind" field and a "src" span); a file with errors still gets the partial
tree the parser recovered.`,
	run: runParse,
}

func runParse(c *cli, cmd *command, args []string) int {
	fs := newFlags("parse")
	ast := &choiceFlag{choices: []string{"json"}}
	fs.Var(ast, "ast", "print the syntax tree in this format")
	pos, code, ok := c.parseArgs(cmd, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError(cmd, "want exactly one FILE, got %d arguments", len(pos))
	}
	name, src, err := c.readSource(pos[0])
	if err != nil {
		fmt.Fprintf(c.stderr, "solsec parse: %v\n", err)
		return exitInput
	}
	unit, errs := solidity.Parse(name, src)
	for _, e := range errs {
		fmt.Fprintln(c.stderr, e.Error())
	}
	if ast.value == "json" {
		if err := writeAST(c.stdout, unit); err != nil {
			fmt.Fprintf(c.stderr, "solsec parse: %v\n", err)
			return exitInternal
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(c.stderr, "%s: %d syntax %s\n", name, len(errs), plural(len(errs), "error", "errors"))
		return exitInput
	}
	if ast.value == "" {
		contracts, functions := countDeclarations(unit)
		fmt.Fprintf(c.stdout, "ok: %d %s, %d %s\n", contracts, plural(contracts, "contract", "contracts"),
			functions, plural(functions, "function", "functions"))
	}
	return exitOK
}

// readSource reads a file, or standard input for "-", and turns the two
// common mistakes (a directory, a missing file) into messages that say what
// to do instead of a bare errno.
func (c *cli) readSource(path string) (name string, src []byte, err error) {
	if path == "-" {
		src, err = io.ReadAll(c.stdin)
		if err != nil {
			return "", nil, fmt.Errorf("reading standard input: %w", err)
		}
		return "<stdin>", src, nil
	}
	st, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		return "", nil, fmt.Errorf("%s: no such file", path)
	case err != nil:
		return "", nil, err
	case st.IsDir():
		return "", nil, fmt.Errorf("%s is a directory: parse takes one file (scan takes directories)", path)
	}
	src, err = os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	return path, src, nil
}

// countDeclarations counts contracts of every kind (interfaces and
// libraries included) and functions of every kind (constructors, fallback,
// receive and file-level functions included, modifiers excluded).
func countDeclarations(unit *solidity.SourceUnit) (contracts, functions int) {
	o := solidity.Summarize(unit)
	contracts = len(o.Contracts)
	functions = len(o.FreeFunctions)
	for _, ct := range o.Contracts {
		for _, f := range ct.Functions {
			if f.Kind != "modifier" {
				functions++
			}
		}
	}
	return contracts, functions
}

func writeAST(w io.Writer, unit *solidity.SourceUnit) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(unit); err != nil {
		return fmt.Errorf("encoding the AST: %w", err)
	}
	return bw.Flush()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
