//go:build browser

package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/api"
	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/blob/localdir"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/notify"
	"github.com/solsec/platform/services/internal/pipeline"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/testenv"
	"github.com/solsec/platform/services/internal/tools"
)

// platform is the real back end in process: the API handler, the four
// pipeline services' River workers (the built-in engine as the one tool:
// the external analysers are not installed here), the notification
// service's hub and handler behind the platform's auth middleware, over a
// real PostgreSQL and Redis.
type platform struct {
	apiURL, notifyURL string
}

func startPlatform(t *testing.T, email, password string) platform {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.Postgres(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = postgres.Migrate(ctx, pool)
	require.NoError(t, err)
	st := postgres.New(pool)
	rs := testenv.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	ev := events.NewRedis(rdb, events.Options{PublishTimeout: 2 * time.Second})
	blobs, err := localdir.New(t.TempDir(), localdir.Options{})
	require.NoError(t, err)
	log := slog.New(slog.DiscardHandler)

	deps := &pipeline.Deps{Store: st, Blobs: blobs, Events: ev, Logger: log, Metrics: pipeline.NewMetrics()}
	for _, role := range pipeline.Roles {
		c, err := pipeline.NewWorkerClient(role, pool, deps, pipeline.WorkerConfig{
			Concurrency: 2, Workdir: t.TempDir(),
			EnabledTools: []string{tools.EngineName}, Tools: map[string]tools.Tool{tools.EngineName: &tools.Engine{}},
			DefaultToolTimeout: time.Minute, CancelPoll: 100 * time.Millisecond,
			Client: pipeline.ClientConfig{ID: fmt.Sprintf("browser-%s-%d", role, time.Now().UnixNano()), FetchPollInterval: 100 * time.Millisecond},
		})
		require.NoError(t, err)
		require.NoError(t, c.Start(context.Background()))
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = c.StopAndCancel(sctx)
		})
	}
	inserts, err := pipeline.NewClient(pool, pipeline.ClientConfig{Logger: log})
	require.NoError(t, err)

	ksJSON, err := auth.GenerateKeySet("browser")
	require.NoError(t, err)
	ks, err := auth.ParseKeySet(ksJSON)
	require.NoError(t, err)
	tokens, err := auth.NewTokens(ks, auth.TokenConfig{Issuer: "https://solsec.test", Audience: "solsec-api"})
	require.NoError(t, err)
	srv, err := api.New(api.Config{UploadsPerMinute: 1000, RequestsPerMinute: 100000}, api.Deps{
		Store: st, River: inserts, Blobs: blobs, Tokens: tokens, Events: ev,
	})
	require.NoError(t, err)
	apiSrv := httptest.NewServer(srv.Handler())
	t.Cleanup(apiSrv.Close)

	hub := notify.NewHub(ev, notify.HubOptions{}, log, nil)
	hubCtx, stopHub := context.WithCancel(context.Background())
	hubDone := make(chan struct{})
	go func() { _ = hub.Run(hubCtx); close(hubDone) }()
	handler := &notify.Handler{
		Hub: hub,
		OrgOf: func(r *http.Request) (string, bool) {
			p, ok := auth.PrincipalFrom(r.Context())
			return p.OrgID, ok
		},
		Analyses: notify.AnalysesFunc(func(ctx context.Context, org, id string) error {
			_, err := st.GetAnalysis(ctx, org, id)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s: %w", id, notify.ErrUnknownAnalysis)
			}
			return err
		}),
	}
	notifySrv := httptest.NewServer((&auth.Authenticator{Tokens: tokens}).Middleware(handler))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = hub.Shutdown(sctx)
		notifySrv.Close()
		stopHub()
		<-hubDone
	})
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for !hub.Ready() {
		select {
		case <-wait.Done():
			t.Fatal("the notification hub did not subscribe to the live feed")
		case <-time.After(10 * time.Millisecond):
		}
	}

	org, err := st.CreateOrganization(ctx, store.NewOrganization{Name: "browser"})
	require.NoError(t, err)
	hash, err := auth.HashPassword(password)
	require.NoError(t, err)
	_, err = st.CreateUser(ctx, org.ID, store.NewUser{Email: email, PasswordHash: hash, Role: store.RoleAdmin})
	require.NoError(t, err)
	return platform{apiURL: apiSrv.URL, notifyURL: notifySrv.URL}
}

