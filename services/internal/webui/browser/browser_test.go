//go:build browser

// Package browser drives the four web front ends in real headless Chromium
// (Debian's chromium package, through chromedp): sign in, upload a project
// by the file input the drop zone feeds, watch the live progress reach
// completed, open a finding, triage it and see the dashboard reflect it,
// with an axe-core accessibility check, a CSP-violation watch and a 360 px
// layout check on every page, and a screenshot of each.
//
// The front ends run as four separate apps behind a path-routing TLS edge,
// as deployed, in front of webuitest's in-process fake of the API and
// notification contracts: the real API, pipeline and notification service
// need PostgreSQL, Redis and the analysers, and their own end-to-end tests
// cover them; what this test owns is the pages.
//
// Run it with `make browser-tests`. Without chromium it skips, saying why,
// unless SOLSEC_REQUIRE_BROWSER=1. SOLSEC_UPDATE_SCREENSHOTS=1 also writes
// the screenshots to docs/screenshots; SOLSEC_BROWSER_ARTIFACTS names the
// artefact directory (default: a solsec-browser folder in the temp dir).
package browser

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/webui"
	"github.com/solsec/platform/services/internal/webui/webuitest"
)

var analyst = webuitest.User{Email: "ana@example.com", Password: "s3cret-pass", OrgID: "org_demo", Role: "admin", UserID: "usr_ana"}

// edge starts the four front ends over the API and notification service
// at the given URLs, each its own App as its own deployable
// would, and a TLS reverse proxy routing paths to them as the ingress does.
func edge(t *testing.T, apiURL, notifyURL string) *httptest.Server {
	t.Helper()
	base, err := url.Parse(apiURL)
	require.NoError(t, err)
	notify, err := url.Parse(notifyURL)
	require.NoError(t, err)
	key := bytes.Repeat([]byte("shared-csrf-key!"), 2)
	frontend := func(mount func(*webui.App)) *url.URL {
		app, err := webui.NewApp(webui.Config{API: base, Notify: notify, CSRFKey: key, SecureCookies: true})
		require.NoError(t, err)
		mount(app)
		srv := httptest.NewServer(app.Handler())
		t.Cleanup(srv.Close)
		u, _ := url.Parse(srv.URL)
		return u
	}
	core := frontend(func(a *webui.App) { a.MountCore() })
	analysis := frontend(func(a *webui.App) { a.MountAnalysis() })
	findings := frontend(func(a *webui.App) { a.MountFindings() })
	dashboard := frontend(func(a *webui.App) { a.MountDashboard(nil) })
	route := func(p string) *url.URL {
		switch {
		case p == "/analyses" || strings.HasPrefix(p, "/analyses/"):
			return analysis
		case strings.HasPrefix(p, "/findings/"):
			return findings
		case p == "/dashboard":
			return dashboard
		}
		return core // the shell, sign-in, account and the shared assets
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(route(pr.In.URL.Path))
		pr.Out.Host = pr.In.Host // the apps check WebSocket origins against it
	}}
	srv := httptest.NewTLSServer(proxy)
	t.Cleanup(srv.Close)
	return srv
}

// projectZip writes a small Foundry-style project archive.
func projectZip(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vault-project.zip")
	f, err := os.Create(path)
	require.NoError(t, err)
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{
		"foundry.toml":  "[profile.default]\nsrc = \"src\"\n",
		"src/Vault.sol": "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract Vault {\n  mapping(address => uint) balances;\n  function withdraw() external {\n    uint amount = balances[msg.sender];\n    (bool ok, ) = msg.sender.call{value: amount}(\"\");\n    require(ok);\n    balances[msg.sender] = 0;\n  }\n}\n",
	} {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
	return path
}

type shots struct {
	t         *testing.T
	artifacts string
	docs      string // "" unless SOLSEC_UPDATE_SCREENSHOTS=1
}

func newShots(t *testing.T) *shots {
	dir := os.Getenv("SOLSEC_BROWSER_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "solsec-browser")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	s := &shots{t: t, artifacts: dir}
	if os.Getenv("SOLSEC_UPDATE_SCREENSHOTS") == "1" {
		s.docs = filepath.Join("..", "..", "..", "..", "docs", "screenshots")
		require.NoError(t, os.MkdirAll(s.docs, 0o755))
	}
	t.Logf("screenshots in %s", dir)
	return s
}

func (s *shots) take(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot %s", name)
	require.NoError(t, os.WriteFile(filepath.Join(s.artifacts, name+".png"), png, 0o644))
	if s.docs != "" {
		require.NoError(t, os.WriteFile(filepath.Join(s.docs, name+".png"), png, 0o644))
	}
}

// axeResult is what the page check returns: how many rules passed and
// every violation.
type axeResult struct {
	Passes     int            `json:"passes"`
	Violations []axeViolation `json:"violations"`
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, steps...))
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	require.NoError(t, err)
	return v
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return strings.TrimSpace(run(t, ctx, chromedp.Text(chromedp.CSS(css))))
}

