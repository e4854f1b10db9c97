package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/solsec/platform/services/internal/events"
)

// Options tune delivery; zero values take the defaults, which spread eight
// attempts over about an hour (30s, 1m, 2m, 4m, 8m, 16m, 32m between them,
// each jittered): long enough to ride out a receiver's deploy or a short
// outage, short enough that "failed" still means something to act on.
type Options struct {
	MaxAttempts    int           // default 8
	BaseDelay      time.Duration // delay after the first failure; default 30s
	MaxDelay       time.Duration // cap of one delay; default 1h
	AttemptTimeout time.Duration // one POST, connection to last byte; default 10s
	// Lease is how long a claimed delivery is hidden from other replicas
	// while this one attempts it; longer than AttemptTimeout. Default 2m.
	Lease        time.Duration
	Batch        int           // deliveries claimed per poll; default 16
	PollInterval time.Duration // default 1s
	// Now and Rand are the clock and the jitter source (tests fix them).
	Now  func() time.Time
	Rand func() float64
}

func (o Options) withDefaults() Options {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 30 * time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = time.Hour
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 10 * time.Second
	}
	if o.Lease <= o.AttemptTimeout {
		o.Lease = 2*time.Minute + o.AttemptTimeout
	}
	if o.Batch <= 0 {
		o.Batch = 16
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	return o
}

// Backoff is the delay after failed attempt n (1-based): exponential from
// base, capped at max, with "equal jitter" (half fixed, half random) so that
// deliveries that failed together do not retry together, yet never retry
// sooner than half the schedule.
func Backoff(n int, base, max time.Duration, rnd func() float64) time.Duration {
	d := max
	if n-1 < 32 {
		if e := base << (n - 1); e > 0 && e < max {
			d = e
		}
	}
	return d/2 + time.Duration(rnd()*float64(d/2))
}

// Metrics count delivery attempts by outcome; Register exposes them.
type Metrics struct {
	Succeeded atomic.Int64 // 2xx
	Retried   atomic.Int64 // failed, another attempt scheduled
	Failed    atomic.Int64 // failed for the last time: delivery marked failed
	Enqueued  atomic.Int64 // deliveries created
}

// Register exposes the counters to Prometheus as
// solsec_webhook_attempts_total{outcome} and
// solsec_webhook_deliveries_enqueued_total.
func (m *Metrics) Register(reg prometheus.Registerer) error {
	attempts := func(outcome string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "solsec_webhook_attempts_total", Help: "Webhook delivery attempts, by outcome.",
			ConstLabels: prometheus.Labels{"outcome": outcome},
		}, func() float64 { return float64(v.Load()) })
	}
	for _, c := range []prometheus.Collector{
		attempts("succeeded", &m.Succeeded),
		attempts("retried", &m.Retried),
		attempts("failed", &m.Failed),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "solsec_webhook_deliveries_enqueued_total", Help: "Webhook deliveries created.",
		}, func() float64 { return float64(m.Enqueued.Load()) }),
	} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("webhooks: register metrics: %w", err)
		}
	}
	return nil
}

// Dispatcher attempts due deliveries.
type Dispatcher struct {
	store  *Store
	client *http.Client
	opts   Options
	log    *slog.Logger
	m      *Metrics
}

// NewDispatcher returns a dispatcher whose HTTP client refuses addresses
// guard forbids (checked at connect time), uses no proxy (a proxy would
// connect on our behalf, past the check) and follows no redirect (a
// redirect could point anywhere; a 3xx counts as a failure).
func NewDispatcher(store *Store, guard Guard, opts Options, log *slog.Logger, m *Metrics) *Dispatcher {
	opts = opts.withDefaults()
	if m == nil {
		m = new(Metrics)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: guard.Control}
	client := &http.Client{
		Timeout: opts.AttemptTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: opts.AttemptTimeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Dispatcher{store: store, client: client, opts: opts, log: log, m: m}
}

// Metrics returns the dispatcher's counters.
func (d *Dispatcher) Metrics() *Metrics { return d.m }

// Run attempts due deliveries every PollInterval until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTicker(d.opts.PollInterval)
	defer t.Stop()
	for {
		if _, err := d.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("webhook deliveries", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

type claimed struct {
	id, org, eventID, eventType, payload, url, secret string
	attempts                                          int
}

// DeliverDue claims up to Batch due deliveries and attempts them in
// parallel, returning how many it attempted.
func (d *Dispatcher) DeliverDue(ctx context.Context) (int, error) {
	now := d.opts.Now()
	rows, err := d.store.pool.Query(ctx, `
		UPDATE webhook_deliveries d SET next_attempt_at = $2, updated_at = $1
		FROM webhook_endpoints e
		WHERE e.id = d.endpoint_id AND d.id IN (
			SELECT id FROM webhook_deliveries
			WHERE state = 'pending' AND next_attempt_at <= $1
			ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING d.id, d.org_id::text, d.event_id, d.event_type, d.payload, d.attempts, e.url, e.secret`,
		now, now.Add(d.opts.Lease), d.opts.Batch)
	if err != nil {
		return 0, fmt.Errorf("webhooks: claim deliveries: %w", err)
	}
	batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
		var c claimed
		err := r.Scan(&c.id, &c.org, &c.eventID, &c.eventType, &c.payload, &c.attempts, &c.url, &c.secret)
		return c, err
	})
	if err != nil {
		return 0, fmt.Errorf("webhooks: claim deliveries: %w", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(batch))
	for i, c := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.attempt(ctx, c)
		}()
	}
	wg.Wait()
	return len(batch), errors.Join(errs...)
}

