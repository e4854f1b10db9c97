package analysis

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/solsec/platform/services/internal/solidity"
)

// LoadOptions tunes import resolution beyond what Load discovers on its own.
type LoadOptions struct {
	// Remappings are solc-style "prefix=target" (or "context:prefix=target")
	// entries; targets are relative to the project directory. They come
	// before those read from remappings.txt and foundry.toml.
	Remappings []string
	// IncludePaths are extra directories imports are looked up in, such as
	// node_modules directories outside the project.
	IncludePaths []string
	// Confine, when set, is the only directory the load may read from: an
	// import that resolves outside it (an absolute path, "../" climbing out,
	// a remapping or include path elsewhere, a symbolic link leading out) is
	// reported as not found, and no parent of it is searched for project
	// markers or node_modules. Services analysing uploaded sources set it to
	// the job's working directory so that a hostile import cannot read the
	// host's files or another job's sources. IncludePaths, which come from
	// the operator rather than the sources, stay readable.
	Confine string
}

// Diagnostic kinds.
const (
	DiagSyntax      = "syntax"
	DiagImport      = "import"
	DiagIO          = "io"
	DiagInheritance = "inheritance"
	// DiagInternal reports a bug in the analysis itself: the files parsed
	// but the semantic model could not be completed.
	DiagInternal = "internal"
)

// Diagnostic is a problem with one file that did not stop the load: a syntax
// error, an import that could not be resolved, an unreadable file or an
// impossible inheritance hierarchy. Line and Column are 1-based, 0 when the
// problem concerns the whole file.
type Diagnostic struct {
	File         string
	Line, Column int
	Message      string
	Kind         string // "syntax" | "import" | "io" | "inheritance" | "internal"
}

func (d Diagnostic) String() string {
	if d.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Column, d.Message)
	}
	return fmt.Sprintf("%s: %s", d.File, d.Message)
}

// File is one parsed source file.
type File struct {
	// Path is relative to the project root, slash-separated, where possible.
	Path   string
	Source []byte
	AST    *solidity.SourceUnit
	// Imports are the Paths of the files this file imports that resolved,
	// in import order, without duplicates.
	Imports []string
	// Dependency is true for files that were loaded only because something
	// imported them from outside the scanned paths (lib/, node_modules):
	// they take part in the model, but detectors do not report on them.
	Dependency bool

	abs     string
	imports []*File
	// importAt maps each import directive to the file it resolved to.
	importAt map[*solidity.ImportDirective]*File
	// lineStarts holds the byte offset of every line start, for Line.
	lineStarts []int
}

// Line returns the text of 1-based line n without its line break, or "".
func (f *File) Line(n int) string {
	if f.lineStarts == nil {
		f.lineStarts = append(f.lineStarts, 0)
		for i, c := range f.Source {
			if c == '\n' {
				f.lineStarts = append(f.lineStarts, i+1)
			}
		}
	}
	if n < 1 || n > len(f.lineStarts) {
		return ""
	}
	start := f.lineStarts[n-1]
	end := len(f.Source)
	if n < len(f.lineStarts) {
		end = f.lineStarts[n] - 1
	}
	return strings.TrimRight(string(f.Source[start:end]), "\r")
}

// Text returns the source text of a node of this file.
func (f *File) Text(n solidity.Node) string {
	if n == nil {
		return ""
	}
	s, e := n.Pos().Offset, n.End().Offset
	if s < 0 || e > len(f.Source) || s > e {
		return ""
	}
	return string(f.Source[s:e])
}

// Project is a loaded and analysed set of Solidity files.
type Project struct {
	// Root is the directory file paths are relative to.
	Root string
	// Files are sorted by Path.
	Files       []*File
	Diagnostics []Diagnostic
	// Contracts are every contract, interface and library of every file,
	// in file order then source order.
	Contracts []*Contract
	// FreeFunctions are file-level functions.
	FreeFunctions []*Function

	byAbs      map[string]*File
	byName     map[string][]*Contract
	contractOf map[*solidity.ContractDefinition]*Contract
	fileScopes map[*File]map[string]*Contract
	resolver   *resolver
	pending    map[string][]pendingLink
}

// skippedDirs are never descended into when a directory is scanned: build
// output, VCS metadata and dependency trees (dependencies are still loaded
// when imported).
var skippedDirs = map[string]bool{
	"node_modules": true, ".git": true, "out": true, "cache": true, "artifacts": true,
	"lib": true, "build": true, "typechain-types": true, "coverage": true,
}

