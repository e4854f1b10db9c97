// Command solsec is the command-line face of the analysis engine: it scans
// Solidity projects for security issues (scan), lists the detectors (rules),
// checks and dumps the parse of one file (parse), and draws a project's
// import, inheritance or call graph (graph).
//
// main.go only wires the process to run; everything else takes explicit
// readers and writers so that tests drive the real commands end to end.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes, documented in docs/analysis.md. Input problems win over
// findings: a scan that could not read everything is reported as incomplete
// even when what it did read has findings at the --fail-on level.
const (
	exitOK       = 0 // success; no finding at or above --fail-on
	exitFindings = 1 // scan: a finding at or above --fail-on
	exitInput    = 2 // usage error, bad path, unreadable file, syntax or import error
	exitInternal = 3 // a bug or an output that could not be written
)

// cli carries the process's streams and environment so that every command
// can be run from a test with buffers and a fake terminal.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// isTerminal reports whether a stream is an interactive terminal; it
	// decides colour (stdout) and the progress display (stderr).
	isTerminal func(io.Writer) bool
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, isTerminal: isTerminal}
	return c.run(args)
}

// isTerminal is true for character devices, which is what a terminal is to
// the kernel; pipes, files and buffers are not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// command is one sub-command. Usage is the synopsis line; Help the text
// printed under it before the flags.
type command struct {
	name    string
	summary string
	usage   string
	help    string
	run     func(c *cli, cmd *command, args []string) int
}

func commands() []*command {
	return []*command{scanCommand, rulesCommand, parseCommand, graphCommand, versionCommand}
}

func findCommand(name string) *command {
	for _, cmd := range commands() {
		if cmd.name == name {
			return cmd
		}
	}
	return nil
}

func (c *cli) run(args []string) int {
	if len(args) == 0 {
		c.printMainUsage(c.stderr)
		return exitInput
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			if cmd := findCommand(args[1]); cmd != nil {
				return cmd.run(c, cmd, []string{"-h"})
			}
			fmt.Fprintf(c.stderr, "solsec: unknown command %q\n", args[1])
			return exitInput
		}
		c.printMainUsage(c.stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	cmd := findCommand(name)
	if cmd == nil {
		fmt.Fprintf(c.stderr, "solsec: unknown command %q\nRun 'solsec -h' for the list of commands.\n", name)
		return exitInput
	}
	return cmd.run(c, cmd, args[1:])
}

func (c *cli) printMainUsage(w io.Writer) {
	fmt.Fprint(w, "solsec finds security issues in Solidity code.\n\nUsage:\n  solsec <command> [arguments]\n\nCommands:\n")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, "\nRun 'solsec <command> -h' for a command's flags.\n"+
		"Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or input error, 3 internal error.\n")
}

// newFlags makes a flag set that reports nothing itself: parseArgs prints
// errors and usage in one consistent shape.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses flags wherever they appear among the positional
// arguments, because users type `solsec scan . --format sarif` as often as
// the flag-first form; everything after a bare "--" is positional. When it
// returns ok=false the command must exit with code: help was printed (0) or
// a usage error was reported (2).
func (c *cli) parseArgs(cmd *command, fs *flag.FlagSet, args []string) (positional []string, code int, ok bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.printUsage(c.stdout, cmd, fs)
			return nil, exitOK, false
		}
		if err != nil {
			return nil, c.usageError(cmd, "%v", err), false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, exitOK, true
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), exitOK, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError reports a mistake in how a command was called and returns the
// usage exit code.
func (c *cli) usageError(cmd *command, format string, a ...any) int {
	fmt.Fprintf(c.stderr, "solsec %s: %s\nRun 'solsec %s -h' for usage.\n", cmd.name, fmt.Sprintf(format, a...), cmd.name)
	return exitInput
}

// printUsage writes a command's synopsis, help and flags. Flags are shown
// with two dashes, the form the documentation uses; Go's flag package
// accepts one or two.
func (c *cli) printUsage(w io.Writer, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", cmd.usage, strings.TrimSpace(cmd.help))
	var lines [][2]string
	width := 0
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if choice, ok := f.Value.(*choiceFlag); ok {
			name = strings.Join(choice.choices, "|")
		}
		left := "--" + f.Name
		if name != "" {
			left += " " + name
		}
		if f.DefValue != "" && f.DefValue != "[]" && f.DefValue != "false" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		width = max(width, len(left))
		lines = append(lines, [2]string{left, usage})
	})
	if len(lines) > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		for _, l := range lines {
			fmt.Fprintf(w, "  %-*s  %s\n", width, l[0], l[1])
		}
	}
}

// listFlag is a repeatable flag; with split set, each value may also be a
// comma-separated list (`--exclude a,b --exclude c`).
type listFlag struct {
	values []string
	split  bool
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }

func (l *listFlag) Set(v string) error {
	parts := []string{v}
	if l.split {
		parts = strings.Split(v, ",")
	}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			l.values = append(l.values, p)
		}
	}
	return nil
}

// choiceFlag accepts one of a fixed set of words.
type choiceFlag struct {
	value   string
	choices []string
}

func (f *choiceFlag) String() string { return f.value }

func (f *choiceFlag) Set(v string) error {
	for _, c := range f.choices {
		if v == c {
			f.value = v
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %s", v, strings.Join(f.choices, ", "))
}
