package webui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/webui"
)

type event struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	AnalysisID string `json:"analysisId"`
	State      string `json:"state"`
	Tool       string `json:"tool"`
	Progress   int    `json:"progress"`
}

// dialLive opens the front end's relay as a browser on origin would: with
// its cookies and its Origin header.
func (h *harness) dialLive(ctx context.Context, id, after, origin string) (*websocket.Conn, *http.Response, error) {
	u, _ := url.Parse(h.srv.URL)
	var cookies []string
	for _, c := range h.http.Jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	return websocket.Dial(ctx, "wss"+strings.TrimPrefix(h.srv.URL, "https")+"/analyses/"+id+"/live?after="+after, &websocket.DialOptions{
		HTTPClient: h.srv.Client(),
		HTTPHeader: http.Header{"Cookie": {strings.Join(cookies, "; ")}, "Origin": {origin}},
	})
}

// readUntil reads events until one of type stop (or n events).
func readUntil(t *testing.T, ctx context.Context, c *websocket.Conn, stop string, n int) []event {
	t.Helper()
	var got []event
	for len(got) < n {
		_, b, err := c.Read(ctx)
		require.NoError(t, err)
		var e event
		require.NoError(t, json.Unmarshal(b, &e))
		if e.Type == "subscription.ready" {
			continue
		}
		got = append(got, e)
		if e.Type == stop {
			break
		}
	}
	return got
}

func types(es []event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Type+":"+e.Tool)
	}
	return out
}

func TestLiveProgressIsRelayedInOrderAndResumes(t *testing.T) {
	h := newHarness(t, webui.UploadLimits{})
	h.signIn(alice)
	resp, body := h.upload(h.token("/analyses"), file{"src/Vault.sol", "contract Vault {}"})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/analyses/")
	ctx := t.Context()

	c, _, err := h.dialLive(ctx, id, "0", h.srv.URL)
	require.NoError(t, err)
	h.api.Advance(id) // parsing
	h.api.Advance(id) // analysing, both tools started
	first := readUntil(t, ctx, c, "", 5)
	assert.Equal(t, []string{"analysis.queued:", "analysis.state_changed:", "analysis.state_changed:", "tool_run.started:solsec", "tool_run.started:slither"}, types(first))
	require.NoError(t, c.Close(websocket.StatusNormalClosure, "page closed"))

	// Events published while the page was away arrive after a resume,
	// none twice.
	h.api.Complete(id)
	c, _, err = h.dialLive(ctx, id, first[len(first)-1].ID, h.srv.URL)
	require.NoError(t, err)
	defer c.CloseNow()
	rest := readUntil(t, ctx, c, "analysis.completed", 10)
	assert.Equal(t, []string{"tool_run.finished:solsec", "tool_run.finished:slither", "analysis.state_changed:", "analysis.completed:"}, types(rest))
	assert.Equal(t, 100, rest[len(rest)-1].Progress)
	for _, e := range append(first, rest...) {
		assert.Equal(t, id, e.AnalysisID)
	}

	t.Run("another site cannot open the relay with the user's cookies", func(t *testing.T) {
		_, resp, err := h.dialLive(ctx, id, "0", "https://evil.example")
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	})
	t.Run("another organisation's analysis is refused", func(t *testing.T) {
		m := h.otherBrowser()
		m.signIn(mallo)
		_, resp, err := m.dialLive(ctx, id, "0", h.srv.URL)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
	t.Run("a malformed resume point is refused", func(t *testing.T) {
		_, resp, err := h.dialLive(ctx, id, "not-an-id", h.srv.URL)
		require.Error(t, err)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
}
