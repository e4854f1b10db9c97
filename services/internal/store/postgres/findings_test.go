package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
)

func TestInsertFindings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)
	a := newAnalysis(t, s, tn, "h1")
	batch := []store.NewFinding{
		newFinding("reentrancy-eth", findings.SeverityHigh, "src/Vault.sol", "withdraw", "msg.sender.call{value: x}(\"\")", "solsec", "slither"),
		newFinding("tx-origin", findings.SeverityMedium, "src/Vault.sol", "auth", "require(tx.origin == owner)", "solsec"),
	}

	stored, err := s.InsertFindings(ctx, tn.org.ID, a.ID, batch)
	require.NoError(t, err)
	require.Len(t, stored, 2)

	t.Run("a stored finding reads back with its model, evidence and status", func(t *testing.T) {
		f, err := s.GetFinding(ctx, tn.org.ID, stored[0].ID)
		require.NoError(t, err)
		assert.Equal(t, "reentrancy-eth", f.Rule.ID)
		assert.Equal(t, findings.SeverityHigh, f.Severity)
		assert.Equal(t, findings.ConfidenceMedium, f.Confidence)
		assert.Equal(t, "SWC-107", f.SWC)
		assert.Equal(t, findings.DASPReentrancy, f.DASP)
		assert.Equal(t, "withdraw", f.Function)
		assert.Equal(t, "src/Vault.sol", f.File)
		assert.Equal(t, batch[0].Locations, f.Locations)
		assert.Equal(t, batch[0].Fingerprint, f.Fingerprint)
		assert.Equal(t, []string{"slither", "solsec"}, f.Tools)
		require.Len(t, f.Evidence, 2)
		assert.Equal(t, "slither-reentrancy-eth", f.Evidence[1].Detector)
		assert.Equal(t, store.StatusOpen, f.Status)
		assert.Equal(t, a.ID, f.FirstAnalysisID)
		assert.Equal(t, tn.project.ID, f.ProjectID)
	})

	t.Run("inserting the same findings again, as a retried job does, duplicates nothing", func(t *testing.T) {
		again, err := s.InsertFindings(ctx, tn.org.ID, a.ID, batch)
		require.NoError(t, err)
		assert.Equal(t, stored[0].ID, again[0].ID)
		assert.Equal(t, stored[1].ID, again[1].ID)
		page, err := s.ListFindings(ctx, tn.org.ID, store.FindingFilter{AnalysisID: a.ID})
		require.NoError(t, err)
		assert.Len(t, page.Items, 2)
	})

	t.Run("a later analysis of the project updates the finding and keeps its triage", func(t *testing.T) {
		_, _, err := s.TriageFinding(ctx, tn.org.ID, store.Triage{FindingID: stored[1].ID, UserID: tn.user.ID, Decision: store.StatusConfirmed})
		require.NoError(t, err)
		b := newAnalysis(t, s, tn, "h2")
		moved := batch[1]
		moved.Locations = []findings.Location{{File: "src/Vault.sol", StartLine: 30, StartColumn: 5, EndLine: 30, EndColumn: 20, StartOffset: 400, EndOffset: 415}}
		moved.Score = 77
		later, err := s.InsertFindings(ctx, tn.org.ID, b.ID, []store.NewFinding{moved})
		require.NoError(t, err)
		require.Len(t, later, 1)
		assert.Equal(t, stored[1].ID, later[0].ID, "same fingerprint, same finding")
		assert.Equal(t, store.StatusConfirmed, later[0].Status)
		assert.Equal(t, 30, later[0].Locations[0].StartLine)
		assert.Equal(t, 77.0, later[0].Score)
		assert.Equal(t, a.ID, later[0].FirstAnalysisID)
		assert.Equal(t, b.ID, later[0].LastAnalysisID)

		forB, err := s.ListFindings(ctx, tn.org.ID, store.FindingFilter{AnalysisID: b.ID})
		require.NoError(t, err)
		require.Len(t, forB.Items, 1)
		forA, err := s.ListFindings(ctx, tn.org.ID, store.FindingFilter{AnalysisID: a.ID})
		require.NoError(t, err)
		assert.Len(t, forA.Items, 2, "the first analysis still lists what it found")
	})

	t.Run("the same fingerprint in another project is another finding", func(t *testing.T) {
		p2, err := s.CreateProject(ctx, tn.org.ID, "fork")
		require.NoError(t, err)
		c, _, err := s.CreateAnalysis(ctx, tn.org.ID, store.NewAnalysis{ProjectID: p2.ID, SourceHash: "h1"})
		require.NoError(t, err)
		out, err := s.InsertFindings(ctx, tn.org.ID, c.ID, batch[:1])
		require.NoError(t, err)
		assert.NotEqual(t, stored[0].ID, out[0].ID)
		assert.Equal(t, store.StatusOpen, out[0].Status)
	})

	t.Run("fingerprints are unique per project in the schema itself", func(t *testing.T) {
		_, err := s.Pool().Exec(ctx, `INSERT INTO findings (org_id, project_id, first_analysis_id, last_analysis_id,
			detector, title, severity, confidence, message, fingerprint) VALUES ($1, $2, $3, $3, 'x', 'x', 1, 1, 'x', $4)`,
			tn.org.ID, tn.project.ID, a.ID, batch[0].Fingerprint)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "findings_project_id_fingerprint_key")
	})

	t.Run("a finding without fingerprint or tool is refused and nothing is stored", func(t *testing.T) {
		noPrint := newFinding("unused-state", findings.SeverityLow, "src/Vault.sol", "", "uint x;", "solsec")
		noPrint.Fingerprint = ""
		noTool := newFinding("unused-state", findings.SeverityLow, "src/Vault.sol", "", "uint y;")
		for name, nf := range map[string]store.NewFinding{"no fingerprint": noPrint, "no tool": noTool} {
			_, err := s.InsertFindings(ctx, tn.org.ID, a.ID, []store.NewFinding{nf})
			assert.ErrorIs(t, err, store.ErrInvalidInput, name)
		}
		page, err := s.ListFindings(ctx, tn.org.ID, store.FindingFilter{Detector: "unused-state"})
		require.NoError(t, err)
		assert.Empty(t, page.Items)
	})

	t.Run("findings cannot be added to another organisation's analysis", func(t *testing.T) {
		other := newTenant(t, s)
		_, err := s.InsertFindings(ctx, other.org.ID, a.ID, batch)
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestListFindings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)
	a := newAnalysis(t, s, tn, "h")
	var batch []store.NewFinding
	sevs := []findings.Severity{findings.SeverityHigh, findings.SeverityMedium, findings.SeverityLow, findings.SeverityInformational}
	for i := range 12 {
		tool := "solsec"
		if i%3 == 0 {
			tool = "slither"
		}
		file := "src/A.sol"
		if i%2 == 0 {
			file = "src/B.sol"
		}
		nf := newFinding(fmt.Sprintf("detector-%d", i%4), sevs[i%4], file, fmt.Sprintf("f%d", i), fmt.Sprintf("code %d", i), tool)
		nf.Score = float64(i)
		batch = append(batch, nf)
	}
	_, err := s.InsertFindings(ctx, tn.org.ID, a.ID, batch)
	require.NoError(t, err)

	t.Run("pages walk every finding most severe then highest scored first, exactly once", func(t *testing.T) {
		var seen []store.Finding
		cursor := ""
		for {
			page, err := s.ListFindings(ctx, tn.org.ID, store.FindingFilter{AnalysisID: a.ID, Limit: 5, Cursor: cursor})
			require.NoError(t, err)
			seen = append(seen, page.Items...)
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		require.Len(t, seen, 12)
		ids := map[string]bool{}
		for i, f := range seen {
			ids[f.ID] = true
			if i == 0 {
				continue
			}
			prev := seen[i-1]
			assert.True(t, prev.Severity > f.Severity || prev.Severity == f.Severity && prev.Score >= f.Score,
				"%v/%v before %v/%v", prev.Severity, prev.Score, f.Severity, f.Score)
		}
		assert.Len(t, ids, 12)
	})

	cases := []struct {
		name   string
		filter store.FindingFilter
		want   func(store.Finding) bool
		count  int
	}{
		{"filtering by severity keeps only those severities", store.FindingFilter{Severities: []findings.Severity{findings.SeverityHigh, findings.SeverityMedium}},
			func(f store.Finding) bool { return f.Severity >= findings.SeverityMedium }, 6},
		{"filtering by detector keeps that detector", store.FindingFilter{Detector: "detector-2"},
			func(f store.Finding) bool { return f.Rule.ID == "detector-2" }, 3},
		{"filtering by tool keeps findings that tool reported", store.FindingFilter{Tool: "slither"},
			func(f store.Finding) bool { return f.Tools[0] == "slither" }, 4},
		{"filtering by file keeps that file", store.FindingFilter{File: "src/A.sol"},
			func(f store.Finding) bool { return f.File == "src/A.sol" }, 6},
		{"filtering by status keeps that status", store.FindingFilter{Statuses: []store.FindingStatus{store.StatusOpen}},
			func(f store.Finding) bool { return f.Status == store.StatusOpen }, 12},
		{"filters combine", store.FindingFilter{File: "src/B.sol", Tool: "slither", ProjectID: tn.project.ID},
			func(f store.Finding) bool { return f.File == "src/B.sol" && f.Tools[0] == "slither" }, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page, err := s.ListFindings(ctx, tn.org.ID, c.filter)
			require.NoError(t, err)
			assert.Len(t, page.Items, c.count)
			for _, f := range page.Items {
				assert.True(t, c.want(f), "%s %s %v %s", f.Rule.ID, f.File, f.Tools, f.Status)
			}
		})
	}

	t.Run("an invalid severity or status is invalid input", func(t *testing.T) {
		_, err := s.ListFindings(ctx, tn.org.ID, store.FindingFilter{Severities: []findings.Severity{9}})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
		_, err = s.ListFindings(ctx, tn.org.ID, store.FindingFilter{Statuses: []store.FindingStatus{"wontfix"}})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
	})
}

