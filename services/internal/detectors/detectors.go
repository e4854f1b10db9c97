// Package detectors holds solsec's security detectors. Each detector is a
// findings.Rule (its stable id, severity, confidence, SWC and DASP
// classification, description and fix) and a function that looks for the
// weakness in an analysed project (package analysis). Run executes every
// detector, drops findings the source suppresses with
// `// solsec-disable-next-line <id> -- <reason>` (or
// `// solsec-disable-line <id>` on the line itself) and returns them in a
// deterministic order.
//
// Detector families live one per file (reentrancy.go, access.go, ...);
// each registers its detectors from an init function, and every detector
// has a vulnerable and a safe fixture in testdata/<id>/.
//
// Quality is measured by tests, not asserted in prose:
//
//	go test ./services/internal/detectors -run SWCRegistry -v   # recall and clean-sample noise on the SWC registry
//	SOLSEC_OZ=/tmp/oz go test ./services/internal/detectors -run OpenZeppelin -v   # no high finding on OpenZeppelin
//	SOLSEC_OZ=/tmp/oz go test ./services/internal/detectors -run '^$' -bench OpenZeppelin
//
// (SOLSEC_DATASETS overrides where the SWC registry is looked up; the
// OpenZeppelin corpus comes from `npm install --prefix /tmp/oz
// @openzeppelin/contracts@5.7.0` and is never committed.)
package detectors

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

// Options selects detectors.
type Options struct {
	// Exclude lists detector ids not to run.
	Exclude []string
}

// detector is a rule and the check that reports it.
type detector struct {
	rule findings.Rule
	run  func(*pass)
}

var registry []*detector

func register(rule findings.Rule, run func(*pass)) {
	registry = append(registry, &detector{rule: rule, run: run})
}

// List returns every detector's rule, sorted by id.
func List() []findings.Rule {
	out := make([]findings.Rule, 0, len(registry))
	for _, d := range registry {
		out = append(out, d.rule)
	}
	slices.SortFunc(out, func(a, b findings.Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Result is what RunReport returns: the findings and how many the source
// suppressed.
type Result struct {
	Findings   []findings.Finding
	Suppressed int
	// Failed lists detectors that crashed (a bug in solsec); their
	// findings are missing, every other detector's are complete.
	Failed []string
}

// runOne runs a detector, turning a panic into a failed run: one buggy
// detector must not take the others' results with it.
func runOne(d *detector, p *analysis.Project, fns []*analysis.Function) (out []findings.Finding, failed bool) {
	defer func() {
		if r := recover(); r != nil {
			out, failed = nil, true
		}
	}()
	ps := &pass{p: p, rule: d.rule, fns: fns}
	d.run(ps)
	return ps.out, false
}

// Run executes every detector not excluded on the project's own files
// (dependencies loaded through imports are analysed but not reported) and
// returns the findings sorted by file, position, severity and detector,
// without suppressed ones.
func Run(p *analysis.Project, opts Options) []findings.Finding {
	return RunReport(p, opts).Findings
}

// RunReport is Run that also counts suppressed findings.
func RunReport(p *analysis.Project, opts Options) Result {
	excluded := map[string]bool{}
	for _, id := range opts.Exclude {
		excluded[strings.TrimSpace(id)] = true
	}
	var active []*detector
	for _, d := range registry {
		if !excluded[d.rule.ID] {
			active = append(active, d)
		}
	}
	// Line tables are built lazily; build them now, before detectors read
	// files concurrently.
	sup := map[*analysis.File]suppressions{}
	for _, f := range p.Files {
		f.Line(1)
		sup[f] = parseSuppressions(f)
	}
	fns := ownFunctions(p)
	results := make([][]findings.Finding, len(active))
	failed := make([]bool, len(active))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(active)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], failed[i] = runOne(active[i], p, fns)
			}
		}()
	}
	for i := range active {
		next <- i
	}
	close(next)
	wg.Wait()
	var res Result
	for i, bad := range failed {
		if bad {
			res.Failed = append(res.Failed, active[i].rule.ID)
		}
	}
	for _, fs := range results {
		for _, f := range fs {
			file := p.File(f.Primary().File)
			if file != nil && sup[file].suppressed(f.ID, f.Primary().StartLine) {
				res.Suppressed++
				continue
			}
			res.Findings = append(res.Findings, f)
		}
	}
	findings.AssignFingerprints(res.Findings)
	res.Findings = findings.Dedup(res.Findings)
	findings.Sort(res.Findings)
	return res
}

