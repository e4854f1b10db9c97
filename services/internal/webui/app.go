package webui

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

// UploadLimits are the API's upload limits, mirrored so that the browser
// can refuse an upload the API would refuse before sending megabytes, and
// so that the front end stops forwarding one that lies about its size. The
// defaults are the API's (upload.DefaultLimits); a deployment that changes
// the API's sets these to match.
type UploadLimits struct {
	MaxUploadBytes int64
	MaxFiles       int
	MaxFileBytes   int64
}

// DefaultUploadLimits are the API's defaults.
func DefaultUploadLimits() UploadLimits {
	return UploadLimits{MaxUploadBytes: 32 << 20, MaxFiles: 2000, MaxFileBytes: 2 << 20}
}

// Config is what every front end needs.
type Config struct {
	// API is the public API's base URL, as reached from the front end.
	API *url.URL
	// Notify is the notification service's base URL (http or https; the
	// WebSocket is dialled at its /v1/ws). Only the analysis front end uses
	// it.
	Notify *url.URL
	// CSRFKey signs CSRF tokens; every front end of a deployment shares it.
	CSRFKey []byte
	// SecureCookies marks cookies Secure with the __Host- prefix and turns
	// on HSTS. Off only for local development over plain http.
	SecureCookies bool
	// WSOrigins are added to the CSP's connect-src beside 'self', for a
	// deployment whose browsers reach the live view on another origin.
	WSOrigins []string
	Limits    UploadLimits
	// HTTPClient calls the API; nil means NewClient's default.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// App is one front end: the shared layout, security and session handling,
// plus the routes of the front ends mounted on it.
type App struct {
	cfg     Config
	api     *Client
	cookies Cookies
	csrf    *CSRF
	assets  *Assets
	pages   map[string]*template.Template
	log     *slog.Logger
	mux     *http.ServeMux
}

// NewApp validates cfg and parses the templates.
func NewApp(cfg Config) (*App, error) {
	if cfg.API == nil {
		return nil, errors.New("webui: the API URL is required")
	}
	if len(cfg.CSRFKey) < 32 {
		return nil, errors.New("webui: the CSRF key must be at least 32 bytes")
	}
	if cfg.Limits == (UploadLimits{}) {
		cfg.Limits = DefaultUploadLimits()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{
		cfg:     cfg,
		api:     NewClient(cfg.API, cfg.HTTPClient),
		cookies: Cookies{Secure: cfg.SecureCookies},
		assets:  newAssets(),
		log:     cfg.Logger,
		mux:     http.NewServeMux(),
	}
	a.csrf = NewCSRF(cfg.CSRFKey, a.cookies)
	pages, err := parsePages(a.assets)
	if err != nil {
		return nil, err
	}
	a.pages = pages
	a.mux.Handle("GET /assets/", a.assets)
	return a, nil
}

// API is the client the app calls the API with.
func (a *App) API() *Client { return a.api }

// Handler serves the mounted routes behind the security headers and CSRF
// protection.
func (a *App) Handler() http.Handler {
	failed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.renderError(w, r, nil, http.StatusForbidden, "This form has expired or did not come from this site. Go back, reload the page and try again.")
	})
	var wsOrigins []string
	wsOrigins = append(wsOrigins, a.cfg.WSOrigins...)
	// POST /analyses streams its multipart upload and checks the token
	// itself (see upload).
	return SecurityHeaders(a.csrf.Protect(a.mux, failed, "/analyses"), CSP(wsOrigins...), a.cfg.SecureCookies)
}

// Mux is where front ends register their routes.
func (a *App) Mux() *http.ServeMux { return a.mux }

// user returns the signed-in user, or nil.
func (a *App) user(r *http.Request) *User {
	ck, err := r.Cookie(a.cookies.Session())
	if err != nil || ck.Value == "" {
		return nil
	}
	email := ""
	if e, err := r.Cookie(a.cookies.User()); err == nil {
		email, _ = url.QueryUnescape(e.Value)
	}
	u, ok := userFromToken(ck.Value, email)
	if !ok {
		return nil
	}
	return u
}

// authed wraps a page that needs a signed-in user: without one the browser
// is sent to the sign-in page, which brings it back afterwards.
func (a *App) authed(h func(w http.ResponseWriter, r *http.Request, u *User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := a.user(r)
		if u == nil {
			a.toSignIn(w, r)
			return
		}
		h(w, r, u)
	}
}

