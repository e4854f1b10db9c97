package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/httpx"
	"github.com/solsec/platform/services/internal/store"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	TokenType string    `json:"tokenType"`
	ExpiresAt time.Time `json:"expiresAt"`
	UserID    string    `json:"userId"`
	OrgID     string    `json:"orgId"`
	Role      string    `json:"role"`
}

// login is POST /v1/auth/login: e-mail and password for a JWT. Every
// refusal looks the same (401 invalid_login) and takes as long, whether the
// address is unknown, the user signs in through an IdP or the password is
// wrong, so the endpoint cannot be used to find out who has an account.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	if email == "" || req.Password == "" {
		fail(w, r, http.StatusBadRequest, codeInvalidRequest, "email and password are required")
		return
	}
	if !s.allow(w, r, "login:"+email, s.cfg.LoginsPerMinute) {
		return
	}
	user, err := s.store.GetUserByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.storeError(w, r, "user", err)
		return
	}
	hash := user.PasswordHash
	if err != nil || hash == "" {
		hash = auth.DummyPasswordHash()
	}
	if perr := auth.CheckPassword(hash, req.Password); perr != nil || err != nil || user.PasswordHash == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="solsec"`)
		fail(w, r, http.StatusUnauthorized, codeInvalidLogin, "the e-mail address or the password is wrong")
		return
	}
	p := auth.Principal{OrgID: user.OrgID, UserID: user.ID, Role: auth.Role(user.Role), Subject: user.ID}
	token, exp, err := s.tokens.Issue(p)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	details, _ := json.Marshal(map[string]string{"requestId": httpx.RequestIDFrom(r.Context())})
	if _, err := s.store.AppendAudit(r.Context(), store.AuditEntry{
		OrgID: user.OrgID, Actor: user.ID, Action: "user.login", Target: "user:" + user.ID, Details: details,
	}); err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: token, TokenType: "Bearer", ExpiresAt: exp, UserID: user.ID, OrgID: user.OrgID, Role: string(user.Role)})
}
