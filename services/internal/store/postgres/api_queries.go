package postgres

import (
	"context"
	"fmt"

	"github.com/solsec/platform/services/internal/store"
)

// FindAnalysisByIdempotencyKey returns the organisation's analysis created
// with an idempotency key. The API looks the key up before anything else, so
// that a retried upload is answered with its first analysis even when the
// result cache would also have an answer, and a key reused for other sources
// is refused before the sources are stored anywhere.
func (q *queries) FindAnalysisByIdempotencyKey(ctx context.Context, orgID, key string) (store.Analysis, error) {
	if !validID(orgID) || key == "" {
		return store.Analysis{}, fmt.Errorf("find analysis by idempotency key: %w", store.ErrNotFound)
	}
	a, err := scanAnalysis(q.db.QueryRow(ctx,
		`SELECT `+analysisColumns+` FROM analyses WHERE org_id = $1 AND idempotency_key = $2`, orgID, key))
	return a, mapErr(err, "find analysis by idempotency key")
}

// FindProjectByName returns the organisation's project of that name. The
// API looks a project up before creating it: EnsureProject's upsert locks
// the project's row until the transaction ends, which would serialise every
// concurrent upload to the same project behind one another.
func (q *queries) FindProjectByName(ctx context.Context, orgID, name string) (store.Project, error) {
	if !validID(orgID) {
		return store.Project{}, fmt.Errorf("find project: %w", store.ErrNotFound)
	}
	p, err := scanProject(q.db.QueryRow(ctx,
		`SELECT `+projectColumns+` FROM projects WHERE org_id = $1 AND name = $2`, orgID, name))
	return p, mapErr(err, "find project")
}
