package notify

import (
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the hub's counters: plain atomics the hot path bumps, read by
// Prometheus through Register.
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

// Register exposes the counters to Prometheus under solsec_notification_*.
func (m *Metrics) Register(reg prometheus.Registerer) error {
	dropped := func(reason string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "solsec_notification_clients_dropped_total", Help: "WebSocket clients closed by the server, by reason.",
			ConstLabels: prometheus.Labels{"reason": reason},
		}, func() float64 { return float64(v.Load()) })
	}
	counter := func(name, help string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v.Load()) })
	}
	for _, c := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "solsec_notification_clients", Help: "Connected WebSocket clients."},
			func() float64 { return float64(m.Clients.Load()) }),
		dropped("slow_consumer", &m.DroppedSlow),
		dropped("heartbeat", &m.DroppedHeartbeat),
		dropped("resume_failed", &m.DroppedResume),
		counter("solsec_notification_events_delivered_total", "Events written to WebSocket clients, replayed or live.", &m.Delivered),
		counter("solsec_notification_events_received_total", "Events received from the live feed.", &m.Received),
		counter("solsec_notification_feed_resyncs_total", "Subscriptions and resubscriptions of the live feed.", &m.Resyncs),
	} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("notify: register metrics: %w", err)
		}
	}
	return nil
}
