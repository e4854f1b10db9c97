package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
)

// TestOrganisationIsolation gives one organisation a full set of data and
// checks that every read and write of another organisation, given the
// first one's ids, finds nothing and changes nothing.
func TestOrganisationIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	owner := newTenant(t, s)
	intruder := newTenant(t, s)

	a := newAnalysis(t, s, owner, "secret-sources")
	walk(t, s, owner.org.ID, a.ID, store.StateCompleted)
	_, err := s.UpsertToolRun(ctx, owner.org.ID, store.ToolRun{AnalysisID: a.ID, Tool: "slither", State: store.ToolRunSucceeded})
	require.NoError(t, err)
	require.NoError(t, s.SaveParseSummary(ctx, owner.org.ID, store.ParseSummary{AnalysisID: a.ID}))
	fs, err := s.InsertFindings(ctx, owner.org.ID, a.ID, []store.NewFinding{
		newFinding("reentrancy-eth", findings.SeverityHigh, "src/Vault.sol", "withdraw", "call", "solsec"),
	})
	require.NoError(t, err)
	key, err := s.CreateAPIKey(ctx, owner.org.ID, store.NewAPIKey{KeyID: "owner-key", Role: store.RoleAdmin, SecretHash: keyHash("s")})
	require.NoError(t, err)
	_, err = s.AppendAudit(ctx, store.AuditEntry{OrgID: owner.org.ID, Actor: owner.user.ID, Action: "analysis.created", Target: "analysis:" + a.ID})
	require.NoError(t, err)

	other := intruder.org.ID
	notFound := map[string]func() error{
		"get user":     func() error { _, err := s.GetUser(ctx, other, owner.user.ID); return err },
		"get project":  func() error { _, err := s.GetProject(ctx, other, owner.project.ID); return err },
		"get analysis": func() error { _, err := s.GetAnalysis(ctx, other, a.ID); return err },
		"transition analysis": func() error {
			_, err := s.TransitionAnalysis(ctx, other, a.ID, store.Transition{From: store.StateQueued, To: store.StateCancelled})
			return err
		},
		"set progress":         func() error { return s.SetAnalysisProgress(ctx, other, a.ID, 10) },
		"find cached analysis": func() error { _, err := s.FindCompletedAnalysisBySourceHash(ctx, other, "secret-sources"); return err },
		"get parse summary":    func() error { _, err := s.GetParseSummary(ctx, other, a.ID); return err },
		"get finding":          func() error { _, err := s.GetFinding(ctx, other, fs[0].ID); return err },
		"touch api key":        func() error { return s.TouchAPIKey(ctx, other, key.ID) },
		"revoke api key":       func() error { _, err := s.RevokeAPIKey(ctx, other, key.ID); return err },
		"create analysis in the owner's project": func() error {
			_, _, err := s.CreateAnalysis(ctx, other, store.NewAnalysis{ProjectID: owner.project.ID, SourceHash: "x"})
			return err
		},
	}
	for name, call := range notFound {
		t.Run(name+" from another organisation is not found", func(t *testing.T) {
			assert.ErrorIs(t, call(), store.ErrNotFound)
		})
	}

	empty := map[string]func() (int, error){
		"list users":    func() (int, error) { us, err := s.ListUsers(ctx, other); return len(us) - 1, err }, // its own user only
		"list projects": func() (int, error) { ps, err := s.ListProjects(ctx, other); return len(ps) - 1, err },
		"list analyses": func() (int, error) {
			p, err := s.ListAnalyses(ctx, other, store.AnalysisFilter{ProjectID: owner.project.ID})
			return len(p.Items), err
		},
		"list findings of the analysis": func() (int, error) {
			p, err := s.ListFindings(ctx, other, store.FindingFilter{AnalysisID: a.ID})
			return len(p.Items), err
		},
		"list all findings": func() (int, error) {
			p, err := s.ListFindings(ctx, other, store.FindingFilter{})
			return len(p.Items), err
		},
		"list tool runs":     func() (int, error) { rs, err := s.ListToolRuns(ctx, other, a.ID); return len(rs), err },
		"list api keys":      func() (int, error) { ks, err := s.ListAPIKeys(ctx, other); return len(ks), err },
		"list triage":        func() (int, error) { ds, err := s.ListTriageDecisions(ctx, other, fs[0].ID); return len(ds), err },
		"list audit entries": func() (int, error) { p, err := s.ListAudit(ctx, other, store.AuditFilter{}); return len(p.Items), err },
	}
	for name, call := range empty {
		t.Run(name+" from another organisation shows none of the owner's rows", func(t *testing.T) {
			n, err := call()
			require.NoError(t, err)
			assert.Zero(t, n)
		})
	}

	t.Run("the owner's data is unchanged after every attempt", func(t *testing.T) {
		got, err := s.GetAnalysis(ctx, owner.org.ID, a.ID)
		require.NoError(t, err)
		assert.Equal(t, store.StateCompleted, got.State)
		assert.Equal(t, 100, got.Progress)
		k, err := s.GetAPIKeyByKeyID(ctx, "owner-key")
		require.NoError(t, err)
		assert.True(t, k.Active())
		assert.Nil(t, k.LastUsedAt)
	})
}
