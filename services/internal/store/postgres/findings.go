package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
)

const findingColumns = `f.id, f.org_id, f.project_id, f.first_analysis_id, f.last_analysis_id, f.detector, f.title,
	f.severity, f.confidence, f.swc, f.dasp, f.description, f.recommendation, f.help_url, f.message, f.contract,
	f.function, f.file, f.locations, f.fingerprint, f.tools, f.score, f.evidence, f.status, f.created_at, f.updated_at`

func scanFinding(row pgx.Row) (store.Finding, error) {
	var f store.Finding
	var locations, evidence []byte
	err := row.Scan(&f.ID, &f.OrgID, &f.ProjectID, &f.FirstAnalysisID, &f.LastAnalysisID, &f.Rule.ID, &f.Title,
		&f.Severity, &f.Confidence, &f.SWC, &f.DASP, &f.Description, &f.Recommendation, &f.HelpURL, &f.Message,
		&f.Contract, &f.Function, &f.File, &locations, &f.Fingerprint, &f.Tools, &f.Score, &evidence, &f.Status,
		&f.CreatedAt, &f.UpdatedAt)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(locations, &f.Locations); err != nil {
		return f, fmt.Errorf("finding %s: locations: %w", f.ID, err)
	}
	if err := json.Unmarshal(evidence, &f.Evidence); err != nil {
		return f, fmt.Errorf("finding %s: evidence: %w", f.ID, err)
	}
	return f, nil
}

// findingTools is the set of tools behind a finding, sorted.
func findingTools(nf store.NewFinding) []string {
	tools := slices.Clone(nf.Tools)
	for _, e := range nf.Evidence {
		tools = append(tools, e.Tool)
	}
	slices.Sort(tools)
	return slices.Compact(tools)
}

func validateNewFinding(nf store.NewFinding) error {
	switch {
	case nf.Fingerprint == "":
		return fmt.Errorf("detector %s: finding has no fingerprint (normalize the report first)", nf.Rule.ID)
	case nf.Rule.ID == "":
		return fmt.Errorf("finding %s: empty detector", nf.Fingerprint)
	case !nf.Severity.Valid() || !nf.Confidence.Valid():
		return fmt.Errorf("finding %s: invalid severity or confidence", nf.Fingerprint)
	case len(nf.Tools) == 0 && len(nf.Evidence) == 0:
		// Triage learns per tool; a finding must say which tool found it.
		return fmt.Errorf("finding %s: no tool and no evidence", nf.Fingerprint)
	}
	for _, e := range nf.Evidence {
		if e.Tool == "" || e.Detector == "" {
			return fmt.Errorf("finding %s: evidence without tool or detector", nf.Fingerprint)
		}
	}
	return nil
}

