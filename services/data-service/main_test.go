package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/retention"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/testenv"
	"github.com/solsec/platform/services/internal/webhooks"
)

type harness struct {
	t       *testing.T
	env     map[string]string
	blobDir string
}

func newHarness(t *testing.T) *harness {
	blobDir := filepath.Join(t.TempDir(), "blobs")
	return &harness{t: t, blobDir: blobDir, env: map[string]string{
		"SOLSEC_DATABASE_URL": testenv.Postgres(t),
		"SOLSEC_BLOB_DIR":     blobDir,
		"SOLSEC_LOG_LEVEL":    "debug",
	}}
}

func (h *harness) getenv(k string) string { return h.env[k] }

func (h *harness) run(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, h.getenv, &out, &errOut)
	return out.String(), errOut.String(), err
}

func (h *harness) store() (*postgres.Store, *pgxpool.Pool) {
	pool, err := pgxpool.New(context.Background(), h.env["SOLSEC_DATABASE_URL"])
	require.NoError(h.t, err)
	h.t.Cleanup(pool.Close)
	return postgres.New(pool), pool
}

func TestCommandLine(t *testing.T) {
	t.Run("no command prints the usage", func(t *testing.T) {
		err := run(context.Background(), nil, func(string) string { return "" }, io.Discard, io.Discard)
		assert.ErrorContains(t, err, "usage: data-service")
	})
	t.Run("an unknown command is refused with the usage", func(t *testing.T) {
		err := run(context.Background(), []string{"drop-everything"}, func(string) string { return "" }, io.Discard, io.Discard)
		assert.ErrorContains(t, err, `unknown command "drop-everything"`)
	})
	t.Run("a missing database URL is named", func(t *testing.T) {
		err := run(context.Background(), []string{"migrate"}, func(string) string { return "" }, io.Discard, io.Discard)
		assert.ErrorContains(t, err, "SOLSEC_DATABASE_URL")
	})
	t.Run("erase-org needs exactly one id", func(t *testing.T) {
		getenv := func(k string) string {
			return map[string]string{"SOLSEC_DATABASE_URL": "postgres://127.0.0.1:1/x"}[k]
		}
		err := run(context.Background(), []string{"erase-org"}, getenv, io.Discard, io.Discard)
		assert.ErrorContains(t, err, "exactly one organisation id")
	})
}

func TestMigrateCommand(t *testing.T) {
	h := newHarness(t)
	_, logs, err := h.run("migrate")
	require.NoError(t, err)
	assert.Contains(t, logs, `"msg":"schema migrated"`)
	_, pool := h.store()
	v, err := postgres.SchemaVersion(context.Background(), pool)
	require.NoError(t, err)
	ms, err := postgres.Migrations()
	require.NoError(t, err)
	assert.Equal(t, ms[len(ms)-1].Version, v)

	_, _, err = h.run("migrate")
	assert.NoError(t, err, "migrating again is a no-op")
}