func TestTriageFinding(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)
	a := newAnalysis(t, s, tn, "h")
	out, err := s.InsertFindings(ctx, tn.org.ID, a.ID, []store.NewFinding{
		newFinding("reentrancy-eth", findings.SeverityHigh, "src/Vault.sol", "withdraw", "call", "solsec", "slither"),
	})
	require.NoError(t, err)
	f := out[0]

	stat := func(tool, detector string) store.DetectorStat {
		t.Helper()
		st, err := s.GetDetectorStat(ctx, tool, detector)
		if err != nil {
			require.ErrorIs(t, err, store.ErrNotFound)
		}
		return st
	}

	t.Run("confirming records the decision, the status, every tool's detector stats and an audit entry", func(t *testing.T) {
		got, d, err := s.TriageFinding(ctx, tn.org.ID, store.Triage{FindingID: f.ID, UserID: tn.user.ID, Decision: store.StatusConfirmed, Reason: "exploitable"})
		require.NoError(t, err)
		assert.Equal(t, store.StatusConfirmed, got.Status)
		assert.Equal(t, store.StatusOpen, d.Previous)
		assert.Equal(t, tn.user.ID, d.UserID)
		assert.Equal(t, int64(1), stat("solsec", "solsec-reentrancy-eth").Confirmed)
		assert.Equal(t, int64(1), stat("slither", "slither-reentrancy-eth").Confirmed)

		audit, err := s.ListAudit(ctx, tn.org.ID, store.AuditFilter{Action: "finding.triaged"})
		require.NoError(t, err)
		require.Len(t, audit.Items, 1)
		assert.Equal(t, "finding:"+f.ID, audit.Items[0].Target)
		assert.Equal(t, tn.user.ID, audit.Items[0].Actor)
		var details map[string]string
		require.NoError(t, json.Unmarshal(audit.Items[0].Details, &details))
		assert.Equal(t, "confirmed", details["decision"])
		assert.Equal(t, "exploitable", details["reason"])
	})

	t.Run("changing the verdict moves the counts instead of adding to them", func(t *testing.T) {
		_, d, err := s.TriageFinding(ctx, tn.org.ID, store.Triage{FindingID: f.ID, Actor: "apikey:ci", Decision: store.StatusFalsePositive, Reason: "guarded"})
		require.NoError(t, err)
		assert.Equal(t, store.StatusConfirmed, d.Previous)
		st := stat("slither", "slither-reentrancy-eth")
		assert.Equal(t, int64(0), st.Confirmed)
		assert.Equal(t, int64(1), st.FalsePositives)
	})

	t.Run("the same verdict again changes no count", func(t *testing.T) {
		_, _, err := s.TriageFinding(ctx, tn.org.ID, store.Triage{FindingID: f.ID, UserID: tn.user.ID, Decision: store.StatusFalsePositive})
		require.NoError(t, err)
		assert.Equal(t, int64(1), stat("slither", "slither-reentrancy-eth").FalsePositives)
	})

	t.Run("suppressing withdraws the verdict and needs a reason", func(t *testing.T) {
		_, _, err := s.TriageFinding(ctx, tn.org.ID, store.Triage{FindingID: f.ID, UserID: tn.user.ID, Decision: store.StatusSuppressed})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
		_, _, err = s.TriageFinding(ctx, tn.org.ID, store.Triage{FindingID: f.ID, UserID: tn.user.ID, Decision: store.StatusSuppressed, Reason: "accepted risk"})
		require.NoError(t, err)
		st := stat("slither", "slither-reentrancy-eth")
		assert.Equal(t, int64(0), st.Confirmed)
		assert.Equal(t, int64(0), st.FalsePositives)
	})

	t.Run("the history lists every decision in order", func(t *testing.T) {
		ds, err := s.ListTriageDecisions(ctx, tn.org.ID, f.ID)
		require.NoError(t, err)
		var got []store.FindingStatus
		for _, d := range ds {
			got = append(got, d.Decision)
		}
		assert.Equal(t, []store.FindingStatus{store.StatusConfirmed, store.StatusFalsePositive, store.StatusFalsePositive, store.StatusSuppressed}, got)
		stats, err := s.ListDetectorStats(ctx)
		require.NoError(t, err)
		assert.Len(t, stats, 2)
	})

	t.Run("another organisation can neither triage nor see the history, and nothing changes", func(t *testing.T) {
		other := newTenant(t, s)
		_, _, err := s.TriageFinding(ctx, other.org.ID, store.Triage{FindingID: f.ID, UserID: other.user.ID, Decision: store.StatusConfirmed})
		assert.ErrorIs(t, err, store.ErrNotFound)
		ds, err := s.ListTriageDecisions(ctx, other.org.ID, f.ID)
		require.NoError(t, err)
		assert.Empty(t, ds)
		got, err := s.GetFinding(ctx, tn.org.ID, f.ID)
		require.NoError(t, err)
		assert.Equal(t, store.StatusSuppressed, got.Status)
	})

	t.Run("a user of another organisation cannot be named as the decider", func(t *testing.T) {
		other := newTenant(t, s)
		_, _, err := s.TriageFinding(ctx, tn.org.ID, store.Triage{FindingID: f.ID, UserID: other.user.ID, Decision: store.StatusConfirmed})
		assert.ErrorIs(t, err, store.ErrNotFound)
		got, err := s.GetFinding(ctx, tn.org.ID, f.ID)
		require.NoError(t, err)
		assert.Equal(t, store.StatusSuppressed, got.Status, "the failed triage rolled back")
	})
}

