package analysis

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/solsec/platform/services/internal/solidity"
)

// remapping is one solc import remapping: an import path starting with
// prefix (from a file under context, when set) is looked up at target.
type remapping struct {
	context, prefix, target string
}

// resolver finds the file an import path names, the way solc with the
// project's remappings, Foundry's lib/ convention and Node's node_modules
// lookup would.
type resolver struct {
	projectDir  string
	remappings  []remapping
	searchDirs  []string // base directories tried for non-relative imports
	libDirs     []string // Foundry lib/ directories
	moduleDirs  []string // node_modules directories, nearest first
	includeDirs []string
	// confine, when not empty, is the absolute, symlink-free directory every
	// resolved file must lie in (LoadOptions.Confine).
	confine string
}

// projectMarkers identify the directory a Foundry or Hardhat project lives in.
var projectMarkers = []string{"foundry.toml", "remappings.txt", "hardhat.config.js", "hardhat.config.ts", "package.json", ".git"}

func newResolver(root string, opts LoadOptions) *resolver {
	r := &resolver{projectDir: root, confine: opts.Confine}
	for d := root; r.mayRead(d); {
		if hasAny(d, projectMarkers) {
			r.projectDir = d
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	r.addRemappings(opts.Remappings)
	r.addRemappings(readRemappingsTxt(filepath.Join(r.projectDir, "remappings.txt")))
	r.addRemappings(readFoundryRemappings(filepath.Join(r.projectDir, "foundry.toml")))
	// Longer prefixes win, as in solc.
	slices.SortStableFunc(r.remappings, func(a, b remapping) int { return len(b.prefix) - len(a.prefix) })
	r.searchDirs = []string{r.projectDir}
	if root != r.projectDir {
		r.searchDirs = append(r.searchDirs, root)
	}
	for _, inc := range opts.IncludePaths {
		if abs, err := filepath.Abs(inc); err == nil {
			r.includeDirs = append(r.includeDirs, abs)
		}
	}
	if st, err := os.Stat(filepath.Join(r.projectDir, "lib")); err == nil && st.IsDir() {
		r.libDirs = append(r.libDirs, filepath.Join(r.projectDir, "lib"))
	}
	for d := root; r.mayRead(d); {
		nm := filepath.Join(d, "node_modules")
		if st, err := os.Stat(nm); err == nil && st.IsDir() {
			r.moduleDirs = append(r.moduleDirs, nm)
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	return r
}

func hasAny(dir string, names []string) bool {
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return true
		}
	}
	return false
}

func (r *resolver) addRemappings(entries []string) {
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" || strings.HasPrefix(e, "#") {
			continue
		}
		eq := strings.IndexByte(e, '=')
		if eq <= 0 {
			continue
		}
		m := remapping{prefix: e[:eq], target: e[eq+1:]}
		if c := strings.IndexByte(m.prefix, ':'); c >= 0 {
			m.context, m.prefix = m.prefix[:c], m.prefix[c+1:]
		}
		if !filepath.IsAbs(m.target) {
			m.target = filepath.Join(r.projectDir, m.target)
		}
		if strings.HasSuffix(e[eq+1:], "/") {
			m.target += string(filepath.Separator)
		}
		r.remappings = append(r.remappings, m)
	}
}

