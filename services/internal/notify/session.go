package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/coder/websocket"

	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/httpx"
)

// Subprotocol is the WebSocket subprotocol the server speaks. Browsers
// cannot set an Authorization header on a WebSocket, so they offer their
// token as a second subprotocol, "bearer.<token>" (see BearerFromSubprotocol).
const Subprotocol = "solsec.v1"

// Control message types, sent alongside events. They carry no "id": a
// client resumes only after event IDs.
const (
	// TypeReady follows the replay: from here on events arrive live.
	TypeReady = "subscription.ready"
	// TypeGap says events after the client's resume point are no longer
	// retained; the client re-reads the analysis through the API.
	TypeGap = "subscription.gap"
)

// ErrUnknownAnalysis is what Analyses returns for an analysis that does not
// exist or belongs to another organisation (callers cannot tell which).
var ErrUnknownAnalysis = errors.New("notify: unknown analysis")

// Analyses checks that an analysis belongs to an organisation. The store
// implements it through its organisation-scoped GetAnalysis.
type Analyses interface {
	// CheckAnalysis returns nil when analysisID belongs to orgID, an error
	// wrapping ErrUnknownAnalysis when it does not, and any other error when
	// it cannot tell.
	CheckAnalysis(ctx context.Context, orgID, analysisID string) error
}

// AnalysesFunc adapts a function to Analyses.
type AnalysesFunc func(ctx context.Context, orgID, analysisID string) error

// CheckAnalysis implements Analyses.
func (f AnalysesFunc) CheckAnalysis(ctx context.Context, orgID, analysisID string) error {
	return f(ctx, orgID, analysisID)
}

// Handler serves /v1/ws. Authentication happens in front of it (the auth
// middleware); OrgOf reads the organisation it established.
//
// Query parameters:
//
//	analysis  subscribe to one analysis (default: the whole organisation)
//	after     resume after this event id; "0" replays everything retained;
//	          absent means "from now"
type Handler struct {
	Hub *Hub
	// OrgOf returns the authenticated organisation of the request.
	OrgOf    func(r *http.Request) (orgID string, ok bool)
	Analyses Analyses
	// AllowedOrigins lists the exact origins ("https://app.solsec.io")
	// browsers may connect from. Requests without an Origin header (CI
	// jobs, servers) are not browsers and pass.
	AllowedOrigins []string
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.originAllowed(r.Header.Get("Origin")) {
		httpx.Fail(w, r, http.StatusForbidden, "origin_not_allowed", "this origin may not open a WebSocket here")
		return
	}
	org, ok := h.OrgOf(r)
	if !ok || org == "" {
		httpx.Fail(w, r, http.StatusUnauthorized, "unauthenticated", "authentication required")
		return
	}
	q := r.URL.Query()
	analysis := q.Get("analysis")
	var after *events.ID
	if s := q.Get("after"); s != "" {
		id, err := events.ParseID(s)
		if err != nil {
			httpx.Fail(w, r, http.StatusBadRequest, "invalid_after", err.Error())
			return
		}
		after = &id
	}
	if analysis != "" {
		switch err := h.Analyses.CheckAnalysis(r.Context(), org, analysis); {
		case errors.Is(err, ErrUnknownAnalysis):
			httpx.Fail(w, r, http.StatusNotFound, "analysis_not_found", "no analysis "+analysis+" in your organisation")
			return
		case err != nil:
			h.Hub.log.Error("check analysis ownership", "analysis", analysis, "err", err)
			w.Header().Set("Retry-After", "5")
			httpx.Fail(w, r, http.StatusServiceUnavailable, "unavailable", "cannot check the analysis right now; retry shortly")
			return
		}
	}
	if h.Hub.full(org) {
		w.Header().Set("Retry-After", "30")
		httpx.Fail(w, r, http.StatusTooManyRequests, "too_many_connections",
			fmt.Sprintf("your organisation has %d live connections to this server, the most it may", h.Hub.opts.MaxClientsPerOrg))
		return
	}
	if !h.Hub.enter() {
		w.Header().Set("Retry-After", "1")
		httpx.Fail(w, r, http.StatusServiceUnavailable, "shutting_down", "this replica is shutting down; reconnect")
		return
	}
	defer h.Hub.sessions.Done()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{Subprotocol},
		// The origin was checked above against full origins (scheme
		// included), which the library's host patterns cannot express.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return // Accept has answered.
	}
	h.Hub.serve(conn, &client{
		org: org, analysis: analysis,
		queue:   make(chan item, h.Hub.opts.QueueSize),
		dropped: make(chan struct{}),
	}, after)
}

func (h *Handler) originAllowed(origin string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return false
	}
	norm := strings.ToLower(u.Scheme + "://" + u.Host)
	return slices.ContainsFunc(h.AllowedOrigins, func(a string) bool {
		return strings.EqualFold(strings.TrimRight(a, "/"), norm)
	})
}

