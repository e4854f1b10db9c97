package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/store"
)

func TestCanTransition(t *testing.T) {
	legal := map[[2]store.AnalysisState]bool{
		{store.StateQueued, store.StateParsing}:      true,
		{store.StateParsing, store.StateAnalysing}:   true,
		{store.StateAnalysing, store.StateScoring}:   true,
		{store.StateScoring, store.StateCompleted}:   true,
		{store.StateQueued, store.StateFailed}:       true,
		{store.StateQueued, store.StateCancelled}:    true,
		{store.StateParsing, store.StateFailed}:      true,
		{store.StateParsing, store.StateCancelled}:   true,
		{store.StateAnalysing, store.StateFailed}:    true,
		{store.StateAnalysing, store.StateCancelled}: true,
		{store.StateScoring, store.StateFailed}:      true,
		{store.StateScoring, store.StateCancelled}:   true,
	}
	// Every pair of states is checked, so an edge added by mistake fails.
	for _, from := range store.AnalysisStates {
		for _, to := range store.AnalysisStates {
			want := legal[[2]store.AnalysisState{from, to}]
			name := fmt.Sprintf("%s to %s is refused", from, to)
			if want {
				name = fmt.Sprintf("%s to %s is allowed", from, to)
			}
			t.Run(name, func(t *testing.T) {
				assert.Equal(t, want, store.CanTransition(from, to))
				err := store.CheckTransition(from, to)
				if want {
					assert.NoError(t, err)
					return
				}
				require.ErrorIs(t, err, store.ErrInvalidTransition)
				var ite *store.InvalidTransitionError
				require.True(t, errors.As(err, &ite))
				assert.Equal(t, from, ite.From)
				assert.Equal(t, to, ite.To)
			})
		}
	}
	t.Run("an unknown state never transitions", func(t *testing.T) {
		assert.False(t, store.CanTransition("paused", store.StateParsing))
		assert.False(t, store.CanTransition(store.StateQueued, "paused"))
	})
}

func TestStateMismatchErrorIsAConflict(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &store.StateMismatchError{Expected: store.StateParsing, Actual: store.StateCancelled})
	assert.ErrorIs(t, err, store.ErrConflict)
	assert.NotErrorIs(t, err, store.ErrInvalidTransition)
	assert.Contains(t, err.Error(), "analysis is cancelled, expected parsing")
}

func TestFindingStatusVerdict(t *testing.T) {
	cases := []struct {
		status store.FindingStatus
		want   int
	}{
		{store.StatusConfirmed, 1},
		{store.StatusFixed, 1},
		{store.StatusFalsePositive, -1},
		{store.StatusOpen, 0},
		{store.StatusSuppressed, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s counts as %d", c.status, c.want), func(t *testing.T) {
			assert.True(t, c.status.Valid())
			assert.Equal(t, c.want, c.status.Verdict())
		})
	}
	assert.False(t, store.FindingStatus("wontfix").Valid())
}

func TestRolesAndToolRunStates(t *testing.T) {
	for _, r := range []store.Role{store.RoleAdmin, store.RoleAnalyst, store.RoleViewer} {
		assert.True(t, r.Valid(), r)
	}
	assert.False(t, store.Role("owner").Valid())
	for _, s := range []store.ToolRunState{store.ToolRunQueued, store.ToolRunRunning} {
		assert.False(t, s.Ended(), s)
	}
	for _, s := range []store.ToolRunState{store.ToolRunSucceeded, store.ToolRunFailed, store.ToolRunUnavailable, store.ToolRunCancelled} {
		assert.True(t, s.Valid(), s)
		assert.True(t, s.Ended(), s)
	}
	assert.False(t, store.ToolRunState("exploded").Valid())
}
