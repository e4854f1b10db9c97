package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/notify"
	"github.com/solsec/platform/services/internal/testenv"
)

// patience bounds every wait so that a broken test fails instead of
// hanging; no test asserts how fast anything happens.
const patience = 30 * time.Second

const orgHeader = "X-Test-Org"

type fixture struct {
	redis *testenv.RedisServer
	tr    *events.Redis
	hub   *notify.Hub
	srv   *httptest.Server
}

// analyses is the ownership the store would answer: analysis → org.
var analyses = map[string]string{"an-1": "org-a", "an-2": "org-a", "an-b": "org-b"}

func newFixture(t *testing.T, opts notify.HubOptions, wrapListener func(net.Listener) net.Listener) *fixture {
	t.Helper()
	rs := testenv.Redis(t)
	client := redis.NewClient(&redis.Options{Addr: rs.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	tr := events.NewRedis(client, events.Options{PublishTimeout: 2 * time.Second})
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hub := notify.NewHub(tr, opts, log, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = hub.Run(ctx); close(done) }()

	h := &notify.Handler{
		Hub:            hub,
		OrgOf:          func(r *http.Request) (string, bool) { o := r.Header.Get(orgHeader); return o, o != "" },
		AllowedOrigins: []string{"https://app.solsec.test"},
		Analyses: notify.AnalysesFunc(func(_ context.Context, org, id string) error {
			if analyses[id] != org {
				return fmt.Errorf("analysis %s: %w", id, notify.ErrUnknownAnalysis)
			}
			return nil
		}),
	}
	srv := httptest.NewUnstartedServer(h)
	if wrapListener != nil {
		srv.Listener = wrapListener(srv.Listener)
	}
	srv.Start()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), patience)
		defer scancel()
		_ = hub.Shutdown(sctx)
		srv.Close()
		cancel()
		<-done
	})
	require.Eventually(t, hub.Ready, patience, 10*time.Millisecond, "the hub subscribes to the live feed")
	return &fixture{redis: rs, tr: tr, hub: hub, srv: srv}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (f *fixture) url(query string) string {
	return "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/v1/ws" + query
}

func (f *fixture) dial(t *testing.T, org, query string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	if opts == nil {
		opts = &websocket.DialOptions{}
	}
	if opts.HTTPHeader == nil {
		opts.HTTPHeader = http.Header{}
	}
	opts.HTTPHeader.Set(orgHeader, org)
	opts.Subprotocols = []string{notify.Subprotocol}
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	return websocket.Dial(ctx, f.url(query), opts)
}

// connect dials and reads up to the ready message, returning what was
// replayed before it.
func (f *fixture) connect(t *testing.T, org, query string) (*websocket.Conn, []events.Event) {
	t.Helper()
	conn, _, err := f.dial(t, org, query, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.CloseNow() })
	var replayed []events.Event
	for {
		typ, e := read(t, conn)
		if typ == notify.TypeReady {
			return conn, replayed
		}
		require.NotEqual(t, notify.TypeGap, typ)
		replayed = append(replayed, e)
	}
}

// read returns the next message's type and, for events, the event.
func read(t *testing.T, conn *websocket.Conn) (string, events.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	_, data, err := conn.Read(ctx)
	require.NoError(t, err)
	var e events.Event
	require.NoError(t, json.Unmarshal(data, &e))
	return string(e.Type), e
}

func readEvents(t *testing.T, conn *websocket.Conn, n int) []events.Event {
	t.Helper()
	out := make([]events.Event, 0, n)
	for len(out) < n {
		typ, e := read(t, conn)
		require.NotEqual(t, notify.TypeGap, typ, "no gap expected")
		require.NotEqual(t, notify.TypeReady, typ)
		out = append(out, e)
	}
	return out
}

func (f *fixture) publish(t *testing.T, org, analysis string, p int) string {
	t.Helper()
	id, err := f.tr.Publish(context.Background(), events.Event{
		OrgID: org, AnalysisID: analysis, Type: events.AnalysisProgress, State: "analysing", Progress: p,
	})
	require.NoError(t, err)
	return id.String()
}

