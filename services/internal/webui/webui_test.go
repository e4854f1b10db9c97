package webui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/webui"
	"github.com/solsec/platform/services/internal/webui/webuitest"
)

var (
	alice = webuitest.User{Email: "alice@example.com", Password: "correct horse", OrgID: "org_a", Role: "admin", UserID: "usr_alice"}
	vic   = webuitest.User{Email: "vic@example.com", Password: "viewer pass", OrgID: "org_a", Role: "viewer", UserID: "usr_vic"}
	mallo = webuitest.User{Email: "mallory@example.com", Password: "other org", OrgID: "org_m", Role: "admin", UserID: "usr_m"}
)

// harness is the four front ends mounted on one app, served over TLS (the
// cookies are Secure) in front of the fake API and notification service.
type harness struct {
	t    testing.TB
	api  *webuitest.API
	srv  *httptest.Server
	http *http.Client
}

func newHarness(t testing.TB, limits webui.UploadLimits) *harness {
	t.Helper()
	api := webuitest.New(alice, vic, mallo)
	t.Cleanup(api.Close)
	base, err := url.Parse(api.URL())
	require.NoError(t, err)
	app, err := webui.NewApp(webui.Config{API: base, Notify: base, CSRFKey: bytes.Repeat([]byte("k"), 32), SecureCookies: true, Limits: limits})
	require.NoError(t, err)
	app.MountCore()
	app.MountAnalysis()
	app.MountFindings()
	app.MountDashboard(nil)
	srv := httptest.NewTLSServer(app.Handler())
	t.Cleanup(srv.Close)
	return (&harness{t: t, api: api, srv: srv}).otherBrowser()
}

// otherBrowser is a second browser (its own cookies) on the same servers.
func (h *harness) otherBrowser() *harness {
	c := *h.srv.Client()
	jar, err := cookiejar.New(nil)
	require.NoError(h.t, err)
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &harness{t: h.t, api: h.api, srv: h.srv, http: &c}
}

func (h *harness) do(req *http.Request) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.http.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return resp, string(b)
}

func (h *harness) get(path string) (*http.Response, string) {
	req, err := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	require.NoError(h.t, err)
	return h.do(req)
}