// pass is one detector's view of the project while it runs.
type pass struct {
	p    *analysis.Project
	rule findings.Rule
	out  []findings.Finding
	fns  []*analysis.Function // the project's own functions with bodies, shared read-only
}

// related is a secondary location of a finding.
type related struct {
	node solidity.Node
	msg  string
}

// report records a finding at node in file f, inside contract c and
// function fn (either may be nil). Findings in dependency files are
// dropped: the user did not ask about them.
func (ps *pass) report(f *analysis.File, node solidity.Node, c *analysis.Contract, fn *analysis.Function, msg string, rel ...related) {
	ps.reportSeverity(ps.rule.Severity, f, node, c, fn, msg, rel...)
}

// reportSeverity is report with a severity other than the rule's default.
func (ps *pass) reportSeverity(sev findings.Severity, f *analysis.File, node solidity.Node, c *analysis.Contract, fn *analysis.Function, msg string, rel ...related) {
	if f == nil || f.Dependency || node == nil {
		return
	}
	fd := findings.Finding{Rule: ps.rule, Message: msg, Locations: []findings.Location{location(f, node, "")}}
	fd.Severity = sev
	if c != nil {
		fd.Contract = c.Name
	}
	if fn != nil {
		if fd.Contract == "" && fn.Contract != nil {
			fd.Contract = fn.Contract.Name
		}
		fd.Function = fn.DisplayName()
	}
	for _, r := range rel {
		if r.node != nil {
			fd.Locations = append(fd.Locations, location(f, r.node, r.msg))
		}
	}
	ps.out = append(ps.out, fd)
}

func location(f *analysis.File, n solidity.Node, msg string) findings.Location {
	s, e := n.Pos(), n.End()
	if e.Offset < s.Offset {
		e = s
	}
	snippet := f.Text(n)
	if len(snippet) > 200 {
		// Long spans (whole functions) keep their first line only, which
		// is what a reader needs and what the fingerprint should track.
		if i := strings.IndexByte(snippet, '\n'); i > 0 {
			snippet = snippet[:i]
		}
		if len(snippet) > 200 {
			snippet = snippet[:200]
		}
	}
	return findings.Location{
		File: f.Path, StartLine: s.Line, StartColumn: max(1, s.Column), EndLine: max(e.Line, s.Line), EndColumn: max(1, e.Column),
		StartOffset: s.Offset, EndOffset: e.Offset, Snippet: strings.TrimSpace(snippet), Message: msg,
	}
}

// files returns the project's own (non-dependency) files.
func (ps *pass) files() []*analysis.File {
	var out []*analysis.File
	for _, f := range ps.p.Files {
		if !f.Dependency {
			out = append(out, f)
		}
	}
	return out
}

// contracts returns the contracts of the project's own files.
func (ps *pass) contracts() []*analysis.Contract {
	var out []*analysis.Contract
	for _, c := range ps.p.Contracts {
		if !c.File.Dependency {
			out = append(out, c)
		}
	}
	return out
}

// functions returns the functions with bodies of the project's own files,
// in file and source order.
func (ps *pass) functions() []*analysis.Function {
	if ps.fns == nil {
		ps.fns = ownFunctions(ps.p)
	}
	return ps.fns
}

func ownFunctions(p *analysis.Project) []*analysis.Function {
	out := []*analysis.Function{}
	for _, f := range p.Functions() {
		if !f.File.Dependency && f.Def.Body != nil {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b *analysis.Function) int {
		return cmp.Or(strings.Compare(a.File.Path, b.File.Path), cmp.Compare(a.Def.Pos().Offset, b.Def.Pos().Offset))
	})
	return out
}
