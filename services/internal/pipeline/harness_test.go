package pipeline_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/blob/localdir"
	"github.com/solsec/platform/services/internal/cache"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/pipeline"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/testenv"
	"github.com/solsec/platform/services/internal/tools"
	"github.com/solsec/platform/services/internal/upload"
)

// harness runs the four pipeline services against one database, one Redis
// and one blob directory, each service with its own River client as in
// production, so that tests can stop and start them one by one.
type harness struct {
	t       testing.TB
	dbURL   string
	pool    *pgxpool.Pool
	store   *postgres.Store
	blobs   *localdir.Store
	redis   *testenv.RedisServer
	rdb     *redis.Client
	deps    *pipeline.Deps
	inserts *pipeline.Client
	slither *fakeSlither
	logs    *syncBuffer

	configs  map[pipeline.Role]pipeline.WorkerConfig
	mu       sync.Mutex
	services map[pipeline.Role]*running
	org      store.Organization
	project  store.Project
}

type running struct {
	client *pipeline.Client
	done   chan error
}

type harnessOptions struct {
	// dbURL is the database to use; empty means a fresh one on the shared
	// test server.
	dbURL string
	// tools run by tool-integration; default the engine and Slither.
	tools []string
	// toolTimeout bounds each tool run.
	toolTimeout time.Duration
	// rescueAfter is River's stuck-job rescue delay for every client.
	rescueAfter time.Duration
	// sweep settings.
	sweepEvery, stuckAfter time.Duration
}

// syncBuffer collects the services' logs for failure messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newHarness(t testing.TB, o harnessOptions) *harness {
	t.Helper()
	ctx := context.Background()
	if o.dbURL == "" {
		o.dbURL = testenv.Postgres(t)
	}
	if len(o.tools) == 0 {
		o.tools = []string{tools.EngineName, "slither"}
	}
	if o.toolTimeout == 0 {
		o.toolTimeout = time.Minute
	}
	pool, err := pgxpool.New(ctx, o.dbURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = postgres.Migrate(ctx, pool)
	require.NoError(t, err)

	h := &harness{t: t, dbURL: o.dbURL, pool: pool, store: postgres.New(pool), logs: &syncBuffer{}, services: map[pipeline.Role]*running{}}
	h.blobs, err = localdir.New(t.TempDir(), localdir.Options{})
	require.NoError(t, err)
	h.redis = testenv.Redis(t)
	h.rdb = redis.NewClient(&redis.Options{Addr: h.redis.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = h.rdb.Close() })
	h.slither = newFakeSlither(t)

	logger := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h.deps = &pipeline.Deps{
		Store: h.store,
		Blobs: h.blobs,
		// Generous timeouts: under a loaded CI machine a 200 ms budget can
		// lapse on a healthy server and turn into a flaky "not cached". A
		// stopped server still fails at once (connection refused).
		Events:  events.NewRedis(h.rdb, events.Options{PublishTimeout: 2 * time.Second}),
		Cache:   cache.New(h.rdb, cache.Options{Timeout: 2 * time.Second}),
		Logger:  logger,
		Metrics: pipeline.NewMetrics(),
	}
	h.inserts, err = pipeline.NewClient(pool, pipeline.ClientConfig{Logger: logger})
	require.NoError(t, err)

	h.org, err = h.store.CreateOrganization(ctx, store.NewOrganization{Name: "acme"})
	require.NoError(t, err)
	h.project, err = h.store.CreateProject(ctx, h.org.ID, "vault")
	require.NoError(t, err)

	toolset := map[string]tools.Tool{}
	for _, name := range o.tools {
		switch name {
		case tools.EngineName:
			toolset[name] = &tools.Engine{}
		case "slither":
			// Found on PATH, as a real installation would be.
			toolset[name] = tools.NewSlither(tools.ExternalOptions{Limits: tools.Limits{Timeout: o.toolTimeout}})
		default:
			t.Fatalf("harness: unknown tool %s", name)
		}
	}
	h.configs = map[pipeline.Role]pipeline.WorkerConfig{}
	for _, role := range pipeline.Roles {
		h.configs[role] = pipeline.WorkerConfig{
			Concurrency:        4,
			Workdir:            t.TempDir(),
			EnabledTools:       o.tools,
			Tools:              toolset,
			DefaultToolTimeout: o.toolTimeout,
			CancelPoll:         100 * time.Millisecond,
			SweepEvery:         o.sweepEvery,
			StuckAfter:         o.stuckAfter,
			Client: pipeline.ClientConfig{
				ID:                   fmt.Sprintf("%s-%d", role, time.Now().UnixNano()),
				RescueStuckJobsAfter: o.rescueAfter,
				FetchPollInterval:    200 * time.Millisecond,
			},
		}
	}
	t.Cleanup(func() {
		for _, role := range pipeline.Roles {
			h.stop(role, true)
		}
		if t.Failed() {
			t.Logf("service logs:\n%s", h.logs.String())
		}
	})
	return h
}

