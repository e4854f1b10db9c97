package webui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MountCore registers ui-core's pages: the start page, sign-in and
// sign-out, the account page and API keys.
func (a *App) MountCore() {
	m := a.mux
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if a.user(r) == nil {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	})
	m.HandleFunc("GET /signin", a.signInPage)
	m.HandleFunc("POST /signin", a.signIn)
	m.HandleFunc("POST /signout", a.signOut)
	m.HandleFunc("GET /account", a.authed(a.account))
	m.HandleFunc("GET /account/keys", a.authed(a.keys))
	m.HandleFunc("POST /account/keys", a.authed(a.createKey))
	m.HandleFunc("POST /account/keys/{id}/revoke", a.authed(a.revokeKey))
}

type signInData struct{ Next, Email string }

func (a *App) signInPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if a.user(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	a.render(w, r, http.StatusOK, "signin", view{Title: "Sign in", Data: signInData{Next: next}})
}

func (a *App) signIn(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	data := signInData{Next: next, Email: email}
	if email == "" || password == "" {
		a.render(w, r, http.StatusUnprocessableEntity, "signin", view{Title: "Sign in", Error: "Enter your email and password.", Data: data})
		return
	}
	token, expires, err := a.api.Login(r.Context(), email, password)
	switch {
	case IsStatus(err, http.StatusUnauthorized), IsStatus(err, http.StatusForbidden):
		a.render(w, r, http.StatusUnauthorized, "signin", view{Title: "Sign in", Error: "Wrong email or password.", Data: data})
		return
	case IsStatus(err, http.StatusTooManyRequests):
		a.render(w, r, http.StatusTooManyRequests, "signin", view{Title: "Sign in", Error: "Too many attempts. Wait a minute, then try again.", Data: data})
		return
	case err != nil:
		a.apiFailed(w, r, nil, err)
		return
	}
	if _, ok := userFromToken(token, email); !ok {
		a.log.ErrorContext(r.Context(), "login answered a token that is not a JWT or has expired")
		a.renderError(w, r, nil, http.StatusBadGateway, "Signing in failed on our side. Try again in a moment.")
		return
	}
	maxAge := 0 // a browser-session cookie when the API names no expiry
	if !expires.IsZero() {
		maxAge = max(int(time.Until(expires).Seconds()), 1)
	}
	a.cookies.set(w, a.cookies.Session(), token, maxAge)
	a.cookies.set(w, a.cookies.User(), url.QueryEscape(email), maxAge)
	// A new session gets a new CSRF value, so a token an attacker obtained
	// before sign-in (token fixation) is worthless after it.
	a.cookies.set(w, a.cookies.CSRF(), randomToken(), 0)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (a *App) signOut(w http.ResponseWriter, r *http.Request) {
	a.clearSession(w)
	a.cookies.set(w, a.cookies.CSRF(), "", -1)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (a *App) account(w http.ResponseWriter, r *http.Request, u *User) {
	a.render(w, r, http.StatusOK, "account", view{Title: "Account", Nav: "account", User: u})
}

type keysData struct {
	Keys    []APIKey
	Created *CreatedAPIKey
}

func (a *App) keys(w http.ResponseWriter, r *http.Request, u *User) {
	a.keysPage(w, r, u, http.StatusOK, nil, "")
}

func (a *App) keysPage(w http.ResponseWriter, r *http.Request, u *User, status int, created *CreatedAPIKey, msg string) {
	if !u.IsAdmin() {
		// The API lists keys to administrators only.
		a.render(w, r, http.StatusOK, "keys", view{Title: "API keys", Nav: "account", User: u, Data: keysData{}})
		return
	}
	keys, err := a.api.ListAPIKeys(r.Context(), u.Token)
	if err != nil {
		a.apiFailed(w, r, u, err)
		return
	}
	v := view{Title: "API keys", Nav: "account", User: u, Data: keysData{Keys: keys, Created: created}}
	if status >= 400 {
		v.Error = msg
	} else {
		v.Flash = msg
	}
	// The page may hold a secret: keep it out of every cache (render sets
	// no-store) and out of the history's form restoration.
	a.render(w, r, status, "keys", v)
}

func (a *App) createKey(w http.ResponseWriter, r *http.Request, u *User) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	role := r.PostFormValue("role")
	if name == "" {
		a.keysPage(w, r, u, http.StatusUnprocessableEntity, nil, "Give the key a name.")
		return
	}
	k, err := a.api.CreateAPIKey(r.Context(), u.Token, name, role)
	var ae *APIError
	if err != nil && errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusUnauthorized {
		a.keysPage(w, r, u, ae.Status, nil, ae.Message())
		return
	}
	if err != nil {
		a.apiFailed(w, r, u, err)
		return
	}
	// The secret is rendered in this response only, never put in a URL or
	// a cookie; a reload shows the list without it.
	a.keysPage(w, r, u, http.StatusCreated, &k, "")
}

func (a *App) revokeKey(w http.ResponseWriter, r *http.Request, u *User) {
	if err := a.api.RevokeAPIKey(r.Context(), u.Token, r.PathValue("id")); err != nil {
		a.apiFailed(w, r, u, err)
		return
	}
	http.Redirect(w, r, "/account/keys", http.StatusSeeOther)
}