func ids(es []events.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestDelivery(t *testing.T) {
	f := newFixture(t, notify.HubOptions{}, nil)

	t.Run("a client receives every event of its analysis in order and nothing else", func(t *testing.T) {
		conn, replayed := f.connect(t, "org-a", "?analysis=an-1")
		assert.Empty(t, replayed, "without after, a client starts from now")
		var want []string
		for i := 0; i < 60; i++ {
			switch i % 3 {
			case 0:
				want = append(want, f.publish(t, "org-a", "an-1", i))
			case 1:
				f.publish(t, "org-a", "an-2", i)
			case 2:
				f.publish(t, "org-b", "an-b", i)
			}
		}
		got := readEvents(t, conn, len(want))
		assert.Equal(t, want, ids(got))
		for _, e := range got {
			assert.Equal(t, "an-1", e.AnalysisID)
			assert.Equal(t, "org-a", e.OrgID)
		}
	})

	t.Run("an organisation subscription receives every analysis of the organisation", func(t *testing.T) {
		conn, _ := f.connect(t, "org-a", "")
		want := []string{f.publish(t, "org-a", "an-1", 1), f.publish(t, "org-a", "an-2", 2)}
		f.publish(t, "org-b", "an-b", 3)
		want = append(want, f.publish(t, "org-a", "an-1", 4))
		assert.Equal(t, want, ids(readEvents(t, conn, 3)))
	})

	t.Run("after=0 replays everything retained before going live", func(t *testing.T) {
		_, replayed := f.connect(t, "org-b", "?after=0")
		require.NotEmpty(t, replayed)
		for _, e := range replayed {
			assert.Equal(t, "org-b", e.OrgID)
		}
	})
}

func TestResume(t *testing.T) {
	f := newFixture(t, notify.HubOptions{}, nil)

	t.Run("resuming after a disconnect misses nothing and duplicates nothing while events keep coming", func(t *testing.T) {
		// One publisher publishes batches on request, so that events keep
		// arriving while the client disconnects and resumes, and the test
		// never waits for events nobody will publish.
		var (
			mu        sync.Mutex
			published []string
		)
		batches := make(chan int)
		pubDone := make(chan struct{})
		go func() {
			defer close(pubDone)
			for n := range batches {
				for i := 0; i < n; i++ {
					id, err := f.tr.Publish(context.Background(), events.Event{OrgID: "org-a", AnalysisID: "an-1", Type: events.AnalysisProgress, Progress: i % 101})
					if err != nil {
						t.Errorf("publish: %v", err)
						return
					}
					mu.Lock()
					published = append(published, id.String())
					mu.Unlock()
				}
			}
		}()

		conn, _ := f.connect(t, "org-a", "?analysis=an-1")
		var got []events.Event
		// Three disconnects while the publisher runs, each resumed from the
		// last id received; each round's batch outnumbers what it reads.
		for round := 0; round < 3; round++ {
			batches <- 60
			got = append(got, readEvents(t, conn, 30)...)
			_ = conn.Close(websocket.StatusNormalClosure, "")
			var replayed []events.Event
			conn, replayed = f.connect(t, "org-a", "?analysis=an-1&after="+got[len(got)-1].ID)
			got = append(got, replayed...)
		}
		close(batches)
		<-pubDone
		mu.Lock()
		want := append([]string(nil), published...)
		mu.Unlock()
		require.Len(t, want, 180)
		got = append(got, readEvents(t, conn, len(want)-len(got))...)
		assert.Equal(t, want, ids(got))
	})

	t.Run("resuming after events that are no longer retained says so before going live", func(t *testing.T) {
		conn, _, err := f.dial(t, "org-quiet", "?after=1000-0", nil)
		require.NoError(t, err)
		defer conn.CloseNow()
		typ, _ := read(t, conn)
		assert.Equal(t, notify.TypeGap, typ, "an id from 1970 is older than any retention")
		typ, _ = read(t, conn)
		assert.Equal(t, notify.TypeReady, typ)
	})

	t.Run("an after id that is not an event id is refused", func(t *testing.T) {
		_, resp, err := f.dial(t, "org-a", "?after=yesterday", nil)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
}

func TestAccess(t *testing.T) {
	f := newFixture(t, notify.HubOptions{}, nil)

	t.Run("subscribing to another organisation's analysis is refused", func(t *testing.T) {
		_, resp, err := f.dial(t, "org-a", "?analysis=an-b", nil)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})

	t.Run("an unauthenticated request is refused", func(t *testing.T) {
		_, resp, err := f.dial(t, "", "", nil)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})

	for _, tc := range []struct {
		origin string
		want   int
	}{
		{origin: "https://evil.example", want: http.StatusForbidden},
		{origin: "http://app.solsec.test", want: http.StatusForbidden},
		{origin: "https://app.solsec.test", want: http.StatusSwitchingProtocols},
		{origin: "", want: http.StatusSwitchingProtocols},
	} {
		t.Run(fmt.Sprintf("origin %q is answered %d", tc.origin, tc.want), func(t *testing.T) {
			opts := &websocket.DialOptions{HTTPHeader: http.Header{}}
			if tc.origin != "" {
				opts.HTTPHeader.Set("Origin", tc.origin)
			}
			conn, resp, err := f.dial(t, "org-a", "", opts)
			require.NotNil(t, resp)
			assert.Equal(t, tc.want, resp.StatusCode)
			if tc.want == http.StatusSwitchingProtocols {
				require.NoError(t, err)
				_ = conn.CloseNow()
			} else {
				require.Error(t, err)
			}
		})
	}

	t.Run("a browser's token offered as a subprotocol becomes its Authorization header", func(t *testing.T) {
		var seen string
		h := notify.BearerFromSubprotocol(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.Header.Get("Authorization") }))
		r := httptest.NewRequest(http.MethodGet, "/v1/ws", nil)
		r.Header.Set("Sec-WebSocket-Protocol", "solsec.v1, bearer.eyJ.abc.def")
		h.ServeHTTP(httptest.NewRecorder(), r)
		assert.Equal(t, "Bearer eyJ.abc.def", seen)
	})
}

// smallBuffers shrinks the kernel's send buffer of the first accepted
// connection (the stalled client's), so that a client that stops reading
// fills it after a few events instead of a few megabytes.
type smallBuffers struct {
	net.Listener
	first *atomic.Bool
}

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && l.first.CompareAndSwap(true, false) {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// collect reads n events in a goroutine of its own, where require cannot
// be used.
func collect(conn *websocket.Conn, n int) ([]events.Event, error) {
	out := make([]events.Event, 0, n)
	for len(out) < n {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		_, data, err := conn.Read(ctx)
		cancel()
		if err != nil {
			return out, err
		}
		var e events.Event
		if err := json.Unmarshal(data, &e); err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

func TestSlowClient(t *testing.T) {
	first := new(atomic.Bool)
	first.Store(true)
	f := newFixture(t, notify.HubOptions{QueueSize: 64}, func(l net.Listener) net.Listener { return smallBuffers{l, first} })

	t.Run("a client that never reads is dropped and does not hold up the others", func(t *testing.T) {
		// The stalled client also shrinks its receive buffer and never
		// calls Read after the handshake.
		stalledHTTP := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(4096)
			}
			return c, err
		}}}
		stalled, _, err := f.dial(t, "org-a", "?analysis=an-1", &websocket.DialOptions{HTTPClient: stalledHTTP})
		require.NoError(t, err)
		defer stalled.CloseNow()
		healthy, _ := f.connect(t, "org-a", "?analysis=an-1")
		require.Eventually(t, func() bool { return f.hub.Clients() == 2 }, patience, 10*time.Millisecond)

		data := json.RawMessage(`{"pad":"` + strings.Repeat("x", 3000) + `"}`)
		var want []string
		type result struct {
			got []events.Event
			err error
		}
		received := make(chan result, 1)
		const n = 300
		go func() {
			got, err := collect(healthy, n)
			received <- result{got, err}
		}()
		for i := 0; i < n; i++ {
			id, err := f.tr.Publish(context.Background(), events.Event{OrgID: "org-a", AnalysisID: "an-1", Type: events.AnalysisProgress, Progress: i % 101, Data: data})
			require.NoError(t, err)
			want = append(want, id.String())
		}
		res := <-received
		require.NoError(t, res.err)
		assert.Equal(t, want, ids(res.got), "the healthy client got every event")
		require.Eventually(t, func() bool { return f.hub.Metrics().DroppedSlow.Load() == 1 }, patience, 10*time.Millisecond)
		assert.Equal(t, 1, f.hub.Clients(), "the stalled client is gone")

		// Reading now drains what the kernel held, then ends in an error:
		// the server has closed the connection.
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		for {
			if _, _, err := stalled.Read(ctx); err != nil {
				assert.NotErrorIs(t, err, context.DeadlineExceeded)
				break
			}
		}
	})
}

