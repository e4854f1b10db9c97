package intel

import (
	"context"
	"fmt"
)

// Engine runs the whole intelligence step: merge, filter, score.
type Engine struct {
	// Store holds the triage counts; nil scores every detector by its
	// prior alone.
	Store PrecisionStore
	// Model is the scoring model; the zero value means DefaultModel.
	Model Model
	// Filters are the false-positive filters; nil means DefaultFilters.
	// An empty non-nil slice disables filtering.
	Filters []Filter
}

// Process merges the observations of one analysis, applies the filters
// (those that need code only when src is not nil) and scores the result
// with the precision counts the store holds now. The error is the store's
// or an invalid model's.
func (e *Engine) Process(ctx context.Context, obs []Observation, src *SourceIndex) ([]Finding, error) {
	model := e.Model
	if model.PriorMean == nil {
		model = DefaultModel()
	}
	if err := model.Validate(); err != nil {
		return nil, fmt.Errorf("scoring model: %w", err)
	}
	filters := e.Filters
	if filters == nil {
		filters = DefaultFilters()
	}
	fs := Merge(obs)
	ApplyFilters(fs, src, filters)
	counts := map[DetectorKey]Counts{}
	if e.Store != nil {
		var err error
		if counts, err = e.Store.Load(ctx, keysOf(fs)); err != nil {
			return nil, fmt.Errorf("loading detector precision: %w", err)
		}
	}
	model.Score(fs, counts)
	return fs, nil
}
