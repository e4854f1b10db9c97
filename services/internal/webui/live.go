package webui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// eventIDPattern is the notification service's event id, "<ms>-<seq>", or
// "0" for everything retained.
var eventIDPattern = regexp.MustCompile(`^[0-9]{1,20}(-[0-9]{1,20})?$`)

// live relays the notification service's WebSocket for one analysis to the
// browser on this origin. The browser cannot authenticate to the
// notification service itself without holding the JWT, which stays in an
// HttpOnly cookie; so the front end dials /v1/ws with the token in an
// Authorization header and copies the events across. The browser resumes
// after the last event id it saw by reconnecting with ?after=<id>, which is
// passed through, so nothing is missed across a reconnect.
func (a *App) live(w http.ResponseWriter, r *http.Request, u *User) {
	if a.cfg.Notify == nil {
		http.Error(w, "live updates are not configured", http.StatusServiceUnavailable)
		return
	}
	after := r.URL.Query().Get("after")
	if after != "" && !eventIDPattern.MatchString(after) {
		http.Error(w, "after must be an event id", http.StatusBadRequest)
		return
	}
	up := *a.cfg.Notify
	switch up.Scheme {
	case "https":
		up.Scheme = "wss"
	case "http":
		up.Scheme = "ws"
	}
	up.Path = strings.TrimRight(up.Path, "/") + "/v1/ws"
	q := url.Values{"analysis": {r.PathValue("id")}}
	if after != "" {
		q.Set("after", after)
	}
	up.RawQuery = q.Encode()

	dialCtx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	upstream, resp, err := websocket.Dial(dialCtx, up.String(), &websocket.DialOptions{
		HTTPHeader:   http.Header{"Authorization": {"Bearer " + u.Token}},
		Subprotocols: []string{"solsec.v1"},
	})
	if err != nil {
		status := http.StatusBadGateway
		if resp != nil && resp.StatusCode >= 400 && resp.StatusCode < 500 {
			status = resp.StatusCode // 401, 403, 404: the browser should not retry blindly
		}
		a.log.WarnContext(r.Context(), "dial the notification service", "err", err, "status", status)
		http.Error(w, http.StatusText(status), status)
		return
	}
	defer upstream.CloseNow()

	// Accept checks that the Origin matches this host: another site cannot
	// open the relay with the user's cookie (cross-site WebSocket
	// hijacking), on top of SameSite=Strict keeping the cookie away from it.
	browser, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered.
	}
	defer browser.CloseNow()

	// The browser sends nothing; CloseRead answers its pings and closes,
	// and ends ctx when it leaves.
	ctx := browser.CloseRead(context.Background())
	for {
		typ, msg, err := upstream.Read(ctx)
		if err != nil {
			// Pass on the notification service's close status (going away,
			// try again later) so the page reconnects with after=<last id>.
			code := websocket.CloseStatus(err)
			if code == -1 {
				code = websocket.StatusGoingAway
			}
			var ce websocket.CloseError
			reason := ""
			if errors.As(err, &ce) {
				reason = ce.Reason
			}
			_ = browser.Close(code, reason)
			return
		}
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		err = browser.Write(wctx, typ, msg)
		wcancel()
		if err != nil {
			_ = upstream.Close(websocket.StatusGoingAway, "browser left")
			return
		}
	}
}
