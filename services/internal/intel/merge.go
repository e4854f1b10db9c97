package intel

import (
	"cmp"
	"path"
	"slices"
	"strings"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/tools"
)

// Observation is one finding as one tool reported it.
type Observation struct {
	Tool    string
	Finding findings.Finding
}

// FromResults turns completed tool runs into observations; runs that did
// not complete carry no findings and contribute nothing.
func FromResults(results ...tools.Result) []Observation {
	var out []Observation
	for _, r := range results {
		for _, f := range r.Findings {
			out = append(out, Observation{Tool: r.Tool, Finding: f})
		}
	}
	return out
}

// Evidence is what one tool's detector said about a merged finding, as the
// tool reported it.
type Evidence struct {
	Tool       string              `json:"tool"`
	Detector   string              `json:"detector"`
	Title      string              `json:"title"`
	Message    string              `json:"message"`
	Location   findings.Location   `json:"location"`
	Severity   findings.Severity   `json:"severity"`
	Confidence findings.Confidence `json:"confidence"`
	SWC        string              `json:"swc,omitempty"`
	DASP       findings.DASP       `json:"dasp,omitempty"`
	// Fingerprint is the tool finding's own fingerprint.
	Fingerprint string `json:"fingerprint"`
}

// Key is the (tool, detector) pair whose precision the evidence feeds.
func (e Evidence) Key() DetectorKey { return DetectorKey{Tool: e.Tool, Detector: e.Detector} }

// Suppression says why a finding matches a known false-positive shape.
type Suppression struct {
	// Filter is the id of the rule that matched (see DefaultFilters).
	Filter string `json:"filter"`
	Reason string `json:"reason"`
}

// Finding is one merged finding. The embedded finding is the
// representative evidence's (the most severe, then most confident), with
// the merged fingerprint.
type Finding struct {
	findings.Finding
	// Class is the weakness class the evidence was merged on: an SWC id,
	// or a class from the tools' classification table.
	Class string `json:"class"`
	// Tools lists the distinct tools that reported it, sorted.
	Tools    []string   `json:"tools"`
	Evidence []Evidence `json:"evidence"`
	// Suppression is set when a false-positive filter matched; the finding
	// is kept so that users can see and overrule the decision.
	Suppression *Suppression `json:"suppression,omitempty"`
	Score       float64      `json:"score"`
	ScoreDetail ScoreDetail  `json:"scoreDetail"`
}

// Suppressed reports whether a filter matched.
func (f *Finding) Suppressed() bool { return f.Suppression != nil }

// DetectorKeys lists the distinct (tool, detector) pairs of the evidence,
// sorted: the keys a triage decision on this finding updates.
func (f *Finding) DetectorKeys() []DetectorKey {
	var keys []DetectorKey
	for _, e := range f.Evidence {
		keys = append(keys, e.Key())
	}
	slices.SortFunc(keys, compareKeys)
	return slices.Compact(keys)
}

// span is an observation prepared for merging.
type span struct {
	class, file string
	start, end  int // lines, inclusive
	ev          Evidence
	f           findings.Finding
}

// Merge groups observations of the same weakness class whose primary
// locations are in the same file with overlapping line ranges (directly or
// through a chain of overlaps) into one finding each. Observations that are
// exact repeats (same tool, detector, place and message) count once.
func Merge(obs []Observation) []Finding {
	// Pointers, because the sort would otherwise move every large span
	// struct around.
	backing := make([]span, len(obs))
	spans := make([]*span, 0, len(obs))
	for i, o := range obs {
		f := o.Finding
		p := f.Primary()
		file := cleanPath(p.File)
		p.File = file
		start := max(p.StartLine, 1)
		backing[i] = span{
			class: tools.WeaknessClass(o.Tool, &f),
			file:  file,
			start: start,
			end:   max(p.EndLine, start),
			f:     f,
			ev: Evidence{
				Tool: o.Tool, Detector: f.ID, Title: f.Title, Message: f.Message, Location: p,
				Severity: f.Severity, Confidence: f.Confidence, SWC: f.SWC, DASP: f.DASP, Fingerprint: f.Fingerprint,
			},
		}
		spans = append(spans, &backing[i])
	}
	// Sorting by group, then position, then every evidence field makes
	// the result independent of the input order.
	// (cmp.Or would evaluate every comparison, compareEvidence included,
	// on each call; the early returns keep the sort cheap.)
	slices.SortFunc(spans, func(a, b *span) int {
		if c := strings.Compare(a.class, b.class); c != 0 {
			return c
		}
		if c := strings.Compare(a.file, b.file); c != 0 {
			return c
		}
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		if c := cmp.Compare(a.end, b.end); c != 0 {
			return c
		}
		return compareEvidence(a.ev, b.ev)
	})
	var out []Finding
	for i := 0; i < len(spans); {
		j, end := i+1, spans[i].end
		for j < len(spans) && spans[j].class == spans[i].class && spans[j].file == spans[i].file && spans[j].start <= end {
			end = max(end, spans[j].end)
			j++
		}
		out = append(out, mergeCluster(spans[i:j]))
		i = j
	}
	assignMergedFingerprints(out)
	sortFindings(out)
	return out
}

