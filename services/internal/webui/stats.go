package webui

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// StatsSource is where the dashboard's numbers come from. The public API
// has no aggregate endpoint, so this small read-only interface keeps the
// dashboard independent of how they are computed: ListStats derives them
// from the API's list endpoints, and a read-only query against a reporting
// replica can replace it when organisations outgrow that.
type StatsSource interface {
	Stats(ctx context.Context, token string, now time.Time) (Stats, error)
}

// Count is one labelled number.
type Count struct {
	Label string
	N     int
}

// ToolStat is one tool's record over the window.
type ToolStat struct {
	Tool         string
	Runs, Failed int
	MeanDuration time.Duration
}

// FailureRate is the share of runs that failed (or timed out).
func (t ToolStat) FailureRate() float64 {
	if t.Runs == 0 {
		return 0
	}
	return float64(t.Failed) / float64(t.Runs)
}

// Stats are an organisation's numbers over a window ending now.
type Stats struct {
	Days      int
	Analyses  int
	Completed int
	Failed    int
	// PerDay counts analyses started on each day of the window, oldest
	// first.
	PerDay []Count
	// Sampled says the window held more analyses than were read.
	Sampled bool

	Findings     int
	BySeverity   []Count
	ByClass      []Count
	TopDetectors []Count
	// Triaged findings and the mean time from a finding's first report to
	// its triage decision.
	Triaged          int
	MeanTimeToTriage time.Duration
	Tools            []ToolStat
}

// ListStats computes Stats from GET /v1/analyses, GET /v1/analyses/{id}
// and its findings. It reads at most MaxAnalyses analyses of the window,
// Workers at a time.
//
// Time to triage runs from a finding's first report (createdAt) to its first
// triage decision, read from the history GET /v1/findings/{id} returns for
// up to MaxTriaged triaged findings; beyond that, or for a finding without
// history, its updatedAt stands in (the last change of a triaged finding
// is its latest decision).
type ListStats struct {
	API         *Client
	Days        int
	MaxAnalyses int
	MaxTriaged  int
	Workers     int
}

// Stats implements StatsSource.
func (s ListStats) Stats(ctx context.Context, token string, now time.Time) (Stats, error) {
	days := cmp.Or(s.Days, 30)
	maxN := cmp.Or(s.MaxAnalyses, 200)
	start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(days - 1))

	var window []Analysis
	cursor := ""
	sampled := false
