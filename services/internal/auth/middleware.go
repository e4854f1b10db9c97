package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/solsec/platform/services/internal/httpx"
)

// APIKeyHeader is the alternative to "Authorization: Bearer ssk_..." for CI
// systems that reserve Authorization for something else.
const APIKeyHeader = "X-API-Key"

// Problem codes the middleware answers with.
const (
	CodeUnauthenticated    = "unauthenticated"     // 401: no credentials
	CodeInvalidCredentials = "invalid_credentials" // 401: credentials refused
	CodeForbidden          = "forbidden"           // 403: role lacks the action
	CodeAuthUnavailable    = "auth_unavailable"    // 503: the key store failed
)

// ErrNoCredentials means the request carried neither a token nor a key.
var ErrNoCredentials = errors.New("no credentials")

// Authenticator accepts a JWT or an API key from a request.
type Authenticator struct {
	// Tokens verifies "Authorization: Bearer <jwt>"; nil refuses JWTs.
	Tokens TokenVerifier
	// APIKeys verifies "Authorization: Bearer ssk_..." and X-API-Key; nil
	// refuses API keys. Usually an *APIKeys.
	APIKeys TokenVerifier
}

// Authenticate returns the request's principal. Errors wrap
// ErrNoCredentials, ErrInvalidToken or ErrInvalidAPIKey when the client is
// at fault; anything else is a server-side failure.
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	authz := r.Header.Get("Authorization")
	apiKey := r.Header.Get(APIKeyHeader)
	switch {
	case authz != "" && apiKey != "":
		return Principal{}, fmt.Errorf("%w: send either Authorization or %s, not both", ErrInvalidToken, APIKeyHeader)
	case apiKey != "":
		return a.verify(r, a.APIKeys, apiKey, "API keys")
	case authz == "":
		return Principal{}, ErrNoCredentials
	}
	scheme, cred, ok := strings.Cut(authz, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(cred) == "" {
		return Principal{}, fmt.Errorf("%w: the Authorization header must be \"Bearer <token>\"", ErrInvalidToken)
	}
	cred = strings.TrimSpace(cred)
	if strings.HasPrefix(cred, APIKeyPrefix) {
		return a.verify(r, a.APIKeys, cred, "API keys")
	}
	return a.verify(r, a.Tokens, cred, "bearer tokens")
}

func (a *Authenticator) verify(r *http.Request, v TokenVerifier, cred, what string) (Principal, error) {
	if v == nil {
		return Principal{}, fmt.Errorf("%w: this service does not accept %s", ErrInvalidToken, what)
	}
	return v.Verify(r.Context(), cred)
}

// Middleware authenticates every request: the principal goes into the
// context (PrincipalFrom), or the request is answered 401 with a problem
// document and a WWW-Authenticate challenge (RFC 6750), or 503 when the key
// store cannot be reached.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.Authenticate(r)
		switch {
		case err == nil:
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		case errors.Is(err, ErrNoCredentials):
			w.Header().Set("WWW-Authenticate", `Bearer realm="solsec"`)
			httpx.Fail(w, r, http.StatusUnauthorized, CodeUnauthenticated,
				"send a token as \"Authorization: Bearer <token>\" or an API key as \"Authorization: Bearer ssk_...\" or \""+APIKeyHeader+": ssk_...\"")
		case errors.Is(err, ErrInvalidToken), errors.Is(err, ErrInvalidAPIKey):
			w.Header().Set("WWW-Authenticate", `Bearer realm="solsec", error="invalid_token"`)
			httpx.Fail(w, r, http.StatusUnauthorized, CodeInvalidCredentials, err.Error())
		default:
			// The detail stays generic: the store's error may name hosts.
			w.Header().Set("Retry-After", "5")
			httpx.Fail(w, r, http.StatusServiceUnavailable, CodeAuthUnavailable, "credentials cannot be checked right now; retry shortly")
		}
	})
}

// Require answers 403 unless the authenticated principal may perform
// action (401 if the request was not authenticated at all, which means
// Middleware is missing in front of it).
func Require(action Action, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="solsec"`)
			httpx.Fail(w, r, http.StatusUnauthorized, CodeUnauthenticated, "authentication required")
			return
		}
		if !p.Can(action) {
			httpx.Fail(w, r, http.StatusForbidden, CodeForbidden, fmt.Sprintf("role %q may not %s", p.Role, strings.ReplaceAll(string(action), "_", " ")))
			return
		}
		next.ServeHTTP(w, r)
	})
}
