package notify

import (
	"fmt"
	"io"
	"sync/atomic"
)

// Metrics are the hub's counters, exposed in the Prometheus text format by
// WriteTo. (The Prometheus client's own dependencies are not in go.sum, and
// five counters do not need them.)
type Metrics struct {
	// Clients is the number of connected WebSocket clients.
	Clients atomic.Int64
	// DroppedSlow, DroppedHeartbeat and DroppedResume count clients the
	// server closed: send queue full, no pong, history unreadable.
	DroppedSlow      atomic.Int64
	DroppedHeartbeat atomic.Int64
	DroppedResume    atomic.Int64
	// Delivered counts events written to client sockets, replayed or live.
	Delivered atomic.Int64
	// Received counts events that arrived on the live feed.
	Received atomic.Int64
	// Resyncs counts (re)subscriptions of the live feed.
	Resyncs atomic.Int64
}

// WriteTo writes the metrics in the Prometheus text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	var n int64
	p := func(format string, args ...any) error {
		k, err := fmt.Fprintf(w, format, args...)
		n += int64(k)
		return err
	}
	for _, err := range []error{
		p("# HELP solsec_notification_clients Connected WebSocket clients.\n# TYPE solsec_notification_clients gauge\nsolsec_notification_clients %d\n", m.Clients.Load()),
		p("# HELP solsec_notification_clients_dropped_total WebSocket clients closed by the server, by reason.\n# TYPE solsec_notification_clients_dropped_total counter\n"),
		p("solsec_notification_clients_dropped_total{reason=%q} %d\n", "slow_consumer", m.DroppedSlow.Load()),
		p("solsec_notification_clients_dropped_total{reason=%q} %d\n", "heartbeat", m.DroppedHeartbeat.Load()),
		p("solsec_notification_clients_dropped_total{reason=%q} %d\n", "resume_failed", m.DroppedResume.Load()),
		p("# HELP solsec_notification_events_delivered_total Events written to WebSocket clients, replayed or live.\n# TYPE solsec_notification_events_delivered_total counter\nsolsec_notification_events_delivered_total %d\n", m.Delivered.Load()),
		p("# HELP solsec_notification_events_received_total Events received from the live feed.\n# TYPE solsec_notification_events_received_total counter\nsolsec_notification_events_received_total %d\n", m.Received.Load()),
		p("# HELP solsec_notification_feed_resyncs_total Subscriptions and resubscriptions of the live feed.\n# TYPE solsec_notification_feed_resyncs_total counter\nsolsec_notification_feed_resyncs_total %d\n", m.Resyncs.Load()),
	} {
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