// post sends a same-origin form, as the browser would.
func (h *harness) post(path string, form url.Values) (*http.Response, string) {
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", h.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return h.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// token reads the CSRF token of the page at path.
func (h *harness) token(path string) string {
	h.t.Helper()
	resp, body := h.get(path)
	require.Equal(h.t, http.StatusOK, resp.StatusCode, body)
	m := csrfInput.FindStringSubmatch(body)
	require.NotNil(h.t, m, "the page has a CSRF field")
	return m[1]
}

func (h *harness) signIn(u webuitest.User) {
	h.t.Helper()
	tok := h.token("/signin")
	resp, body := h.post("/signin", url.Values{"csrf_token": {tok}, "email": {u.Email}, "password": {u.Password}, "next": {"/analyses"}})
	require.Equal(h.t, http.StatusSeeOther, resp.StatusCode, body)
}

func (h *harness) cookie(name string) *http.Cookie {
	u, _ := url.Parse(h.srv.URL)
	for _, c := range h.http.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// completedAnalysis uploads a file through the front end and runs the fake
// pipeline to the end.
func (h *harness) completedAnalysis() string {
	h.t.Helper()
	resp, body := h.upload(h.token("/analyses"), file{"src/Vault.sol", "contract Vault {}"})
	require.Equal(h.t, http.StatusSeeOther, resp.StatusCode, body)
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/analyses/")
	h.api.Complete(id)
	return id
}

type file struct{ name, body string }

// upload posts a multipart form as the upload page does: the token first,
// then the files with the paths given.
func (h *harness) upload(token string, files ...file) (*http.Response, string) {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if token != "" {
		require.NoError(h.t, mw.WriteField("csrf_token", token))
	}
	for _, f := range files {
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", `form-data; name="files"; filename="`+f.name+`"`)
		w, err := mw.CreatePart(hdr)
		require.NoError(h.t, err)
		_, err = io.WriteString(w, f.body)
		require.NoError(h.t, err)
	}
	require.NoError(h.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/analyses", &buf)
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", h.srv.URL)
	return h.do(req)
}

func TestSignedOutVisitorsAreSentToSignIn(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	for _, path := range []string{"/", "/dashboard", "/analyses", "/analyses/an_1", "/findings/fd_1", "/findings/analyses/an_1", "/account", "/account/keys"} {
		t.Run(path+" redirects to the sign-in page", func(t *testing.T) {
			resp, _ := h.get(path)
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			loc := resp.Header.Get("Location")
			assert.True(t, strings.HasPrefix(loc, "/signin"), loc)
			if path != "/" {
				assert.Equal(t, "/signin?next="+url.QueryEscape(path), loc)
			}
		})
	}
}

func TestSignInSetsSecureCookiesAndReturnsToThePageAsked(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	tok := h.token("/signin?next=/dashboard")

	resp, body := h.post("/signin", url.Values{"csrf_token": {tok}, "email": {alice.Email}, "password": {"wrong"}, "next": {"/dashboard"}})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, body, "Wrong email or password.")

	resp, _ = h.post("/signin", url.Values{"csrf_token": {tok}, "email": {alice.Email}, "password": {alice.Password}, "next": {"/dashboard"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/dashboard", resp.Header.Get("Location"))

	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-solsec_session" {
			session = c
		}
	}
	require.NotNil(t, session, "the session cookie is set with the __Host- prefix")
	assert.True(t, session.Secure, "Secure")
	assert.True(t, session.HttpOnly, "HttpOnly: scripts never see the JWT")
	assert.Equal(t, http.SameSiteStrictMode, session.SameSite)
	assert.Equal(t, "/", session.Path)
	assert.Empty(t, session.Domain, "host-only")
	assert.Equal(t, 3, strings.Count(session.Value, ".")+1, "the cookie holds the API's JWT")

	t.Run("the JWT never reaches the page", func(t *testing.T) {
		_, body := h.get("/account")
		assert.NotContains(t, body, session.Value)
		assert.Contains(t, body, alice.Email)
	})

	t.Run("sign-in rotates the CSRF value, so a token from before is refused", func(t *testing.T) {
		resp, _ := h.post("/signout", url.Values{"csrf_token": {tok}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	})

	t.Run("signing out clears the session", func(t *testing.T) {
		resp, _ := h.post("/signout", url.Values{"csrf_token": {h.token("/account")}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Nil(t, h.cookie("__Host-solsec_session"))
		resp, _ = h.get("/account")
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	})
}

func TestSignInNeverRedirectsOffSite(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		t.Run(next+" becomes /", func(t *testing.T) {
			h := h.otherBrowser()
			_, body := h.get("/signin?next=" + url.QueryEscape(next))
			assert.Contains(t, body, `name="next" value="/"`)
			tok := csrfInput.FindStringSubmatch(body)[1]
			resp, _ := h.post("/signin", url.Values{"csrf_token": {tok}, "email": {alice.Email}, "password": {alice.Password}, "next": {next}})
			assert.Equal(t, "/", resp.Header.Get("Location"))
		})
	}
}

func TestFormsWithoutAValidCSRFTokenAreRefused(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	id := h.completedAnalysis()
	fd, ok := h.api.FindingByDetector(id, "reentrancy-eth")
	require.True(t, ok)
	good := h.token("/findings/" + fd.ID)

	cases := []struct {
		name    string
		token   string
		site    string
		origin  string
		wantErr bool
	}{
		{"a form without a token is refused", "", "same-origin", h.srv.URL, true},
		{"a forged token is refused", "forged-" + good, "same-origin", h.srv.URL, true},
		{"a cross-site request with a valid token is refused", good, "cross-site", "https://evil.example", true},
		{"a same-origin form with its token is accepted", good, "same-origin", h.srv.URL, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form := url.Values{"decision": {"confirmed"}}
			if c.token != "" {
				form.Set("csrf_token", c.token)
			}
			req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/findings/"+fd.ID+"/triage", strings.NewReader(form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", c.site)
			req.Header.Set("Origin", c.origin)
			resp, body := h.do(req)
			got, _ := h.api.FindingByDetector(id, "reentrancy-eth")
			if c.wantErr {
				assert.Equal(t, http.StatusForbidden, resp.StatusCode)
				assert.Equal(t, "open", got.Status, "nothing reached the API")
				return
			}
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
			assert.Equal(t, "confirmed", got.Status)
		})
	}

	t.Run("a multipart form elsewhere still needs its token", func(t *testing.T) {
		for _, token := range []string{"", "forged"} {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			require.NoError(t, mw.WriteField("decision", "fixed"))
			if token != "" {
				require.NoError(t, mw.WriteField("csrf_token", token))
			}
			require.NoError(t, mw.Close())
			req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/findings/"+fd.ID+"/triage", &buf)
			require.NoError(t, err)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, _ := h.do(req)
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			got, _ := h.api.FindingByDetector(id, "reentrancy-eth")
			assert.Equal(t, "confirmed", got.Status, "unchanged since the accepted form above")
		}
	})
	t.Run("an upload whose first part is not the token is refused", func(t *testing.T) {
		before := len(h.api.Analyses(alice.OrgID))
		resp, _ := h.upload("", file{"A.sol", "contract A {}"})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		resp, _ = h.upload("forged", file{"A.sol", "contract A {}"})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Len(t, h.api.Analyses(alice.OrgID), before)
	})
}

func TestEveryPageCarriesAStrictCSPAndSecurityHeaders(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	id := h.completedAnalysis()
	fd, _ := h.api.FindingByDetector(id, "tx-origin")
	for _, path := range []string{"/signin", "/dashboard", "/analyses", "/analyses/" + id, "/findings/analyses/" + id, "/findings/" + fd.ID, "/account", "/account/keys", "/findings/nope"} {
		t.Run(path, func(t *testing.T) {
			b := h
			if path == "/signin" {
				b = h.otherBrowser() // signed in, it would be redirected
			}
			resp, body := b.get(path)
			csp := resp.Header.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'", "object-src 'none'"} {
				assert.Contains(t, csp, d)
			}
			assert.NotContains(t, csp, "unsafe-inline")
			assert.NotContains(t, csp, "unsafe-eval")
			assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
			assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
			assert.Contains(t, resp.Header.Get("Strict-Transport-Security"), "max-age=")
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			// What the CSP would block must not be there in the first place.
			assert.NotRegexp(t, `<script>|<script [^>]*>[^<]|<[a-z][^>]*\sstyle=|<style|<[a-z][^>]*\son[a-z]+=`, body)
			assert.Contains(t, body, `<meta name="viewport" content="width=device-width, initial-scale=1">`, "laid out for 360 px phones")
		})
	}
}

func TestFindingTextIsShownAsTextNeverAsHTML(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	id := h.completedAnalysis()
	fd, ok := h.api.FindingByDetector(id, "tx-origin")
	require.True(t, ok)
	require.Contains(t, fd.Message, "<script>")

	for _, path := range []string{"/findings/" + fd.ID, "/findings/analyses/" + id} {
		t.Run(path, func(t *testing.T) {
			_, body := h.get(path)
			assert.NotContains(t, body, `<script>alert`)
			assert.NotContains(t, body, `<img src=x`)
			assert.Contains(t, body, `&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;`)
		})
	}
	t.Run("the source excerpt is escaped and its span highlighted", func(t *testing.T) {
		_, body := h.get("/findings/" + fd.ID)
		assert.Contains(t, body, `&lt;b&gt;not owner&lt;/b&gt;`)
		assert.Regexp(t, `<span class="line hl"><span class="ln" aria-hidden="true">20</span>require\(tx.origin`, body)
	})
}

func TestALinkFromAFindingCannotRunScript(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	id := h.completedAnalysis()
	h.api.AddFinding(webuitest.Finding{ID: "fd_link", OrgID: alice.OrgID, Detector: "d", Title: "t", Severity: "low", Confidence: "low",
		HelpURL: "javascript:alert(document.domain)", Status: "open", LastAnalysisID: id})
	_, body := h.get("/findings/fd_link")
	assert.NotContains(t, body, "javascript:")
	assert.Contains(t, body, `href="#ZgotmplZ"`, "html/template defuses the URL")
}

func TestUploadIsRelayedToTheAPIWithItsPaths(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{MaxUploadBytes: 4096, MaxFiles: 3, MaxFileBytes: 100})
	h.signIn(alice)

	resp, body := h.upload(h.token("/analyses"), file{"src/Vault.sol", "contract Vault {}"}, file{"lib/Token.sol", "contract Token {}"})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/analyses/")
	up := h.api.UploadOf(id)
	assert.Equal(t, "contract Vault {}", string(up.Files["src/Vault.sol"]))
	assert.Equal(t, "contract Token {}", string(up.Files["lib/Token.sol"]))
	assert.NotContains(t, up.Fields, "csrf_token", "the token stays with the front end")

	cases := []struct {
		name   string
		files  []file
		status int
		want   string
	}{
		{"a file over the per-file limit is refused before the API sees it", []file{{"Big.sol", strings.Repeat("x", 101)}}, http.StatusRequestEntityTooLarge, "larger than 100 bytes"},
		{"more files than allowed are refused", []file{{"A.sol", "a"}, {"B.sol", "b"}, {"C.sol", "c"}, {"D.sol", "d"}}, http.StatusRequestEntityTooLarge, "Too many files"},
		{"a form without files is refused", nil, http.StatusUnprocessableEntity, "Choose at least one"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(h.api.Analyses(alice.OrgID))
			resp, body := h.upload(h.token("/analyses"), c.files...)
			assert.Equal(t, c.status, resp.StatusCode)
			assert.Contains(t, body, c.want)
			assert.Len(t, h.api.Analyses(alice.OrgID), before)
		})
	}
	t.Run("the API's refusal is shown with its reason", func(t *testing.T) {
		resp, body := h.upload(h.token("/analyses"), file{"notes.txt", "hello"})
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		assert.Contains(t, body, "notes.txt is not a Solidity source")
	})
	t.Run("the tools checked and the page's idempotency key reach the API, and a resent form makes no second analysis", func(t *testing.T) {
		_, page := h.get("/analyses")
		key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(page)
		require.NotNil(t, key)
		tok := csrfInput.FindStringSubmatch(page)[1]
		send := func() string {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			require.NoError(t, mw.WriteField("csrf_token", tok))
			require.NoError(t, mw.WriteField("idempotency_key", key[1]))
			hdr := textproto.MIMEHeader{}
			hdr.Set("Content-Disposition", `form-data; name="files"; filename="A.sol"`)
			fw, err := mw.CreatePart(hdr)
			require.NoError(t, err)
			_, _ = io.WriteString(fw, "contract A {}")
			for _, tool := range []string{"slither", "solsec", "slither", "rm -rf"} {
				require.NoError(t, mw.WriteField("tools", tool))
			}
			require.NoError(t, mw.WriteField("project", "vault"))
			require.NoError(t, mw.Close())
			req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/analyses", &buf)
			require.NoError(t, err)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, body := h.do(req)
			require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
			return strings.TrimPrefix(resp.Header.Get("Location"), "/analyses/")
		}
		before := len(h.api.Analyses(alice.OrgID))
		first := send()
		assert.Equal(t, first, send(), "the same analysis both times")
		assert.Len(t, h.api.Analyses(alice.OrgID), before+1)
		up := h.api.UploadOf(first)
		assert.Equal(t, key[1], up.IdempotencyKey)
		assert.Equal(t, "slither,solsec", up.Fields["tools"], "known tools, once each, in one field")
		assert.Equal(t, "vault", up.Fields["project"])
	})
	t.Run("the page renders the limits for the browser's checks", func(t *testing.T) {
		_, body := h.get("/analyses")
		assert.Contains(t, body, `data-max-upload="4096" data-max-files="3" data-max-file="100"`)
	})
}

func TestTriageAndRoles(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	id := h.completedAnalysis()
	fd, _ := h.api.FindingByDetector(id, "reentrancy-eth")

	t.Run("a suppression without a reason is sent back", func(t *testing.T) {
		resp, body := h.post("/findings/"+fd.ID+"/triage", url.Values{"csrf_token": {h.token("/findings/" + fd.ID)}, "decision": {"suppressed"}})
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		assert.Contains(t, body, "Say why")
	})
	t.Run("an analyst's decision is saved and shown", func(t *testing.T) {
		resp, _ := h.post("/findings/"+fd.ID+"/triage", url.Values{"csrf_token": {h.token("/findings/" + fd.ID)}, "decision": {"false_positive"}, "reason": {"guarded"}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		_, body := h.get(resp.Header.Get("Location"))
		assert.Contains(t, body, "Triage saved: False positive.")
		assert.Contains(t, body, "Open → <strong>False positive</strong> · “guarded”", "the history shows the decision and its reason")
	})
	t.Run("a viewer sees no triage form and the API's refusal if posting anyway", func(t *testing.T) {
		vh := h.otherBrowser()
		vh.signIn(vic)
		_, body := vh.get("/findings/" + fd.ID)
		assert.NotContains(t, body, `action="/findings/`+fd.ID+`/triage"`)
		assert.Contains(t, body, "can read findings but not triage")
		resp, body := vh.post("/findings/"+fd.ID+"/triage", url.Values{"csrf_token": {vh.token("/findings/" + fd.ID)}, "decision": {"confirmed"}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.Contains(t, body, "Your role does not allow this")

		resp, body = vh.get("/account/keys")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, "Only administrators see, create and revoke")
		assert.NotContains(t, body, `action="/account/keys"`)
		_, body = vh.get("/analyses")
		assert.NotContains(t, body, `id="upload"`)
		assert.Contains(t, body, "can read analyses but not start them")
	})
	t.Run("another organisation's finding is not found", func(t *testing.T) {
		m := h.otherBrowser()
		m.signIn(mallo)
		resp, _ := m.get("/findings/" + fd.ID)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
}

func TestFindingListFiltersAndReports(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	id := h.completedAnalysis()

	_, all := h.get("/findings/analyses/" + id)
	assert.Contains(t, all, "3 of 3 findings")
	assert.Less(t, strings.Index(all, "Reentrancy with ether transfer"), strings.Index(all, "Floating pragma"), "most severe first")

	_, high := h.get("/findings/analyses/" + id + "?severity=high")
	assert.Contains(t, high, "1 of 3 findings")
	assert.Contains(t, high, `<option value="high" selected>`)
	assert.NotContains(t, high, "Floating pragma")

	_, slither := h.get("/findings/analyses/" + id + "?tool=slither")
	assert.Contains(t, slither, "2 of 3 findings")

	resp, body := h.get("/findings/analyses/" + id + "/report.sarif")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/sarif+json", resp.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="solsec-`+id+`.sarif"`, resp.Header.Get("Content-Disposition"))
	var sarif map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &sarif))
	assert.Equal(t, "2.1.0", sarif["version"])

	resp, _ = h.get("/findings/analyses/" + id + "/report.html")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestAnExpiredTokenSendsTheUserToSignInAgain(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	tok := h.token("/account/keys")
	h.api.RevokeTokens()
	resp, _ := h.post("/account/keys", url.Values{"csrf_token": {tok}, "name": {"ci"}, "role": {"viewer"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/signin", resp.Header.Get("Location"), "a form's action is no page to return to")
	h.signIn(alice)
	h.api.RevokeTokens()
	resp, _ = h.get("/analyses")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/signin?next=%2Fanalyses", resp.Header.Get("Location"))
	assert.Nil(t, h.cookie("__Host-solsec_session"), "the dead session is cleared")
}

func TestAPIKeys(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	resp, body := h.post("/account/keys", url.Values{"csrf_token": {h.token("/account/keys")}, "name": {"ci <pipeline>"}, "role": {"analyst"}})
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	assert.Contains(t, body, "Copy the secret now")
	assert.Contains(t, body, "ci &lt;pipeline&gt;")
	secret := regexp.MustCompile(`id="secret"[^>]*value="([^"]+)"`).FindStringSubmatch(body)
	require.NotNil(t, secret)

	_, list := h.get("/account/keys")
	assert.NotContains(t, list, secret[1], "the secret is shown once")
	revoke := regexp.MustCompile(`action="(/account/keys/[^"]+/revoke)"`).FindStringSubmatch(list)
	require.NotNil(t, revoke)
	resp, _ = h.post(revoke[1], url.Values{"csrf_token": {h.token("/account/keys")}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, list = h.get("/account/keys")
	assert.Contains(t, list, "Revoked")
}

func TestAssetsAreServedUnderContentHashes(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	_, body := h.get("/signin")
	for _, re := range []string{`href="(/assets/app\.[0-9a-f]{12}\.css)"`, `src="(/assets/app\.[0-9a-f]{12}\.js)"`} {
		m := regexp.MustCompile(re).FindStringSubmatch(body)
		require.NotNil(t, m, re)
		resp, asset := h.get(m[1])
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "public, max-age=31536000, immutable", resp.Header.Get("Cache-Control"))
		assert.NotContains(t, asset, "innerHTML", "scripts set text, never markup")
		if strings.HasSuffix(m[1], ".css") {
			assert.Contains(t, asset, "@media (max-width: 600px)")
			assert.Contains(t, asset, ":focus-visible")
		}
	}
	resp, _ := h.get("/assets/app.000000000000.css")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestDashboardReflectsAnalysesAndTriage(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	id := h.completedAnalysis()
	h.completedAnalysis()
	fd, _ := h.api.FindingByDetector(id, "reentrancy-eth")
	resp, _ := h.post("/findings/"+fd.ID+"/triage", url.Values{"csrf_token": {h.token("/findings/" + fd.ID)}, "decision": {"confirmed"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	resp, body := h.get("/dashboard")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Regexp(t, `id="kpi-analyses">2<`, body)
	assert.Regexp(t, `id="kpi-findings">6<`, body)
	assert.Regexp(t, `id="kpi-triaged">1<`, body)
	assert.Regexp(t, `id="kpi-mttt">1\.0 s<`, body)
	for _, chart := range []string{"per-day", "severity", "class", "detectors", "run-times", "failures"} {
		assert.Contains(t, body, `id="chart-`+chart+`"`)
	}
	assert.Contains(t, body, `<desc id="severity-desc">high: 2, medium: 2, low: 0, informational: 2</desc>`)
	assert.Contains(t, body, `<desc id="run-times-desc">slither: 700 ms, solsec: 350 ms</desc>`)
}

func TestListStatsCountsEachFindingOnce(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	h.completedAnalysis()
	base, _ := url.Parse(h.api.URL())
	st, err := webui.ListStats{API: webui.NewClient(base, nil)}.Stats(context.Background(), h.api.Token(alice.Email), time.Now())
	require.NoError(t, err)
	assert.Equal(t, 1, st.Analyses)
	assert.Equal(t, 1, st.Completed)
	assert.Equal(t, 3, st.Findings)
	assert.Equal(t, []webui.Count{{Label: "SWC-103", N: 1}, {Label: "access_control", N: 1}, {Label: "reentrancy", N: 1}}, st.ByClass)
	require.Len(t, st.Tools, 2)
	assert.Equal(t, webui.ToolStat{Tool: "solsec", Runs: 1, MeanDuration: 350 * time.Millisecond}, st.Tools[1])
	assert.Len(t, st.PerDay, 30)
	assert.Equal(t, 1, st.PerDay[29].N, "today's analysis is in the last day")
}

func TestMeanTimeToTriageRunsFromReportToTheFirstDecision(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	var now atomic.Pointer[time.Time]
	// Anchored on the real clock: the front end refuses a session whose
	// token has expired by it.
	start := time.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) { t := start.Add(d); now.Store(&t) }
	at(0)
	h.api.SetClock(func() time.Time { return *now.Load() })
	h.signIn(alice)
	id := h.completedAnalysis() // findings reported at start
	for _, step := range []struct {
		after    time.Duration
		detector string
		decision string
	}{
		{10 * time.Minute, "reentrancy-eth", "confirmed"},
		{30 * time.Minute, "tx-origin", "false_positive"},
		{2 * time.Hour, "reentrancy-eth", "fixed"}, // a later decision does not move the first
	} {
		at(step.after)
		fd, _ := h.api.FindingByDetector(id, step.detector)
		resp, _ := h.post("/findings/"+fd.ID+"/triage", url.Values{"csrf_token": {h.token("/findings/" + fd.ID)}, "decision": {step.decision}})
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	}
	base, _ := url.Parse(h.api.URL())
	st, err := webui.ListStats{API: webui.NewClient(base, nil)}.Stats(context.Background(), h.api.Token(alice.Email), *now.Load())
	require.NoError(t, err)
	assert.Equal(t, 2, st.Triaged)
	assert.Equal(t, 20*time.Minute, st.MeanTimeToTriage, "(10 min + 30 min) / 2")
}
