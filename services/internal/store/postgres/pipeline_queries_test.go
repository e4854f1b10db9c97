package postgres_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
)

func TestLockAnalysis(t *testing.T) {
	s := newStore(t)
	tn := newTenant(t, s)
	other := newTenant(t, s)
	a := newAnalysis(t, s, tn, "lock")
	ctx := context.Background()

	t.Run("a second transaction waits until the first commits", func(t *testing.T) {
		var committed atomic.Bool
		locked := make(chan struct{})
		second := make(chan bool)
		go func() {
			<-locked
			_ = s.InTx(ctx, func(tx *postgres.Tx) error {
				_, err := tx.LockAnalysis(ctx, tn.org.ID, a.ID)
				second <- committed.Load()
				return err
			})
		}()
		require.NoError(t, s.InTx(ctx, func(tx *postgres.Tx) error {
			got, err := tx.LockAnalysis(ctx, tn.org.ID, a.ID)
			require.NoError(t, err)
			assert.Equal(t, a.ID, got.ID)
			close(locked)
			// Give the other transaction every chance to barge in.
			time.Sleep(100 * time.Millisecond)
			committed.Store(true)
			return nil
		}))
		assert.True(t, <-second, "the second lock was granted only after the first transaction ended")
	})
	t.Run("another organisation's analysis is not found", func(t *testing.T) {
		_, err := s.LockAnalysis(ctx, other.org.ID, a.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.LockAnalysis(ctx, tn.org.ID, "not-a-uuid")
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}

func TestListStuckAnalysesAndTouch(t *testing.T) {
	s := newStore(t)
	tn := newTenant(t, s)
	other := newTenant(t, s)
	ctx := context.Background()
	running := newAnalysis(t, s, tn, "running")
	elsewhere := newAnalysis(t, s, other, "elsewhere")
	finished := newAnalysis(t, s, tn, "finished")
	walk(t, s, tn.org.ID, finished.ID, store.StateCompleted)

	t.Run("unfinished analyses of every organisation not updated since the cutoff are listed, oldest first", func(t *testing.T) {
		stuck, err := s.ListStuckAnalyses(ctx, time.Now().Add(time.Minute), 10)
		require.NoError(t, err)
		var ids []string
		for _, a := range stuck {
			ids = append(ids, a.ID)
		}
		assert.Equal(t, []string{running.ID, elsewhere.ID}, ids)
	})
	t.Run("a recent update keeps an analysis off the list", func(t *testing.T) {
		stuck, err := s.ListStuckAnalyses(ctx, time.Now().Add(-time.Minute), 10)
		require.NoError(t, err)
		assert.Empty(t, stuck)
	})
	t.Run("touch moves updated_at of an unfinished analysis only", func(t *testing.T) {
		cutoff := time.Now().Add(time.Minute)
		before, err := s.GetAnalysis(ctx, tn.org.ID, running.ID)
		require.NoError(t, err)
		ok, err := s.TouchAnalysis(ctx, tn.org.ID, running.ID)
		require.NoError(t, err)
		assert.True(t, ok)
		after, err := s.GetAnalysis(ctx, tn.org.ID, running.ID)
		require.NoError(t, err)
		assert.True(t, after.UpdatedAt.After(before.UpdatedAt))
		assert.Equal(t, before.State, after.State)
		assert.Equal(t, before.Progress, after.Progress)

		ok, err = s.TouchAnalysis(ctx, tn.org.ID, finished.ID)
		require.NoError(t, err)
		assert.False(t, ok, "a finished analysis is not touched")
		ok, err = s.TouchAnalysis(ctx, other.org.ID, running.ID)
		require.NoError(t, err)
		assert.False(t, ok, "nor is another organisation's")
		stuck, err := s.ListStuckAnalyses(ctx, cutoff, 1)
		require.NoError(t, err)
		require.Len(t, stuck, 1, "the limit holds")
	})
}

func TestSuppressNewFindings(t *testing.T) {
	s := newStore(t)
	tn := newTenant(t, s)
	ctx := context.Background()
	first := newAnalysis(t, s, tn, "first")
	old := newFinding("reentrancy-eth", findings.SeverityHigh, "src/Vault.sol", "withdraw", "call()", "solsec")
	_, err := s.InsertFindings(ctx, tn.org.ID, first.ID, []store.NewFinding{old})
	require.NoError(t, err)

	second := newAnalysis(t, s, tn, "second")
	fresh := newFinding("tx-origin-auth", findings.SeverityMedium, "src/Wallet.sol", "transferTo", "tx.origin", "solsec")
	triaged := newFinding("unchecked-low-level-call", findings.SeverityMedium, "src/Vault.sol", "sweep", "send()", "solsec")
	stored, err := s.InsertFindings(ctx, tn.org.ID, second.ID, []store.NewFinding{old, fresh, triaged})
	require.NoError(t, err)
	_, _, err = s.TriageFinding(ctx, tn.org.ID, store.Triage{FindingID: stored[2].ID, UserID: tn.user.ID, Actor: tn.user.ID, Decision: store.StatusOpen, Reason: "looked at it"})
	require.NoError(t, err)

	changed, err := s.SuppressNewFindings(ctx, tn.org.ID, second.ID, []string{old.Fingerprint, fresh.Fingerprint, triaged.Fingerprint})
	require.NoError(t, err)

	t.Run("a finding the analysis introduced is suppressed", func(t *testing.T) {
		assert.Equal(t, map[string]string{fresh.Fingerprint: stored[1].ID}, changed)
		f, err := s.GetFinding(ctx, tn.org.ID, stored[1].ID)
		require.NoError(t, err)
		assert.Equal(t, store.StatusSuppressed, f.Status)
	})
	t.Run("findings an earlier analysis reported or a user triaged keep their status", func(t *testing.T) {
		for _, id := range []string{stored[0].ID, stored[2].ID} {
			f, err := s.GetFinding(ctx, tn.org.ID, id)
			require.NoError(t, err)
			assert.Equal(t, store.StatusOpen, f.Status)
		}
	})
	t.Run("no fingerprints change nothing", func(t *testing.T) {
		changed, err := s.SuppressNewFindings(ctx, tn.org.ID, second.ID, nil)
		require.NoError(t, err)
		assert.Empty(t, changed)
	})
}

func TestAddDetectorStats(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	get := func(tool, detector string) store.DetectorStat {
		t.Helper()
		st, err := s.GetDetectorStat(ctx, tool, detector)
		require.NoError(t, err)
		return st
	}

	t.Run("increments create and then add to the counts", func(t *testing.T) {
		require.NoError(t, s.AddDetectorStats(ctx, []store.DetectorStat{{Tool: "slither", Detector: "reentrancy-eth", Confirmed: 2, FalsePositives: 1}}))
		require.NoError(t, s.AddDetectorStats(ctx, []store.DetectorStat{{Tool: "slither", Detector: "reentrancy-eth", Confirmed: 1}}))
		st := get("slither", "reentrancy-eth")
		assert.Equal(t, int64(3), st.Confirmed)
		assert.Equal(t, int64(1), st.FalsePositives)
	})
	t.Run("a delta that would go negative changes nothing at all", func(t *testing.T) {
		err := s.AddDetectorStats(ctx, []store.DetectorStat{
			{Tool: "slither", Detector: "reentrancy-eth", Confirmed: 1},
			{Tool: "slither", Detector: "reentrancy-eth", FalsePositives: -5},
		})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
		st := get("slither", "reentrancy-eth")
		assert.Equal(t, int64(3), st.Confirmed, "the first delta was rolled back with the second")
	})
	t.Run("an empty tool or detector is refused", func(t *testing.T) {
		assert.ErrorIs(t, s.AddDetectorStats(ctx, []store.DetectorStat{{Tool: "", Detector: "x", Confirmed: 1}}), store.ErrInvalidInput)
	})
}
