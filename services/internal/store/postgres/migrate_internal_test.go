package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/testenv"
)

func TestAFailingMigrationLeavesNoTraceAndIsRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.Postgres(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)

	good := Migration{Version: 1, Name: "0001_a.sql", SQL: `CREATE TABLE a (id int)`}
	broken := Migration{Version: 2, Name: "0002_b.sql", SQL: `CREATE TABLE b (id int); INSERT INTO b VALUES ('not a number')`}

	res, err := migrate(ctx, pool, []Migration{good, broken})
	require.ErrorContains(t, err, "apply 0002_b.sql")
	assert.Equal(t, []int{1}, res.Applied, "the first migration stays applied")

	var tableB bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT to_regclass('b') IS NOT NULL`).Scan(&tableB))
	assert.False(t, tableB, "the failed migration's first statement was rolled back with it")
	v, err := SchemaVersion(ctx, pool)
	require.NoError(t, err)
	assert.Equal(t, 1, v)

	fixed := Migration{Version: 2, Name: "0002_b.sql", SQL: `CREATE TABLE b (id int); INSERT INTO b VALUES (1)`}
	res, err = migrate(ctx, pool, []Migration{good, fixed})
	require.NoError(t, err)
	assert.Equal(t, []int{2}, res.Applied, "the next run applies only what is missing")
}
