package intel

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/solidity"
	"github.com/solsec/platform/services/internal/tools"
)

// Filter recognises one known false-positive shape.
type Filter struct {
	ID          string
	Description string
	// match returns the reason when the finding has the shape. src is nil
	// when no parsed project is available; filters that need the code then
	// do not match.
	match func(src *SourceIndex, f *Finding) (reason string, ok bool)
}

// DefaultFilters are the filters the engine applies unless configured
// otherwise, in the order they are tried; the first match is recorded.
func DefaultFilters() []Filter {
	return []Filter{
		{
			ID:          "dependency-code",
			Description: "The finding is in third-party code (lib/, node_modules/ or a file loaded only because it is imported): the project cannot fix it there and its authors audit it.",
			match:       matchDependency,
		},
		{
			ID:          "reentrancy-guarded",
			Description: "Reentrancy (SWC-107) reported in a function protected by a reentrancy guard (nonReentrant-style modifier, or a modifier that checks and sets a lock around its body). Read-only and cross-function reentrancy are not covered: a guard on one function does not protect views or unguarded functions.",
			match:       matchGuarded,
		},
		{
			ID:          "checks-effects-interactions",
			Description: "Reentrancy (SWC-107) reported in a function whose every state write comes before its first external call (and no loop repeats a call after a write): re-entering finds the state already updated.",
			match:       matchCEI,
		},
		{
			ID:          "tx-origin-eoa-check",
			Description: "tx.origin (SWC-115) used only in a comparison with msg.sender: that is the \"caller is not a contract\" check, not authorisation by tx.origin.",
			match:       matchTxOriginEOA,
		},
		{
			ID:          "checked-arithmetic",
			Description: "Integer overflow (SWC-101) reported in a file that requires Solidity 0.8 or later, outside unchecked blocks and inline assembly: the compiler reverts on overflow.",
			match:       matchCheckedArithmetic,
		},
	}
}

// ApplyFilters marks each finding that a filter matches as suppressed,
// with the first matching filter's id and reason.
func ApplyFilters(fs []Finding, src *SourceIndex, filters []Filter) {
	for i := range fs {
		fs[i].Suppression = nil
		for _, flt := range filters {
			if reason, ok := flt.match(src, &fs[i]); ok {
				fs[i].Suppression = &Suppression{Filter: flt.ID, Reason: reason}
				break
			}
		}
	}
}

// SourceIndex lets filters look at the code a finding points to.
type SourceIndex struct {
	project *analysis.Project
	files   map[string]*analysis.File
	funcs   map[*analysis.File][]*analysis.Function
	mods    map[*analysis.File][]*analysis.Modifier
}

// NewSourceIndex indexes a loaded project for the filters. root is the
// directory the findings' paths are relative to (where the sources were
// written), which may differ from the project's own root (the deepest
// directory holding every loaded file).
func NewSourceIndex(p *analysis.Project, root string) *SourceIndex {
	ix := &SourceIndex{
		project: p,
		files:   map[string]*analysis.File{},
		funcs:   map[*analysis.File][]*analysis.Function{},
		mods:    map[*analysis.File][]*analysis.Modifier{},
	}
	for _, f := range p.Files {
		abs := filepath.FromSlash(f.Path)
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(p.Root, abs)
		}
		if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "..") {
			ix.files[filepath.ToSlash(rel)] = f
		} else {
			ix.files[f.Path] = f
		}
	}
	for _, fn := range p.Functions() {
		ix.funcs[fn.File] = append(ix.funcs[fn.File], fn)
	}
	for _, c := range p.Contracts {
		ix.mods[c.File] = append(ix.mods[c.File], c.Modifiers...)
	}
	return ix
}

