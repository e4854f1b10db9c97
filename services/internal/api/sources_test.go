package api_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/api"
	"github.com/solsec/platform/services/internal/upload"
)

func TestLocalSources(t *testing.T) {
	dir := t.TempDir()
	s := api.LocalSources{Dir: dir}
	ctx := context.Background()
	key := api.SourcesKey("org-1", "abc123")
	assert.Equal(t, "orgs/org-1/sources/abc123.zip", key)

	t.Run("an object is written under its key and can be written again", func(t *testing.T) {
		require.NoError(t, s.Put(ctx, key, []byte("one")))
		require.NoError(t, s.Put(ctx, key, []byte("one")))
		got, err := os.ReadFile(filepath.Join(dir, "orgs", "org-1", "sources", "abc123.zip"))
		require.NoError(t, err)
		assert.Equal(t, "one", string(got))
		entries, err := os.ReadDir(filepath.Join(dir, "orgs", "org-1", "sources"))
		require.NoError(t, err)
		assert.Len(t, entries, 1, "no temporary file is left behind")
	})
	t.Run("keys that could leave the directory are refused", func(t *testing.T) {
		for _, bad := range []string{"../escape.zip", "/etc/passwd", "a/../../b", "", "."} {
			assert.Error(t, s.Put(ctx, bad, []byte("x")), "key %q", bad)
		}
	})
}

func TestEncodeBundleIsDeterministicAndReadsBack(t *testing.T) {
	b, err := upload.FromFiles([]upload.File{
		{Name: "src/B.sol", Data: []byte("pragma solidity ^0.8.0;\ncontract B {}\n")},
		{Name: "src/A.sol", Data: []byte("pragma solidity ^0.8.0;\ncontract A {}\n")},
	}, upload.DefaultLimits())
	require.NoError(t, err)
	one, err := api.EncodeBundle(b)
	require.NoError(t, err)
	two, err := api.EncodeBundle(b)
	require.NoError(t, err)
	assert.Equal(t, one, two, "the same sources give the same bytes")
	back, err := upload.Read("sources.zip", bytes.NewReader(one), upload.DefaultLimits())
	require.NoError(t, err)
	assert.Equal(t, b.Hash, back.Hash)
	assert.Equal(t, b.Files, back.Files)
}
