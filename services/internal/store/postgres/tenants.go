package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/solsec/platform/services/internal/store"
)

const orgColumns = `id, name, retention_days, created_at`

func scanOrg(row pgx.Row) (store.Organization, error) {
	var o store.Organization
	err := row.Scan(&o.ID, &o.Name, &o.RetentionDays, &o.CreatedAt)
	return o, err
}

// CreateOrganization adds a tenant.
func (q *queries) CreateOrganization(ctx context.Context, in store.NewOrganization) (store.Organization, error) {
	if strings.TrimSpace(in.Name) == "" {
		return store.Organization{}, fmt.Errorf("create organization: %w: empty name", store.ErrInvalidInput)
	}
	if in.RetentionDays < 0 {
		return store.Organization{}, fmt.Errorf("create organization: %w: negative retention", store.ErrInvalidInput)
	}
	o, err := scanOrg(q.db.QueryRow(ctx,
		`INSERT INTO organizations (name, retention_days) VALUES ($1, $2) RETURNING `+orgColumns,
		in.Name, in.RetentionDays))
	return o, mapErr(err, "create organization")
}

// GetOrganization returns one organisation.
func (q *queries) GetOrganization(ctx context.Context, orgID string) (store.Organization, error) {
	if !validID(orgID) {
		return store.Organization{}, fmt.Errorf("get organization: %w", store.ErrNotFound)
	}
	o, err := scanOrg(q.db.QueryRow(ctx, `SELECT `+orgColumns+` FROM organizations WHERE id = $1`, orgID))
	return o, mapErr(err, "get organization")
}

// ListOrganizations returns every organisation, oldest first; the retention
// job walks it. It is an operator's method, never reachable from the API.
func (q *queries) ListOrganizations(ctx context.Context) ([]store.Organization, error) {
	rows, err := q.db.Query(ctx, `SELECT `+orgColumns+` FROM organizations ORDER BY created_at, id`)
	if err != nil {
		return nil, mapErr(err, "list organizations")
	}
	os, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Organization, error) { return scanOrg(r) })
	return os, mapErr(err, "list organizations")
}

// SetRetention changes an organisation's retention policy; 0 keeps
// analyses forever.
func (q *queries) SetRetention(ctx context.Context, orgID string, days int) error {
	if days < 0 {
		return fmt.Errorf("set retention: %w: negative days", store.ErrInvalidInput)
	}
	if !validID(orgID) {
		return fmt.Errorf("set retention: %w", store.ErrNotFound)
	}
	tag, err := q.db.Exec(ctx, `UPDATE organizations SET retention_days = $2 WHERE id = $1`, orgID, days)
	if err != nil {
		return mapErr(err, "set retention")
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set retention: %w", store.ErrNotFound)
	}
	return nil
}

const userColumns = `id, org_id, email, password_hash, role, created_at`

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	err := row.Scan(&u.ID, &u.OrgID, &u.Email, &u.PasswordHash, &u.Role, &u.CreatedAt)
	return u, err
}

// normalizeEmail lower-cases an address so that uniqueness and lookups
// ignore case, as mail systems do in practice.
func normalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// CreateUser adds a user to an organisation. A taken e-mail address is
// ErrConflict.
func (q *queries) CreateUser(ctx context.Context, orgID string, in store.NewUser) (store.User, error) {
	email := normalizeEmail(in.Email)
	if email == "" || !strings.Contains(email, "@") {
		return store.User{}, fmt.Errorf("create user: %w: e-mail %q", store.ErrInvalidInput, in.Email)
	}
	if !in.Role.Valid() {
		return store.User{}, fmt.Errorf("create user: %w: role %q", store.ErrInvalidInput, in.Role)
	}
	if !validID(orgID) {
		return store.User{}, fmt.Errorf("create user: %w", store.ErrNotFound)
	}
	u, err := scanUser(q.db.QueryRow(ctx,
		`INSERT INTO users (org_id, email, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING `+userColumns,
		orgID, email, in.PasswordHash, in.Role))
	return u, mapErr(err, "create user")
}

