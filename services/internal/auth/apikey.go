package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// APIKeyPrefix starts every API key, so secret scanners and log filters can
// recognise a leaked one.
const APIKeyPrefix = "ssk_"

const (
	keyIDBytes  = 8  // 64-bit id: unique per store (enforced there), not secret
	secretBytes = 32 // 256-bit secret
)

// ErrKeyNotFound is what a KeyStore returns for an id it does not hold.
var ErrKeyNotFound = errors.New("api key not found")

// ErrInvalidAPIKey wraps every reason an API key is refused.
var ErrInvalidAPIKey = errors.New("invalid api key")

// StoredAPIKey is what the store keeps of a key: never the secret itself.
type StoredAPIKey struct {
	ID    string
	OrgID string
	Role  Role
	// SecretHash is HashSecret of the secret.
	SecretHash []byte
	// ExpiresAt is zero for a key that does not expire.
	ExpiresAt time.Time
	Revoked   bool
}

// KeyStore looks API keys up by id; the PostgreSQL store implements it.
type KeyStore interface {
	// LookupAPIKey returns the key with id, or an error wrapping
	// ErrKeyNotFound.
	LookupAPIKey(ctx context.Context, id string) (StoredAPIKey, error)
}

// NewAPIKey is a freshly generated key: Token is shown to the user once;
// ID and SecretHash are what the store keeps.
type NewAPIKey struct {
	Token      string
	ID         string
	SecretHash []byte
}

// GenerateAPIKey returns a new key "ssk_<16 hex id>_<64 hex secret>".
func GenerateAPIKey() (NewAPIKey, error) {
	id := make([]byte, keyIDBytes)
	secret := make([]byte, secretBytes)
	if _, err := rand.Read(id); err != nil {
		return NewAPIKey{}, fmt.Errorf("auth: generate api key: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return NewAPIKey{}, fmt.Errorf("auth: generate api key: %w", err)
	}
	idHex := hex.EncodeToString(id)
	return NewAPIKey{
		Token:      APIKeyPrefix + idHex + "_" + hex.EncodeToString(secret),
		ID:         idHex,
		SecretHash: HashSecret(secret),
	}, nil
}

// ParseAPIKey splits a key into its id and decoded secret, checking the
// format exactly (so the store is never queried for garbage).
func ParseAPIKey(token string) (id string, secret []byte, err error) {
	rest, ok := strings.CutPrefix(token, APIKeyPrefix)
	if !ok {
		return "", nil, fmt.Errorf("%w: missing %q prefix", ErrInvalidAPIKey, APIKeyPrefix)
	}
	id, secretHex, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 2*keyIDBytes || len(secretHex) != 2*secretBytes {
		return "", nil, fmt.Errorf("%w: not of the form ssk_<id>_<secret>", ErrInvalidAPIKey)
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", nil, fmt.Errorf("%w: id is not hex", ErrInvalidAPIKey)
	}
	secret, err = hex.DecodeString(secretHex)
	if err != nil {
		return "", nil, fmt.Errorf("%w: secret is not hex", ErrInvalidAPIKey)
	}
	return id, secret, nil
}

// HashSecret is the stored form of a key secret: SHA-256. A slow password
// hash (argon2, bcrypt) exists to make guessing low-entropy passwords
// expensive; a 256-bit random secret cannot be guessed at any speed, so a
// fast hash loses nothing, while a slow one would cost tens of milliseconds
// of CPU on every CI request and hand attackers a cheap denial of service.
// A stolen table of these hashes is as useless as one of argon2 hashes.
func HashSecret(secret []byte) []byte {
	sum := sha256.Sum256(secret)
	return sum[:]
}

// APIKeys verifies API keys against a KeyStore.
type APIKeys struct {
	Store KeyStore
	// Now is the clock for expiry; nil means time.Now.
	Now func() time.Time
}

// Verify parses token, looks its id up and compares the secret's hash in
// constant time. Unknown, revoked, expired and mismatching keys wrap
// ErrInvalidAPIKey; a store failure is returned as is (it is not the
// caller's fault and should not become a 401).
func (a *APIKeys) Verify(ctx context.Context, token string) (Principal, error) {
	id, secret, err := ParseAPIKey(token)
	if err != nil {
		return Principal{}, err
	}
	stored, err := a.Store.LookupAPIKey(ctx, id)
	if errors.Is(err, ErrKeyNotFound) {
		return Principal{}, fmt.Errorf("%w: unknown key", ErrInvalidAPIKey)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: look up api key: %w", err)
	}
	if subtle.ConstantTimeCompare(HashSecret(secret), stored.SecretHash) != 1 {
		return Principal{}, fmt.Errorf("%w: wrong secret", ErrInvalidAPIKey)
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	switch {
	case stored.Revoked:
		return Principal{}, fmt.Errorf("%w: key revoked", ErrInvalidAPIKey)
	case !stored.ExpiresAt.IsZero() && !now().Before(stored.ExpiresAt):
		return Principal{}, fmt.Errorf("%w: key expired", ErrInvalidAPIKey)
	}
	role, err := ParseRole(string(stored.Role))
	if err != nil || stored.OrgID == "" {
		return Principal{}, fmt.Errorf("%w: stored key has no valid organisation or role", ErrInvalidAPIKey)
	}
	return Principal{OrgID: stored.OrgID, APIKeyID: stored.ID, Role: role, Subject: "apikey:" + stored.ID}, nil
}
