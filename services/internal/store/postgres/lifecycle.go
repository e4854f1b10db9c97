package postgres

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/solsec/platform/services/internal/store"
)

var (
	_ store.Lifecycle = (*Store)(nil)
	_ store.Lifecycle = (*Tx)(nil)
)

// ExpiredAnalyses returns finished analyses of the organisation that
// finished before cutoff, oldest first. Running analyses never expire,
// however old: purging one would pull the rows from under a worker.
func (q *queries) ExpiredAnalyses(ctx context.Context, orgID string, cutoff time.Time, limit int) ([]store.Analysis, error) {
	if !validID(orgID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx,
		`SELECT `+analysisColumns+` FROM analyses
		 WHERE org_id = $1 AND finished_at IS NOT NULL AND finished_at < $2
		 ORDER BY finished_at, id LIMIT $3`, orgID, cutoff, pageSize(limit))
	if err != nil {
		return nil, mapErr(err, "expired analyses")
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Analysis, error) { return scanAnalysis(r) })
	return as, mapErr(err, "expired analyses")
}

// ExportAnalysis gathers an analysis, its tool runs, parse summary,
// findings and their triage history.
func (q *queries) ExportAnalysis(ctx context.Context, orgID, analysisID string) (store.AnalysisExport, error) {
	ex := store.AnalysisExport{Format: "solsec-analysis-archive", Version: store.ExportVersion, ExportedAt: time.Now().UTC()}
	a, err := q.GetAnalysis(ctx, orgID, analysisID)
	if err != nil {
		return ex, fmt.Errorf("export analysis: %w", err)
	}
	ex.Analysis = a
	ps, err := q.GetParseSummary(ctx, orgID, analysisID)
	switch {
	case err == nil:
		ex.ParseSummary = &ps
	case !errors.Is(err, store.ErrNotFound):
		return ex, fmt.Errorf("export analysis: %w", err)
	}
	ex.Findings = []store.Finding{}
	ex.Triage = []store.TriageDecision{}
	cursor := ""
	for {
		page, err := q.ListFindings(ctx, orgID, store.FindingFilter{AnalysisID: analysisID, Limit: store.MaxPageSize, Cursor: cursor})
		if err != nil {
			return ex, fmt.Errorf("export analysis: %w", err)
		}
		ex.Findings = append(ex.Findings, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	for _, f := range ex.Findings {
		ds, err := q.ListTriageDecisions(ctx, orgID, f.ID)
		if err != nil {
			return ex, fmt.Errorf("export analysis: %w", err)
		}
		ex.Triage = append(ex.Triage, ds...)
	}
	return ex, nil
}

// PurgeAnalysis deletes a finished analysis with its tool runs, parse
// summary and finding links, then the findings of its project that no
// remaining analysis reports (their triage history goes with them; the
// detectors' counts, being anonymous aggregates, stay). An audit entry
// records the purge. A running analysis is ErrConflict.
func (q *queries) PurgeAnalysis(ctx context.Context, orgID, analysisID, actor string) (store.PurgeResult, error) {
	var res store.PurgeResult
	if !validID(orgID) || !validID(analysisID) {
		return res, fmt.Errorf("purge analysis: %w", store.ErrNotFound)
	}
	err := q.atomic(ctx, func(q *queries) error {
		var state store.AnalysisState
		err := q.db.QueryRow(ctx,
			`SELECT state, blob_key FROM analyses WHERE org_id = $1 AND id = $2 FOR UPDATE`, orgID, analysisID).
			Scan(&state, &res.BlobKey)
		if err != nil {
			return mapErr(err, "purge analysis")
		}
		if !state.Terminal() {
			return fmt.Errorf("purge analysis: analysis is %s: %w", state, store.ErrConflict)
		}
		rows, err := q.db.Query(ctx, `SELECT finding_id FROM analysis_findings WHERE org_id = $1 AND analysis_id = $2`, orgID, analysisID)
		if err != nil {
			return mapErr(err, "purge analysis: findings")
		}
		findingIDs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return mapErr(err, "purge analysis: findings")
		}
		if _, err := q.db.Exec(ctx, `DELETE FROM analyses WHERE org_id = $1 AND id = $2`, orgID, analysisID); err != nil {
			return mapErr(err, "purge analysis")
		}
		tag, err := q.db.Exec(ctx,
			`DELETE FROM findings f WHERE f.org_id = $1 AND f.id = ANY($2::uuid[])
			 AND NOT EXISTS (SELECT 1 FROM analysis_findings af WHERE af.finding_id = f.id)`, orgID, findingIDs)
		if err != nil {
			return mapErr(err, "purge analysis: orphaned findings")
		}
		res.FindingsDeleted = tag.RowsAffected()
		details, err := json.Marshal(map[string]any{"findingsDeleted": res.FindingsDeleted, "state": state})
		if err != nil {
			return err
		}
		_, err = q.AppendAudit(ctx, store.AuditEntry{
			OrgID: orgID, Actor: actor, Action: "analysis.purged", Target: "analysis:" + analysisID, Details: details,
		})
		return err
	})
	if err != nil {
		return store.PurgeResult{}, err
	}
	return res, nil
}

// BlobKeys lists the object keys the organisation's analyses name.
func (q *queries) BlobKeys(ctx context.Context, orgID string) ([]string, error) {
	if !validID(orgID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx,
		`SELECT DISTINCT blob_key FROM analyses WHERE org_id = $1 AND blob_key <> '' ORDER BY blob_key`, orgID)
	if err != nil {
		return nil, mapErr(err, "blob keys")
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return keys, mapErr(err, "blob keys")
}

// erasedTables are counted for the erasure report, children first. Every
// one of them goes with the organisation's row through ON DELETE CASCADE.
var erasedTables = []string{
	"triage_decisions", "analysis_findings", "findings", "tool_runs", "parse_summaries",
	"analyses", "projects", "api_keys", "users",
}

// EraseOrganization deletes the organisation and, by cascade, every row of
// it, in one transaction. Its audit log is personal data too (who did
// what, reasons typed by users), so it is deleted as well — the only
// deletion the audit log's trigger lets through — and replaced by one
// tombstone entry, which proves the erasure happened and says how much was
// erased but names nobody and repeats nothing of what was erased.
func (q *queries) EraseOrganization(ctx context.Context, orgID, actor string) (store.ErasureReport, error) {
	rep := store.ErasureReport{OrgID: orgID, Deleted: map[string]int64{}}
	if !validID(orgID) {
		return rep, fmt.Errorf("erase organization: %w", store.ErrNotFound)
	}
	err := q.atomic(ctx, func(q *queries) error {
		var one int
		if err := q.db.QueryRow(ctx, `SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE`, orgID).Scan(&one); err != nil {
			return mapErr(err, "erase organization")
		}
		for _, table := range erasedTables {
			var n int64
			// table comes from the constant list above, never from input.
			if err := q.db.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE org_id = $1`, orgID).Scan(&n); err != nil {
				return mapErr(err, "erase organization: count "+table)
			}
			rep.Deleted[table] = n
		}
		rep.Deleted["organizations"] = 1
		if err := q.db.QueryRow(ctx,
			`SELECT count(*), min(created_at), max(created_at) FROM audit_log WHERE org_id = $1`, orgID).
			Scan(&rep.AuditEntriesRemoved, &rep.FirstAuditAt, &rep.LastAuditAt); err != nil {
			return mapErr(err, "erase organization: audit")
		}
		if _, err := q.db.Exec(ctx, `DELETE FROM organizations WHERE id = $1`, orgID); err != nil {
			return mapErr(err, "erase organization")
		}
		// The setting is local to this transaction and switched off again
		// at once, so nothing else in it can delete audit entries.
		if _, err := q.db.Exec(ctx, `SELECT set_config('solsec.audit_erasure', 'on', true)`); err != nil {
			return mapErr(err, "erase organization: audit")
		}
		if _, err := q.db.Exec(ctx, `DELETE FROM audit_log WHERE org_id = $1`, orgID); err != nil {
			return mapErr(err, "erase organization: audit")
		}
		if _, err := q.db.Exec(ctx, `SELECT set_config('solsec.audit_erasure', 'off', true)`); err != nil {
			return mapErr(err, "erase organization: audit")
		}
		rep.ErasedAt = time.Now().UTC()
		details, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		_, err = q.AppendAudit(ctx, store.AuditEntry{
			OrgID: orgID, Actor: actor, Action: "organization.erased", Target: "organization:" + orgID, Details: details,
		})
		return err
	})
	if err != nil {
		return store.ErasureReport{}, err
	}
	return rep, nil
}

// ExportOrganization writes the organisation's data as one JSON document
// from a repeatable-read, read-only snapshot, streaming row by row so an
// organisation of any size exports in constant memory. Password and API
// key hashes are left out (their types do not serialise them).
func (s *Store) ExportOrganization(ctx context.Context, orgID string, w io.Writer) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("export organization: %w", err)
	}
	// Read-only: rolling back is how it ends, and there is nothing to undo.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	return (&queries{db: tx}).exportOrganization(ctx, orgID, w)
}

// ExportOrganization inside a transaction reads what that transaction sees.
func (t *Tx) ExportOrganization(ctx context.Context, orgID string, w io.Writer) error {
	return t.exportOrganization(ctx, orgID, w)
}

func (q *queries) exportOrganization(ctx context.Context, orgID string, w io.Writer) error {
	org, err := q.GetOrganization(ctx, orgID)
	if err != nil {
		return fmt.Errorf("export organization: %w", err)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	head, err := json.Marshal(struct {
		Format       string             `json:"format"`
		Version      int                `json:"version"`
		ExportedAt   time.Time          `json:"exportedAt"`
		Organization store.Organization `json:"organization"`
	}{"solsec-organization-export", store.ExportVersion, time.Now().UTC(), org})
	if err != nil {
		return err
	}
	// Open the object and leave it open for the sections that follow.
	bw.Write(head[:len(head)-1])

	sections := []struct {
		name, sql string
		scan      func(pgx.Row) (any, error)
	}{
		{"users", `SELECT ` + userColumns + ` FROM users WHERE org_id = $1 ORDER BY created_at, id`,
			func(r pgx.Row) (any, error) { return scanUser(r) }},
		{"apiKeys", `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE org_id = $1 ORDER BY created_at, id`,
			func(r pgx.Row) (any, error) { return scanAPIKey(r) }},
		{"projects", `SELECT ` + projectColumns + ` FROM projects WHERE org_id = $1 ORDER BY created_at, id`,
			func(r pgx.Row) (any, error) { return scanProject(r) }},
		{"analyses", `SELECT ` + analysisColumns + ` FROM analyses WHERE org_id = $1 ORDER BY created_at, id`,
			func(r pgx.Row) (any, error) { return scanAnalysis(r) }},
		{"toolRuns", `SELECT ` + toolRunColumns + ` FROM tool_runs WHERE org_id = $1 ORDER BY analysis_id, tool`,
			func(r pgx.Row) (any, error) { return scanToolRun(r) }},
		{"parseSummaries", `SELECT analysis_id, source_files, ast_summary, import_graph, inheritance_graph, updated_at
			FROM parse_summaries WHERE org_id = $1 ORDER BY analysis_id`,
			func(r pgx.Row) (any, error) {
				var s store.ParseSummary
				var a, b, c, d []byte
				err := r.Scan(&s.AnalysisID, &a, &b, &c, &d, &s.UpdatedAt)
				s.SourceFiles, s.ASTSummary, s.ImportGraph, s.InheritanceGraph = a, b, c, d
				return s, err
			}},
		{"findings", `SELECT ` + findingColumns + ` FROM findings f WHERE f.org_id = $1 ORDER BY f.created_at, f.id`,
			func(r pgx.Row) (any, error) { return scanFinding(r) }},
		{"analysisFindings", `SELECT analysis_id, finding_id FROM analysis_findings WHERE org_id = $1 ORDER BY analysis_id, finding_id`,
			func(r pgx.Row) (any, error) {
				var l struct {
					AnalysisID string `json:"analysisId"`
					FindingID  string `json:"findingId"`
				}
				err := r.Scan(&l.AnalysisID, &l.FindingID)
				return l, err
			}},
		{"triageDecisions", `SELECT id, finding_id, coalesce(user_id::text, ''), decision, previous, reason, created_at
			FROM triage_decisions WHERE org_id = $1 ORDER BY created_at, id`,
			func(r pgx.Row) (any, error) {
				var d store.TriageDecision
				err := r.Scan(&d.ID, &d.FindingID, &d.UserID, &d.Decision, &d.Previous, &d.Reason, &d.CreatedAt)
				return d, err
			}},
		{"auditLog", `SELECT ` + auditColumns + ` FROM audit_log WHERE org_id = $1 ORDER BY id`,
			func(r pgx.Row) (any, error) { return scanAudit(r) }},
	}
	for _, sec := range sections {
		fmt.Fprintf(bw, ",%q:[", sec.name)
		rows, err := q.db.Query(ctx, sec.sql, orgID)
		if err != nil {
			return mapErr(err, "export organization: "+sec.name)
		}
		n := 0
		for rows.Next() {
			v, err := sec.scan(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("export organization: %s: %w", sec.name, err)
			}
			if n > 0 {
				bw.WriteByte(',')
			}
			n++
			if err := enc.Encode(v); err != nil {
				rows.Close()
				return fmt.Errorf("export organization: %s: %w", sec.name, err)
			}
		}
		if err := rows.Err(); err != nil {
			return mapErr(err, "export organization: "+sec.name)
		}
		bw.WriteByte(']')
	}
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export organization: write: %w", err)
	}
	return nil
}
