package webui_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/webui"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRunReportsEveryConfigurationProblemAtOnce(t *testing.T) {
	fe := webui.Frontend{Name: "analysis", NeedsNotify: true, Mount: func(a *webui.App) { a.MountAnalysis() }}
	err := webui.Run(context.Background(), envOf(map[string]string{"SOLSEC_WEB_SECURE_COOKIES": "maybe"}), &bytes.Buffer{}, fe)
	var ce *service.ConfigError
	require.True(t, errors.As(err, &ce), "%v", err)
	msg := ce.Error()
	for _, name := range []string{"SOLSEC_API_URL", "SOLSEC_NOTIFY_URL", "SOLSEC_WEB_CSRF_KEY", "SOLSEC_WEB_SECURE_COOKIES"} {
		assert.Contains(t, msg, name)
	}

	err = webui.Run(context.Background(), envOf(map[string]string{"SOLSEC_API_URL": "http://api:8080", "SOLSEC_NOTIFY_URL": "http://n:8080", "SOLSEC_WEB_CSRF_KEY": "short"}), &bytes.Buffer{}, fe)
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Error(), "at least 32 bytes")
	assert.NotContains(t, ce.Error(), "short", "the key is never echoed")
}

func TestRunStopsCleanlyWhenItsContextEnds(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer api.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- webui.Run(ctx, envOf(map[string]string{
			"SOLSEC_API_URL": api.URL, "SOLSEC_WEB_CSRF_KEY": strings.Repeat("x", 32),
			"SOLSEC_HTTP_ADDR": "127.0.0.1:0", "SOLSEC_ADMIN_ADDR": "127.0.0.1:0",
		}), &logs, webui.Frontend{Name: "dashboard", Mount: func(a *webui.App) { a.MountDashboard(nil) }})
	}()
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	assert.Contains(t, logs.String(), `"msg":"starting"`)
	assert.Contains(t, logs.String(), `"msg":"stopped"`)
}