// checkPage runs axe-core on the current page (injected through the
// DevTools protocol, which the page's CSP does not govern) and asserts
// that no serious or critical violation is found, then checks that the
// page does not overflow a 360 px viewport horizontally.
func checkPage(t *testing.T, ctx context.Context, axe, name string) {
	t.Helper()
	run(t, ctx, chromedp.Evaluate[chromedp.Void](axe))
	res := run(t, ctx, chromedp.Evaluate[axeResult](`axe.run(document, {resultTypes: ["violations"]}).then(r => ({
		passes: r.passes.length,
		violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html.slice(0, 160))}))}))`, chromedp.EvalAwaitPromise))
	require.Positive(t, res.Passes, "axe-core ran its rules on %s", name)
	var serious []axeViolation
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			serious = append(serious, v)
		} else {
			t.Logf("axe-core, %s (%s) on %s: %s", v.ID, v.Impact, name, v.Help)
		}
	}
	assert.Empty(t, serious, "axe-core: serious or critical violations on %s", name)

	do(t, ctx, chromedp.EmulateViewport(360, 740))
	overflow := run(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if !assert.LessOrEqual(t, overflow, 0, "%s scrolls sideways at 360 px", name) {
		wide := run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("body *")]
			.filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
			.slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + "." + e.className)`))
		t.Logf("elements past the right edge: %v", wide)
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
}

// browser is a headless Chromium for one test, with axe-core's source and
// a watch on the console.
type browser struct {
	ctx      context.Context
	axe      string
	stop     func()
	mu       sync.Mutex
	problems []string
	done     chan struct{}
}

// startBrowser launches Chromium, or skips (fails with
// SOLSEC_REQUIRE_BROWSER=1) when it or axe-core is not installed.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	chrome, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("SOLSEC_REQUIRE_BROWSER") == "1" {
			t.Fatalf("chromium is not installed and SOLSEC_REQUIRE_BROWSER=1: run `make browser-tests`, which installs it")
		}
		t.Skip("chromium is not installed (Debian package `chromium`); `make browser-tests` installs it")
	}
	axePath := os.Getenv("SOLSEC_AXE_JS")
	if axePath == "" {
		axePath = filepath.Join(".npm", "node_modules", "axe-core", "axe.min.js")
	}
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		if os.Getenv("SOLSEC_REQUIRE_BROWSER") == "1" {
			t.Fatalf("axe-core is not installed at %s: run setup.sh beside this test", axePath)
		}
		t.Skipf("axe-core is not installed at %s; `make browser-tests` installs it", axePath)
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The edge's certificate is httptest's, signed by no known CA.
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	// A bound on the whole journey, so a page that never shows what a step
	// waits for fails the test instead of hanging it.
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	b := &browser{ctx: ctx, axe: string(axeSrc), done: make(chan struct{})}

	// Start the browser on ctx (its first Run owns it), then collect every
	// console error and uncaught exception, CSP reports among them.
	do(t, ctx, chromedp.Navigate("about:blank"))
	consoleCtx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx)
	go func() {
		defer close(b.done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("%s: %s (%s)", m.Type, m.Text, m.URL))
				b.mu.Unlock()
			}
		}
	}()
	b.stop = func() {
		stopConsole()
		<-b.done
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	}
	t.Cleanup(b.stop)
	return b
}

// consoleProblems stops the console watch and returns what it saw.
func (b *browser) consoleProblems() []string {
	b.stop()
	b.stop = func() {}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.problems
}

func TestUserJourneyInChromium(t *testing.T) {
	b := startBrowser(t)
	ctx, axe := b.ctx, b.axe

	api := webuitest.New(analyst)
	// The fake pipeline moves on by itself, as the real one does, so the
	// page sees its progress arrive live over the WebSocket.
	api.Step = 250 * time.Millisecond
	t.Cleanup(api.Close)
	site := edge(t, api.URL(), api.URL())
	origin := strings.Replace(site.URL, "127.0.0.1", "localhost", 1)
	shot := newShots(t)

	t.Run("a signed-out visitor lands on the sign-in page and can reach the form by keyboard", func(t *testing.T) {
		do(t, ctx, chromedp.Navigate(origin+"/dashboard"), chromedp.WaitVisible(chromedp.ID("email")))
		assert.Equal(t, origin+"/signin?next=%2Fdashboard", run(t, ctx, chromedp.Location()))
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		assert.Equal(t, "Skip to content", run(t, ctx, chromedp.Evaluate[string](`document.activeElement.textContent.trim()`)), "the first Tab reaches the skip link")
		assert.Equal(t, "solid", run(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.activeElement).outlineStyle`)), "focus is visible")
		assert.Less(t, run(t, ctx, chromedp.Evaluate[int](`document.activeElement.getBoundingClientRect().left`)), 360, "the focused skip link moves into view")
		shot.take(t, ctx, "signin")
		checkPage(t, ctx, axe, "sign-in")
	})

	t.Run("signing in", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(origin+"/signin?next=/analyses"),
			chromedp.SendKeys(chromedp.ID("email"), analyst.Email),
			chromedp.SendKeys(chromedp.ID("password"), analyst.Password),
			chromedp.Submit(chromedp.ID("password")),
			chromedp.WaitVisible(chromedp.ID("upload")),
		)
		assert.Equal(t, origin+"/analyses", run(t, ctx, chromedp.Location()))
		assert.Empty(t, run(t, ctx, chromedp.Evaluate[string](`document.cookie`)), "every cookie is HttpOnly: scripts see none")
	})

	t.Run("files dropped on the drop zone are checked and put in the form", func(t *testing.T) {
		// A drop as the browser delivers it: a DataTransfer holding files.
		drop := func(files string) string {
			return `(() => {
				const dt = new DataTransfer();
				for (const [name, body] of ` + files + `) dt.items.add(new File([body], name));
				const zone = document.getElementById("drop");
				zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
				const over = zone.classList.contains("over");
				zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
				return over && !zone.classList.contains("over");
			})()`
		}
		assert.True(t, run(t, ctx, chromedp.Evaluate[bool](drop(`[["A.sol", "contract A {}"], ["project.zip", "PK"]]`))), "the zone highlights while dragged over")
		assert.Contains(t, text(t, ctx, "#upload-check.bad"), "Upload one project archive on its own")
		run(t, ctx, chromedp.Evaluate[bool](drop(`[["Token.sol", "contract T {}"], ["Vault.sol", "contract V {}"]]`)))
		assert.Equal(t, "2 file(s) ready: Token.sol, Vault.sol", text(t, ctx, "#upload-check.good"))
		assert.Equal(t, 2, run(t, ctx, chromedp.Evaluate[int](`document.getElementById("files").files.length`)), "the dropped files are the form's")
	})

	t.Run("the upload page checks a wrong file before sending it", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "notes.txt")
		require.NoError(t, os.WriteFile(bad, []byte("hello"), 0o644))
		do(t, ctx,
			chromedp.SetUploadFiles(chromedp.ID("files"), []string{bad}),
			chromedp.WaitVisible(chromedp.CSS("#upload-check.bad")),
		)
		assert.Contains(t, text(t, ctx, "#upload-check"), "notes.txt is neither a .sol file nor a .zip or .tar.gz archive")
	})

	var analysisURL string
	t.Run("uploading a project archive and watching it complete live", func(t *testing.T) {
		do(t, ctx,
			chromedp.SetUploadFiles(chromedp.ID("files"), []string{projectZip(t)}),
			chromedp.WaitVisible(chromedp.CSS("#upload-check.good")),
		)
		assert.Contains(t, text(t, ctx, "#upload-check"), "1 file(s) ready: vault-project.zip")
		shot.take(t, ctx, "upload")
		checkPage(t, ctx, axe, "analyses")

		do(t, ctx,
			chromedp.Click(chromedp.ID("upload-submit")),
			chromedp.WaitVisible(chromedp.ID("live")),
		)
		analysisURL = run(t, ctx, chromedp.Location())
		// Only the live feed turns the state to Completed and reveals the
		// findings link: the page was rendered while the analysis was queued.
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#done a")))
		assert.Equal(t, "Completed", text(t, ctx, "#state"))
		assert.Equal(t, "Finished", text(t, ctx, "#conn"))
		assert.Regexp(t, `^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$`, text(t, ctx, "#finished"), "the completion event's time")
		tools := text(t, ctx, "#tools")
		assert.Contains(t, tools, "solsec")
		assert.Contains(t, tools, "Succeeded")
		assert.Contains(t, tools, "700 ms", "slither's run time arrived with its event")
		shot.take(t, ctx, "progress")
		id := strings.TrimPrefix(analysisURL, origin+"/analyses/")
		assert.Contains(t, api.UploadOf(id).Files, "vault-project.zip")
		checkPage(t, ctx, axe, "progress")
	})

	t.Run("browsing the findings and reading a hostile message as text", func(t *testing.T) {
		do(t, ctx,
			chromedp.Click(chromedp.CSS("#done a")),
			chromedp.WaitVisible(chromedp.CSS("table.findings")),
		)
		shot.take(t, ctx, "findings")
		checkPage(t, ctx, axe, "findings")
		do(t, ctx,
			chromedp.SetValue(chromedp.ID("f-severity"), "medium"),
			chromedp.Submit(chromedp.ID("f-severity")),
			chromedp.WaitVisible(`//a[contains(., "Authorisation through tx.origin")]`),
		)
		assert.Contains(t, text(t, ctx, "[role=status]"), "1 of 3 findings")
		do(t, ctx,
			chromedp.Click(`//a[contains(., "Authorisation through tx.origin")]`),
			chromedp.WaitVisible(chromedp.CSS(".message")),
		)
		assert.Contains(t, text(t, ctx, ".message"), `<script>alert("xss")</script><img src=x onerror=alert(1)>`)
		assert.Equal(t, 1, run(t, ctx, chromedp.Evaluate[int](`document.scripts.length`)), "only app.js: the message's <script> is text")
		assert.Equal(t, 0, run(t, ctx, chromedp.Evaluate[int](`document.images.length`)), "the message's <img> is text")
	})

	t.Run("opening a finding and triaging it", func(t *testing.T) {
		id := strings.TrimPrefix(analysisURL, origin+"/analyses/")
		do(t, ctx,
			chromedp.Navigate(origin+"/findings/analyses/"+id),
			chromedp.WaitVisible(chromedp.ID("f-severity")),
			chromedp.SetValue(chromedp.ID("f-severity"), "high"),
			chromedp.Submit(chromedp.ID("f-severity")),
			chromedp.WaitVisible(`//a[contains(., "Reentrancy with ether transfer")]`),
			chromedp.Click(`//a[contains(., "Reentrancy with ether transfer")]`),
			chromedp.WaitVisible(chromedp.ID("triage")),
		)
		assert.Contains(t, text(t, ctx, ".code .hl"), "msg.sender.call", "the reported lines are highlighted")
		shot.take(t, ctx, "finding")
		checkPage(t, ctx, axe, "finding")
		do(t, ctx,
			chromedp.Click(chromedp.ID("d-confirmed")),
			chromedp.SendKeys(chromedp.ID("reason"), "reproduced with a test"),
			chromedp.Submit(chromedp.ID("reason")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		)
		assert.Equal(t, "Confirmed", text(t, ctx, "#finding-status"))
		assert.Contains(t, text(t, ctx, ".history"), "reproduced with a test")
		shot.take(t, ctx, "triaged")
	})

	t.Run("the dashboard reflects the analysis and the triage", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(origin+"/dashboard"),
			chromedp.WaitVisible(chromedp.ID("chart-severity")),
		)
		assert.Equal(t, "1", text(t, ctx, "#kpi-analyses"))
		assert.Equal(t, "3", text(t, ctx, "#kpi-findings"))
		assert.Equal(t, "1", text(t, ctx, "#kpi-triaged"))
		assert.Equal(t, 30, run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#chart-per-day rect.bar").length`)))
		shot.take(t, ctx, "dashboard")
		checkPage(t, ctx, axe, "dashboard")
	})

	t.Run("the account and API-key pages", func(t *testing.T) {
		do(t, ctx,
			chromedp.Navigate(origin+"/account/keys"),
			chromedp.WaitVisible(chromedp.ID("key-name")),
			chromedp.SendKeys(chromedp.ID("key-name"), "github-actions"),
			chromedp.Submit(chromedp.ID("key-name")),
			chromedp.WaitVisible(chromedp.ID("secret")),
		)
		shot.take(t, ctx, "api-keys")
		checkPage(t, ctx, axe, "api-keys")
		do(t, ctx,
			chromedp.Navigate(origin+"/account"),
			chromedp.WaitVisible(chromedp.CSS("dl.facts")),
		)
		assert.Contains(t, text(t, ctx, "dl.facts"), analyst.Email)
		shot.take(t, ctx, "account")
		checkPage(t, ctx, axe, "account")
	})

	t.Run("the phone layout", func(t *testing.T) {
		do(t, ctx,
			chromedp.EmulateViewport(360, 740),
			chromedp.Navigate(origin+"/dashboard"),
			chromedp.WaitVisible(chromedp.ID("chart-severity")),
		)
		shot.take(t, ctx, "dashboard-360")
		do(t, ctx, chromedp.Navigate(analysisURL), chromedp.WaitVisible(chromedp.ID("live")))
		shot.take(t, ctx, "progress-360")
		do(t, ctx, chromedp.EmulateViewport(1280, 900))
	})

	t.Run("signing out", func(t *testing.T) {
		do(t, ctx,
			chromedp.Click(chromedp.CSS(".signout button")),
			chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.Navigate(origin+"/dashboard"),
			chromedp.WaitVisible(chromedp.ID("email")),
		)
		assert.Equal(t, origin+"/signin?next=%2Fdashboard", run(t, ctx, chromedp.Location()))
	})

	assert.Empty(t, b.consoleProblems(), "console errors, CSP violations or exceptions")
}
