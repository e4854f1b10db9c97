package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/notify"
	"github.com/solsec/platform/services/internal/testenv"
)

// BenchmarkDelivery measures WebSocket delivery latency: SOLSEC_BENCH_CLIENTS
// concurrent clients on loopback (default 1,000), all subscribed to one
// organisation; each iteration publishes one event, which every client
// receives, then waits SOLSEC_BENCH_GAP (default 200ms) so that each event
// is measured on its own. Latency runs from just before Publish to the client's Read
// returning, on the same clock; it reports p50, p99 and max per delivery.
// Hub, handler and clients share this process and its CPUs, which makes the
// numbers pessimistic for the server. Authentication is replaced by a
// header: a token is verified once per connection, not on this path.
//
//	go test -run '^$' -bench Delivery -benchtime 50x ./services/internal/notify/
func BenchmarkDelivery(b *testing.B) {
	nClients := 1000
	if s := os.Getenv("SOLSEC_BENCH_CLIENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("SOLSEC_BENCH_CLIENTS=%q: %v", s, err)
		}
		nClients = n
	}
	gap := 200 * time.Millisecond
	if s := os.Getenv("SOLSEC_BENCH_GAP"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("SOLSEC_BENCH_GAP=%q: %v", s, err)
		}
		gap = d
	}
	// Two sockets per client in one process.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	rs := testenv.Redis(b)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rdb.Close()
	// Publishing shares the process with thousands of clients here; a
	// generous timeout keeps a busy machine from failing the run.
	tr := events.NewRedis(rdb, events.Options{PublishTimeout: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hub := notify.NewHub(tr, notify.HubOptions{MaxClientsPerOrg: nClients}, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
	go func() { _ = hub.Run(ctx) }()
	for !hub.Ready() {
		time.Sleep(10 * time.Millisecond)
	}
	const org = "bench-org"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: &notify.Handler{
		Hub:      hub,
		OrgOf:    func(*http.Request) (string, bool) { return org, true },
		Analyses: notify.AnalysesFunc(func(context.Context, string, string) error { return nil }),
	}}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "ws://" + ln.Addr().String() + "/v1/ws"

	conns := make([]*websocket.Conn, nClients)
	var wg sync.WaitGroup
	errs := make(chan error, nClients)
	sem := make(chan struct{}, 64) // bounded dialling: the listen backlog is finite
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			dctx, dcancel := context.WithTimeout(ctx, time.Minute)
			defer dcancel()
			c, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{Subprotocols: []string{notify.Subprotocol}})
			if err == nil {
				_, _, err = c.Read(dctx) // subscription.ready
			}
			if err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	defer func() {
		for _, c := range conns {
			_ = c.CloseNow()
		}
	}()

	// Every client reads b.N events and records each one's latency.
	latencies := make([][]time.Duration, nClients)
	var readers sync.WaitGroup
	readErrs := make(chan error, nClients)
	for i, c := range conns {
		readers.Add(1)
		go func() {
			defer readers.Done()
			own := make([]time.Duration, 0, b.N)
			buf := make([]byte, 4096)
			for range b.N {
				// No context per read, no allocation per message and no
				// JSON decoding: the clients share the CPUs with the
				// server, so they stay lean (the watchdog below ends a
				// stuck run).
				data, err := readInto(c, buf)
				now := time.Now()
				var sent int64
				if err == nil {
					sent, err = sentAt(data)
				}
				if err != nil {
					readErrs <- fmt.Errorf("client %d: %w", i, err)
					return
				}
				own = append(own, now.Sub(time.Unix(0, sent)))
			}
			latencies[i] = own
		}()
	}
	watchdog := time.AfterFunc(5*time.Minute, func() {
		for _, c := range conns {
			_ = c.CloseNow()
		}
	})
	defer watchdog.Stop()
	b.ResetTimer()
	for i := range b.N {
		data, _ := json.Marshal(map[string]int64{"sent": time.Now().UnixNano()})
		if _, err := tr.Publish(ctx, events.Event{OrgID: org, AnalysisID: "bench-analysis", Type: events.AnalysisProgress, Progress: i % 101, Data: data}); err != nil {
			b.Fatal(err)
		}
		// One event at a time, as an analysis produces them: each is
		// measured on its own rather than queued behind the previous one.
		time.Sleep(gap)
	}
	readers.Wait()
	b.StopTimer()
	close(readErrs)
	if err := <-readErrs; err != nil {
		b.Fatal(err)
	}
	var all []time.Duration
	for _, l := range latencies {
		all = append(all, l...)
	}
	slices.Sort(all)
	q := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	b.ReportMetric(float64(q(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(q(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(len(all)), "deliveries")
	b.ReportMetric(float64(hub.Metrics().DroppedSlow.Load()), "dropped")
}

// sentAt finds the publish time the benchmark put in the event's data.
func sentAt(msg []byte) (int64, error) {
	const key = `"sent":`
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return 0, fmt.Errorf("no send time in %q", msg)
	}
	rest := msg[i+len(key):]
	end := bytes.IndexAny(rest, ",}")
	if end < 0 {
		return 0, fmt.Errorf("no send time in %q", msg)
	}
	return strconv.ParseInt(string(rest[:end]), 10, 64)
}

// readInto reads one message into buf, which must be large enough.
func readInto(c *websocket.Conn, buf []byte) ([]byte, error) {
	_, r, err := c.Reader(context.Background())
	if err != nil {
		return nil, err
	}
	n := 0
	for {
		if n == len(buf) {
			return nil, fmt.Errorf("message longer than %d bytes", len(buf))
		}
		k, err := r.Read(buf[n:])
		n += k
		if errors.Is(err, io.EOF) {
			return buf[:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}
