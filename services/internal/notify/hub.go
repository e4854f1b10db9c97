// Package notify delivers analysis status events to WebSocket clients.
//
// One Hub per notification replica holds the replica's single subscription
// to the live feed (events.Subscriber.Live) and fans each event out to the
// local clients of its organisation, each through a bounded queue: a client
// whose queue is full is dropped, so one slow reader never holds up the
// others or the feed.
//
// Ordering and resume rest on event IDs, which increase per organisation.
// A client session keeps the ID of the last event it wrote; it registers
// with the hub before it reads history, so every event is either in the
// history it reads or in its queue (or both), and it skips any event whose
// ID is not after the last one written. When the feed resubscribes after a
// Redis outage the hub puts a resync marker in every queue, in line with the
// events, and each session re-reads history from its last ID before it goes
// on: nothing published during the outage is missed.
package notify

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/solsec/platform/services/internal/events"
)

// HubOptions tune the hub; zero values take the defaults.
type HubOptions struct {
	// QueueSize is each client's send queue, in events (default 256). An
	// analysis produces a few dozen events, so a healthy client never comes
	// near it; a client that lets it fill is not reading.
	QueueSize int
	// WriteTimeout bounds the control messages (ready, gap) written
	// outside the queue (default 10s); events are bounded by the queue and
	// the heartbeat instead (see session.write).
	WriteTimeout time.Duration
	// PingInterval is how often a client is pinged (default 25s, under the
	// 60s idle timeout of AWS load balancers); PingTimeout is how long its
	// pong may take (default 15s).
	PingInterval time.Duration
	PingTimeout  time.Duration
	// ReplayPage is how many events one history read returns (default 500).
	ReplayPage int
	// MaxClientsPerOrg caps one organisation's connections to this replica
	// (default 1,000), so that one tenant's runaway script cannot take the
	// sockets, memory and fan-out time every other tenant shares. The check
	// precedes registration, so concurrent connects may overshoot it by a
	// few.
	MaxClientsPerOrg int
}

func (o HubOptions) withDefaults() HubOptions {
	if o.QueueSize <= 0 {
		o.QueueSize = 256
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = 15 * time.Second
	}
	if o.ReplayPage <= 0 {
		o.ReplayPage = 500
	}
	if o.MaxClientsPerOrg <= 0 {
		o.MaxClientsPerOrg = 1000
	}
	return o
}

// Hub fans the live feed out to the replica's clients.
type Hub struct {
	sub  events.Subscriber
	opts HubOptions
	log  *slog.Logger
	m    *Metrics

	mu      sync.RWMutex
	clients map[string]map[*client]struct{} // by organisation

	ready atomic.Bool
	// life orders session starts against Shutdown, so that no session
	// joins the wait group while Shutdown waits on it.
	life     sync.Mutex
	stopped  bool
	stop     chan struct{} // closed by Shutdown: sessions close going-away
	sessions sync.WaitGroup
}

// NewHub returns a hub reading from sub. Run must be running for clients to
// receive live events.
func NewHub(sub events.Subscriber, opts HubOptions, log *slog.Logger, m *Metrics) *Hub {
	if m == nil {
		m = new(Metrics)
	}
	return &Hub{
		sub: sub, opts: opts.withDefaults(), log: log, m: m,
		clients: make(map[string]map[*client]struct{}),
		stop:    make(chan struct{}),
	}
}

// item is one entry of a client's queue: an encoded event, or a resync
// marker.
type item struct {
	id       events.ID
	analysis string
	payload  []byte
	resync   bool
}

// client is one WebSocket session as the hub sees it.
type client struct {
	org      string
	analysis string // empty: the whole organisation
	queue    chan item
	dropped  chan struct{} // closed when the hub gave up on the client
	dropOnce sync.Once
}

func (c *client) drop() bool {
	first := false
	c.dropOnce.Do(func() { close(c.dropped); first = true })
	return first
}

