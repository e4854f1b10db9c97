package webui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// CSRFField is the form field (and, for script-driven requests, the
// X-CSRF-Token header) that carries the token.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// Cookies names and sets the front ends' cookies. With Secure (every
// deployment) the names carry the __Host- prefix, which makes browsers
// refuse them unless they are Secure, host-only and Path=/, so a sibling
// subdomain cannot plant or shadow them. Without it (a developer's plain
// http on a non-localhost name) they are ordinary cookies.
type Cookies struct {
	Secure bool
}

func (c Cookies) name(base string) string {
	if c.Secure {
		return "__Host-" + base
	}
	return base
}

// Session is the JWT; User the email it was issued for, shown in the
// navigation; CSRF the random value the CSRF token is derived from.
func (c Cookies) Session() string { return c.name("solsec_session") }
func (c Cookies) User() string    { return c.name("solsec_user") }
func (c Cookies) CSRF() string    { return c.name("solsec_csrf") }

// set writes an HttpOnly, SameSite=Strict cookie; maxAge < 0 deletes it.
func (c Cookies) set(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: c.Secure, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// CSRF issues and checks synchronizer tokens. The browser holds a random
// value in an HttpOnly cookie; forms carry HMAC(key, value). A forged
// cross-site form cannot read the cookie, and an attacker able to plant a
// cookie (a compromised sibling subdomain) cannot compute the HMAC without
// the key, which every front end shares so that a form rendered by one is
// accepted by another.
type CSRF struct {
	key     []byte
	cookies Cookies
}

// NewCSRF returns a CSRF protector; key must be at least 32 bytes.
func NewCSRF(key []byte, cookies Cookies) *CSRF { return &CSRF{key: key, cookies: cookies} }

func (c *CSRF) tokenFor(value string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("solsec-csrf\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Token returns the form token for this browser, setting the cookie when
// the browser has none yet.
func (c *CSRF) Token(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(c.cookies.CSRF()); err == nil && len(ck.Value) >= 32 {
		return c.tokenFor(ck.Value)
	}
	value := randomToken()
	c.cookies.set(w, c.cookies.CSRF(), value, 0)
	// Later calls in the same request (the layout, a second form) must see
	// the value just issued, not mint another.
	r.AddCookie(&http.Cookie{Name: c.cookies.CSRF(), Value: value})
	return c.tokenFor(value)
}

// Valid reports whether token matches the browser's CSRF cookie.
func (c *CSRF) Valid(r *http.Request, token string) bool {
	ck, err := r.Cookie(c.cookies.CSRF())
	if err != nil || len(ck.Value) < 32 || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.tokenFor(ck.Value)), []byte(token)) == 1
}

// Protect rejects every unsafe request (anything but GET, HEAD, OPTIONS)
// that fails Go's cross-origin protection (Sec-Fetch-Site and Origin) or
// carries no valid token in its form field or header. Multipart posts to
// the paths in streamed are the exception: reading their form here would
// buffer a whole upload, so their handler checks the token itself, from the
// form's first part (see App.upload); the cross-origin check still applies.
// A multipart post anywhere else is parsed here like any form.
func (c *CSRF) Protect(next http.Handler, failed http.Handler, streamed ...string) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(failed)
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodPost && slices.Contains(streamed, r.URL.Path) && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			next.ServeHTTP(w, r)
			return
		}
		token := r.Header.Get(CSRFHeader)
		if token == "" {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := r.ParseMultipartForm(64 << 10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				failed.ServeHTTP(w, r)
				return
			}
			token = r.PostFormValue(CSRFField)
		}
		if !c.Valid(r, token) {
			failed.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	}))
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return base64.RawURLEncoding.EncodeToString(b)
}

// CSP builds the Content-Security-Policy: nothing by default, scripts,
// styles, images and fonts from this origin only (so no inline script, no
// inline style, no style attribute), connections to this origin plus the
// WebSocket origins given, forms posted only here, never framed.
func CSP(wsOrigins ...string) string {
	connect := "connect-src 'self'"
	for _, o := range wsOrigins {
		if o != "" {
			connect += " " + o
		}
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self'",
		"font-src 'self'",
		connect,
		"form-action 'self'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
		"object-src 'none'",
	}, "; ")
}

// SecurityHeaders sets the headers every response of a front end carries.
// hsts is set only where cookies are Secure, that is behind TLS.
func SecurityHeaders(next http.Handler, csp string, hsts bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// User is who is signed in, as far as the front end needs to know: the
// token for the API, and what the navigation and account page show.
type User struct {
	Token   string
	Email   string
	OrgID   string
	Role    string
	UserID  string
	Expires time.Time
}

// CanTriage reports whether the role may triage (the API enforces it; the
// pages only hide buttons that would fail).
func (u *User) CanTriage() bool { return u != nil && (u.Role == "analyst" || u.Role == "admin") }

// CanUpload reports whether the role may start analyses.
func (u *User) CanUpload() bool { return u.CanTriage() }

// IsAdmin reports whether the role may manage API keys.
func (u *User) IsAdmin() bool { return u != nil && u.Role == "admin" }

// userFromToken reads the claims of a JWT without verifying it. That is
// safe only because nothing here trusts them: they choose what the page
// shows (the role's buttons, the account page), while the API verifies the
// token on every call and decides what is allowed.
func userFromToken(token, email string) (*User, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, false
	}
	var c struct {
		Org  string `json:"org"`
		Role string `json:"role"`
		UID  string `json:"uid"`
		Sub  string `json:"sub"`
		Exp  int64  `json:"exp"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return nil, false
	}
	u := &User{Token: token, Email: email, OrgID: c.Org, Role: c.Role, UserID: c.UID}
	if u.UserID == "" {
		u.UserID = c.Sub
	}
	if c.Exp > 0 {
		u.Expires = time.Unix(c.Exp, 0)
		if time.Now().After(u.Expires) {
			return nil, false
		}
	}
	return u, true
}
