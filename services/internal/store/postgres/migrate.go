package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/solsec/platform/services/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the advisory lock every replica takes before
// migrating; an arbitrary constant ("solsec" in ASCII) shared by all.
const migrationLockKey int64 = 0x736f6c736563

// Migration is one embedded schema version.
type Migration = pgmigrate.Migration

// Migrations returns the embedded migrations in version order. File names
// are NNNN_description.sql; versions must be unique.
func Migrations() ([]Migration, error) {
	return pgmigrate.Load(migrationFiles, "migrations")
}

// MigrateResult says what Migrate applied.
type MigrateResult struct {
	// Applied are the store's versions applied by this call, in order.
	Applied []int
	// RiverApplied are River's versions applied by this call.
	RiverApplied []int
}

// Migrate brings the schema up to date: the store's embedded migrations,
// each in its own transaction and recorded in schema_migrations, then
// River's (so its job tables exist). A session advisory lock on one
// connection serialises concurrent callers: a second replica waits, then
// finds nothing left to apply.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (MigrateResult, error) {
	ms, err := Migrations()
	if err != nil {
		return MigrateResult{}, err
	}
	return migrate(ctx, pool, ms)
}

// migrate applies ms, which must be sorted by version; tests pass lists of
// their own to exercise failures.
func migrate(ctx context.Context, pool *pgxpool.Pool, ms []Migration) (MigrateResult, error) {
	var res MigrateResult
	err := pgmigrate.Locked(ctx, pool, migrationLockKey, func(conn *pgxpool.Conn) error {
		applied, err := pgmigrate.Apply(ctx, conn, "schema_migrations", ms)
		res.Applied = applied
		if err != nil {
			return err
		}
		river, err := migrateRiver(ctx, pool, conn)
		res.RiverApplied = river
		return err
	})
	if err != nil {
		return res, fmt.Errorf("migrate: %w", err)
	}
	return res, nil
}

// migrateRiver applies River's migrations on conn, which holds the lock.
func migrateRiver(ctx context.Context, pool *pgxpool.Pool, conn *pgxpool.Conn) ([]int, error) {
	var done []int
	// River's migrations run on this same connection, under the lock, one
	// version per transaction: one of River's versions adds an enum value
	// that a later one uses, which Postgres refuses within one transaction.
	// Staying on this connection (rather than River's Migrate, which takes
	// others from the pool) also means a process whose pool is busy waiting
	// on the lock cannot starve the holder.
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	for {
		var step []int
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			rr, err := migrator.MigrateTx(ctx, tx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{MaxSteps: 1})
			if err != nil {
				return err
			}
			for _, v := range rr.Versions {
				step = append(step, v.Version)
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("river: %w", err)
		}
		if len(step) == 0 {
			return done, nil
		}
		done = append(done, step...)
	}
}

// SchemaVersion returns the highest applied store migration, 0 when none.
func SchemaVersion(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	var v *int32
	err := pool.QueryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		var missing bool
		if perr := pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NULL`).Scan(&missing); perr == nil && missing {
			return 0, nil
		}
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return int(*v), nil
}
