package store

import (
	"encoding/json"
	"time"

	"github.com/solsec/platform/services/internal/findings"
)

// Organization is a tenant.
type Organization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// RetentionDays is how long finished analyses are kept before they are
	// archived to object storage and purged; 0 keeps them forever.
	RetentionDays int       `json:"retentionDays"`
	CreatedAt     time.Time `json:"createdAt"`
}

// NewOrganization is what CreateOrganization needs.
type NewOrganization struct {
	Name          string
	RetentionDays int
}

// User is a person who signs in to an organisation.
type User struct {
	ID    string `json:"id"`
	OrgID string `json:"orgId"`
	// Email is stored lower-cased; it is unique across organisations
	// because it is what a login names.
	Email        string    `json:"email"`
	PasswordHash string    `json:"-"`
	Role         Role      `json:"role"`
	CreatedAt    time.Time `json:"createdAt"`
}

// NewUser is what CreateUser needs. PasswordHash is already hashed by the
// caller (the store never sees a password); empty for users who sign in
// through an external identity provider.
type NewUser struct {
	Email        string
	PasswordHash string
	Role         Role
}

// APIKey is a credential for CI. A client presents "<KeyID>.<secret>"; the
// store keeps only the SHA-256 of the secret.
type APIKey struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"orgId"`
	KeyID      string     `json:"keyId"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	SecretHash []byte     `json:"-"`
	CreatedBy  string     `json:"createdBy,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// Active reports whether the key may still authenticate.
func (k APIKey) Active() bool { return k.RevokedAt == nil }

// NewAPIKey is what CreateAPIKey needs. SecretHash is sha256.Sum256 of the
// secret part; CreatedBy is a user id or empty.
type NewAPIKey struct {
	KeyID      string
	Name       string
	Role       Role
	SecretHash []byte
	CreatedBy  string
}

// Project groups the analyses of one code base; findings are unique per
// project by fingerprint, so their triage carries over between analyses.
type Project struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"orgId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Analysis is one run of the pipeline over one upload.
type Analysis struct {
	ID        string        `json:"id"`
	OrgID     string        `json:"orgId"`
	ProjectID string        `json:"projectId"`
	State     AnalysisState `json:"state"`
	// Progress is a percentage, 0 to 100.
	Progress int `json:"progress"`
	// SourceHash identifies the uploaded sources byte for byte; analyses of
	// the same hash share results (FindCompletedAnalysisBySourceHash).
	SourceHash     string `json:"sourceHash"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// BlobKey names the uploaded sources in object storage.
	BlobKey    string   `json:"blobKey"`
	EntryFiles []string `json:"entryFiles"`
	Remappings []string `json:"remappings"`
	// Tools are the tools requested for this analysis; empty means every
	// enabled tool.
	Tools     []string `json:"tools"`
	Error     string   `json:"error,omitempty"`
	CreatedBy string   `json:"createdBy,omitempty"`

	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	QueuedAt    time.Time  `json:"queuedAt"`
	ParsingAt   *time.Time `json:"parsingAt,omitempty"`
	AnalysingAt *time.Time `json:"analysingAt,omitempty"`
	ScoringAt   *time.Time `json:"scoringAt,omitempty"`
	// FinishedAt is when the analysis reached completed, failed or cancelled.
	FinishedAt *time.Time `json:"finishedAt,omitempty"`

	// ToolRuns is filled by GetAnalysis, ordered by tool name.
	ToolRuns []ToolRun `json:"toolRuns,omitempty"`
}

// NewAnalysis is what CreateAnalysis needs.
type NewAnalysis struct {
	ProjectID  string
	SourceHash string
	// IdempotencyKey, when set, makes a repeated create with the same key
	// return the first analysis instead of a new one.
	IdempotencyKey string
	BlobKey        string
	EntryFiles     []string
	Remappings     []string
	Tools          []string
	CreatedBy      string
}

// Transition asks TransitionAnalysis to move an analysis from one state to
// another, compare-and-set style.
type Transition struct {
	From, To AnalysisState
	// Progress, when not nil, is stored with the transition; entering
	// completed sets 100 regardless.
	Progress *int
	// Error is recorded on failed (and may explain a cancel).
	Error string
}

// AnalysisFilter narrows ListAnalyses. Zero fields do not filter.
type AnalysisFilter struct {
	ProjectID string
	States    []AnalysisState
	// Limit is the page size; 0 means DefaultPageSize, and it is capped at
	// MaxPageSize.
	Limit int
	// Cursor is the NextCursor of the previous page, or empty for the first.
	Cursor string
}

