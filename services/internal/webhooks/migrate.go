package webhooks

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/solsec/platform/services/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey serialises concurrent Migrate calls across replicas;
// distinct from the store's key so that the two never wait on each other.
// ("webhook" in ASCII.)
const migrationLockKey int64 = 0x776562686f6f6b

// Migrate applies this package's embedded migrations that the database has
// not seen, each in its own transaction, recorded in
// webhook_schema_migrations (not the store's schema_migrations: the two
// schemas are versioned apart). It returns the versions it applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool) ([]int, error) {
	ms, err := pgmigrate.Load(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	var done []int
	err = pgmigrate.Locked(ctx, pool, migrationLockKey, func(conn *pgxpool.Conn) error {
		done, err = pgmigrate.Apply(ctx, conn, "webhook_schema_migrations", ms)
		return err
	})
	if err != nil {
		return done, fmt.Errorf("webhooks: migrate: %w", err)
	}
	return done, nil
}
