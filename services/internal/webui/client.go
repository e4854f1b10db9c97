package webui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The types below mirror the JSON of the public API (/v1/openapi.json).
// They are declared here rather than imported from the API's packages so
// that the front ends depend on the HTTP contract only: a field the API adds
// is ignored, a field it renames shows up as a failing contract test of the
// fake in webuitest, not as a compile error in four deployables.

// Analysis is GET /v1/analyses/{id}.
type Analysis struct {
	ID         string     `json:"id"`
	ProjectID  string     `json:"projectId"`
	State      string     `json:"state"`
	Progress   int        `json:"progress"`
	EntryFiles []string   `json:"entryFiles"`
	Tools      []string   `json:"tools"`
	Error      string     `json:"error,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	ToolRuns   []ToolRun  `json:"toolRuns,omitempty"`
}

// Terminal reports whether the analysis has ended.
func (a Analysis) Terminal() bool {
	return a.State == "completed" || a.State == "failed" || a.State == "cancelled"
}

// ToolRun is one tool's run within an analysis.
type ToolRun struct {
	Tool       string     `json:"tool"`
	State      string     `json:"state"`
	Attempt    int        `json:"attempt"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	DurationMs int64      `json:"durationMs"`
	Error      string     `json:"error,omitempty"`
	Version    string     `json:"version,omitempty"`
}

// Duration is how long the run took.
func (t ToolRun) Duration() time.Duration { return time.Duration(t.DurationMs) * time.Millisecond }

// Location is a span of one source file (1-based lines).
type Location struct {
	File      string `json:"file"`
	StartLine int    `json:"startLine"`
	EndLine   int    `json:"endLine"`
	Snippet   string `json:"snippet,omitempty"`
	Message   string `json:"message,omitempty"`
}

// Evidence is what one tool reported about a finding.
type Evidence struct {
	Tool       string     `json:"tool"`
	Detector   string     `json:"detector"`
	Severity   string     `json:"severity,omitempty"`
	Confidence string     `json:"confidence,omitempty"`
	Message    string     `json:"message,omitempty"`
	Locations  []Location `json:"locations,omitempty"`
}

