package pipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"path"
	"time"

	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/tools"
	"github.com/solsec/platform/services/internal/upload"
)

// SourcesKey is where the API stores an upload's sources: by organisation
// and source hash, so byte-identical uploads share one object. It matches
// the API's own key (api.SourcesKey); the pipeline only ever reads the key
// recorded on the analysis (Analysis.BlobKey).
func SourcesKey(orgID, sourceHash string) string {
	return "orgs/" + orgID + "/sources/" + sourceHash + ".zip"
}

// ResultKey is where a tool's raw result for one analysis is kept: the
// tools.Result as JSON, findings in the engine's model.
func ResultKey(orgID, analysisID, tool string) string {
	return "orgs/" + orgID + "/analyses/" + analysisID + "/tools/" + tool + ".json"
}

// sourceLimits bound what the pipeline reads back from object storage. The
// API accepted the upload under its own limits; these are four times the
// defaults so that an API configured more generously than the default is
// still read, while a corrupt or hostile object is still refused.
var sourceLimits = func() upload.Limits {
	l := upload.DefaultLimits()
	l.MaxUploadBytes *= 4
	l.MaxFiles *= 4
	l.MaxEntries *= 4
	l.MaxFileBytes *= 4
	l.MaxTotalBytes *= 4
	return l
}()

// EncodeSources writes a bundle as the API stores it: a zip of its files in
// path order, stored uncompressed with a fixed timestamp, so the same
// sources always give the same bytes (api.EncodeBundle writes the same
// form; the pipeline cannot import the API, which imports the pipeline).
func EncodeSources(b *upload.Bundle) ([]byte, error) {
	var buf bytes.Buffer
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

// LoadSources reads an analysis' sources from object storage. They are
// read back through package upload, the same validation the API applied
// (paths, links, sizes): the worker does not trust storage to hold what
// was validated. A missing object wraps blob.ErrNotFound.
func LoadSources(ctx context.Context, blobs blob.Store, key string) (tools.Sources, error) {
	data, err := blob.ReadAll(ctx, blobs, key)
	if err != nil {
		return nil, fmt.Errorf("fetch sources %s: %w", key, err)
	}
	b, err := upload.Read(path.Base(key), bytes.NewReader(data), sourceLimits)
	if err != nil {
		return nil, fmt.Errorf("read sources %s: %w", key, err)
	}
	src := make(tools.Sources, 0, len(b.Files))
	for _, p := range b.Paths() {
		src = append(src, tools.Source{Path: p, Content: b.Files[p]})
	}
	if err := src.Validate(); err != nil {
		return nil, fmt.Errorf("read sources %s: %w", key, err)
	}
	return src, nil
}
