package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/solsec/platform/services/internal/store"
)

const analysisColumns = `id, org_id, project_id, state, progress, source_hash, coalesce(idempotency_key, ''),
	blob_key, entry_files, remappings, tools, error, created_by, created_at, updated_at,
	queued_at, parsing_at, analysing_at, scoring_at, finished_at`

func scanAnalysis(row pgx.Row) (store.Analysis, error) {
	var a store.Analysis
	err := row.Scan(&a.ID, &a.OrgID, &a.ProjectID, &a.State, &a.Progress, &a.SourceHash, &a.IdempotencyKey,
		&a.BlobKey, &a.EntryFiles, &a.Remappings, &a.Tools, &a.Error, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt,
		&a.QueuedAt, &a.ParsingAt, &a.AnalysingAt, &a.ScoringAt, &a.FinishedAt)
	return a, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateAnalysis inserts a queued analysis. With an idempotency key that
// the organisation already used, it returns that analysis and created =
// false, so the caller enqueues no second job; reusing a key for different
// sources is ErrConflict. The project must belong to the organisation.
func (q *queries) CreateAnalysis(ctx context.Context, orgID string, in store.NewAnalysis) (store.Analysis, bool, error) {
	if strings.TrimSpace(in.SourceHash) == "" {
		return store.Analysis{}, false, fmt.Errorf("create analysis: %w: empty source hash", store.ErrInvalidInput)
	}
	if !validID(orgID) || !validID(in.ProjectID) {
		return store.Analysis{}, false, fmt.Errorf("create analysis: project: %w", store.ErrNotFound)
	}
	var key *string
	if in.IdempotencyKey != "" {
		key = &in.IdempotencyKey
	}
	// ON CONFLICT DO NOTHING waits for a concurrent insert of the same key
	// to commit, then yields no row; the select below then sees the winner.
	a, err := scanAnalysis(q.db.QueryRow(ctx,
		`INSERT INTO analyses (org_id, project_id, source_hash, idempotency_key, blob_key, entry_files, remappings, tools, created_by)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		 ON CONFLICT (org_id, idempotency_key) DO NOTHING
		 RETURNING `+analysisColumns,
		orgID, in.ProjectID, in.SourceHash, key, in.BlobKey,
		nonNil(in.EntryFiles), nonNil(in.Remappings), nonNil(in.Tools), in.CreatedBy))
	if err == nil {
		return a, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) || key == nil {
		return store.Analysis{}, false, mapErr(err, "create analysis")
	}
	a, err = scanAnalysis(q.db.QueryRow(ctx,
		`SELECT `+analysisColumns+` FROM analyses WHERE org_id = $1 AND idempotency_key = $2`, orgID, *key))
	if err != nil {
		return store.Analysis{}, false, mapErr(err, "create analysis: existing")
	}
	if a.SourceHash != in.SourceHash || a.ProjectID != in.ProjectID {
		return store.Analysis{}, false, fmt.Errorf("create analysis: idempotency key %q was used for other sources: %w", *key, store.ErrConflict)
	}
	return a, false, nil
}

// GetAnalysis returns an analysis with its tool runs.
func (q *queries) GetAnalysis(ctx context.Context, orgID, analysisID string) (store.Analysis, error) {
	if !validID(orgID) || !validID(analysisID) {
		return store.Analysis{}, fmt.Errorf("get analysis: %w", store.ErrNotFound)
	}
	a, err := scanAnalysis(q.db.QueryRow(ctx,
		`SELECT `+analysisColumns+` FROM analyses WHERE org_id = $1 AND id = $2`, orgID, analysisID))
	if err != nil {
		return store.Analysis{}, mapErr(err, "get analysis")
	}
	a.ToolRuns, err = q.ListToolRuns(ctx, orgID, analysisID)
	if err != nil {
		return store.Analysis{}, err
	}
	return a, nil
}

type analysisCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// ListAnalyses returns the organisation's analyses, newest first, one page
// at a time.
func (q *queries) ListAnalyses(ctx context.Context, orgID string, f store.AnalysisFilter) (store.Page[store.Analysis], error) {
	var page store.Page[store.Analysis]
	if !validID(orgID) {
		return page, nil
	}
	args := []any{orgID}
	where := []string{"org_id = $1"}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.ProjectID != "" {
		if !validID(f.ProjectID) {
			return page, nil
		}
		where = append(where, "project_id = "+arg(f.ProjectID))
	}
	if len(f.States) > 0 {
		for _, s := range f.States {
			if !s.Valid() {
				return page, fmt.Errorf("list analyses: %w: state %q", store.ErrInvalidInput, s)
			}
		}
		where = append(where, "state = ANY("+arg(f.States)+"::text[])")
	}
	if f.Cursor != "" {
		var c analysisCursor
		if err := decodeCursor(f.Cursor, &c); err != nil {
			return page, fmt.Errorf("list analyses: %w", err)
		}
		where = append(where, "(created_at, id) < ("+arg(c.CreatedAt)+", "+arg(c.ID)+"::uuid)")
	}
	limit := pageSize(f.Limit)
	rows, err := q.db.Query(ctx,
		`SELECT `+analysisColumns+` FROM analyses WHERE `+strings.Join(where, " AND ")+
			` ORDER BY created_at DESC, id DESC LIMIT `+arg(limit+1), args...)
	if err != nil {
		return page, mapErr(err, "list analyses")
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Analysis, error) { return scanAnalysis(r) })
	if err != nil {
		return page, mapErr(err, "list analyses")
	}
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		page.NextCursor = encodeCursor(analysisCursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	page.Items = items
	return page, nil
}

// stateColumn is the timestamp column set on entering a state.
var stateColumn = map[store.AnalysisState]string{
	store.StateParsing:   "parsing_at",
	store.StateAnalysing: "analysing_at",
	store.StateScoring:   "scoring_at",
	store.StateCompleted: "finished_at",
	store.StateFailed:    "finished_at",
	store.StateCancelled: "finished_at",
}

// TransitionAnalysis moves an analysis from t.From to t.To. An edge the
// state machine forbids is an *store.InvalidTransitionError; an analysis no
// longer in t.From (a retried job, a concurrent cancel) is a
// *store.StateMismatchError, which is ErrConflict. The update is one
// compare-and-set statement, so two workers cannot both win.
func (q *queries) TransitionAnalysis(ctx context.Context, orgID, analysisID string, t store.Transition) (store.Analysis, error) {
	if err := store.CheckTransition(t.From, t.To); err != nil {
		return store.Analysis{}, fmt.Errorf("transition analysis: %w", err)
	}
	if t.Progress != nil && (*t.Progress < 0 || *t.Progress > 100) {
		return store.Analysis{}, fmt.Errorf("transition analysis: %w: progress %d", store.ErrInvalidInput, *t.Progress)
	}
	if !validID(orgID) || !validID(analysisID) {
		return store.Analysis{}, fmt.Errorf("transition analysis: %w", store.ErrNotFound)
	}
	progress := "progress"
	args := []any{orgID, analysisID, t.From, t.To, t.Error}
	switch {
	case t.To == store.StateCompleted:
		progress = "100"
	case t.Progress != nil:
		args = append(args, *t.Progress)
		progress = fmt.Sprintf("$%d", len(args))
	}
	a, err := scanAnalysis(q.db.QueryRow(ctx,
		`UPDATE analyses SET state = $4, error = CASE WHEN $5 = '' THEN error ELSE $5 END,
		 progress = `+progress+`, `+stateColumn[t.To]+` = now(), updated_at = now()
		 WHERE org_id = $1 AND id = $2 AND state = $3
		 RETURNING `+analysisColumns, args...))
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return store.Analysis{}, mapErr(err, "transition analysis")
	}
	var actual store.AnalysisState
	err = q.db.QueryRow(ctx, `SELECT state FROM analyses WHERE org_id = $1 AND id = $2`, orgID, analysisID).Scan(&actual)
	if err != nil {
		return store.Analysis{}, mapErr(err, "transition analysis")
	}
	if !store.CanTransition(actual, t.To) {
		return store.Analysis{}, fmt.Errorf("transition analysis: %w", &store.InvalidTransitionError{From: actual, To: t.To})
	}
	return store.Analysis{}, fmt.Errorf("transition analysis: %w", &store.StateMismatchError{Expected: t.From, Actual: actual})
}

