package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/detectors"
	"github.com/solsec/platform/services/internal/findings"
)

var scanCommand = &command{
	name:    "scan",
	summary: "scan files or directories for security issues",
	usage:   "solsec scan [flags] PATH...",
	help: `
Loads every .sol file under each PATH (directories recursively; lib/,
node_modules/ and build output are not scanned but are loaded when
imported), resolves imports (remappings.txt, foundry.toml, node_modules and
the --remap and --include flags), runs every detector and prints the
findings grouped by file and severity.

Syntax errors, unresolved imports and unreadable files are printed on
standard error as file:line:col: message; the files that did load are still
analysed and reported, and the exit code is 2. Otherwise the exit code is 1
when a finding is at or above --fail-on, and 0.

Suppress one finding with a comment on the line before it:
  // solsec-disable-next-line <id> -- reason`,
	run: runScan,
}

// loadFlags are the import-resolution flags shared by scan and graph.
type loadFlags struct {
	remaps   listFlag
	includes listFlag
}

func (l *loadFlags) register(fs *flag.FlagSet) {
	fs.Var(&l.remaps, "remap", "import remapping `prefix=target`, as in remappings.txt (repeatable)")
	fs.Var(&l.includes, "include", "extra `dir`ectory to resolve imports in, like node_modules (repeatable)")
}

func (l *loadFlags) options() (analysis.LoadOptions, error) {
	for _, r := range l.remaps.values {
		if i := strings.IndexByte(r, '='); i <= 0 || i == len(r)-1 {
			return analysis.LoadOptions{}, fmt.Errorf("--remap %q: want prefix=target", r)
		}
	}
	for _, dir := range l.includes.values {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return analysis.LoadOptions{}, fmt.Errorf("--include %s: not a directory", dir)
		}
	}
	return analysis.LoadOptions{Remappings: l.remaps.values, IncludePaths: l.includes.values}, nil
}

// checkPaths reports every missing path at once, before any work, with the
// path as the user typed it; ok is false when any was missing.
func (c *cli) checkPaths(cmd *command, paths []string) (ok bool) {
	ok = true
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			ok = false
			if os.IsNotExist(err) {
				fmt.Fprintf(c.stderr, "solsec %s: %s: no such file or directory\n", cmd.name, p)
			} else {
				fmt.Fprintf(c.stderr, "solsec %s: %v\n", cmd.name, err)
			}
		}
	}
	return ok
}

func runScan(c *cli, cmd *command, args []string) int {
	fs := newFlags("scan")
	format := &choiceFlag{value: "text", choices: []string{"text", "json", "sarif"}}
	fs.Var(format, "format", "report format: text for people, json (docs/findings.md) or sarif (GitHub code scanning)")
	output := fs.String("output", "", "write the report to `file` instead of standard output")
	failOn := fs.String("fail-on", "never", "exit 1 when a finding is at or above this `severity`: high, medium, low, informational or never")
	exclude := &listFlag{split: true}
	fs.Var(exclude, "exclude", "detector `ids` to skip, comma-separated (repeatable; see solsec rules)")
	var lf loadFlags
	lf.register(fs)
	paths, code, ok := c.parseArgs(cmd, fs, args)
	if !ok {
		return code
	}

	// Every usage mistake is caught before the (possibly long) scan starts.
	if len(paths) == 0 {
		return c.usageError(cmd, "no PATH given (use . for the current directory)")
	}
	// threshold 0 means never; "never" can be spelled out so that CI
	// templates can pass a level through unconditionally.
	threshold := findings.Severity(0)
	if *failOn != "" && *failOn != "never" {
		sev, err := findings.ParseSeverity(*failOn)
		if err != nil {
			return c.usageError(cmd, "--fail-on: %v", err)
		}
		threshold = sev
	}
	rules, err := enabledRules(exclude.values)
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	opts, err := lf.options()
	if err != nil {
		return c.usageError(cmd, "%v", err)
	}
	if !c.checkPaths(cmd, paths) {
		return exitInput
	}

	prog := startProgress(c.stderr, c.isTerminal(c.stderr), 2)
	prog.setStage(1, "loading and parsing")
	project, err := analysis.Load(paths, opts)
	if err != nil {
		prog.finish()
		fmt.Fprintf(c.stderr, "solsec scan: %v\n", err)
		return exitInput
	}
	prog.setStage(2, fmt.Sprintf("running %d detectors on %d files", len(rules), len(project.Files)))
	found := detectors.Run(project, detectors.Options{Exclude: exclude.values})
	prog.finish()

	report := newReport(project, found, pathRebaser(project.Root))
	var buf bytes.Buffer
	switch format.value {
	case "json":
		err = findings.WriteJSON(&buf, report)
	case "sarif":
		err = findings.WriteSARIF(&buf, report, rules...)
	default:
		color := *output == "" && c.isTerminal(c.stdout) && c.getenv("NO_COLOR") == ""
		err = writeText(&buf, report, color)
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "solsec scan: %v\n", err)
		return exitInternal
	}
	if err := c.writeOutput(*output, buf.Bytes()); err != nil {
		fmt.Fprintf(c.stderr, "solsec scan: %v\n", err)
		return exitInput
	}

	if c.reportLoadErrors(cmd, report.Errors) {
		return exitInput
	}
	if threshold != 0 && report.CountAtLeast(threshold) > 0 {
		return exitFindings
	}
	return exitOK
}

