package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/testenv"
	"github.com/solsec/platform/services/internal/webhooks"
)

// permissive lets tests register httptest servers (http on loopback).
var permissive = webhooks.Guard{AllowPrivate: true, AllowHTTP: true}

func newStore(t *testing.T) (*webhooks.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.Postgres(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	applied, err := webhooks.Migrate(ctx, pool)
	require.NoError(t, err)
	require.Equal(t, []int{1}, applied)
	return webhooks.NewStore(pool, permissive), pool
}

// clock is a test clock the dispatcher reads.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// receiver records what it is sent and answers with status.
type receiver struct {
	mu     sync.Mutex
	status int
	bodies [][]byte
	heads  []http.Header
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, body)
	r.heads = append(r.heads, req.Header.Clone())
	status := r.status
	r.mu.Unlock()
	w.WriteHeader(status)
	_, _ = w.Write([]byte("receiver says hello"))
}

func (r *receiver) calls() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.bodies) }

func completed(org, analysis, id string, at time.Time) events.Event {
	return events.Event{ID: id, OrgID: org, AnalysisID: analysis, Type: events.AnalysisCompleted,
		State: "completed", Progress: 100, Data: json.RawMessage(`{"findings":3}`), Time: at}
}

func TestMigrate(t *testing.T) {
	t.Run("migrating twice applies nothing the second time", func(t *testing.T) {
		_, pool := newStore(t)
		applied, err := webhooks.Migrate(context.Background(), pool)
		require.NoError(t, err)
		assert.Empty(t, applied)
	})
}

func TestEndpoints(t *testing.T) {
	ctx := context.Background()
	st, pool := newStore(t)
	org, other := uuid.NewString(), uuid.NewString()

	t.Run("an endpoint is created with a secret shown once and listed per organisation", func(t *testing.T) {
		ep, secret, err := st.CreateEndpoint(ctx, org, webhooks.NewEndpoint{URL: "http://127.0.0.1:9/hook", Description: "CI"})
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(secret, "whsec_"))
		assert.Equal(t, webhooks.EventTypes, ep.EventTypes, "no types means every terminal type")
		list, err := st.ListEndpoints(ctx, org)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, ep.ID, list[0].ID)
		none, err := st.ListEndpoints(ctx, other)
		require.NoError(t, err)
		assert.Empty(t, none)
		assert.ErrorIs(t, st.DeleteEndpoint(ctx, other, ep.ID), webhooks.ErrNotFound, "another organisation cannot delete it")
		require.NoError(t, st.DeleteEndpoint(ctx, org, ep.ID))
		assert.ErrorIs(t, st.DeleteEndpoint(ctx, org, "not-a-uuid"), webhooks.ErrNotFound)
	})

	strict := webhooks.NewStore(pool, webhooks.Guard{})
	for _, tc := range []struct{ name, url, want string }{
		{"loopback", "https://127.0.0.1/hook", "not allowed"},
		{"the metadata service", "https://169.254.169.254/latest/meta-data", "not allowed"},
		{"a private network", "https://10.1.2.3/hook", "not allowed"},
		{"an IPv6 loopback", "https://[::1]/hook", "not allowed"},
		{"a name resolving to loopback", "https://localhost/hook", "not allowed"},
		{"plain http", "http://hooks.example.com/x", "want https"},
		{"credentials in the URL", "https://user:pw@hooks.example.com/x", "credentials"},
	} {
		t.Run("a URL to "+tc.name+" is refused", func(t *testing.T) {
			_, _, err := strict.CreateEndpoint(ctx, org, webhooks.NewEndpoint{URL: tc.url})
			require.ErrorIs(t, err, webhooks.ErrInvalid)
			assert.ErrorContains(t, err, tc.want)
		})
	}

	t.Run("an organisation may register only so many endpoints", func(t *testing.T) {
		capped := uuid.NewString()
		for i := 0; i < webhooks.MaxEndpointsPerOrg; i++ {
			_, _, err := st.CreateEndpoint(ctx, capped, webhooks.NewEndpoint{URL: "http://127.0.0.1:9/" + strconv.Itoa(i)})
			require.NoError(t, err)
		}
		_, _, err := st.CreateEndpoint(ctx, capped, webhooks.NewEndpoint{URL: "http://127.0.0.1:9/one-too-many"})
		require.ErrorIs(t, err, webhooks.ErrInvalid)
		assert.ErrorContains(t, err, "the most it may")
	})

	t.Run("an event type other than an analysis's end is refused", func(t *testing.T) {
		_, _, err := st.CreateEndpoint(ctx, org, webhooks.NewEndpoint{URL: "http://127.0.0.1:9/", EventTypes: []events.Type{events.AnalysisProgress}})
		require.ErrorIs(t, err, webhooks.ErrInvalid)
	})
}

