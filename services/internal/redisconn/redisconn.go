// Package redisconn opens the Redis client every service uses, from the
// same two settings: a redis:// or rediss:// URL and whether the server is a
// cluster (ElastiCache in cluster mode, as the platform deploys it). One
// place, so that no service talks to a cluster with a single-node client,
// which fails on the first key that lives on another shard.
package redisconn

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// dialTimeout bounds a connection attempt: every use of Redis in the
// platform fails open (cache, rate limits, events), so a slow dial only
// delays the request it serves.
const dialTimeout = time.Second

// Open returns a client for rawURL: a cluster client when cluster is true,
// otherwise a single-node one. Commands get one attempt, dials one retry,
// and both respect their context's deadline, so that an outage shows up as
// prompt errors rather than stalls. It does not connect yet.
func Open(rawURL string, cluster bool) (redis.UniversalClient, error) {
	if cluster {
		opts, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis URL: %w", err)
		}
		opts.MaxRetries, opts.DialerRetries = -1, 1
		opts.DialTimeout = dialTimeout
		opts.ContextTimeoutEnabled = true
		return redis.NewClusterClient(opts), nil
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	opts.MaxRetries, opts.DialerRetries = -1, 1
	opts.DialTimeout = dialTimeout
	opts.ContextTimeoutEnabled = true
	return redis.NewClient(opts), nil
}
