package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/blob/localdir"
	"github.com/solsec/platform/services/internal/pipeline"
)

// TestThePipelineReadsTheStoredSources checks the hand-over to the
// contract parser: what an upload stores is what pipeline.LoadSources
// reads, under the key the analysis names.
func TestThePipelineReadsTheStoredSources(t *testing.T) {
	e := newEnv(t)
	ct, body := multipartBody(t, [][2]string{
		{"src/Vault.sol", "pragma solidity ^0.8.0;\nimport \"./Lib.sol\";\ncontract Vault {}\n"},
		{"src/Lib.sol", "pragma solidity ^0.8.0;\nlibrary Lib {}\n"},
	}, nil)
	r := e.do(req{method: http.MethodPost, path: "/v1/analyses", cred: e.a.key, contentType: ct, body: body})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)

	a, err := e.store.GetAnalysis(context.Background(), e.a.org.ID, r.json(t)["id"].(string))
	require.NoError(t, err)
	assert.Equal(t, pipeline.SourcesKey(e.a.org.ID, a.SourceHash), a.BlobKey)
	blobs, err := localdir.New(e.blobDir, localdir.Options{})
	require.NoError(t, err)
	src, err := pipeline.LoadSources(context.Background(), blobs, a.BlobKey)
	require.NoError(t, err)
	var paths []string
	for _, s := range src {
		paths = append(paths, s.Path)
	}
	assert.Equal(t, []string{"src/Lib.sol", "src/Vault.sol"}, paths)
}