func TestEnqueue(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	org := uuid.NewString()
	ep, _, err := st.CreateEndpoint(ctx, org, webhooks.NewEndpoint{URL: "http://127.0.0.1:9/", EventTypes: []events.Type{events.AnalysisCompleted}})
	require.NoError(t, err)
	now := time.Now()

	t.Run("a terminal event is enqueued once however often it is seen", func(t *testing.T) {
		n, err := st.Enqueue(ctx, completed(org, "an-1", "2000000000000-0", now), now)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		n, err = st.Enqueue(ctx, completed(org, "an-1", "2000000000000-0", now), now)
		require.NoError(t, err)
		assert.Equal(t, 0, n, "a second replica finds it there")
	})

	t.Run("types the endpoint did not ask for, other organisations and events before registration are not enqueued", func(t *testing.T) {
		failed := completed(org, "an-2", "2000000000001-0", now)
		failed.Type = events.AnalysisFailed
		for _, e := range []events.Event{
			failed,
			completed(uuid.NewString(), "an-3", "2000000000002-0", now),
			completed(org, "an-4", "2000000000003-0", ep.CreatedAt.Add(-time.Hour)),
		} {
			n, err := st.Enqueue(ctx, e, now)
			require.NoError(t, err)
			assert.Equal(t, 0, n, "event %s of %s", e.Type, e.AnalysisID)
		}
		ds, err := st.ListDeliveries(ctx, org, ep.ID, 0)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		assert.Equal(t, "an-1", ds[0].AnalysisID)
		assert.Equal(t, webhooks.StatePending, ds[0].State)
	})
}