// Page is one page of a keyset-paginated list, newest or most severe first.
// NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// Page sizes for list methods.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// ToolRun is one tool's run over one analysis. There is one row per
// (analysis, tool); a retry updates it and increments Attempt.
type ToolRun struct {
	ID         string        `json:"id"`
	AnalysisID string        `json:"analysisId"`
	Tool       string        `json:"tool"`
	State      ToolRunState  `json:"state"`
	Attempt    int           `json:"attempt"`
	StartedAt  *time.Time    `json:"startedAt,omitempty"`
	FinishedAt *time.Time    `json:"finishedAt,omitempty"`
	Duration   time.Duration `json:"durationNs"`
	Error      string        `json:"error,omitempty"`
	// Version is the tool's own version string, for reproducibility.
	Version   string    `json:"version,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ParseSummary is what the contract parser learnt about an analysis'
// sources. The shapes belong to the parser; the store keeps them as JSON.
type ParseSummary struct {
	AnalysisID       string          `json:"analysisId"`
	SourceFiles      json.RawMessage `json:"sourceFiles"`
	ASTSummary       json.RawMessage `json:"astSummary"`
	ImportGraph      json.RawMessage `json:"importGraph"`
	InheritanceGraph json.RawMessage `json:"inheritanceGraph"`
	UpdatedAt        time.Time       `json:"updatedAt"`
}

// Evidence is what one tool said about a finding; the intelligence engine
// keeps every tool's evidence when it merges duplicates.
type Evidence struct {
	Tool       string              `json:"tool"`
	Detector   string              `json:"detector"`
	Severity   findings.Severity   `json:"severity,omitempty"`
	Confidence findings.Confidence `json:"confidence,omitempty"`
	Message    string              `json:"message,omitempty"`
	Locations  []findings.Location `json:"locations,omitempty"`
	// Raw is the tool's native record, when worth keeping.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// Finding is a finding as stored: the engine's model plus where it belongs,
// which tools reported it, its score and its triage status.
type Finding struct {
	findings.Finding
	ID              string `json:"id"`
	OrgID           string `json:"orgId"`
	ProjectID       string `json:"projectId"`
	FirstAnalysisID string `json:"firstAnalysisId"`
	LastAnalysisID  string `json:"lastAnalysisId"`
	// File is the primary location's file, kept apart for filtering.
	File      string        `json:"file"`
	Tools     []string      `json:"tools"`
	Score     float64       `json:"score"`
	Evidence  []Evidence    `json:"evidence"`
	Status    FindingStatus `json:"status"`
	CreatedAt time.Time     `json:"createdAt"`
	UpdatedAt time.Time     `json:"updatedAt"`
}

// NewFinding is one finding the pipeline stores for an analysis. The
// finding must have a fingerprint (findings.Report.Normalize sets it).
type NewFinding struct {
	findings.Finding
	// Tools are the tools that reported it; when empty, the tools named by
	// Evidence are used.
	Tools    []string
	Score    float64
	Evidence []Evidence
}

// FindingFilter narrows ListFindings. Zero fields do not filter.
type FindingFilter struct {
	AnalysisID string
	ProjectID  string
	Severities []findings.Severity
	Detector   string
	Tool       string
	Statuses   []FindingStatus
	File       string
	Limit      int
	Cursor     string
}

// Triage is one triage request.
type Triage struct {
	FindingID string
	// UserID is the deciding user, or empty for an API key; Actor is what
	// the audit log records either way (a user id or "apikey:<key id>").
	UserID   string
	Actor    string
	Decision FindingStatus
	Reason   string
}

// TriageDecision is one recorded triage.
type TriageDecision struct {
	ID        string        `json:"id"`
	FindingID string        `json:"findingId"`
	UserID    string        `json:"userId,omitempty"`
	Decision  FindingStatus `json:"decision"`
	Previous  FindingStatus `json:"previous"`
	Reason    string        `json:"reason,omitempty"`
	CreatedAt time.Time     `json:"createdAt"`
}

// DetectorStat is the triage record of one tool's detector: how often its
// findings were confirmed and how often they were false positives, across
// every organisation.
type DetectorStat struct {
	Tool           string    `json:"tool"`
	Detector       string    `json:"detector"`
	Confirmed      int64     `json:"confirmed"`
	FalsePositives int64     `json:"falsePositives"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID     int64  `json:"id"`
	OrgID  string `json:"orgId"`
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Target string `json:"target,omitempty"`
	// Details is any JSON object; nil is stored as {}.
	Details   json.RawMessage `json:"details,omitempty"`
	CreatedAt time.Time       `json:"createdAt"`
}

// AuditFilter pages through an organisation's audit log, newest first.
type AuditFilter struct {
	Action string
	Limit  int
	Cursor string
}
