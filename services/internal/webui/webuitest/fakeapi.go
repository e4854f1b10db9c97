// Package webuitest is an in-memory fake of the two HTTP contracts the
// front ends depend on: the public REST API (services/internal/api, its
// /v1/openapi.json) and the notification service's WebSocket (/v1/ws). The
// front ends' handler tests and browser tests run against it, because those
// contracts are the front ends' boundary: what is tested here is how the
// pages use them, while the API's own tests check the API.
//
// The fake keeps the contract's shapes (JSON field names, problem
// documents, status codes, cursor pages, event envelopes and ids, the
// subscription.ready control message, resume with ?after=) and its rules
// that the pages rely on: organisation scoping, viewers may not triage,
// only admins manage keys. Analyses move through the pipeline's states
// when Advance is called, or by themselves every Step when Step is set.
package webuitest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// User is an account of the fake.
type User struct {
	Email, Password, OrgID, Role, UserID string
}

// Event is the notification service's event envelope.
type Event struct {
	ID         string          `json:"id"`
	OrgID      string          `json:"orgId"`
	AnalysisID string          `json:"analysisId"`
	Type       string          `json:"type"`
	State      string          `json:"state,omitempty"`
	Progress   int             `json:"progress"`
	Tool       string          `json:"tool,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Time       time.Time       `json:"time"`
}

type toolRun struct {
	Tool       string     `json:"tool"`
	State      string     `json:"state"`
	Attempt    int        `json:"attempt"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	DurationMs int64      `json:"durationMs"`
	Error      string     `json:"error,omitempty"`
}

type analysis struct {
	ID         string     `json:"id"`
	OrgID      string     `json:"orgId"`
	ProjectID  string     `json:"projectId"`
	State      string     `json:"state"`
	Progress   int        `json:"progress"`
	EntryFiles []string   `json:"entryFiles"`
	Tools      []string   `json:"tools"`
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	ToolRuns   []toolRun  `json:"toolRuns"`
}

type location struct {
	File      string `json:"file"`
	StartLine int    `json:"startLine"`
	EndLine   int    `json:"endLine"`
	Snippet   string `json:"snippet,omitempty"`
	Message   string `json:"message,omitempty"`
}

type evidence struct {
	Tool       string     `json:"tool"`
	Detector   string     `json:"detector"`
	Severity   string     `json:"severity,omitempty"`
	Confidence string     `json:"confidence,omitempty"`
	Message    string     `json:"message,omitempty"`
	Locations  []location `json:"locations,omitempty"`
}

