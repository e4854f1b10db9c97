package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/store"
)

func TestCreateAnalysis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)

	t.Run("a new analysis is queued with what the upload said", func(t *testing.T) {
		a := newAnalysis(t, s, tn, "hash-1")
		assert.Equal(t, store.StateQueued, a.State)
		assert.Zero(t, a.Progress)
		assert.Equal(t, []string{"src/Vault.sol"}, a.EntryFiles)
		assert.Equal(t, []string{"@oz/=lib/oz/"}, a.Remappings)
		assert.Equal(t, []string{}, a.Tools)
		assert.False(t, a.QueuedAt.IsZero())
		assert.Nil(t, a.ParsingAt)
		assert.Nil(t, a.FinishedAt)
	})

	t.Run("the same idempotency key returns the first analysis", func(t *testing.T) {
		in := store.NewAnalysis{ProjectID: tn.project.ID, SourceHash: "hash-2", IdempotencyKey: "upload-42"}
		first, created, err := s.CreateAnalysis(ctx, tn.org.ID, in)
		require.NoError(t, err)
		assert.True(t, created)
		again, created, err := s.CreateAnalysis(ctx, tn.org.ID, in)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, first.ID, again.ID)
	})

	t.Run("an idempotency key reused for other sources is a conflict", func(t *testing.T) {
		_, _, err := s.CreateAnalysis(ctx, tn.org.ID, store.NewAnalysis{ProjectID: tn.project.ID, SourceHash: "other", IdempotencyKey: "upload-42"})
		assert.ErrorIs(t, err, store.ErrConflict)
	})

	t.Run("idempotency keys are per organisation", func(t *testing.T) {
		other := newTenant(t, s)
		_, created, err := s.CreateAnalysis(ctx, other.org.ID, store.NewAnalysis{ProjectID: other.project.ID, SourceHash: "hash-2", IdempotencyKey: "upload-42"})
		require.NoError(t, err)
		assert.True(t, created)
	})

	t.Run("concurrent creates with one key make one analysis", func(t *testing.T) {
		in := store.NewAnalysis{ProjectID: tn.project.ID, SourceHash: "hash-3", IdempotencyKey: "race"}
		const n = 8
		ids := make([]string, n)
		createdCount := 0
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, created, err := s.CreateAnalysis(ctx, tn.org.ID, in)
				assert.NoError(t, err)
				mu.Lock()
				defer mu.Unlock()
				ids[i] = a.ID
				if created {
					createdCount++
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, 1, createdCount)
		for _, id := range ids {
			assert.Equal(t, ids[0], id)
		}
	})

	t.Run("analyses without a key never collide", func(t *testing.T) {
		a := newAnalysis(t, s, tn, "same")
		b := newAnalysis(t, s, tn, "same")
		assert.NotEqual(t, a.ID, b.ID)
	})

	t.Run("a project of another organisation cannot be used", func(t *testing.T) {
		other := newTenant(t, s)
		_, _, err := s.CreateAnalysis(ctx, tn.org.ID, store.NewAnalysis{ProjectID: other.project.ID, SourceHash: "x"})
		assert.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("an analysis needs a source hash", func(t *testing.T) {
		_, _, err := s.CreateAnalysis(ctx, tn.org.ID, store.NewAnalysis{ProjectID: tn.project.ID})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
	})
}

func TestTransitionAnalysis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)

	t.Run("the happy path stamps every state and completes at 100 percent", func(t *testing.T) {
		a := newAnalysis(t, s, tn, "h")
		half := 50
		a, err := s.TransitionAnalysis(ctx, tn.org.ID, a.ID, store.Transition{From: store.StateQueued, To: store.StateParsing, Progress: &half})
		require.NoError(t, err)
		assert.Equal(t, store.StateParsing, a.State)
		assert.Equal(t, 50, a.Progress)
		require.NotNil(t, a.ParsingAt)
		a = walkFrom(t, s, tn.org.ID, a.ID, store.StateParsing)
		assert.Equal(t, store.StateCompleted, a.State)
		assert.Equal(t, 100, a.Progress)
		assert.NotNil(t, a.AnalysingAt)
		assert.NotNil(t, a.ScoringAt)
		require.NotNil(t, a.FinishedAt)
		assert.False(t, a.FinishedAt.Before(*a.ParsingAt))
	})

	illegal := []struct{ from, to store.AnalysisState }{
		{store.StateQueued, store.StateAnalysing},
		{store.StateQueued, store.StateCompleted},
		{store.StateParsing, store.StateQueued},
		{store.StateScoring, store.StateAnalysing},
	}
	for _, c := range illegal {
		t.Run(fmt.Sprintf("%s to %s is an invalid transition and changes nothing", c.from, c.to), func(t *testing.T) {
			a := newAnalysis(t, s, tn, "h")
			if c.from != store.StateQueued {
				walk(t, s, tn.org.ID, a.ID, c.from)
			}
			_, err := s.TransitionAnalysis(ctx, tn.org.ID, a.ID, store.Transition{From: c.from, To: c.to})
			var ite *store.InvalidTransitionError
			require.True(t, errors.As(err, &ite), "got %v", err)
			assert.Equal(t, c.from, ite.From)
			assert.Equal(t, c.to, ite.To)
			got, err := s.GetAnalysis(ctx, tn.org.ID, a.ID)
			require.NoError(t, err)
			assert.Equal(t, c.from, got.State)
		})
	}

	t.Run("nothing leaves a terminal state", func(t *testing.T) {
		for _, end := range []store.AnalysisState{store.StateCompleted, store.StateFailed, store.StateCancelled} {
			a := newAnalysis(t, s, tn, "h")
			if end == store.StateCompleted {
				walk(t, s, tn.org.ID, a.ID, end)
			} else {
				_, err := s.TransitionAnalysis(ctx, tn.org.ID, a.ID, store.Transition{From: store.StateQueued, To: end})
				require.NoError(t, err)
			}
			_, err := s.TransitionAnalysis(ctx, tn.org.ID, a.ID, store.Transition{From: end, To: store.StateFailed})
			assert.ErrorIs(t, err, store.ErrInvalidTransition, end)
		}
	})

	t.Run("failing records the error and the finish time", func(t *testing.T) {
		a := newAnalysis(t, s, tn, "h")
		walk(t, s, tn.org.ID, a.ID, store.StateAnalysing)
		a, err := s.TransitionAnalysis(ctx, tn.org.ID, a.ID, store.Transition{From: store.StateAnalysing, To: store.StateFailed, Error: "every tool failed"})
		require.NoError(t, err)
		assert.Equal(t, "every tool failed", a.Error)
		assert.NotNil(t, a.FinishedAt)
	})

	t.Run("a stale expected state is a conflict naming the actual state", func(t *testing.T) {
		a := newAnalysis(t, s, tn, "h")
		walk(t, s, tn.org.ID, a.ID, store.StateParsing)
		_, err := s.TransitionAnalysis(ctx, tn.org.ID, a.ID, store.Transition{From: store.StateQueued, To: store.StateParsing})
		// queued → parsing is legal in itself, but the analysis is already
		// parsing: parsing → parsing is what the store sees, and refuses.
		assert.ErrorIs(t, err, store.ErrInvalidTransition)

		_, err = s.TransitionAnalysis(ctx, tn.org.ID, a.ID, store.Transition{From: store.StateQueued, To: store.StateCancelled})
		var sme *store.StateMismatchError
		require.True(t, errors.As(err, &sme), "got %v", err)
		assert.ErrorIs(t, err, store.ErrConflict)
		assert.Equal(t, store.StateQueued, sme.Expected)
		assert.Equal(t, store.StateParsing, sme.Actual)
	})

	t.Run("of two racing workers exactly one wins the transition", func(t *testing.T) {
		a := newAnalysis(t, s, tn, "h")
		const n = 6
		var wins int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.TransitionAnalysis(ctx, tn.org.ID, a.ID, store.Transition{From: store.StateQueued, To: store.StateParsing})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					wins++
				} else {
					assert.True(t, errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrInvalidTransition), "got %v", err)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, 1, wins)
	})

	t.Run("progress is stored while running and refused once finished", func(t *testing.T) {
		a := newAnalysis(t, s, tn, "h")
		walk(t, s, tn.org.ID, a.ID, store.StateAnalysing)
		require.NoError(t, s.SetAnalysisProgress(ctx, tn.org.ID, a.ID, 40))
		got, err := s.GetAnalysis(ctx, tn.org.ID, a.ID)
		require.NoError(t, err)
		assert.Equal(t, 40, got.Progress)
		assert.ErrorIs(t, s.SetAnalysisProgress(ctx, tn.org.ID, a.ID, 101), store.ErrInvalidInput)

		_, err = s.TransitionAnalysis(ctx, tn.org.ID, a.ID, store.Transition{From: store.StateAnalysing, To: store.StateCancelled})
		require.NoError(t, err)
		assert.ErrorIs(t, s.SetAnalysisProgress(ctx, tn.org.ID, a.ID, 60), store.ErrConflict)
		assert.ErrorIs(t, s.SetAnalysisProgress(ctx, tn.org.ID, "00000000-0000-0000-0000-000000000000", 60), store.ErrNotFound)
	})
}