// IndexSources parses a project's sources for the filters: it writes them
// into a temporary directory under workdir (the system's when empty),
// loads them with the analysis engine's loader and removes the directory;
// the parsed model keeps the sources in memory.
func IndexSources(workdir string, sources tools.Sources, opts analysis.LoadOptions) (*SourceIndex, error) {
	if err := sources.Validate(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(workdir, "solsec-intel-")
	if err != nil {
		return nil, fmt.Errorf("indexing sources: %w", err)
	}
	defer os.RemoveAll(dir)
	var paths []string
	for _, s := range sources {
		p := filepath.Join(dir, filepath.FromSlash(s.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, fmt.Errorf("indexing sources: %w", err)
		}
		if err := os.WriteFile(p, s.Content, 0o600); err != nil {
			return nil, fmt.Errorf("indexing sources: %w", err)
		}
		if strings.HasSuffix(s.Path, ".sol") {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("indexing sources: no .sol file")
	}
	// The sources are untrusted: their imports stay inside dir.
	opts.Confine = dir
	p, err := analysis.Load(paths, opts)
	if err != nil {
		return nil, fmt.Errorf("indexing sources: %w", err)
	}
	return NewSourceIndex(p, dir), nil
}

// file returns the parsed file a finding's path names.
func (ix *SourceIndex) file(path string) *analysis.File {
	if ix == nil {
		return nil
	}
	return ix.files[cleanPath(path)]
}

// functionAt returns the innermost function whose definition spans line.
func (ix *SourceIndex) functionAt(path string, line int) *analysis.Function {
	file := ix.file(path)
	if file == nil {
		return nil
	}
	var best *analysis.Function
	for _, fn := range ix.funcs[file] {
		if spans(fn.Def, line) && (best == nil || fn.Def.Pos().Offset > best.Def.Pos().Offset) {
			best = fn
		}
	}
	return best
}

// bodyAt returns the body of the function or modifier spanning line.
func (ix *SourceIndex) bodyAt(path string, line int) (name string, body *solidity.Block) {
	if fn := ix.functionAt(path, line); fn != nil {
		return fn.QualifiedName(), fn.Def.Body
	}
	file := ix.file(path)
	if file == nil {
		return "", nil
	}
	for _, m := range ix.mods[file] {
		if spans(m.Def, line) {
			return m.Contract.Name + "." + m.Name, m.Def.Body
		}
	}
	return "", nil
}

func spans(n solidity.Node, line int) bool {
	return n != nil && n.Pos().Line <= line && line <= n.End().Line
}

// line is the first line the finding's evidence points at.
func (f *Finding) line() int { return firstLine(*f) }

func matchDependency(src *SourceIndex, f *Finding) (string, bool) {
	p := f.Primary().File
	if file := src.file(p); file != nil && file.Dependency {
		return p + " is a dependency of the project, loaded only because it is imported", true
	}
	for _, dir := range []string{"lib/", "node_modules/"} {
		if strings.HasPrefix(p, dir) || strings.Contains(p, "/"+dir) {
			return p + " is third-party code under " + strings.TrimSuffix(dir, "/"), true
		}
	}
	return "", false
}

// reentrancyApplies reports SWC-107 findings of the kinds a function's own
// guard or ordering rules out.
func reentrancyApplies(f *Finding) bool {
	if f.Class != "SWC-107" {
		return false
	}
	for _, e := range f.Evidence {
		if strings.Contains(e.Detector, "read-only") || strings.Contains(e.Detector, "cross-function") {
			return false
		}
	}
	return true
}

func matchGuarded(src *SourceIndex, f *Finding) (string, bool) {
	if !reentrancyApplies(f) {
		return "", false
	}
	fn := src.functionAt(f.Primary().File, f.line())
	if fn == nil {
		return "", false
	}
	if guard := reentrancyGuard(fn); guard != "" {
		return fmt.Sprintf("%s is protected by the reentrancy guard %s: it cannot be re-entered while its external call runs", fn.QualifiedName(), guard), true
	}
	return "", false
}

// reentrancyGuard names the function's lock: a modifier named like one
// (nonReentrant, lock, mutex, noReentrancy) or one that reads and writes
// the same state variable around `_` and checks it with require.
func reentrancyGuard(fn *analysis.Function) string {
	for _, m := range fn.Def.Modifiers {
		n := strings.ToLower(m.Name.Name)
		if strings.Contains(n, "reentran") || strings.Contains(n, "lock") || strings.Contains(n, "mutex") {
			return m.Name.Name
		}
	}
	for _, m := range fn.Modifiers {
		if m.Def.Body == nil || !hasPlaceholder(m.Def.Body) {
			continue
		}
		checks := false
		for _, c := range m.Calls {
			checks = checks || (c.Kind == analysis.CallBuiltin && (c.Member == "require" || c.Member == "assert"))
		}
		for _, w := range m.Writes {
			for _, r := range m.Reads {
				if w == r && checks {
					return m.Name
				}
			}
		}
	}
	return ""
}

func hasPlaceholder(b *solidity.Block) bool {
	found := false
	solidity.Inspect(b, func(n solidity.Node) bool {
		_, ok := n.(*solidity.PlaceholderStatement)
		found = found || ok
		return !found
	})
	return found
}

func matchCEI(src *SourceIndex, f *Finding) (string, bool) {
	if !reentrancyApplies(f) {
		return "", false
	}
	fn := src.functionAt(f.Primary().File, f.line())
	if fn == nil || fn.Def.Body == nil || fn.Scope() == nil {
		return "", false
	}
	sc := fn.Scope()
	var calls, writes []int
	var loops [][2]int
	solidity.Inspect(fn.Def.Body, func(n solidity.Node) bool {
		switch x := n.(type) {
		case *solidity.ForStatement, *solidity.WhileStatement, *solidity.DoWhileStatement:
			loops = append(loops, [2]int{n.Pos().Offset, n.End().Offset})
		case *solidity.Assignment:
			if sc.RootState(x.LeftHandSide) != nil {
				writes = append(writes, x.End().Offset)
			}
		case *solidity.UnaryOperation:
			if (x.Operator == "++" || x.Operator == "--" || x.Operator == "delete") && sc.RootState(x.SubExpression) != nil {
				writes = append(writes, x.End().Offset)
			}
		case *solidity.FunctionCall:
			c := sc.Classify(x)
			if c == nil {
				return true
			}
			switch {
			case c.IsExternal() && c.Kind != analysis.CallDelegatecall && !c.GasLimited:
				calls = append(calls, x.Pos().Offset)
			case (c.Kind == analysis.CallInternal || c.Kind == analysis.CallLibrary) && c.Callee != nil:
				if callsOut(c.Callee, map[*analysis.Function]bool{}) {
					calls = append(calls, x.Pos().Offset)
				}
				if len(c.Callee.WritesAll) > 0 {
					writes = append(writes, x.End().Offset)
				}
			case c.Kind == analysis.CallBuiltin && (c.Member == "push" || c.Member == "pop") && c.Receiver != nil && sc.RootState(c.Receiver) != nil:
				writes = append(writes, x.End().Offset)
			}
		}
		return true
	})
	if len(calls) == 0 {
		// The call is not in this function's own body (a modifier, or code
		// the model cannot follow): the ordering cannot be checked.
		return "", false
	}
	first := calls[0]
	for _, c := range calls {
		first = min(first, c)
	}
	for _, w := range writes {
		if w > first {
			return "", false
		}
	}
	for _, l := range loops {
		callIn, writeIn := false, false
		for _, c := range calls {
			callIn = callIn || (l[0] <= c && c < l[1])
		}
		for _, w := range writes {
			writeIn = writeIn || (l[0] <= w && w <= l[1])
		}
		if callIn && writeIn {
			return "", false
		}
	}
	return fmt.Sprintf("%s follows checks-effects-interactions: its %d state writes all happen before its first external call", fn.QualifiedName(), len(writes)), true
}

// callsOut reports whether fn, or an internal function it calls, makes an
// external call.
func callsOut(fn *analysis.Function, seen map[*analysis.Function]bool) bool {
	if seen[fn] {
		return false
	}
	seen[fn] = true
	for _, c := range fn.Calls {
		if c.IsExternal() && c.Kind != analysis.CallDelegatecall && !c.GasLimited {
			return true
		}
		if (c.Kind == analysis.CallInternal || c.Kind == analysis.CallLibrary) && c.Callee != nil && callsOut(c.Callee, seen) {
			return true
		}
	}
	return false
}

func matchTxOriginEOA(src *SourceIndex, f *Finding) (string, bool) {
	if f.Class != "SWC-115" {
		return "", false
	}
	name, body := src.bodyAt(f.Primary().File, f.line())
	if body == nil {
		return "", false
	}
	uses, eoaChecks := 0, 0
	solidity.Inspect(body, func(n solidity.Node) bool {
		switch x := n.(type) {
		case *solidity.MemberAccess:
			if isGlobal(x, "tx", "origin") {
				uses++
			}
		case *solidity.BinaryOperation:
			if x.Operator == "==" || x.Operator == "!=" {
				l, r := x.LeftExpression, x.RightExpression
				if (isGlobalExpr(l, "tx", "origin") && isGlobalExpr(r, "msg", "sender")) ||
					(isGlobalExpr(r, "tx", "origin") && isGlobalExpr(l, "msg", "sender")) {
					eoaChecks++
				}
			}
		}
		return true
	})
	if uses == 0 || uses != eoaChecks {
		return "", false
	}
	return fmt.Sprintf("%s uses tx.origin only to compare it with msg.sender (the caller-is-not-a-contract check), never to authorise", name), true
}

func isGlobalExpr(e solidity.Expression, object, member string) bool {
	m, ok := e.(*solidity.MemberAccess)
	return ok && isGlobal(m, object, member)
}

func isGlobal(m *solidity.MemberAccess, object, member string) bool {
	id, ok := m.Expression.(*solidity.Identifier)
	return ok && id.Name == object && m.MemberName == member
}

var versionPattern = regexp.MustCompile(`^\s*(\^|~|>=|>|=)?\s*v?(\d+)\.(\d+)(?:\.(\d+))?`)

// requiresAtLeast08 reports whether every compiler the pragma allows is
// 0.8.0 or later, from its first (lower-bound) constraint.
func requiresAtLeast08(value string) bool {
	m := versionPattern.FindStringSubmatch(value)
	if m == nil {
		return false
	}
	major, _ := strconv.Atoi(m[2])
	minor, _ := strconv.Atoi(m[3])
	return major > 0 || minor >= 8
}

func matchCheckedArithmetic(src *SourceIndex, f *Finding) (string, bool) {
	if f.Class != "SWC-101" {
		return "", false
	}
	file := src.file(f.Primary().File)
	if file == nil || file.AST == nil {
		return "", false
	}
	pragma := ""
	for _, n := range file.AST.Nodes {
		if p, ok := n.(*solidity.PragmaDirective); ok && p.Name == "solidity" {
			pragma = p.Value
		}
	}
	if pragma == "" || !requiresAtLeast08(pragma) {
		return "", false
	}
	for _, e := range f.Evidence {
		line := e.Location.StartLine
		unchecked := false
		solidity.Inspect(file.AST, func(n solidity.Node) bool {
			if n == nil || !spans(n, line) {
				return n == file.AST
			}
			switch x := n.(type) {
			case *solidity.Block:
				unchecked = unchecked || x.Unchecked
			case *solidity.InlineAssembly:
				unchecked = true
			}
			return !unchecked
		})
		if unchecked {
			return "", false
		}
	}
	return fmt.Sprintf("%s requires Solidity %s, which reverts on overflow, and the operation is outside unchecked blocks and assembly", f.Primary().File, strings.TrimSpace(pragma)), true
}
