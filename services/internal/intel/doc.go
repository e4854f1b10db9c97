// Package intel is the intelligence engine: it turns what several tools
// reported about one project into one list of findings. It merges
// duplicates across tools (the same weakness class at overlapping places of
// the same file, keeping every tool's evidence), marks findings that match
// known false-positive shapes as suppressed with the reason (never dropping
// them), and scores every finding from its severity, the confidence of the
// detectors that reported it, the agreement between tools and each
// detector's precision as learnt from users' triage decisions.
//
// The model behind the score is described in docs/scoring.md. Output is
// deterministic: the same observations, in any order, give the same
// findings in the same order with the same fingerprints.
package intel