// InsertFindings stores an analysis' findings. A finding whose fingerprint
// the project already has updates that row (its triage status is kept) and
// is linked to this analysis; so inserting the same findings again — a
// retried job — changes nothing and duplicates nothing. It returns the
// stored findings in input order.
func (q *queries) InsertFindings(ctx context.Context, orgID, analysisID string, fs []store.NewFinding) ([]store.Finding, error) {
	for _, nf := range fs {
		if err := validateNewFinding(nf); err != nil {
			return nil, fmt.Errorf("insert findings: %w: %v", store.ErrInvalidInput, err)
		}
	}
	if !validID(orgID) || !validID(analysisID) {
		return nil, fmt.Errorf("insert findings: analysis: %w", store.ErrNotFound)
	}
	out := make([]store.Finding, 0, len(fs))
	err := q.atomic(ctx, func(q *queries) error {
		var projectID string
		err := q.db.QueryRow(ctx, `SELECT project_id FROM analyses WHERE org_id = $1 AND id = $2`, orgID, analysisID).Scan(&projectID)
		if err != nil {
			return mapErr(err, "insert findings: analysis")
		}
		for _, nf := range fs {
			locations, err := json.Marshal(nonNilLocations(nf.Locations))
			if err != nil {
				return fmt.Errorf("insert findings: locations: %w", err)
			}
			evidence, err := json.Marshal(nonNilEvidence(nf.Evidence))
			if err != nil {
				return fmt.Errorf("insert findings: evidence: %w", err)
			}
			f, err := scanFinding(q.db.QueryRow(ctx,
				`INSERT INTO findings AS f (org_id, project_id, first_analysis_id, last_analysis_id, detector, title,
				   severity, confidence, swc, dasp, description, recommendation, help_url, message, contract,
				   function, file, locations, fingerprint, tools, score, evidence)
				 VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb, $18, $19, $20, $21::jsonb)
				 ON CONFLICT (project_id, fingerprint) DO UPDATE SET
				   last_analysis_id = EXCLUDED.last_analysis_id, detector = EXCLUDED.detector, title = EXCLUDED.title,
				   severity = EXCLUDED.severity, confidence = EXCLUDED.confidence, swc = EXCLUDED.swc,
				   dasp = EXCLUDED.dasp, description = EXCLUDED.description,
				   recommendation = EXCLUDED.recommendation, help_url = EXCLUDED.help_url,
				   message = EXCLUDED.message, contract = EXCLUDED.contract, function = EXCLUDED.function,
				   file = EXCLUDED.file, locations = EXCLUDED.locations, tools = EXCLUDED.tools,
				   score = EXCLUDED.score, evidence = EXCLUDED.evidence, updated_at = now()
				 RETURNING `+findingColumns,
				orgID, projectID, analysisID, nf.Rule.ID, nf.Title, nf.Severity, nf.Confidence, nf.SWC, string(nf.DASP),
				nf.Description, nf.Recommendation, nf.HelpURL, nf.Message, nf.Contract, nf.Function, nf.Primary().File,
				string(locations), nf.Fingerprint, findingTools(nf), nf.Score, string(evidence)))
			if err != nil {
				return mapErr(err, "insert findings")
			}
			if _, err := q.db.Exec(ctx,
				`INSERT INTO analysis_findings (analysis_id, finding_id, org_id) VALUES ($1, $2, $3)
				 ON CONFLICT DO NOTHING`, analysisID, f.ID, orgID); err != nil {
				return mapErr(err, "insert findings: link")
			}
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func nonNilLocations(l []findings.Location) []findings.Location {
	if l == nil {
		return []findings.Location{}
	}
	return l
}

func nonNilEvidence(e []store.Evidence) []store.Evidence {
	if e == nil {
		return []store.Evidence{}
	}
	return e
}

// GetFinding returns one finding of the organisation.
func (q *queries) GetFinding(ctx context.Context, orgID, findingID string) (store.Finding, error) {
	if !validID(orgID) || !validID(findingID) {
		return store.Finding{}, fmt.Errorf("get finding: %w", store.ErrNotFound)
	}
	f, err := scanFinding(q.db.QueryRow(ctx,
		`SELECT `+findingColumns+` FROM findings f WHERE f.org_id = $1 AND f.id = $2`, orgID, findingID))
	return f, mapErr(err, "get finding")
}

type findingCursor struct {
	Severity findings.Severity `json:"s"`
	Score    float64           `json:"c"`
	ID       string            `json:"i"`
}

// ListFindings returns the organisation's findings, most severe and then
// highest scored first, one page at a time.
func (q *queries) ListFindings(ctx context.Context, orgID string, f store.FindingFilter) (store.Page[store.Finding], error) {
	var page store.Page[store.Finding]
	if !validID(orgID) {
		return page, nil
	}
	args := []any{orgID}
	where := []string{"f.org_id = $1"}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.AnalysisID != "" {
		if !validID(f.AnalysisID) {
			return page, nil
		}
		where = append(where, `EXISTS (SELECT 1 FROM analysis_findings af
			WHERE af.finding_id = f.id AND af.org_id = f.org_id AND af.analysis_id = `+arg(f.AnalysisID)+`)`)
	}
	if f.ProjectID != "" {
		if !validID(f.ProjectID) {
			return page, nil
		}
		where = append(where, "f.project_id = "+arg(f.ProjectID))
	}
	if len(f.Severities) > 0 {
		sev := make([]int16, 0, len(f.Severities))
		for _, s := range f.Severities {
			if !s.Valid() {
				return page, fmt.Errorf("list findings: %w: severity %d", store.ErrInvalidInput, int(s))
			}
			sev = append(sev, int16(s))
		}
		where = append(where, "f.severity = ANY("+arg(sev)+")")
	}
	if len(f.Statuses) > 0 {
		st := make([]string, 0, len(f.Statuses))
		for _, s := range f.Statuses {
			if !s.Valid() {
				return page, fmt.Errorf("list findings: %w: status %q", store.ErrInvalidInput, s)
			}
			st = append(st, string(s))
		}
		where = append(where, "f.status = ANY("+arg(st)+")")
	}
	if f.Detector != "" {
		where = append(where, "f.detector = "+arg(f.Detector))
	}
	if f.Tool != "" {
		where = append(where, arg(f.Tool)+" = ANY(f.tools)")
	}
	if f.File != "" {
		where = append(where, "f.file = "+arg(f.File))
	}
	if f.Cursor != "" {
		var c findingCursor
		if err := decodeCursor(f.Cursor, &c); err != nil {
			return page, fmt.Errorf("list findings: %w", err)
		}
		where = append(where, "(f.severity, f.score, f.id) < ("+arg(int16(c.Severity))+"::smallint, "+
			arg(c.Score)+"::double precision, "+arg(c.ID)+"::uuid)")
	}
	limit := pageSize(f.Limit)
	rows, err := q.db.Query(ctx,
		`SELECT `+findingColumns+` FROM findings f WHERE `+strings.Join(where, " AND ")+
			` ORDER BY f.severity DESC, f.score DESC, f.id DESC LIMIT `+arg(limit+1), args...)
	if err != nil {
		return page, mapErr(err, "list findings")
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Finding, error) { return scanFinding(r) })
	if err != nil {
		return page, mapErr(err, "list findings")
	}
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		page.NextCursor = encodeCursor(findingCursor{Severity: last.Severity, Score: last.Score, ID: last.ID})
	}
	page.Items = items
	return page, nil
}

// detectorKey is one (tool, detector) pair whose precision a triage
// decision teaches.
type detectorKey struct{ tool, detector string }

// triagedDetectors lists the pairs behind a finding: every piece of
// evidence, and the finding's own detector for tools that left none.
func triagedDetectors(f store.Finding) []detectorKey {
	var keys []detectorKey
	withEvidence := map[string]bool{}
	for _, e := range f.Evidence {
		keys = append(keys, detectorKey{e.Tool, e.Detector})
		withEvidence[e.Tool] = true
	}
	for _, t := range f.Tools {
		if !withEvidence[t] {
			keys = append(keys, detectorKey{t, f.Rule.ID})
		}
	}
	slices.SortFunc(keys, func(a, b detectorKey) int {
		if c := strings.Compare(a.tool, b.tool); c != 0 {
			return c
		}
		return strings.Compare(a.detector, b.detector)
	})
	return slices.Compact(keys)
}

// TriageFinding records a decision on a finding, in one transaction: the
// decision row, the finding's new status, the detectors' confirmed and
// false-positive counts, and an audit entry. Counts move by the change of
// verdict (store.FindingStatus.Verdict), so re-triaging a finding corrects
// the counts instead of counting it twice. Suppressing needs a reason.
func (q *queries) TriageFinding(ctx context.Context, orgID string, t store.Triage) (store.Finding, store.TriageDecision, error) {
	if !t.Decision.Valid() {
		return store.Finding{}, store.TriageDecision{}, fmt.Errorf("triage finding: %w: decision %q", store.ErrInvalidInput, t.Decision)
	}
	if t.Decision == store.StatusSuppressed && strings.TrimSpace(t.Reason) == "" {
		return store.Finding{}, store.TriageDecision{}, fmt.Errorf("triage finding: %w: suppressing needs a reason", store.ErrInvalidInput)
	}
	if !validID(orgID) || !validID(t.FindingID) || (t.UserID != "" && !validID(t.UserID)) {
		return store.Finding{}, store.TriageDecision{}, fmt.Errorf("triage finding: %w", store.ErrNotFound)
	}
	var finding store.Finding
	var decision store.TriageDecision
	err := q.atomic(ctx, func(q *queries) error {
		f, err := scanFinding(q.db.QueryRow(ctx,
			`SELECT `+findingColumns+` FROM findings f WHERE f.org_id = $1 AND f.id = $2 FOR UPDATE`, orgID, t.FindingID))
		if err != nil {
			return mapErr(err, "triage finding")
		}
		var userID *string
		if t.UserID != "" {
			if _, err := q.GetUser(ctx, orgID, t.UserID); err != nil {
				return fmt.Errorf("triage finding: user: %w", err)
			}
			userID = &t.UserID
		}
		err = q.db.QueryRow(ctx,
			`INSERT INTO triage_decisions (org_id, finding_id, user_id, decision, previous, reason)
			 VALUES ($1, $2, $3, $4, $5, $6)
			 RETURNING id, finding_id, coalesce(user_id::text, ''), decision, previous, reason, created_at`,
			orgID, f.ID, userID, t.Decision, f.Status, t.Reason).
			Scan(&decision.ID, &decision.FindingID, &decision.UserID, &decision.Decision, &decision.Previous, &decision.Reason, &decision.CreatedAt)
		if err != nil {
			return mapErr(err, "triage finding: decision")
		}
		f, err = scanFinding(q.db.QueryRow(ctx,
			`UPDATE findings f SET status = $3, updated_at = now() WHERE f.org_id = $1 AND f.id = $2 RETURNING `+findingColumns,
			orgID, f.ID, t.Decision))
		if err != nil {
			return mapErr(err, "triage finding: status")
		}
		before, after := decision.Previous.Verdict(), t.Decision.Verdict()
		dConfirmed := b2i(after == 1) - b2i(before == 1)
		dFalse := b2i(after == -1) - b2i(before == -1)
		if dConfirmed != 0 || dFalse != 0 {
			for _, k := range triagedDetectors(f) {
				// GREATEST keeps counts sane for decisions made before a
				// detector's row existed (e.g. stats reset by an operator).
				_, err := q.db.Exec(ctx,
					`INSERT INTO detector_stats (tool, detector, confirmed, false_positives)
					 VALUES ($1, $2, GREATEST($3::bigint, 0), GREATEST($4::bigint, 0))
					 ON CONFLICT (tool, detector) DO UPDATE SET
					   confirmed = GREATEST(detector_stats.confirmed + $3::bigint, 0),
					   false_positives = GREATEST(detector_stats.false_positives + $4::bigint, 0),
					   updated_at = now()`,
					k.tool, k.detector, dConfirmed, dFalse)
				if err != nil {
					return mapErr(err, "triage finding: detector stats")
				}
			}
		}
		details, err := json.Marshal(map[string]string{
			"decision": string(t.Decision), "previous": string(decision.Previous), "reason": t.Reason,
			"detector": f.Rule.ID, "fingerprint": f.Fingerprint,
		})
		if err != nil {
			return fmt.Errorf("triage finding: audit details: %w", err)
		}
		actor := t.Actor
		if actor == "" {
			actor = t.UserID
		}
		if _, err := q.AppendAudit(ctx, store.AuditEntry{
			OrgID: orgID, Actor: actor, Action: "finding.triaged", Target: "finding:" + f.ID, Details: details,
		}); err != nil {
			return err
		}
		finding = f
		return nil
	})
	if err != nil {
		return store.Finding{}, store.TriageDecision{}, err
	}
	return finding, decision, nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// ListTriageDecisions returns a finding's triage history, oldest first.
func (q *queries) ListTriageDecisions(ctx context.Context, orgID, findingID string) ([]store.TriageDecision, error) {
	if !validID(orgID) || !validID(findingID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx,
		`SELECT id, finding_id, coalesce(user_id::text, ''), decision, previous, reason, created_at
		 FROM triage_decisions WHERE org_id = $1 AND finding_id = $2 ORDER BY created_at, id`, orgID, findingID)
	if err != nil {
		return nil, mapErr(err, "list triage decisions")
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.TriageDecision, error) {
		var d store.TriageDecision
		err := r.Scan(&d.ID, &d.FindingID, &d.UserID, &d.Decision, &d.Previous, &d.Reason, &d.CreatedAt)
		return d, err
	})
	return ds, mapErr(err, "list triage decisions")
}

const detectorStatColumns = `tool, detector, confirmed, false_positives, updated_at`

func scanDetectorStat(row pgx.Row) (store.DetectorStat, error) {
	var s store.DetectorStat
	err := row.Scan(&s.Tool, &s.Detector, &s.Confirmed, &s.FalsePositives, &s.UpdatedAt)
	return s, err
}

// GetDetectorStat returns one detector's triage counts; a detector never
// triaged is ErrNotFound (the engine then uses its prior).
func (q *queries) GetDetectorStat(ctx context.Context, tool, detector string) (store.DetectorStat, error) {
	s, err := scanDetectorStat(q.db.QueryRow(ctx,
		`SELECT `+detectorStatColumns+` FROM detector_stats WHERE tool = $1 AND detector = $2`, tool, detector))
	return s, mapErr(err, "get detector stat")
}

// ListDetectorStats returns every detector's triage counts.
func (q *queries) ListDetectorStats(ctx context.Context) ([]store.DetectorStat, error) {
	rows, err := q.db.Query(ctx, `SELECT `+detectorStatColumns+` FROM detector_stats ORDER BY tool, detector`)
	if err != nil {
		return nil, mapErr(err, "list detector stats")
	}
	ss, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.DetectorStat, error) { return scanDetectorStat(r) })
	return ss, mapErr(err, "list detector stats")
}