// Finding is GET /v1/findings/{id}.
type Finding struct {
	ID             string     `json:"id"`
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
	Locations      []Location `json:"locations"`
	File           string     `json:"file"`
	Tools          []string   `json:"tools"`
	Score          float64    `json:"score"`
	Evidence       []Evidence `json:"evidence"`
	Status         string     `json:"status"`
	LastAnalysisID string     `json:"lastAnalysisId"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      time.Time  `json:"updatedAt"`
	// Triage is the decision history, oldest first (GET /v1/findings/{id}
	// only).
	Triage []TriageDecision `json:"triage,omitempty"`
}

// TriageDecision is one entry of a finding's triage history.
type TriageDecision struct {
	Decision  string    `json:"decision"`
	Previous  string    `json:"previous"`
	Reason    string    `json:"reason,omitempty"`
	UserID    string    `json:"userId,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// APIKey is one entry of GET /v1/api-keys. The secret is never listed.
type APIKey struct {
	ID         string     `json:"id"`
	KeyID      string     `json:"keyId"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// CreatedAPIKey is POST /v1/api-keys: the key and, this once, its secret.
type CreatedAPIKey struct {
	APIKey
	Secret string `json:"secret"`
}

// Page is one page of a list endpoint.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// FindingFilter selects findings of one analysis; empty fields match all.
type FindingFilter struct {
	Severity, Detector, Tool, Status, File string
	Cursor                                 string
	Limit                                  int
}

func (f FindingFilter) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"severity": f.Severity, "detector": f.Detector, "tool": f.Tool, "status": f.Status, "file": f.File, "cursor": f.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q
}

// APIError is a problem document (RFC 9457) the API answered with.
type APIError struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

func (e *APIError) Error() string {
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	return fmt.Sprintf("API answered %d: %s", e.Status, msg)
}

// Message is what a user is shown: the problem's detail, else its title.
func (e *APIError) Message() string {
	if e.Detail != "" {
		return e.Detail
	}
	if e.Title != "" {
		return e.Title
	}
	return http.StatusText(e.Status)
}

// IsStatus reports whether err is an *APIError with that status.
func IsStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}

// Client calls the public API. It holds no credentials: each call takes the
// caller's token, so one Client serves every user of a front end.
type Client struct {
	base *url.URL
	http *http.Client
}

// NewClient returns a client of the API at base ("http://api:8080"). hc nil
// means a client with a 30s timeout; uploads and report downloads go through
// the same client, so the timeout bounds them too.
func NewClient(base *url.URL, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	b := *base
	b.Path = strings.TrimRight(b.Path, "/")
	return &Client{base: &b, http: hc}
}

func (c *Client) url(path string, q url.Values) string {
	u := *c.base
	u.Path += path
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// do sends a request and decodes a JSON answer into out (nil: discard).
func (c *Client) do(ctx context.Context, token, method, path string, q url.Values, body io.Reader, contentType string, out any) error {
	resp, err := c.send(ctx, token, method, path, q, body, contentType, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 32<<20)).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// send returns a 2xx response, or an *APIError built from the problem
// document of any other.
func (c *Client) send(ctx context.Context, token, method, path string, q url.Values, body io.Reader, contentType string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.url(path, q), body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json, application/problem+json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	ae := &APIError{Status: resp.StatusCode}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(ae)
	ae.Status = resp.StatusCode // the status line wins over the body
	return nil, ae
}

func jsonBody(v any) (io.Reader, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(b), nil
}

// Login exchanges an email and password for a JWT (POST /v1/auth/login).
func (c *Client) Login(ctx context.Context, email, password string) (token string, expires time.Time, err error) {
	body, err := jsonBody(map[string]string{"email": email, "password": password})
	if err != nil {
		return "", time.Time{}, err
	}
	var out struct {
		Token       string    `json:"token"`
		AccessToken string    `json:"accessToken"`
		ExpiresAt   time.Time `json:"expiresAt"`
	}
	if err := c.do(ctx, "", http.MethodPost, "/v1/auth/login", nil, body, "application/json", &out); err != nil {
		return "", time.Time{}, err
	}
	token = out.Token
	if token == "" {
		token = out.AccessToken
	}
	if token == "" {
		return "", time.Time{}, errors.New("POST /v1/auth/login: the answer holds no token")
	}
	return token, out.ExpiresAt, nil
}

// ListAnalyses returns one page of the organisation's analyses, newest
// first.
func (c *Client) ListAnalyses(ctx context.Context, token, cursor string, limit int) (Page[Analysis], error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var p Page[Analysis]
	err := c.do(ctx, token, http.MethodGet, "/v1/analyses", q, nil, "", &p)
	return p, err
}

// GetAnalysis returns one analysis with its tool runs.
func (c *Client) GetAnalysis(ctx context.Context, token, id string) (Analysis, error) {
	var a Analysis
	err := c.do(ctx, token, http.MethodGet, "/v1/analyses/"+url.PathEscape(id), nil, nil, "", &a)
	return a, err
}

// CreateAnalysis streams a multipart/form-data upload to POST /v1/analyses
// as it is (the browser's form, re-sent by the front end), with an
// idempotency key so that a retried submission creates one analysis.
func (c *Client) CreateAnalysis(ctx context.Context, token string, body io.Reader, contentType, idempotencyKey string) (Analysis, error) {
	h := http.Header{}
	if idempotencyKey != "" {
		h.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := c.send(ctx, token, http.MethodPost, "/v1/analyses", nil, body, contentType, h)
	if err != nil {
		return Analysis{}, err
	}
	defer resp.Body.Close()
	var a Analysis
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&a); err != nil {
		return Analysis{}, fmt.Errorf("POST /v1/analyses: decode answer: %w", err)
	}
	return a, nil
}

// ListFindings returns one page of an analysis's findings.
func (c *Client) ListFindings(ctx context.Context, token, analysisID string, f FindingFilter) (Page[Finding], error) {
	var p Page[Finding]
	err := c.do(ctx, token, http.MethodGet, "/v1/analyses/"+url.PathEscape(analysisID)+"/findings", f.query(), nil, "", &p)
	return p, err
}

// AllFindings follows the cursor through every page, up to max findings.
func (c *Client) AllFindings(ctx context.Context, token, analysisID string, f FindingFilter, max int) ([]Finding, error) {
	var all []Finding
	for {
		p, err := c.ListFindings(ctx, token, analysisID, f)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" || len(all) >= max {
			return all, nil
		}
		f.Cursor = p.NextCursor
	}
}

// GetFinding returns one finding with every tool's evidence.
func (c *Client) GetFinding(ctx context.Context, token, id string) (Finding, error) {
	var f Finding
	err := c.do(ctx, token, http.MethodGet, "/v1/findings/"+url.PathEscape(id), nil, nil, "", &f)
	return f, err
}

// Triage records a decision (confirmed, false_positive, fixed, suppressed)
// on a finding.
func (c *Client) Triage(ctx context.Context, token, id, decision, reason string) error {
	body, err := jsonBody(map[string]string{"decision": decision, "reason": reason})
	if err != nil {
		return err
	}
	return c.do(ctx, token, http.MethodPost, "/v1/findings/"+url.PathEscape(id)+"/triage", nil, body, "application/json", nil)
}

// Report opens an analysis's report ("sarif" or "json"); the caller closes
// the response body.
func (c *Client) Report(ctx context.Context, token, analysisID, format string) (*http.Response, error) {
	return c.send(ctx, token, http.MethodGet, "/v1/analyses/"+url.PathEscape(analysisID)+"/report."+format, nil, nil, "", http.Header{"Accept": {"*/*"}})
}

// ListAPIKeys returns the organisation's API keys.
func (c *Client) ListAPIKeys(ctx context.Context, token string) ([]APIKey, error) {
	var p Page[APIKey]
	err := c.do(ctx, token, http.MethodGet, "/v1/api-keys", nil, nil, "", &p)
	return p.Items, err
}

// CreateAPIKey creates a key; the answer holds its secret, shown once.
func (c *Client) CreateAPIKey(ctx context.Context, token, name, role string) (CreatedAPIKey, error) {
	body, err := jsonBody(map[string]string{"name": name, "role": role})
	if err != nil {
		return CreatedAPIKey{}, err
	}
	var k CreatedAPIKey
	err = c.do(ctx, token, http.MethodPost, "/v1/api-keys", nil, body, "application/json", &k)
	return k, err
}

// RevokeAPIKey revokes a key.
func (c *Client) RevokeAPIKey(ctx context.Context, token, id string) error {
	return c.do(ctx, token, http.MethodDelete, "/v1/api-keys/"+url.PathEscape(id), nil, nil, "", nil)
}

// Ping checks that the API answers at all (its /healthz), for /readyz.
func (c *Client) Ping(ctx context.Context) error {
	return c.do(ctx, "", http.MethodGet, "/healthz", nil, nil, "", nil)
}