// walkFrom continues the happy path from a running state to completed.
func walkFrom(t *testing.T, s store.Store, orgID, id string, from store.AnalysisState) store.Analysis {
	t.Helper()
	order := []store.AnalysisState{store.StateQueued, store.StateParsing, store.StateAnalysing, store.StateScoring, store.StateCompleted}
	var a store.Analysis
	for i := 0; i < len(order)-1; i++ {
		if order[i] != from {
			continue
		}
		var err error
		a, err = s.TransitionAnalysis(context.Background(), orgID, id, store.Transition{From: order[i], To: order[i+1]})
		require.NoError(t, err)
		from = order[i+1]
	}
	return a
}

func TestFindCompletedAnalysisBySourceHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)

	_, err := s.FindCompletedAnalysisBySourceHash(ctx, tn.org.ID, "abc")
	assert.ErrorIs(t, err, store.ErrNotFound, "no analysis yet")

	running := newAnalysis(t, s, tn, "abc")
	walk(t, s, tn.org.ID, running.ID, store.StateAnalysing)
	_, err = s.FindCompletedAnalysisBySourceHash(ctx, tn.org.ID, "abc")
	assert.ErrorIs(t, err, store.ErrNotFound, "a running analysis is no cache entry")

	done := newAnalysis(t, s, tn, "abc")
	walk(t, s, tn.org.ID, done.ID, store.StateCompleted)
	got, err := s.FindCompletedAnalysisBySourceHash(ctx, tn.org.ID, "abc")
	require.NoError(t, err)
	assert.Equal(t, done.ID, got.ID)

	other := newTenant(t, s)
	_, err = s.FindCompletedAnalysisBySourceHash(ctx, other.org.ID, "abc")
	assert.ErrorIs(t, err, store.ErrNotFound, "another organisation's result is not its cache")
}

