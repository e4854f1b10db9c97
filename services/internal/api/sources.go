package api

import (
	"bytes"
	"context"
	"fmt"

	"github.com/solsec/platform/services/internal/pipeline"
	"github.com/solsec/platform/services/internal/upload"
)

// putSources stores an accepted upload's sources in object storage under
// pipeline.SourcesKey, in pipeline.EncodeSources' form (an uncompressed zip
// of the files in path order with a fixed timestamp), which the pipeline's
// workers read back with pipeline.LoadSources. The key is content-addressed,
// so a retried upload, or two uploads of the same sources, store one object.
func (s *Server) putSources(ctx context.Context, key string, b *upload.Bundle) error {
	packed, err := pipeline.EncodeSources(b)
	if err != nil {
		return err
	}
	if err := s.blobs.Put(ctx, key, bytes.NewReader(packed)); err != nil {
		return fmt.Errorf("store sources: %w", err)
	}
	return nil
}
