// Package cache is the result cache: it remembers, per organisation, which
// completed analysis holds the results for a set of sources identified by
// their hash (upload.Bundle.Hash), so that an upload of byte-identical
// sources can be answered with that analysis instead of running the pipeline
// again.
//
// Redis holds the entries; it is an accelerator, never the truth. A miss,
// an entry pointing at a purged analysis, or an unreachable Redis all fall
// back to the store (store.Store.FindCompletedAnalysisBySourceHash), which
// is why every error here is reported to the caller to log and never fails a
// request.
package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Results maps (organisation, source hash) to a completed analysis id.
type Results struct {
	client  redis.UniversalClient
	prefix  string
	ttl     time.Duration
	timeout time.Duration
}

// Options tune Results; zero values take the defaults.
type Options struct {
	// Prefix starts every key; default "solsec:results:".
	Prefix string
	// TTL is how long an entry lives; default 7 days. Entries only ever
	// point at completed analyses, which do not change, so the TTL exists to
	// bound memory, not to refresh data.
	TTL time.Duration
	// Timeout bounds one round trip; default 50ms.
	Timeout time.Duration
}

// New returns the cache on client (a *redis.Client, or a *redis.ClusterClient
// for ElastiCache in cluster mode: every operation touches one key).
func New(client redis.UniversalClient, opts Options) *Results {
	if opts.Prefix == "" {
		opts.Prefix = "solsec:results:"
	}
	if opts.TTL <= 0 {
		opts.TTL = 7 * 24 * time.Hour
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 50 * time.Millisecond
	}
	return &Results{client: client, prefix: opts.Prefix, ttl: opts.TTL, timeout: opts.Timeout}
}

// Key is the Redis key of one entry. The organisation is part of it because
// results are never shared across tenants: a hit tells the caller that
// someone uploaded these exact sources before, which is only harmless within
// one organisation.
func (c *Results) Key(orgID, sourceHash string) string {
	return c.prefix + orgID + ":" + sourceHash
}

// Get returns the analysis id cached for the sources; ok is false on a miss.
// An error means Redis did not answer; treat it as a miss.
func (c *Results) Get(ctx context.Context, orgID, sourceHash string) (id string, ok bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	id, err = c.client.Get(ctx, c.Key(orgID, sourceHash)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("cache: get: %w", err)
	}
	return id, true, nil
}

// Set records that analysisID, which must have completed, holds the results
// for the sources. The pipeline calls it when an analysis completes; the API
// calls it when the store answers a miss.
func (c *Results) Set(ctx context.Context, orgID, sourceHash, analysisID string) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.client.Set(ctx, c.Key(orgID, sourceHash), analysisID, c.ttl).Err(); err != nil {
		return fmt.Errorf("cache: set: %w", err)
	}
	return nil
}

// Forget removes an entry, e.g. one that points at an analysis retention has
// purged.
func (c *Results) Forget(ctx context.Context, orgID, sourceHash string) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.client.Del(ctx, c.Key(orgID, sourceHash)).Err(); err != nil {
		return fmt.Errorf("cache: forget: %w", err)
	}
	return nil
}
