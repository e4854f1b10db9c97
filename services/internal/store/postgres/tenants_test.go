package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/store"
)

func TestOrganizations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)

	t.Run("an organisation is created with its retention policy and read back", func(t *testing.T) {
		o, err := s.CreateOrganization(ctx, store.NewOrganization{Name: "Acme", RetentionDays: 90})
		require.NoError(t, err)
		got, err := s.GetOrganization(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, "Acme", got.Name)
		assert.Equal(t, 90, got.RetentionDays)

		require.NoError(t, s.SetRetention(ctx, o.ID, 7))
		got, err = s.GetOrganization(ctx, o.ID)
		require.NoError(t, err)
		assert.Equal(t, 7, got.RetentionDays)
	})

	t.Run("bad input is refused before the database", func(t *testing.T) {
		_, err := s.CreateOrganization(ctx, store.NewOrganization{Name: " "})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
		_, err = s.CreateOrganization(ctx, store.NewOrganization{Name: "x", RetentionDays: -1})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
	})

	t.Run("unknown and malformed ids are not found", func(t *testing.T) {
		_, err := s.GetOrganization(ctx, "00000000-0000-0000-0000-000000000000")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = s.GetOrganization(ctx, "'; DROP TABLE organizations; --")
		assert.ErrorIs(t, err, store.ErrNotFound)
		assert.ErrorIs(t, s.SetRetention(ctx, "00000000-0000-0000-0000-000000000000", 1), store.ErrNotFound)
	})
}

func TestUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)

	t.Run("e-mail addresses are unique whatever their case", func(t *testing.T) {
		u, err := s.CreateUser(ctx, tn.org.ID, store.NewUser{Email: "Alice@Example.com", PasswordHash: "h", Role: store.RoleAdmin})
		require.NoError(t, err)
		assert.Equal(t, "alice@example.com", u.Email)

		other := newTenant(t, s)
		_, err = s.CreateUser(ctx, other.org.ID, store.NewUser{Email: "ALICE@example.com", Role: store.RoleViewer})
		assert.ErrorIs(t, err, store.ErrConflict)

		got, err := s.GetUserByEmail(ctx, " alice@EXAMPLE.com ")
		require.NoError(t, err)
		assert.Equal(t, u.ID, got.ID)
		assert.Equal(t, tn.org.ID, got.OrgID, "the login lookup tells the caller the organisation")
		assert.Equal(t, "h", got.PasswordHash)
	})

	t.Run("an unknown role is refused", func(t *testing.T) {
		_, err := s.CreateUser(ctx, tn.org.ID, store.NewUser{Email: "bob@example.com", Role: "owner"})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
	})

	t.Run("a user of an organisation that does not exist is not created", func(t *testing.T) {
		_, err := s.CreateUser(ctx, "00000000-0000-0000-0000-000000000000", store.NewUser{Email: "ghost@example.com", Role: store.RoleViewer})
		assert.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("users are listed per organisation", func(t *testing.T) {
		us, err := s.ListUsers(ctx, tn.org.ID)
		require.NoError(t, err)
		var emails []string
		for _, u := range us {
			emails = append(emails, u.Email)
			assert.Equal(t, tn.org.ID, u.OrgID)
		}
		assert.Equal(t, []string{"alice@example.com", tn.user.Email}, emails)
	})
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)

	k, err := s.CreateAPIKey(ctx, tn.org.ID, store.NewAPIKey{
		KeyID: "sk_live_abc", Name: "ci", Role: store.RoleAnalyst, SecretHash: keyHash("secret"), CreatedBy: tn.user.ID,
	})
	require.NoError(t, err)

	t.Run("a key is found by its public id with its hash and organisation", func(t *testing.T) {
		got, err := s.GetAPIKeyByKeyID(ctx, "sk_live_abc")
		require.NoError(t, err)
		assert.Equal(t, k.ID, got.ID)
		assert.Equal(t, tn.org.ID, got.OrgID)
		assert.Equal(t, keyHash("secret"), got.SecretHash)
		assert.Equal(t, tn.user.ID, got.CreatedBy)
		assert.True(t, got.Active())
		assert.Nil(t, got.LastUsedAt)
	})

	t.Run("using a key records when", func(t *testing.T) {
		require.NoError(t, s.TouchAPIKey(ctx, tn.org.ID, k.ID))
		got, err := s.GetAPIKeyByKeyID(ctx, "sk_live_abc")
		require.NoError(t, err)
		assert.NotNil(t, got.LastUsedAt)
	})

	t.Run("a revoked key is no longer active and revoking twice keeps the first time", func(t *testing.T) {
		r1, err := s.RevokeAPIKey(ctx, tn.org.ID, k.ID)
		require.NoError(t, err)
		require.NotNil(t, r1.RevokedAt)
		assert.False(t, r1.Active())
		r2, err := s.RevokeAPIKey(ctx, tn.org.ID, k.ID)
		require.NoError(t, err)
		assert.Equal(t, r1.RevokedAt, r2.RevokedAt)
	})

	t.Run("a duplicate key id is a conflict", func(t *testing.T) {
		_, err := s.CreateAPIKey(ctx, tn.org.ID, store.NewAPIKey{KeyID: "sk_live_abc", Role: store.RoleViewer, SecretHash: keyHash("x")})
		assert.ErrorIs(t, err, store.ErrConflict)
	})

	t.Run("a hash that is not a SHA-256 is refused", func(t *testing.T) {
		_, err := s.CreateAPIKey(ctx, tn.org.ID, store.NewAPIKey{KeyID: "k2", Role: store.RoleViewer, SecretHash: []byte("plain")})
		assert.ErrorIs(t, err, store.ErrInvalidInput)
	})

	t.Run("a key cannot name a creator from another organisation", func(t *testing.T) {
		other := newTenant(t, s)
		_, err := s.CreateAPIKey(ctx, tn.org.ID, store.NewAPIKey{KeyID: "k3", Role: store.RoleViewer, SecretHash: keyHash("y"), CreatedBy: other.user.ID})
		assert.ErrorIs(t, err, store.ErrNotFound)
	})

	t.Run("keys are listed per organisation", func(t *testing.T) {
		ks, err := s.ListAPIKeys(ctx, tn.org.ID)
		require.NoError(t, err)
		require.Len(t, ks, 1)
		assert.Equal(t, "sk_live_abc", ks[0].KeyID)
	})
}

func TestProjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	tn := newTenant(t, s)

	t.Run("a project name is unique within an organisation", func(t *testing.T) {
		_, err := s.CreateProject(ctx, tn.org.ID, "vault")
		assert.ErrorIs(t, err, store.ErrConflict)
	})

	t.Run("the same name is free in another organisation", func(t *testing.T) {
		other := newTenant(t, s)
		assert.NotEqual(t, tn.project.ID, other.project.ID)
		assert.Equal(t, tn.project.Name, other.project.Name)
	})

	t.Run("ensuring a project returns the existing one or creates it", func(t *testing.T) {
		p, err := s.EnsureProject(ctx, tn.org.ID, "vault")
		require.NoError(t, err)
		assert.Equal(t, tn.project.ID, p.ID)
		p2, err := s.EnsureProject(ctx, tn.org.ID, "token")
		require.NoError(t, err)
		assert.NotEqual(t, tn.project.ID, p2.ID)
		ps, err := s.ListProjects(ctx, tn.org.ID)
		require.NoError(t, err)
		require.Len(t, ps, 2)
		assert.Equal(t, "token", ps[0].Name)
		assert.Equal(t, "vault", ps[1].Name)
	})
}