// Run consumes the live feed until ctx ends. The feed reconnects by itself;
// Run only returns when ctx is done.
func (h *Hub) Run(ctx context.Context) error {
	feed := h.sub.Live(ctx, "")
	go func() {
		<-ctx.Done()
		_ = feed.Close()
	}()
	for n := range feed.Notices() {
		switch {
		case n.Err != nil:
			h.log.Warn("malformed message on the live feed", "err", n.Err)
		case n.Resync:
			h.m.Resyncs.Add(1)
			if h.ready.Swap(true) {
				h.log.Info("live feed resubscribed; clients re-read history")
			}
			h.broadcast(item{resync: true})
		default:
			h.m.Received.Add(1)
			h.fanout(n.Event)
		}
	}
	h.ready.Store(false)
	return ctx.Err()
}

// Metrics returns the hub's counters.
func (h *Hub) Metrics() *Metrics { return h.m }

// Ready reports whether the live feed is subscribed (for /readyz). It stays
// true across a brief reconnect: clients catch up through resync.
func (h *Hub) Ready() bool { return h.ready.Load() }

// Clients is the number of connected clients.
func (h *Hub) Clients() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, set := range h.clients {
		n += len(set)
	}
	return n
}

// full reports whether org has as many clients here as it may.
func (h *Hub) full(org string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.clients[org]) >= h.opts.MaxClientsPerOrg
}

func (h *Hub) fanout(e events.Event) {
	id, err := events.ParseID(e.ID)
	if err != nil {
		h.log.Warn("event without a valid id on the live feed", "id", e.ID, "err", err)
		return
	}
	// Encoded once for every client of the organisation.
	payload, err := json.Marshal(e)
	if err != nil {
		h.log.Error("encode event", "id", e.ID, "err", err)
		return
	}
	it := item{id: id, analysis: e.AnalysisID, payload: payload}
	var slow []*client
	h.mu.RLock()
	for c := range h.clients[e.OrgID] {
		if c.analysis != "" && c.analysis != e.AnalysisID {
			continue
		}
		select {
		case c.queue <- it:
		default:
			slow = append(slow, c)
		}
	}
	h.mu.RUnlock()
	h.dropAll(slow)
}

func (h *Hub) broadcast(it item) {
	var slow []*client
	h.mu.RLock()
	for _, set := range h.clients {
		for c := range set {
			select {
			case c.queue <- it:
			default:
				slow = append(slow, c)
			}
		}
	}
	h.mu.RUnlock()
	h.dropAll(slow)
}

// dropAll unregisters clients whose queue is full and tells their sessions
// to close them; the sessions do the closing, so the hub never waits on a
// socket.
func (h *Hub) dropAll(slow []*client) {
	for _, c := range slow {
		h.unregister(c)
		if c.drop() {
			h.m.DroppedSlow.Add(1)
			h.log.Warn("dropping a slow WebSocket client", "org", c.org, "analysis", c.analysis)
		}
	}
}

func (h *Hub) register(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.clients[c.org]
	if set == nil {
		set = make(map[*client]struct{})
		h.clients[c.org] = set
	}
	set[c] = struct{}{}
}

func (h *Hub) unregister(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.clients[c.org]
	delete(set, c)
	if len(set) == 0 {
		delete(h.clients, c.org)
	}
}

// Shutdown closes every client with "going away" (they reconnect to another
// replica and resume) and waits for the sessions to end or ctx to expire.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.life.Lock()
	if !h.stopped {
		h.stopped = true
		close(h.stop)
	}
	h.life.Unlock()
	done := make(chan struct{})
	go func() { h.sessions.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// enter admits a new session unless the hub is shutting down; the caller
// calls h.sessions.Done when the session ends.
func (h *Hub) enter() bool {
	h.life.Lock()
	defer h.life.Unlock()
	if h.stopped {
		return false
	}
	h.sessions.Add(1)
	return true
}

func (h *Hub) stopping() bool {
	select {
	case <-h.stop:
		return true
	default:
		return false
	}
}
