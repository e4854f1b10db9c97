package pgmigrate

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/testenv"
)

func TestLoad(t *testing.T) {
	t.Run("it returns the migrations in version order", func(t *testing.T) {
		ms, err := Load(fstest.MapFS{
			"m/0002_more.sql":  {Data: []byte("SELECT 2")},
			"m/0001_first.sql": {Data: []byte("SELECT 1")},
		}, "m")
		require.NoError(t, err)
		require.Len(t, ms, 2)
		assert.Equal(t, []int{1, 2}, []int{ms[0].Version, ms[1].Version})
		assert.Equal(t, "SELECT 1", ms[0].SQL)
	})
	for name, files := range map[string]fstest.MapFS{
		"a badly named file":  {"m/first.sql": {Data: []byte("SELECT 1")}},
		"a duplicate version": {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
		"no migrations":       {"m": {Mode: fs.ModeDir | 0o755}},
	} {
		t.Run("it refuses "+name, func(t *testing.T) {
			_, err := Load(files, "m")
			assert.Error(t, err)
		})
	}
}

func TestApply(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.Postgres(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	apply := func(ms []Migration) ([]int, error) {
		var done []int
		err := Locked(ctx, pool, 42, func(conn *pgxpool.Conn) error {
			var err error
			done, err = Apply(ctx, conn, "test_migrations", ms)
			return err
		})
		return done, err
	}
	first := []Migration{{1, "0001_t.sql", "CREATE TABLE t (v int)"}}

	t.Run("it applies each migration once", func(t *testing.T) {
		done, err := apply(first)
		require.NoError(t, err)
		assert.Equal(t, []int{1}, done)
		done, err = apply(first)
		require.NoError(t, err)
		assert.Empty(t, done, "nothing left to apply")
	})

	t.Run("a failing migration leaves nothing behind and is retried", func(t *testing.T) {
		broken := append(first, Migration{2, "0002_u.sql", "CREATE TABLE u (v int); SELECT no_such_column FROM t"})
		_, err := apply(broken)
		require.ErrorContains(t, err, "0002_u.sql")
		var exists bool
		require.NoError(t, pool.QueryRow(ctx, `SELECT to_regclass('u') IS NOT NULL`).Scan(&exists))
		assert.False(t, exists, "the table the failing migration created is rolled back")

		fixed := append(first, Migration{2, "0002_u.sql", "CREATE TABLE u (v int)"})
		done, err := apply(fixed)
		require.NoError(t, err)
		assert.Equal(t, []int{2}, done)
	})

	t.Run("a database ahead of the build is refused", func(t *testing.T) {
		_, err := apply(first)
		assert.ErrorContains(t, err, "database has version 2")
	})

	t.Run("the record table's name must be an identifier", func(t *testing.T) {
		err := Locked(ctx, pool, 42, func(conn *pgxpool.Conn) error {
			_, err := Apply(ctx, conn, "x; DROP TABLE t", first)
			return err
		})
		assert.ErrorContains(t, err, "identifier")
	})
}