// SetAnalysisProgress records progress within the current state. Finished
// analyses keep their final progress: a late update from a slow tool after
// a cancel is ErrConflict, not a rewrite.
func (q *queries) SetAnalysisProgress(ctx context.Context, orgID, analysisID string, progress int) error {
	if progress < 0 || progress > 100 {
		return fmt.Errorf("set analysis progress: %w: progress %d", store.ErrInvalidInput, progress)
	}
	if !validID(orgID) || !validID(analysisID) {
		return fmt.Errorf("set analysis progress: %w", store.ErrNotFound)
	}
	tag, err := q.db.Exec(ctx,
		`UPDATE analyses SET progress = $3, updated_at = now()
		 WHERE org_id = $1 AND id = $2 AND finished_at IS NULL`, orgID, analysisID, progress)
	if err != nil {
		return mapErr(err, "set analysis progress")
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := q.GetAnalysis(ctx, orgID, analysisID); err != nil {
		return fmt.Errorf("set analysis progress: %w", err)
	}
	return fmt.Errorf("set analysis progress: analysis has finished: %w", store.ErrConflict)
}

// FindCompletedAnalysisBySourceHash returns the organisation's most recent
// completed analysis of byte-identical sources: the result cache's fallback
// when Redis has no entry.
func (q *queries) FindCompletedAnalysisBySourceHash(ctx context.Context, orgID, sourceHash string) (store.Analysis, error) {
	if !validID(orgID) {
		return store.Analysis{}, fmt.Errorf("find cached analysis: %w", store.ErrNotFound)
	}
	a, err := scanAnalysis(q.db.QueryRow(ctx,
		`SELECT `+analysisColumns+` FROM analyses
		 WHERE org_id = $1 AND source_hash = $2 AND state = 'completed'
		 ORDER BY finished_at DESC, id DESC LIMIT 1`, orgID, sourceHash))
	return a, mapErr(err, "find cached analysis")
}

const toolRunColumns = `id, analysis_id, tool, state, attempt, started_at, finished_at, duration_ms, error, version, updated_at`

func scanToolRun(row pgx.Row) (store.ToolRun, error) {
	var r store.ToolRun
	var ms int64
	err := row.Scan(&r.ID, &r.AnalysisID, &r.Tool, &r.State, &r.Attempt, &r.StartedAt, &r.FinishedAt, &ms, &r.Error, &r.Version, &r.UpdatedAt)
	r.Duration = time.Duration(ms) * time.Millisecond
	return r, err
}

// UpsertToolRun records a tool run's current state; there is one row per
// (analysis, tool), which every retry overwrites. ID and UpdatedAt of run
// are ignored.
func (q *queries) UpsertToolRun(ctx context.Context, orgID string, run store.ToolRun) (store.ToolRun, error) {
	switch {
	case strings.TrimSpace(run.Tool) == "":
		return store.ToolRun{}, fmt.Errorf("upsert tool run: %w: empty tool", store.ErrInvalidInput)
	case !run.State.Valid():
		return store.ToolRun{}, fmt.Errorf("upsert tool run: %w: state %q", store.ErrInvalidInput, run.State)
	case run.Attempt < 0 || run.Duration < 0:
		return store.ToolRun{}, fmt.Errorf("upsert tool run: %w: negative attempt or duration", store.ErrInvalidInput)
	case !validID(orgID) || !validID(run.AnalysisID):
		return store.ToolRun{}, fmt.Errorf("upsert tool run: analysis: %w", store.ErrNotFound)
	}
	r, err := scanToolRun(q.db.QueryRow(ctx,
		`INSERT INTO tool_runs (org_id, analysis_id, tool, state, attempt, started_at, finished_at, duration_ms, error, version)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		 ON CONFLICT (analysis_id, tool) DO UPDATE SET
		   state = EXCLUDED.state, attempt = EXCLUDED.attempt, started_at = EXCLUDED.started_at,
		   finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms,
		   error = EXCLUDED.error, version = EXCLUDED.version, updated_at = now()
		 WHERE tool_runs.org_id = EXCLUDED.org_id
		 RETURNING `+toolRunColumns,
		orgID, run.AnalysisID, run.Tool, run.State, run.Attempt, run.StartedAt, run.FinishedAt,
		run.Duration.Milliseconds(), run.Error, run.Version))
	return r, mapErr(err, "upsert tool run")
}

// ListToolRuns returns an analysis' tool runs by tool name.
func (q *queries) ListToolRuns(ctx context.Context, orgID, analysisID string) ([]store.ToolRun, error) {
	if !validID(orgID) || !validID(analysisID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx,
		`SELECT `+toolRunColumns+` FROM tool_runs WHERE org_id = $1 AND analysis_id = $2 ORDER BY tool`, orgID, analysisID)
	if err != nil {
		return nil, mapErr(err, "list tool runs")
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ToolRun, error) { return scanToolRun(r) })
	return rs, mapErr(err, "list tool runs")
}