read:
	for {
		p, err := s.API.ListAnalyses(ctx, token, cursor, 100)
		if err != nil {
			return Stats{}, err
		}
		for _, a := range p.Items {
			if a.CreatedAt.Before(start) {
				continue
			}
			if len(window) == maxN {
				sampled = true
				break read
			}
			window = append(window, a)
		}
		// Lists are newest first: once a page ends before the window,
		// older pages cannot hold any of it.
		if p.NextCursor == "" || (len(p.Items) > 0 && p.Items[len(p.Items)-1].CreatedAt.Before(start)) {
			break
		}
		cursor = p.NextCursor
	}

	type detail struct {
		a        Analysis
		findings []Finding
		err      error
	}
	details := make([]detail, len(window))
	sem := make(chan struct{}, cmp.Or(s.Workers, 8))
	var wg sync.WaitGroup
	for i, a := range window {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			d := detail{a: a}
			// The list's analyses come without their tool runs (the API
			// loads them for GET /v1/analyses/{id} only).
			if len(a.ToolRuns) == 0 {
				d.a, d.err = s.API.GetAnalysis(ctx, token, a.ID)
			}
			if d.err == nil && a.State == "completed" {
				d.findings, d.err = s.API.AllFindings(ctx, token, a.ID, FindingFilter{Limit: 500}, maxListed)
			}
			details[i] = d
		})
	}
	wg.Wait()

	st := Stats{Days: days, Analyses: len(window), Sampled: sampled}
	perDay := make([]int, days)
	seen := map[string]bool{}
	sev, class, det := map[string]int{}, map[string]int{}, map[string]int{}
	type toolAcc struct {
		runs, failed, timed int
		total               time.Duration
	}
	tools := map[string]*toolAcc{}
	var triaged []Finding
	for _, d := range details {
		if d.err != nil {
			return Stats{}, d.err
		}
		a := d.a
		if day := int(a.CreatedAt.UTC().Sub(start) / (24 * time.Hour)); day >= 0 && day < days {
			perDay[day]++
		}
		switch a.State {
		case "completed":
			st.Completed++
		case "failed":
			st.Failed++
		}
		for _, tr := range a.ToolRuns {
			t := tools[tr.Tool]
			if t == nil {
				t = &toolAcc{}
				tools[tr.Tool] = t
			}
			switch tr.State {
			case "succeeded", "failed", "timeout", "timed_out":
				t.runs++
				if tr.State != "succeeded" {
					t.failed++
				}
				if tr.DurationMs > 0 {
					t.timed++
					t.total += tr.Duration()
				}
			}
		}
		for _, f := range d.findings {
			// A finding lives per project and is reported again by later
			// analyses: count each once.
			if seen[f.ID] {
				continue
			}
			seen[f.ID] = true
			st.Findings++
			sev[f.Severity]++
			class[findingClass(f)]++
			det[f.Detector]++
			if f.Status != "" && f.Status != "open" {
				triaged = append(triaged, f)
			}
		}
	}
	for i, n := range perDay {
		st.PerDay = append(st.PerDay, Count{Label: start.AddDate(0, 0, i).Format("2006-01-02"), N: n})
	}
	for _, s := range severityOrder {
		st.BySeverity = append(st.BySeverity, Count{Label: s, N: sev[s]})
	}
	st.ByClass = topCounts(class, 8)
	st.TopDetectors = topCounts(det, 10)
	st.Triaged = len(triaged)
	if st.Triaged > 0 {
		total, err := s.timeToTriage(ctx, token, triaged)
		if err != nil {
			return Stats{}, err
		}
		st.MeanTimeToTriage = total / time.Duration(st.Triaged)
	}
	for name, t := range tools {
		ts := ToolStat{Tool: name, Runs: t.runs, Failed: t.failed}
		if t.timed > 0 {
			ts.MeanDuration = t.total / time.Duration(t.timed)
		}
		st.Tools = append(st.Tools, ts)
	}
	slices.SortFunc(st.Tools, func(x, y ToolStat) int { return cmp.Compare(x.Tool, y.Tool) })
	return st, nil
}

// findingClass is the weakness class a finding counts under: its DASP
// category, else its SWC id.
func findingClass(f Finding) string {
	switch {
	case f.DASP != "":
		return f.DASP
	case f.SWC != "":
		return f.SWC
	}
	return "unclassified"
}

// topCounts returns the n largest counts, ties by label.
func topCounts(m map[string]int, n int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{Label: k, N: v})
	}
	slices.SortFunc(out, func(x, y Count) int {
		if c := cmp.Compare(y.N, x.N); c != 0 {
			return c
		}
		return cmp.Compare(x.Label, y.Label)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// timeToTriage sums, over the triaged findings, the time from report to
// first decision.
func (s ListStats) timeToTriage(ctx context.Context, token string, fs []Finding) (time.Duration, error) {
	maxN := cmp.Or(s.MaxTriaged, 200)
	spans := make([]time.Duration, len(fs))
	errs := make([]error, len(fs))
	sem := make(chan struct{}, cmp.Or(s.Workers, 8))
	var wg sync.WaitGroup
	for i, f := range fs {
		decided := f.UpdatedAt
		spans[i] = max(decided.Sub(f.CreatedAt), 0)
		if i >= maxN {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			full, err := s.API.GetFinding(ctx, token, f.ID)
			if err != nil {
				errs[i] = err
				return
			}
			if len(full.Triage) > 0 {
				spans[i] = max(full.Triage[0].CreatedAt.Sub(f.CreatedAt), 0)
			}
		})
	}
	wg.Wait()
	var total time.Duration
	for i, d := range spans {
		if errs[i] != nil {
			return 0, errs[i]
		}
		total += d
	}
	return total, nil
}
