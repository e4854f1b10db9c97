package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of Options. Retention is a day so that a laptop that slept
// through a lunch break, or a notification replica that was replaced during
// a rollout, resumes without a gap; MaxLen bounds the memory one busy
// organisation can take (about 10 events per analysis, so the last ~1,000
// analyses) whatever the time bound says.
const (
	DefaultMaxLen         = 10_000
	DefaultRetention      = 24 * time.Hour
	DefaultPublishTimeout = 500 * time.Millisecond
	DefaultKeyPrefix      = "solsec:events"
	DefaultChannel        = "solsec:events:live"
)

// Options tune the Redis transport; zero values take the defaults above.
type Options struct {
	// MaxLen is the approximate number of events kept per organisation
	// (XADD MAXLEN ~).
	MaxLen int64
	// Retention is how long events are kept for resume: entries older than
	// this are trimmed (XTRIM MINID ~) and an organisation's stream expires
	// this long after its last event.
	Retention time.Duration
	// PublishTimeout bounds Publish, whatever the client's own timeouts.
	PublishTimeout time.Duration
	// KeyPrefix prefixes each organisation's stream key.
	KeyPrefix string
	// Channel is the pub/sub channel of the live feed.
	Channel string
	// Now is the clock used for the time bound (tests move it).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.MaxLen <= 0 {
		o.MaxLen = DefaultMaxLen
	}
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = DefaultPublishTimeout
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = DefaultKeyPrefix
	}
	if o.Channel == "" {
		o.Channel = DefaultChannel
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Redis is the Publisher and Subscriber over Redis: one stream per
// organisation for history, one pub/sub channel for the live feed.
//
// Cluster mode (ElastiCache with cluster mode enabled):
//
//   - Each organisation's stream key carries the organisation in a hash tag,
//     "solsec:events:{<org>}", so the whole stream lives in one slot and the
//     publish script below, which touches only that key, runs on one shard.
//   - The live feed is one classic pub/sub channel, not sharded pub/sub.
//     SPUBLISH would keep each message on the shard that owns its channel,
//     but a notification replica serves clients of every organisation: it
//     would need a subscription per shard, and go-redis binds a sharded
//     subscription to the node of one slot, so the replicas would have to
//     track slot migrations themselves. A classic PUBLISH reaches
//     subscribers on any node through the cluster bus; at our volume (a
//     handful of small events per analysis) that broadcast costs nothing
//     that matters, and each replica needs exactly one subscription.
//   - XADD and PUBLISH run in one Lua script. Redis runs scripts one at a
//     time per shard, so the live feed carries an organisation's events in
//     stream order: a subscriber never sees event n+1 before event n, and
//     an event is in the stream before anyone hears of it, which is what
//     makes "replay history, then go live, drop what you have seen" exact.
type Redis struct {
	client redis.UniversalClient
	opts   Options
}

// NewRedis returns the transport over client (a *redis.Client, or a
// *redis.ClusterClient in cluster mode).
func NewRedis(client redis.UniversalClient, opts Options) *Redis {
	return &Redis{client: client, opts: opts.withDefaults()}
}

// Publisher appends events to the history and the live feed.
type Publisher interface {
	// Publish records e and returns the ID it was given. It returns within
	// the transport's publish timeout even when Redis is unreachable; the
	// pipeline logs the error and carries on.
	Publish(ctx context.Context, e Event) (ID, error)
}

// Subscriber reads the live feed and the history behind it.
type Subscriber interface {
	// Live subscribes to the live events of orgID, or of every
	// organisation when orgID is empty. The feed reconnects by itself and
	// says so with a Resync notice.
	Live(ctx context.Context, orgID string) Feed
	// History returns up to limit events of orgID after the given ID, in
	// order.
	History(ctx context.Context, orgID string, after ID, limit int) (Backlog, error)
	// LastID is the ID of the newest event of orgID, or ZeroID when none is
	// retained.
	LastID(ctx context.Context, orgID string) (ID, error)
}

// Feed is a live subscription.
type Feed interface {
	// Notices delivers events and resyncs; it is closed by Close.
	Notices() <-chan Notice
	Close() error
}

// Notice is one item of a live feed.
type Notice struct {
	// Resync reports that the subscription was established or
	// re-established: events published while it was down were not
	// delivered, so subscribers read History after the last ID they have
	// seen.
	Resync bool
	// Event is the event when Resync and Err are not set.
	Event Event
	// Err reports a message on the channel that is not an event.
	Err error
}

// Backlog is a page of history.
type Backlog struct {
	Events []Event
	// Lost reports that events after the requested ID are no longer
	// retained (trimmed or expired): the subscriber has missed something and
	// should re-read the analysis's state through the API.
	Lost bool
}

var (
	_ Publisher  = (*Redis)(nil)
	_ Subscriber = (*Redis)(nil)
)

// publishScript appends the event, trims by count and by age, refreshes the
// key's expiry and publishes "<id> <json>". See Redis for why it is a script.
var publishScript = redis.NewScript(`
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[5])
redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], id .. ' ' .. ARGV[5])
return id
`)

// StreamKey is the Redis key of orgID's stream.
func (r *Redis) StreamKey(orgID string) string {
	return r.opts.KeyPrefix + ":{" + orgID + "}"
}

// Publish implements Publisher.
func (r *Redis) Publish(ctx context.Context, e Event) (ID, error) {
	if e.Time.IsZero() {
		e.Time = r.opts.Now().UTC()
	}
	e.ID = ""
	if err := e.Validate(); err != nil {
		return ID{}, err
	}
	body, err := json.Marshal(e)
	if err != nil {
		return ID{}, fmt.Errorf("encode event: %w", err)
	}
	minID := r.opts.Now().Add(-r.opts.Retention).UnixMilli()
	if minID < 0 {
		minID = 0
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.PublishTimeout)
	defer cancel()

	// The call runs in its own goroutine so that the timeout holds even when
	// the client was built without ContextTimeoutEnabled and would wait out
	// its own read timeout on a stalled connection.
	type result struct {
		id  string
		err error
	}
	done := make(chan result, 1)
	go func() {
		id, err := publishScript.Run(ctx, r.client, []string{r.StreamKey(e.OrgID)},
			r.opts.MaxLen, minID, r.opts.Retention.Milliseconds(), r.opts.Channel, body).Text()
		done <- result{id, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			return ID{}, fmt.Errorf("publish %s of analysis %s: %w", e.Type, e.AnalysisID, res.err)
		}
		return ParseID(res.id)
	case <-ctx.Done():
		return ID{}, fmt.Errorf("publish %s of analysis %s: %w", e.Type, e.AnalysisID, ctx.Err())
	}
}

// History implements Subscriber with XRANGE over the exclusive range
// (after, +], and XINFO STREAM in the same round trip to tell whether
// anything after `after` was trimmed.
func (r *Redis) History(ctx context.Context, orgID string, after ID, limit int) (Backlog, error) {
	if limit <= 0 {
		limit = 1000
	}
	key := r.StreamKey(orgID)
	pipe := r.client.Pipeline()
	info := pipe.XInfoStream(ctx, key)
	rng := pipe.XRangeN(ctx, key, "("+after.String(), "+", int64(limit))
	_, _ = pipe.Exec(ctx)

	var b Backlog
	switch err := info.Err(); {
	case err == nil:
		b.Lost = trimmedAfter(info.Val(), after)
	case isNoSuchKey(err):
		// The stream expired (or never existed). Anything after an ID older
		// than the retention went with it.
		if after != ZeroID && after.Time().Before(r.opts.Now().Add(-r.opts.Retention)) {
			b.Lost = true
		}
	default:
		return Backlog{}, fmt.Errorf("history of organisation %s: %w", orgID, err)
	}
	msgs, err := rng.Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return Backlog{}, fmt.Errorf("history of organisation %s: %w", orgID, err)
	}
	b.Events = make([]Event, 0, len(msgs))
	for _, m := range msgs {
		e, err := decodeEntry(m)
		if err != nil {
			return Backlog{}, fmt.Errorf("history of organisation %s: %w", orgID, err)
		}
		b.Events = append(b.Events, e)
	}
	return b, nil
}

