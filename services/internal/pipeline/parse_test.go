package pipeline_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/blob/localdir"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/pipeline"
	"github.com/solsec/platform/services/internal/tools"
	"github.com/solsec/platform/services/internal/upload"
)

func TestParse(t *testing.T) {
	t.Run("a syntax error and an unresolved import are findings of the parser's own kinds", func(t *testing.T) {
		src := tools.Sources{
			{Path: "src/Ok.sol", Content: []byte("pragma solidity ^0.8.0;\nimport \"./Missing.sol\";\ncontract Ok {}\n")},
			{Path: "src/Broken.sol", Content: []byte("pragma solidity ^0.8.0;\ncontract Broken {\n    function f( external {}\n}\n")},
		}
		res, err := pipeline.Parse(src, nil, t.TempDir())
		require.NoError(t, err)
		byDetector := map[string]findings.Finding{}
		for _, f := range res.Findings {
			require.NoError(t, f.Validate(), "the store accepts only valid findings")
			assert.NotEmpty(t, f.Fingerprint)
			byDetector[f.Rule.ID] = f
		}
		syntax, ok := byDetector[pipeline.DetectorSyntaxError]
		require.True(t, ok, "syntax error reported: %+v", res.Findings)
		assert.Equal(t, "src/Broken.sol", syntax.Primary().File)
		assert.Equal(t, 3, syntax.Primary().StartLine)
		assert.Equal(t, "    function f( external {}", syntax.Primary().Snippet, "the line is kept as the snippet")
		imp, ok := byDetector[pipeline.DetectorUnresolvedImport]
		require.True(t, ok, "unresolved import reported")
		assert.Equal(t, "src/Ok.sol", imp.Primary().File)
		assert.Equal(t, findings.SeverityLow, imp.Severity)
	})
	t.Run("the summary records contracts, bases and both graphs", func(t *testing.T) {
		src := tools.Sources{
			{Path: "A.sol", Content: []byte("pragma solidity ^0.8.0;\ncontract A { uint x; function f() public {} }\n")},
			{Path: "B.sol", Content: []byte("pragma solidity ^0.8.0;\nimport \"./A.sol\";\ncontract B is A {}\n")},
		}
		res, err := pipeline.Parse(src, nil, t.TempDir())
		require.NoError(t, err)
		assert.Empty(t, res.Findings)
		assert.Equal(t, 2, res.Files)
		assert.Equal(t, 2, res.Contracts)
		var imports, inherit struct {
			Nodes []string
			Edges []struct{ From, To string }
		}
		require.NoError(t, json.Unmarshal(res.Summary.ImportGraph, &imports))
		require.NoError(t, json.Unmarshal(res.Summary.InheritanceGraph, &inherit))
		assert.Equal(t, []string{"A.sol", "B.sol"}, imports.Nodes)
		require.Len(t, imports.Edges, 1)
		assert.Equal(t, "B.sol", imports.Edges[0].From)
		assert.Equal(t, "A.sol", imports.Edges[0].To)
		require.Len(t, inherit.Edges, 1)
		assert.Equal(t, "B", inherit.Edges[0].From)
		var ast struct {
			Contracts []struct {
				Name           string
				Bases          []string
				Functions      int
				StateVariables int
			}
		}
		require.NoError(t, json.Unmarshal(res.Summary.ASTSummary, &ast))
		require.Len(t, ast.Contracts, 2)
		assert.Equal(t, 1, ast.Contracts[0].Functions)
		assert.Equal(t, 1, ast.Contracts[0].StateVariables)
		assert.Equal(t, []string{"A"}, ast.Contracts[1].Bases)
	})
	t.Run("a project without Solidity is refused", func(t *testing.T) {
		_, err := pipeline.Parse(tools.Sources{{Path: "foundry.toml", Content: []byte("[profile.default]\n")}}, nil, t.TempDir())
		assert.ErrorContains(t, err, "no .sol file")
	})
}

func TestSelectTools(t *testing.T) {
	enabled := []string{"solsec", "slither", "mythril"}
	for _, tc := range []struct {
		name      string
		requested []string
		want      []string
	}{
		{"an analysis that names no tool gets every enabled one", nil, enabled},
		{"named tools come in the enabled order", []string{"mythril", "solsec"}, []string{"solsec", "mythril"}},
		{"tools that are not enabled are left out", []string{"echidna", "slither"}, []string{"slither"}},
		{"nothing enabled among the names leaves nothing", []string{"echidna"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, pipeline.SelectTools(tc.requested, enabled))
		})
	}
}

func TestLoadSources(t *testing.T) {
	ctx := context.Background()
	store, err := localdir.New(t.TempDir(), localdir.Options{})
	require.NoError(t, err)

	t.Run("sources encoded as the API stores them read back byte for byte", func(t *testing.T) {
		b, err := upload.FromFiles([]upload.File{
			{Name: "src/A.sol", Data: []byte("pragma solidity ^0.8.0;\ncontract A {}\n")},
			{Name: "remappings.txt", Data: []byte("oz/=lib/oz/\n")},
		}, upload.Limits{})
		require.NoError(t, err)
		data, err := pipeline.EncodeSources(b)
		require.NoError(t, err)
		again, err := pipeline.EncodeSources(b)
		require.NoError(t, err)
		assert.Equal(t, data, again, "the same sources always give the same bytes")
		key := pipeline.SourcesKey("org", b.Hash)
		require.NoError(t, store.Put(ctx, key, bytes.NewReader(data)))

		src, err := pipeline.LoadSources(ctx, store, key)
		require.NoError(t, err)
		require.Len(t, src, 2)
		for _, s := range src {
			assert.Equal(t, b.Files[s.Path], s.Content, s.Path)
		}
	})
	t.Run("a missing object is blob.ErrNotFound", func(t *testing.T) {
		_, err := pipeline.LoadSources(ctx, store, "orgs/org/sources/missing.zip")
		assert.ErrorIs(t, err, blob.ErrNotFound)
	})
	t.Run("an object that escapes the project is refused as the API would", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.Create("../evil.sol")
		require.NoError(t, err)
		_, err = w.Write([]byte("contract Evil {}"))
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		require.NoError(t, store.Put(ctx, "orgs/org/sources/evil.zip", bytes.NewReader(buf.Bytes())))
		_, err = pipeline.LoadSources(ctx, store, "orgs/org/sources/evil.zip")
		var rejected *upload.Error
		assert.ErrorAs(t, err, &rejected)
	})
}
