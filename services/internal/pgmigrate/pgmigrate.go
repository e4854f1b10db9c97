// Package pgmigrate applies versioned SQL migrations embedded in a service's
// binary to PostgreSQL. The store's schema and the notification service's
// webhook tables each keep their own set and their own record table, and
// both run through here, so that they share one careful implementation:
//
//   - files are named NNNN_description.sql; versions are unique and applied
//     in order, each in its own transaction together with its record row,
//     so a failing migration leaves nothing half-applied and is retried;
//   - a session advisory lock serialises replicas: a second one waits, then
//     finds nothing left to do;
//   - a database that already has a version this build does not know is
//     refused, so an older replica never runs against a newer schema.
package pgmigrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Migration is one schema version.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var fileName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// Load reads the migrations in dir of fsys (an embed.FS, usually), in
// version order.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %q: want NNNN_description.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share version %d", prev, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(body)})
	}
	if len(ms) == 0 {
		return nil, errors.New("no migrations")
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// identifier is what a record table's name may be: it is spliced into SQL.
var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Locked runs fn on one connection while holding the session advisory lock
// key. The lock is released even when ctx is done; if releasing fails the
// connection is closed, which drops the lock with it.
func Locked(ctx context.Context, pool *pgxpool.Pool, key int64, fn func(conn *pgxpool.Conn) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return fmt.Errorf("take advisory lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key); err != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	return fn(conn)
}

// Apply applies the migrations of ms (sorted by version) that table does not
// record, on conn, which should hold the set's lock (see Locked). It returns
// the versions it applied.
func Apply(ctx context.Context, conn *pgxpool.Conn, table string, ms []Migration) ([]int, error) {
	if !identifier.MatchString(table) {
		return nil, fmt.Errorf("record table %q: want a lower-case SQL identifier", table)
	}
	if len(ms) == 0 {
		return nil, errors.New("no migrations")
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("create %s: %w", table, err)
	}
	rows, err := conn.Query(ctx, `SELECT version FROM `+table)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	applied := map[int]bool{}
	latest := ms[len(ms)-1].Version
	for _, v := range versions {
		if int(v) > latest {
			return nil, fmt.Errorf("database has version %d in %s, this build knows up to %d", v, table, latest)
		}
		applied[int(v)] = true
	}
	var done []int
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO `+table+` (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("apply %s: %w", m.Name, err)
		}
		done = append(done, m.Version)
	}
	return done, nil
}
