package tools

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/solsec/platform/services/internal/findings"
)

// Tool is one analyser the pipeline can run.
type Tool interface {
	// Name is the tool's stable identifier ("solsec", "slither", ...): it
	// labels tool runs, metrics and every finding's evidence.
	Name() string
	// Detect reports whether the tool can run here and its version. It
	// never fails: a missing binary or a broken installation is an
	// Availability with Available false and the reason.
	Detect(ctx context.Context) Availability
	// Run analyses sources in a clean directory created under workdir (the
	// system temporary directory when empty) and removed afterwards. The
	// Result is always filled in, whatever happened; the error is nil only
	// when Status is StatusCompleted, and otherwise wraps one of the Err
	// values below so that callers can tell an unavailable tool from a
	// timeout or a crash with errors.Is.
	Run(ctx context.Context, workdir string, sources Sources) (Result, error)
}

// Availability is what Detect found out.
type Availability struct {
	Tool      string `json:"tool"`
	Available bool   `json:"available"`
	// Version is the tool's own version string, "" when unavailable.
	Version string `json:"version,omitempty"`
	// Path is the resolved executable, empty for in-process tools.
	Path string `json:"path,omitempty"`
	// Reason says why the tool is unavailable.
	Reason string `json:"reason,omitempty"`
}

// Status is how a run ended.
type Status string

// The outcomes of a run. Only StatusCompleted carries findings.
const (
	StatusCompleted   Status = "completed"
	StatusUnavailable Status = "unavailable"
	StatusTimedOut    Status = "timed_out"
	StatusCanceled    Status = "canceled"
	// StatusMemoryExceeded is a failure whose output shows the tool ran
	// out of memory under its limit; see classifyFailure.
	StatusMemoryExceeded Status = "memory_exceeded"
	StatusOutputTooLarge Status = "output_too_large"
	// StatusFailed covers a non-zero exit without usable output and output
	// the adapter could not read.
	StatusFailed Status = "failed"
)

// Errors a Run wraps, one per non-completed Status.
var (
	ErrUnavailable    = errors.New("tool unavailable")
	ErrTimeout        = errors.New("tool timed out")
	ErrCanceled       = errors.New("tool run canceled")
	ErrMemoryExceeded = errors.New("tool exceeded its memory limit")
	ErrOutputTooLarge = errors.New("tool output exceeded its cap")
	ErrFailed         = errors.New("tool failed")
	// ErrMalformedOutput is wrapped together with ErrFailed when the tool
	// ran but its output could not be parsed.
	ErrMalformedOutput = errors.New("malformed tool output")
)

// statusErrors maps each failure status to its sentinel.
var statusErrors = map[Status]error{
	StatusUnavailable:    ErrUnavailable,
	StatusTimedOut:       ErrTimeout,
	StatusCanceled:       ErrCanceled,
	StatusMemoryExceeded: ErrMemoryExceeded,
	StatusOutputTooLarge: ErrOutputTooLarge,
	StatusFailed:         ErrFailed,
}

// Result is one run of one tool.
type Result struct {
	Tool    string `json:"tool"`
	Version string `json:"version,omitempty"`
	Status  Status `json:"status"`
	// Reason explains every status but completed, in one line.
	Reason   string             `json:"reason,omitempty"`
	Findings []findings.Finding `json:"findings"`
	// Errors are problems with single files that did not stop the run
	// (syntax errors the built-in engine reports).
	Errors []findings.FileError `json:"errors,omitempty"`
	// Warnings are things the run could not represent as findings, such as
	// a Mythril issue without a source location; they are kept so that
	// nothing a tool said is lost silently.
	Warnings []string      `json:"warnings,omitempty"`
	Duration time.Duration `json:"duration"`
	// ExitCode is the subprocess's exit status, -1 when it was killed by a
	// signal or never started, 0 for in-process tools.
	ExitCode int `json:"exitCode"`
	// StderrTail is the end of what the tool wrote on standard error.
	StderrTail string `json:"stderrTail,omitempty"`
	// OutputBytes is how much the tool wrote on standard output.
	OutputBytes int64 `json:"outputBytes"`
}

// fail sets a failure status and reason and returns the matching error.
func (r *Result) fail(s Status, format string, args ...any) error {
	r.Status = s
	r.Reason = fmt.Sprintf(format, args...)
	r.Findings = nil
	return fmt.Errorf("%s: %w: %s", r.Tool, statusErrors[s], r.Reason)
}

// Source is one file to analyse: a project-relative, slash-separated path
// and its content. Besides .sol files a project may carry the files that
// steer import resolution and the tools (remappings.txt, foundry.toml,
// .solhint.json, package.json).
type Source struct {
	Path    string
	Content []byte
}

