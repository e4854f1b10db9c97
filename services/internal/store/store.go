package store

import "context"

// Store is everything the services read and write. Implementations must
// scope every tenant method by the organisation id given.
type Store interface {
	CreateOrganization(ctx context.Context, in NewOrganization) (Organization, error)
	GetOrganization(ctx context.Context, orgID string) (Organization, error)
	ListOrganizations(ctx context.Context) ([]Organization, error)
	SetRetention(ctx context.Context, orgID string, days int) error

	CreateUser(ctx context.Context, orgID string, in NewUser) (User, error)
	GetUser(ctx context.Context, orgID, userID string) (User, error)
	// GetUserByEmail is unscoped: a login names no organisation.
	GetUserByEmail(ctx context.Context, email string) (User, error)
	ListUsers(ctx context.Context, orgID string) ([]User, error)

	CreateAPIKey(ctx context.Context, orgID string, in NewAPIKey) (APIKey, error)
	// GetAPIKeyByKeyID is unscoped: the key is what names the organisation.
	GetAPIKeyByKeyID(ctx context.Context, keyID string) (APIKey, error)
	ListAPIKeys(ctx context.Context, orgID string) ([]APIKey, error)
	TouchAPIKey(ctx context.Context, orgID, id string) error
	RevokeAPIKey(ctx context.Context, orgID, id string) (APIKey, error)

	CreateProject(ctx context.Context, orgID, name string) (Project, error)
	EnsureProject(ctx context.Context, orgID, name string) (Project, error)
	GetProject(ctx context.Context, orgID, projectID string) (Project, error)
	ListProjects(ctx context.Context, orgID string) ([]Project, error)

	CreateAnalysis(ctx context.Context, orgID string, in NewAnalysis) (a Analysis, created bool, err error)
	GetAnalysis(ctx context.Context, orgID, analysisID string) (Analysis, error)
	ListAnalyses(ctx context.Context, orgID string, f AnalysisFilter) (Page[Analysis], error)
	TransitionAnalysis(ctx context.Context, orgID, analysisID string, t Transition) (Analysis, error)
	SetAnalysisProgress(ctx context.Context, orgID, analysisID string, progress int) error
	FindCompletedAnalysisBySourceHash(ctx context.Context, orgID, sourceHash string) (Analysis, error)

	UpsertToolRun(ctx context.Context, orgID string, run ToolRun) (ToolRun, error)
	ListToolRuns(ctx context.Context, orgID, analysisID string) ([]ToolRun, error)

	SaveParseSummary(ctx context.Context, orgID string, s ParseSummary) error
	GetParseSummary(ctx context.Context, orgID, analysisID string) (ParseSummary, error)

	InsertFindings(ctx context.Context, orgID, analysisID string, fs []NewFinding) ([]Finding, error)
	GetFinding(ctx context.Context, orgID, findingID string) (Finding, error)
	ListFindings(ctx context.Context, orgID string, f FindingFilter) (Page[Finding], error)
	TriageFinding(ctx context.Context, orgID string, t Triage) (Finding, TriageDecision, error)
	ListTriageDecisions(ctx context.Context, orgID, findingID string) ([]TriageDecision, error)

	GetDetectorStat(ctx context.Context, tool, detector string) (DetectorStat, error)
	ListDetectorStats(ctx context.Context) ([]DetectorStat, error)

	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	ListAudit(ctx context.Context, orgID string, f AuditFilter) (Page[AuditEntry], error)
}
