package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
)

// keyStore lets auth.APIKeys look keys up in the store. The key id a client
// presents is store.APIKey.KeyID; the principal carries the row's id.
type keyStore struct{ s store.Store }

func (k keyStore) LookupAPIKey(ctx context.Context, keyID string) (auth.StoredAPIKey, error) {
	key, err := k.s.GetAPIKeyByKeyID(ctx, keyID)
	if errors.Is(err, store.ErrNotFound) {
		return auth.StoredAPIKey{}, fmt.Errorf("%w: %s", auth.ErrKeyNotFound, keyID)
	}
	if err != nil {
		return auth.StoredAPIKey{}, err
	}
	return auth.StoredAPIKey{
		ID: key.ID, OrgID: key.OrgID, Role: auth.Role(key.Role), SecretHash: key.SecretHash, Revoked: !key.Active(),
	}, nil
}

// listAPIKeys is GET /v1/api-keys: the organisation's keys, revoked ones
// included, never their secrets.
func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.store.ListAPIKeys(r.Context(), principal(r).OrgID)
	if err != nil {
		s.storeError(w, r, "api keys", err)
		return
	}
	out := page[apiKeyView]{Items: make([]apiKeyView, 0, len(keys))}
	for _, k := range keys {
		out.Items = append(out.Items, viewAPIKey(k))
	}
	writeJSON(w, http.StatusOK, out)
}

type createKeyRequest struct {
	Name string     `json:"name"`
	Role store.Role `json:"role"`
}

// createAPIKey is POST /v1/api-keys. The response is the only time the
// secret is shown: the store keeps its SHA-256 alone.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	var req createKeyRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 200 {
		fail(w, r, http.StatusUnprocessableEntity, codeInvalidParameter, "name: want 1 to 200 characters, e.g. the CI pipeline that will use the key")
		return
	}
	if !req.Role.Valid() {
		fail(w, r, http.StatusUnprocessableEntity, codeInvalidParameter, fmt.Sprintf("role %q: want admin, analyst or viewer", req.Role))
		return
	}
	gen, err := auth.GenerateAPIKey()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var key store.APIKey
	err = s.store.InTx(r.Context(), func(tx *postgres.Tx) error {
		in := store.NewAPIKey{KeyID: gen.ID, Name: req.Name, Role: req.Role, SecretHash: gen.SecretHash}
		if p.UserID != "" {
			if _, err := tx.GetUser(r.Context(), p.OrgID, p.UserID); err == nil {
				in.CreatedBy = p.UserID
			}
		}
		var err error
		if key, err = tx.CreateAPIKey(r.Context(), p.OrgID, in); err != nil {
			return err
		}
		return s.audit(r.Context(), tx, r, "api_key.created", "api_key:"+key.ID, map[string]any{
			"keyId": key.KeyID, "name": key.Name, "role": string(key.Role),
		})
	})
	if err != nil {
		s.storeError(w, r, "api key", err)
		return
	}
	w.Header().Set("Location", "/v1/api-keys/"+key.ID)
	writeJSON(w, http.StatusCreated, struct {
		apiKeyView
		Secret string `json:"secret"`
	}{viewAPIKey(key), gen.Token})
}

// revokeAPIKey is DELETE /v1/api-keys/{id}. Revoking is permanent and
// idempotent; the key stays listed with its revocation time.
func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	var key store.APIKey
	err := s.store.InTx(r.Context(), func(tx *postgres.Tx) error {
		var err error
		if key, err = tx.RevokeAPIKey(r.Context(), p.OrgID, r.PathValue("id")); err != nil {
			return err
		}
		return s.audit(r.Context(), tx, r, "api_key.revoked", "api_key:"+key.ID, map[string]any{"keyId": key.KeyID, "name": key.Name})
	})
	if err != nil {
		s.storeError(w, r, "api key", err)
		return
	}
	writeJSON(w, http.StatusOK, viewAPIKey(key))
}