// GetUser returns a user of the organisation.
func (q *queries) GetUser(ctx context.Context, orgID, userID string) (store.User, error) {
	if !validID(orgID) || !validID(userID) {
		return store.User{}, fmt.Errorf("get user: %w", store.ErrNotFound)
	}
	u, err := scanUser(q.db.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE org_id = $1 AND id = $2`, orgID, userID))
	return u, mapErr(err, "get user")
}

// GetUserByEmail finds the user a login names, in whatever organisation.
func (q *queries) GetUserByEmail(ctx context.Context, email string) (store.User, error) {
	u, err := scanUser(q.db.QueryRow(ctx,
		`SELECT `+userColumns+` FROM users WHERE email = $1`, normalizeEmail(email)))
	return u, mapErr(err, "get user by e-mail")
}

// ListUsers returns the organisation's users by e-mail.
func (q *queries) ListUsers(ctx context.Context, orgID string) ([]store.User, error) {
	if !validID(orgID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `SELECT `+userColumns+` FROM users WHERE org_id = $1 ORDER BY email`, orgID)
	if err != nil {
		return nil, mapErr(err, "list users")
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.User, error) { return scanUser(r) })
	return us, mapErr(err, "list users")
}

const apiKeyColumns = `id, org_id, key_id, name, role, secret_hash, coalesce(created_by::text, ''), created_at, last_used_at, revoked_at`

func scanAPIKey(row pgx.Row) (store.APIKey, error) {
	var k store.APIKey
	err := row.Scan(&k.ID, &k.OrgID, &k.KeyID, &k.Name, &k.Role, &k.SecretHash, &k.CreatedBy, &k.CreatedAt, &k.LastUsedAt, &k.RevokedAt)
	return k, err
}

// CreateAPIKey stores a key's public id and the SHA-256 of its secret.
func (q *queries) CreateAPIKey(ctx context.Context, orgID string, in store.NewAPIKey) (store.APIKey, error) {
	switch {
	case strings.TrimSpace(in.KeyID) == "":
		return store.APIKey{}, fmt.Errorf("create api key: %w: empty key id", store.ErrInvalidInput)
	case !in.Role.Valid():
		return store.APIKey{}, fmt.Errorf("create api key: %w: role %q", store.ErrInvalidInput, in.Role)
	case len(in.SecretHash) != 32:
		return store.APIKey{}, fmt.Errorf("create api key: %w: secret hash must be a SHA-256 (32 bytes), got %d", store.ErrInvalidInput, len(in.SecretHash))
	case in.CreatedBy != "" && !validID(in.CreatedBy):
		return store.APIKey{}, fmt.Errorf("create api key: %w: created by %q", store.ErrInvalidInput, in.CreatedBy)
	case !validID(orgID):
		return store.APIKey{}, fmt.Errorf("create api key: %w", store.ErrNotFound)
	}
	var createdBy *string
	if in.CreatedBy != "" {
		// The creator must be a user of the same organisation.
		if _, err := q.GetUser(ctx, orgID, in.CreatedBy); err != nil {
			return store.APIKey{}, fmt.Errorf("create api key: creator: %w", err)
		}
		createdBy = &in.CreatedBy
	}
	k, err := scanAPIKey(q.db.QueryRow(ctx,
		`INSERT INTO api_keys (org_id, key_id, name, role, secret_hash, created_by)
		 VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+apiKeyColumns,
		orgID, in.KeyID, in.Name, in.Role, in.SecretHash, createdBy))
	return k, mapErr(err, "create api key")
}

// GetAPIKeyByKeyID finds a key by the public id a client presents, revoked
// or not: the caller compares the secret's hash in constant time and checks
// Active.
func (q *queries) GetAPIKeyByKeyID(ctx context.Context, keyID string) (store.APIKey, error) {
	k, err := scanAPIKey(q.db.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE key_id = $1`, keyID))
	return k, mapErr(err, "get api key")
}

// ListAPIKeys returns the organisation's keys, newest first.
func (q *queries) ListAPIKeys(ctx context.Context, orgID string) ([]store.APIKey, error) {
	if !validID(orgID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE org_id = $1 ORDER BY created_at DESC, id DESC`, orgID)
	if err != nil {
		return nil, mapErr(err, "list api keys")
	}
	ks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.APIKey, error) { return scanAPIKey(r) })
	return ks, mapErr(err, "list api keys")
}

