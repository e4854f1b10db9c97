package analysis

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree creates files (path -> content) under a temporary directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(c), 0o644))
	}
	return dir
}

func TestLoadCorpusSmoke(t *testing.T) {
	dir := os.Getenv("SOLSEC_SMOKE")
	if dir == "" {
		t.Skip("SOLSEC_SMOKE not set")
	}
	p, err := Load([]string{dir}, LoadOptions{})
	require.NoError(t, err)
	t.Logf("files=%d contracts=%d diags=%d", len(p.Files), len(p.Contracts), len(p.Diagnostics))
	for _, d := range p.Diagnostics {
		t.Log(d.String(), d.Kind)
	}
	assert.NotEmpty(t, p.Files)
}