func readRemappingsTxt(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// readFoundryRemappings extracts the `remappings = [...]` arrays of a
// foundry.toml. It is not a TOML parser: it reads the quoted strings of every
// remappings array, which is all Foundry projects put there.
func readFoundryRemappings(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	text := string(data)
	for {
		i := strings.Index(text, "remappings")
		if i < 0 {
			return out
		}
		text = text[i+len("remappings"):]
		rest := strings.TrimLeft(text, " \t")
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		if !strings.HasPrefix(rest, "[") {
			continue
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return out
		}
		for _, part := range strings.Split(rest[1:end], ",") {
			part = strings.TrimSpace(part)
			// Drop comments that follow an entry on its line.
			if h := strings.Index(part, "#"); h >= 0 && !strings.HasPrefix(part, "\"") {
				part = part[:h]
			}
			part = strings.Trim(strings.TrimSpace(part), `"'`)
			if part != "" {
				out = append(out, part)
			}
		}
		text = rest[end:]
	}
}

// candidates lists where an import of path from file `from` may live, in the
// order solc and the common toolchains would look.
func (r *resolver) candidates(from, path string) []string {
	out := r.lookups(from, path)
	if r.confine == "" {
		return out
	}
	kept := out[:0]
	for _, c := range out {
		if r.mayRead(c) {
			kept = append(kept, c)
		}
	}
	return kept
}

// lookups lists the candidate paths of candidates before confinement.
func (r *resolver) lookups(from, path string) []string {
	if strings.HasPrefix(path, "./") || strings.HasPrefix(path, "../") {
		return []string{filepath.Join(filepath.Dir(from), filepath.FromSlash(path))}
	}
	var out []string
	relFrom, _ := filepath.Rel(r.projectDir, from)
	relFrom = filepath.ToSlash(relFrom)
	for _, m := range r.remappings {
		if m.context != "" && !strings.HasPrefix(relFrom, m.context) {
			continue
		}
		if strings.HasPrefix(path, m.prefix) {
			out = append(out, filepath.Join(m.target, filepath.FromSlash(path[len(m.prefix):])))
			break
		}
	}
	if filepath.IsAbs(path) {
		out = append(out, path)
	}
	rel := filepath.FromSlash(path)
	for _, d := range r.searchDirs {
		out = append(out, filepath.Join(d, rel))
	}
	for _, d := range r.includeDirs {
		out = append(out, filepath.Join(d, rel))
	}
	// Foundry's automatic remapping: "pkg/x.sol" is lib/pkg/src/x.sol or lib/pkg/x.sol.
	if first, rest, ok := strings.Cut(path, "/"); ok {
		for _, l := range r.libDirs {
			out = append(out, filepath.Join(l, first, "src", filepath.FromSlash(rest)), filepath.Join(l, first, filepath.FromSlash(rest)))
		}
	}
	for _, d := range r.moduleDirs {
		out = append(out, filepath.Join(d, rel))
	}
	// Old code imports siblings without "./"; solc resolved those against
	// the base path, which for a single-directory project is the file's own.
	out = append(out, filepath.Join(filepath.Dir(from), rel))
	return out
}

// mayRead reports whether path lies inside the confining directory, after
// following symbolic links, so that a link inside the directory cannot lead
// out of it. Without confinement every path may be read. Include paths
// stay readable: they come from the operator's configuration, not from the
// sources being analysed.
func (r *resolver) mayRead(path string) bool {
	if r.confine == "" || insideReal(r.confine, path) {
		return true
	}
	for _, inc := range r.includeDirs {
		if insideReal(inc, path) {
			return true
		}
	}
	return false
}

// insideReal reports whether path lies in dir both as written and once its
// symbolic links are followed. A path that does not exist passes on its
// lexical test alone: there is nothing to read there.
func insideReal(dir, path string) bool {
	if !within(dir, path) {
		return false
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	return within(dir, real)
}

// within reports whether path is dir or lies below it (both absolute).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, filepath.Clean(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// confineDir makes a LoadOptions.Confine directory absolute and free of
// symbolic links, so that within compares like with like.
func confineDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("confining directory %s: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("confining directory %s: %w", dir, err)
	}
	return real, nil
}

// resolveImports maps every import directive of f to a file, loading
// nothing itself: it returns the absolute paths of imported files that are
// not loaded yet, and records a diagnostic for each import that names no
// existing file.
func (p *Project) resolveImports(f *File) []string {
	var missing []string
	if f.importAt == nil {
		f.importAt = map[*solidity.ImportDirective]*File{}
	}
	for _, n := range f.AST.Nodes {
		imp, ok := n.(*solidity.ImportDirective)
		if !ok || imp.Path == "" {
			continue
		}
		found := ""
		for _, c := range p.resolver.candidates(f.abs, imp.Path) {
			if loaded := p.byAbs[c]; loaded != nil {
				found = c
				break
			}
			if st, err := os.Stat(c); err == nil && !st.IsDir() {
				found = c
				break
			}
		}
		if found == "" {
			p.Diagnostics = append(p.Diagnostics, Diagnostic{
				File: f.Path, Line: imp.Pos().Line, Column: imp.Pos().Column, Kind: DiagImport,
				Message: "import \"" + imp.Path + "\" not found (looked relative to the file, in remappings, lib/ and node_modules)",
			})
			continue
		}
		if p.byAbs[found] == nil {
			missing = append(missing, found)
		}
		p.pendingImport(f, imp, found)
	}
	return missing
}

// pendingImport records an import whose file may still be loading; links
// resolve once every wave has been parsed.
func (p *Project) pendingImport(f *File, imp *solidity.ImportDirective, abs string) {
	if t := p.byAbs[abs]; t != nil {
		f.importAt[imp] = t
		return
	}
	if p.pending == nil {
		p.pending = map[string][]pendingLink{}
	}
	p.pending[abs] = append(p.pending[abs], pendingLink{f, imp})
}

type pendingLink struct {
	from *File
	imp  *solidity.ImportDirective
}

// linkPending connects imports recorded before their target was parsed.
func (p *Project) linkPending() {
	for abs, links := range p.pending {
		t := p.byAbs[abs]
		if t == nil {
			continue
		}
		for _, l := range links {
			l.from.importAt[l.imp] = t
		}
	}
	p.pending = nil
}
