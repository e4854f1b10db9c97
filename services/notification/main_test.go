package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/notify"
	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/testenv"
)

func mapEnv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRunReportsEveryConfigurationProblemAtOnce(t *testing.T) {
	err := run(context.Background(), mapEnv(map[string]string{
		"SOLSEC_REDIS_URL":     "http://not-redis",
		"SOLSEC_WS_QUEUE_SIZE": "huge",
	}), io.Discard)
	var ce *service.ConfigError
	require.ErrorAs(t, err, &ce)
	for _, want := range []string{"SOLSEC_DATABASE_URL", "SOLSEC_REDIS_URL", "SOLSEC_WS_QUEUE_SIZE", "SOLSEC_JWT_KEYS_FILE"} {
		assert.Contains(t, err.Error(), want)
	}
}

// seed creates an organisation with one analysis and returns their ids.
func seed(t *testing.T, ctx context.Context, st *postgres.Store, name string) (org, analysis string) {
	t.Helper()
	o, err := st.CreateOrganization(ctx, store.NewOrganization{Name: name})
	require.NoError(t, err)
	p, err := st.CreateProject(ctx, o.ID, "contracts")
	require.NoError(t, err)
	a, _, err := st.CreateAnalysis(ctx, o.ID, store.NewAnalysis{
		ProjectID: p.ID, SourceHash: strings.Repeat("ab", 32), BlobKey: "sources/" + name, EntryFiles: []string{"A.sol"},
	})
	require.NoError(t, err)
	return o.ID, a.ID
}

func TestServiceDeliversEventsToAnAuthenticatedClientUntilShutdown(t *testing.T) {
	ctx := context.Background()
	db := testenv.Postgres(t)
	rs := testenv.Redis(t)
	pool, err := pgxpool.New(ctx, db)
	require.NoError(t, err)
	defer pool.Close()
	_, err = postgres.Migrate(ctx, pool)
	require.NoError(t, err)
	st := postgres.New(pool)
	orgA, analysisA := seed(t, ctx, st, "a")
	_, analysisB := seed(t, ctx, st, "b")

	dir := t.TempDir()
	keys, err := auth.GenerateKeySet("k1")
	require.NoError(t, err)
	keyFile := filepath.Join(dir, "keys.json")
	require.NoError(t, os.WriteFile(keyFile, keys, 0o600))
	ks, err := auth.ParseKeySet(keys)
	require.NoError(t, err)
	tokens, err := auth.NewTokens(ks, auth.TokenConfig{Issuer: "solsec", Audience: "solsec-api"})
	require.NoError(t, err)
	token, _, err := tokens.Issue(auth.Principal{OrgID: orgA, UserID: uuid.NewString(), Role: auth.RoleViewer})
	require.NoError(t, err)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(runCtx, mapEnv(map[string]string{
			"SOLSEC_DATABASE_URL": db, "SOLSEC_REDIS_URL": rs.URL(), "SOLSEC_HTTP_ADDR": addr,
			"SOLSEC_JWT_KEYS_FILE": keyFile, "SOLSEC_WS_ALLOWED_ORIGINS": "https://app.solsec.test",
		}), io.Discard)
	}()
	base := "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "the service becomes ready")

	dial := func(query string, protocols ...string) (*websocket.Conn, *http.Response, error) {
		dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
		defer dcancel()
		return websocket.Dial(dctx, "ws://"+addr+"/v1/ws"+query, &websocket.DialOptions{
			Subprotocols: protocols,
			HTTPHeader:   http.Header{"Origin": []string{"https://app.solsec.test"}},
		})
	}

	t.Run("a connection without credentials is refused", func(t *testing.T) {
		_, resp, err := dial("")
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})

	t.Run("another organisation's analysis is refused through the store", func(t *testing.T) {
		_, resp, err := dial("?analysis="+analysisB, notify.Subprotocol, "bearer."+token)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})

	t.Run("a browser-style client receives its analysis's events, then going away at shutdown", func(t *testing.T) {
		conn, _, err := dial("?analysis="+analysisA, notify.Subprotocol, "bearer."+token)
		require.NoError(t, err)
		defer conn.CloseNow()
		assert.Equal(t, notify.Subprotocol, conn.Subprotocol())
		read := func() map[string]any {
			rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
			defer rcancel()
			_, data, err := conn.Read(rctx)
			require.NoError(t, err)
			var m map[string]any
			require.NoError(t, json.Unmarshal(data, &m))
			return m
		}
		assert.Equal(t, notify.TypeReady, read()["type"])

		client := redis.NewClient(&redis.Options{Addr: rs.Addr})
		defer client.Close()
		pub := events.NewRedis(client, events.Options{})
		var want []string
		for i, typ := range []events.Type{events.AnalysisStateChanged, events.ToolRunStarted, events.ToolRunFinished, events.AnalysisCompleted} {
			id, err := pub.Publish(ctx, events.Event{OrgID: orgA, AnalysisID: analysisA, Type: typ, Progress: 25 * (i + 1), Tool: "engine"})
			require.NoError(t, err)
			want = append(want, id.String())
		}
		var got []string
		for range want {
			got = append(got, fmt.Sprint(read()["id"]))
		}
		assert.Equal(t, want, got)

		resp, err := http.Get(base + "/metrics")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Contains(t, string(body), "solsec_notification_clients 1")
		assert.Contains(t, string(body), `solsec_webhook_attempts_total{outcome="failed"} 0`)

		cancel()
		rctx, rcancel := context.WithTimeout(ctx, 30*time.Second)
		defer rcancel()
		_, _, err = conn.Read(rctx)
		assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err))
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(60 * time.Second):
			t.Fatal("run did not return after cancellation")
		}
	})
}
