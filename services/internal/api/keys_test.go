package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/store"
)

func TestAPIKeys(t *testing.T) {
	e := newEnv(t)
	created := e.postJSON("/v1/api-keys", e.a.admin.token, map[string]string{"name": "github actions", "role": "viewer"})
	require.Equal(t, http.StatusCreated, created.status, "%s", created.body)
	key := created.json(t)
	secret := key["secret"].(string)
	assert.True(t, strings.HasPrefix(secret, "ssk_"+key["keyId"].(string)+"_"), "the secret starts with the public key id")
	assert.Equal(t, e.a.admin.ID, key["createdBy"])

	t.Run("the secret is shown once and never listed", func(t *testing.T) {
		e := e.with(t)
		r := e.get("/v1/api-keys", e.a.admin.token)
		require.Equal(t, http.StatusOK, r.status)
		assert.NotContains(t, string(r.body), secret[len(secret)-64:])
		assert.Contains(t, ids(t, r), key["id"])
	})
	t.Run("the key authenticates with its role", func(t *testing.T) {
		e := e.with(t)
		assert.Equal(t, http.StatusOK, e.get("/v1/analyses", secret).status)
		r := e.do(req{method: http.MethodGet, path: "/v1/analyses", header: map[string]string{"X-API-Key": secret}})
		assert.Equal(t, http.StatusOK, r.status, "X-API-Key works as well as Authorization")
		assert.Equal(t, http.StatusForbidden, e.uploadSol(secret, "A.sol", contractSource(1), nil).status, "a viewer key cannot upload")
	})
	t.Run("its use is recorded", func(t *testing.T) {
		require.Eventually(t, func() bool {
			k, err := e.store.GetAPIKeyByKeyID(context.Background(), key["keyId"].(string))
			return err == nil && k.LastUsedAt != nil
		}, 5*time.Second, 20*time.Millisecond)
	})
	t.Run("only admins manage keys", func(t *testing.T) {
		e := e.with(t)
		for _, cred := range []string{e.a.analyst.token, e.a.viewer.token, e.a.key} {
			assert.Equal(t, http.StatusForbidden, e.get("/v1/api-keys", cred).status)
			assert.Equal(t, http.StatusForbidden, e.postJSON("/v1/api-keys", cred, map[string]string{"name": "x", "role": "admin"}).status)
			assert.Equal(t, http.StatusForbidden, e.do(req{method: http.MethodDelete, path: "/v1/api-keys/" + key["id"].(string), cred: cred}).status)
		}
	})
	t.Run("a bad request is refused", func(t *testing.T) {
		e := e.with(t)
		assert.Equal(t, http.StatusUnprocessableEntity, e.postJSON("/v1/api-keys", e.a.admin.token, map[string]string{"name": "x", "role": "root"}).status)
		assert.Equal(t, http.StatusUnprocessableEntity, e.postJSON("/v1/api-keys", e.a.admin.token, map[string]string{"name": " ", "role": "viewer"}).status)
		assert.Equal(t, http.StatusBadRequest, e.do(req{method: http.MethodPost, path: "/v1/api-keys", cred: e.a.admin.token, contentType: "application/json", body: []byte("{")}).status)
	})
	t.Run("revoking is idempotent and ends the key", func(t *testing.T) {
		e := e.with(t)
		for range 2 {
			r := e.do(req{method: http.MethodDelete, path: "/v1/api-keys/" + key["id"].(string), cred: e.a.admin.token})
			require.Equal(t, http.StatusOK, r.status)
		}
		assert.Equal(t, http.StatusUnauthorized, e.get("/v1/analyses", secret).status)
	})
	t.Run("key changes are in the audit log", func(t *testing.T) {
		for _, action := range []string{"api_key.created", "api_key.revoked"} {
			log, err := e.store.ListAudit(context.Background(), e.a.org.ID, store.AuditFilter{Action: action})
			require.NoError(t, err)
			require.NotEmpty(t, log.Items, action)
			assert.Equal(t, e.a.admin.ID, log.Items[0].Actor)
		}
	})
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	t.Run("the right password gives a working token", func(t *testing.T) {
		e := e.with(t)
		r := e.postJSON("/v1/auth/login", "", map[string]string{"email": strings.ToUpper(e.a.analyst.Email), "password": e.a.analyst.password})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		body := r.json(t)
		assert.Equal(t, "analyst", body["role"])
		assert.Equal(t, e.a.org.ID, body["orgId"])
		assert.Equal(t, http.StatusCreated, e.uploadSol(body["token"].(string), "A.sol", contractSource(1), nil).status)
	})
	t.Run("a wrong password and an unknown address look the same", func(t *testing.T) {
		e := e.with(t)
		wrong := e.postJSON("/v1/auth/login", "", map[string]string{"email": e.a.analyst.Email, "password": "nope"})
		unknown := e.postJSON("/v1/auth/login", "", map[string]string{"email": "nobody@nowhere.example", "password": "nope"})
		require.Equal(t, http.StatusUnauthorized, wrong.status)
		require.Equal(t, http.StatusUnauthorized, unknown.status)
		assert.Equal(t, wrong.json(t)["detail"], unknown.json(t)["detail"])
		assert.Equal(t, "invalid_login", wrong.code(t))
	})
	t.Run("a user without a password signs in through the IdP only", func(t *testing.T) {
		e := e.with(t)
		u, err := e.store.CreateUser(context.Background(), e.a.org.ID, store.NewUser{Email: "sso@alpha.example", Role: store.RoleAdmin})
		require.NoError(t, err)
		r := e.postJSON("/v1/auth/login", "", map[string]string{"email": u.Email, "password": "anything"})
		assert.Equal(t, http.StatusUnauthorized, r.status)
	})
	t.Run("a malformed body is refused", func(t *testing.T) {
		e := e.with(t)
		assert.Equal(t, http.StatusBadRequest, e.postJSON("/v1/auth/login", "", map[string]string{"email": e.a.admin.Email}).status)
	})
}
