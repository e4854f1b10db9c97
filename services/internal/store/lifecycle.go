package store

import (
	"context"
	"io"
	"time"
)

// Lifecycle is what the data service needs beyond Store: retention,
// export and erasure. It is separate because no request path of the API
// may reach it.
type Lifecycle interface {
	// ExpiredAnalyses returns up to limit finished analyses of the
	// organisation that finished before cutoff, oldest first.
	ExpiredAnalyses(ctx context.Context, orgID string, cutoff time.Time, limit int) ([]Analysis, error)
	// ExportAnalysis gathers everything stored about one analysis.
	ExportAnalysis(ctx context.Context, orgID, analysisID string) (AnalysisExport, error)
	// PurgeAnalysis deletes an analysis and what hangs off it, and the
	// findings no other analysis still reports.
	PurgeAnalysis(ctx context.Context, orgID, analysisID, actor string) (PurgeResult, error)
	// ExportOrganization writes all of the organisation's data as one JSON
	// document, from one consistent snapshot.
	ExportOrganization(ctx context.Context, orgID string, w io.Writer) error
	// BlobKeys lists the object-storage keys the organisation's rows name.
	BlobKeys(ctx context.Context, orgID string) ([]string, error)
	// EraseOrganization deletes every row of the organisation and replaces
	// its audit log by one anonymised tombstone.
	EraseOrganization(ctx context.Context, orgID, actor string) (ErasureReport, error)
}

// ExportVersion is the version of the export and archive formats.
const ExportVersion = 1

// AnalysisExport is one analysis with everything attached to it, the
// document retention archives before purging.
type AnalysisExport struct {
	Format       string           `json:"format"`
	Version      int              `json:"version"`
	ExportedAt   time.Time        `json:"exportedAt"`
	Analysis     Analysis         `json:"analysis"`
	ParseSummary *ParseSummary    `json:"parseSummary,omitempty"`
	Findings     []Finding        `json:"findings"`
	Triage       []TriageDecision `json:"triage"`
}

// PurgeResult says what PurgeAnalysis deleted.
type PurgeResult struct {
	// BlobKey is the purged analysis' sources, for the caller to delete
	// from object storage.
	BlobKey         string `json:"blobKey"`
	FindingsDeleted int64  `json:"findingsDeleted"`
}

// ErasureReport counts what EraseOrganization deleted; it is also the
// content of the tombstone left in the audit log.
type ErasureReport struct {
	OrgID   string           `json:"orgId"`
	Deleted map[string]int64 `json:"deleted"`
	// AuditEntriesRemoved and the two times describe the erased audit log
	// without repeating any of it.
	AuditEntriesRemoved int64      `json:"auditEntriesRemoved"`
	FirstAuditAt        *time.Time `json:"firstAuditAt,omitempty"`
	LastAuditAt         *time.Time `json:"lastAuditAt,omitempty"`
	ErasedAt            time.Time  `json:"erasedAt"`
}
