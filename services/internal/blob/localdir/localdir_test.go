package localdir_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/blob/localdir"
)

func newStore(t *testing.T, max int64) *localdir.Store {
	t.Helper()
	s, err := localdir.New(filepath.Join(t.TempDir(), "blobs"), localdir.Options{MaxSize: max})
	require.NoError(t, err)
	return s
}

func TestLocalDir(t *testing.T) {
	ctx := context.Background()

	t.Run("an object put is read back and replaced by a later put", func(t *testing.T) {
		s := newStore(t, 0)
		require.NoError(t, s.Put(ctx, "orgs/a/sources/x.tar.gz", strings.NewReader("first")))
		require.NoError(t, s.Put(ctx, "orgs/a/sources/x.tar.gz", strings.NewReader("second")))
		b, err := blob.ReadAll(ctx, s, "orgs/a/sources/x.tar.gz")
		require.NoError(t, err)
		assert.Equal(t, "second", string(b))
	})

	t.Run("a missing object is not found and deleting it is fine", func(t *testing.T) {
		s := newStore(t, 0)
		_, err := s.Get(ctx, "orgs/a/nothing")
		assert.ErrorIs(t, err, blob.ErrNotFound)
		assert.NoError(t, s.Delete(ctx, "orgs/a/nothing"))
	})

	t.Run("an object over the limit is refused and leaves nothing behind", func(t *testing.T) {
		s := newStore(t, 10)
		require.NoError(t, s.Put(ctx, "ok", bytes.NewReader(make([]byte, 10))))
		err := s.Put(ctx, "big", bytes.NewReader(make([]byte, 11)))
		assert.ErrorIs(t, err, blob.ErrTooLarge)
		_, err = s.Get(ctx, "big")
		assert.ErrorIs(t, err, blob.ErrNotFound)
		tmp, err := os.ReadDir(filepath.Join(s.Root(), "~tmp"))
		require.NoError(t, err)
		assert.Empty(t, tmp, "the temporary file was removed")
	})

	t.Run("a failed write keeps the previous object whole", func(t *testing.T) {
		s := newStore(t, 0)
		require.NoError(t, s.Put(ctx, "report.json", strings.NewReader(`{"v":1}`)))
		err := s.Put(ctx, "report.json", io.MultiReader(strings.NewReader(`{"v":`), failingReader{}))
		require.Error(t, err)
		b, err := blob.ReadAll(ctx, s, "report.json")
		require.NoError(t, err)
		assert.Equal(t, `{"v":1}`, string(b))
	})

	t.Run("keys that would leave the root are refused before touching the disk", func(t *testing.T) {
		s := newStore(t, 0)
		outside := filepath.Join(filepath.Dir(s.Root()), "escaped")
		for _, key := range []string{"../escaped", "a/../../escaped", "/tmp/escaped", `..\escaped`, "~tmp/put-1"} {
			assert.ErrorIs(t, s.Put(ctx, key, strings.NewReader("x")), blob.ErrInvalidKey, key)
			_, err := s.Get(ctx, key)
			assert.ErrorIs(t, err, blob.ErrInvalidKey, key)
			assert.ErrorIs(t, s.Delete(ctx, key), blob.ErrInvalidKey, key)
		}
		_, err := os.Stat(outside)
		assert.ErrorIs(t, err, os.ErrNotExist)
		_, err = s.List(ctx, "../")
		assert.ErrorIs(t, err, blob.ErrInvalidKey)
	})

	t.Run("list returns the objects under a prefix in key order and nothing of a sibling prefix", func(t *testing.T) {
		s := newStore(t, 0)
		for _, k := range []string{"orgs/1/b", "orgs/1/a/x", "orgs/10/c", "orgs/2/d"} {
			require.NoError(t, s.Put(ctx, k, strings.NewReader(k)))
		}
		objs, err := s.List(ctx, "orgs/1/")
		require.NoError(t, err)
		var keys []string
		for _, o := range objs {
			keys = append(keys, o.Key)
			assert.Equal(t, int64(len(o.Key)), o.Size)
		}
		assert.Equal(t, []string{"orgs/1/a/x", "orgs/1/b"}, keys)

		all, err := s.List(ctx, "")
		require.NoError(t, err)
		assert.Len(t, all, 4)
		none, err := s.List(ctx, "orgs/3/")
		require.NoError(t, err)
		assert.Empty(t, none)
	})

	t.Run("deleting a prefix removes its objects and its empty directories", func(t *testing.T) {
		s := newStore(t, 0)
		require.NoError(t, s.Put(ctx, "orgs/1/a/x", strings.NewReader("x")))
		require.NoError(t, s.Put(ctx, "orgs/1/b", strings.NewReader("y")))
		require.NoError(t, s.Put(ctx, "orgs/2/c", strings.NewReader("z")))
		n, err := blob.DeletePrefix(ctx, s, "orgs/1/")
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		_, err = os.Stat(filepath.Join(s.Root(), "orgs", "1"))
		assert.ErrorIs(t, err, os.ErrNotExist)
		_, err = s.Get(ctx, "orgs/2/c")
		assert.NoError(t, err)
	})

	t.Run("a cancelled context stops a put", func(t *testing.T) {
		s := newStore(t, 0)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		assert.ErrorIs(t, s.Put(cctx, "x", strings.NewReader("data")), context.Canceled)
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
