package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/testenv"
)

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a fresh database gets every migration and River's tables", func(t *testing.T) {
		pool := newPool(t)
		res, err := postgres.Migrate(ctx, pool)
		require.NoError(t, err)
		ms, err := postgres.Migrations()
		require.NoError(t, err)
		require.Len(t, res.Applied, len(ms))
		assert.NotEmpty(t, res.RiverApplied)

		v, err := postgres.SchemaVersion(ctx, pool)
		require.NoError(t, err)
		assert.Equal(t, ms[len(ms)-1].Version, v)

		for _, table := range []string{"organizations", "analyses", "findings", "audit_log", "river_job"} {
			var exists bool
			require.NoError(t, pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&exists))
			assert.True(t, exists, table)
		}
	})

	t.Run("running it again applies nothing", func(t *testing.T) {
		pool := newPool(t)
		_, err := postgres.Migrate(ctx, pool)
		require.NoError(t, err)
		res, err := postgres.Migrate(ctx, pool)
		require.NoError(t, err)
		assert.Empty(t, res.Applied)
		assert.Empty(t, res.RiverApplied)
	})

	t.Run("concurrent replicas apply each migration exactly once", func(t *testing.T) {
		url := testenv.Postgres(t)
		const replicas = 4
		results := make([]postgres.MigrateResult, replicas)
		errs := make([]error, replicas)
		var wg sync.WaitGroup
		for i := range replicas {
			wg.Add(1)
			// Each replica has its own pool, as separate processes would.
			pool, err := pgxpool.New(ctx, url)
			require.NoError(t, err)
			t.Cleanup(pool.Close)
			go func() {
				defer wg.Done()
				results[i], errs[i] = postgres.Migrate(ctx, pool)
			}()
		}
		wg.Wait()
		applied := 0
		for i := range replicas {
			require.NoError(t, errs[i])
			applied += len(results[i].Applied)
		}
		ms, err := postgres.Migrations()
		require.NoError(t, err)
		assert.Equal(t, len(ms), applied, "every migration applied once across all replicas")
		pool := newPoolAt(t, url)
		var rows int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows))
		assert.Equal(t, len(ms), rows)
	})

	t.Run("a database newer than the build is refused", func(t *testing.T) {
		pool := newPool(t)
		_, err := postgres.Migrate(ctx, pool)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')`)
		require.NoError(t, err)
		_, err = postgres.Migrate(ctx, pool)
		require.ErrorContains(t, err, "database has version 9999")
	})

	t.Run("an empty database reports version zero", func(t *testing.T) {
		v, err := postgres.SchemaVersion(ctx, newPool(t))
		require.NoError(t, err)
		assert.Zero(t, v)
	})
}