// Finding is the API's finding; tests seed and inspect them.
type Finding struct {
	ID             string     `json:"id"`
	OrgID          string     `json:"orgId"`
	Detector       string     `json:"detector"`
	Title          string     `json:"title"`
	Severity       string     `json:"severity"`
	Confidence     string     `json:"confidence"`
	SWC            string     `json:"swc,omitempty"`
	DASP           string     `json:"dasp,omitempty"`
	Description    string     `json:"description"`
	Recommendation string     `json:"recommendation"`
	HelpURL        string     `json:"helpUrl,omitempty"`
	Message        string     `json:"message"`
	Contract       string     `json:"contract,omitempty"`
	Function       string     `json:"function,omitempty"`
	Locations      []location `json:"locations"`
	File           string     `json:"file"`
	Tools          []string   `json:"tools"`
	Score          float64    `json:"score"`
	Evidence       []evidence `json:"evidence"`
	Status         string     `json:"status"`
	LastAnalysisID string     `json:"lastAnalysisId"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      time.Time  `json:"updatedAt"`
	// Triage is filled by GET /v1/findings/{id} only, as in the API.
	Triage []triageEntry `json:"triage,omitempty"`
}

type triageEntry struct {
	ID        string    `json:"id"`
	Decision  string    `json:"decision"`
	Previous  string    `json:"previous"`
	Reason    string    `json:"reason,omitempty"`
	UserID    string    `json:"userId,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

type apiKey struct {
	ID        string     `json:"id"`
	OrgID     string     `json:"orgId"`
	KeyID     string     `json:"keyId"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
}

// Upload is what the fake received for one analysis.
type Upload struct {
	Files          map[string][]byte
	Fields         map[string]string
	IdempotencyKey string
}

// API is the fake. Create it with New; it serves until Close.
type API struct {
	// Step, when set, makes every analysis advance one pipeline step each
	// Step after it is created, as the real pipeline does on its own.
	Step  time.Duration
	clock atomic.Pointer[func() time.Time]

	srv *httptest.Server

	mu       sync.Mutex
	users    []User
	tokens   map[string]User
	analyses []*analysis
	uploads  map[string]Upload
	findings []*Finding
	keys     []*apiKey
	events   []Event
	seq      int
	changed  chan struct{}
	seqIDs   int
	stop     chan struct{}
	wg       sync.WaitGroup
}

// New starts a fake with the given users.
func New(users ...User) *API {
	f := &API{users: users, tokens: map[string]User{}, uploads: map[string]Upload{}, changed: make(chan struct{}), stop: make(chan struct{})}
	f.srv = httptest.NewServer(f.Handler())
	return f
}

// SetClock replaces the clock (default time.Now), for tests that need
// known spans such as the time to triage.
func (f *API) SetClock(now func() time.Time) { f.clock.Store(&now) }

func (f *API) now() time.Time {
	if c := f.clock.Load(); c != nil {
		return (*c)()
	}
	return time.Now()
}

// URL is the fake's base URL; the WebSocket is at the same origin.
func (f *API) URL() string { return f.srv.URL }

// Close stops the server and the pipeline goroutines.
func (f *API) Close() {
	close(f.stop)
	f.srv.CloseClientConnections()
	f.srv.Close()
	f.wg.Wait()
}

func (f *API) id(prefix string) string {
	f.seqIDs++
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s%04d%s", prefix, f.seqIDs, hex.EncodeToString(b))
}

// Handler is the fake's routes.
func (f *API) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	m.HandleFunc("POST /v1/auth/login", f.login)
	m.HandleFunc("POST /v1/analyses", f.authed(f.createAnalysis))
	m.HandleFunc("GET /v1/analyses", f.authed(f.listAnalyses))
	m.HandleFunc("GET /v1/analyses/{id}", f.authed(f.getAnalysis))
	m.HandleFunc("GET /v1/analyses/{id}/findings", f.authed(f.listFindings))
	m.HandleFunc("GET /v1/analyses/{id}/report.sarif", f.authed(f.report("sarif")))
	m.HandleFunc("GET /v1/analyses/{id}/report.json", f.authed(f.report("json")))
	m.HandleFunc("GET /v1/findings/{id}", f.authed(f.getFinding))
	m.HandleFunc("POST /v1/findings/{id}/triage", f.authed(f.triage))
	m.HandleFunc("GET /v1/api-keys", f.authed(f.listKeys))
	m.HandleFunc("POST /v1/api-keys", f.authed(f.createKey))
	m.HandleFunc("DELETE /v1/api-keys/{id}", f.authed(f.revokeKey))
	m.HandleFunc("GET /v1/ws", f.authed(f.ws))
	return m
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func problem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "urn:solsec:problem:" + code, "title": http.StatusText(status), "status": status, "detail": detail, "code": code})
}

// token makes a JWT-shaped token whose claims the front end may read; the
// fake recognises it by lookup, as the API does by signature.
func (f *API) token(u User) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{"org": u.OrgID, "role": u.Role, "uid": u.UserID, "sub": u.UserID, "exp": f.now().Add(time.Hour).Unix()})
	sig := make([]byte, 32)
	_, _ = rand.Read(sig)
	return header + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(sig)
}

func (f *API) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email, Password string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		problem(w, 400, "invalid_body", "want a JSON body with email and password")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.users {
		if strings.EqualFold(u.Email, in.Email) && u.Password == in.Password {
			t := f.token(u)
			f.tokens[t] = u
			writeJSON(w, 200, map[string]any{"token": t, "tokenType": "Bearer", "expiresAt": f.now().Add(time.Hour)})
			return
		}
	}
	problem(w, 401, "invalid_credentials", "wrong email or password")
}

// Token signs a user in directly, for tests that start signed in.
func (f *API) Token(email string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.users {
		if u.Email == email {
			t := f.token(u)
			f.tokens[t] = u
			return t
		}
	}
	panic("webuitest: no user " + email)
}

// RevokeTokens forgets every token, as an expired or rotated key would.
func (f *API) RevokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]User{}
}

func (f *API) authed(h func(w http.ResponseWriter, r *http.Request, u User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		f.mu.Lock()
		u, known := f.tokens[t]
		f.mu.Unlock()
		if !ok || !known {
			w.Header().Set("WWW-Authenticate", `Bearer realm="solsec"`)
			problem(w, 401, "unauthenticated", "authentication required")
			return
		}
		h(w, r, u)
	}
}

func (f *API) createAnalysis(w http.ResponseWriter, r *http.Request, u User) {
	if u.Role == "viewer" {
		problem(w, 403, "forbidden", "viewers cannot upload")
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		problem(w, 415, "unsupported_media_type", "want multipart/form-data")
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		problem(w, 400, "bad_upload", err.Error())
		return
	}
	up := Upload{Files: map[string][]byte{}, Fields: map[string]string{}, IdempotencyKey: r.Header.Get("Idempotency-Key")}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			problem(w, 400, "bad_upload", err.Error())
			return
		}
		b, err := io.ReadAll(p)
		if err != nil {
			problem(w, 400, "bad_upload", err.Error())
			return
		}
		_, cd, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if name := cd["filename"]; name != "" {
			if !strings.HasSuffix(name, ".sol") && !strings.HasSuffix(name, ".zip") && !strings.HasSuffix(name, ".tar.gz") && !strings.HasSuffix(name, ".tgz") {
				problem(w, 422, "unsupported_file", fmt.Sprintf("%s is not a Solidity source or a project archive", name))
				return
			}
			up.Files[name] = b
		} else {
			up.Fields[p.FormName()] = string(b)
		}
	}
	if len(up.Files) == 0 {
		problem(w, 422, "no_sources", "the form holds no file part")
		return
	}
	f.mu.Lock()
	if up.IdempotencyKey != "" {
		for id, prev := range f.uploads {
			if prev.IdempotencyKey == up.IdempotencyKey {
				// As the API: a retried upload answers the analysis it made.
				out := *f.find(id)
				f.mu.Unlock()
				writeJSON(w, 200, out)
				return
			}
		}
	}
	now := f.now().UTC()
	a := &analysis{ID: f.id("an_"), OrgID: u.OrgID, ProjectID: "prj_1", State: "queued", Tools: []string{"solsec", "slither"}, CreatedAt: now, UpdatedAt: now}
	for name := range up.Files {
		a.EntryFiles = append(a.EntryFiles, name)
	}
	slices.Sort(a.EntryFiles)
	for _, t := range a.Tools {
		a.ToolRuns = append(a.ToolRuns, toolRun{Tool: t, State: "queued", Attempt: 1})
	}
	f.analyses = append(f.analyses, a)
	f.uploads[a.ID] = up
	f.publishLocked(a, "analysis.queued", "", nil)
	out := *a
	f.mu.Unlock()
	if f.Step > 0 {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			t := time.NewTicker(f.Step)
			defer t.Stop()
			for {
				select {
				case <-f.stop:
					return
				case <-t.C:
					if !f.Advance(a.ID) {
						return
					}
				}
			}
		}()
	}
	writeJSON(w, 201, out)
}

// UploadOf returns what was uploaded for an analysis.
func (f *API) UploadOf(id string) Upload {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploads[id]
}

// publishLocked appends an event with the next id; f.mu is held.
func (f *API) publishLocked(a *analysis, typ, tool string, data any) {
	f.seq++
	e := Event{ID: "1700000000000-" + strconv.Itoa(f.seq), OrgID: a.OrgID, AnalysisID: a.ID, Type: typ, State: a.State, Progress: a.Progress, Tool: tool, Time: f.now().UTC()}
	if data != nil {
		e.Data, _ = json.Marshal(data)
	}
	f.events = append(f.events, e)
	close(f.changed)
	f.changed = make(chan struct{})
}

// Advance moves an analysis one step along queued → parsing → analysing
// (each tool started, then finished) → scoring → completed, publishing
// the events the pipeline would. It returns false once the analysis has
// ended.
func (f *API) Advance(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.find(id)
	if a == nil {
		return false
	}
	now := f.now().UTC()
	a.UpdatedAt = now
	switch a.State {
	case "queued":
		a.State, a.Progress = "parsing", 10
		f.publishLocked(a, "analysis.state_changed", "", nil)
	case "parsing":
		a.State, a.Progress = "analysing", 25
		f.publishLocked(a, "analysis.state_changed", "", nil)
		for i := range a.ToolRuns {
			a.ToolRuns[i].State = "running"
			a.ToolRuns[i].StartedAt = &now
			f.publishLocked(a, "tool_run.started", a.ToolRuns[i].Tool, map[string]any{"attempt": 1})
		}
	case "analysing":
		for i := range a.ToolRuns {
			tr := &a.ToolRuns[i]
			if tr.State != "running" {
				continue
			}
			tr.State, tr.FinishedAt, tr.DurationMs = "succeeded", &now, int64((i+1)*350)
			a.Progress += 30
			f.publishLocked(a, "tool_run.finished", tr.Tool, map[string]any{"state": tr.State, "durationMs": tr.DurationMs})
			return true
		}
		a.State, a.Progress = "scoring", 90
		f.publishLocked(a, "analysis.state_changed", "", nil)
	case "scoring":
		a.State, a.Progress, a.FinishedAt = "completed", 100, &now
		f.addFindingsLocked(a)
		f.publishLocked(a, "analysis.completed", "", map[string]any{"findings": 3})
	default:
		return false
	}
	return true
}

// Complete advances an analysis until it ends.
func (f *API) Complete(id string) {
	for f.Advance(id) {
	}
}

func (f *API) find(id string) *analysis {
	for _, a := range f.analyses {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// addFindingsLocked reports three findings for a completed analysis, one of
// them with a message that is markup, as a hostile contract's names and
// comments can make a tool's message.
func (f *API) addFindingsLocked(a *analysis) {
	file := "src/Vault.sol"
	if len(a.EntryFiles) > 0 && strings.HasSuffix(a.EntryFiles[0], ".sol") {
		file = a.EntryFiles[0]
	}
	now := f.now().UTC()
	mk := func(det, title, sev, dasp, swc, msg string, line int, snippet string, tools ...string) *Finding {
		fd := &Finding{ID: f.id("fd_"), OrgID: a.OrgID, Detector: det, Title: title, Severity: sev, Confidence: "high", DASP: dasp, SWC: swc,
			Description: "The contract " + title + ".", Recommendation: "Apply checks-effects-interactions.", Message: msg, Contract: "Vault", Function: "withdraw",
			Locations: []location{{File: file, StartLine: line, EndLine: line + 1, Snippet: snippet}}, File: file, Tools: tools, Score: 61.5,
			Status: "open", LastAnalysisID: a.ID, CreatedAt: now, UpdatedAt: now}
		for _, t := range tools {
			fd.Evidence = append(fd.Evidence, evidence{Tool: t, Detector: det, Severity: sev, Confidence: "high", Message: t + " says: " + msg, Locations: fd.Locations})
		}
		return fd
	}
	f.findings = append(f.findings,
		mk("reentrancy-eth", "Reentrancy with ether transfer", "high", "reentrancy", "SWC-107",
			"External call in withdraw() before balances[msg.sender] is written", 12,
			"(bool ok, ) = msg.sender.call{value: amount}(\"\");\nbalances[msg.sender] = 0;", "solsec", "slither"),
		mk("tx-origin", "Authorisation through tx.origin", "medium", "access_control", "SWC-115",
			`<script>alert("xss")</script><img src=x onerror=alert(1)> used in require`, 20,
			"require(tx.origin == owner, \"<b>not owner</b>\");", "solsec"),
		mk("solc-version", "Floating pragma", "informational", "", "SWC-103",
			"pragma solidity ^0.8.0 is not fixed", 1, "pragma solidity ^0.8.0;", "slither"),
	)
}

// AddFinding seeds a finding (tests of pages that need specific ones).
func (f *API) AddFinding(fd Finding) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := fd
	f.findings = append(f.findings, &c)
}

// FindingByDetector returns a copy of the first finding of a detector in
// an analysis.
func (f *API) FindingByDetector(analysisID, detector string) (Finding, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fd := range f.findings {
		if fd.LastAnalysisID == analysisID && fd.Detector == detector {
			return *fd, true
		}
	}
	return Finding{}, false
}

// Analyses returns the ids of an organisation's analyses, oldest first.
func (f *API) Analyses(org string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, a := range f.analyses {
		if a.OrgID == org {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

func pageOf[T any](w http.ResponseWriter, r *http.Request, items []T) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	start = min(max(start, 0), len(items))
	end := min(start+limit, len(items))
	out := map[string]any{"items": items[start:end]}
	if end < len(items) {
		out["nextCursor"] = strconv.Itoa(end)
	}
	if out["items"] == nil {
		out["items"] = []T{}
	}
	writeJSON(w, 200, out)
}

func (f *API) listAnalyses(w http.ResponseWriter, r *http.Request, u User) {
	f.mu.Lock()
	var items []analysis
	for i := len(f.analyses) - 1; i >= 0; i-- { // newest first
		if f.analyses[i].OrgID == u.OrgID {
			// As the API, the list carries no tool runs; GET
			// /v1/analyses/{id} has them.
			a := *f.analyses[i]
			a.ToolRuns = []toolRun{}
			items = append(items, a)
		}
	}
	f.mu.Unlock()
	pageOf(w, r, items)
}

func (f *API) getAnalysis(w http.ResponseWriter, r *http.Request, u User) {
	f.mu.Lock()
	a := f.find(r.PathValue("id"))
	var out analysis
	if a != nil {
		out = *a
		out.ToolRuns = slices.Clone(a.ToolRuns)
	}
	f.mu.Unlock()
	if a == nil || a.OrgID != u.OrgID {
		problem(w, 404, "analysis_not_found", "no such analysis in your organisation")
		return
	}
	writeJSON(w, 200, out)
}

func (f *API) listFindings(w http.ResponseWriter, r *http.Request, u User) {
	id := r.PathValue("id")
	f.mu.Lock()
	a := f.find(id)
	if a == nil || a.OrgID != u.OrgID {
		f.mu.Unlock()
		problem(w, 404, "analysis_not_found", "no such analysis in your organisation")
		return
	}
	q := r.URL.Query()
	var items []Finding
	for _, fd := range f.findings {
		if fd.LastAnalysisID != id ||
			(q.Get("severity") != "" && fd.Severity != q.Get("severity")) ||
			(q.Get("status") != "" && fd.Status != q.Get("status")) ||
			(q.Get("detector") != "" && fd.Detector != q.Get("detector")) ||
			(q.Get("tool") != "" && !slices.Contains(fd.Tools, q.Get("tool"))) ||
			(q.Get("file") != "" && fd.File != q.Get("file")) {
			continue
		}
		c := *fd
		c.Triage = nil
		items = append(items, c)
	}
	f.mu.Unlock()
	pageOf(w, r, items)
}

func (f *API) findingOf(id string, u User) *Finding {
	for _, fd := range f.findings {
		if fd.ID == id && fd.OrgID == u.OrgID {
			return fd
		}
	}
	return nil
}

func (f *API) getFinding(w http.ResponseWriter, r *http.Request, u User) {
	f.mu.Lock()
	fd := f.findingOf(r.PathValue("id"), u)
	var out Finding
	if fd != nil {
		out = *fd
	}
	f.mu.Unlock()
	if fd == nil {
		problem(w, 404, "finding_not_found", "no such finding in your organisation")
		return
	}
	writeJSON(w, 200, out)
}

func (f *API) triage(w http.ResponseWriter, r *http.Request, u User) {
	if u.Role == "viewer" {
		problem(w, 403, "forbidden", "your role (viewer) may not triage findings")
		return
	}
	var in struct{ Decision, Reason string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		problem(w, 400, "invalid_body", err.Error())
		return
	}
	if !slices.Contains([]string{"confirmed", "false_positive", "fixed", "suppressed"}, in.Decision) {
		problem(w, 422, "invalid_decision", "decision must be confirmed, false_positive, fixed or suppressed")
		return
	}
	if in.Decision == "suppressed" && in.Reason == "" {
		problem(w, 422, "reason_required", "a suppression needs a reason")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fd := f.findingOf(r.PathValue("id"), u)
	if fd == nil {
		problem(w, 404, "finding_not_found", "no such finding in your organisation")
		return
	}
	prev := fd.Status
	fd.Status = in.Decision
	// Time to triage needs a measurable gap even when a test triages in
	// the same millisecond as the finding was reported.
	fd.UpdatedAt = f.now().UTC()
	if earliest := fd.CreatedAt.Add(time.Second); fd.UpdatedAt.Before(earliest) {
		fd.UpdatedAt = earliest
	}
	d := triageEntry{ID: f.id("tri_"), Decision: in.Decision, Previous: prev, Reason: in.Reason, UserID: u.UserID, CreatedAt: fd.UpdatedAt}
	fd.Triage = append(fd.Triage, d)
	out := *fd
	out.Triage = nil
	writeJSON(w, 200, map[string]any{"finding": out, "decision": d})
}

func (f *API) report(format string) func(w http.ResponseWriter, r *http.Request, u User) {
	return func(w http.ResponseWriter, r *http.Request, u User) { f.writeReport(w, r, u, format) }
}

func (f *API) writeReport(w http.ResponseWriter, r *http.Request, u User, format string) {
	f.mu.Lock()
	a := f.find(r.PathValue("id"))
	var items []Finding
	for _, fd := range f.findings {
		if a != nil && fd.LastAnalysisID == a.ID {
			items = append(items, *fd)
		}
	}
	f.mu.Unlock()
	if a == nil || a.OrgID != u.OrgID || (format != "sarif" && format != "json") {
		problem(w, 404, "not_found", "no such report")
		return
	}
	if format == "sarif" {
		w.Header().Set("Content-Type", "application/sarif+json")
		_ = json.NewEncoder(w).Encode(map[string]any{"version": "2.1.0", "runs": []any{map[string]any{"tool": map[string]any{"driver": map[string]any{"name": "solsec"}}, "results": len(items)}}})
		return
	}
	writeJSON(w, 200, map[string]any{"analysis": a.ID, "findings": items})
}

func (f *API) listKeys(w http.ResponseWriter, r *http.Request, u User) {
	if u.Role != "admin" {
		problem(w, 403, "forbidden", "only administrators manage API keys")
		return
	}
	f.mu.Lock()
	var items []apiKey
	for _, k := range f.keys {
		if k.OrgID == u.OrgID {
			items = append(items, *k)
		}
	}
	f.mu.Unlock()
	pageOf(w, r, items)
}

func (f *API) createKey(w http.ResponseWriter, r *http.Request, u User) {
	if u.Role != "admin" {
		problem(w, 403, "forbidden", "only administrators manage API keys")
		return
	}
	var in struct{ Name, Role string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Name == "" {
		problem(w, 422, "invalid_key", "a key needs a name")
		return
	}
	if !slices.Contains([]string{"viewer", "analyst", "admin"}, in.Role) {
		problem(w, 422, "invalid_role", "role must be viewer, analyst or admin")
		return
	}
	f.mu.Lock()
	k := &apiKey{ID: f.id("key_"), OrgID: u.OrgID, Name: in.Name, Role: in.Role, CreatedAt: f.now().UTC()}
	k.KeyID = "ssk_" + k.ID[4:12]
	f.keys = append(f.keys, k)
	out := struct {
		apiKey
		Secret string `json:"secret"`
	}{*k, k.KeyID + "_" + hex.EncodeToString([]byte(k.ID))}
	f.mu.Unlock()
	writeJSON(w, 201, out)
}

func (f *API) revokeKey(w http.ResponseWriter, r *http.Request, u User) {
	if u.Role != "admin" {
		problem(w, 403, "forbidden", "only administrators manage API keys")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.keys {
		if k.ID == r.PathValue("id") && k.OrgID == u.OrgID {
			now := f.now().UTC()
			k.RevokedAt = &now
			w.WriteHeader(204)
			return
		}
	}
	problem(w, 404, "key_not_found", "no such key")
}

// ws is the notification contract: replay after ?after= (absent: from now),
// a subscription.ready control message, then live events of the analysis.
func (f *API) ws(w http.ResponseWriter, r *http.Request, u User) {
	q := r.URL.Query()
	analysisID := q.Get("analysis")
	f.mu.Lock()
	a := f.find(analysisID)
	next := len(f.events)
	f.mu.Unlock()
	if analysisID != "" && (a == nil || a.OrgID != u.OrgID) {
		problem(w, 404, "analysis_not_found", "no analysis "+analysisID+" in your organisation")
		return
	}
	if after := q.Get("after"); after != "" {
		next = 0
		if _, seq, ok := strings.Cut(after, "-"); ok {
			n, _ := strconv.Atoi(seq)
			next = n // ids are 1-based sequence numbers: resume at index n
		}
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"solsec.v1"}})
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(context.Background())
	ready := false
	for {
		f.mu.Lock()
		pending := slices.Clone(f.events[min(next, len(f.events)):])
		next = len(f.events)
		changed := f.changed
		f.mu.Unlock()
		for _, e := range pending {
			if e.OrgID != u.OrgID || (analysisID != "" && e.AnalysisID != analysisID) {
				continue
			}
			b, _ := json.Marshal(e)
			if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
				return
			}
		}
		if !ready {
			ready = true
			b, _ := json.Marshal(map[string]string{"type": "subscription.ready", "orgId": u.OrgID, "analysisId": analysisID})
			if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
				return
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		case <-f.stop:
			_ = conn.Close(websocket.StatusGoingAway, "server shutting down; reconnect with after=<last id>")
			return
		}
	}
}
