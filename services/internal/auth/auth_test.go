package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCan(t *testing.T) {
	all := []Action{ActionRead, ActionUpload, ActionTriage, ActionManageKeys, ActionManageUsers}
	allowed := map[Role][]Action{
		RoleViewer:   {ActionRead},
		RoleAnalyst:  {ActionRead, ActionUpload, ActionTriage},
		RoleAdmin:    all,
		Role("root"): nil,
	}
	for role, want := range allowed {
		for _, action := range all {
			expect := false
			for _, a := range want {
				expect = expect || a == action
			}
			t.Run(fmt.Sprintf("%s may %s: %v", role, action, expect), func(t *testing.T) {
				assert.Equal(t, expect, Can(role, action))
				assert.Equal(t, expect, Principal{Role: role}.Can(action))
			})
		}
	}
	t.Run("an unknown action is denied even to admins", func(t *testing.T) {
		assert.False(t, Can(RoleAdmin, Action("drop_database")))
	})
}

func TestParseRole(t *testing.T) {
	r, err := ParseRole("analyst")
	require.NoError(t, err)
	assert.Equal(t, RoleAnalyst, r)
	_, err = ParseRole("Admin")
	assert.Error(t, err, "roles are case-sensitive")
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func seed(n byte) []byte {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = n
	}
	return s
}

func keySetJSONFor(t *testing.T, signing string, keys ...keyJSON) []byte {
	t.Helper()
	data, err := json.Marshal(keySetJSON{SigningKey: signing, Keys: keys})
	require.NoError(t, err)
	return data
}

func edKey(kid string, n byte) keyJSON {
	return keyJSON{ID: kid, Algorithm: AlgEdDSA, PrivateKey: b64(seed(n))}
}

func edPublic(kid string, n byte) keyJSON {
	pub := ed25519.NewKeyFromSeed(seed(n)).Public().(ed25519.PublicKey)
	return keyJSON{ID: kid, Algorithm: AlgEdDSA, PublicKey: b64(pub)}
}

func hsKey(kid string) keyJSON {
	return keyJSON{ID: kid, Algorithm: AlgHS256, Secret: b64([]byte(strings.Repeat("s", 32)))}
}

func mustKeySet(t *testing.T, data []byte) *KeySet {
	t.Helper()
	ks, err := ParseKeySet(data)
	require.NoError(t, err)
	return ks
}

