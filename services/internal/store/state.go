package store

// AnalysisState is where an analysis is in the pipeline.
type AnalysisState string

// The states of an analysis. The happy path is queued → parsing → analysing
// → scoring → completed; any state that has not ended may move to failed or
// cancelled. Completed, failed and cancelled are terminal.
const (
	StateQueued    AnalysisState = "queued"
	StateParsing   AnalysisState = "parsing"
	StateAnalysing AnalysisState = "analysing"
	StateScoring   AnalysisState = "scoring"
	StateCompleted AnalysisState = "completed"
	StateFailed    AnalysisState = "failed"
	StateCancelled AnalysisState = "cancelled"
)

// AnalysisStates lists every state in pipeline order.
var AnalysisStates = []AnalysisState{
	StateQueued, StateParsing, StateAnalysing, StateScoring, StateCompleted, StateFailed, StateCancelled,
}

// next is the one forward step from each running state.
var next = map[AnalysisState]AnalysisState{
	StateQueued:    StateParsing,
	StateParsing:   StateAnalysing,
	StateAnalysing: StateScoring,
	StateScoring:   StateCompleted,
}

// Valid reports whether s is one of the seven states.
func (s AnalysisState) Valid() bool {
	switch s {
	case StateQueued, StateParsing, StateAnalysing, StateScoring, StateCompleted, StateFailed, StateCancelled:
		return true
	}
	return false
}

// Terminal reports whether no transition leaves s.
func (s AnalysisState) Terminal() bool {
	return s == StateCompleted || s == StateFailed || s == StateCancelled
}

// CanTransition reports whether the state machine allows from → to. Steps
// are never skipped, even on a cache hit: the pipeline walks the states so
// that every analysis records the same timestamps and progress events.
func CanTransition(from, to AnalysisState) bool {
	if !from.Valid() || !to.Valid() || from.Terminal() {
		return false
	}
	if to == StateFailed || to == StateCancelled {
		return true
	}
	return next[from] == to
}

// CheckTransition returns nil when from → to is allowed and an
// *InvalidTransitionError otherwise.
func CheckTransition(from, to AnalysisState) error {
	if CanTransition(from, to) {
		return nil
	}
	return &InvalidTransitionError{From: from, To: to}
}

// ToolRunState is where one tool's run of an analysis is.
type ToolRunState string

// The states of a tool run. Unavailable means the tool's binary is missing
// on the worker, which is reported rather than treated as a failure.
const (
	ToolRunQueued      ToolRunState = "queued"
	ToolRunRunning     ToolRunState = "running"
	ToolRunSucceeded   ToolRunState = "succeeded"
	ToolRunFailed      ToolRunState = "failed"
	ToolRunUnavailable ToolRunState = "unavailable"
	ToolRunCancelled   ToolRunState = "cancelled"
)

// Valid reports whether s is a known tool run state.
func (s ToolRunState) Valid() bool {
	switch s {
	case ToolRunQueued, ToolRunRunning, ToolRunSucceeded, ToolRunFailed, ToolRunUnavailable, ToolRunCancelled:
		return true
	}
	return false
}

// Ended reports whether the run will not change any more.
func (s ToolRunState) Ended() bool {
	return s != ToolRunQueued && s != ToolRunRunning
}

// Role is what a user or API key may do within its organisation.
type Role string

// Roles, most privileged first. Viewers read; analysts also upload and
// triage; admins also manage keys, users and the organisation.
const (
	RoleAdmin   Role = "admin"
	RoleAnalyst Role = "analyst"
	RoleViewer  Role = "viewer"
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleAnalyst || r == RoleViewer
}

// FindingStatus is a finding's triage status.
type FindingStatus string

// Finding statuses. Every finding starts open; triage moves it to any other
// status, including back to open.
const (
	StatusOpen          FindingStatus = "open"
	StatusConfirmed     FindingStatus = "confirmed"
	StatusFalsePositive FindingStatus = "false_positive"
	StatusFixed         FindingStatus = "fixed"
	StatusSuppressed    FindingStatus = "suppressed"
)

// Valid reports whether s is a known status.
func (s FindingStatus) Valid() bool {
	switch s {
	case StatusOpen, StatusConfirmed, StatusFalsePositive, StatusFixed, StatusSuppressed:
		return true
	}
	return false
}

// Verdict is what a status says about the detector that reported the
// finding: +1 a true positive (confirmed, or fixed, since nobody fixes a
// non-issue), -1 a false positive, 0 no judgement (open, or suppressed,
// which accepts a risk without saying whether it is real).
func (s FindingStatus) Verdict() int {
	switch s {
	case StatusConfirmed, StatusFixed:
		return 1
	case StatusFalsePositive:
		return -1
	}
	return 0
}