func TestRedisOutage(t *testing.T) {
	f := newFixture(t, notify.HubOptions{}, nil)

	t.Run("after Redis restarts the hub resubscribes and clients keep receiving", func(t *testing.T) {
		conn, _ := f.connect(t, "org-a", "")
		first := f.publish(t, "org-a", "an-1", 1)
		assert.Equal(t, []string{first}, ids(readEvents(t, conn, 1)))

		resyncs := f.hub.Metrics().Resyncs.Load()
		f.redis.Stop()
		f.redis.Start()
		require.Eventually(t, func() bool { return f.hub.Metrics().Resyncs.Load() > resyncs }, patience, 10*time.Millisecond)

		second := f.publish(t, "org-a", "an-1", 2)
		assert.Equal(t, []string{second}, ids(readEvents(t, conn, 1)))
	})

	t.Run("events published while the hub's subscription is down are caught up from history", func(t *testing.T) {
		conn, _ := f.connect(t, "org-a", "")
		admin := redis.NewClient(&redis.Options{Addr: f.redis.Addr})
		defer admin.Close()
		resyncs := f.hub.Metrics().Resyncs.Load()
		// Kill the hub's subscriber connection and publish at once: the
		// events land while it reconnects, and must still arrive exactly
		// once, in order.
		require.NoError(t, admin.Do(context.Background(), "CLIENT", "KILL", "TYPE", "pubsub").Err())
		var want []string
		for i := 0; i < 20; i++ {
			want = append(want, f.publish(t, "org-a", "an-1", i))
		}
		require.Eventually(t, func() bool { return f.hub.Metrics().Resyncs.Load() > resyncs }, patience, 10*time.Millisecond)
		want = append(want, f.publish(t, "org-a", "an-1", 99))
		assert.Equal(t, want, ids(readEvents(t, conn, len(want))))
	})
}