// TestUserJourneyOnTheRealPlatform is the journey of TestUserJourneyInChromium
// against the real API, pipeline and notification service instead of the
// fake: sign in, upload a project archive, watch the real pipeline's events
// bring the page to Completed, open a finding the built-in engine reported,
// triage it and see the dashboard count it.
func TestUserJourneyOnTheRealPlatform(t *testing.T) {
	b := startBrowser(t)
	ctx := b.ctx
	const email, password = "lead@browser.example", "a long enough password"
	p := startPlatform(t, email, password)
	site := edge(t, p.apiURL, p.notifyURL)
	origin := strings.Replace(site.URL, "127.0.0.1", "localhost", 1)
	shot := newShots(t)

	do(t, ctx,
		chromedp.Navigate(origin+"/"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("kpi-analyses")),
	)
	assert.Equal(t, "0", text(t, ctx, "#kpi-analyses"), "a new organisation has no analyses")

	do(t, ctx,
		chromedp.Navigate(origin+"/analyses"),
		chromedp.WaitVisible(chromedp.ID("upload")),
		chromedp.SetUploadFiles(chromedp.ID("files"), []string{projectZip(t)}),
		chromedp.WaitVisible(chromedp.CSS("#upload-check.good")),
		chromedp.Click(chromedp.ID("upload-submit")),
		chromedp.WaitVisible(chromedp.ID("live")),
		// The pipeline's own events bring the page to completed.
		chromedp.WaitVisible(chromedp.CSS("#done a")),
	)
	assert.Equal(t, "Completed", text(t, ctx, "#state"))
	assert.Contains(t, text(t, ctx, "#tools"), tools.EngineName)
	assert.Contains(t, text(t, ctx, "#tools"), "Succeeded")
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$`, text(t, ctx, "#finished"), "the completion event's time")
	shot.take(t, ctx, "platform-progress")
	checkPage(t, ctx, b.axe, "progress (real platform)")

	do(t, ctx,
		chromedp.Click(chromedp.CSS("#done a")),
		chromedp.WaitVisible(chromedp.CSS("table.findings")),
	)
	status := text(t, ctx, "[role=status]")
	require.NotContains(t, status, "0 of 0", "the built-in engine reports the vault's reentrancy")
	shot.take(t, ctx, "platform-findings")
	checkPage(t, ctx, b.axe, "findings (real platform)")

	do(t, ctx,
		chromedp.Click(chromedp.CSS("table.findings tbody a")),
		chromedp.WaitVisible(chromedp.ID("triage")),
	)
	title := text(t, ctx, "h1")
	checkPage(t, ctx, b.axe, "finding (real platform)")
	do(t, ctx,
		chromedp.Click(chromedp.ID("d-confirmed")),
		chromedp.SendKeys(chromedp.ID("reason"), "confirmed in review"),
		chromedp.Submit(chromedp.ID("reason")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	assert.Equal(t, "Confirmed", text(t, ctx, "#finding-status"), title)
	assert.Contains(t, text(t, ctx, ".history"), "confirmed in review")
	shot.take(t, ctx, "platform-finding")

	do(t, ctx,
		chromedp.Navigate(origin+"/dashboard"),
		chromedp.WaitVisible(chromedp.ID("chart-severity")),
	)
	assert.Equal(t, "1", text(t, ctx, "#kpi-analyses"))
	assert.Equal(t, "1", text(t, ctx, "#kpi-triaged"))
	assert.NotEqual(t, "0", text(t, ctx, "#kpi-findings"))
	shot.take(t, ctx, "platform-dashboard")
	checkPage(t, ctx, b.axe, "dashboard (real platform)")

	assert.Empty(t, b.consoleProblems(), "console errors, CSP violations or exceptions")
}
