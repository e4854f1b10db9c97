package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/pipeline"
	"github.com/solsec/platform/services/internal/store"
)

// completedWithFindings uploads sources for o and completes the analysis
// with five findings of two tools.
func (e *env) completedWithFindings(o org, n int) string {
	e.t.Helper()
	r := e.uploadSol(o.key, "src/Vault.sol", contractSource(n), nil)
	require.Equal(e.t, http.StatusCreated, r.status)
	id := r.json(e.t)["id"].(string)
	e.complete(o, id,
		finding("reentrancy-eth", findings.SeverityHigh, "src/Vault.sol", 10, "solsec", "slither"),
		finding("tx-origin", findings.SeverityMedium, "src/Vault.sol", 20, "solsec"),
		finding("unchecked-call", findings.SeverityMedium, "src/Lib.sol", 30, "slither"),
		finding("floating-pragma", findings.SeverityInformational, "src/Vault.sol", 1, "solhint"),
		finding("timestamp", findings.SeverityLow, "src/Lib.sol", 40, "solsec"),
	)
	return id
}

func ids(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, it := range r.json(t)["items"].([]any) {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

func TestListingAndFilteringFindings(t *testing.T) {
	e := newEnv(t)
	id := e.completedWithFindings(e.a, 1)
	list := func(t *testing.T, query string) []map[string]any {
		r := e.with(t).get("/v1/analyses/"+id+"/findings?"+query, e.a.viewer.token)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var out []map[string]any
		for _, it := range r.json(t)["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	detectors := func(fs []map[string]any) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f["detector"].(string))
		}
		return out
	}
	tests := []struct {
		name, query string
		want        []string
	}{
		{"every finding comes most severe first", "", []string{"reentrancy-eth", "tx-origin", "unchecked-call", "timestamp", "floating-pragma"}},
		{"severity keeps the listed severities", "severity=high,low", []string{"reentrancy-eth", "timestamp"}},
		{"detector keeps one detector", "detector=tx-origin", []string{"tx-origin"}},
		{"tool keeps findings any of whose tools matches", "tool=slither", []string{"reentrancy-eth", "unchecked-call"}},
		{"file keeps the primary location's file", "file=" + url.QueryEscape("src/Lib.sol"), []string{"unchecked-call", "timestamp"}},
		{"status keeps the listed statuses", "status=open", []string{"reentrancy-eth", "tx-origin", "unchecked-call", "timestamp", "floating-pragma"}},
		{"filters combine", "severity=medium&tool=solsec", []string{"tx-origin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, detectors(list(t, tt.query)))
		})
	}
	t.Run("pages follow each other without overlap", func(t *testing.T) {
		e := e.with(t)
		var seen []string
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 5)
			r := e.get("/v1/analyses/"+id+"/findings?limit=2&cursor="+url.QueryEscape(cursor), e.a.key)
			require.Equal(t, http.StatusOK, r.status)
			page := ids(t, r)
			assert.LessOrEqual(t, len(page), 2)
			seen = append(seen, page...)
			next, _ := r.json(t)["nextCursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		assert.Len(t, seen, 5)
		assert.ElementsMatch(t, seen, uniq(seen))
	})
	t.Run("bad filters are refused with the reason", func(t *testing.T) {
		e := e.with(t)
		for _, q := range []string{"severity=catastrophic", "status=ignored", "limit=0", "limit=9999", "cursor=%21%21"} {
			r := e.get("/v1/analyses/"+id+"/findings?"+q, e.a.key)
			assert.Equal(t, http.StatusBadRequest, r.status, q)
			assert.NotEmpty(t, r.json(t)["detail"], q)
		}
	})
}

func uniq(s []string) []string {
	m := map[string]bool{}
	var out []string
	for _, v := range s {
		if !m[v] {
			m[v] = true
			out = append(out, v)
		}
	}
	return out
}

func TestTriage(t *testing.T) {
	e := newEnv(t)
	id := e.completedWithFindings(e.a, 1)
	r := e.get("/v1/analyses/"+id+"/findings?detector=reentrancy-eth", e.a.key)
	require.Equal(t, http.StatusOK, r.status)
	fid := ids(t, r)[0]
	path := "/v1/findings/" + fid + "/triage"

	t.Run("a viewer cannot triage", func(t *testing.T) {
		e := e.with(t)
		r := e.postJSON(path, e.a.viewer.token, map[string]string{"decision": "confirmed"})
		require.Equal(t, http.StatusForbidden, r.status)
		assert.Equal(t, "forbidden", r.code(t))
	})
	t.Run("an analyst confirms a finding", func(t *testing.T) {
		e := e.with(t)
		r := e.postJSON(path, e.a.analyst.token, map[string]string{"decision": "confirmed", "reason": "reproduced on a fork"})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		body := r.json(t)
		assert.Equal(t, "confirmed", body["finding"].(map[string]any)["status"])
		assert.Equal(t, "open", body["decision"].(map[string]any)["previous"])
		assert.Equal(t, e.a.analyst.ID, body["decision"].(map[string]any)["userId"])
	})
	t.Run("suppressing needs a reason", func(t *testing.T) {
		e := e.with(t)
		r := e.postJSON(path, e.a.key, map[string]string{"decision": "suppressed"})
		require.Equal(t, http.StatusUnprocessableEntity, r.status)
		assert.Equal(t, "invalid_triage", r.code(t))
		r = e.postJSON(path, e.a.key, map[string]string{"decision": "suppressed", "reason": "accepted risk: admin-only function"})
		require.Equal(t, http.StatusOK, r.status, "an API key may triage too")
	})
	t.Run("false positive and fixed are decisions too", func(t *testing.T) {
		e := e.with(t)
		for _, d := range []string{"false_positive", "fixed"} {
			r := e.postJSON(path, e.a.analyst.token, map[string]string{"decision": d})
			require.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, d, r.json(t)["finding"].(map[string]any)["status"])
		}
	})
	t.Run("unknown decisions and fields are refused", func(t *testing.T) {
		e := e.with(t)
		r := e.postJSON(path, e.a.analyst.token, map[string]string{"decision": "wontfix"})
		assert.Equal(t, http.StatusUnprocessableEntity, r.status)
		r = e.postJSON(path, e.a.analyst.token, map[string]string{"decision": "fixed", "reasn": "typo"})
		assert.Equal(t, http.StatusBadRequest, r.status)
	})
	t.Run("the finding shows its triage history", func(t *testing.T) {
		e := e.with(t)
		r := e.get("/v1/findings/"+fid, e.a.viewer.token)
		require.Equal(t, http.StatusOK, r.status)
		var history []string
		for _, d := range r.json(t)["triage"].([]any) {
			history = append(history, d.(map[string]any)["decision"].(string))
		}
		assert.Equal(t, []string{"confirmed", "suppressed", "false_positive", "fixed"}, history)
	})
	t.Run("every decision is in the audit log", func(t *testing.T) {
		log, err := e.store.ListAudit(context.Background(), e.a.org.ID, store.AuditFilter{Action: "finding.triaged"})
		require.NoError(t, err)
		assert.Len(t, log.Items, 4)
	})
}

func TestReports(t *testing.T) {
	e := newEnv(t)
	id := e.completedWithFindings(e.a, 1)
	t.Run("the JSON report holds every finding", func(t *testing.T) {
		e := e.with(t)
		r := e.get("/v1/analyses/"+id+"/report.json", e.a.viewer.token)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		rep, err := findings.ReadJSON(bytesReader(r.body))
		require.NoError(t, err, "the findings package reads it back")
		assert.Len(t, rep.Findings, 5)
		assert.Equal(t, "1.2.3", rep.Tool.Version)
		assert.Contains(t, rep.Files, "src/Lib.sol")
	})
	t.Run("the SARIF report is SARIF 2.1.0", func(t *testing.T) {
		e := e.with(t)
		r := e.get("/v1/analyses/"+id+"/report.sarif", e.a.key)
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "application/sarif+json", r.header.Get("Content-Type"))
		var log findings.SARIFLog
		require.NoError(t, json.Unmarshal(r.body, &log))
		assert.Equal(t, "2.1.0", log.Version)
		require.Len(t, log.Runs, 1)
		assert.Len(t, log.Runs[0].Results, 5)
	})
	t.Run("an unfinished analysis has no report yet", func(t *testing.T) {
		e := e.with(t)
		queued := e.uploadSol(e.a.key, "B.sol", contractSource(2), nil)
		r := e.get("/v1/analyses/"+queued.json(t)["id"].(string)+"/report.sarif", e.a.key)
		require.Equal(t, http.StatusConflict, r.status)
		assert.Equal(t, "analysis_not_completed", r.code(t))
	})
}

