package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
)

func TestPurgeAnalysis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)

	t.Run("a running analysis is never purged", func(t *testing.T) {
		a := newAnalysis(t, s, tn, "h")
		walk(t, s, tn.org.ID, a.ID, store.StateAnalysing)
		_, err := s.PurgeAnalysis(ctx, tn.org.ID, a.ID, "test")
		assert.ErrorIs(t, err, store.ErrConflict)
		_, err = s.GetAnalysis(ctx, tn.org.ID, a.ID)
		assert.NoError(t, err)
	})

	t.Run("another organisation cannot purge it", func(t *testing.T) {
		a := newAnalysis(t, s, tn, "h")
		walk(t, s, tn.org.ID, a.ID, store.StateCompleted)
		other := newTenant(t, s)
		_, err := s.PurgeAnalysis(ctx, other.org.ID, a.ID, "test")
		assert.ErrorIs(t, err, store.ErrNotFound)
		expired, err := s.ExpiredAnalyses(ctx, other.org.ID, time.Now().Add(time.Hour), 10)
		require.NoError(t, err)
		assert.Empty(t, expired)
	})

	t.Run("purging keeps findings another analysis still reports", func(t *testing.T) {
		shared := newFinding("shared", findings.SeverityLow, "src/A.sol", "f", "x", "solsec")
		only := newFinding("only", findings.SeverityLow, "src/A.sol", "g", "y", "solsec")
		a := newAnalysis(t, s, tn, "h1")
		b := newAnalysis(t, s, tn, "h2")
		_, err := s.InsertFindings(ctx, tn.org.ID, a.ID, []store.NewFinding{shared, only})
		require.NoError(t, err)
		_, err = s.InsertFindings(ctx, tn.org.ID, b.ID, []store.NewFinding{shared})
		require.NoError(t, err)
		walk(t, s, tn.org.ID, a.ID, store.StateCompleted)

		expired, err := s.ExpiredAnalyses(ctx, tn.org.ID, time.Now().Add(time.Hour), 100)
		require.NoError(t, err)
		var ids []string
		for _, e := range expired {
			ids = append(ids, e.ID)
		}
		assert.Contains(t, ids, a.ID)
		assert.NotContains(t, ids, b.ID, "b never finished")

		res, err := s.PurgeAnalysis(ctx, tn.org.ID, a.ID, "test")
		require.NoError(t, err)
		assert.Equal(t, int64(1), res.FindingsDeleted)
		assert.Equal(t, a.BlobKey, res.BlobKey)
		left, err := s.ListFindings(ctx, tn.org.ID, store.FindingFilter{AnalysisID: b.ID})
		require.NoError(t, err)
		require.Len(t, left.Items, 1)
		assert.Equal(t, "shared", left.Items[0].Rule.ID)
	})
}

func TestEraseOrganizationKeepsTheAuditLogAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	gone := newTenant(t, s)
	stays := newTenant(t, s)
	_, err := s.AppendAudit(ctx, store.AuditEntry{OrgID: stays.org.ID, Actor: "x", Action: "kept"})
	require.NoError(t, err)

	var report store.ErasureReport
	err = s.InTx(ctx, func(tx *postgres.Tx) error {
		var err error
		report, err = tx.EraseOrganization(ctx, gone.org.ID, "ops")
		if err != nil {
			return err
		}
		// Later statements of the same transaction are held to the rule
		// again: erasure switched its exemption off.
		_, err = tx.PgxTx().Exec(ctx, `DELETE FROM audit_log WHERE org_id = $1`, stays.org.ID)
		assert.ErrorContains(t, err, "append-only")
		return nil
	})
	require.Error(t, err, "the failed delete aborted the transaction, so the erasure rolled back")
	_, err = s.GetOrganization(ctx, gone.org.ID)
	require.NoError(t, err)

	report, err = s.EraseOrganization(ctx, gone.org.ID, "ops")
	require.NoError(t, err)
	assert.Equal(t, int64(1), report.Deleted["users"])
	assert.Equal(t, int64(1), report.Deleted["projects"])
	page, err := s.ListAudit(ctx, stays.org.ID, store.AuditFilter{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "the other organisation's audit entries are untouched")
	_, err = s.EraseOrganization(ctx, gone.org.ID, "ops")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestWithTryLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	inner := false
	ran, err := postgres.WithTryLock(ctx, s.Pool(), postgres.LockRetention, func(ctx context.Context) error {
		// While this session holds the lock, another attempt is skipped.
		r, err := postgres.WithTryLock(ctx, s.Pool(), postgres.LockRetention, func(context.Context) error {
			inner = true
			return nil
		})
		assert.False(t, r)
		return err
	})
	require.NoError(t, err)
	assert.True(t, ran)
	assert.False(t, inner)

	ran, err = postgres.WithTryLock(ctx, s.Pool(), postgres.LockRetention, func(context.Context) error { return nil })
	require.NoError(t, err)
	assert.True(t, ran, "the lock was released")
}

func TestListOrganizations(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	a := newTenant(t, s)
	b := newTenant(t, s)
	orgs, err := s.ListOrganizations(context.Background())
	require.NoError(t, err)
	require.Len(t, orgs, 2)
	assert.Equal(t, a.org.ID, orgs[0].ID)
	assert.Equal(t, b.org.ID, orgs[1].ID)
}
