package intel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/solsec/platform/services/internal/findings"
)

// DetectorKey identifies one detector of one tool: the unit whose
// precision is learnt.
type DetectorKey struct {
	Tool     string `json:"tool"`
	Detector string `json:"detector"`
}

func compareKeys(a, b DetectorKey) int {
	return cmp.Or(cmp.Compare(a.Tool, b.Tool), cmp.Compare(a.Detector, b.Detector))
}

// Counts are the triage verdicts recorded for one detector: how many of
// its findings users confirmed (or fixed) and how many they marked false
// positive. In a delta they may be negative (a decision changed).
type Counts struct {
	Confirmed     int64 `json:"confirmed"`
	FalsePositive int64 `json:"falsePositive"`
}

// PrecisionStore persists the triage counts per detector. The prior is not
// stored: it is applied when the counts are read (Model.Precision), so a
// change of priors needs no migration.
type PrecisionStore interface {
	// Load returns the counts of the given detectors; detectors never
	// triaged are absent from the map.
	Load(ctx context.Context, keys []DetectorKey) (map[DetectorKey]Counts, error)
	// Add applies increments atomically: all or none. Increments, not
	// absolute values, so that concurrent triage decisions on findings of
	// the same detector never overwrite each other (in PostgreSQL,
	// `UPDATE ... SET confirmed = confirmed + $1`). An update that would
	// make a count negative is rejected.
	Add(ctx context.Context, deltas map[DetectorKey]Counts) error
}

// MemoryStore is a PrecisionStore in memory, for tests and single-process
// use. The zero value is ready.
type MemoryStore struct {
	mu     sync.Mutex
	counts map[DetectorKey]Counts
}

// Load implements PrecisionStore.
func (s *MemoryStore) Load(_ context.Context, keys []DetectorKey) (map[DetectorKey]Counts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[DetectorKey]Counts, len(keys))
	for _, k := range keys {
		if c, ok := s.counts[k]; ok {
			out[k] = c
		}
	}
	return out, nil
}

// Add implements PrecisionStore.
func (s *MemoryStore) Add(_ context.Context, deltas map[DetectorKey]Counts) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[DetectorKey]Counts, len(deltas))
	for k, d := range deltas {
		c := s.counts[k]
		c.Confirmed += d.Confirmed
		c.FalsePositive += d.FalsePositive
		if c.Confirmed < 0 || c.FalsePositive < 0 {
			return fmt.Errorf("precision of %s/%s: counts would become negative (%+v)", k.Tool, k.Detector, c)
		}
		next[k] = c
	}
	if s.counts == nil {
		s.counts = map[DetectorKey]Counts{}
	}
	for k, c := range next {
		s.counts[k] = c
	}
	return nil
}

// Decision is a user's triage verdict on a finding.
type Decision string

// The triage decisions. Confirmed and fixed both say the finding was real;
// suppressed accepts a risk without saying whether the finding was right,
// so it teaches the model nothing.
const (
	DecisionNone          Decision = ""
	DecisionConfirmed     Decision = "confirmed"
	DecisionFalsePositive Decision = "false_positive"
	DecisionFixed         Decision = "fixed"
	DecisionSuppressed    Decision = "suppressed"
)

// verdict is the count a decision adds to.
func (d Decision) verdict() (Counts, error) {
	switch d {
	case DecisionConfirmed, DecisionFixed:
		return Counts{Confirmed: 1}, nil
	case DecisionFalsePositive:
		return Counts{FalsePositive: 1}, nil
	case DecisionNone, DecisionSuppressed:
		return Counts{}, nil
	}
	return Counts{}, fmt.Errorf("unknown triage decision %q", d)
}

// TriageDelta is the change to every detector's counts when a finding's
// decision goes from previous to next: every tool that reported the
// finding was right if it is real and wrong if it is not. Changing a
// decision takes the old verdict back, so a finding counts once.
func TriageDelta(keys []DetectorKey, previous, next Decision) (map[DetectorKey]Counts, error) {
	was, err := previous.verdict()
	if err != nil {
		return nil, err
	}
	now, err := next.verdict()
	if err != nil {
		return nil, err
	}
	d := Counts{Confirmed: now.Confirmed - was.Confirmed, FalsePositive: now.FalsePositive - was.FalsePositive}
	out := map[DetectorKey]Counts{}
	if d == (Counts{}) {
		return out, nil
	}
	for _, k := range keys {
		out[k] = d
	}
	return out, nil
}

// RecordTriage updates the store after a user changed a finding's decision
// from previous (DecisionNone the first time) to next.
func RecordTriage(ctx context.Context, store PrecisionStore, f *Finding, previous, next Decision) error {
	deltas, err := TriageDelta(f.DetectorKeys(), previous, next)
	if err != nil {
		return err
	}
	if len(deltas) == 0 {
		return nil
	}
	return store.Add(ctx, deltas)
}

// Model holds the scoring parameters; docs/scoring.md explains each.
type Model struct {
	// PriorMean is the precision assumed for a detector before any triage,
	// by the confidence it reports.
	PriorMean map[findings.Confidence]float64
	// PriorStrength is how many triage decisions the prior is worth
	// (α₀ + β₀): with 4, four decisions weigh as much as the prior.
	PriorStrength float64
	// SeverityWeight scales the probability to the score by severity.
	SeverityWeight map[findings.Severity]float64
	// AgreementWeight in (0, 1] is how much a further tool's agreement
	// counts compared with the first tool's: tools share techniques, so
	// their errors are not independent and a plain noisy-OR (1) would
	// overstate agreement.
	AgreementWeight float64
}

