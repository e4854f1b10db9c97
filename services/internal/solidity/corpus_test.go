package solidity

import (
	"encoding/json"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// datasetsDir returns the shared data-set directory: $SOLSEC_DATASETS, else
// ../shared/datasets beside the repository root (found by walking up to go.mod).
func datasetsDir(t *testing.T) string {
	if d := os.Getenv("SOLSEC_DATASETS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "datasets")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func solFiles(t testing.TB, root string) []string {
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".sol") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

func TestParseSWCRegistryHasNoSyntaxErrors(t *testing.T) {
	root := filepath.Join(datasetsDir(t), "swc-registry")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("SWC registry data set not found at %s (set SOLSEC_DATASETS): %v", root, err)
	}
	files := solFiles(t, root)
	require.NotEmpty(t, files, "no .sol files under %s", root)
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		u, errs := Parse(f, src)
		require.NotNil(t, u)
		for _, e := range errs {
			t.Errorf("%v", e)
		}
	}
}

// TestParseCorpusFromEnv parses every .sol file under $SOLSEC_SOL_CORPUS
// (for example an installed @openzeppelin/contracts) expecting no errors.
func TestParseCorpusFromEnv(t *testing.T) {
	root := os.Getenv("SOLSEC_SOL_CORPUS")
	if root == "" {
		t.Skip("SOLSEC_SOL_CORPUS not set")
	}
	files := solFiles(t, root)
	require.NotEmpty(t, files)
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		_, errs := Parse(f, src)
		for _, e := range errs {
			t.Errorf("%v", e)
		}
	}
}

// TestDumpOutlines writes {relative path: Outline} for every .sol file under
// $SOLSEC_SOL_CORPUS to $SOLSEC_OUTLINE_OUT, for comparison with the same
// summary built from solc's AST.
func TestDumpOutlines(t *testing.T) {
	root, out := os.Getenv("SOLSEC_SOL_CORPUS"), os.Getenv("SOLSEC_OUTLINE_OUT")
	if root == "" || out == "" {
		t.Skip("SOLSEC_SOL_CORPUS and SOLSEC_OUTLINE_OUT not set")
	}
	res := map[string]*Outline{}
	for _, f := range solFiles(t, root) {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		u, _ := Parse(f, src)
		rel, err := filepath.Rel(root, f)
		require.NoError(t, err)
		res[filepath.ToSlash(rel)] = Summarize(u)
	}
	b, err := json.Marshal(res)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(out, b, 0o644))
}

// TestDumpSpans writes {relative path: [[kind, offset, length], ...]} for
// every node of every file under $SOLSEC_SOL_CORPUS to $SOLSEC_SPANS_OUT,
// for comparing node positions with solc's "src" fields.
func TestDumpSpans(t *testing.T) {
	root, out := os.Getenv("SOLSEC_SOL_CORPUS"), os.Getenv("SOLSEC_SPANS_OUT")
	if root == "" || out == "" {
		t.Skip("SOLSEC_SOL_CORPUS and SOLSEC_SPANS_OUT not set")
	}
	res := map[string][][3]any{}
	for _, f := range solFiles(t, root) {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		u, _ := Parse(f, src)
		rel, err := filepath.Rel(root, f)
		require.NoError(t, err)
		var spans [][3]any
		Inspect(u, func(n Node) bool {
			spans = append(spans, [3]any{n.NodeKind(), n.Pos().Offset, n.End().Offset - n.Pos().Offset})
			return true
		})
		res[filepath.ToSlash(rel)] = spans
	}
	b, err := json.Marshal(res)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(out, b, 0o644))
}

// TestMutatedCorpusNeverPanics damages every file under $SOLSEC_SOL_CORPUS
// in random ways (deleted spans, stray brackets, duplicated text) and checks
// that parsing never panics and positions stay consistent.
func TestMutatedCorpusNeverPanics(t *testing.T) {
	root := os.Getenv("SOLSEC_SOL_CORPUS")
	if root == "" {
		t.Skip("SOLSEC_SOL_CORPUS not set")
	}
	r := rand.New(rand.NewSource(1))
	for _, f := range solFiles(t, root) {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for k := 0; k < 10; k++ {
			b := append([]byte{}, src...)
			for m := 0; m < 1+r.Intn(4) && len(b) > 1; m++ {
				i := r.Intn(len(b))
				j := min(i+r.Intn(20), len(b))
				switch r.Intn(3) {
				case 0:
					b = append(b[:i], b[j:]...)
				case 1:
					b = append(b[:i], append([]byte{"{(;})"[r.Intn(5)]}, b[i:]...)...)
				default:
					b = append(b[:i], append(append([]byte{}, b[i:j]...), b[i:]...)...)
				}
			}
			u, errs := Parse(f, b)
			for _, e := range errs {
				require.NotContains(t, e.Msg, "internal parser error")
			}
			checkPositions(t, b, u)
		}
	}
}
