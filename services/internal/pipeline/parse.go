package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/tools"
	"github.com/solsec/platform/services/internal/upload"
)

// ParserTool is the tool name the contract-parser's own findings (syntax
// errors, unresolved imports) carry, so that triage and scoring treat them
// like any tool's.
const ParserTool = "contract-parser"

// Detector ids of the parser's findings.
const (
	DetectorSyntaxError      = "syntax-error"
	DetectorUnresolvedImport = "unresolved-import"
)

// ParseResult is what Parse learnt about a project.
type ParseResult struct {
	Summary store.ParseSummary
	// Findings are the parser's own: one per syntax error and per import
	// that did not resolve, fingerprinted.
	Findings []findings.Finding
	// Files and Contracts count what was parsed, for events and logs.
	Files, Contracts int
}

// fileSummary is one entry of ParseSummary.SourceFiles.
type fileSummary struct {
	Path       string `json:"path"`
	Bytes      int    `json:"bytes"`
	Dependency bool   `json:"dependency"`
	Contracts  int    `json:"contracts"`
}

// contractSummary is one contract of ParseSummary.ASTSummary.
type contractSummary struct {
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	Abstract       bool     `json:"abstract,omitempty"`
	File           string   `json:"file"`
	Bases          []string `json:"bases"`
	Functions      int      `json:"functions"`
	StateVariables int      `json:"stateVariables"`
	Modifiers      int      `json:"modifiers"`
	Events         int      `json:"events"`
}

type astSummary struct {
	Files         int               `json:"files"`
	Contracts     []contractSummary `json:"contracts"`
	FreeFunctions int               `json:"freeFunctions"`
	Diagnostics   []diagnostic      `json:"diagnostics"`
}

type diagnostic struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

type graph struct {
	Nodes []string `json:"nodes"`
	Edges []edge   `json:"edges"`
}

type edge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Parse parses a project's sources with the engine's loader, in a private
// directory under workdir, and summarises them: files, contracts with
// their bases and member counts, the import graph (file → imported file)
// and the inheritance graph (contract → direct base). Syntax errors and
// unresolved imports are findings, not failures: the rest of the project
// is still analysed. Parse fails only when there is nothing to parse.
func Parse(sources tools.Sources, remappings []string, workdir string) (*ParseResult, error) {
	if err := sources.Validate(); err != nil {
		return nil, err
	}
	sol := sources.Solidity()
	if len(sol) == 0 {
		return nil, errors.New("the upload holds no .sol file")
	}
	dir, err := os.MkdirTemp(workdir, "solsec-parse-")
	if err != nil {
		return nil, fmt.Errorf("parse: working directory: %w", err)
	}
	defer os.RemoveAll(dir)
	for _, s := range sources {
		p := filepath.Join(dir, filepath.FromSlash(s.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, fmt.Errorf("parse: %w", err)
		}
		if err := os.WriteFile(p, s.Content, 0o600); err != nil {
			return nil, fmt.Errorf("parse: %w", err)
		}
	}
	paths := make([]string, len(sol))
	for i, p := range sol {
		paths[i] = filepath.Join(dir, filepath.FromSlash(p))
	}
	// Confine: the sources are untrusted; no import may read outside dir.
	project, err := analysis.Load(paths, analysis.LoadOptions{Remappings: remappings, Confine: dir})
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	rel := func(p string) string {
		abs := filepath.FromSlash(p)
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(project.Root, abs)
		}
		if r, err := filepath.Rel(dir, abs); err == nil {
			return filepath.ToSlash(r)
		}
		return p
	}

	res := &ParseResult{Files: len(project.Files), Contracts: len(project.Contracts)}
	perFile := map[string]int{}
	ast := astSummary{Files: len(project.Files), Contracts: []contractSummary{}, FreeFunctions: len(project.FreeFunctions), Diagnostics: []diagnostic{}}
	inherit := graph{Nodes: []string{}, Edges: []edge{}}
	for _, c := range project.Contracts {
		file := rel(c.File.Path)
		perFile[file]++
		cs := contractSummary{Name: c.Name, Kind: c.Kind, Abstract: c.Abstract, File: file, Bases: []string{},
			Functions: len(c.Functions), StateVariables: len(c.StateVars), Modifiers: len(c.Modifiers), Events: len(c.Events)}
		for _, b := range c.Bases {
			cs.Bases = append(cs.Bases, b.Name)
		}
		ast.Contracts = append(ast.Contracts, cs)
		inherit.Nodes = append(inherit.Nodes, c.Name)
	}
	for _, e := range project.InheritanceGraph() {
		inherit.Edges = append(inherit.Edges, edge{From: e.From, To: e.To})
	}
	imports := graph{Nodes: []string{}, Edges: []edge{}}
	files := []fileSummary{}
	for _, f := range project.Files {
		p := rel(f.Path)
		imports.Nodes = append(imports.Nodes, p)
		files = append(files, fileSummary{Path: p, Bytes: len(f.Source), Dependency: f.Dependency, Contracts: perFile[p]})
	}
	for _, e := range project.ImportGraph() {
		imports.Edges = append(imports.Edges, edge{From: rel(e.From), To: rel(e.To)})
	}
	for _, d := range project.Diagnostics {
		dg := diagnostic{File: rel(d.File), Line: d.Line, Column: d.Column, Kind: d.Kind, Message: d.Message}
		ast.Diagnostics = append(ast.Diagnostics, dg)
		if f, ok := diagnosticFinding(dg, sources); ok {
			res.Findings = append(res.Findings, f)
		}
	}
	findings.AssignFingerprints(res.Findings)
	res.Findings = findings.Dedup(res.Findings)
	findings.Sort(res.Findings)

	var errs []error
	marshal := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		errs = append(errs, err)
		return b
	}
	res.Summary = store.ParseSummary{
		SourceFiles:      marshal(files),
		ASTSummary:       marshal(ast),
		ImportGraph:      marshal(imports),
		InheritanceGraph: marshal(inherit),
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("parse: summary: %w", err)
	}
	return res, nil
}

