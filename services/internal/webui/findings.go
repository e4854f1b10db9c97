package webui

import (
	"io"
	"net/http"
	"slices"
	"strings"
)

// MountFindings registers the findings front end: an analysis's findings
// with filters, one finding with its source excerpt and evidence, triage,
// and the report downloads.
func (a *App) MountFindings() {
	m := a.mux
	m.HandleFunc("GET /findings/analyses/{id}", a.authed(a.findingList))
	m.HandleFunc("GET /findings/analyses/{id}/report.sarif", a.authed(a.report("sarif")))
	m.HandleFunc("GET /findings/analyses/{id}/report.json", a.authed(a.report("json")))
	m.HandleFunc("GET /findings/{id}", a.authed(a.finding))
	m.HandleFunc("POST /findings/{id}/triage", a.authed(a.triage))
}

// Severities, statuses and triage decisions are the API's enums.
var (
	severityOrder = []string{"high", "medium", "low", "informational"}
	statusOrder   = []string{"open", "confirmed", "false_positive", "fixed", "suppressed"}
	decisions     = []string{"confirmed", "false_positive", "fixed", "suppressed"}
)

// maxListed bounds the findings one page lists (and reads to build the
// filter choices); an analysis with more is narrowed with the filters.
const maxListed = 2000

type findingListData struct {
	Analysis Analysis
	Filter   FindingFilter
	Findings []Finding
	Total    int
	// Choices for the filter form, from the unfiltered findings.
	Severities, Statuses, Detectors, Tools, Files []string
	Truncated                                     bool
}

func (a *App) findingList(w http.ResponseWriter, r *http.Request, u *User) {
	id := r.PathValue("id")
	an, err := a.api.GetAnalysis(r.Context(), u.Token, id)
	if err != nil {
		a.apiFailed(w, r, u, err)
		return
	}
	q := r.URL.Query()
	f := FindingFilter{Severity: q.Get("severity"), Detector: q.Get("detector"), Tool: q.Get("tool"), Status: q.Get("status"), File: q.Get("file"), Limit: 500}
	all, err := a.api.AllFindings(r.Context(), u.Token, id, FindingFilter{Limit: 500}, maxListed)
	if err != nil {
		a.apiFailed(w, r, u, err)
		return
	}
	shown := all
	if f != (FindingFilter{Limit: 500}) {
		// The API filters; the unfiltered read above only feeds the
		// choices of the filter form.
		if shown, err = a.api.AllFindings(r.Context(), u.Token, id, f, maxListed); err != nil {
			a.apiFailed(w, r, u, err)
			return
		}
	}
	sortFindings(shown)
	d := findingListData{Analysis: an, Filter: f, Findings: shown, Total: len(all), Severities: severityOrder, Statuses: statusOrder, Truncated: len(all) >= maxListed}
	for _, fd := range all {
		d.Detectors = appendUnique(d.Detectors, fd.Detector)
		d.Files = appendUnique(d.Files, fd.File)
		for _, t := range fd.Tools {
			d.Tools = appendUnique(d.Tools, t)
		}
	}
	slices.Sort(d.Detectors)
	slices.Sort(d.Files)
	slices.Sort(d.Tools)
	a.render(w, r, http.StatusOK, "findings", view{Title: "Findings of " + shortID(id), Nav: "analyses", User: u, Data: d})
}

func appendUnique(s []string, v string) []string {
	if v == "" || slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func severityRank(s string) int {
	if i := slices.Index(severityOrder, s); i >= 0 {
		return i
	}
	return len(severityOrder)
}

// sortFindings puts the most severe first, then the best scored, then by
// place in the source.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(x, y Finding) int {
		if d := severityRank(x.Severity) - severityRank(y.Severity); d != 0 {
			return d
		}
		if x.Score != y.Score {
			if x.Score > y.Score {
				return -1
			}
			return 1
		}
		if c := strings.Compare(x.File, y.File); c != 0 {
			return c
		}
		return firstLine(x) - firstLine(y)
	})
}

func firstLine(f Finding) int {
	if len(f.Locations) == 0 {
		return 0
	}
	return f.Locations[0].StartLine
}

type findingData struct {
	Finding   Finding
	Decisions []string
}

func (a *App) finding(w http.ResponseWriter, r *http.Request, u *User) {
	f, err := a.api.GetFinding(r.Context(), u.Token, r.PathValue("id"))
	if err != nil {
		a.apiFailed(w, r, u, err)
		return
	}
	v := view{Title: f.Title, Nav: "analyses", User: u, Data: findingData{Finding: f, Decisions: decisions}}
	if r.URL.Query().Get("triaged") == "1" {
		v.Flash = "Triage saved: " + humanLabel(f.Status) + "."
	}
	a.render(w, r, http.StatusOK, "finding", v)
}

func (a *App) triage(w http.ResponseWriter, r *http.Request, u *User) {
	id := r.PathValue("id")
	decision := r.PostFormValue("decision")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if !slices.Contains(decisions, decision) {
		a.renderError(w, r, u, http.StatusUnprocessableEntity, "Choose one of the triage decisions.")
		return
	}
	if decision == "suppressed" && reason == "" {
		f, err := a.api.GetFinding(r.Context(), u.Token, id)
		if err != nil {
			a.apiFailed(w, r, u, err)
			return
		}
		a.render(w, r, http.StatusUnprocessableEntity, "finding", view{Title: f.Title, Nav: "analyses", User: u,
			Error: "Say why the finding is suppressed.", Data: findingData{Finding: f, Decisions: decisions}})
		return
	}
	if err := a.api.Triage(r.Context(), u.Token, id, decision, reason); err != nil {
		a.apiFailed(w, r, u, err)
		return
	}
	http.Redirect(w, r, "/findings/"+id+"?triaged=1", http.StatusSeeOther)
}

// report streams the API's SARIF or JSON report as a download.
func (a *App) report(format string) func(w http.ResponseWriter, r *http.Request, u *User) {
	return func(w http.ResponseWriter, r *http.Request, u *User) { a.writeReport(w, r, u, format) }
}

func (a *App) writeReport(w http.ResponseWriter, r *http.Request, u *User, format string) {
	id := r.PathValue("id")
	resp, err := a.api.Report(r.Context(), u.Token, id, format)
	if err != nil {
		a.apiFailed(w, r, u, err)
		return
	}
	defer resp.Body.Close()
	ct := "application/json"
	if format == "sarif" {
		ct = "application/sarif+json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="solsec-`+safeFileToken(id)+`.`+format+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.Copy(w, resp.Body)
}

// safeFileToken keeps an id usable in a Content-Disposition filename.
func safeFileToken(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, s)
}