// jsonOr returns raw, or def when raw is empty, so absent parts of a
// summary are stored as empty JSON rather than rejected.
func jsonOr(raw []byte, def string) string {
	if len(raw) == 0 {
		return def
	}
	return string(raw)
}

// SaveParseSummary stores (or replaces) what the parser learnt about an
// analysis' sources.
func (q *queries) SaveParseSummary(ctx context.Context, orgID string, s store.ParseSummary) error {
	if !validID(orgID) || !validID(s.AnalysisID) {
		return fmt.Errorf("save parse summary: analysis: %w", store.ErrNotFound)
	}
	tag, err := q.db.Exec(ctx,
		`INSERT INTO parse_summaries (analysis_id, org_id, source_files, ast_summary, import_graph, inheritance_graph)
		 VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6::jsonb)
		 ON CONFLICT (analysis_id) DO UPDATE SET
		   source_files = EXCLUDED.source_files, ast_summary = EXCLUDED.ast_summary,
		   import_graph = EXCLUDED.import_graph, inheritance_graph = EXCLUDED.inheritance_graph, updated_at = now()
		 WHERE parse_summaries.org_id = EXCLUDED.org_id`,
		s.AnalysisID, orgID, jsonOr(s.SourceFiles, "[]"), jsonOr(s.ASTSummary, "{}"),
		jsonOr(s.ImportGraph, "{}"), jsonOr(s.InheritanceGraph, "{}"))
	if err != nil {
		return mapErr(err, "save parse summary")
	}
	if tag.RowsAffected() == 0 {
		// The conflict's WHERE refused a row of another organisation.
		return fmt.Errorf("save parse summary: analysis: %w", store.ErrNotFound)
	}
	return nil
}

// GetParseSummary returns an analysis' parse summary.
func (q *queries) GetParseSummary(ctx context.Context, orgID, analysisID string) (store.ParseSummary, error) {
	if !validID(orgID) || !validID(analysisID) {
		return store.ParseSummary{}, fmt.Errorf("get parse summary: %w", store.ErrNotFound)
	}
	var s store.ParseSummary
	var files, ast, imports, inheritance []byte
	err := q.db.QueryRow(ctx,
		`SELECT analysis_id, source_files, ast_summary, import_graph, inheritance_graph, updated_at
		 FROM parse_summaries WHERE org_id = $1 AND analysis_id = $2`, orgID, analysisID).
		Scan(&s.AnalysisID, &files, &ast, &imports, &inheritance, &s.UpdatedAt)
	s.SourceFiles, s.ASTSummary, s.ImportGraph, s.InheritanceGraph = files, ast, imports, inheritance
	return s, mapErr(err, "get parse summary")
}