func TestParseKeySet(t *testing.T) {
	t.Run("accepts signing and verification-only keys of both algorithms", func(t *testing.T) {
		ks := mustKeySet(t, keySetJSONFor(t, "new", edKey("new", 1), edPublic("old", 2), hsKey("shared")))
		assert.Equal(t, "new", ks.Signing().ID)
		old, ok := ks.Lookup("old")
		require.True(t, ok)
		assert.Nil(t, old.Private)
		_, ok = ks.Lookup("missing")
		assert.False(t, ok)
	})
	bad := []struct {
		name string
		data []byte
		want string
	}{
		{"a signing key that is not in the set", keySetJSONFor(t, "k2", edKey("k1", 1)), "not among the keys"},
		{"a signing key without a private key", keySetJSONFor(t, "k1", edPublic("k1", 1)), "no private key"},
		{"an HS256 secret shorter than 32 bytes", keySetJSONFor(t, "k1", keyJSON{ID: "k1", Algorithm: AlgHS256, Secret: b64([]byte("short"))}), "at least 32"},
		{"an unsupported algorithm", keySetJSONFor(t, "k1", keyJSON{ID: "k1", Algorithm: "RS256", Secret: "x"}), `alg "RS256"`},
		{"a private key that is not base64", keySetJSONFor(t, "k1", keyJSON{ID: "k1", Algorithm: AlgEdDSA, PrivateKey: "***"}), "not base64"},
		{"a seed of the wrong size", keySetJSONFor(t, "k1", keyJSON{ID: "k1", Algorithm: AlgEdDSA, PrivateKey: b64([]byte("abc"))}), "seed is 32"},
		{"a public key that does not match the private key", keySetJSONFor(t, "k1", keyJSON{ID: "k1", Algorithm: AlgEdDSA, PrivateKey: b64(seed(1)), PublicKey: edPublic("x", 2).PublicKey}), "does not match"},
		{"the same kid twice", keySetJSONFor(t, "k1", edKey("k1", 1), edKey("k1", 2)), "twice"},
		{"an empty kid", keySetJSONFor(t, "", keyJSON{Algorithm: AlgHS256}), "kid is empty"},
		{"malformed JSON", []byte("{"), "key set"},
	}
	for _, tt := range bad {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			_, err := ParseKeySet(tt.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	t.Run("parses what GenerateKeySet writes", func(t *testing.T) {
		data, err := GenerateKeySet("dev")
		require.NoError(t, err)
		ks := mustKeySet(t, data)
		assert.Equal(t, AlgEdDSA, ks.Signing().Algorithm)
	})
}

// clock is a settable time source for deterministic expiry checks.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func newTokens(t *testing.T, ks *KeySet, c *clock) *Tokens {
	t.Helper()
	tok, err := NewTokens(ks, TokenConfig{Issuer: "https://api.solsec.test", Audience: "solsec-api", TTL: time.Hour, Leeway: 30 * time.Second, Now: c.Now})
	require.NoError(t, err)
	return tok
}

var alice = Principal{OrgID: "org-1", UserID: "user-1", Role: RoleAnalyst, Subject: "alice@example.com"}

func TestTokensRoundTrip(t *testing.T) {
	for alg, key := range map[string]keyJSON{AlgEdDSA: edKey("k1", 1), AlgHS256: hsKey("k1")} {
		t.Run("a token signed with "+alg+" verifies to the same principal", func(t *testing.T) {
			tokens := newTokens(t, mustKeySet(t, keySetJSONFor(t, "k1", key)), &clock{now: t0})
			s, exp, err := tokens.Issue(alice)
			require.NoError(t, err)
			assert.Equal(t, t0.Add(time.Hour), exp)
			parsed, _, err := jwt.NewParser().ParseUnverified(s, &claims{})
			require.NoError(t, err)
			assert.Equal(t, alg, parsed.Method.Alg())
			p, err := tokens.Verify(context.Background(), s)
			require.NoError(t, err)
			assert.Equal(t, alice, p)
		})
	}
}

func TestTokensRotation(t *testing.T) {
	c := &clock{now: t0}
	tokens := newTokens(t, mustKeySet(t, keySetJSONFor(t, "k1", edKey("k1", 1))), c)
	old, _, err := tokens.Issue(alice)
	require.NoError(t, err)

	// Rotate: k2 signs, k1 stays for verification.
	tokens.SetKeys(mustKeySet(t, keySetJSONFor(t, "k2", edKey("k2", 2), edPublic("k1", 1))))
	fresh, _, err := tokens.Issue(alice)
	require.NoError(t, err)

	t.Run("new tokens carry the new key id", func(t *testing.T) {
		parsed, _, err := jwt.NewParser().ParseUnverified(fresh, &claims{})
		require.NoError(t, err)
		assert.Equal(t, "k2", parsed.Header["kid"])
	})
	t.Run("tokens of the previous key still verify while it is in the set", func(t *testing.T) {
		_, err := tokens.Verify(context.Background(), old)
		assert.NoError(t, err)
	})
	t.Run("tokens of a retired key are refused once it leaves the set", func(t *testing.T) {
		tokens.SetKeys(mustKeySet(t, keySetJSONFor(t, "k2", edKey("k2", 2))))
		_, err := tokens.Verify(context.Background(), old)
		require.ErrorIs(t, err, ErrInvalidToken)
		assert.Contains(t, err.Error(), `unknown key id "k1"`)
		_, err = tokens.Verify(context.Background(), fresh)
		assert.NoError(t, err)
	})
}

// sign builds a token by hand, for claims and headers Issue never produces.
func sign(t *testing.T, method jwt.SigningMethod, kid string, key any, c jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func TestTokensRefuse(t *testing.T) {
	c := &clock{now: t0}
	tokens := newTokens(t, mustKeySet(t, keySetJSONFor(t, "k1", edKey("k1", 1), hsKey("h1"))), c)
	priv := ed25519.NewKeyFromSeed(seed(1))
	good := func() claims {
		return claims{
			RegisteredClaims: jwt.RegisteredClaims{
				Issuer: "https://api.solsec.test", Subject: "u", Audience: jwt.ClaimStrings{"solsec-api"},
				ExpiresAt: jwt.NewNumericDate(t0.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(t0),
			},
			OrgID: "org-1", Role: RoleViewer, UserID: "u",
		}
	}
	with := func(f func(*claims)) claims { cl := good(); f(&cl); return cl }
	issued, _, err := tokens.Issue(alice)
	require.NoError(t, err)
	pub := priv.Public().(ed25519.PublicKey)

	tests := []struct {
		name  string
		token string
		want  string
	}{
		{"a token from another issuer", sign(t, jwt.SigningMethodEdDSA, "k1", priv, with(func(c *claims) { c.Issuer = "https://evil" })), "issuer"},
		{"a token for another audience", sign(t, jwt.SigningMethodEdDSA, "k1", priv, with(func(c *claims) { c.Audience = jwt.ClaimStrings{"other"} })), "audience"},
		{"an expired token beyond the leeway", sign(t, jwt.SigningMethodEdDSA, "k1", priv, with(func(c *claims) { c.ExpiresAt = jwt.NewNumericDate(t0.Add(-time.Minute)) })), "expired"},
		{"a token without expiry", sign(t, jwt.SigningMethodEdDSA, "k1", priv, with(func(c *claims) { c.ExpiresAt = nil })), "exp"},
		{"a token not valid yet beyond the leeway", sign(t, jwt.SigningMethodEdDSA, "k1", priv, with(func(c *claims) { c.NotBefore = jwt.NewNumericDate(t0.Add(time.Minute)) })), "not valid yet"},
		{"a token without a key id", sign(t, jwt.SigningMethodEdDSA, "", priv, good()), "unknown key id"},
		{"an HS256 token signed with the Ed25519 public key as secret", sign(t, jwt.SigningMethodHS256, "k1", []byte(pub), good()), "key \"k1\" is for EdDSA"},
		{"an EdDSA token naming the HMAC key", sign(t, jwt.SigningMethodEdDSA, "h1", priv, good()), "key \"h1\" is for HS256"},
		{"an unsigned token", sign(t, jwt.SigningMethodNone, "k1", jwt.UnsafeAllowNoneSignatureType, good()), "signing method none"},
		{"a token with a tampered payload", tamper(issued), "signature"},
		{"a token without an organisation", sign(t, jwt.SigningMethodEdDSA, "k1", priv, with(func(c *claims) { c.OrgID = "" })), "org"},
		{"a token with an unknown role", sign(t, jwt.SigningMethodEdDSA, "k1", priv, with(func(c *claims) { c.Role = "root" })), "role"},
		{"garbage", "not.a.jwt", "malformed"},
	}
	for _, tt := range tests {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			_, err := tokens.Verify(context.Background(), tt.token)
			require.ErrorIs(t, err, ErrInvalidToken)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	t.Run("accepts a token expired by less than the leeway", func(t *testing.T) {
		tok := sign(t, jwt.SigningMethodEdDSA, "k1", priv, with(func(c *claims) { c.ExpiresAt = jwt.NewNumericDate(t0.Add(-10 * time.Second)) }))
		_, err := tokens.Verify(context.Background(), tok)
		assert.NoError(t, err)
	})
	t.Run("refuses its own token once the clock passes expiry", func(t *testing.T) {
		c.now = t0.Add(2 * time.Hour)
		defer func() { c.now = t0 }()
		_, err := tokens.Verify(context.Background(), issued)
		assert.ErrorIs(t, err, ErrInvalidToken)
	})
}

// tamper swaps the payload for one claiming the admin role, keeping the
// header and signature.
func tamper(token string) string {
	parts := strings.Split(token, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), `"role":"analyst"`, `"role":"admin"`, 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

func TestIssueRefusesIncompletePrincipals(t *testing.T) {
	tokens := newTokens(t, mustKeySet(t, keySetJSONFor(t, "k1", edKey("k1", 1))), &clock{now: t0})
	for name, p := range map[string]Principal{
		"without an organisation": {UserID: "u", Role: RoleViewer},
		"without a user":          {OrgID: "o", Role: RoleViewer},
		"with an unknown role":    {OrgID: "o", UserID: "u", Role: "root"},
	} {
		t.Run("refuses a principal "+name, func(t *testing.T) {
			_, _, err := tokens.Issue(p)
			assert.Error(t, err)
		})
	}
}

type fakeSecrets struct {
	value *string
	err   error
	asked string
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.asked = *in.SecretId
	return &secretsmanager.GetSecretValueOutput{SecretString: f.value}, f.err
}

func TestKeySources(t *testing.T) {
	data, err := GenerateKeySet("k9")
	require.NoError(t, err)

	t.Run("a file source reloads a rotated key set into Tokens", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "keys.json")
		require.NoError(t, os.WriteFile(path, keySetJSONFor(t, "k1", edKey("k1", 1)), 0o600))
		tokens := newTokens(t, mustKeySet(t, keySetJSONFor(t, "k1", edKey("k1", 1))), &clock{now: t0})
		require.NoError(t, os.WriteFile(path, data, 0o600))
		require.NoError(t, tokens.Reload(context.Background(), FileSource{Path: path}))
		s, _, err := tokens.Issue(alice)
		require.NoError(t, err)
		parsed, _, err := jwt.NewParser().ParseUnverified(s, &claims{})
		require.NoError(t, err)
		assert.Equal(t, "k9", parsed.Header["kid"])
	})
	t.Run("a failed reload keeps the current keys", func(t *testing.T) {
		tokens := newTokens(t, mustKeySet(t, keySetJSONFor(t, "k1", edKey("k1", 1))), &clock{now: t0})
		err := tokens.Reload(context.Background(), FileSource{Path: filepath.Join(t.TempDir(), "missing.json")})
		require.Error(t, err)
		_, _, err = tokens.Issue(alice)
		assert.NoError(t, err)
	})
	t.Run("a Secrets Manager source reads the secret string", func(t *testing.T) {
		s := string(data)
		fake := &fakeSecrets{value: &s}
		ks, err := LoadKeySet(context.Background(), SecretsManagerSource{Client: fake, SecretID: "solsec/staging/jwt"})
		require.NoError(t, err)
		assert.Equal(t, "k9", ks.Signing().ID)
		assert.Equal(t, "solsec/staging/jwt", fake.asked)
	})
	t.Run("a Secrets Manager failure names the secret", func(t *testing.T) {
		_, err := LoadKeySet(context.Background(), SecretsManagerSource{Client: &fakeSecrets{err: errors.New("AccessDenied")}, SecretID: "solsec/jwt"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "solsec/jwt")
		assert.Contains(t, err.Error(), "AccessDenied")
	})
	t.Run("a binary secret is refused", func(t *testing.T) {
		_, err := LoadKeySet(context.Background(), SecretsManagerSource{Client: &fakeSecrets{}, SecretID: "solsec/jwt"})
		assert.ErrorContains(t, err, "no SecretString")
	})
}

// memKeys is an in-memory KeyStore.
type memKeys struct {
	keys map[string]StoredAPIKey
	err  error
}

func (m *memKeys) LookupAPIKey(_ context.Context, id string) (StoredAPIKey, error) {
	if m.err != nil {
		return StoredAPIKey{}, m.err
	}
	k, ok := m.keys[id]
	if !ok {
		return StoredAPIKey{}, fmt.Errorf("key %s: %w", id, ErrKeyNotFound)
	}
	return k, nil
}

func TestAPIKeyFormat(t *testing.T) {
	k, err := GenerateAPIKey()
	require.NoError(t, err)
	assert.Regexp(t, `^ssk_[0-9a-f]{16}_[0-9a-f]{64}$`, k.Token)

	id, secret, err := ParseAPIKey(k.Token)
	require.NoError(t, err)
	assert.Equal(t, k.ID, id)
	assert.Len(t, secret, 32, "256-bit secret")
	assert.Equal(t, k.SecretHash, HashSecret(secret))
	assert.NotContains(t, string(k.SecretHash), string(secret), "only the hash is kept")

	other, err := GenerateAPIKey()
	require.NoError(t, err)
	assert.NotEqual(t, k.Token, other.Token)

	for name, bad := range map[string]string{
		"without the prefix":    strings.TrimPrefix(k.Token, "ssk_"),
		"without the separator": strings.Replace(k.Token, "_", "", 2),
		"with a short secret":   k.Token[:len(k.Token)-2],
		"with a non-hex secret": k.Token[:len(k.Token)-1] + "z",
		"with a non-hex id":     "ssk_zzzzzzzzzzzzzzzz_" + strings.Repeat("0", 64),
		"with an extra segment": k.Token + "_00",
		"that is a JWT":         "eyJhbGciOi.x.y",
	} {
		t.Run("refuses a key "+name, func(t *testing.T) {
			_, _, err := ParseAPIKey(bad)
			assert.ErrorIs(t, err, ErrInvalidAPIKey)
		})
	}
}

func newKeyStore(t *testing.T) (*memKeys, map[string]string) {
	t.Helper()
	store := &memKeys{keys: map[string]StoredAPIKey{}}
	tokens := map[string]string{}
	for _, name := range []string{"ci", "revoked", "expired", "later", "orphan"} {
		k, err := GenerateAPIKey()
		require.NoError(t, err)
		stored := StoredAPIKey{ID: k.ID, OrgID: "org-1", Role: RoleAnalyst, SecretHash: k.SecretHash}
		switch name {
		case "revoked":
			stored.Revoked = true
		case "expired":
			stored.ExpiresAt = t0
		case "later":
			stored.ExpiresAt = t0.Add(time.Hour)
		case "orphan":
			stored.OrgID = ""
		}
		store.keys[k.ID] = stored
		tokens[name] = k.Token
	}
	return store, tokens
}

func TestAPIKeysVerify(t *testing.T) {
	store, tokens := newKeyStore(t)
	v := &APIKeys{Store: store, Now: func() time.Time { return t0 }}
	ci, _, _ := ParseAPIKey(tokens["ci"])

	t.Run("a valid key yields an API-key principal of its organisation", func(t *testing.T) {
		p, err := v.Verify(context.Background(), tokens["ci"])
		require.NoError(t, err)
		assert.Equal(t, Principal{OrgID: "org-1", APIKeyID: ci, Role: RoleAnalyst, Subject: "apikey:" + ci}, p)
	})
	t.Run("a key expiring later is still valid", func(t *testing.T) {
		_, err := v.Verify(context.Background(), tokens["later"])
		assert.NoError(t, err)
	})
	wrongSecret := "ssk_" + ci + "_" + strings.Repeat("ab", 32)
	unknown := "ssk_0000000000000000_" + strings.Repeat("ab", 32)
	for name, tc := range map[string]struct{ token, want string }{
		"a wrong secret for a real id": {wrongSecret, "wrong secret"},
		"an unknown id":                {unknown, "unknown key"},
		"a revoked key":                {tokens["revoked"], "revoked"},
		"a key at its expiry":          {tokens["expired"], "expired"},
		"a stored key without org":     {tokens["orphan"], "organisation"},
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tc.token)
			require.ErrorIs(t, err, ErrInvalidAPIKey)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	t.Run("a store failure is not the caller's fault", func(t *testing.T) {
		down := &APIKeys{Store: &memKeys{err: errors.New("connection refused")}}
		_, err := down.Verify(context.Background(), tokens["ci"])
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrInvalidAPIKey)
	})
}

func TestPasswords(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$"))

	t.Run("the right password matches", func(t *testing.T) {
		assert.NoError(t, CheckPassword(h, "correct horse battery staple"))
	})
	t.Run("a wrong password does not", func(t *testing.T) {
		assert.ErrorIs(t, CheckPassword(h, "correct horse battery stapler"), ErrPasswordMismatch)
	})
	t.Run("the same password hashes differently each time", func(t *testing.T) {
		h2, err := HashPassword("correct horse battery staple")
		require.NoError(t, err)
		assert.NotEqual(t, h, h2)
	})
	t.Run("the dummy hash matches no ordinary password", func(t *testing.T) {
		assert.ErrorIs(t, CheckPassword(DummyPasswordHash(), "correct horse battery staple"), ErrPasswordMismatch)
	})
	t.Run("empty and overlong passwords cannot be set", func(t *testing.T) {
		_, err := HashPassword("")
		assert.Error(t, err)
		_, err = HashPassword(strings.Repeat("x", 1025))
		assert.Error(t, err)
	})
	for name, bad := range map[string]string{
		"a bcrypt hash":             "$2a$10$abcdefghijklmnopqrstuv",
		"a hash with huge memory":   "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
		"a hash of another version": "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
		"a hash with a broken salt": "$argon2id$v=19$m=19456,t=2,p=1$***$aGFzaA",
		"a hash with no digest":     "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$",
	} {
		t.Run("refuses "+name+" as malformed, not as a mismatch", func(t *testing.T) {
			err := CheckPassword(bad, "x")
			require.Error(t, err)
			assert.NotErrorIs(t, err, ErrPasswordMismatch)
		})
	}
}

func TestMiddleware(t *testing.T) {
	c := &clock{now: t0}
	tokens := newTokens(t, mustKeySet(t, keySetJSONFor(t, "k1", edKey("k1", 1))), c)
	store, keys := newKeyStore(t)
	authn := &Authenticator{Tokens: tokens, APIKeys: &APIKeys{Store: store, Now: c.Now}}
	jwtAlice, _, err := tokens.Issue(alice)
	require.NoError(t, err)
	viewer, _, err := tokens.Issue(Principal{OrgID: "org-1", UserID: "v", Role: RoleViewer})
	require.NoError(t, err)

	var got Principal
	h := authn.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = PrincipalFrom(r.Context())
		w.WriteHeader(http.StatusNoContent)
	}))

	tests := []struct {
		name      string
		headers   map[string]string
		status    int
		code      string
		principal string // expected Subject on success
	}{
		{"a JWT bearer is admitted", map[string]string{"Authorization": "Bearer " + jwtAlice}, 204, "", "alice@example.com"},
		{"the bearer scheme is case-insensitive", map[string]string{"Authorization": "bearer " + jwtAlice}, 204, "", "alice@example.com"},
		{"an API key as bearer is admitted", map[string]string{"Authorization": "Bearer " + keys["ci"]}, 204, "", "apikey:"},
		{"an API key in X-API-Key is admitted", map[string]string{"X-API-Key": keys["ci"]}, 204, "", "apikey:"},
		{"no credentials are answered 401 unauthenticated", nil, 401, CodeUnauthenticated, ""},
		{"a tampered JWT is answered 401 invalid_credentials", map[string]string{"Authorization": "Bearer " + tamper(jwtAlice)}, 401, CodeInvalidCredentials, ""},
		{"a revoked key is answered 401", map[string]string{"X-API-Key": keys["revoked"]}, 401, CodeInvalidCredentials, ""},
		{"basic auth is answered 401", map[string]string{"Authorization": "Basic dXNlcjpwdw=="}, 401, CodeInvalidCredentials, ""},
		{"two credentials at once are answered 401", map[string]string{"Authorization": "Bearer " + jwtAlice, "X-API-Key": keys["ci"]}, 401, CodeInvalidCredentials, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = Principal{}
			req := httptest.NewRequest(http.MethodGet, "/v1/analyses", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			if tt.code == "" {
				assert.True(t, strings.HasPrefix(got.Subject, tt.principal), "principal %+v", got)
				assert.Equal(t, "org-1", got.OrgID)
				return
			}
			assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
			assert.Contains(t, rec.Header().Get("WWW-Authenticate"), `Bearer realm="solsec"`)
			var body map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(t, tt.code, body["code"])
			assert.Equal(t, float64(tt.status), body["status"])
			assert.NotEmpty(t, body["detail"])
			assert.Equal(t, Principal{}, got, "the handler never ran")
		})
	}

	t.Run("a key store outage is answered 503, not 401", func(t *testing.T) {
		down := &Authenticator{APIKeys: &APIKeys{Store: &memKeys{err: errors.New("dial tcp: connection refused")}}}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-API-Key", keys["ci"])
		down.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.NotContains(t, rec.Body.String(), "dial tcp", "internal errors stay internal")
	})
	t.Run("a service without API key support refuses keys", func(t *testing.T) {
		jwtOnly := &Authenticator{Tokens: tokens}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-API-Key", keys["ci"])
		jwtOnly.Middleware(http.NotFoundHandler()).ServeHTTP(rec, req)
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
	})

	triage := authn.Middleware(Require(ActionTriage, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})))
	t.Run("a viewer cannot triage", func(t *testing.T) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/v1/findings/1/triage", nil)
		req.Header.Set("Authorization", "Bearer "+viewer)
		triage.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusForbidden, rec.Code)
		assert.Contains(t, rec.Body.String(), `role \"viewer\" may not triage`)
	})
	t.Run("an analyst can triage", func(t *testing.T) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/v1/findings/1/triage", nil)
		req.Header.Set("Authorization", "Bearer "+jwtAlice)
		triage.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code)
	})
	t.Run("Require without Middleware answers 401", func(t *testing.T) {
		rec := httptest.NewRecorder()
		Require(ActionRead, http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
	})
}