func TestListAnalyses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)
	second, err := s.CreateProject(ctx, tn.org.ID, "second")
	require.NoError(t, err)

	var all []string
	for i := range 7 {
		a := newAnalysis(t, s, tn, fmt.Sprintf("h%d", i))
		all = append([]string{a.ID}, all...) // newest first
		if i%2 == 0 {
			walk(t, s, tn.org.ID, a.ID, store.StateCompleted)
		}
	}
	_, _, err = s.CreateAnalysis(ctx, tn.org.ID, store.NewAnalysis{ProjectID: second.ID, SourceHash: "p2"})
	require.NoError(t, err)

	t.Run("pages of three walk every analysis newest first, exactly once", func(t *testing.T) {
		var seen []string
		cursor := ""
		pages := 0
		for {
			page, err := s.ListAnalyses(ctx, tn.org.ID, store.AnalysisFilter{ProjectID: tn.project.ID, Limit: 3, Cursor: cursor})
			require.NoError(t, err)
			pages++
			for _, a := range page.Items {
				seen = append(seen, a.ID)
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		assert.Equal(t, all, seen)
		assert.Equal(t, 3, pages)
	})

	t.Run("filters by state", func(t *testing.T) {
		page, err := s.ListAnalyses(ctx, tn.org.ID, store.AnalysisFilter{States: []store.AnalysisState{store.StateCompleted}})
		require.NoError(t, err)
		assert.Len(t, page.Items, 4)
		for _, a := range page.Items {
			assert.Equal(t, store.StateCompleted, a.State)
		}
	})

	t.Run("without a project filter every project of the organisation is listed", func(t *testing.T) {
		page, err := s.ListAnalyses(ctx, tn.org.ID, store.AnalysisFilter{})
		require.NoError(t, err)
		assert.Len(t, page.Items, 8)
		assert.Empty(t, page.NextCursor)
	})

	t.Run("a malformed cursor is invalid input", func(t *testing.T) {
		_, err := s.ListAnalyses(ctx, tn.org.ID, store.AnalysisFilter{Cursor: "not a cursor!"})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
	})
}

func TestToolRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)
	a := newAnalysis(t, s, tn, "h")

	started := time.Now().UTC().Truncate(time.Millisecond)
	_, err := s.UpsertToolRun(ctx, tn.org.ID, store.ToolRun{AnalysisID: a.ID, Tool: "slither", State: store.ToolRunRunning, Attempt: 1, StartedAt: &started})
	require.NoError(t, err)
	_, err = s.UpsertToolRun(ctx, tn.org.ID, store.ToolRun{AnalysisID: a.ID, Tool: "mythril", State: store.ToolRunUnavailable, Error: "myth: not installed"})
	require.NoError(t, err)

	t.Run("a retry updates the same run", func(t *testing.T) {
		finished := started.Add(1500 * time.Millisecond)
		r, err := s.UpsertToolRun(ctx, tn.org.ID, store.ToolRun{
			AnalysisID: a.ID, Tool: "slither", State: store.ToolRunSucceeded, Attempt: 2,
			StartedAt: &started, FinishedAt: &finished, Duration: 1500 * time.Millisecond, Version: "0.10.4",
		})
		require.NoError(t, err)
		assert.Equal(t, 2, r.Attempt)

		got, err := s.GetAnalysis(ctx, tn.org.ID, a.ID)
		require.NoError(t, err)
		require.Len(t, got.ToolRuns, 2)
		assert.Equal(t, "mythril", got.ToolRuns[0].Tool)
		assert.Equal(t, store.ToolRunUnavailable, got.ToolRuns[0].State)
		assert.Equal(t, "myth: not installed", got.ToolRuns[0].Error)
		sl := got.ToolRuns[1]
		assert.Equal(t, store.ToolRunSucceeded, sl.State)
		assert.Equal(t, 1500*time.Millisecond, sl.Duration)
		assert.Equal(t, "0.10.4", sl.Version)
		require.NotNil(t, sl.FinishedAt)
		assert.True(t, finished.Equal(*sl.FinishedAt))
	})

	t.Run("an unknown state is refused", func(t *testing.T) {
		_, err := s.UpsertToolRun(ctx, tn.org.ID, store.ToolRun{AnalysisID: a.ID, Tool: "solhint", State: "exploded"})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
	})

	t.Run("another organisation cannot write or read the runs", func(t *testing.T) {
		other := newTenant(t, s)
		_, err := s.UpsertToolRun(ctx, other.org.ID, store.ToolRun{AnalysisID: a.ID, Tool: "slither", State: store.ToolRunFailed})
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.UpsertToolRun(ctx, other.org.ID, store.ToolRun{AnalysisID: a.ID, Tool: "solhint", State: store.ToolRunFailed})
		assert.ErrorIs(t, err, store.ErrNotFound)
		runs, err := s.ListToolRuns(ctx, other.org.ID, a.ID)
		require.NoError(t, err)
		assert.Empty(t, runs)
		got, err := s.GetAnalysis(ctx, tn.org.ID, a.ID)
		require.NoError(t, err)
		assert.Equal(t, store.ToolRunSucceeded, got.ToolRuns[1].State, "the owner's run is untouched")
	})
}

