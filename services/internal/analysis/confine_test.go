package analysis

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfineKeepsImportsInsideTheWorkingDirectory plays a hostile upload: a
// contract that imports files outside the directory it was unpacked into.
func TestConfineKeepsImportsInsideTheWorkingDirectory(t *testing.T) {
	outside := writeTree(t, map[string]string{
		"Secret.sol":                 "contract Secret { uint constant KEY = 42; }\n",
		"node_modules/pkg/Lib.sol":   "contract FromParentModules {}\n",
		"job/remappings.txt":         "evil/=../\n",
		"job/src/Main.sol":           "",
		"job/src/placeholder.ignore": "",
	})
	job := filepath.Join(outside, "job")
	secret := filepath.Join(outside, "Secret.sol")
	require.NoError(t, os.Symlink(outside, filepath.Join(job, "src", "escape")))
	main := "pragma solidity 0.8.26;\n" +
		"import \"" + filepath.ToSlash(secret) + "\";\n" + // absolute
		"import \"../../Secret.sol\";\n" + // climbing out
		"import \"evil/Secret.sol\";\n" + // a remapping whose target is outside
		"import \"./escape/Secret.sol\";\n" + // a symbolic link leading out
		"import \"pkg/Lib.sol\";\n" + // node_modules of a parent directory
		"contract Main {}\n"
	require.NoError(t, os.WriteFile(filepath.Join(job, "src", "Main.sol"), []byte(main), 0o644))

	t.Run("unconfined, the imports reach the files outside", func(t *testing.T) {
		p, err := Load([]string{filepath.Join(job, "src", "Main.sol")}, LoadOptions{})
		require.NoError(t, err)
		assert.Greater(t, len(p.Files), 1)
	})

	t.Run("confined, every import outside is not found and nothing outside is read", func(t *testing.T) {
		p, err := Load([]string{filepath.Join(job, "src", "Main.sol")}, LoadOptions{Confine: job})
		require.NoError(t, err)
		require.Len(t, p.Files, 1, "only Main.sol is loaded: %v", paths(p.Files))
		var notFound int
		for _, d := range p.Diagnostics {
			if d.Kind == DiagImport {
				notFound++
			}
		}
		assert.Equal(t, 5, notFound, "each of the five imports is reported missing: %v", p.Diagnostics)
	})

	t.Run("confined, an input file outside the directory is refused", func(t *testing.T) {
		_, err := Load([]string{secret}, LoadOptions{Confine: job})
		require.Error(t, err)
		assert.True(t, strings.Contains(err.Error(), "outside the confining directory"), err.Error())
	})

	t.Run("confined, imports inside the directory still resolve", func(t *testing.T) {
		dir := writeTree(t, map[string]string{
			"src/A.sol":      "pragma solidity 0.8.26;\nimport \"./B.sol\";\nimport \"lib2/C.sol\";\ncontract A {}\n",
			"src/B.sol":      "contract B {}\n",
			"lib/lib2/C.sol": "contract C {}\n",
			"remappings.txt": "lib2/=lib/lib2/\n",
		})
		p, err := Load([]string{filepath.Join(dir, "src", "A.sol")}, LoadOptions{Confine: dir})
		require.NoError(t, err)
		assert.Len(t, p.Files, 3, "A.sol with B.sol and the remapped C.sol: %v", paths(p.Files))
		assert.Empty(t, p.Diagnostics)
	})
}
