package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Advisory lock keys of jobs that must run on one replica at a time.
const (
	// LockRetention guards the retention sweep of the data service.
	LockRetention int64 = 0x736f6c7365630001
)

// WithTryLock runs fn while holding the session advisory lock key on one
// connection, if no other session holds it; ran reports whether fn ran.
// Replicas of a service that all run the same periodic job use it so that
// one does the work and the others skip the round.
func WithTryLock(ctx context.Context, pool *pgxpool.Pool, key int64, fn func(ctx context.Context) error) (ran bool, err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("advisory lock %d: %w", key, err)
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&got); err != nil {
		return false, fmt.Errorf("advisory lock %d: %w", key, err)
	}
	if !got {
		return false, nil
	}
	defer func() {
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key); uerr != nil {
			// Closing the session releases the lock with it.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	return true, fn(ctx)
}