// start starts one service's River client.
func (h *harness) start(role pipeline.Role) {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.services[role] != nil {
		return
	}
	cfg := h.configs[role]
	cfg.Client.ID = fmt.Sprintf("%s-%d", role, time.Now().UnixNano())
	c, err := pipeline.NewWorkerClient(role, h.pool, h.deps, cfg)
	require.NoError(h.t, err)
	require.NoError(h.t, c.Start(context.Background()))
	h.services[role] = &running{client: c}
}

func (h *harness) startAll() {
	for _, role := range pipeline.Roles {
		h.start(role)
	}
}

// stop stops one service: gracefully (in-flight jobs finish), or, with
// kill, at once: running jobs have their context cancelled, as when the
// process is told to die now.
func (h *harness) stop(role pipeline.Role, kill bool) {
	h.mu.Lock()
	r := h.services[role]
	delete(h.services, role)
	h.mu.Unlock()
	if r == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if kill {
		_ = r.client.StopAndCancel(ctx)
		return
	}
	_ = r.client.Stop(ctx)
}

// submit uploads the project under dir as the API does.
func (h *harness) submit(dir string) store.Analysis {
	h.t.Helper()
	a, created, err := submitBundle(h, readProject(h.t, dir))
	require.NoError(h.t, err)
	require.True(h.t, created)
	return a
}

// submitBundle stores the bundle's sources and inserts the analysis with
// its parse job in one transaction, as the API does.
func submitBundle(h *harness, b *upload.Bundle) (store.Analysis, bool, error) {
	return pipeline.Submit(context.Background(), h.store, h.inserts, h.blobs, h.org.ID, b, store.NewAnalysis{ProjectID: h.project.ID})
}

// readProject reads a project directory as a zip upload would bring it.
func readProject(t testing.TB, dir string) *upload.Bundle {
	t.Helper()
	var files []upload.File
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		files = append(files, upload.File{Name: filepath.ToSlash(rel), Data: data})
		return err
	})
	require.NoError(t, err)
	b, err := upload.FromFiles(files, upload.Limits{})
	require.NoError(t, err)
	return b
}

// waitEnded waits until the analysis reaches a terminal state, or fails
// the test after timeout.
func (h *harness) waitEnded(id string, timeout time.Duration) store.Analysis {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		a, err := h.store.GetAnalysis(context.Background(), h.org.ID, id)
		if err == nil && a.State.Terminal() {
			return a
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("analysis %s did not end within %s: state %s, err %v, runs %+v", id, timeout, a.State, err, a.ToolRuns)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor polls cond until it holds or timeout passes.
func (h *harness) waitFor(what string, timeout time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// findings returns every finding an analysis reported.
func (h *harness) findings(analysisID string) []store.Finding {
	h.t.Helper()
	var out []store.Finding
	cursor := ""
	for {
		page, err := h.store.ListFindings(context.Background(), h.org.ID, store.FindingFilter{AnalysisID: analysisID, Limit: store.MaxPageSize, Cursor: cursor})
		require.NoError(h.t, err)
		out = append(out, page.Items...)
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

// fakeSlither is a script that answers like Slither: `--version` prints a
// version and a run prints testdata/slither/foundry.json, the documented
// `slither . --json -` document for the Foundry test project. Creating the
// file <dir>/slow makes each run sleep first, so tests can catch a run in
// flight; <dir>/crash-once makes the next run crash (exit 1, nothing on
// standard output); every run appends a line to <dir>/calls.
type fakeSlither struct {
	dir, path string
}

func newFakeSlither(t testing.TB) *fakeSlither {
	t.Helper()
	dir := t.TempDir()
	out, err := filepath.Abs(filepath.Join("testdata", "slither", "foundry.json"))
	require.NoError(t, err)
	script := fmt.Sprintf(`#!/bin/sh
if [ "$1" = "--version" ]; then echo "0.10.4"; exit 0; fi
echo run >> %[1]s/calls
if [ -f %[1]s/crash-once ]; then /bin/rm %[1]s/crash-once; echo "Traceback: segmentation fault" >&2; exit 1; fi
if [ -f %[1]s/slow ]; then /bin/sleep "$(/bin/cat %[1]s/slow)"; fi
exec /bin/cat %[2]s
`, dir, out)
	path := filepath.Join(dir, "slither")
	require.NoError(t, os.WriteFile(path, []byte(script), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return &fakeSlither{dir: dir, path: path}
}

// slow makes the following runs sleep for d before answering.
func (f *fakeSlither) slow(t testing.TB, d time.Duration) {
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, "slow"), []byte(fmt.Sprintf("%.1f", d.Seconds())), 0o644))
}

// crashOnce makes the next run crash.
func (f *fakeSlither) crashOnce(t testing.TB) {
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, "crash-once"), nil, 0o644))
}

// fast undoes slow.
func (f *fakeSlither) fast(t testing.TB) {
	require.NoError(t, os.Remove(filepath.Join(f.dir, "slow")))
}

// calls is how many runs started.
func (f *fakeSlither) calls() int {
	b, err := os.ReadFile(filepath.Join(f.dir, "calls"))
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "run")
}

// copyDir copies the files under src to dst.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	require.NoError(t, err)
}

var _ io.Writer = (*syncBuffer)(nil)