func TestExportAndEraseCommands(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	_, _, err := h.run("migrate")
	require.NoError(t, err)
	st, _ := h.store()
	org, err := st.CreateOrganization(ctx, store.NewOrganization{Name: "acme", RetentionDays: 30})
	require.NoError(t, err)
	_, err = st.CreateUser(ctx, org.ID, store.NewUser{Email: "dpo@acme.example", Role: store.RoleAdmin})
	require.NoError(t, err)

	t.Run("export-org writes the organisation's JSON to stdout and logs elsewhere", func(t *testing.T) {
		out, _, err := h.run("export-org", org.ID)
		require.NoError(t, err)
		var doc struct {
			Organization store.Organization `json:"organization"`
			Users        []store.User       `json:"users"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		assert.Equal(t, org.ID, doc.Organization.ID)
		require.Len(t, doc.Users, 1)
		assert.Equal(t, "dpo@acme.example", doc.Users[0].Email)
	})

	t.Run("export-org -blob writes to object storage and prints the key", func(t *testing.T) {
		out, _, err := h.run("export-org", "-blob", org.ID)
		require.NoError(t, err)
		key := strings.TrimSpace(out)
		assert.True(t, strings.HasPrefix(key, retention.OrgPrefix(org.ID)+"exports/"), key)
		b, err := os.ReadFile(filepath.Join(h.blobDir, filepath.FromSlash(key)))
		require.NoError(t, err)
		assert.True(t, json.Valid(b))
	})

	t.Run("erase-org deletes the organisation and its objects and prints the report", func(t *testing.T) {
		_, pool := h.store()
		hooks := webhooks.NewStore(pool, webhooks.Guard{AllowPrivate: true, AllowHTTP: true})
		_, _, err := hooks.CreateEndpoint(ctx, org.ID, webhooks.NewEndpoint{URL: "http://127.0.0.1:9/hook"})
		require.NoError(t, err)

		out, _, err := h.run("erase-org", "-actor", "ticket-4711", org.ID)
		require.NoError(t, err)
		var res retention.ErasureResult
		require.NoError(t, json.Unmarshal([]byte(out), &res))
		assert.Equal(t, int64(1), res.Deleted["users"])
		assert.Equal(t, 1, res.BlobsDeleted, "the export above")
		_, err = st.GetOrganization(ctx, org.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		audit, err := st.ListAudit(ctx, org.ID, store.AuditFilter{})
		require.NoError(t, err)
		require.Len(t, audit.Items, 1)
		assert.Equal(t, "ticket-4711", audit.Items[0].Actor)
		left, err := hooks.ListEndpoints(ctx, org.ID)
		require.NoError(t, err)
		assert.Empty(t, left, "the organisation's webhook endpoints are erased with it")
		_, err = os.Stat(filepath.Join(h.blobDir, "orgs", org.ID))
		assert.ErrorIs(t, err, os.ErrNotExist)
	})

	t.Run("an unknown organisation is an error", func(t *testing.T) {
		_, _, err := h.run("export-org", org.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
	})
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func get(t *testing.T, url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServe(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	_, _, err := h.run("migrate")
	require.NoError(t, err)
	st, pool := h.store()
	org, err := st.CreateOrganization(ctx, store.NewOrganization{Name: "acme", RetentionDays: 1})
	require.NoError(t, err)
	p, err := st.CreateProject(ctx, org.ID, "p")
	require.NoError(t, err)
	a, _, err := st.CreateAnalysis(ctx, org.ID, store.NewAnalysis{ProjectID: p.ID, SourceHash: "h"})
	require.NoError(t, err)
	_, err = st.TransitionAnalysis(ctx, org.ID, a.ID, store.Transition{From: store.StateQueued, To: store.StateCancelled})
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE analyses SET finished_at = now() - interval '3 days' WHERE id = $1`, a.ID)
	require.NoError(t, err)

	addr := freeAddr(t)
	h.env["SOLSEC_HTTP_ADDR"] = addr
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(sctx, []string{"serve"}, h.getenv, io.Discard, io.Discard) }()

	archive := filepath.Join(h.blobDir, filepath.FromSlash(retention.ArchiveKey(org.ID, a.ID)))
	require.Eventually(t, func() bool {
		_, err := os.Stat(archive)
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "the first sweep runs at start and archives the expired analysis")

	t.Run("the expired analysis is purged after its archive is written", func(t *testing.T) {
		require.Eventually(t, func() bool {
			_, err := st.GetAnalysis(ctx, org.ID, a.ID)
			return err != nil
		}, 30*time.Second, 20*time.Millisecond)
		_, err := st.GetAnalysis(ctx, org.ID, a.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("health, readiness and metrics are served", func(t *testing.T) {
		code, _ := get(t, "http://"+addr+"/healthz")
		assert.Equal(t, http.StatusOK, code)
		code, body := get(t, "http://"+addr+"/readyz")
		assert.Equal(t, http.StatusOK, code, body)
		require.Eventually(t, func() bool {
			_, body := get(t, "http://"+addr+"/metrics")
			return strings.Contains(body, "solsec_retention_analyses_purged_total 1")
		}, 30*time.Second, 20*time.Millisecond)
		_, body = get(t, "http://"+addr+"/metrics")
		assert.Contains(t, body, `solsec_job_duration_seconds_count{kind="retention",outcome="completed"}`)
	})

	t.Run("a cancelled context shuts the service down cleanly", func(t *testing.T) {
		stop()
		require.NoError(t, <-done)
	})
}

func TestServeIsNotReadyOnAnOldSchema(t *testing.T) {
	h := newHarness(t)
	addr := freeAddr(t)
	h.env["SOLSEC_HTTP_ADDR"] = addr
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, h.getenv, io.Discard, io.Discard) }()
	var code int
	var body string
	require.Eventually(t, func() bool {
		code, body = get(t, "http://"+addr+"/readyz")
		return code != 0
	}, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Contains(t, body, "schema")
	stop()
	require.NoError(t, <-done)
}
