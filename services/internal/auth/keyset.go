package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Signing algorithms a KeySet holds.
const (
	AlgEdDSA = "EdDSA" // Ed25519, the default: asymmetric, so verifiers need no secret
	AlgHS256 = "HS256" // HMAC-SHA256, for deployments that already share a secret
)

// minHMACSecret is RFC 7518's minimum for HS256: a key as long as the hash.
const minHMACSecret = 32

// Key is one signing or verification key, identified by its kid.
type Key struct {
	ID        string
	Algorithm string
	// Ed25519: Private is set on a key that can sign, Public always.
	Private ed25519.PrivateKey
	Public  ed25519.PublicKey
	// HS256: the shared secret, used to sign and to verify.
	Secret []byte
}

func (k Key) canSign() bool {
	return (k.Algorithm == AlgEdDSA && k.Private != nil) || (k.Algorithm == AlgHS256 && len(k.Secret) > 0)
}

// KeySet is the current signing key plus older keys still accepted for
// verification. Rotation: add a new key, make it the signing key, keep the
// old one until every token it signed has expired, then drop it.
type KeySet struct {
	signing string
	keys    map[string]Key
}

// keySetJSON is the file and Secrets Manager format:
//
//	{"signing_key": "2026-11",
//	 "keys": [{"kid": "2026-11", "alg": "EdDSA", "private_key": "<base64 32-byte seed>"},
//	          {"kid": "2026-10", "alg": "EdDSA", "public_key": "<base64 32 bytes>"},
//	          {"kid": "shared",  "alg": "HS256", "secret": "<base64, at least 32 bytes>"}]}
type keySetJSON struct {
	SigningKey string    `json:"signing_key"`
	Keys       []keyJSON `json:"keys"`
}

type keyJSON struct {
	ID         string `json:"kid"`
	Algorithm  string `json:"alg"`
	PrivateKey string `json:"private_key,omitempty"`
	PublicKey  string `json:"public_key,omitempty"`
	Secret     string `json:"secret,omitempty"`
}

// ParseKeySet parses and validates the JSON form above. The signing key
// must exist and be able to sign; every key must be complete.
func ParseKeySet(data []byte) (*KeySet, error) {
	var raw keySetJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("auth: key set: %w", err)
	}
	ks := &KeySet{signing: raw.SigningKey, keys: map[string]Key{}}
	for i, kj := range raw.Keys {
		k, err := kj.key()
		if err != nil {
			return nil, fmt.Errorf("auth: key set: keys[%d] (kid %q): %w", i, kj.ID, err)
		}
		if _, dup := ks.keys[k.ID]; dup {
			return nil, fmt.Errorf("auth: key set: kid %q appears twice", k.ID)
		}
		ks.keys[k.ID] = k
	}
	signing, ok := ks.keys[raw.SigningKey]
	if !ok {
		return nil, fmt.Errorf("auth: key set: signing_key %q is not among the keys", raw.SigningKey)
	}
	if !signing.canSign() {
		return nil, fmt.Errorf("auth: key set: signing key %q has no private key or secret", raw.SigningKey)
	}
	return ks, nil
}

func (kj keyJSON) key() (Key, error) {
	if kj.ID == "" {
		return Key{}, errors.New("kid is empty")
	}
	k := Key{ID: kj.ID, Algorithm: kj.Algorithm}
	decode := func(field, s string) ([]byte, error) {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%s is not base64: %w", field, err)
		}
		return b, nil
	}
	switch kj.Algorithm {
	case AlgEdDSA:
		if kj.PrivateKey != "" {
			seed, err := decode("private_key", kj.PrivateKey)
			if err != nil {
				return Key{}, err
			}
			if len(seed) != ed25519.SeedSize {
				return Key{}, fmt.Errorf("private_key is %d bytes; an Ed25519 seed is %d", len(seed), ed25519.SeedSize)
			}
			k.Private = ed25519.NewKeyFromSeed(seed)
			k.Public = k.Private.Public().(ed25519.PublicKey)
		}
		if kj.PublicKey != "" {
			pub, err := decode("public_key", kj.PublicKey)
			if err != nil {
				return Key{}, err
			}
			if len(pub) != ed25519.PublicKeySize {
				return Key{}, fmt.Errorf("public_key is %d bytes; an Ed25519 public key is %d", len(pub), ed25519.PublicKeySize)
			}
			if k.Public != nil && !k.Public.Equal(ed25519.PublicKey(pub)) {
				return Key{}, errors.New("public_key does not match private_key")
			}
			k.Public = pub
		}
		if k.Public == nil {
			return Key{}, errors.New("an EdDSA key needs private_key or public_key")
		}
	case AlgHS256:
		secret, err := decode("secret", kj.Secret)
		if err != nil {
			return Key{}, err
		}
		if len(secret) < minHMACSecret {
			return Key{}, fmt.Errorf("secret is %d bytes; HS256 needs at least %d", len(secret), minHMACSecret)
		}
		k.Secret = secret
	default:
		return Key{}, fmt.Errorf("alg %q is not supported (want %s or %s)", kj.Algorithm, AlgEdDSA, AlgHS256)
	}
	return k, nil
}

// Signing returns the key new tokens are signed with.
func (ks *KeySet) Signing() Key { return ks.keys[ks.signing] }

// Lookup returns the key with kid id.
func (ks *KeySet) Lookup(id string) (Key, bool) {
	k, ok := ks.keys[id]
	return k, ok
}

// GenerateKeySet returns the JSON of a new key set holding one fresh
// Ed25519 signing key with kid id: what `make dev` writes to a local file
// and what an operator stores in Secrets Manager for a new environment.
func GenerateKeySet(id string) ([]byte, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("auth: generate key: %w", err)
	}
	return json.MarshalIndent(keySetJSON{
		SigningKey: id,
		Keys:       []keyJSON{{ID: id, Algorithm: AlgEdDSA, PrivateKey: base64.StdEncoding.EncodeToString(seed)}},
	}, "", "  ")
}

// KeySource yields the raw JSON of a key set. Services reload from it to
// pick up a rotation without a restart.
type KeySource interface {
	Load(ctx context.Context) ([]byte, error)
}

// FileSource reads the key set from a local file (development, tests, or a
// file mounted from a Kubernetes secret).
type FileSource struct{ Path string }

// Load reads the file.
func (f FileSource) Load(context.Context) ([]byte, error) {
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, fmt.Errorf("auth: read key set: %w", err)
	}
	return data, nil
}

// SecretsManagerAPI is the one call SecretsManagerSource makes; the SDK's
// *secretsmanager.Client satisfies it.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretsManagerSource reads the key set from the SecretString of an AWS
// Secrets Manager secret (the AWSCURRENT version).
type SecretsManagerSource struct {
	Client   SecretsManagerAPI
	SecretID string // name or ARN
}

// Load fetches the secret.
func (s SecretsManagerSource) Load(ctx context.Context) ([]byte, error) {
	out, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &s.SecretID})
	if err != nil {
		return nil, fmt.Errorf("auth: read key set from secret %s: %w", s.SecretID, err)
	}
	if out.SecretString == nil {
		return nil, fmt.Errorf("auth: secret %s has no SecretString", s.SecretID)
	}
	return []byte(*out.SecretString), nil
}

// LoadKeySet loads and parses a key set from src.
func LoadKeySet(ctx context.Context, src KeySource) (*KeySet, error) {
	data, err := src.Load(ctx)
	if err != nil {
		return nil, err
	}
	return ParseKeySet(data)
}
