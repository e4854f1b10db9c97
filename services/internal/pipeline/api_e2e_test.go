package pipeline_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/api"
	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/store"
)

// apiClient talks to an httptest server of the real API with an API key.
type apiClient struct {
	t   *testing.T
	url string
	key string
}

func (c apiClient) do(method, path, contentType string, body []byte) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, bytes.NewReader(body))
	require.NoError(c.t, err)
	req.Header.Set("Authorization", "Bearer "+c.key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, b
}

// zipDir zips a project directory as a user uploading it would.
func zipDir(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		w, err := zw.Create("vault/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}))
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// newAPI serves the real API over the harness' store, River client, blob
// directory and Redis, and returns a client with an analyst's CI key.
func newAPI(t *testing.T, h *harness) apiClient {
	t.Helper()
	ctx := context.Background()
	ksJSON, err := auth.GenerateKeySet("e2e")
	require.NoError(t, err)
	ks, err := auth.ParseKeySet(ksJSON)
	require.NoError(t, err)
	tokens, err := auth.NewTokens(ks, auth.TokenConfig{Issuer: "https://solsec.test", Audience: "solsec-api"})
	require.NoError(t, err)
	srv, err := api.New(api.Config{UploadsPerMinute: 1000, RequestsPerMinute: 100000}, api.Deps{
		Store: h.store, River: h.inserts, Blobs: h.blobs, Tokens: tokens,
		Redis: h.rdb, Events: h.deps.Events,
	})
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	key, err := auth.GenerateAPIKey()
	require.NoError(t, err)
	_, err = h.store.CreateAPIKey(ctx, h.org.ID, store.NewAPIKey{KeyID: key.ID, Name: "ci", Role: store.RoleAnalyst, SecretHash: key.SecretHash})
	require.NoError(t, err)
	return apiClient{t: t, url: hs.URL, key: key.Token}
}

// TestCancelThroughTheAPI cancels through the API while Slither runs: the
// tool-integration worker notices, stops the tool and records every run
// cancelled, although the API's cancel inserts no job of its own.
func TestCancelThroughTheAPI(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.slither.slow(t, 30*time.Second)
	h.startAll()
	c := newAPI(t, h)

	code, body := c.do(http.MethodPost, "/v1/analyses?filename=vault.zip&project=vault", "application/zip", zipDir(t, foundryProject))
	require.Equal(t, http.StatusCreated, code, "%s", body)
	var created struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &created))
	h.waitFor("slither to start", 30*time.Second, func() bool { return h.slither.calls() == 1 })

	code, body = c.do(http.MethodPost, "/v1/analyses/"+created.ID+"/cancel", "", nil)
	require.Equal(t, http.StatusOK, code, "%s", body)
	h.waitFor("every run to be recorded as ended", 20*time.Second, func() bool {
		a, err := h.store.GetAnalysis(context.Background(), h.org.ID, created.ID)
		require.NoError(t, err)
		for _, r := range a.ToolRuns {
			if !r.State.Ended() {
				return false
			}
		}
		return len(a.ToolRuns) == 2
	})
	a, err := h.store.GetAnalysis(context.Background(), h.org.ID, created.ID)
	require.NoError(t, err)
	assert.Equal(t, store.StateCancelled, a.State)
	for _, r := range a.ToolRuns {
		if r.Tool == "slither" {
			assert.Equal(t, store.ToolRunCancelled, r.State, "the slow tool was stopped")
		}
	}
}

// TestFoundryZipThroughTheAPI is the end-to-end path a user takes: a zip
// of the Foundry project uploaded to the real API with a CI key, the four
// services running it, the analysis and its findings read back through
// the API and the SARIF report downloaded and checked.
func TestFoundryZipThroughTheAPI(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.startAll()

	c := newAPI(t, h)

	code, body := c.do(http.MethodPost, "/v1/analyses?filename=vault.zip&project=vault", "application/zip", zipDir(t, foundryProject))
	require.Equal(t, http.StatusCreated, code, "%s", body)
	var created struct{ ID, State string }
	require.NoError(t, json.Unmarshal(body, &created))
	assert.Equal(t, "queued", created.State)

	var got struct {
		State    string
		Progress int
		Error    string
		ToolRuns []struct{ Tool, State string }
	}
	deadline := time.Now().Add(time.Minute)
	for got.State != "completed" && got.State != "failed" && got.State != "cancelled" {
		require.True(t, time.Now().Before(deadline), "the analysis did not end: %+v", got)
		time.Sleep(20 * time.Millisecond)
		code, body = c.do(http.MethodGet, "/v1/analyses/"+created.ID, "", nil)
		require.Equal(t, http.StatusOK, code, "%s", body)
		require.NoError(t, json.Unmarshal(body, &got))
	}
	require.Equal(t, "completed", got.State, got.Error)
	assert.Equal(t, 100, got.Progress)
	assert.Len(t, got.ToolRuns, 2)

	t.Run("the API lists the merged findings with both tools", func(t *testing.T) {
		code, body := c.do(http.MethodGet, "/v1/analyses/"+created.ID+"/findings?limit=500", "", nil)
		require.Equal(t, http.StatusOK, code, "%s", body)
		var page struct {
			Items []struct {
				SWC, File string
				Tools     []string
			}
		}
		require.NoError(t, json.Unmarshal(body, &page))
		merged := map[string][]string{}
		for _, f := range page.Items {
			if f.SWC == "SWC-107" || f.SWC == "SWC-115" {
				merged[f.SWC] = f.Tools
			}
		}
		assert.Equal(t, map[string][]string{"SWC-107": {"slither", "solsec"}, "SWC-115": {"slither", "solsec"}}, merged)
	})
	t.Run("the SARIF report downloaded from the API validates", func(t *testing.T) {
		code, body := c.do(http.MethodGet, "/v1/analyses/"+created.ID+"/report.sarif", "", nil)
		require.Equal(t, http.StatusOK, code, "%s", body)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		require.NoError(t, err)
		require.NoError(t, compileSARIFSchema(t).Validate(doc))
		var log struct {
			Runs []struct{ Results []struct{ RuleID string } }
		}
		require.NoError(t, json.Unmarshal(body, &log))
		require.Len(t, log.Runs, 1)
		assert.Len(t, log.Runs[0].Results, len(h.findings(created.ID)))
	})
}