// TouchAPIKey records that the key was just used.
func (q *queries) TouchAPIKey(ctx context.Context, orgID, id string) error {
	if !validID(orgID) || !validID(id) {
		return fmt.Errorf("touch api key: %w", store.ErrNotFound)
	}
	tag, err := q.db.Exec(ctx, `UPDATE api_keys SET last_used_at = now() WHERE org_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return mapErr(err, "touch api key")
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("touch api key: %w", store.ErrNotFound)
	}
	return nil
}

// RevokeAPIKey revokes a key; revoking it again keeps the first time.
func (q *queries) RevokeAPIKey(ctx context.Context, orgID, id string) (store.APIKey, error) {
	if !validID(orgID) || !validID(id) {
		return store.APIKey{}, fmt.Errorf("revoke api key: %w", store.ErrNotFound)
	}
	k, err := scanAPIKey(q.db.QueryRow(ctx,
		`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
		 WHERE org_id = $1 AND id = $2 RETURNING `+apiKeyColumns, orgID, id))
	return k, mapErr(err, "revoke api key")
}

const projectColumns = `id, org_id, name, created_at`

func scanProject(row pgx.Row) (store.Project, error) {
	var p store.Project
	err := row.Scan(&p.ID, &p.OrgID, &p.Name, &p.CreatedAt)
	return p, err
}

// CreateProject adds a project; a name taken in the organisation is
// ErrConflict.
func (q *queries) CreateProject(ctx context.Context, orgID, name string) (store.Project, error) {
	if strings.TrimSpace(name) == "" {
		return store.Project{}, fmt.Errorf("create project: %w: empty name", store.ErrInvalidInput)
	}
	if !validID(orgID) {
		return store.Project{}, fmt.Errorf("create project: %w", store.ErrNotFound)
	}
	p, err := scanProject(q.db.QueryRow(ctx,
		`INSERT INTO projects (org_id, name) VALUES ($1, $2) RETURNING `+projectColumns, orgID, name))
	return p, mapErr(err, "create project")
}

// EnsureProject returns the organisation's project of that name, creating
// it if needed; uploads that name a project use it.
func (q *queries) EnsureProject(ctx context.Context, orgID, name string) (store.Project, error) {
	if strings.TrimSpace(name) == "" {
		return store.Project{}, fmt.Errorf("ensure project: %w: empty name", store.ErrInvalidInput)
	}
	if !validID(orgID) {
		return store.Project{}, fmt.Errorf("ensure project: %w", store.ErrNotFound)
	}
	// The no-op update makes RETURNING yield the existing row on conflict,
	// in one statement and without a race between select and insert.
	p, err := scanProject(q.db.QueryRow(ctx,
		`INSERT INTO projects (org_id, name) VALUES ($1, $2)
		 ON CONFLICT (org_id, name) DO UPDATE SET name = EXCLUDED.name
		 RETURNING `+projectColumns, orgID, name))
	return p, mapErr(err, "ensure project")
}

// GetProject returns a project of the organisation.
func (q *queries) GetProject(ctx context.Context, orgID, projectID string) (store.Project, error) {
	if !validID(orgID) || !validID(projectID) {
		return store.Project{}, fmt.Errorf("get project: %w", store.ErrNotFound)
	}
	p, err := scanProject(q.db.QueryRow(ctx,
		`SELECT `+projectColumns+` FROM projects WHERE org_id = $1 AND id = $2`, orgID, projectID))
	return p, mapErr(err, "get project")
}

// ListProjects returns the organisation's projects by name.
func (q *queries) ListProjects(ctx context.Context, orgID string) ([]store.Project, error) {
	if !validID(orgID) {
		return nil, nil
	}
	rows, err := q.db.Query(ctx, `SELECT `+projectColumns+` FROM projects WHERE org_id = $1 ORDER BY name`, orgID)
	if err != nil {
		return nil, mapErr(err, "list projects")
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Project, error) { return scanProject(r) })
	return ps, mapErr(err, "list projects")
}
