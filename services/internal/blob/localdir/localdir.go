// Package localdir is a blob.Store in a local directory, the default for
// development and single-node installs. Writes go to a temporary file
// that is synced and then renamed over the target, so a reader or a crash
// never sees half an object.
package localdir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/solsec/platform/services/internal/blob"
)

// tmpDir holds writes in progress. '~' is not a valid key character, so no
// key can name it or anything in it, and List skips it.
const tmpDir = "~tmp"

// Store keeps objects as files under a root directory.
type Store struct {
	root    string
	maxSize int64
}

var _ blob.Store = (*Store)(nil)

// Options configure a Store.
type Options struct {
	// MaxSize is the largest object Put accepts; 0 means blob.DefaultMaxSize.
	MaxSize int64
}

// New returns a store rooted at dir, creating the directory (mode 0750:
// sources are confidential) if needed.
func New(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("localdir: empty directory")
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localdir: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(root, tmpDir), 0o750); err != nil {
		return nil, fmt.Errorf("localdir: create %s: %w", root, err)
	}
	limit := opts.MaxSize
	if limit <= 0 {
		limit = blob.DefaultMaxSize
	}
	return &Store{root: root, maxSize: limit}, nil
}

// Root returns the directory the store writes to.
func (s *Store) Root() string { return s.root }

// path maps a validated key to its file. ValidateKey has already excluded
// every segment that could leave the root.
func (s *Store) path(key string) (string, error) {
	if err := blob.ValidateKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// Put writes the object atomically: temporary file, fsync, rename.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (err error) {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Join(s.root, tmpDir), "put-*")
	if err != nil {
		return fmt.Errorf("localdir: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// One byte over the limit is enough to know the object is too large.
	n, err := io.Copy(tmp, io.LimitReader(ctxReader{ctx, r}, s.maxSize+1))
	if err != nil {
		return fmt.Errorf("localdir: put %s: %w", key, err)
	}
	if n > s.maxSize {
		return fmt.Errorf("localdir: put %s: %w (limit %d bytes)", key, blob.ErrTooLarge, s.maxSize)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("localdir: put %s: sync: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("localdir: put %s: %w", key, err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("localdir: put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("localdir: put %s: %w", key, err)
	}
	// The rename is durable only once the directory holding the new entry
	// is synced; until then a crash may bring back the old object.
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("localdir: put %s: sync directory: %w", key, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Get opens the object's file.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("localdir: get %s: %w", key, blob.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("localdir: get %s: %w", key, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		// A directory is where a key's children live, not an object.
		return nil, fmt.Errorf("localdir: get %s: %w", key, blob.ErrNotFound)
	}
	return f, nil
}

// Delete removes the object's file and any directories it leaves empty,
// so erasing an organisation leaves no trace of its key prefix.
func (s *Store) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if st, err := os.Lstat(p); err == nil && st.IsDir() {
		return fmt.Errorf("localdir: delete %s: %w", key, blob.ErrNotFound)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localdir: delete %s: %w", key, err)
	}
	for dir := filepath.Dir(p); dir != s.root && strings.HasPrefix(dir, s.root+string(filepath.Separator)); dir = filepath.Dir(dir) {
		// Remove fails on a non-empty directory, which is where we stop.
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// List walks the prefix's directory.
func (s *Store) List(ctx context.Context, prefix string) ([]blob.Object, error) {
	if err := blob.ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	start := filepath.Join(s.root, filepath.FromSlash(strings.TrimSuffix(prefix, "/")))
	var objs []blob.Object
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == start {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p == filepath.Join(s.root, tmpDir) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if blob.ValidateKey(key) != nil {
			return nil // not ours: a file someone put there by hand
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		objs = append(objs, blob.Object{Key: key, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("localdir: list %s: %w", prefix, err)
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	return objs, nil
}

// ctxReader stops a long copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