// Load reads .sol files from files and directories (recursively), parses them
// in parallel over GOMAXPROCS, resolves their imports (loading imported files
// that lie outside paths as dependencies) and builds the semantic model.
//
// The error is only for unusable input: a path that does not exist or no
// Solidity file to read. Problems with single files are Diagnostics and the
// rest still loads.
func Load(paths []string, opts LoadOptions) (*Project, error) {
	if len(paths) == 0 {
		return nil, errors.New("no path to load")
	}
	var roots []string
	var files []string
	var errs []error
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		st, err := os.Stat(abs)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		if !st.IsDir() {
			roots = append(roots, filepath.Dir(abs))
			files = append(files, abs)
			continue
		}
		roots = append(roots, abs)
		_ = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // an unreadable subdirectory is skipped, not fatal
			}
			if d.IsDir() {
				if path != abs && (skippedDirs[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(d.Name(), ".sol") {
				files = append(files, path)
			}
			return nil
		})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no Solidity (.sol) files in %s", strings.Join(paths, ", "))
	}
	p := &Project{Root: commonDir(roots), byAbs: map[string]*File{}}
	if opts.Confine != "" {
		confine, err := confineDir(opts.Confine)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if !insideReal(confine, f) {
				return nil, fmt.Errorf("%s is outside the confining directory %s", f, opts.Confine)
			}
		}
		opts.Confine = confine
	}
	p.resolver = newResolver(p.Root, opts)

	// Parse in waves: the named files first, then every file their imports
	// reach that is not loaded yet, until no new file appears.
	wave := files
	dependency := false
	for len(wave) > 0 {
		loaded := p.parseAll(wave, dependency)
		var next []string
		for _, f := range loaded {
			next = append(next, p.resolveImports(f)...)
		}
		slices.Sort(next)
		wave = slices.Compact(next)
		dependency = true
	}
	p.linkPending()
	slices.SortFunc(p.Files, func(a, b *File) int { return strings.Compare(a.Path, b.Path) })
	for _, f := range p.Files {
		f.imports = nil
		f.Imports = f.Imports[:0]
		for _, n := range f.AST.Nodes {
			if imp, ok := n.(*solidity.ImportDirective); ok {
				if t := f.importAt[imp]; t != nil && !slices.Contains(f.imports, t) {
					f.imports = append(f.imports, t)
					f.Imports = append(f.Imports, t.Path)
				}
			}
		}
	}
	p.buildSafely()
	slices.SortStableFunc(p.Diagnostics, func(a, b Diagnostic) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return p, nil
}

// parseAll reads and parses files in parallel and adds them to the project.
// Files already loaded are skipped.
func (p *Project) parseAll(paths []string, dependency bool) []*File {
	var todo []string
	for _, a := range paths {
		if p.byAbs[a] == nil {
			todo = append(todo, a)
		}
	}
	out := make([]*File, len(todo))
	diags := make([][]Diagnostic, len(todo))
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], diags[i] = p.parseOne(todo[i], dependency)
			}
		}()
	}
	for i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	var loaded []*File
	for i, f := range out {
		p.Diagnostics = append(p.Diagnostics, diags[i]...)
		if f != nil {
			p.byAbs[f.abs] = f
			p.Files = append(p.Files, f)
			loaded = append(loaded, f)
		}
	}
	return loaded
}

func (p *Project) parseOne(abs string, dependency bool) (*File, []Diagnostic) {
	rel := p.rel(abs)
	src, err := os.ReadFile(abs)
	if err != nil {
		return nil, []Diagnostic{{File: rel, Message: "cannot read file: " + unwrapPathError(err), Kind: DiagIO}}
	}
	unit, serrs := solidity.Parse(rel, src)
	var diags []Diagnostic
	for _, e := range serrs {
		diags = append(diags, Diagnostic{File: rel, Line: e.Pos.Line, Column: e.Pos.Column, Message: e.Msg, Kind: DiagSyntax})
	}
	return &File{Path: rel, Source: src, AST: unit, Dependency: dependency, abs: abs}, diags
}

func unwrapPathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// rel makes abs relative to the root, slash-separated, when it lies below it.
func (p *Project) rel(abs string) string {
	if r, err := filepath.Rel(p.Root, abs); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(abs)
}

// commonDir returns the deepest directory containing every dir.
func commonDir(dirs []string) string {
	root := dirs[0]
	for _, d := range dirs[1:] {
		for root != d && !strings.HasPrefix(d, root+string(filepath.Separator)) {
			parent := filepath.Dir(root)
			if parent == root {
				break
			}
			root = parent
		}
	}
	return root
}

// File returns the file with the given Path, or nil.
func (p *Project) File(path string) *File {
	i, ok := slices.BinarySearchFunc(p.Files, path, func(f *File, s string) int { return strings.Compare(f.Path, s) })
	if !ok {
		return nil
	}
	return p.Files[i]
}

// buildSafely builds the semantic model. The model is written not to
// panic on any parse tree; if it does anyway, the files stay loaded, the
// model is dropped and a diagnostic says so, rather than the whole scan
// failing.
func (p *Project) buildSafely() {
	defer func() {
		if r := recover(); r != nil {
			p.Contracts, p.FreeFunctions = nil, nil
			file := ""
			if len(p.Files) > 0 {
				file = p.Files[0].Path
			}
			p.Diagnostics = append(p.Diagnostics, Diagnostic{File: file, Kind: DiagInternal,
				Message: fmt.Sprintf("internal error while building the semantic model: %v", r)})
		}
	}()
	p.build()
}