// trimmedAfter reports whether the stream has dropped entries that may come
// after `after`. XDEL records the largest deleted ID; trimming (MAXLEN,
// MINID) does not, but it only ever removes the oldest entries, so when
// entries were removed and `after` comes before the first entry left, some
// of the removed ones may have followed it. That errs towards reporting a
// loss at the trim boundary, which only costs the client a re-read of the
// analysis through the API.
func trimmedAfter(info *redis.XInfoStream, after ID) bool {
	if maxDel, err := ParseID(info.MaxDeletedEntryID); err == nil && maxDel.Compare(after) > 0 {
		return true
	}
	if info.EntriesAdded <= info.Length {
		return false
	}
	first, err := ParseID(info.FirstEntry.ID)
	if err != nil {
		// Everything was removed: lost if anything was added after `after`.
		last, err := ParseID(info.LastGeneratedID)
		return err != nil || after.Compare(last) < 0
	}
	return after.Compare(first) < 0
}

// LastID implements Subscriber.
func (r *Redis) LastID(ctx context.Context, orgID string) (ID, error) {
	msgs, err := r.client.XRevRangeN(ctx, r.StreamKey(orgID), "+", "-", 1).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return ID{}, fmt.Errorf("last event of organisation %s: %w", orgID, err)
	}
	if len(msgs) == 0 {
		return ZeroID, nil
	}
	return ParseID(msgs[0].ID)
}