func mergeCluster(cluster []*span) Finding {
	rep := 0
	for i := range cluster {
		if better(cluster[i], cluster[rep]) {
			rep = i
		}
	}
	m := Finding{Finding: cluster[rep].f, Class: cluster[rep].class}
	if m.DASP == "" {
		m.DASP = tools.DASPForSWC(m.SWC)
	}
	m.Locations = slices.Clone(m.Locations)
	m.Locations[0].File = cluster[rep].file
	for _, s := range cluster {
		m.Evidence = append(m.Evidence, s.ev)
		m.Tools = append(m.Tools, s.ev.Tool)
	}
	slices.SortFunc(m.Evidence, compareEvidence)
	m.Evidence = slices.CompactFunc(m.Evidence, sameEvidence)
	slices.Sort(m.Tools)
	m.Tools = slices.Compact(m.Tools)
	// Contract and function: the narrowest evidence that names them, so
	// that a line-only tool's finding inside a function a richer tool
	// reported still carries the function.
	if m.Contract == "" || m.Function == "" {
		best := -1
		for i, s := range cluster {
			if s.f.Function != "" && (best < 0 || s.end-s.start < cluster[best].end-cluster[best].start) {
				best = i
			}
		}
		if best >= 0 {
			m.Contract, m.Function = cluster[best].f.Contract, cluster[best].f.Function
		}
	}
	return m
}

// better reports whether a should represent a cluster rather than b: more
// severe, then more confident, then the narrower span (it points at the
// statement), then the tool and detector names for determinism.
func better(a, b *span) bool {
	return cmp.Or(
		cmp.Compare(b.ev.Severity, a.ev.Severity),
		cmp.Compare(b.ev.Confidence, a.ev.Confidence),
		cmp.Compare(a.end-a.start, b.end-b.start),
		compareEvidence(a.ev, b.ev),
	) < 0
}

func compareEvidence(a, b Evidence) int {
	if c := strings.Compare(a.Tool, b.Tool); c != 0 {
		return c
	}
	if c := strings.Compare(a.Detector, b.Detector); c != 0 {
		return c
	}
	if c := strings.Compare(a.Location.File, b.Location.File); c != 0 {
		return c
	}
	la, lb := a.Location, b.Location
	if c := cmp.Or(
		cmp.Compare(la.StartLine, lb.StartLine), cmp.Compare(la.StartColumn, lb.StartColumn),
		cmp.Compare(la.EndLine, lb.EndLine), cmp.Compare(la.EndColumn, lb.EndColumn),
	); c != 0 {
		return c
	}
	if c := strings.Compare(a.Message, b.Message); c != 0 {
		return c
	}
	return cmp.Or(
		cmp.Compare(b.Severity, a.Severity), cmp.Compare(b.Confidence, a.Confidence),
		strings.Compare(a.Fingerprint, b.Fingerprint),
	)
}

func sameEvidence(a, b Evidence) bool {
	return a.Tool == b.Tool && a.Detector == b.Detector && a.Message == b.Message &&
		a.Location.File == b.Location.File && a.Location.StartLine == b.Location.StartLine &&
		a.Location.StartColumn == b.Location.StartColumn && a.Location.EndLine == b.Location.EndLine &&
		a.Location.EndColumn == b.Location.EndColumn
}

// assignMergedFingerprints gives each merged finding an identity that does
// not depend on which tools found it or which of them is the
// representative: the weakness class, the file, the enclosing contract and
// function, hashed by findings.Fingerprint (so it survives reformatting and
// moved code as the engine's own fingerprints do). Several findings of one
// class in one function are told apart by findings.AssignFingerprints'
// occurrence numbering, ranked by where each starts.
func assignMergedFingerprints(fs []Finding) {
	keys := make([]findings.Finding, len(fs))
	for i, f := range fs {
		start := f.Evidence[0].Location.StartOffset
		for _, e := range f.Evidence {
			start = min(start, e.Location.StartOffset)
		}
		// Ranked by first line, then offset: tools that give no offsets
		// (all zero) still rank correctly.
		rank := firstLine(f)<<24 | min(start, 1<<24-1)
		keys[i] = findings.Finding{
			Rule:      findings.Rule{ID: "class:" + f.Class},
			Message:   f.Class,
			Contract:  f.Contract,
			Function:  f.Function,
			Locations: []findings.Location{{File: f.Locations[0].File, StartOffset: rank}},
		}
	}
	findings.AssignFingerprints(keys)
	for i := range fs {
		fs[i].Fingerprint = keys[i].Fingerprint
	}
}

func firstLine(f Finding) int {
	line := f.Evidence[0].Location.StartLine
	for _, e := range f.Evidence {
		line = min(line, e.Location.StartLine)
	}
	return line
}

// sortFindings orders merged findings as findings.Sort orders tool
// findings (file, position, severity, detector), with the fingerprint as
// the last word.
func sortFindings(fs []Finding) {
	// Sorting pointers and permuting once is much cheaper than moving the
	// findings themselves at every swap.
	type key struct {
		f     *Finding
		first int
	}
	keys := make([]key, len(fs))
	for i := range fs {
		keys[i] = key{&fs[i], firstLine(fs[i])}
	}
	slices.SortFunc(keys, func(x, y key) int {
		a, b := x.f, y.f
		pa, pb := a.Primary(), b.Primary()
		if c := strings.Compare(pa.File, pb.File); c != 0 {
			return c
		}
		if c := cmp.Compare(x.first, y.first); c != 0 {
			return c
		}
		return cmp.Or(
			cmp.Compare(pa.StartLine, pb.StartLine), cmp.Compare(pa.StartColumn, pb.StartColumn),
			cmp.Compare(b.Severity, a.Severity),
			strings.Compare(a.Class, b.Class), strings.Compare(a.ID, b.ID),
			strings.Compare(a.Fingerprint, b.Fingerprint),
		)
	})
	sorted := make([]Finding, len(fs))
	for i, k := range keys {
		sorted[i] = *k.f
	}
	copy(fs, sorted)
}

func cleanPath(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	if p == "" {
		return ""
	}
	return strings.TrimPrefix(path.Clean(p), "./")
}
