package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// idp is a fake identity provider publishing a JWKS.
type idp struct {
	mu      sync.Mutex
	keys    []map[string]any
	fetches atomic.Int32
	down    atomic.Bool
	srv     *httptest.Server
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	i := &idp{}
	i.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i.fetches.Add(1)
		if i.down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		i.mu.Lock()
		defer i.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": i.keys})
	}))
	t.Cleanup(i.srv.Close)
	return i
}

func (i *idp) publish(k map[string]any) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, k)
}

func u64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, k *rsa.PrivateKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
		"n": u64(k.N.Bytes()), "e": u64(big.NewInt(int64(k.E)).Bytes())}
}

func ecJWK(kid string, k *ecdsa.PrivateKey) map[string]any {
	raw, _ := k.PublicKey.Bytes() // 0x04 || X || Y
	return map[string]any{"kty": "EC", "kid": kid, "crv": "P-256", "x": u64(raw[1:33]), "y": u64(raw[33:])}
}

func edJWK(kid string, pub ed25519.PublicKey) map[string]any {
	return map[string]any{"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": u64(pub)}
}

func idpClaims(c *clock) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": "https://idp.example.com/", "aud": "solsec-api", "sub": "idp|alice",
		"exp": c.now.Add(time.Hour).Unix(), "iat": c.now.Unix(),
		"https://solsec/org": "org-9", "https://solsec/role": "admin",
	}
}

func TestOIDC(t *testing.T) {
	provider := newIDP(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	provider.publish(rsaJWK("rsa-1", rsaKey))
	provider.publish(ecJWK("ec-1", ecKey))
	provider.publish(edJWK("ed-1", edPub))
	provider.publish(map[string]any{"kty": "RSA", "kid": "enc-1", "use": "enc", "n": "AQAB", "e": "AQAB"})

	c := &clock{now: t0}
	o, err := NewOIDC(OIDCConfig{
		JWKSURL: provider.srv.URL, Issuer: "https://idp.example.com/", Audience: "solsec-api",
		OrgClaim: "https://solsec/org", RoleClaim: "https://solsec/role", Now: c.Now,
	})
	require.NoError(t, err)
	want := Principal{OrgID: "org-9", UserID: "idp|alice", Role: RoleAdmin, Subject: "idp|alice"}

	for _, tc := range []struct {
		name   string
		method jwt.SigningMethod
		kid    string
		key    any
	}{
		{"RS256", jwt.SigningMethodRS256, "rsa-1", rsaKey},
		{"ES256", jwt.SigningMethodES256, "ec-1", ecKey},
		{"EdDSA", jwt.SigningMethodEdDSA, "ed-1", edPriv},
	} {
		t.Run("an IdP token signed with "+tc.name+" maps to a principal", func(t *testing.T) {
			p, err := o.Verify(context.Background(), sign(t, tc.method, tc.kid, tc.key, idpClaims(c)))
			require.NoError(t, err)
			assert.Equal(t, want, p)
		})
	}
	assert.Equal(t, int32(1), provider.fetches.Load(), "the key set is fetched once and cached")

	t.Run("a token for another audience is refused", func(t *testing.T) {
		cl := idpClaims(c)
		cl["aud"] = "other-app"
		_, err := o.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, cl))
		assert.ErrorIs(t, err, ErrInvalidToken)
	})
	t.Run("a token without the organisation claim is refused", func(t *testing.T) {
		cl := idpClaims(c)
		delete(cl, "https://solsec/org")
		_, err := o.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, cl))
		require.ErrorIs(t, err, ErrInvalidToken)
		assert.Contains(t, err.Error(), "https://solsec/org")
	})
	t.Run("an ES256 token naming the RSA key is refused", func(t *testing.T) {
		_, err := o.Verify(context.Background(), sign(t, jwt.SigningMethodES256, "rsa-1", ecKey, idpClaims(c)))
		require.ErrorIs(t, err, ErrInvalidToken)
		assert.Contains(t, err.Error(), "is for RS256")
	})
	t.Run("an encryption key is never used to verify", func(t *testing.T) {
		_, err := o.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "enc-1", rsaKey, idpClaims(c)))
		assert.ErrorIs(t, err, ErrInvalidToken)
	})

	rotated, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	provider.publish(rsaJWK("rsa-2", rotated))
	newToken := func() string { return sign(t, jwt.SigningMethodRS256, "rsa-2", rotated, idpClaims(c)) }

	t.Run("an unknown key id does not refetch within the minimum refresh interval", func(t *testing.T) {
		before := provider.fetches.Load()
		_, err := o.Verify(context.Background(), newToken())
		require.ErrorIs(t, err, ErrInvalidToken)
		assert.Equal(t, before, provider.fetches.Load())
	})
	t.Run("after the interval an unknown key id refetches and the rotated key verifies", func(t *testing.T) {
		c.now = t0.Add(2 * time.Minute)
		_, err := o.Verify(context.Background(), newToken())
		require.NoError(t, err)
	})
	t.Run("an IdP outage keeps cached keys working past their age", func(t *testing.T) {
		provider.down.Store(true)
		defer provider.down.Store(false)
		c.now = t0.Add(3 * time.Hour)
		_, err := o.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, idpClaims(c)))
		assert.NoError(t, err)
	})
	t.Run("an IdP outage with no usable key is a server error, not a 401", func(t *testing.T) {
		provider.down.Store(true)
		defer provider.down.Store(false)
		fresh, err := NewOIDC(OIDCConfig{JWKSURL: provider.srv.URL, Issuer: "https://idp.example.com/", Audience: "solsec-api", Now: c.Now})
		require.NoError(t, err)
		_, err = fresh.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, idpClaims(c)))
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrInvalidToken)
		assert.Contains(t, err.Error(), "503")
	})
	t.Run("AnyOf accepts both the platform's and the IdP's tokens", func(t *testing.T) {
		own := newTokens(t, mustKeySet(t, keySetJSONFor(t, "k1", edKey("k1", 1))), c)
		both := AnyOf(own, o)
		mine, _, err := own.Issue(alice)
		require.NoError(t, err)
		p, err := both.Verify(context.Background(), mine)
		require.NoError(t, err)
		assert.Equal(t, alice, p)
		p, err = both.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, idpClaims(c)))
		require.NoError(t, err)
		assert.Equal(t, want, p)
		_, err = both.Verify(context.Background(), "garbage")
		assert.ErrorIs(t, err, ErrInvalidToken)
	})
	t.Run("AnyOf reports an IdP outage over a refusal", func(t *testing.T) {
		provider.down.Store(true)
		defer provider.down.Store(false)
		fresh, err := NewOIDC(OIDCConfig{JWKSURL: provider.srv.URL, Issuer: "https://idp.example.com/", Audience: "solsec-api", Now: c.Now})
		require.NoError(t, err)
		own := newTokens(t, mustKeySet(t, keySetJSONFor(t, "k1", edKey("k1", 1))), c)
		_, err = AnyOf(own, fresh).Verify(context.Background(), sign(t, jwt.SigningMethodRS256, "rsa-1", rsaKey, idpClaims(c)))
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrInvalidToken)
	})
	t.Run("NewOIDC insists on URL, issuer and audience", func(t *testing.T) {
		_, err := NewOIDC(OIDCConfig{JWKSURL: provider.srv.URL})
		assert.Error(t, err)
	})
}