func (a *App) toSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		// A form's action is no page to come back to (GET on it is 405).
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	next := r.URL.Path
	if r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// signOut forgets the session in this browser.
func (a *App) clearSession(w http.ResponseWriter) {
	a.cookies.set(w, a.cookies.Session(), "", -1)
	a.cookies.set(w, a.cookies.User(), "", -1)
}

// safeNext keeps a post-sign-in redirect on this site: a path, never a
// scheme-relative or absolute URL (an open redirect).
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// view is what every page template receives.
type view struct {
	Title string
	Nav   string // which navigation entry is current
	User  *User
	CSRF  string
	Flash string
	Error string
	Data  any
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := a.pages[name]
	if !ok {
		a.log.ErrorContext(r.Context(), "unknown page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v.CSRF = a.csrf.Token(w, r)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		a.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages hold an organisation's findings: never cache them anywhere.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (a *App) renderError(w http.ResponseWriter, r *http.Request, u *User, status int, msg string) {
	a.render(w, r, status, "error", view{Title: http.StatusText(status), User: u, Error: msg})
}

// apiFailed answers a page whose API call failed: a 401 means the token
// expired or was revoked, so the user signs in again; 403 and 404 are
// shown as such; anything else is the API being unavailable.
func (a *App) apiFailed(w http.ResponseWriter, r *http.Request, u *User, err error) {
	var ae *APIError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		a.clearSession(w)
		a.toSignIn(w, r)
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		a.renderError(w, r, u, http.StatusForbidden, "Your role does not allow this. "+ae.Message())
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		a.renderError(w, r, u, http.StatusNotFound, "Not found: it does not exist or belongs to another organisation.")
	case errors.As(err, &ae) && ae.Status < 500:
		a.renderError(w, r, u, ae.Status, ae.Message())
	case errors.Is(err, context.Canceled):
		// The browser went away; nobody reads the answer.
	default:
		a.log.ErrorContext(r.Context(), "API call failed", "path", r.URL.Path, "err", err)
		a.renderError(w, r, u, http.StatusBadGateway, "The analysis service is not answering right now. Try again in a moment.")
	}
}

// parsePages parses each page with the shared layout.
func parsePages(assets *Assets) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"asset":    assets.Path,
		"time":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"timep":    func(t *time.Time) string { return fmtTimeP(t) },
		"duration": fmtDuration,
		"sevClass": func(s string) string { return "sev sev-" + cssToken(s) },
		"stateClass": func(s string) string {
			return "state state-" + cssToken(s)
		},
		"label":   humanLabel,
		"join":    strings.Join,
		"excerpt": excerptLines,
		// The intelligence engine scores 0 to 100 (docs/scoring.md).
		"score": func(f float64) string { return fmt.Sprintf("%.0f", f) },
		"short": shortID,
		"bytes": byteSize,
		"index1": func(ls []Location) *Location {
			if len(ls) == 0 {
				return nil
			}
			return &ls[0]
		},
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("webui: parse %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

func fmtTimeP(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%.1f min", d.Minutes())
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// cssToken keeps a value usable as part of a class name; anything the API
// sends that is not a plain word becomes "other".
func cssToken(s string) string {
	if s == "" {
		return "other"
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "other"
		}
	}
	return s
}

// humanLabel turns an API enum ("false_positive") into words.
func humanLabel(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// excerptLine is one line of a source excerpt.
type excerptLine struct {
	N         int
	Text      string
	Highlight bool
}

// excerptLines numbers a location's snippet from its start line and marks
// the lines of the span. The text stays text: the template prints it
// escaped inside <pre>, never as HTML.
func excerptLines(l Location) []excerptLine {
	if l.Snippet == "" {
		return nil
	}
	lines := strings.Split(strings.TrimRight(l.Snippet, "\n"), "\n")
	start := max(l.StartLine, 1)
	end := max(l.EndLine, start)
	out := make([]excerptLine, len(lines))
	for i, t := range lines {
		n := start + i
		out[i] = excerptLine{N: n, Text: t, Highlight: n >= start && n <= end}
	}
	return out
}