func TestDelivery(t *testing.T) {
	ctx := context.Background()

	t.Run("a delivery carries a signature verifiable by the documented algorithm", func(t *testing.T) {
		st, _ := newStore(t)
		rcv := &receiver{status: http.StatusNoContent}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		org := uuid.NewString()
		ep, secret, err := st.CreateEndpoint(ctx, org, webhooks.NewEndpoint{URL: srv.URL + "/hook"})
		require.NoError(t, err)
		now := time.Now()
		_, err = st.Enqueue(ctx, completed(org, "an-1", "2000000000000-5", now), now)
		require.NoError(t, err)

		d := webhooks.NewDispatcher(st, permissive, webhooks.Options{}, quietLog(), nil)
		n, err := d.DeliverDue(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, 1, rcv.calls())

		body, head := rcv.bodies[0], rcv.heads[0]
		// The receiver's side, exactly as docs/notifications.md describes it.
		sig := head.Get("Solsec-Signature")
		var ts, v1 string
		for _, part := range strings.Split(sig, ",") {
			k, v, _ := strings.Cut(part, "=")
			if k == "t" {
				ts = v
			} else if k == "v1" {
				v1 = v
			}
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(ts + "." + string(body)))
		assert.Equal(t, hex.EncodeToString(m.Sum(nil)), v1)
		require.NoError(t, webhooks.Verify(secret, sig, body, time.Now(), webhooks.DefaultTolerance))

		assert.Equal(t, "analysis.completed", head.Get("Solsec-Event"))
		var p webhooks.Payload
		require.NoError(t, json.Unmarshal(body, &p))
		assert.Equal(t, "2000000000000-5", p.ID)
		assert.Equal(t, "an-1", p.Event.AnalysisID)

		ds, err := st.ListDeliveries(ctx, org, ep.ID, 0)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		assert.Equal(t, webhooks.StateSucceeded, ds[0].State)
		assert.Equal(t, head.Get("Solsec-Delivery"), ds[0].ID)
		require.Len(t, ds[0].AttemptLog, 1)
		assert.Equal(t, http.StatusNoContent, ds[0].AttemptLog[0].StatusCode)
		assert.Empty(t, ds[0].AttemptLog[0].Error)
		assert.Positive(t, ds[0].AttemptLog[0].Duration)
	})

	t.Run("a failing receiver is retried with backoff and the delivery is marked failed after the last attempt", func(t *testing.T) {
		st, _ := newStore(t)
		rcv := &receiver{status: http.StatusInternalServerError}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		org := uuid.NewString()
		ep, _, err := st.CreateEndpoint(ctx, org, webhooks.NewEndpoint{URL: srv.URL})
		require.NoError(t, err)
		now := time.Now()
		_, err = st.Enqueue(ctx, completed(org, "an-1", "2000000000000-0", now), now)
		require.NoError(t, err)

		clk := &clock{now: now.Add(time.Second)}
		d := webhooks.NewDispatcher(st, permissive, webhooks.Options{
			MaxAttempts: 3, BaseDelay: time.Minute, MaxDelay: time.Hour, Now: clk.Now, Rand: func() float64 { return 1 },
		}, quietLog(), nil)

		for attempt := 1; attempt <= 3; attempt++ {
			n, err := d.DeliverDue(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, n, "attempt %d is due", attempt)
			n, err = d.DeliverDue(ctx)
			require.NoError(t, err)
			require.Equal(t, 0, n, "nothing is due again before the backoff")
			ds, err := st.ListDeliveries(ctx, org, ep.ID, 0)
			require.NoError(t, err)
			require.Len(t, ds, 1)
			if attempt < 3 {
				assert.Equal(t, webhooks.StatePending, ds[0].State)
				require.NotNil(t, ds[0].NextAttemptAt)
				want := clk.Now().Add(webhooks.Backoff(attempt, time.Minute, time.Hour, func() float64 { return 1 }))
				assert.WithinDuration(t, want, *ds[0].NextAttemptAt, time.Millisecond)
			}
			clk.Advance(time.Hour)
		}
		assert.Equal(t, 3, rcv.calls())
		ds, err := st.ListDeliveries(ctx, org, ep.ID, 0)
		require.NoError(t, err)
		assert.Equal(t, webhooks.StateFailed, ds[0].State)
		assert.Equal(t, 3, ds[0].Attempts)
		assert.Equal(t, http.StatusInternalServerError, ds[0].LastStatus)
		require.Len(t, ds[0].AttemptLog, 3)
		for i, a := range ds[0].AttemptLog {
			assert.Equal(t, i+1, a.Attempt)
			assert.Equal(t, http.StatusInternalServerError, a.StatusCode)
			assert.Contains(t, a.Error, "receiver says hello")
		}
		assert.Equal(t, int64(2), d.Metrics().Retried.Load())
		assert.Equal(t, int64(1), d.Metrics().Failed.Load())
		n, err := d.DeliverDue(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, n, "a failed delivery is not attempted again")
	})

	t.Run("the dialer refuses a private address even for an endpoint registered earlier", func(t *testing.T) {
		st, _ := newStore(t)
		rcv := &receiver{status: http.StatusOK}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		org := uuid.NewString()
		ep, _, err := st.CreateEndpoint(ctx, org, webhooks.NewEndpoint{URL: srv.URL})
		require.NoError(t, err)
		now := time.Now()
		_, err = st.Enqueue(ctx, completed(org, "an-1", "2000000000000-0", now), now)
		require.NoError(t, err)
		d := webhooks.NewDispatcher(st, webhooks.Guard{AllowHTTP: true}, webhooks.Options{}, quietLog(), nil)
		_, err = d.DeliverDue(ctx)
		require.NoError(t, err)
		assert.Equal(t, 0, rcv.calls())
		ds, err := st.ListDeliveries(ctx, org, ep.ID, 0)
		require.NoError(t, err)
		require.Len(t, ds[0].AttemptLog, 1)
		assert.Contains(t, ds[0].AttemptLog[0].Error, "address not allowed")
		assert.Zero(t, ds[0].AttemptLog[0].StatusCode)
	})
}