// diagnosticFinding turns a syntax error or an unresolved import into a
// finding of the parser's own kind. Other diagnostics (an unreadable file,
// an impossible inheritance) stay in the summary only.
func diagnosticFinding(d diagnostic, sources tools.Sources) (findings.Finding, bool) {
	var rule findings.Rule
	switch d.Kind {
	case analysis.DiagSyntax:
		rule = findings.Rule{
			ID: DetectorSyntaxError, Title: "Syntax error", Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh,
			Description:    "The file does not parse, so no analyser could look at the code after the error: its weaknesses are unknown.",
			Recommendation: "Fix the syntax error (compile with solc) and analyse the project again.",
		}
	case analysis.DiagImport:
		rule = findings.Rule{
			ID: DetectorUnresolvedImport, Title: "Unresolved import", Severity: findings.SeverityLow, Confidence: findings.ConfidenceHigh,
			Description:    "An imported file was not part of the upload or no remapping points to it, so the contracts it declares were not analysed.",
			Recommendation: "Include the dependency (lib/ or node_modules/) in the upload, or add the remapping that locates it.",
		}
	default:
		return findings.Finding{}, false
	}
	line, col := max(d.Line, 1), max(d.Column, 1)
	loc := findings.Location{File: d.File, StartLine: line, StartColumn: col, EndLine: line, EndColumn: col}
	for _, s := range sources {
		if s.Path == d.File {
			loc.StartOffset, loc.Snippet = lineAt(s.Content, line)
			loc.EndOffset = loc.StartOffset
		}
	}
	return findings.Finding{Rule: rule, Message: d.Message, Locations: []findings.Location{loc}}, true
}

// lineAt returns the byte offset where line (1-based) starts and its text.
func lineAt(src []byte, line int) (int, string) {
	start, n := 0, 1
	for i, c := range src {
		if n == line {
			break
		}
		if c == '\n' {
			n++
			start = i + 1
		}
	}
	if n != line {
		return 0, ""
	}
	end := start
	for end < len(src) && src[end] != '\n' {
		end++
	}
	return start, string(src[start:end])
}

// ParseWorker is the contract-parser: it parses an analysis' sources,
// stores the summary and the parser's findings, and hands the analysis to
// orchestration.
type ParseWorker struct {
	river.WorkerDefaults[ParseArgs]
	Deps *Deps
	// Workdir is where private parse directories are made; empty means
	// the system temporary directory.
	Workdir string
}

// Timeout bounds one parse: the loader is fast, so a parse that takes
// this long is stuck and better retried.
func (w *ParseWorker) Timeout(*river.Job[ParseArgs]) time.Duration { return 5 * time.Minute }

