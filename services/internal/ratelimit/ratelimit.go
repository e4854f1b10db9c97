// Package ratelimit counts requests per caller in fixed windows kept in
// Redis, so every api-service replica shares one budget per API key or user.
//
// A fixed window (INCR a key named after the window, expiring with it) costs
// one round trip and one small key per caller and window. Its known weakness,
// a burst of up to twice the limit across a window boundary, is acceptable
// for its purpose here: keeping one CI job or one script from monopolising
// the upload pipeline, not metering a paid quota to the request.
//
// The limiter fails open: when Redis cannot answer within its timeout the
// request is allowed and the failure is reported to the caller (and logged by
// the API at most once per interval). Rate limiting protects capacity; the
// store and the queue, which are what accepting an upload needs, are still
// there when Redis is not, and refusing every upload because a cache node
// restarted would turn a degraded component into an outage.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Decision is the outcome of one Allow.
type Decision struct {
	// Allowed is false when the caller has used up the window's budget.
	Allowed bool
	// Limit is the budget per window; Remaining what is left of it after this
	// request (0 when refused).
	Limit, Remaining int
	// Reset is how long until the window ends and the budget is restored.
	Reset time.Duration
}

// RetryAfter is the whole number of seconds a refused client should wait,
// at least 1, for the Retry-After header.
func (d Decision) RetryAfter() int {
	s := int((d.Reset + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// Limiter counts requests in Redis.
type Limiter struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// Options tune a Limiter; zero values take the defaults.
type Options struct {
	// Prefix starts every counter key; default "solsec:rl:".
	Prefix string
	// Timeout bounds one Allow's round trip to Redis; default 50ms. Past it
	// the request is allowed (fail open), so a slow Redis costs each
	// request at most this much.
	Timeout time.Duration
}

// New returns a limiter on client (a *redis.Client, or a *redis.ClusterClient
// for ElastiCache in cluster mode: each counter is a single key, so every
// command of one Allow goes to one slot).
func New(client redis.UniversalClient, opts Options) *Limiter {
	if opts.Prefix == "" {
		opts.Prefix = "solsec:rl:"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 50 * time.Millisecond
	}
	return &Limiter{client: client, prefix: opts.Prefix, timeout: opts.Timeout}
}

// incr increments the window's counter and makes sure it expires, in one
// round trip. Checking PTTL rather than n == 1 also repairs a key that lost
// its expiry, which would otherwise stay in Redis for good.
var incr = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// ErrUnavailable wraps every Redis failure Allow reports; the decision that
// comes with it allows the request.
var ErrUnavailable = errors.New("ratelimit: redis unavailable")

// Allow counts one request of subject (e.g. "upload:apikey:<id>") against
// limit per window. When Redis fails it returns an allowing decision and an
// error wrapping ErrUnavailable, which the caller logs.
func (l *Limiter) Allow(ctx context.Context, subject string, limit int, window time.Duration) (Decision, error) {
	if limit <= 0 {
		return Decision{Allowed: true}, nil
	}
	// The window's number is part of the key, so every replica counts into
	// the same key for the same window whatever its clock says about
	// expiry, and a new window starts from zero.
	now := time.Now()
	w := window.Milliseconds()
	n0 := now.UnixMilli() / w
	key := l.prefix + subject + ":" + strconv.FormatInt(n0, 10)
	reset := time.UnixMilli((n0 + 1) * w).Sub(now)
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	n, err := incr.Run(ctx, l.client, []string{key}, w).Int()
	if err != nil {
		return Decision{Allowed: true, Limit: limit, Remaining: limit, Reset: reset}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	d := Decision{Allowed: n <= limit, Limit: limit, Remaining: max(limit-n, 0), Reset: reset}
	return d, nil
}
