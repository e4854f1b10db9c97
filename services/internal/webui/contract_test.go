package webui_test

import (
	"bytes"
	"context"
	"github.com/solsec/platform/services/internal/blob/localdir"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/api"
	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/testenv"
	"github.com/solsec/platform/services/internal/webui"
	"github.com/solsec/platform/services/internal/webui/webuitest"
)

// TestPagesAgainstTheRealAPI runs the front ends over the real API (its
// handler, the PostgreSQL store, the upload validation) instead of the
// fake, so that a difference between webuitest and the API's contract
// (a field name, a status code, a page shape) fails here. Findings are
// inserted through the store, as the pipeline does, because the pipeline
// itself is not part of the front ends' contract.
func TestPagesAgainstTheRealAPI(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.Postgres(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = postgres.Migrate(ctx, pool)
	require.NoError(t, err)
	st := postgres.New(pool)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)
	ksJSON, err := auth.GenerateKeySet("webui")
	require.NoError(t, err)
	ks, err := auth.ParseKeySet(ksJSON)
	require.NoError(t, err)
	tokens, err := auth.NewTokens(ks, auth.TokenConfig{Issuer: "https://solsec.test", Audience: "solsec-api"})
	require.NoError(t, err)
	blobs, err := localdir.New(t.TempDir(), localdir.Options{})
	require.NoError(t, err)
	srv, err := api.New(api.Config{UploadsPerMinute: 1000, RequestsPerMinute: 100000}, api.Deps{
		Store: st, River: rc, Blobs: blobs, Tokens: tokens,
	})
	require.NoError(t, err)
	apiSrv := httptest.NewServer(srv.Handler())
	t.Cleanup(apiSrv.Close)

	org, err := st.CreateOrganization(ctx, store.NewOrganization{Name: "webui"})
	require.NoError(t, err)
	hash, err := auth.HashPassword("correct horse battery")
	require.NoError(t, err)
	_, err = st.CreateUser(ctx, org.ID, store.NewUser{Email: "admin@webui.example", PasswordHash: hash, Role: store.RoleAdmin})
	require.NoError(t, err)

	base, err := url.Parse(apiSrv.URL)
	require.NoError(t, err)
	app, err := webui.NewApp(webui.Config{API: base, Notify: base, CSRFKey: bytes.Repeat([]byte("k"), 32), SecureCookies: true})
	require.NoError(t, err)
	app.MountCore()
	app.MountAnalysis()
	app.MountFindings()
	app.MountDashboard(nil)
	front := httptest.NewTLSServer(app.Handler())
	t.Cleanup(front.Close)
	h := (&harness{t: t, srv: front}).otherBrowser()

	h.signIn(webuitest.User{Email: "admin@webui.example", Password: "correct horse battery"})
	_, body := h.get("/account")
	assert.Contains(t, body, "<code>"+org.ID+"</code>", "the account page reads the organisation from the API's JWT")
	assert.Contains(t, body, "Admin")

	resp, body := h.upload(h.token("/analyses"), file{"src/Vault.sol", "pragma solidity ^0.8.0;\ncontract Vault { function f() external {} }\n"})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/analyses/")

	_, body = h.get("/analyses/" + id)
	assert.Contains(t, body, `data-state="queued"`)
	assert.Contains(t, body, "<code>src/Vault.sol</code>")
	_, body = h.get("/analyses")
	assert.Contains(t, body, `href="/analyses/`+id+`"`)

	t.Run("the API's refusal of a non-source file is shown", func(t *testing.T) {
		resp, body := h.upload(h.token("/analyses"), file{"notes.txt", "hello"})
		assert.GreaterOrEqual(t, resp.StatusCode, 400)
		assert.Less(t, resp.StatusCode, 500)
		assert.Contains(t, body, "The upload was refused")
	})

	loc := findings.Location{File: "src/Vault.sol", StartLine: 2, EndLine: 2, Snippet: `contract Vault { function f() external {} }`}
	nf := store.NewFinding{
		Finding: findings.Finding{
			Rule: findings.Rule{ID: "tx-origin", Title: "Authorisation through tx.origin", Severity: findings.SeverityMedium,
				Confidence: findings.ConfidenceHigh, SWC: "SWC-115", Description: "d", Recommendation: "r"},
			Message: `<script>alert(1)</script> in require`, Contract: "Vault", Function: "f",
			Locations: []findings.Location{loc},
		},
		Tools: []string{"solsec"}, Score: 0.7,
		Evidence: []store.Evidence{{Tool: "solsec", Detector: "tx-origin", Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, Message: "m", Locations: []findings.Location{loc}}},
	}
	nf.Fingerprint = findings.Fingerprint("tx-origin", loc.File, "Vault", "f", loc.Snippet)
	var stored []store.Finding
	require.NoError(t, st.InTx(ctx, func(tx *postgres.Tx) error {
		var err error
		stored, err = tx.InsertFindings(ctx, org.ID, id, []store.NewFinding{nf})
		return err
	}))
	fid := stored[0].ID

	_, body = h.get("/findings/analyses/" + id + "?severity=medium&tool=solsec")
	assert.Contains(t, body, "1 of 1 findings")
	assert.Contains(t, body, `href="/findings/`+fid+`"`)

	_, body = h.get("/findings/" + fid)
	assert.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt; in require")
	assert.NotContains(t, body, "<script>alert")
	assert.Contains(t, body, `<span class="line hl"><span class="ln" aria-hidden="true">2</span>contract Vault`)

	resp, _ = h.post("/findings/"+fid+"/triage", url.Values{"csrf_token": {h.token("/findings/" + fid)}, "decision": {"suppressed"}, "reason": {"test contract"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = h.get("/findings/" + fid + "?triaged=1")
	assert.Contains(t, body, "Triage saved: Suppressed.")
	assert.Contains(t, body, "“test contract”", "the API's triage history is shown")

	_, body = h.get("/dashboard")
	assert.Regexp(t, `id="kpi-analyses">1<`, body)
	assert.Regexp(t, `id="kpi-findings">0<`, body, "the analysis has not completed, so its findings are not counted yet")

	resp, body = h.post("/account/keys", url.Values{"csrf_token": {h.token("/account/keys")}, "name": {"ci"}, "role": {"analyst"}})
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	secret := regexp.MustCompile(`id="secret"[^>]*value="([^"]+)"`).FindStringSubmatch(body)
	require.NotNil(t, secret)
	assert.True(t, strings.HasPrefix(secret[1], auth.APIKeyPrefix), "the secret shown is a usable API key")
}