// BearerFromSubprotocol lets browsers authenticate a WebSocket: when a
// request carries no credentials of its own and offers a subprotocol
// "bearer.<token>", the token becomes its Authorization header before the
// auth middleware (next) sees it. Query strings would do too, but they end
// up in access logs.
func BearerFromSubprotocol(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && r.Header.Get("X-API-Key") == "" {
			for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
				for _, p := range strings.Split(v, ",") {
					if tok, ok := strings.CutPrefix(strings.TrimSpace(p), "bearer."); ok && tok != "" {
						r = r.Clone(r.Context())
						r.Header.Set("Authorization", "Bearer "+tok)
						next.ServeHTTP(w, r)
						return
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Why a session ended, as the cause of its context.
var (
	errDropped   = errors.New("send queue full")
	errHeartbeat = errors.New("no pong")
	errResume    = errors.New("history unavailable")
)

// session is one client's writer.
type session struct {
	h    *Hub
	conn *websocket.Conn
	c    *client
	last events.ID // the newest event id written (or skipped as before "now")
}

// serve runs a session until the client leaves, is dropped or the hub shuts
// down, then closes the socket with a status that says which.
func (h *Hub) serve(conn *websocket.Conn, c *client, after *events.ID) {
	h.m.Clients.Add(1)
	defer h.m.Clients.Add(-1)

	// The request's context must not be used after the upgrade; the
	// session's context ends when the peer goes (CloseRead), when the hub
	// drops the client or when a heartbeat fails. Shutdown does not cancel
	// it: cancelling mid-write would close the socket without the
	// going-away status.
	ctx, cancel := context.WithCancelCause(conn.CloseRead(context.Background()))
	defer cancel(nil)
	go func() {
		select {
		case <-c.dropped:
			cancel(errDropped)
			// Closing unblocks a write stuck on a client that stopped
			// reading (writes carry no context of their own, see write).
			_ = conn.Close(websocket.StatusPolicyViolation, "send queue full")
		case <-ctx.Done():
		}
	}()
	go h.heartbeat(ctx, conn, cancel)

	h.register(c)
	defer h.unregister(c)

	s := &session{h: h, conn: conn, c: c}
	err := s.run(ctx, after)
	switch cause := context.Cause(ctx); {
	case h.stopping() && err == nil:
		_ = conn.Close(websocket.StatusGoingAway, "server shutting down; reconnect with after=<last id>")
	case errors.Is(cause, errDropped):
		_ = conn.Close(websocket.StatusPolicyViolation, "send queue full")
	case errors.Is(cause, errHeartbeat):
		h.m.DroppedHeartbeat.Add(1)
		_ = conn.CloseNow()
	case errors.Is(err, errResume):
		h.m.DroppedResume.Add(1)
		h.log.Warn("closing a WebSocket client: history unavailable", "org", c.org, "err", err)
		_ = conn.Close(websocket.StatusTryAgainLater, "events unavailable; reconnect with after=<last id>")
	default:
		_ = conn.CloseNow()
	}
}

func (h *Hub) heartbeat(ctx context.Context, conn *websocket.Conn, cancel context.CancelCauseFunc) {
	t := newTicker(h.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, pcancel := context.WithTimeout(ctx, h.opts.PingTimeout)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil {
				if ctx.Err() == nil {
					cancel(errHeartbeat)
					_ = conn.CloseNow() // unblocks a write to the vanished peer
				}
				return
			}
		}
	}
}

// run replays what the client asked for, says it is ready, then writes
// live events until ctx ends (nil error) or the hub stops.
func (s *session) run(ctx context.Context, after *events.ID) error {
	if after == nil {
		// "From now": the newest retained event is where this client
		// starts, so that a resync after an outage knows where to read from.
		id, err := s.h.sub.LastID(ctx, s.c.org)
		if err != nil {
			if ctx.Err() != nil {
				return nil // the client left
			}
			return fmt.Errorf("%w: %w", errResume, err)
		}
		s.last = id
	} else {
		s.last = *after
		if err := s.replay(ctx); err != nil {
			return err
		}
	}
	if err := s.writeControl(ctx, TypeReady); err != nil {
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.h.stop:
			return nil
		case it := <-s.c.queue:
			if it.resync {
				if err := s.replay(ctx); err != nil {
					return err
				}
				continue
			}
			if it.id.Compare(s.last) <= 0 {
				continue // already written during a replay
			}
			if err := s.write(ctx, it.payload); err != nil {
				return nil
			}
			s.last = it.id
		}
	}
}

// replay writes the history after s.last, page by page.
func (s *session) replay(ctx context.Context) error {
	for {
		b, err := s.h.sub.History(ctx, s.c.org, s.last, s.h.opts.ReplayPage)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("%w: %w", errResume, err)
		}
		if b.Lost {
			if err := s.writeControl(ctx, TypeGap); err != nil {
				return nil
			}
		}
		for _, e := range b.Events {
			id, err := events.ParseID(e.ID)
			if err != nil {
				return fmt.Errorf("%w: %w", errResume, err)
			}
			if s.c.analysis == "" || s.c.analysis == e.AnalysisID {
				payload, err := json.Marshal(e)
				if err != nil {
					return fmt.Errorf("%w: %w", errResume, err)
				}
				if err := s.write(ctx, payload); err != nil {
					return nil
				}
			}
			s.last = id
		}
		if len(b.Events) < s.h.opts.ReplayPage {
			return nil
		}
	}
}

// write sends one message. It carries no context: a write that blocks
// because the client stopped reading ends when the queue behind it fills
// and the hub drops the client, and one blocked on a vanished peer ends when
// the heartbeat fails; both close the connection, which fails the write.
// A cancellable context would cost a timer registration per message per
// client (coder/websocket arms one for any context that can be done), which
// is measurable when one event goes to thousands of clients.
func (s *session) write(_ context.Context, payload []byte) error {
	if err := s.conn.Write(context.Background(), websocket.MessageText, payload); err != nil {
		return err
	}
	s.h.m.Delivered.Add(1)
	return nil
}

func (s *session) writeControl(ctx context.Context, typ string) error {
	msg := map[string]string{"type": typ, "orgId": s.c.org}
	if s.c.analysis != "" {
		msg["analysisId"] = s.c.analysis
	}
	payload, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, s.h.opts.WriteTimeout)
	defer cancel()
	return s.conn.Write(wctx, websocket.MessageText, payload)
}