// Live implements Subscriber. The subscription is made in the background:
// Live returns at once even when Redis is down, and the first Resync notice
// says when the subscription is active.
func (r *Redis) Live(ctx context.Context, orgID string) Feed {
	ps := r.client.Subscribe(ctx, r.opts.Channel)
	f := &redisFeed{ps: ps, out: make(chan Notice, 1024), org: orgID}
	// go-redis pings an idle subscription and reconnects (and
	// resubscribes) when the ping fails; each resubscription arrives as a
	// *redis.Subscription, which becomes a Resync notice.
	in := ps.ChannelWithSubscriptions(
		redis.WithChannelSize(4096),
		redis.WithChannelHealthCheckInterval(5*time.Second),
	)
	go f.run(in)
	return f
}

type redisFeed struct {
	ps  *redis.PubSub
	out chan Notice
	org string
}

func (f *redisFeed) Notices() <-chan Notice { return f.out }

func (f *redisFeed) Close() error { return f.ps.Close() }

func (f *redisFeed) run(in <-chan any) {
	defer close(f.out)
	for msg := range in {
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				f.out <- Notice{Resync: true}
			}
		case *redis.Message:
			e, err := decodeMessage(m.Payload)
			if err != nil {
				f.out <- Notice{Err: err}
				continue
			}
			if f.org == "" || e.OrgID == f.org {
				f.out <- Notice{Event: e}
			}
		}
	}
}

// decodeMessage parses a live message, "<id> <event json>".
func decodeMessage(payload string) (Event, error) {
	idText, body, ok := strings.Cut(payload, " ")
	if !ok {
		return Event{}, fmt.Errorf("live message %.40q: want \"<id> <event>\"", payload)
	}
	return decode(idText, body)
}

// decodeEntry parses a stream entry, whose field "e" holds the event.
func decodeEntry(m redis.XMessage) (Event, error) {
	body, ok := m.Values["e"].(string)
	if !ok {
		return Event{}, fmt.Errorf("stream entry %s has no event", m.ID)
	}
	return decode(m.ID, body)
}

func decode(idText, body string) (Event, error) {
	id, err := ParseID(idText)
	if err != nil {
		return Event{}, err
	}
	var e Event
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return Event{}, fmt.Errorf("event %s: %w", idText, err)
	}
	e.ID = id.String()
	return e, nil
}

func isNoSuchKey(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "no such key")
}