func TestAnalyses(t *testing.T) {
	e := newEnv(t)
	var created []string
	for i := range 5 {
		r := e.uploadSol(e.a.key, "A.sol", contractSource(i), nil)
		require.Equal(t, http.StatusCreated, r.status)
		created = append(created, r.json(t)["id"].(string))
	}
	t.Run("the list pages through every analysis, newest first", func(t *testing.T) {
		e := e.with(t)
		var seen []string
		cursor := ""
		for {
			r := e.get("/v1/analyses?limit=2&cursor="+url.QueryEscape(cursor), e.a.viewer.token)
			require.Equal(t, http.StatusOK, r.status)
			seen = append(seen, ids(t, r)...)
			next, _ := r.json(t)["nextCursor"].(string)
			if next == "" {
				break
			}
			cursor = next
		}
		want := []string{created[4], created[3], created[2], created[1], created[0]}
		assert.Equal(t, want, seen)
	})
	t.Run("state filters the list", func(t *testing.T) {
		e := e.with(t)
		e.complete(e.a, created[0])
		r := e.get("/v1/analyses?state=completed", e.a.key)
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, []string{created[0]}, ids(t, r))
		assert.Equal(t, http.StatusBadRequest, e.get("/v1/analyses?state=sleeping", e.a.key).status)
	})
	t.Run("an analysis can be cancelled, again without harm, but not once completed", func(t *testing.T) {
		e := e.with(t)
		r := e.do(req{method: http.MethodPost, path: "/v1/analyses/" + created[1] + "/cancel", cred: e.a.analyst.token})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.Equal(t, "cancelled", r.json(t)["state"])
		assert.NotEmpty(t, r.json(t)["finishedAt"])
		var orchestrate int
		require.NoError(t, e.pool.QueryRow(context.Background(),
			`SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'analysis_id' = $2`,
			pipeline.OrchestrateArgs{}.Kind(), created[1]).Scan(&orchestrate))
		assert.Equal(t, 1, orchestrate, "the orchestration job that stops the tool runs is queued with the cancel")
		r = e.do(req{method: http.MethodPost, path: "/v1/analyses/" + created[1] + "/cancel", cred: e.a.analyst.token})
		assert.Equal(t, http.StatusOK, r.status)
		require.NoError(t, e.pool.QueryRow(context.Background(),
			`SELECT count(*) FROM river_job WHERE kind = $1`, pipeline.OrchestrateArgs{}.Kind()).Scan(&orchestrate))
		assert.Equal(t, 1, orchestrate, "cancelling again queues nothing")
		r = e.do(req{method: http.MethodPost, path: "/v1/analyses/" + created[0] + "/cancel", cred: e.a.analyst.token})
		assert.Equal(t, http.StatusConflict, r.status)
		assert.Equal(t, "analysis_finished", r.code(t))
		r = e.do(req{method: http.MethodPost, path: "/v1/analyses/" + created[2] + "/cancel", cred: e.a.viewer.token})
		assert.Equal(t, http.StatusForbidden, r.status, "viewers cannot cancel")
	})
	t.Run("uploads and cancellations are published as status events", func(t *testing.T) {
		backlog, err := e.events.History(context.Background(), e.a.org.ID, events.ZeroID, 100)
		require.NoError(t, err)
		byType := map[events.Type][]string{}
		for _, ev := range backlog.Events {
			byType[ev.Type] = append(byType[ev.Type], ev.AnalysisID)
		}
		assert.ElementsMatch(t, created, byType[events.AnalysisQueued])
		assert.Equal(t, []string{created[1]}, byType[events.AnalysisCancelled])
	})
	t.Run("progress and tool runs are shown", func(t *testing.T) {
		e := e.with(t)
		ctx := context.Background()
		_, err := e.store.TransitionAnalysis(ctx, e.a.org.ID, created[3], store.Transition{From: store.StateQueued, To: store.StateParsing})
		require.NoError(t, err)
		require.NoError(t, e.store.SetAnalysisProgress(ctx, e.a.org.ID, created[3], 40))
		_, err = e.store.UpsertToolRun(ctx, e.a.org.ID, store.ToolRun{AnalysisID: created[3], Tool: "slither", State: store.ToolRunRunning, Attempt: 1})
		require.NoError(t, err)
		r := e.get("/v1/analyses/"+created[3], e.a.viewer.token)
		require.Equal(t, http.StatusOK, r.status)
		a := r.json(t)
		assert.Equal(t, "parsing", a["state"])
		assert.Equal(t, float64(40), a["progress"])
		runs := a["toolRuns"].([]any)
		require.Len(t, runs, 1)
		assert.Equal(t, "running", runs[0].(map[string]any)["state"])
	})
	t.Run("a malformed id is simply not found", func(t *testing.T) {
		e := e.with(t)
		assert.Equal(t, http.StatusNotFound, e.get("/v1/analyses/not-a-uuid", e.a.key).status)
	})
}

