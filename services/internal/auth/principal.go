// Package auth authenticates callers of the solsec API and decides what
// they may do.
//
// A caller is a Principal: a user holding a JWT (issued by Tokens from a
// rotating KeySet, or by an external IdP and verified against its JWKS by
// OIDC; AnyOf accepts both) or a CI job holding an API key ("ssk_<id>_<secret>", stored
// only as a hash behind KeyStore). Authenticator.Middleware puts the
// Principal in the request context; Require and Can decide per action. Every
// query a handler makes must be scoped to Principal.OrgID.
package auth

import (
	"context"
	"fmt"
)

// Role is what a principal may do within its organisation.
type Role string

// Roles, from least to most privileged.
const (
	RoleViewer  Role = "viewer"
	RoleAnalyst Role = "analyst"
	RoleAdmin   Role = "admin"
)

// ParseRole accepts exactly one of the three role names.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleViewer, RoleAnalyst, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("auth: unknown role %q (want viewer, analyst or admin)", s)
}

// Action is something a handler asks permission for.
type Action string

// Actions.
const (
	ActionRead        Action = "read"         // analyses, findings, reports
	ActionUpload      Action = "upload"       // create and cancel analyses
	ActionTriage      Action = "triage"       // confirm, false positive, fixed, suppress
	ActionManageKeys  Action = "manage_keys"  // create and revoke API keys
	ActionManageUsers Action = "manage_users" // invite, remove, change roles
)

// permissions is the whole policy: viewers read, analysts also upload and
// triage, admins also manage keys and users. An unknown role or action is
// denied.
var permissions = map[Role]map[Action]bool{
	RoleViewer:  {ActionRead: true},
	RoleAnalyst: {ActionRead: true, ActionUpload: true, ActionTriage: true},
	RoleAdmin:   {ActionRead: true, ActionUpload: true, ActionTriage: true, ActionManageKeys: true, ActionManageUsers: true},
}

// Can reports whether role may perform action.
func Can(role Role, action Action) bool { return permissions[role][action] }

// Principal is an authenticated caller.
type Principal struct {
	OrgID string
	// UserID is set for users, APIKeyID for API keys; exactly one is.
	UserID   string
	APIKeyID string
	Role     Role
	// Subject names the caller in logs and the audit log: the JWT subject
	// for users, "apikey:<id>" for keys.
	Subject string
}

// Can reports whether the principal's role allows action.
func (p Principal) Can(action Action) bool { return Can(p.Role, action) }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx; ok is false for an
// unauthenticated context.
func PrincipalFrom(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal)
	return p, ok
}
