package api

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/solsec/platform/services/internal/upload"
)

// Sources keeps uploaded sources in object storage under a key. The
// platform's object store (S3 in the cloud) satisfies it; LocalSources is
// the default for development and tests.
type Sources interface {
	// Put stores data under key. Keys are content-addressed, so storing a
	// key that exists already may skip the write.
	Put(ctx context.Context, key string, data []byte) error
}

// SourcesKey is where an organisation's sources of one hash live. Keying by
// hash makes the write idempotent: a retried upload, or two uploads of the
// same sources, store one object.
func SourcesKey(orgID, sourceHash string) string {
	return "orgs/" + orgID + "/sources/" + sourceHash + ".zip"
}

// EncodeBundle writes a bundle as a zip archive of its files in path order,
// stored uncompressed with a fixed timestamp, so the same sources always
// give the same bytes. The pipeline reads it back with upload.Read, which
// yields the same files and Hash: a zip is one of the formats it accepts,
// and an uncompressed one can never trip its compression-ratio check, which
// a highly repetitive source accepted as a plain .sol might otherwise do.
func EncodeBundle(b *upload.Bundle) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(b.TotalBytes) + 128*len(b.Files))
	zw := zip.NewWriter(&buf)
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range b.Paths() {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p, Method: zip.Store, Modified: epoch})
		if err != nil {
			return nil, fmt.Errorf("encode sources: %w", err)
		}
		if _, err := w.Write(b.Files[p]); err != nil {
			return nil, fmt.Errorf("encode sources: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("encode sources: %w", err)
	}
	return buf.Bytes(), nil
}

// LocalSources keeps sources as files under Dir, the key being the relative
// path.
type LocalSources struct {
	Dir string
}

// Put writes data to Dir/key through a temporary file and a rename, so a
// reader never sees half an object. A key must be a clean relative path
// (fs.ValidPath: no "..", not absolute), so it cannot name a file outside
// Dir; keys are built by SourcesKey from an organisation id and a hex hash,
// never from client input. An existing object is simply replaced: keys are
// content-addressed, so it holds the same bytes.
//
// Plain os calls are used rather than os.Root, which re-opens every
// directory of the path on each call: with the key's four levels that was
// a dozen openat calls per upload and a third of the API's CPU under load.
func (l LocalSources) Put(_ context.Context, key string, data []byte) error {
	if !fs.ValidPath(key) || key == "." {
		return fmt.Errorf("local sources: invalid key %q", key)
	}
	name := filepath.Join(l.Dir, filepath.FromSlash(key))
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("local sources: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return fmt.Errorf("local sources: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("local sources: write %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("local sources: %w", err)
	}
	return nil
}
