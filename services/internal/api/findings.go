package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
)

// listFindings is GET /v1/analyses/{id}/findings: the findings the
// analysis reported, most severe first, filtered.
func (s *Server) listFindings(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	id := r.PathValue("id")
	limit, cursor, ok := pageParams(w, r)
	if !ok {
		return
	}
	f := store.FindingFilter{
		AnalysisID: id, Detector: r.URL.Query().Get("detector"), Tool: r.URL.Query().Get("tool"),
		File: r.URL.Query().Get("file"), Limit: limit, Cursor: cursor,
	}
	for _, v := range listParam(r, "severity") {
		sev, err := findings.ParseSeverity(v)
		if err != nil {
			fail(w, r, http.StatusBadRequest, codeInvalidParameter, "severity: "+err.Error())
			return
		}
		f.Severities = append(f.Severities, sev)
	}
	for _, v := range listParam(r, "status") {
		if !store.FindingStatus(v).Valid() {
			fail(w, r, http.StatusBadRequest, codeInvalidParameter,
				fmt.Sprintf("status=%q: want open, confirmed, false_positive, fixed or suppressed", v))
			return
		}
		f.Statuses = append(f.Statuses, store.FindingStatus(v))
	}
	// An unknown analysis is a 404, not an empty list, so a mistyped id
	// (or another organisation's) is not mistaken for a clean result.
	if _, err := s.store.GetAnalysis(r.Context(), p.OrgID, id); err != nil {
		s.storeError(w, r, "analysis", err)
		return
	}
	pg, err := s.store.ListFindings(r.Context(), p.OrgID, f)
	if err != nil {
		s.storeError(w, r, "findings", err)
		return
	}
	out := page[findingView]{Items: make([]findingView, 0, len(pg.Items)), NextCursor: pg.NextCursor}
	for _, fd := range pg.Items {
		out.Items = append(out.Items, viewFinding(fd))
	}
	writeJSON(w, http.StatusOK, out)
}

// getFinding is GET /v1/findings/{id}, with its triage history.
func (s *Server) getFinding(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	f, err := s.store.GetFinding(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.storeError(w, r, "finding", err)
		return
	}
	history, err := s.store.ListTriageDecisions(r.Context(), p.OrgID, f.ID)
	if err != nil {
		s.storeError(w, r, "finding", err)
		return
	}
	v := viewFinding(f)
	v.Triage = make([]triageView, 0, len(history))
	for _, d := range history {
		v.Triage = append(v.Triage, viewTriage(d))
	}
	writeJSON(w, http.StatusOK, v)
}

type triageRequest struct {
	Decision store.FindingStatus `json:"decision"`
	Reason   string              `json:"reason"`
}

// triageDecisions are what a triage request may decide; "open" reopens a
// finding triaged by mistake.
var triageDecisions = []store.FindingStatus{
	store.StatusConfirmed, store.StatusFalsePositive, store.StatusFixed, store.StatusSuppressed, store.StatusOpen,
}

// triageFinding is POST /v1/findings/{id}/triage. The store records the
// decision, the new status, the detector's precision counts and the audit
// entry in one transaction.
func (s *Server) triageFinding(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	var req triageRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	req.Reason = strings.TrimSpace(req.Reason)
	switch {
	case !slices.Contains(triageDecisions, req.Decision):
		fail(w, r, http.StatusUnprocessableEntity, codeInvalidTriage,
			fmt.Sprintf("decision %q: want confirmed, false_positive, fixed, suppressed or open", req.Decision))
		return
	case req.Decision == store.StatusSuppressed && req.Reason == "":
		fail(w, r, http.StatusUnprocessableEntity, codeInvalidTriage, "suppressing a finding needs a reason: say why the risk is accepted")
		return
	case len(req.Reason) > 2000:
		fail(w, r, http.StatusUnprocessableEntity, codeInvalidTriage, "the reason is longer than 2000 bytes")
		return
	}
	t := store.Triage{FindingID: r.PathValue("id"), Actor: p.Subject, Decision: req.Decision, Reason: req.Reason}
	// Only a user of this organisation is recorded as the decider; an API
	// key, or a user known only to an external IdP, is named by Actor.
	if p.UserID != "" {
		if _, err := s.store.GetUser(r.Context(), p.OrgID, p.UserID); err == nil {
			t.UserID = p.UserID
		} else if !errors.Is(err, store.ErrNotFound) {
			s.storeError(w, r, "user", err)
			return
		}
	}
	f, d, err := s.store.TriageFinding(r.Context(), p.OrgID, t)
	if err != nil {
		s.storeError(w, r, "finding", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Finding  findingView `json:"finding"`
		Decision triageView  `json:"decision"`
	}{viewFinding(f), viewTriage(d)})
}

// report gathers a completed analysis' findings into the findings
// package's report. Reports of unfinished analyses would be partial and
// look final, so they are refused with 409 until the analysis completes.
func (s *Server) report(w http.ResponseWriter, r *http.Request) (*findings.Report, bool) {
	p := principal(r)
	a, err := s.store.GetAnalysis(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.storeError(w, r, "analysis", err)
		return nil, false
	}
	if a.State != store.StateCompleted {
		fail(w, r, http.StatusConflict, codeNotCompleted,
			fmt.Sprintf("the analysis is %s; its report is available once it has completed", a.State))
		return nil, false
	}
	rep := &findings.Report{
		SchemaVersion: findings.SchemaVersion,
		Tool:          findings.Tool{Name: "solsec", Version: s.cfg.Version, InformationURI: "https://github.com/solsec/platform"},
		GeneratedAt:   a.FinishedAt,
		Findings:      []findings.Finding{},
		Errors:        []findings.FileError{},
	}
	files := map[string]bool{}
	for _, e := range a.EntryFiles {
		files[e] = true
	}
	f := store.FindingFilter{AnalysisID: a.ID, Limit: store.MaxPageSize}
	for {
		pg, err := s.store.ListFindings(r.Context(), p.OrgID, f)
		if err != nil {
			s.storeError(w, r, "findings", err)
			return nil, false
		}
		for _, fd := range pg.Items {
			rep.Findings = append(rep.Findings, fd.Finding)
			if fd.File != "" {
				files[fd.File] = true
			}
		}
		if pg.NextCursor == "" {
			break
		}
		f.Cursor = pg.NextCursor
	}
	for file := range files {
		rep.Files = append(rep.Files, file)
	}
	slices.Sort(rep.Files)
	findings.Sort(rep.Findings)
	return rep, true
}

// reportJSON is GET /v1/analyses/{id}/report.json (docs/findings.md).
func (s *Server) reportJSON(w http.ResponseWriter, r *http.Request) {
	s.writeReport(w, r, "application/json", func(buf *bytes.Buffer, rep *findings.Report) error {
		return findings.WriteJSON(buf, rep)
	})
}

// reportSARIF is GET /v1/analyses/{id}/report.sarif, SARIF 2.1.0 for code
// scanning.
func (s *Server) reportSARIF(w http.ResponseWriter, r *http.Request) {
	s.writeReport(w, r, "application/sarif+json", func(buf *bytes.Buffer, rep *findings.Report) error {
		return findings.WriteSARIF(buf, rep)
	})
}

func (s *Server) writeReport(w http.ResponseWriter, r *http.Request, contentType string, write func(*bytes.Buffer, *findings.Report) error) {
	rep, ok := s.report(w, r)
	if !ok {
		return
	}
	// Written to a buffer first, so a writer's error is still a clean 500.
	var buf bytes.Buffer
	if err := write(&buf, rep); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