func TestAudit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)
	for i := range 5 {
		_, err := s.AppendAudit(ctx, store.AuditEntry{OrgID: tn.org.ID, Actor: tn.user.ID, Action: "apikey.created", Target: fmt.Sprintf("apikey:%d", i)})
		require.NoError(t, err)
	}

	t.Run("entries page newest first", func(t *testing.T) {
		p1, err := s.ListAudit(ctx, tn.org.ID, store.AuditFilter{Limit: 3})
		require.NoError(t, err)
		require.Len(t, p1.Items, 3)
		assert.Equal(t, "apikey:4", p1.Items[0].Target)
		assert.JSONEq(t, `{}`, string(p1.Items[0].Details))
		p2, err := s.ListAudit(ctx, tn.org.ID, store.AuditFilter{Limit: 3, Cursor: p1.NextCursor})
		require.NoError(t, err)
		require.Len(t, p2.Items, 2)
		assert.Equal(t, "apikey:0", p2.Items[1].Target)
		assert.Empty(t, p2.NextCursor)
	})

	t.Run("the log cannot be rewritten or deleted", func(t *testing.T) {
		_, err := s.Pool().Exec(ctx, `UPDATE audit_log SET actor = 'someone else'`)
		assert.ErrorContains(t, err, "append-only")
		_, err = s.Pool().Exec(ctx, `DELETE FROM audit_log`)
		assert.ErrorContains(t, err, "append-only")
		_, err = s.Pool().Exec(ctx, `TRUNCATE audit_log`)
		assert.ErrorContains(t, err, "append-only")
	})

	t.Run("details must be JSON and an action is required", func(t *testing.T) {
		_, err := s.AppendAudit(ctx, store.AuditEntry{OrgID: tn.org.ID, Action: "x", Details: []byte("{")})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
		_, err = s.AppendAudit(ctx, store.AuditEntry{OrgID: tn.org.ID})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
	})

	t.Run("another organisation sees none of it", func(t *testing.T) {
		other := newTenant(t, s)
		page, err := s.ListAudit(ctx, other.org.ID, store.AuditFilter{})
		require.NoError(t, err)
		assert.Empty(t, page.Items)
	})
}
