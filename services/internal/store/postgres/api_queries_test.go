package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
)

func TestFindAnalysisByIdempotencyKey(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a, b := newTenant(t, s), newTenant(t, s)
	created, ok, err := s.CreateAnalysis(ctx, a.org.ID, store.NewAnalysis{
		ProjectID: a.project.ID, SourceHash: "h1", IdempotencyKey: "ci-run-42",
	})
	require.NoError(t, err)
	require.True(t, ok)

	t.Run("the key finds the analysis it created", func(t *testing.T) {
		got, err := s.FindAnalysisByIdempotencyKey(ctx, a.org.ID, "ci-run-42")
		require.NoError(t, err)
		assert.Equal(t, created.ID, got.ID)
		assert.Equal(t, "ci-run-42", got.IdempotencyKey)
	})
	t.Run("another organisation's identical key finds nothing", func(t *testing.T) {
		_, err := s.FindAnalysisByIdempotencyKey(ctx, b.org.ID, "ci-run-42")
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
	t.Run("an unused key, an empty key and a malformed organisation find nothing", func(t *testing.T) {
		for _, tc := range []struct{ org, key string }{{a.org.ID, "other"}, {a.org.ID, ""}, {"not-a-uuid", "ci-run-42"}} {
			_, err := s.FindAnalysisByIdempotencyKey(ctx, tc.org, tc.key)
			assert.ErrorIs(t, err, store.ErrNotFound, "org %q key %q", tc.org, tc.key)
		}
	})
	t.Run("it works inside a transaction", func(t *testing.T) {
		err := s.InTx(ctx, func(tx *postgres.Tx) error {
			got, err := tx.FindAnalysisByIdempotencyKey(ctx, a.org.ID, "ci-run-42")
			if err == nil {
				assert.Equal(t, created.ID, got.ID)
			}
			return err
		})
		require.NoError(t, err)
	})
}

func TestFindProjectByName(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a, b := newTenant(t, s), newTenant(t, s)

	t.Run("the name finds the organisation's project", func(t *testing.T) {
		got, err := s.FindProjectByName(ctx, a.org.ID, "vault")
		require.NoError(t, err)
		assert.Equal(t, a.project.ID, got.ID)
	})
	t.Run("each organisation finds its own project of the same name", func(t *testing.T) {
		got, err := s.FindProjectByName(ctx, b.org.ID, "vault")
		require.NoError(t, err)
		assert.Equal(t, b.project.ID, got.ID)
	})
	t.Run("an unknown name or organisation finds nothing", func(t *testing.T) {
		_, err := s.FindProjectByName(ctx, a.org.ID, "other")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.FindProjectByName(ctx, "not-a-uuid", "vault")
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}
