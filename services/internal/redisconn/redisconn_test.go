package redisconn

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/testenv"
)

func TestOpen(t *testing.T) {
	t.Run("a cluster setting gives a cluster client", func(t *testing.T) {
		c, err := Open("redis://node.example:6379", true)
		require.NoError(t, err)
		defer c.Close()
		_, ok := c.(*redis.ClusterClient)
		assert.True(t, ok, "%T", c)
	})

	t.Run("a bad URL is refused", func(t *testing.T) {
		_, err := Open("http://node.example", false)
		assert.ErrorContains(t, err, "redis URL")
	})

	t.Run("a single node answers, then fails promptly once stopped", func(t *testing.T) {
		srv := testenv.Redis(t)
		c, err := Open(srv.URL(), false)
		require.NoError(t, err)
		defer c.Close()
		ctx := context.Background()
		require.NoError(t, c.Set(ctx, "k", "v", time.Minute).Err())
		assert.Equal(t, "v", c.Get(ctx, "k").Val())

		srv.Stop()
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		assert.Error(t, c.Get(ctx, "k").Err(), "a stopped server is an error, not a hang")
	})
}