// TestOrganisationsNeverSeeEachOther tries every id-taking endpoint with
// another organisation's ids: each answers 404, as for an id that does not
// exist, and lists never include the other's rows.
func TestOrganisationsNeverSeeEachOther(t *testing.T) {
	e := newEnv(t)
	theirAnalysis := e.completedWithFindings(e.b, 1)
	r := e.get("/v1/analyses/"+theirAnalysis+"/findings", e.b.key)
	require.Equal(t, http.StatusOK, r.status)
	theirFinding := ids(t, r)[0]
	keys := e.get("/v1/api-keys", e.b.admin.token)
	require.Equal(t, http.StatusOK, keys.status)
	theirKey := ids(t, keys)[0]
	mine := e.completedWithFindings(e.a, 2)

	for _, tc := range []req{
		{method: http.MethodGet, path: "/v1/analyses/" + theirAnalysis},
		{method: http.MethodGet, path: "/v1/analyses/" + theirAnalysis + "/findings"},
		{method: http.MethodGet, path: "/v1/analyses/" + theirAnalysis + "/report.json"},
		{method: http.MethodGet, path: "/v1/analyses/" + theirAnalysis + "/report.sarif"},
		{method: http.MethodPost, path: "/v1/analyses/" + theirAnalysis + "/cancel"},
		{method: http.MethodGet, path: "/v1/findings/" + theirFinding},
		{method: http.MethodPost, path: "/v1/findings/" + theirFinding + "/triage", contentType: "application/json", body: []byte(`{"decision":"false_positive"}`)},
		{method: http.MethodDelete, path: "/v1/api-keys/" + theirKey},
	} {
		t.Run(tc.method+" "+tc.path[:20]+"… of another organisation is not found", func(t *testing.T) {
			e := e.with(t)
			tc.cred = e.a.admin.token
			r := e.do(tc)
			assert.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		})
	}
	t.Run("lists hold only the caller's rows", func(t *testing.T) {
		e := e.with(t)
		r := e.get("/v1/analyses", e.a.key)
		assert.Equal(t, []string{mine}, ids(t, r))
		r = e.get("/v1/api-keys", e.a.admin.token)
		assert.NotContains(t, ids(t, r), theirKey)
	})
	t.Run("their data is unchanged", func(t *testing.T) {
		e := e.with(t)
		r := e.get("/v1/findings/"+theirFinding, e.b.viewer.token)
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "open", r.json(t)["status"])
		r = e.get("/v1/analyses/"+theirAnalysis, e.b.viewer.token)
		assert.Equal(t, "completed", r.json(t)["state"])
	})
	t.Run("a token signed by another key set is refused", func(t *testing.T) {
		e := e.with(t)
		ksJSON, err := auth.GenerateKeySet("test-1")
		require.NoError(t, err)
		ks, err := auth.ParseKeySet(ksJSON)
		require.NoError(t, err)
		forger, err := auth.NewTokens(ks, auth.TokenConfig{Issuer: "https://solsec.test", Audience: "solsec-api"})
		require.NoError(t, err)
		tok, _, err := forger.Issue(auth.Principal{OrgID: e.b.org.ID, UserID: e.b.admin.ID, Role: auth.RoleAdmin})
		require.NoError(t, err)
		r := e.get("/v1/analyses", tok)
		assert.Equal(t, http.StatusUnauthorized, r.status)
		assert.Equal(t, "invalid_credentials", r.code(t))
	})
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