// attempt POSTs one delivery and records the outcome.
func (d *Dispatcher) attempt(ctx context.Context, c claimed) error {
	n := c.attempts + 1
	start := d.opts.Now()
	t0 := time.Now() // the duration is measured on the real clock, whatever Now says
	status, aerr := d.post(ctx, c, start)
	elapsed := time.Since(t0)
	if ctx.Err() != nil {
		// Shutting down mid-attempt: record nothing; the lease expires and
		// another replica (or this one, restarted) tries again.
		return nil
	}
	a := Attempt{Attempt: n, StartedAt: start, Duration: elapsed, StatusCode: status}
	state, next := StateSucceeded, (*time.Time)(nil)
	if aerr != nil {
		a.Error = aerr.Error()
		if n >= d.opts.MaxAttempts {
			state = StateFailed
			d.m.Failed.Add(1)
			d.log.Warn("webhook delivery failed for good", "delivery", c.id, "org", c.org, "event", c.eventID, "attempts", n, "err", aerr)
		} else {
			state = StatePending
			t := start.Add(Backoff(n, d.opts.BaseDelay, d.opts.MaxDelay, d.opts.Rand))
			next = &t
			d.m.Retried.Add(1)
		}
	} else {
		d.m.Succeeded.Add(1)
	}
	err := pgx.BeginFunc(ctx, d.store.pool, func(tx pgx.Tx) error {
		var code *int
		if status != 0 {
			code = &status
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			c.id, n, start, float64(elapsed)/float64(time.Millisecond), code, a.Error); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			UPDATE webhook_deliveries SET attempts = $2, state = $3, next_attempt_at = $4,
				last_status = $5, last_error = $6, updated_at = $7
			WHERE id = $1`, c.id, n, state, next, code, a.Error, d.opts.Now())
		return err
	})
	if err != nil {
		return fmt.Errorf("webhooks: record attempt %d of %s: %w", n, c.id, err)
	}
	return nil
}

// post sends the payload and returns the status code (0 without a
// response) and an error unless the receiver answered 2xx.
func (d *Dispatcher) post(ctx context.Context, c claimed, now time.Time) (int, error) {
	body := []byte(c.payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "solsec-webhooks/1")
	req.Header.Set(EventHeader, c.eventType)
	req.Header.Set(DeliveryHeader, c.id)
	req.Header.Set(SignatureHeader, Sign(c.secret, now, body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// A little of the body helps whoever reads the attempt log; the rest is
	// drained (bounded) so the connection can be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("receiver answered %s: %q", resp.Status, bytes.TrimSpace(snippet))
	}
	return resp.StatusCode, nil
}

// Follow turns the live event feed into deliveries until ctx ends. On
// every (re)subscription it first catches up from each organisation's
// cursor through the history, so that completions published while this
// replica was not listening are not missed.
func (s *Store) Follow(ctx context.Context, sub events.Subscriber, log *slog.Logger, m *Metrics, now func() time.Time) error {
	if m == nil {
		m = new(Metrics)
	}
	if now == nil {
		now = time.Now
	}
	feed := sub.Live(ctx, "")
	go func() {
		<-ctx.Done()
		_ = feed.Close()
	}()
	// behind is set when an event could not be recorded (PostgreSQL or
	// Redis unavailable); the next tick catches up from the cursors, which
	// did not move past it.
	behind := false
	retry := time.NewTicker(followRetry)
	defer retry.Stop()
	catchUp := func() {
		if err := s.CatchUp(ctx, sub, m, now); err != nil {
			behind = ctx.Err() == nil
			if behind {
				log.Warn("webhook catch-up", "err", err)
			}
			return
		}
		behind = false
	}
	notices := feed.Notices()
	for {
		select {
		case <-retry.C:
			if behind {
				catchUp()
			}
		case n, ok := <-notices:
			if !ok {
				return ctx.Err()
			}
			switch {
			case n.Err != nil:
				log.Warn("malformed message on the live feed", "err", n.Err)
			case n.Resync:
				catchUp()
			case n.Event.Type.Terminal():
				if behind {
					// Recording it now would move the cursor past the
					// event that failed; the catch-up takes both in order.
					continue
				}
				created, err := s.Enqueue(ctx, n.Event, now())
				if err != nil && ctx.Err() == nil {
					log.Warn("enqueue webhook deliveries", "event", n.Event.ID, "err", err)
					behind = true
				}
				m.Enqueued.Add(int64(created))
			}
		}
	}
}

// followRetry is how often Follow retries a catch-up after a failure.
var followRetry = 30 * time.Second

// CatchUp reads the history of every organisation with endpoints from its
// cursor and enqueues what it finds.
func (s *Store) CatchUp(ctx context.Context, sub events.Subscriber, m *Metrics, now func() time.Time) error {
	cursors, err := s.cursors(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for org, after := range cursors {
		for {
			b, err := sub.History(ctx, org, after, 500)
			if err != nil {
				errs = append(errs, err)
				break
			}
			for _, e := range b.Events {
				if e.Type.Terminal() {
					created, err := s.Enqueue(ctx, e, now())
					if err != nil {
						return err
					}
					m.Enqueued.Add(int64(created))
				}
				after, _ = events.ParseID(e.ID)
			}
			// One cursor write per page for the events that were not
			// terminal (Enqueue advanced it for those that were).
			if len(b.Events) > 0 {
				if err := s.Advance(ctx, org, after); err != nil {
					return err
				}
			}
			if len(b.Events) < 500 {
				break
			}
		}
	}
	return errors.Join(errs...)
}
