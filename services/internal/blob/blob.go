// Package blob is object storage behind one interface: the uploaded
// contract sources, reports and retention archives. Package blob/localdir
// keeps objects in a directory (the default, and what tests use); package
// blob/s3 keeps them in an S3 bucket encrypted with a KMS key.
//
// Keys are slash-separated relative paths such as
// "orgs/<org id>/sources/<hash>.tar.gz". ValidateKey defines what is
// accepted; both implementations refuse anything else, so a key built from
// user input can never name a file outside the store.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Store is an object store.
type Store interface {
	// Put stores the object read from r under key, replacing any object
	// there. Readers see the old object or the new one, never a part. An
	// object longer than the store's limit is ErrTooLarge and nothing is
	// stored.
	Put(ctx context.Context, key string, r io.Reader) error
	// Get opens the object; the caller closes it. A missing key is
	// ErrNotFound.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object. Deleting a missing key is not an error,
	// so retention and erasure can be re-run after a partial failure.
	Delete(ctx context.Context, key string) error
	// List returns the objects whose keys start with prefix, in key order.
	List(ctx context.Context, prefix string) ([]Object, error)
}

// Object describes a stored object.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Errors the stores return, wrapped with context.
var (
	ErrNotFound   = errors.New("blob: not found")
	ErrTooLarge   = errors.New("blob: object too large")
	ErrInvalidKey = errors.New("blob: invalid key")
)

// DefaultMaxSize is the object size limit when a store is given none.
const DefaultMaxSize int64 = 256 << 20

// MaxKeyLength bounds keys well under S3's 1024 bytes and common file
// system path limits.
const MaxKeyLength = 512

// ValidateKey accepts slash-separated relative paths whose segments are
// made of letters, digits, '.', '-', '_' and '=', none of them empty, "."
// or "..". That excludes absolute paths, backslashes, traversal and
// control characters by construction rather than by listing them.
func ValidateKey(key string) error {
	if key == "" || len(key) > MaxKeyLength {
		return fmt.Errorf("%w: %q: empty or longer than %d bytes", ErrInvalidKey, key, MaxKeyLength)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q: empty, '.' or '..' segment", ErrInvalidKey, key)
		}
		for _, c := range seg {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '=') {
				return fmt.Errorf("%w: %q: character %q", ErrInvalidKey, key, c)
			}
		}
	}
	return nil
}

// ValidatePrefix accepts "" (everything) or a key prefix ending in "/",
// which must be a valid key without its trailing slash. Prefixes are whole
// directories so that "orgs/1" can never match "orgs/10".
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("%w: prefix %q must end with '/'", ErrInvalidKey, prefix)
	}
	return ValidateKey(strings.TrimSuffix(prefix, "/"))
}

// ReadAll reads a whole object; handy for small ones (archives, reports).
func ReadAll(ctx context.Context, s Store, key string) ([]byte, error) {
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// DeletePrefix deletes every object under prefix and returns how many it
// deleted.
func DeletePrefix(ctx context.Context, s Store, prefix string) (int, error) {
	objs, err := s.List(ctx, prefix)
	if err != nil {
		return 0, err
	}
	for i, o := range objs {
		if err := s.Delete(ctx, o.Key); err != nil {
			return i, err
		}
	}
	return len(objs), nil
}
