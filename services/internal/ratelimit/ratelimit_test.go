package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/ratelimit"
	"github.com/solsec/platform/services/internal/testenv"
)

func newLimiter(t *testing.T) (*ratelimit.Limiter, *testenv.RedisServer) {
	t.Helper()
	srv := testenv.Redis(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	return ratelimit.New(client, ratelimit.Options{Timeout: time.Second}), srv
}

func TestAllowCountsUpToTheLimitThenRefuses(t *testing.T) {
	l, _ := newLimiter(t)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		d, err := l.Allow(ctx, "upload:apikey:a", 3, time.Hour)
		require.NoError(t, err)
		assert.True(t, d.Allowed, "request %d of 3 is allowed", i)
		assert.Equal(t, 3-i, d.Remaining)
		assert.Equal(t, 3, d.Limit)
	}
	d, err := l.Allow(ctx, "upload:apikey:a", 3, time.Hour)
	require.NoError(t, err)
	assert.False(t, d.Allowed, "the fourth request is refused")
	assert.Zero(t, d.Remaining)
	assert.Positive(t, d.Reset)
	assert.LessOrEqual(t, d.Reset, time.Hour)
	assert.GreaterOrEqual(t, d.RetryAfter(), 1)

	other, err := l.Allow(ctx, "upload:apikey:b", 3, time.Hour)
	require.NoError(t, err)
	assert.True(t, other.Allowed, "another caller has a budget of its own")
}

func TestAZeroLimitAllowsEverything(t *testing.T) {
	l, _ := newLimiter(t)
	for range 5 {
		d, err := l.Allow(context.Background(), "x", 0, time.Minute)
		require.NoError(t, err)
		assert.True(t, d.Allowed)
	}
}

func TestAnUnreachableRedisAllowsTheRequestAndSaysWhy(t *testing.T) {
	l, srv := newLimiter(t)
	srv.Stop()
	d, err := l.Allow(context.Background(), "upload:user:u", 1, time.Minute)
	require.ErrorIs(t, err, ratelimit.ErrUnavailable)
	assert.True(t, d.Allowed, "the limiter fails open")

	srv.Start()
	d, err = l.Allow(context.Background(), "upload:user:u", 1, time.Minute)
	require.NoError(t, err, "the limiter recovers when Redis is back")
	assert.True(t, d.Allowed)
}

func TestRetryAfterRoundsUpToWholeSeconds(t *testing.T) {
	tests := []struct {
		reset time.Duration
		want  int
	}{
		{0, 1}, {300 * time.Millisecond, 1}, {time.Second, 1}, {1500 * time.Millisecond, 2}, {59 * time.Second, 59},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ratelimit.Decision{Reset: tt.reset}.RetryAfter(), "reset %s", tt.reset)
	}
}