// Sources is a project's files.
type Sources []Source

// Validate rejects paths that could escape the working directory or clash:
// absolute paths, "..", backslashes, empty names and duplicates. The API
// checks uploads too; this is the line of defence closest to the file
// system.
func (s Sources) Validate() error {
	if len(s) == 0 {
		return errors.New("no source files")
	}
	seen := make(map[string]bool, len(s))
	var errs []error
	for _, src := range s {
		p := src.Path
		clean := path.Clean(p)
		switch {
		case p == "" || strings.ContainsRune(p, 0):
			errs = append(errs, fmt.Errorf("source path %q: empty or contains NUL", p))
		case strings.Contains(p, `\`):
			errs = append(errs, fmt.Errorf("source path %q: use forward slashes", p))
		case path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") || clean != p:
			errs = append(errs, fmt.Errorf("source path %q: must be relative, clean and inside the project", p))
		case seen[p]:
			errs = append(errs, fmt.Errorf("source path %q: listed twice", p))
		}
		seen[p] = true
	}
	return errors.Join(errs...)
}

// Solidity returns the paths of the .sol files, sorted.
func (s Sources) Solidity() []string {
	var out []string
	for _, src := range s {
		if strings.HasSuffix(src.Path, ".sol") {
			out = append(out, src.Path)
		}
	}
	slices.Sort(out)
	return out
}

// content returns the content of the file at p.
func (s Sources) content(p string) ([]byte, bool) {
	for _, src := range s {
		if src.Path == p {
			return src.Content, true
		}
	}
	return nil, false
}

// has reports whether the project contains a file at p.
func (s Sources) has(p string) bool {
	_, ok := s.content(p)
	return ok
}

// projectFiles are the non-Solidity files ReadSources keeps because they
// steer import resolution or a tool's configuration.
var projectFiles = map[string]bool{
	"remappings.txt": true, "foundry.toml": true, ".solhint.json": true, "package.json": true,
	"hardhat.config.js": true, "hardhat.config.ts": true, "slither.config.json": true,
}

// ReadSources reads every .sol file under dir (and the project files listed
// in projectFiles), skipping the directories analysis.Load skips when
// scanning: VCS metadata, build output and dependency trees.
func ReadSources(dir string) (Sources, error) {
	var out Sources
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(d.Name(), ".") || skippedDirs[d.Name()]) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || (!strings.HasSuffix(d.Name(), ".sol") && !projectFiles[d.Name()]) {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, Source{Path: filepath.ToSlash(rel), Content: b})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading sources from %s: %w", dir, err)
	}
	return out, nil
}

var skippedDirs = map[string]bool{
	"node_modules": true, "out": true, "cache": true, "artifacts": true,
	"build": true, "typechain-types": true, "coverage": true,
}

// workspace is a run's private directory: Root holds scratch space (HOME
// and TMPDIR of the child) and Src the copy of the sources.
type workspace struct {
	Root, Src string
}

// newWorkspace creates a fresh directory under parent and copies the
// sources into its src/ subdirectory. The caller removes Root.
func newWorkspace(parent, tool string, sources Sources) (*workspace, error) {
	if err := sources.Validate(); err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp(parent, "solsec-"+tool+"-")
	if err != nil {
		return nil, fmt.Errorf("creating working directory: %w", err)
	}
	ws := &workspace{Root: root, Src: filepath.Join(root, "src")}
	for _, d := range []string{ws.Src, filepath.Join(root, "home"), filepath.Join(root, "tmp")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			os.RemoveAll(root)
			return nil, fmt.Errorf("creating working directory: %w", err)
		}
	}
	for _, s := range sources {
		dst := filepath.Join(ws.Src, filepath.FromSlash(s.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			os.RemoveAll(root)
			return nil, fmt.Errorf("copying %s: %w", s.Path, err)
		}
		if err := os.WriteFile(dst, s.Content, 0o600); err != nil {
			os.RemoveAll(root)
			return nil, fmt.Errorf("copying %s: %w", s.Path, err)
		}
	}
	return ws, nil
}

// relPath turns a path a tool reported (absolute inside the workspace,
// relative to it, or "./x") into the project-relative slash path.
func (ws *workspace) relPath(p string) string {
	p = strings.TrimPrefix(p, "file://")
	if filepath.IsAbs(p) {
		for _, base := range []string{ws.Src, resolved(ws.Src)} {
			if rel, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(rel, "..") {
				return filepath.ToSlash(rel)
			}
		}
		return filepath.ToSlash(p)
	}
	return strings.TrimPrefix(path.Clean(filepath.ToSlash(p)), "./")
}

// resolved follows symlinks (a temporary directory under /tmp may be a
// link), so paths tools print after resolving them still match.
func resolved(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}
