package api

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
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
// reader never sees half an object, and skips the write when the object
// exists (keys are content-addressed). Writes go through os.Root, so a key
// cannot name a file outside Dir.
func (l LocalSources) Put(_ context.Context, key string, data []byte) error {
	if !fs.ValidPath(key) {
		return fmt.Errorf("local sources: invalid key %q", key)
	}
	if err := os.MkdirAll(l.Dir, 0o750); err != nil {
		return fmt.Errorf("local sources: %w", err)
	}
	root, err := os.OpenRoot(l.Dir)
	if err != nil {
		return fmt.Errorf("local sources: %w", err)
	}
	defer root.Close()
	name := filepath.FromSlash(key)
	if _, err := root.Stat(name); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local sources: %w", err)
	}
	if err := root.MkdirAll(filepath.FromSlash(path.Dir(key)), 0o750); err != nil {
		return fmt.Errorf("local sources: %w", err)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", name, time.Now().UnixNano())
	if err := root.WriteFile(tmp, data, 0o640); err != nil {
		return fmt.Errorf("local sources: %w", err)
	}
	if err := root.Rename(tmp, name); err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("local sources: %w", err)
	}
	return nil
}