func TestConnectionCap(t *testing.T) {
	f := newFixture(t, notify.HubOptions{MaxClientsPerOrg: 2}, nil)

	t.Run("an organisation beyond its connection cap is refused while others connect", func(t *testing.T) {
		f.connect(t, "org-a", "")
		f.connect(t, "org-a", "")
		_, resp, err := f.dial(t, "org-a", "", nil)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		f.connect(t, "org-b", "")
	})
}

func TestShutdown(t *testing.T) {
	f := newFixture(t, notify.HubOptions{}, nil)

	t.Run("shutdown closes clients with going away so they reconnect elsewhere", func(t *testing.T) {
		conn, _ := f.connect(t, "org-a", "")
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		require.NoError(t, f.hub.Shutdown(ctx))
		_, _, err := conn.Read(ctx)
		assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err))

		_, resp, err := f.dial(t, "org-a", "", nil)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "a stopping replica takes no new clients")
	})
}

func TestHeartbeat(t *testing.T) {
	f := newFixture(t, notify.HubOptions{PingInterval: 20 * time.Millisecond, PingTimeout: 50 * time.Millisecond}, nil)

	t.Run("a client that answers pings stays and one that does not is closed", func(t *testing.T) {
		alive, _ := f.connect(t, "org-a", "")
		// CloseRead keeps reading control frames, so pongs go back.
		aliveCtx := alive.CloseRead(context.Background())
		silent, _, err := f.dial(t, "org-a", "", nil)
		require.NoError(t, err)
		defer silent.CloseNow()

		require.Eventually(t, func() bool { return f.hub.Metrics().DroppedHeartbeat.Load() == 1 }, patience, 10*time.Millisecond)
		require.Eventually(t, func() bool { return f.hub.Clients() == 1 }, patience, 10*time.Millisecond)
		assert.NoError(t, aliveCtx.Err(), "the answering client is still connected")
	})
}

func TestMetrics(t *testing.T) {
	t.Run("the counters are exposed to Prometheus with the values the hub keeps", func(t *testing.T) {
		m := new(notify.Metrics)
		reg := prometheus.NewRegistry()
		require.NoError(t, m.Register(reg))
		m.Clients.Add(3)
		m.DroppedSlow.Add(2)
		m.Delivered.Add(7)
		families, err := reg.Gather()
		require.NoError(t, err)
		got := map[string]float64{}
		for _, f := range families {
			for _, metric := range f.GetMetric() {
				name := f.GetName()
				for _, l := range metric.GetLabel() {
					name += "{" + l.GetValue() + "}"
				}
				got[name] = metric.GetGauge().GetValue() + metric.GetCounter().GetValue()
			}
		}
		assert.Equal(t, 3.0, got["solsec_notification_clients"])
		assert.Equal(t, 2.0, got["solsec_notification_clients_dropped_total{slow_consumer}"])
		assert.Equal(t, 0.0, got["solsec_notification_clients_dropped_total{heartbeat}"])
		assert.Equal(t, 7.0, got["solsec_notification_events_delivered_total"])
	})
}
