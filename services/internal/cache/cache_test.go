package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/cache"
	"github.com/solsec/platform/services/internal/testenv"
)

func TestResultsRemembersAnalysesPerOrganisation(t *testing.T) {
	srv := testenv.Redis(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	c := cache.New(client, cache.Options{Timeout: time.Second})
	ctx := context.Background()

	_, ok, err := c.Get(ctx, "org-a", "hash")
	require.NoError(t, err)
	assert.False(t, ok, "an empty cache misses")

	require.NoError(t, c.Set(ctx, "org-a", "hash", "analysis-1"))
	id, ok, err := c.Get(ctx, "org-a", "hash")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "analysis-1", id)

	_, ok, err = c.Get(ctx, "org-b", "hash")
	require.NoError(t, err)
	assert.False(t, ok, "another organisation never sees the entry")

	ttl, err := client.TTL(ctx, c.Key("org-a", "hash")).Result()
	require.NoError(t, err)
	assert.Positive(t, ttl, "entries expire")

	require.NoError(t, c.Forget(ctx, "org-a", "hash"))
	_, ok, err = c.Get(ctx, "org-a", "hash")
	require.NoError(t, err)
	assert.False(t, ok, "a forgotten entry misses")
}

func TestResultsReportsAnUnreachableRedis(t *testing.T) {
	srv := testenv.Redis(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	c := cache.New(client, cache.Options{Timeout: time.Second})
	srv.Stop()

	_, ok, err := c.Get(context.Background(), "org", "hash")
	require.Error(t, err)
	assert.False(t, ok)
	require.Error(t, c.Set(context.Background(), "org", "hash", "id"))
}
