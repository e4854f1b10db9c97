package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OIDCConfig configures verification of tokens an external identity
// provider issues.
type OIDCConfig struct {
	// JWKSURL is the IdP's key set, e.g.
	// "https://idp.example.com/.well-known/jwks.json".
	JWKSURL  string
	Issuer   string
	Audience string
	// OrgClaim and RoleClaim name the claims carrying the solsec
	// organisation id and role (IdPs differ); defaults "org" and "role".
	OrgClaim, RoleClaim string
	// Leeway tolerates clock skew; default 30s.
	Leeway time.Duration
	// MinRefresh is the shortest interval between two fetches of the key
	// set, so tokens with made-up key ids cannot make every request fetch
	// it; default 1 minute. MaxAge is how long a fetched set is trusted
	// before it is fetched again; default 1 hour.
	MinRefresh, MaxAge time.Duration
	// Client fetches the key set; nil means a client with a 10s timeout.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// OIDC verifies an external IdP's JWTs against its published JWKS. It
// implements TokenVerifier, so it can stand in Authenticator.Tokens (or
// behind a verifier that tries the platform's own Tokens first).
type OIDC struct {
	cfg     OIDCConfig
	mu      sync.Mutex
	keys    map[string]jwk
	fetched time.Time
}

// jwk is one parsed key with the single algorithm it verifies.
type jwk struct {
	alg string
	key any
}

// NewOIDC validates cfg; the key set is fetched on first use.
func NewOIDC(cfg OIDCConfig) (*OIDC, error) {
	if cfg.JWKSURL == "" || cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("auth: OIDC needs a JWKS URL, an issuer and an audience")
	}
	if cfg.OrgClaim == "" {
		cfg.OrgClaim = "org"
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = "role"
	}
	if cfg.Leeway <= 0 {
		cfg.Leeway = 30 * time.Second
	}
	if cfg.MinRefresh <= 0 {
		cfg.MinRefresh = time.Minute
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = time.Hour
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &OIDC{cfg: cfg}, nil
}

// Verify checks the token's signature against the IdP's key of its kid,
// its issuer, audience and times, and maps sub, the org claim and the role
// claim to a Principal. Failures wrap ErrInvalidToken, except an
// unreachable IdP when no cached key applies.
func (o *OIDC) Verify(ctx context.Context, token string) (Principal, error) {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256", "ES256", "EdDSA"}),
		jwt.WithIssuer(o.cfg.Issuer),
		jwt.WithAudience(o.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(o.cfg.Leeway),
		jwt.WithTimeFunc(o.cfg.Now),
	)
	var fetchErr error
	c := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(token, c, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		k, ok, err := o.key(ctx, kid)
		if err != nil {
			fetchErr = err
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		if tok.Method.Alg() != k.alg {
			return nil, fmt.Errorf("key %q is for %s, token says %s", kid, k.alg, tok.Method.Alg())
		}
		return k.key, nil
	})
	if fetchErr != nil {
		return Principal{}, fetchErr
	}
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	sub, _ := c["sub"].(string)
	org, _ := c[o.cfg.OrgClaim].(string)
	roleName, _ := c[o.cfg.RoleClaim].(string)
	role, rerr := ParseRole(roleName)
	if sub == "" || org == "" || rerr != nil {
		return Principal{}, fmt.Errorf("%w: missing or bad sub, %s or %s claim", ErrInvalidToken, o.cfg.OrgClaim, o.cfg.RoleClaim)
	}
	return Principal{OrgID: org, UserID: sub, Role: role, Subject: sub}, nil
}

// key returns the key for kid, fetching the set when it is stale, or when
// kid is unknown and the last fetch is older than MinRefresh (the IdP may
// have rotated). A failed fetch keeps serving the keys already known.
func (o *OIDC) key(ctx context.Context, kid string) (jwk, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.cfg.Now()
	k, ok := o.keys[kid]
	age := now.Sub(o.fetched)
	stale := o.keys == nil || age >= o.cfg.MaxAge
	if stale || (!ok && age >= o.cfg.MinRefresh) {
		keys, err := o.fetch(ctx)
		if err != nil {
			if ok {
				return k, true, nil
			}
			return jwk{}, false, err
		}
		o.keys, o.fetched = keys, now
		k, ok = keys[kid]
	}
	return k, ok, nil
}

func (o *OIDC) fetch(ctx context.Context) (map[string]jwk, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.cfg.JWKSURL, nil)
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS request: %w", err)
	}
	resp, err := o.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: fetch JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("auth: fetch JWKS: %s", resp.Status)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("auth: decode JWKS: %w", err)
	}
	keys := map[string]jwk{}
	for _, raw := range set.Keys {
		kid, _ := raw["kid"].(string)
		if use, _ := raw["use"].(string); use != "" && use != "sig" {
			continue
		}
		// Keys of kinds we do not verify (encryption keys, RSA-PSS...) are
		// skipped rather than failing the whole set.
		if k, err := parseJWK(raw); err == nil && kid != "" {
			keys[kid] = k
		}
	}
	return keys, nil
}

func parseJWK(raw map[string]any) (jwk, error) {
	str := func(name string) string { s, _ := raw[name].(string); return s }
	b := func(name string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(str(name)) }
	alg := str("alg")
	switch str("kty") {
	case "RSA":
		n, err1 := b("n")
		e, err2 := b("e")
		if err1 != nil || err2 != nil || len(n) < 256 || len(e) == 0 || len(e) > 4 {
			return jwk{}, errors.New("bad RSA key (at least 2048 bits)")
		}
		if alg != "" && alg != "RS256" {
			return jwk{}, fmt.Errorf("RSA alg %s not supported", alg)
		}
		return jwk{alg: "RS256", key: &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}}, nil
	case "EC":
		x, err1 := b("x")
		y, err2 := b("y")
		if str("crv") != "P-256" || err1 != nil || err2 != nil || (alg != "" && alg != "ES256") {
			return jwk{}, errors.New("only P-256 EC keys are supported")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, pad32(x)...), pad32(y)...))
		if err != nil {
			return jwk{}, fmt.Errorf("bad EC key: %w", err)
		}
		return jwk{alg: "ES256", key: pub}, nil
	case "OKP":
		x, err := b("x")
		if str("crv") != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return jwk{}, errors.New("only Ed25519 OKP keys are supported")
		}
		return jwk{alg: "EdDSA", key: ed25519.PublicKey(x)}, nil
	}
	return jwk{}, fmt.Errorf("key type %q not supported", str("kty"))
}

// pad32 left-pads a P-256 coordinate to 32 bytes.
func pad32(b []byte) []byte {
	if len(b) >= 32 {
		return b
	}
	return append(make([]byte, 32-len(b)), b...)
}