func TestFollow(t *testing.T) {
	t.Run("completions published while nobody listened are caught up, then live ones follow", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		st, _ := newStore(t)
		rs := testenv.Redis(t)
		client := redis.NewClient(&redis.Options{Addr: rs.Addr})
		defer client.Close()
		tr := events.NewRedis(client, events.Options{})
		org := uuid.NewString()
		ep, _, err := st.CreateEndpoint(ctx, org, webhooks.NewEndpoint{URL: "http://127.0.0.1:9/"})
		require.NoError(t, err)

		publish := func(analysis string, typ events.Type) {
			_, err := tr.Publish(ctx, events.Event{OrgID: org, AnalysisID: analysis, Type: typ})
			require.NoError(t, err)
		}
		publish("an-1", events.AnalysisProgress)
		publish("an-1", events.AnalysisCompleted)

		m := new(webhooks.Metrics)
		done := make(chan error, 1)
		go func() { done <- st.Follow(ctx, tr, quietLog(), m, nil) }()
		deliveries := func() []string {
			ds, err := st.ListDeliveries(ctx, org, ep.ID, 0)
			require.NoError(t, err)
			var out []string
			for _, d := range ds {
				out = append(out, d.AnalysisID)
			}
			return out
		}
		require.Eventually(t, func() bool { return len(deliveries()) == 1 }, 30*time.Second, 20*time.Millisecond)

		publish("an-2", events.AnalysisFailed)
		require.Eventually(t, func() bool { return len(deliveries()) == 2 }, 30*time.Second, 20*time.Millisecond)
		assert.ElementsMatch(t, []string{"an-1", "an-2"}, deliveries())
		assert.Equal(t, int64(2), m.Enqueued.Load())
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
	})
}

func TestBackoff(t *testing.T) {
	half, full := func() float64 { return 0 }, func() float64 { return 1 }
	for _, tc := range []struct {
		n        int
		min, max time.Duration
	}{
		{1, 15 * time.Second, 30 * time.Second},
		{2, 30 * time.Second, time.Minute},
		{4, 2 * time.Minute, 4 * time.Minute},
		{8, 30 * time.Minute, time.Hour},
		{40, 30 * time.Minute, time.Hour},
	} {
		t.Run("the delay after attempt "+itoa(tc.n)+" lies between half and all of its exponential step", func(t *testing.T) {
			assert.Equal(t, tc.min, webhooks.Backoff(tc.n, 30*time.Second, time.Hour, half))
			assert.Equal(t, tc.max, webhooks.Backoff(tc.n, 30*time.Second, time.Hour, full))
		})
	}
}

