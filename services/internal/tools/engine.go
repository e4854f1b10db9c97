package tools

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/detectors"
	"github.com/solsec/platform/services/internal/findings"
)

// EngineName is the built-in engine's tool name.
const EngineName = "solsec"

// Engine is the built-in analysis engine, run in process.
type Engine struct {
	// Version is reported in results; empty means the module version from
	// the build information.
	Version string
	// Remappings and IncludePaths extend import resolution beyond what the
	// project's remappings.txt and foundry.toml say (analysis.LoadOptions).
	Remappings   []string
	IncludePaths []string
	// Exclude lists detector ids not to run.
	Exclude []string
}

// Name is "solsec".
func (e *Engine) Name() string { return EngineName }

// Detect always reports the engine available: it is compiled in.
func (e *Engine) Detect(context.Context) Availability {
	return Availability{Tool: EngineName, Available: true, Version: e.version()}
}

func (e *Engine) version() string {
	if e.Version != "" {
		return e.Version
	}
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += "+" + s.Value[:12]
			}
		}
	}
	return v
}

// Run loads the sources from a private copy (the loader reads files, and
// remappings.txt and foundry.toml travel with them) and runs every detector
// not excluded. Syntax errors and unresolved imports are Result.Errors,
// not a failure: the rest of the project is still analysed.
//
// The loader and detectors take no context, so a timeout or cancellation
// returns at once with StatusTimedOut or StatusCanceled while the analysis
// finishes in the background and then removes its directory; it is CPU
// time, never a leaked process or file.
func (e *Engine) Run(ctx context.Context, workdir string, sources Sources) (Result, error) {
	res := Result{Tool: EngineName, Version: e.version(), Findings: []findings.Finding{}}
	ws, err := newWorkspace(workdir, EngineName, sources)
	if err != nil {
		return res, res.fail(StatusFailed, "%v", err)
	}
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		defer os.RemoveAll(ws.Root)
		r, err := e.analyse(ws, sources)
		done <- outcome{r, err}
	}()
	select {
	case o := <-done:
		o.res.Duration = time.Since(start)
		return o.res, o.err
	case <-ctx.Done():
		res.Duration = time.Since(start)
		if ctx.Err() == context.DeadlineExceeded {
			return res, res.fail(StatusTimedOut, "analysis did not finish before the deadline")
		}
		return res, res.fail(StatusCanceled, "canceled")
	}
}

func (e *Engine) analyse(ws *workspace, sources Sources) (res Result, err error) {
	res = Result{Tool: EngineName, Version: e.version(), Findings: []findings.Finding{}}
	defer func() {
		// The detectors recover their own panics; this catches the loader's.
		if r := recover(); r != nil {
			err = res.fail(StatusFailed, "internal error: %v", r)
		}
	}()
	var paths []string
	for _, p := range sources.Solidity() {
		paths = append(paths, filepath.Join(ws.Src, filepath.FromSlash(p)))
	}
	if len(paths) == 0 {
		return res, res.fail(StatusFailed, "no .sol file to analyse")
	}
	// Confine: the sources are untrusted, and an import must not read
	// anything outside the run's own directory.
	project, err := analysis.Load(paths, analysis.LoadOptions{Remappings: e.Remappings, IncludePaths: e.IncludePaths, Confine: ws.Src})
	if err != nil {
		return res, res.fail(StatusFailed, "%v", err)
	}
	out := detectors.RunReport(project, detectors.Options{Exclude: e.Exclude})
	rel := func(p string) string {
		if !filepath.IsAbs(p) {
			p = filepath.Join(project.Root, filepath.FromSlash(p))
		}
		return ws.relPath(p)
	}
	for i := range out.Findings {
		for j := range out.Findings[i].Locations {
			out.Findings[i].Locations[j].File = rel(out.Findings[i].Locations[j].File)
		}
	}
	for _, d := range project.Diagnostics {
		res.Errors = append(res.Errors, findings.FileError{File: rel(d.File), Line: d.Line, Column: d.Column, Message: d.Message})
	}
	if len(out.Failed) > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("detectors crashed and their findings are missing: %s", strings.Join(out.Failed, ", ")))
	}
	if out.Suppressed > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d findings suppressed by solsec-disable comments", out.Suppressed))
	}
	// Paths changed, so fingerprints are recomputed from the final ones.
	for i := range out.Findings {
		out.Findings[i].Fingerprint = ""
	}
	findings.AssignFingerprints(out.Findings)
	findings.Sort(out.Findings)
	if out.Findings != nil {
		res.Findings = out.Findings
	}
	res.Status = StatusCompleted
	return res, nil
}
