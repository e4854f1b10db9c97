package store

import (
	"errors"
	"fmt"
)

// ErrNotFound reports that no row matches, including rows that exist but
// belong to another organisation: callers cannot tell the two apart, which
// is what keeps tenants from probing each other's ids.
var ErrNotFound = errors.New("store: not found")

// ErrConflict reports that a write contradicts existing data: a duplicate
// unique value, an idempotency key reused for different sources, or a
// compare-and-set whose expected state no longer holds.
var ErrConflict = errors.New("store: conflict")

// ErrInvalidTransition reports an analysis state change the state machine
// does not allow. The concrete error is *InvalidTransitionError.
var ErrInvalidTransition = errors.New("store: invalid analysis state transition")

// ErrInvalidInput reports an argument the store rejects before touching the
// database (an unknown role, a progress over 100, an empty name).
var ErrInvalidInput = errors.New("store: invalid input")

// InvalidTransitionError names the transition that was refused.
type InvalidTransitionError struct {
	From, To AnalysisState
}

func (e *InvalidTransitionError) Error() string {
	return fmt.Sprintf("store: invalid analysis state transition %s → %s", e.From, e.To)
}

// Is makes errors.Is(err, ErrInvalidTransition) true.
func (e *InvalidTransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// StateMismatchError reports that a transition expected the analysis in one
// state but found it in another, typically because a retried job or a
// concurrent cancel moved it first. It is a conflict, not an illegal edge.
type StateMismatchError struct {
	Expected, Actual AnalysisState
}

func (e *StateMismatchError) Error() string {
	return fmt.Sprintf("store: analysis is %s, expected %s", e.Actual, e.Expected)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *StateMismatchError) Is(target error) bool { return target == ErrConflict }

// invalid wraps ErrInvalidInput with a reason.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidInput, fmt.Sprintf(format, args...))
}
