package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the advisory lock every replica takes before
// migrating; an arbitrary constant ("solsec" in ASCII) shared by all.
const migrationLockKey int64 = 0x736f6c736563

// Migration is one embedded schema version.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// Migrations returns the embedded migrations in version order. File names
// are NNNN_description.sql; versions must be unique.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %q: want NNNN_description.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(body)})
	}
	if len(ms) == 0 {
		return nil, errors.New("no embedded migrations")
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
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
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()

	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return res, fmt.Errorf("migrate: take advisory lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx is done,
		// or the connection goes back to the pool still holding it.
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey); uerr != nil {
			// Closing the session drops the lock with it.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return res, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return res, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return res, fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	for _, v := range versions {
		applied[int(v)] = true
	}
	latest := ms[len(ms)-1].Version
	for v := range applied {
		if v > latest {
			// The database is ahead of this binary: an older replica must
			// not run against a schema it does not know.
			return res, fmt.Errorf("migrate: database has version %d, this build knows up to %d", v, latest)
		}
	}

	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("migrate: apply %s: %w", m.Name, err)
		}
		res.Applied = append(res.Applied, m.Version)
	}

	// River's migrations run on this same connection, under the lock, one
	// version per transaction: one of River's versions adds an enum value
	// that a later one uses, which Postgres refuses within one transaction.
	// Staying on this connection (rather than River's Migrate, which takes
	// others from the pool) also means a process whose pool is busy waiting
	// on the lock cannot starve the holder.
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return res, fmt.Errorf("migrate: river migrator: %w", err)
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
			return res, fmt.Errorf("migrate: river: %w", err)
		}
		if len(step) == 0 {
			break
		}
		res.RiverApplied = append(res.RiverApplied, step...)
	}
	return res, nil
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