// DefaultModel returns the parameters docs/scoring.md documents.
func DefaultModel() Model {
	return Model{
		PriorMean: map[findings.Confidence]float64{
			findings.ConfidenceHigh: 0.8, findings.ConfidenceMedium: 0.6, findings.ConfidenceLow: 0.35,
		},
		PriorStrength: 4,
		SeverityWeight: map[findings.Severity]float64{
			findings.SeverityHigh: 1, findings.SeverityMedium: 0.6, findings.SeverityLow: 0.3, findings.SeverityInformational: 0.1,
		},
		AgreementWeight: 0.5,
	}
}

// Validate rejects parameters that break the model's guarantees.
func (m Model) Validate() error {
	var errs []error
	for _, c := range []findings.Confidence{findings.ConfidenceLow, findings.ConfidenceMedium, findings.ConfidenceHigh} {
		if p := m.PriorMean[c]; !(p > 0 && p < 1) {
			errs = append(errs, fmt.Errorf("prior mean for %s confidence %v: want 0 < p < 1", c, p))
		}
	}
	if !(m.PriorStrength > 0) {
		errs = append(errs, fmt.Errorf("prior strength %v: want > 0", m.PriorStrength))
	}
	for _, s := range findings.Severities {
		if w := m.SeverityWeight[s]; !(w > 0 && w <= 1) {
			errs = append(errs, fmt.Errorf("severity weight for %s %v: want 0 < w <= 1", s, w))
		}
	}
	if !(m.AgreementWeight > 0 && m.AgreementWeight <= 1) {
		errs = append(errs, fmt.Errorf("agreement weight %v: want 0 < w <= 1", m.AgreementWeight))
	}
	return errors.Join(errs...)
}

// Precision is a detector's posterior: Beta(α, β) with α = s·μ + confirmed
// and β = s·(1−μ) + false positives, where μ is the prior mean for the
// confidence it reported and s the prior strength. Mean is α/(α+β).
type Precision struct {
	Tool       string              `json:"tool"`
	Detector   string              `json:"detector"`
	Confidence findings.Confidence `json:"confidence"`
	Alpha      float64             `json:"alpha"`
	Beta       float64             `json:"beta"`
	Mean       float64             `json:"mean"`
}

// Precision computes the posterior of one detector.
func (m Model) Precision(k DetectorKey, conf findings.Confidence, c Counts) Precision {
	mu, ok := m.PriorMean[conf]
	if !ok {
		mu = m.PriorMean[findings.ConfidenceLow]
	}
	a := m.PriorStrength*mu + float64(c.Confirmed)
	b := m.PriorStrength*(1-mu) + float64(c.FalsePositive)
	return Precision{Tool: k.Tool, Detector: k.Detector, Confidence: conf, Alpha: a, Beta: b, Mean: a / (a + b)}
}

// ScoreDetail shows how a score was computed.
type ScoreDetail struct {
	// Detectors are the posterior of each tool's best detector, the ones
	// that enter the combination, strongest first.
	Detectors []Precision `json:"detectors"`
	// Probability is the combined probability that the finding is real.
	Probability    float64 `json:"probability"`
	SeverityWeight float64 `json:"severityWeight"`
}

// Score sets every finding's Score (0 to 100) and ScoreDetail from counts,
// the triage counts of its detectors (missing keys count zero):
//
//	p_t   = max over tool t's evidence of the detector's posterior mean
//	P     = 1 − (1 − p_(1)) · Π_{i≥2} (1 − p_(i))^w   (p sorted descending)
//	score = 100 · severityWeight · P
func (m Model) Score(fs []Finding, counts map[DetectorKey]Counts) {
	for i := range fs {
		f := &fs[i]
		best := map[string]Precision{}
		for _, e := range f.Evidence {
			p := m.Precision(e.Key(), e.Confidence, counts[e.Key()])
			if cur, ok := best[e.Tool]; !ok || p.Mean > cur.Mean || (p.Mean == cur.Mean && p.Detector < cur.Detector) {
				best[e.Tool] = p
			}
		}
		ds := make([]Precision, 0, len(best))
		for _, p := range best {
			ds = append(ds, p)
		}
		slices.SortFunc(ds, func(a, b Precision) int {
			return cmp.Or(cmp.Compare(b.Mean, a.Mean), cmp.Compare(a.Tool, b.Tool))
		})
		miss := 1.0
		for j, p := range ds {
			w := 1.0
			if j > 0 {
				w = m.AgreementWeight
			}
			miss *= math.Pow(1-p.Mean, w)
		}
		prob := 1 - miss
		sw := m.SeverityWeight[f.Severity]
		f.ScoreDetail = ScoreDetail{Detectors: ds, Probability: round(prob, 4), SeverityWeight: sw}
		f.Score = round(100*sw*prob, 2)
	}
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// keysOf lists the distinct detector keys of all findings, sorted.
func keysOf(fs []Finding) []DetectorKey {
	var keys []DetectorKey
	for i := range fs {
		for _, e := range fs[i].Evidence {
			keys = append(keys, e.Key())
		}
	}
	slices.SortFunc(keys, compareKeys)
	return slices.Compact(keys)
}
