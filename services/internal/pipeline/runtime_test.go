package pipeline_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/pipeline"
	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/testenv"
)

func TestLoadConfig(t *testing.T) {
	t.Run("defaults fill everything but the database", func(t *testing.T) {
		c, err := pipeline.LoadConfig(pipeline.RoleTools, mapEnv(map[string]string{"SOLSEC_DATABASE_URL": "postgres://db/solsec"}))
		require.NoError(t, err)
		assert.Equal(t, pipeline.AllTools, c.Tools)
		assert.Equal(t, 2, c.Concurrency, "tool-integration runs fewer heavy jobs at once")
		assert.Equal(t, pipeline.DefaultToolTimeout, c.ToolTimeout)
		assert.Empty(t, c.RedisURL)
		assert.Len(t, c.Toolset(), 4)
	})
	t.Run("per-tool timeouts override the default", func(t *testing.T) {
		c, err := pipeline.LoadConfig(pipeline.RoleTools, mapEnv(map[string]string{
			"SOLSEC_DATABASE_URL": "postgres://db/solsec", "SOLSEC_TOOLS": "solsec, mythril",
			"SOLSEC_TOOL_TIMEOUT": "2m", "SOLSEC_TOOL_TIMEOUT_MYTHRIL": "15m",
		}))
		require.NoError(t, err)
		assert.Equal(t, []string{"solsec", "mythril"}, c.Tools)
		assert.Equal(t, 2*time.Minute, c.ToolTimeout)
		assert.Equal(t, map[string]time.Duration{"mythril": 15 * time.Minute}, c.ToolTimeouts)
	})
	t.Run("a tool command runs the tool through its interpreter", func(t *testing.T) {
		c, err := pipeline.LoadConfig(pipeline.RoleTools, mapEnv(map[string]string{
			"SOLSEC_DATABASE_URL":         "postgres://db/solsec",
			"SOLSEC_TOOL_COMMAND_SOLHINT": "/nodejs/bin/node /opt/analysers/node_modules/solhint/solhint.js",
		}))
		require.NoError(t, err)
		assert.Equal(t, []string{"/nodejs/bin/node", "/opt/analysers/node_modules/solhint/solhint.js"}, c.ToolCommands["solhint"])
		av := c.Toolset()["solhint"].Detect(context.Background())
		assert.Contains(t, av.Reason, "/nodejs/bin/node", "the configured binary is the one looked for")
	})
	t.Run("every problem is reported at once", func(t *testing.T) {
		_, err := pipeline.LoadConfig(pipeline.RoleOrchestration, mapEnv(map[string]string{
			"SOLSEC_TOOL_COMMAND_SLITHER": "slither",
			"SOLSEC_DATABASE_URL":         "mysql://db", "SOLSEC_TOOLS": "solsec,echidna", "SOLSEC_STUCK_AFTER": "soon",
			"SOLSEC_BLOB_BACKEND": "s3", "SOLSEC_S3_BUCKET": "sources",
		}))
		var ce *service.ConfigError
		require.ErrorAs(t, err, &ce)
		text := err.Error()
		for _, want := range []string{"SOLSEC_DATABASE_URL", `unknown tool "echidna"`, "SOLSEC_STUCK_AFTER", "SOLSEC_S3_KMS_KEY_ID is required", "SOLSEC_TOOL_COMMAND_SLITHER"} {
			assert.Contains(t, text, want)
		}
		assert.NotContains(t, text, "mysql://db", "URLs are never echoed: they may hold passwords")
	})
}

// TestRunServesHealthAndMetricsAndStopsOnCancel starts the orchestration
// service as its main does and shuts it down.
func TestRunServesHealthAndMetricsAndStopsOnCancel(t *testing.T) {
	dbURL := testenv.Postgres(t)
	pool, err := pgxpool.New(context.Background(), dbURL)
	require.NoError(t, err)
	defer pool.Close()
	_, err = postgres.Migrate(context.Background(), pool)
	require.NoError(t, err)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	ctx, cancel := context.WithCancel(context.Background())
	env := map[string]string{
		"SOLSEC_DATABASE_URL": dbURL, "SOLSEC_ADMIN_ADDR": addr, "SOLSEC_BLOB_DIR": t.TempDir(),
		"SOLSEC_SHUTDOWN_DRAIN": "2s", "SOLSEC_TOOLS": "solsec",
	}
	done := make(chan error, 1)
	go func() { done <- pipeline.Run(ctx, pipeline.RoleOrchestration, mapEnv(env), io.Discard) }()

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, _ := get("/readyz"); code == http.StatusOK {
			break
		}
		require.True(t, time.Now().Before(deadline), "the service never became ready")
		time.Sleep(50 * time.Millisecond)
	}
	// The first queue poll runs beside readiness, not before it: wait for it.
	var code int
	var body string
	polled := time.Now().Add(20 * time.Second)
	for {
		code, body = get("/metrics")
		if strings.Contains(body, `solsec_queue_depth{queue="orchestrate"} 0`) || time.Now().After(polled) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	assert.Equal(t, http.StatusOK, code)
	assert.True(t, strings.Contains(body, `solsec_queue_depth{queue="orchestrate"} 0`), "queue depth is exported:\n%s", body)
	code, _ = get("/healthz")
	assert.Equal(t, http.StatusOK, code)

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "a cancelled service stops cleanly")
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not stop")
	}
}

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