func TestParseSummary(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)
	a := newAnalysis(t, s, tn, "h")

	require.NoError(t, s.SaveParseSummary(ctx, tn.org.ID, store.ParseSummary{
		AnalysisID:  a.ID,
		SourceFiles: []byte(`[{"path":"src/Vault.sol","lines":120}]`),
		ImportGraph: []byte(`{"src/Vault.sol":["lib/oz/ERC20.sol"]}`),
	}))
	require.NoError(t, s.SaveParseSummary(ctx, tn.org.ID, store.ParseSummary{
		AnalysisID:       a.ID,
		SourceFiles:      []byte(`[{"path":"src/Vault.sol","lines":121}]`),
		InheritanceGraph: []byte(`{"Vault":["ERC20"]}`),
	}))

	got, err := s.GetParseSummary(ctx, tn.org.ID, a.ID)
	require.NoError(t, err)
	assert.JSONEq(t, `[{"path":"src/Vault.sol","lines":121}]`, string(got.SourceFiles), "saving again replaces")
	assert.JSONEq(t, `{"Vault":["ERC20"]}`, string(got.InheritanceGraph))
	assert.JSONEq(t, `{}`, string(got.ImportGraph))
	assert.JSONEq(t, `{}`, string(got.ASTSummary))

	other := newTenant(t, s)
	_, err = s.GetParseSummary(ctx, other.org.ID, a.ID)
	assert.ErrorIs(t, err, store.ErrNotFound)
	assert.ErrorIs(t, s.SaveParseSummary(ctx, other.org.ID, store.ParseSummary{AnalysisID: a.ID}), store.ErrNotFound)
}
