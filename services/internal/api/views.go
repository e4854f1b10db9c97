package api

import (
	"time"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
)

// The JSON shapes of the API, kept apart from the store's types so that a
// change in the schema never changes the public contract by accident. Each
// is described in openapi.yaml under the same name.

type analysisView struct {
	ID             string              `json:"id"`
	ProjectID      string              `json:"projectId"`
	State          store.AnalysisState `json:"state"`
	Progress       int                 `json:"progress"`
	SourceHash     string              `json:"sourceHash"`
	IdempotencyKey string              `json:"idempotencyKey,omitempty"`
	EntryFiles     []string            `json:"entryFiles"`
	Remappings     []string            `json:"remappings"`
	Tools          []string            `json:"tools"`
	Error          string              `json:"error,omitempty"`
	CreatedBy      string              `json:"createdBy,omitempty"`
	CreatedAt      time.Time           `json:"createdAt"`
	UpdatedAt      time.Time           `json:"updatedAt"`
	QueuedAt       time.Time           `json:"queuedAt"`
	ParsingAt      *time.Time          `json:"parsingAt,omitempty"`
	AnalysingAt    *time.Time          `json:"analysingAt,omitempty"`
	ScoringAt      *time.Time          `json:"scoringAt,omitempty"`
	FinishedAt     *time.Time          `json:"finishedAt,omitempty"`
	ToolRuns       []toolRunView       `json:"toolRuns"`
}

type toolRunView struct {
	Tool       string             `json:"tool"`
	State      store.ToolRunState `json:"state"`
	Attempt    int                `json:"attempt"`
	StartedAt  *time.Time         `json:"startedAt,omitempty"`
	FinishedAt *time.Time         `json:"finishedAt,omitempty"`
	DurationMs int64              `json:"durationMs"`
	Error      string             `json:"error,omitempty"`
	Version    string             `json:"version,omitempty"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func viewAnalysis(a store.Analysis) analysisView {
	v := analysisView{
		ID: a.ID, ProjectID: a.ProjectID, State: a.State, Progress: a.Progress, SourceHash: a.SourceHash,
		IdempotencyKey: a.IdempotencyKey, EntryFiles: nonNil(a.EntryFiles), Remappings: nonNil(a.Remappings),
		Tools: nonNil(a.Tools), Error: a.Error, CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		QueuedAt: a.QueuedAt, ParsingAt: a.ParsingAt, AnalysingAt: a.AnalysingAt, ScoringAt: a.ScoringAt,
		FinishedAt: a.FinishedAt, ToolRuns: make([]toolRunView, 0, len(a.ToolRuns)),
	}
	for _, r := range a.ToolRuns {
		v.ToolRuns = append(v.ToolRuns, toolRunView{
			Tool: r.Tool, State: r.State, Attempt: r.Attempt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
			DurationMs: r.Duration.Milliseconds(), Error: r.Error, Version: r.Version,
		})
	}
	return v
}

type evidenceView struct {
	Tool       string              `json:"tool"`
	Detector   string              `json:"detector"`
	Severity   string              `json:"severity,omitempty"`
	Confidence string              `json:"confidence,omitempty"`
	Message    string              `json:"message,omitempty"`
	Locations  []findings.Location `json:"locations"`
}

type findingView struct {
	ID              string              `json:"id"`
	ProjectID       string              `json:"projectId"`
	FirstAnalysisID string              `json:"firstAnalysisId"`
	LastAnalysisID  string              `json:"lastAnalysisId"`
	Detector        string              `json:"detector"`
	Title           string              `json:"title"`
	Severity        string              `json:"severity"`
	Confidence      string              `json:"confidence"`
	SWC             string              `json:"swc,omitempty"`
	DASP            string              `json:"dasp,omitempty"`
	Description     string              `json:"description"`
	Recommendation  string              `json:"recommendation"`
	HelpURL         string              `json:"helpUrl,omitempty"`
	Message         string              `json:"message"`
	Contract        string              `json:"contract,omitempty"`
	Function        string              `json:"function,omitempty"`
	File            string              `json:"file"`
	Locations       []findings.Location `json:"locations"`
	Fingerprint     string              `json:"fingerprint"`
	Tools           []string            `json:"tools"`
	Score           float64             `json:"score"`
	Evidence        []evidenceView      `json:"evidence"`
	Status          store.FindingStatus `json:"status"`
	CreatedAt       time.Time           `json:"createdAt"`
	UpdatedAt       time.Time           `json:"updatedAt"`
	// Triage is the finding's triage history, oldest first; only GET
	// /v1/findings/{id} fills it.
	Triage []triageView `json:"triage,omitempty"`
}

func nameOf[T interface {
	Valid() bool
	String() string
}](v T) string {
	if !v.Valid() {
		return ""
	}
	return v.String()
}

func viewFinding(f store.Finding) findingView {
	v := findingView{
		ID: f.ID, ProjectID: f.ProjectID, FirstAnalysisID: f.FirstAnalysisID, LastAnalysisID: f.LastAnalysisID,
		Detector: f.Rule.ID, Title: f.Title, Severity: nameOf(f.Severity), Confidence: nameOf(f.Confidence),
		SWC: f.SWC, DASP: string(f.DASP), Description: f.Description, Recommendation: f.Recommendation,
		HelpURL: f.HelpURL, Message: f.Message, Contract: f.Contract, Function: f.Function, File: f.File,
		Locations: f.Locations, Fingerprint: f.Fingerprint, Tools: nonNil(f.Tools), Score: f.Score,
		Evidence: make([]evidenceView, 0, len(f.Evidence)), Status: f.Status, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
	}
	if v.Locations == nil {
		v.Locations = []findings.Location{}
	}
	for _, e := range f.Evidence {
		ev := evidenceView{Tool: e.Tool, Detector: e.Detector, Severity: nameOf(e.Severity),
			Confidence: nameOf(e.Confidence), Message: e.Message, Locations: e.Locations}
		if ev.Locations == nil {
			ev.Locations = []findings.Location{}
		}
		v.Evidence = append(v.Evidence, ev)
	}
	return v
}

type triageView struct {
	ID        string              `json:"id"`
	Decision  store.FindingStatus `json:"decision"`
	Previous  store.FindingStatus `json:"previous"`
	Reason    string              `json:"reason,omitempty"`
	UserID    string              `json:"userId,omitempty"`
	CreatedAt time.Time           `json:"createdAt"`
}

func viewTriage(d store.TriageDecision) triageView {
	return triageView{ID: d.ID, Decision: d.Decision, Previous: d.Previous, Reason: d.Reason, UserID: d.UserID, CreatedAt: d.CreatedAt}
}

type apiKeyView struct {
	ID         string     `json:"id"`
	KeyID      string     `json:"keyId"`
	Name       string     `json:"name"`
	Role       store.Role `json:"role"`
	CreatedBy  string     `json:"createdBy,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

func viewAPIKey(k store.APIKey) apiKeyView {
	return apiKeyView{ID: k.ID, KeyID: k.KeyID, Name: k.Name, Role: k.Role, CreatedBy: k.CreatedBy,
		CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}
