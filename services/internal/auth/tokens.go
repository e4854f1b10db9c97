package auth

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidToken wraps every reason a bearer token is refused, so a caller
// can answer 401 without caring which check failed.
var ErrInvalidToken = errors.New("invalid token")

// TokenVerifier turns a bearer token into a Principal. Tokens implements it
// for the platform's own JWTs; an external IdP's tokens can be verified by
// another implementation behind the same Authenticator.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (Principal, error)
}

// TokenConfig fixes the claims every token carries and checks.
type TokenConfig struct {
	Issuer   string        // "iss", e.g. "https://api.solsec.example"
	Audience string        // "aud", e.g. "solsec-api"
	TTL      time.Duration // lifetime of issued tokens; default 1h
	// Leeway tolerates clock skew between issuer and verifier on exp, nbf
	// and iat; default 30s.
	Leeway time.Duration
	// Now is the clock; nil means time.Now. Tests pin it.
	Now func() time.Time
}

// claims are the registered claims plus the principal's organisation, role
// and user id.
type claims struct {
	jwt.RegisteredClaims
	OrgID  string `json:"org"`
	Role   Role   `json:"role"`
	UserID string `json:"uid"`
}

// Tokens issues and verifies the platform's JWTs. Its key set can be
// swapped at run time (SetKeys, Reload) for rotation; it is safe for
// concurrent use.
type Tokens struct {
	cfg  TokenConfig
	keys atomic.Pointer[KeySet]
}

// NewTokens returns Tokens signing with ks's signing key.
func NewTokens(ks *KeySet, cfg TokenConfig) (*Tokens, error) {
	if ks == nil {
		return nil, errors.New("auth: NewTokens needs a key set")
	}
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("auth: NewTokens needs an issuer and an audience")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = time.Hour
	}
	if cfg.Leeway <= 0 {
		cfg.Leeway = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := &Tokens{cfg: cfg}
	t.keys.Store(ks)
	return t, nil
}

// SetKeys replaces the key set: tokens are signed with its signing key from
// now on, and only its keys verify.
func (t *Tokens) SetKeys(ks *KeySet) { t.keys.Store(ks) }

// Reload loads a key set from src and swaps it in; on error the current set
// stays in use.
func (t *Tokens) Reload(ctx context.Context, src KeySource) error {
	ks, err := LoadKeySet(ctx, src)
	if err != nil {
		return err
	}
	t.SetKeys(ks)
	return nil
}

// Issue signs a token for a user principal and returns it with its expiry.
func (t *Tokens) Issue(p Principal) (string, time.Time, error) {
	if p.OrgID == "" || p.UserID == "" {
		return "", time.Time{}, errors.New("auth: a token needs an organisation and a user")
	}
	if _, err := ParseRole(string(p.Role)); err != nil {
		return "", time.Time{}, err
	}
	subject := p.Subject
	if subject == "" {
		subject = p.UserID
	}
	now := t.cfg.Now()
	exp := now.Add(t.cfg.TTL)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.cfg.Issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings{t.cfg.Audience},
			ExpiresAt: jwt.NewNumericDate(exp),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
		},
		OrgID: p.OrgID, Role: p.Role, UserID: p.UserID,
	}
	key := t.keys.Load().Signing()
	var tok *jwt.Token
	var signKey any
	switch key.Algorithm {
	case AlgEdDSA:
		tok, signKey = jwt.NewWithClaims(jwt.SigningMethodEdDSA, c), key.Private
	case AlgHS256:
		tok, signKey = jwt.NewWithClaims(jwt.SigningMethodHS256, c), key.Secret
	}
	tok.Header["kid"] = key.ID
	s, err := tok.SignedString(signKey)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return s, exp, nil
}

// Verify checks signature (by kid, with the algorithm that key is for),
// issuer, audience, expiry (required), not-before and issued-at, and the
// principal claims. Every failure wraps ErrInvalidToken.
func (t *Tokens) Verify(_ context.Context, token string) (Principal, error) {
	ks := t.keys.Load()
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{AlgEdDSA, AlgHS256}),
		jwt.WithIssuer(t.cfg.Issuer),
		jwt.WithAudience(t.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(t.cfg.Leeway),
		jwt.WithTimeFunc(t.cfg.Now),
	)
	var c claims
	_, err := parser.ParseWithClaims(token, &c, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		key, ok := ks.Lookup(kid)
		if !ok {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		// The key decides the algorithm, never the token: otherwise a token
		// claiming HS256 could be "signed" with a public Ed25519 key.
		if tok.Method.Alg() != key.Algorithm {
			return nil, fmt.Errorf("key %q is for %s, token says %s", kid, key.Algorithm, tok.Method.Alg())
		}
		if key.Algorithm == AlgEdDSA {
			return key.Public, nil
		}
		return key.Secret, nil
	})
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	role, err := ParseRole(string(c.Role))
	if err != nil || c.OrgID == "" || c.UserID == "" {
		return Principal{}, fmt.Errorf("%w: missing or bad org, role or uid claim", ErrInvalidToken)
	}
	return Principal{OrgID: c.OrgID, UserID: c.UserID, Role: role, Subject: c.Subject}, nil
}

// AnyOf accepts a token any of verifiers accepts, tried in order: the
// platform's own Tokens and an external IdP's OIDC side by side. When all
// refuse, a server-side failure (an unreachable IdP) is reported over a
// refusal, so an outage is not mistaken for bad credentials.
func AnyOf(verifiers ...TokenVerifier) TokenVerifier { return anyOf(verifiers) }

type anyOf []TokenVerifier

func (a anyOf) Verify(ctx context.Context, token string) (Principal, error) {
	var refusal, failure error
	for _, v := range a {
		p, err := v.Verify(ctx, token)
		switch {
		case err == nil:
			return p, nil
		case errors.Is(err, ErrInvalidToken):
			if refusal == nil {
				refusal = err
			}
		default:
			if failure == nil {
				failure = err
			}
		}
	}
	if failure != nil {
		return Principal{}, failure
	}
	if refusal == nil {
		refusal = fmt.Errorf("%w: no verifier configured", ErrInvalidToken)
	}
	return Principal{}, refusal
}
