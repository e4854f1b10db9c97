package analysis

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree creates files (slash path -> content) under a temporary
// directory and returns it.
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

func paths(fs []*File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Path)
	}
	return out
}

func TestLoadRejectsUnusableInput(t *testing.T) {
	t.Run("a path that does not exist is an error", func(t *testing.T) {
		_, err := Load([]string{filepath.Join(t.TempDir(), "missing.sol")}, LoadOptions{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "missing.sol")
	})
	t.Run("a directory without Solidity files is an error", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"README.md": "nothing here"})
		_, err := Load([]string{dir}, LoadOptions{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no Solidity")
	})
	t.Run("no paths at all is an error", func(t *testing.T) {
		_, err := Load(nil, LoadOptions{})
		require.Error(t, err)
	})
}

func TestLoadDirectoryResolvesRelativeImports(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"contracts/Token.sol":        "pragma solidity 0.8.26;\nimport \"./lib/Math.sol\";\ncontract Token { }\n",
		"contracts/lib/Math.sol":     "pragma solidity 0.8.26;\nlibrary Math { }\n",
		"contracts/Broken.sol":       "pragma solidity 0.8.26;\ncontract Broken { function f( }\n",
		"node_modules/x/Ignored.sol": "contract Ignored {}\n",
	})
	p, err := Load([]string{dir}, LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"contracts/Broken.sol", "contracts/Token.sol", "contracts/lib/Math.sol"}, paths(p.Files),
		"sorted by path; node_modules is not scanned")
	tok := p.File("contracts/Token.sol")
	require.NotNil(t, tok)
	assert.Equal(t, []string{"contracts/lib/Math.sol"}, tok.Imports)
	require.NotEmpty(t, p.Diagnostics, "the syntax error is a diagnostic, not a load failure")
	assert.Equal(t, DiagSyntax, p.Diagnostics[0].Kind)
	assert.Equal(t, "contracts/Broken.sol", p.Diagnostics[0].File)
	assert.Equal(t, 2, p.Diagnostics[0].Line)
}

func TestLoadReportsMissingImports(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"A.sol": "pragma solidity 0.8.26;\n\nimport \"./Nowhere.sol\";\ncontract A {}\n",
	})
	p, err := Load([]string{dir}, LoadOptions{})
	require.NoError(t, err)
	require.Len(t, p.Diagnostics, 1)
	d := p.Diagnostics[0]
	assert.Equal(t, DiagImport, d.Kind)
	assert.Equal(t, "A.sol", d.File)
	assert.Equal(t, 3, d.Line)
	assert.Contains(t, d.Message, "./Nowhere.sol")
	assert.Len(t, p.Contracts, 1, "the file still loads")
}

func TestLoadFoundryLayout(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"foundry.toml":                           "[profile.default]\nsrc = \"src\"\nremappings = [\n  \"@oz/=lib/openzeppelin/contracts/\",  # comment\n]\n",
		"remappings.txt":                         "solmate/=lib/solmate/src/\n",
		"src/Vault.sol":                          "pragma solidity 0.8.26;\nimport \"@oz/Ownable.sol\";\nimport \"solmate/ERC20.sol\";\nimport \"forge-std/Test.sol\";\ncontract Vault is Ownable, ERC20 {}\n",
		"lib/openzeppelin/contracts/Ownable.sol": "pragma solidity 0.8.26;\ncontract Ownable {}\n",
		"lib/solmate/src/ERC20.sol":              "pragma solidity 0.8.26;\ncontract ERC20 {}\n",
		"lib/forge-std/src/Test.sol":             "pragma solidity 0.8.26;\ncontract Test {}\n",
	})
	p, err := Load([]string{filepath.Join(dir, "src")}, LoadOptions{})
	require.NoError(t, err)
	require.Empty(t, p.Diagnostics)
	vault := p.ContractsNamed("Vault")
	require.Len(t, vault, 1)
	assert.Equal(t, []string{"Vault", "ERC20", "Ownable"}, names(vault[0].Linearization))
	deps := 0
	for _, f := range p.Files {
		if f.Dependency {
			deps++
			assert.Contains(t, f.Path, "lib/")
		}
	}
	assert.Equal(t, 3, deps, "imported lib/ files load as dependencies")
}

func TestLoadHardhatNodeModulesAndOptions(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"package.json":       "{}",
		"contracts/Coin.sol": "pragma solidity 0.8.26;\nimport \"@openzeppelin/contracts/token/ERC20.sol\";\nimport \"extra/Thing.sol\";\nimport \"mapped/Other.sol\";\ncontract Coin is ERC20 {}\n",
		"node_modules/@openzeppelin/contracts/token/ERC20.sol": "pragma solidity 0.8.26;\ncontract ERC20 {}\n",
		"vendor/extra/Thing.sol":                               "pragma solidity 0.8.26;\ncontract Thing {}\n",
		"elsewhere/Other.sol":                                  "pragma solidity 0.8.26;\ncontract Other {}\n",
	})
	p, err := Load([]string{filepath.Join(dir, "contracts", "Coin.sol")}, LoadOptions{
		IncludePaths: []string{filepath.Join(dir, "vendor")},
		Remappings:   []string{"mapped/=elsewhere/"},
	})
	require.NoError(t, err)
	require.Empty(t, p.Diagnostics)
	assert.Len(t, p.Files, 4)
	assert.Equal(t, []string{"Coin", "ERC20"}, names(p.ContractsNamed("Coin")[0].Linearization))
}

func TestImportGraph(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"A.sol": "import \"./B.sol\";\nimport {C as D} from \"./C.sol\";\ncontract A is B, D {}\n",
		"B.sol": "import \"./C.sol\";\ncontract B {}\n",
		"C.sol": "import \"./A.sol\";\ncontract C {}\n",
	})
	p, err := Load([]string{dir}, LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, []Edge{
		{From: "A.sol", To: "B.sol", Kind: "import"},
		{From: "A.sol", To: "C.sol", Kind: "import"},
		{From: "B.sol", To: "C.sol", Kind: "import"},
		{From: "C.sol", To: "A.sol", Kind: "import"},
	}, p.ImportGraph(), "cycles are fine")
	a := p.ContractsNamed("A")[0]
	assert.Equal(t, []string{"A", "C", "B"}, names(a.Linearization), "the aliased import resolves")
}

func names(cs []*Contract) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// TestLoadCorpus loads a real code base when SOLSEC_OZ points at an
// installed @openzeppelin/contracts: every file parses and every import
// resolves.
func TestLoadCorpus(t *testing.T) {
	dir := os.Getenv("SOLSEC_OZ")
	if dir == "" {
		t.Skip("SOLSEC_OZ not set")
	}
	if nested := filepath.Join(dir, "node_modules", "@openzeppelin", "contracts"); dirExists(nested) {
		dir = nested
	}
	p, err := Load([]string{dir}, LoadOptions{})
	require.NoError(t, err)
	var diags []string
	for _, d := range p.Diagnostics {
		diags = append(diags, d.String())
	}
	assert.Empty(t, diags)
	assert.GreaterOrEqual(t, len(p.Files), 200)
	for _, c := range p.Contracts {
		assert.False(t, strings.HasPrefix(c.File.Path, "/"), "paths are relative to the root")
	}
}

func dirExists(d string) bool {
	st, err := os.Stat(d)
	return err == nil && st.IsDir()
}
