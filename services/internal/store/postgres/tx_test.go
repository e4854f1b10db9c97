package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
)

type parseArgs struct {
	OrgID      string `json:"orgId"`
	AnalysisID string `json:"analysisId"`
}

func (parseArgs) Kind() string { return "store_test_parse" }

func countJobs(t *testing.T, s *postgres.Store) int {
	t.Helper()
	var n int
	require.NoError(t, s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM river_job`).Scan(&n))
	return n
}

func TestInTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)
	// An insert-only River client, as the API has.
	rc, err := river.NewClient(riverpgxv5.New(s.Pool()), &river.Config{})
	require.NoError(t, err)

	enqueue := func(in store.NewAnalysis, failAfter bool) (store.Analysis, error) {
		var a store.Analysis
		err := s.InTx(ctx, func(tx *postgres.Tx) error {
			var created bool
			var err error
			a, created, err = tx.CreateAnalysis(ctx, tn.org.ID, in)
			if err != nil || !created {
				return err
			}
			if _, err := rc.InsertTx(ctx, tx.PgxTx(), parseArgs{OrgID: tn.org.ID, AnalysisID: a.ID}, nil); err != nil {
				return err
			}
			if failAfter {
				return errors.New("response could not be written")
			}
			return nil
		})
		return a, err
	}

	t.Run("the analysis and its job commit together", func(t *testing.T) {
		a, err := enqueue(store.NewAnalysis{ProjectID: tn.project.ID, SourceHash: "h", IdempotencyKey: "k1"}, false)
		require.NoError(t, err)
		_, err = s.GetAnalysis(ctx, tn.org.ID, a.ID)
		require.NoError(t, err)
		assert.Equal(t, 1, countJobs(t, s))
	})

	t.Run("a repeated idempotent upload enqueues no second job", func(t *testing.T) {
		_, err := enqueue(store.NewAnalysis{ProjectID: tn.project.ID, SourceHash: "h", IdempotencyKey: "k1"}, false)
		require.NoError(t, err)
		assert.Equal(t, 1, countJobs(t, s))
	})

	t.Run("an error rolls back both the analysis and its job", func(t *testing.T) {
		a, err := enqueue(store.NewAnalysis{ProjectID: tn.project.ID, SourceHash: "h2", IdempotencyKey: "k2"}, true)
		require.Error(t, err)
		_, err = s.GetAnalysis(ctx, tn.org.ID, a.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.Equal(t, 1, countJobs(t, s))
	})

	t.Run("a failing triage rolls back only its savepoint but a failing statement aborts the transaction", func(t *testing.T) {
		err := s.InTx(ctx, func(tx *postgres.Tx) error {
			// Triage needs a savepoint of its own; its failure must not
			// poison the caller's transaction.
			_, _, err := tx.TriageFinding(ctx, tn.org.ID, store.Triage{FindingID: "00000000-0000-0000-0000-000000000001", Decision: store.StatusConfirmed})
			require.ErrorIs(t, err, store.ErrNotFound)
			_, err = tx.CreateProject(ctx, tn.org.ID, "vault")
			require.ErrorIs(t, err, store.ErrConflict)
			_, err = tx.CreateProject(ctx, tn.org.ID, "after-conflict")
			return err
		})
		// A failed plain statement aborts a Postgres transaction; only
		// methods that open savepoints recover. CreateProject is a single
		// statement, so the caller sees the transaction aborted.
		require.Error(t, err)
		var pgErr interface{ SQLState() string }
		require.True(t, errors.As(err, &pgErr))
		assert.Equal(t, "25P02", pgErr.SQLState(), "in failed transaction")
	})

	t.Run("nested InTx is a savepoint that rolls back alone", func(t *testing.T) {
		err := s.InTx(ctx, func(tx *postgres.Tx) error {
			_, err := tx.CreateProject(ctx, tn.org.ID, "kept")
			require.NoError(t, err)
			inner := tx.InTx(ctx, func(tx *postgres.Tx) error {
				if _, err := tx.CreateProject(ctx, tn.org.ID, "dropped"); err != nil {
					return err
				}
				return errors.New("undo the inner part")
			})
			require.Error(t, inner)
			return nil
		})
		require.NoError(t, err)
		ps, err := s.ListProjects(ctx, tn.org.ID)
		require.NoError(t, err)
		var names []string
		for _, p := range ps {
			names = append(names, p.Name)
		}
		assert.Contains(t, names, "kept")
		assert.NotContains(t, names, "dropped")
	})

	t.Run("the transaction is the caller's pgx.Tx", func(t *testing.T) {
		err := s.InTx(ctx, func(tx *postgres.Tx) error {
			var ptx pgx.Tx = tx.PgxTx()
			_, err := ptx.Exec(ctx, `INSERT INTO projects (org_id, name) VALUES ($1, 'raw')`, tn.org.ID)
			return err
		})
		require.NoError(t, err)
		_, err = s.EnsureProject(ctx, tn.org.ID, "raw")
		require.NoError(t, err)
	})
}
