package postgres

// The queries in this file serve the analysis pipeline (package pipeline):
// the row lock that serialises its workers on one analysis, the sweep's
// cross-tenant scan for stuck analyses, the intelligence engine's marking
// of filtered findings and its precision updates.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/solsec/platform/services/internal/store"
)

// LockAnalysis returns the analysis and holds its row lock until the
// caller's transaction ends. The pipeline's workers take it before they
// read the tool runs and decide what comes next, so that two tool runs
// ending at the same moment, or a cancel racing a fan-out, are decided one
// after the other. Outside InTx the lock is released at once, which makes
// it a plain read.
func (q *queries) LockAnalysis(ctx context.Context, orgID, analysisID string) (store.Analysis, error) {
	if !validID(orgID) || !validID(analysisID) {
		return store.Analysis{}, fmt.Errorf("lock analysis: %w", store.ErrNotFound)
	}
	a, err := scanAnalysis(q.db.QueryRow(ctx,
		`SELECT `+analysisColumns+` FROM analyses WHERE org_id = $1 AND id = $2 FOR UPDATE`, orgID, analysisID))
	return a, mapErr(err, "lock analysis")
}

// ListStuckAnalyses returns analyses of every organisation that have not
// finished and have not changed since before, oldest first, at most limit
// of them. It is unscoped because the sweep that calls it works for the
// platform, not for a tenant; it acts on each row with that row's org id.
func (q *queries) ListStuckAnalyses(ctx context.Context, before time.Time, limit int) ([]store.Analysis, error) {
	if limit <= 0 {
		limit = store.DefaultPageSize
	}
	rows, err := q.db.Query(ctx,
		`SELECT `+analysisColumns+` FROM analyses
		 WHERE finished_at IS NULL AND updated_at < $1
		 ORDER BY updated_at, id LIMIT $2`, before, limit)
	if err != nil {
		return nil, mapErr(err, "list stuck analyses")
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Analysis, error) { return scanAnalysis(r) })
	return as, mapErr(err, "list stuck analyses")
}

// TouchAnalysis sets an unfinished analysis' updated_at to now without
// changing anything else, so that the sweep does not re-drive it again
// before the jobs it inserted had a chance to run. It reports whether the
// analysis was still unfinished.
func (q *queries) TouchAnalysis(ctx context.Context, orgID, analysisID string) (bool, error) {
	if !validID(orgID) || !validID(analysisID) {
		return false, fmt.Errorf("touch analysis: %w", store.ErrNotFound)
	}
	tag, err := q.db.Exec(ctx,
		`UPDATE analyses SET updated_at = now() WHERE org_id = $1 AND id = $2 AND finished_at IS NULL`, orgID, analysisID)
	if err != nil {
		return false, mapErr(err, "touch analysis")
	}
	return tag.RowsAffected() == 1, nil
}

// SuppressNewFindings sets to suppressed the findings with the given
// fingerprints that this analysis introduced to its project and that
// nobody has triaged yet. Findings an earlier analysis already reported
// keep the status users gave them: the false-positive filters must never
// overrule a human. It returns the ids of the findings that changed, by
// fingerprint.
func (q *queries) SuppressNewFindings(ctx context.Context, orgID, analysisID string, fingerprints []string) (map[string]string, error) {
	changed := map[string]string{}
	if len(fingerprints) == 0 {
		return changed, nil
	}
	if !validID(orgID) || !validID(analysisID) {
		return nil, fmt.Errorf("suppress findings: %w", store.ErrNotFound)
	}
	rows, err := q.db.Query(ctx,
		`UPDATE findings SET status = 'suppressed', updated_at = now()
		 WHERE org_id = $1 AND first_analysis_id = $2 AND status = 'open' AND fingerprint = ANY($3::text[])
		   AND NOT EXISTS (SELECT 1 FROM triage_decisions t WHERE t.finding_id = findings.id)
		 RETURNING fingerprint, id`,
		orgID, analysisID, fingerprints)
	if err != nil {
		return nil, mapErr(err, "suppress findings")
	}
	defer rows.Close()
	for rows.Next() {
		var fp, id string
		if err := rows.Scan(&fp, &id); err != nil {
			return nil, mapErr(err, "suppress findings")
		}
		changed[fp] = id
	}
	return changed, mapErr(rows.Err(), "suppress findings")
}

// AddDetectorStats applies increments (which may be negative) to the
// triage counts of each detector, all or none. A count that would become
// negative violates the table's check and the whole call fails with
// ErrInvalidInput, so concurrent decisions add up instead of overwriting
// each other and a bad delta changes nothing.
func (q *queries) AddDetectorStats(ctx context.Context, deltas []store.DetectorStat) error {
	for _, d := range deltas {
		if strings.TrimSpace(d.Tool) == "" || strings.TrimSpace(d.Detector) == "" {
			return fmt.Errorf("add detector stats: %w: empty tool or detector", store.ErrInvalidInput)
		}
	}
	return q.atomic(ctx, func(q *queries) error {
		for _, d := range deltas {
			_, err := q.db.Exec(ctx,
				`INSERT INTO detector_stats (tool, detector, confirmed, false_positives) VALUES ($1, $2, $3, $4)
				 ON CONFLICT (tool, detector) DO UPDATE SET
				   confirmed = detector_stats.confirmed + EXCLUDED.confirmed,
				   false_positives = detector_stats.false_positives + EXCLUDED.false_positives,
				   updated_at = now()`,
				d.Tool, d.Detector, d.Confirmed, d.FalsePositives)
			if err != nil {
				return mapErr(err, "add detector stats "+d.Tool+"/"+d.Detector)
			}
		}
		return nil
	})
}