func TestVerify(t *testing.T) {
	now := time.Now()
	body := []byte(`{"id":"1-0"}`)
	sig := webhooks.Sign("whsec_test_secret_of_enough_length", now, body)
	for _, tc := range []struct {
		name   string
		secret string
		body   []byte
		at     time.Time
	}{
		{"a tampered body", "whsec_test_secret_of_enough_length", []byte(`{"id":"2-0"}`), now},
		{"another secret", "whsec_some_other_secret_entirely_x", body, now},
		{"a replay ten minutes later", "whsec_test_secret_of_enough_length", body, now.Add(10 * time.Minute)},
	} {
		t.Run(tc.name+" fails verification", func(t *testing.T) {
			assert.ErrorIs(t, webhooks.Verify(tc.secret, sig, tc.body, tc.at, webhooks.DefaultTolerance), webhooks.ErrBadSignature)
		})
	}
	t.Run("the genuine delivery verifies", func(t *testing.T) {
		assert.NoError(t, webhooks.Verify("whsec_test_secret_of_enough_length", sig, body, now, webhooks.DefaultTolerance))
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestHTTP(t *testing.T) {
	st, _ := newStore(t)
	org := uuid.NewString()
	caller := func(r *http.Request) (string, bool, bool) {
		role := r.Header.Get("X-Role")
		return org, role == "admin", role != ""
	}
	srv := httptest.NewServer(webhooks.Handler(st, caller))
	defer srv.Close()
	do := func(method, path, role, body string) *http.Response {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if role != "" {
			req.Header.Set("X-Role", role)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	t.Run("an admin registers an endpoint and receives its secret once", func(t *testing.T) {
		resp := do(http.MethodPost, "/v1/webhooks", "admin", `{"url":"http://127.0.0.1:9/hook","eventTypes":["analysis.completed"]}`)
		require.Equal(t, http.StatusCreated, resp.StatusCode)
		var created struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&created))
		assert.NotEmpty(t, created.Secret)

		list := do(http.MethodGet, "/v1/webhooks", "viewer", "")
		require.Equal(t, http.StatusOK, list.StatusCode)
		body, _ := io.ReadAll(list.Body)
		assert.Contains(t, string(body), created.ID)
		assert.NotContains(t, string(body), created.Secret, "listing never shows the secret")

		deliveries := do(http.MethodGet, "/v1/webhooks/"+created.ID+"/deliveries", "viewer", "")
		assert.Equal(t, http.StatusOK, deliveries.StatusCode)
		assert.Equal(t, http.StatusForbidden, do(http.MethodDelete, "/v1/webhooks/"+created.ID, "viewer", "").StatusCode)
		assert.Equal(t, http.StatusNoContent, do(http.MethodDelete, "/v1/webhooks/"+created.ID, "admin", "").StatusCode)
		assert.Equal(t, http.StatusNotFound, do(http.MethodDelete, "/v1/webhooks/"+created.ID, "admin", "").StatusCode)
	})

	t.Run("a viewer may not register, and a bad registration is answered with a reason", func(t *testing.T) {
		assert.Equal(t, http.StatusForbidden, do(http.MethodPost, "/v1/webhooks", "viewer", `{"url":"http://127.0.0.1:9/"}`).StatusCode)
		assert.Equal(t, http.StatusUnauthorized, do(http.MethodGet, "/v1/webhooks", "", "").StatusCode)
		assert.Equal(t, http.StatusBadRequest, do(http.MethodPost, "/v1/webhooks", "admin", `{"url":`).StatusCode)
		assert.Equal(t, http.StatusUnprocessableEntity, do(http.MethodPost, "/v1/webhooks", "admin", `{"url":"ftp://x"}`).StatusCode)
	})
}

func TestMetricsRegister(t *testing.T) {
	t.Run("attempt outcomes are exposed to Prometheus", func(t *testing.T) {
		m := new(webhooks.Metrics)
		reg := prometheus.NewRegistry()
		require.NoError(t, m.Register(reg))
		m.Failed.Add(4)
		families, err := reg.Gather()
		require.NoError(t, err)
		var failed float64
		for _, f := range families {
			for _, metric := range f.GetMetric() {
				for _, l := range metric.GetLabel() {
					if f.GetName() == "solsec_webhook_attempts_total" && l.GetValue() == "failed" {
						failed = metric.GetCounter().GetValue()
					}
				}
			}
		}
		assert.Equal(t, 4.0, failed)
	})
}

// syncBuffer is a log destination tests can read while Follow writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestFollowThroughADatabaseOutage(t *testing.T) {
	t.Run("completions that arrive while PostgreSQL is down are enqueued, in order, once it is back", func(t *testing.T) {
		defer webhooks.SetFollowRetry(50 * time.Millisecond)()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pg := testenv.PrivatePostgres(t)
		pool, err := pgxpool.New(ctx, pg.URL(""))
		require.NoError(t, err)
		defer pool.Close()
		_, err = webhooks.Migrate(ctx, pool)
		require.NoError(t, err)
		st := webhooks.NewStore(pool, permissive)
		rs := testenv.Redis(t)
		client := redis.NewClient(&redis.Options{Addr: rs.Addr})
		defer client.Close()
		tr := events.NewRedis(client, events.Options{})
		org := uuid.NewString()
		ep, _, err := st.CreateEndpoint(ctx, org, webhooks.NewEndpoint{URL: "http://127.0.0.1:9/"})
		require.NoError(t, err)

		logs := &syncBuffer{}
		done := make(chan error, 1)
		go func() { done <- st.Follow(ctx, tr, slog.New(slog.NewTextHandler(logs, nil)), nil, nil) }()
		count := func() int {
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, ep.ID).Scan(&n); err != nil {
				return -1
			}
			return n
		}
		publish := func(analysis string) {
			_, err := tr.Publish(ctx, events.Event{OrgID: org, AnalysisID: analysis, Type: events.AnalysisCompleted})
			require.NoError(t, err)
		}
		publish("an-1")
		require.Eventually(t, func() bool { return count() == 1 }, 30*time.Second, 20*time.Millisecond)

		pg.Stop()
		publish("an-2")
		require.Eventually(t, func() bool { return strings.Contains(logs.String(), "enqueue webhook deliveries") }, 30*time.Second, 20*time.Millisecond,
			"the follower tried, and failed, while the database was down")
		publish("an-3")
		pg.Start()
		require.Eventually(t, func() bool { return count() == 3 }, 60*time.Second, 50*time.Millisecond)

		ds, err := st.ListDeliveries(ctx, org, ep.ID, 0)
		require.NoError(t, err)
		var analyses []string
		for _, d := range ds {
			analyses = append(analyses, d.AnalysisID)
		}
		assert.ElementsMatch(t, []string{"an-1", "an-2", "an-3"}, analyses)
		cancel()
		<-done
	})
}