// Work implements river.Worker.
func (w *ParseWorker) Work(ctx context.Context, job *river.Job[ParseArgs]) (err error) {
	d, args := w.Deps, job.Args
	ctx, span := begin(ctx, job.Kind, args.OrgID, args.AnalysisID, job.Attempt, job.Metadata)
	start := time.Now()
	defer func() { err = d.finish(ctx, span, job.Kind, job.Attempt, job.MaxAttempts, start, err) }()

	a, err := d.Store.GetAnalysis(ctx, args.OrgID, args.AnalysisID)
	if isGone(err) {
		return nil
	}
	if err != nil {
		return err
	}
	switch a.State {
	case store.StateQueued:
		p := ProgressParsing
		a, err = d.Store.TransitionAnalysis(ctx, a.OrgID, a.ID, store.Transition{From: store.StateQueued, To: store.StateParsing, Progress: &p})
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrInvalidTransition) {
			// Cancelled, or another attempt moved it: nothing left here.
			return nil
		}
		if err != nil {
			return err
		}
		d.publishState(ctx, a, nil)
	case store.StateParsing:
		// A retry: the earlier attempt entered parsing and died.
	default:
		// Parsed already (a retry after the commit) or ended.
		return nil
	}

	sources, err := LoadSources(ctx, d.Blobs, a.BlobKey)
	var rejected *upload.Error
	switch {
	case errors.Is(err, blob.ErrNotFound):
		return failAnalysis(ctx, d, job, a.OrgID, a.ID, "the uploaded sources are missing from object storage")
	case errors.As(err, &rejected):
		return failAnalysis(ctx, d, job, a.OrgID, a.ID, err.Error())
	case err != nil:
		return w.retryOrFail(ctx, job, a, err)
	}
	res, err := Parse(sources, a.Remappings, w.Workdir)
	if err != nil {
		return failAnalysis(ctx, d, job, a.OrgID, a.ID, err.Error())
	}
	res.Summary.AnalysisID = a.ID

	var next store.Analysis
	err = commit(ctx, d, job, func(tx *postgres.Tx) error {
		cur, err := tx.LockAnalysis(ctx, a.OrgID, a.ID)
		if err != nil {
			return err
		}
		if cur.State != store.StateParsing {
			return nil
		}
		if err := tx.SaveParseSummary(ctx, a.OrgID, res.Summary); err != nil {
			return err
		}
		if len(res.Findings) > 0 {
			nfs := make([]store.NewFinding, len(res.Findings))
			for i, f := range res.Findings {
				nfs[i] = store.NewFinding{Finding: f, Tools: []string{ParserTool}, Score: parserScore(f),
					Evidence: []store.Evidence{{Tool: ParserTool, Detector: f.Rule.ID, Severity: f.Severity, Confidence: f.Confidence, Message: f.Message, Locations: f.Locations}}}
			}
			if _, err := tx.InsertFindings(ctx, a.OrgID, a.ID, nfs); err != nil {
				return err
			}
		}
		p := ProgressAnalysing
		next, err = tx.TransitionAnalysis(ctx, a.OrgID, a.ID, store.Transition{From: store.StateParsing, To: store.StateAnalysing, Progress: &p})
		if err != nil {
			return err
		}
		return insertTx(ctx, tx, OrchestrateArgs{OrgID: a.OrgID, AnalysisID: a.ID, Reason: "parsed"})
	})
	if err != nil {
		return w.retryOrFail(ctx, job, a, err)
	}
	if next.ID != "" {
		d.Logger.InfoContext(ctx, "parsed", "files", res.Files, "contracts", res.Contracts, "parser_findings", len(res.Findings))
		d.publishState(ctx, next, map[string]int{"files": res.Files, "contracts": res.Contracts, "parserFindings": len(res.Findings)})
	}
	return nil
}

// retryOrFail returns err for River to retry, or, on the last attempt,
// fails the analysis with it so that it does not wait for the sweep.
func (w *ParseWorker) retryOrFail(ctx context.Context, job *river.Job[ParseArgs], a store.Analysis, err error) error {
	if !lastAttempt(job) {
		return err
	}
	if ferr := failAnalysis(ctx, w.Deps, job, a.OrgID, a.ID, "parsing failed: "+err.Error()); ferr != nil {
		return errors.Join(err, ferr)
	}
	return nil
}

// parserScore ranks the parser's findings like the intelligence engine
// ranks a single, certain observation: severity on a 0-100 scale.
func parserScore(f findings.Finding) float64 {
	return float64(f.Severity) * 25 * float64(f.Confidence) / 3
}