// enabledRules returns the detectors that will run, rejecting unknown ids in
// --exclude: a typo there would otherwise silently exclude nothing.
func enabledRules(exclude []string) ([]findings.Rule, error) {
	all := detectors.List()
	known := make(map[string]bool, len(all))
	for _, r := range all {
		known[r.ID] = true
	}
	skip := map[string]bool{}
	var unknown []string
	for _, id := range exclude {
		if !known[id] {
			unknown = append(unknown, id)
		}
		skip[id] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("--exclude: unknown detector %s (solsec rules lists them)", strings.Join(unknown, ", "))
	}
	var rules []findings.Rule
	for _, r := range all {
		if !skip[r.ID] {
			rules = append(rules, r)
		}
	}
	return rules, nil
}

// newReport builds the normalised report of a scan, with every path passed
// through rebase. Files lists the files the user asked to scan, not the
// dependencies loaded to resolve imports, because detectors report only on
// the former.
func newReport(p *analysis.Project, found []findings.Finding, rebase func(string) string) *findings.Report {
	r := &findings.Report{
		Tool:     findings.Tool{Name: "solsec", Version: versionString(), InformationURI: "https://github.com/solsec/platform"},
		Findings: found,
	}
	for i := range r.Findings {
		for j := range r.Findings[i].Locations {
			r.Findings[i].Locations[j].File = rebase(r.Findings[i].Locations[j].File)
		}
	}
	for _, f := range p.Files {
		if !f.Dependency {
			r.Files = append(r.Files, rebase(f.Path))
		}
	}
	for _, d := range p.Diagnostics {
		r.Errors = append(r.Errors, findings.FileError{File: rebase(d.File), Line: d.Line, Column: d.Column, Message: d.Message})
	}
	// Normalize computes fingerprints, so it runs after the paths are final.
	r.Normalize()
	return r
}

// reportLoadErrors prints the problems of a load on stderr, one per line,
// then a count, and says whether there were any.
func (c *cli) reportLoadErrors(cmd *command, errs []findings.FileError) bool {
	if len(errs) == 0 {
		return false
	}
	files := map[string]bool{}
	for _, e := range errs {
		fmt.Fprintln(c.stderr, fileError(e))
		files[e.File] = true
	}
	fmt.Fprintf(c.stderr, "solsec %s: %d %s in %d %s; the output covers what did load\n", cmd.name,
		len(errs), plural(len(errs), "problem", "problems"), len(files), plural(len(files), "file", "files"))
	return true
}

// fileError formats an error as compilers do, file:line:col: message, so
// editors and terminals can jump to it.
func fileError(e findings.FileError) string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Message)
}

// pathRebaser returns a function that makes a project path (relative to
// root, or absolute for files outside it) relative to the working directory
// when the file lies below it. Users then see paths they can open from
// where they ran the command, and SARIF uploaded from a repository's root
// points at the right files even when only a subdirectory was scanned
// (GitHub resolves locations against the repository root). Files outside
// the working directory keep their project path.
func pathRebaser(root string) func(string) string {
	cwd, err := os.Getwd()
	if err != nil {
		return func(p string) string { return p }
	}
	return func(p string) string {
		abs := filepath.FromSlash(p)
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(root, abs)
		}
		rel, err := filepath.Rel(cwd, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return p
		}
		return filepath.ToSlash(rel)
	}
}

// writeOutput writes the whole report at once, so a failed scan never
// leaves a truncated file for a later step (an upload to code scanning) to
// choke on.
func (c *cli) writeOutput(path string, data []byte) error {
	if path == "" {
		_, err := c.stdout.Write(data)
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
