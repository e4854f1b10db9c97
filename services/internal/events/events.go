// Package events is the analysis status event model and its transport.
//
// The pipeline publishes an Event at every step of an analysis (queued, each
// state change, progress, each tool run, the terminal state); the
// notification service delivers them to browsers over WebSocket and to
// webhooks. Publishing is best effort by design: the analysis is the
// product, its events are a view of it, so a Publisher bounds every call with
// a short timeout and returns an error the caller logs instead of waiting for
// Redis to come back.
//
// Every event gets an ID from the transport that increases monotonically per
// organisation. A client that remembers the last ID it saw can reconnect and
// ask for everything after it (Subscriber.History), then switch to the live
// feed (Subscriber.Live), dropping any event whose ID it has already seen.
package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Type names what happened. The values are part of the public WebSocket and
// webhook contract: never rename one.
type Type string

// The event types the pipeline publishes.
const (
	AnalysisQueued       Type = "analysis.queued"
	AnalysisStateChanged Type = "analysis.state_changed"
	AnalysisProgress     Type = "analysis.progress"
	ToolRunStarted       Type = "tool_run.started"
	ToolRunFinished      Type = "tool_run.finished"
	AnalysisCompleted    Type = "analysis.completed"
	AnalysisFailed       Type = "analysis.failed"
	AnalysisCancelled    Type = "analysis.cancelled"
)

// Types lists every event type, in the order an analysis meets them.
var Types = []Type{
	AnalysisQueued, AnalysisStateChanged, AnalysisProgress, ToolRunStarted,
	ToolRunFinished, AnalysisCompleted, AnalysisFailed, AnalysisCancelled,
}

// Valid reports whether t is one of the published types.
func (t Type) Valid() bool {
	for _, v := range Types {
		if t == v {
			return true
		}
	}
	return false
}

// Terminal reports whether t ends an analysis; these are the events
// webhooks are sent for.
func (t Type) Terminal() bool {
	return t == AnalysisCompleted || t == AnalysisFailed || t == AnalysisCancelled
}

// MaxDataBytes bounds Event.Data. Events travel through Redis to every
// notification replica and every connected browser; anything bigger belongs
// in the store and is fetched through the API.
const MaxDataBytes = 4096

// Event is one thing that happened to an analysis.
type Event struct {
	// ID is assigned by the transport when the event is published: a Redis
	// stream entry ID ("<milliseconds>-<sequence>"), increasing per
	// organisation. Clients resume after it.
	ID         string `json:"id,omitempty"`
	OrgID      string `json:"orgId"`
	AnalysisID string `json:"analysisId"`
	Type       Type   `json:"type"`
	// State is the analysis state after the event (store.AnalysisState
	// values; a string here so that this package imports nothing of the
	// store).
	State string `json:"state,omitempty"`
	// Progress is a percentage, 0 to 100.
	Progress int `json:"progress"`
	// Tool names the tool of tool_run.* events.
	Tool string `json:"tool,omitempty"`
	// Data is small, type-specific JSON (a tool run's outcome and duration,
	// a failure's reason, finding counts on completion); at most
	// MaxDataBytes.
	Data json.RawMessage `json:"data,omitempty"`
	// Time is when the event happened; Publish sets it when zero.
	Time time.Time `json:"time"`
}

// Validate checks what a subscriber relies on: the organisation and analysis
// that scope the event, a known type, a progress percentage and small,
// well-formed data.
func (e Event) Validate() error {
	var errs []error
	if e.OrgID == "" {
		errs = append(errs, errors.New("orgId is empty"))
	}
	if e.AnalysisID == "" {
		errs = append(errs, errors.New("analysisId is empty"))
	}
	if !e.Type.Valid() {
		errs = append(errs, fmt.Errorf("type %q is not one of %v", e.Type, Types))
	}
	if e.Progress < 0 || e.Progress > 100 {
		errs = append(errs, fmt.Errorf("progress %d is outside 0..100", e.Progress))
	}
	if len(e.Data) > MaxDataBytes {
		errs = append(errs, fmt.Errorf("data is %d bytes, more than %d", len(e.Data), MaxDataBytes))
	} else if len(e.Data) > 0 && !json.Valid(e.Data) {
		errs = append(errs, errors.New("data is not valid JSON"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid event: %w", errors.Join(errs...))
	}
	return nil
}

// ID is a parsed event ID, ordered as Redis orders stream entries.
type ID struct {
	Ms, Seq uint64
}

// ZeroID is before every event: resuming after it replays everything
// retained.
var ZeroID = ID{}

// ParseID parses "<ms>-<seq>"; "0" and "<ms>" alone are accepted as Redis
// accepts them, with sequence 0.
func ParseID(s string) (ID, error) {
	msPart, seqPart, hasSeq := strings.Cut(s, "-")
	ms, err := strconv.ParseUint(msPart, 10, 64)
	if err != nil {
		return ID{}, fmt.Errorf("event id %q: want <milliseconds>-<sequence>", s)
	}
	var seq uint64
	if hasSeq {
		if seq, err = strconv.ParseUint(seqPart, 10, 64); err != nil {
			return ID{}, fmt.Errorf("event id %q: want <milliseconds>-<sequence>", s)
		}
	}
	return ID{Ms: ms, Seq: seq}, nil
}

// String formats the ID as Redis does.
func (id ID) String() string {
	return strconv.FormatUint(id.Ms, 10) + "-" + strconv.FormatUint(id.Seq, 10)
}

// Compare returns -1, 0 or +1 as id is before, equal to or after other.
func (id ID) Compare(other ID) int {
	switch {
	case id.Ms < other.Ms:
		return -1
	case id.Ms > other.Ms:
		return 1
	case id.Seq < other.Seq:
		return -1
	case id.Seq > other.Seq:
		return 1
	}
	return 0
}

// Time is when Redis assigned the ID (its millisecond part).
func (id ID) Time() time.Time { return time.UnixMilli(int64(id.Ms)) }
