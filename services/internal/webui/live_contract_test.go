package webui_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/notify"
	"github.com/solsec/platform/services/internal/testenv"
	"github.com/solsec/platform/services/internal/webui"
)

// TestLiveViewAgainstTheRealNotificationService relays the real
// notification handler (its hub on a real Redis, behind the platform's auth
// middleware with a real JWT) rather than the fake: events published by
// the pipeline's publisher reach the page's socket in order, and a resume
// after the last id misses nothing.
func TestLiveViewAgainstTheRealNotificationService(t *testing.T) {
	rs := testenv.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	tr := events.NewRedis(rdb, events.Options{PublishTimeout: 2 * time.Second})
	hub := notify.NewHub(tr, notify.HubOptions{}, slog.New(slog.DiscardHandler), nil)
	hubCtx, stopHub := context.WithCancel(context.Background())
	hubDone := make(chan struct{})
	go func() { _ = hub.Run(hubCtx); close(hubDone) }()

	ksJSON, err := auth.GenerateKeySet("live")
	require.NoError(t, err)
	ks, err := auth.ParseKeySet(ksJSON)
	require.NoError(t, err)
	tokens, err := auth.NewTokens(ks, auth.TokenConfig{Issuer: "https://solsec.test", Audience: "solsec-api"})
	require.NoError(t, err)
	authn := &auth.Authenticator{Tokens: tokens}
	handler := &notify.Handler{
		Hub: hub,
		OrgOf: func(r *http.Request) (string, bool) {
			p, ok := auth.PrincipalFrom(r.Context())
			return p.OrgID, ok
		},
		Analyses: notify.AnalysesFunc(func(_ context.Context, org, id string) error {
			if org != "org-live" || id != "an-live" {
				return fmt.Errorf("%s: %w", id, notify.ErrUnknownAnalysis)
			}
			return nil
		}),
	}
	notifySrv := httptest.NewServer(authn.Middleware(handler))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = hub.Shutdown(sctx)
		notifySrv.Close()
		stopHub()
		<-hubDone
	})
	waitCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !hub.Ready() {
		select {
		case <-waitCtx.Done():
			t.Fatal("the hub did not subscribe to the live feed")
		case <-time.After(10 * time.Millisecond):
		}
	}

	notifyURL, err := url.Parse(notifySrv.URL)
	require.NoError(t, err)
	app, err := webui.NewApp(webui.Config{API: notifyURL, Notify: notifyURL, CSRFKey: bytes.Repeat([]byte("k"), 32), SecureCookies: true})
	require.NoError(t, err)
	app.MountAnalysis()
	front := httptest.NewTLSServer(app.Handler())
	t.Cleanup(front.Close)
	h := (&harness{t: t, srv: front}).otherBrowser()
	jwt, _, err := tokens.Issue(auth.Principal{OrgID: "org-live", UserID: "usr-1", Role: auth.RoleAnalyst, Subject: "usr-1"})
	require.NoError(t, err)
	frontURL, _ := url.Parse(front.URL)
	h.http.Jar.SetCookies(frontURL, []*http.Cookie{{Name: "__Host-solsec_session", Value: jwt, Path: "/", Secure: true, HttpOnly: true}})

	ctx := t.Context()
	publish := func(typ events.Type, state string, progress int, tool string) {
		_, err := tr.Publish(ctx, events.Event{OrgID: "org-live", AnalysisID: "an-live", Type: typ, State: state, Progress: progress, Tool: tool})
		require.NoError(t, err)
	}
	publish(events.AnalysisQueued, "queued", 0, "")
	publish(events.AnalysisStateChanged, "parsing", 10, "")

	c, _, err := h.dialLive(ctx, "an-live", "0", front.URL)
	require.NoError(t, err)
	first := readUntil(t, ctx, c, "", 2)
	assert.Equal(t, []string{"analysis.queued:", "analysis.state_changed:"}, types(first))
	require.NoError(t, c.Close(websocket.StatusNormalClosure, "page closed"))

	publish(events.ToolRunStarted, "analysing", 25, "solsec")
	publish(events.ToolRunFinished, "analysing", 60, "solsec")
	publish(events.AnalysisCompleted, "completed", 100, "")
	c, _, err = h.dialLive(ctx, "an-live", first[1].ID, front.URL)
	require.NoError(t, err)
	defer c.CloseNow()
	rest := readUntil(t, ctx, c, "analysis.completed", 10)
	assert.Equal(t, []string{"tool_run.started:solsec", "tool_run.finished:solsec", "analysis.completed:"}, types(rest))

	t.Run("an analysis the user's organisation does not own is refused", func(t *testing.T) {
		_, resp, err := h.dialLive(ctx, "an-other", "0", front.URL)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
	t.Run("a session the notification service does not accept is refused", func(t *testing.T) {
		b := h.otherBrowser()
		forged := jwt[:len(jwt)-4] + "AAAA"
		b.http.Jar.SetCookies(frontURL, []*http.Cookie{{Name: "__Host-solsec_session", Value: forged, Path: "/", Secure: true, HttpOnly: true}})
		_, resp, err := b.dialLive(ctx, "an-live", "0", front.URL)
		require.Error(t, err)
		var ce websocket.CloseError
		assert.False(t, errors.As(err, &ce), "refused before the upgrade")
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
}
