package api_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/api"
	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/blob/localdir"
	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/testenv"
	"github.com/solsec/platform/services/internal/upload"
)

// testLimits are small enough that the tests can exceed each of them with
// little data.
var testLimits = upload.Limits{
	MaxUploadBytes: 256 << 10,
	MaxFiles:       5,
	MaxEntries:     50,
	MaxFileBytes:   1 << 20,
	MaxTotalBytes:  16 << 20,
}

// env is one API over a fresh database and a private Redis, with two
// organisations to tell apart.
type env struct {
	t       *testing.T
	srv     *httptest.Server
	api     *api.Server
	store   *postgres.Store
	pool    *pgxpool.Pool
	redis   *testenv.RedisServer
	rdb     *redis.Client
	tokens  *auth.Tokens
	blobDir string
	events  *events.Redis
	a, b    org
}

// org is an organisation with one user per role and an analyst API key.
type org struct {
	org                    store.Organization
	admin, analyst, viewer user
	// key is an analyst API key's full token.
	key string
}

type user struct {
	store.User
	password string
	// token is a JWT for the user.
	token string
}

type envOption func(*api.Config)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.Postgres(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = postgres.Migrate(ctx, pool)
	require.NoError(t, err)
	st := postgres.New(pool)

	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	require.NoError(t, err)

	rs := testenv.Redis(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })

	ksJSON, err := auth.GenerateKeySet("test-1")
	require.NoError(t, err)
	ks, err := auth.ParseKeySet(ksJSON)
	require.NoError(t, err)
	tokens, err := auth.NewTokens(ks, auth.TokenConfig{Issuer: "https://solsec.test", Audience: "solsec-api"})
	require.NoError(t, err)

	cfg := api.Config{Limits: testLimits, UploadsPerMinute: 1000, RequestsPerMinute: 10000, Version: "1.2.3"}
	for _, o := range opts {
		o(&cfg)
	}
	blobDir := t.TempDir()
	blobs, err := localdir.New(blobDir, localdir.Options{})
	require.NoError(t, err)
	srv, err := api.New(cfg, api.Deps{
		Store: st, River: rc, Blobs: blobs, Tokens: tokens, Redis: rdb,
		Events: events.NewRedis(rdb, events.Options{}),
	})
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)

	e := &env{t: t, srv: hs, api: srv, store: st, pool: pool, redis: rs, rdb: rdb, tokens: tokens, blobDir: blobDir,
		events: events.NewRedis(rdb, events.Options{})}
	e.a = e.newOrg("alpha")
	e.b = e.newOrg("beta")
	return e
}

// with returns e reporting to t, for subtests.
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

func (e *env) newOrg(name string) org {
	e.t.Helper()
	ctx := context.Background()
	o, err := e.store.CreateOrganization(ctx, store.NewOrganization{Name: name})
	require.NoError(e.t, err)
	res := org{org: o}
	mk := func(role store.Role) user {
		pw := "correct horse " + string(role)
		hash, err := auth.HashPassword(pw)
		require.NoError(e.t, err)
		u, err := e.store.CreateUser(ctx, o.ID, store.NewUser{Email: string(role) + "@" + name + ".example", PasswordHash: hash, Role: role})
		require.NoError(e.t, err)
		tok, _, err := e.tokens.Issue(auth.Principal{OrgID: o.ID, UserID: u.ID, Role: auth.Role(role), Subject: u.ID})
		require.NoError(e.t, err)
		return user{User: u, password: pw, token: tok}
	}
	res.admin, res.analyst, res.viewer = mk(store.RoleAdmin), mk(store.RoleAnalyst), mk(store.RoleViewer)
	gen, err := auth.GenerateAPIKey()
	require.NoError(e.t, err)
	_, err = e.store.CreateAPIKey(ctx, o.ID, store.NewAPIKey{KeyID: gen.ID, Name: "ci", Role: store.RoleAnalyst, SecretHash: gen.SecretHash})
	require.NoError(e.t, err)
	res.key = gen.Token
	return res
}

// response is a finished request whose body has been checked against the
// OpenAPI document.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// code is a problem document's code member.
func (r response) code(t *testing.T) string {
	t.Helper()
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "body: %s", r.body)
	c, _ := r.json(t)["code"].(string)
	return c
}

// req describes one request. cred is a JWT or an API key; "" sends none.
type req struct {
	method, path string
	cred         string
	header       map[string]string
	contentType  string
	body         []byte
}

// do sends r and validates the response against the OpenAPI document.
func (e *env) do(r req) response {
	e.t.Helper()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, body)
	require.NoError(e.t, err)
	if r.cred != "" {
		hr.Header.Set("Authorization", "Bearer "+r.cred)
	}
	if r.contentType != "" {
		hr.Header.Set("Content-Type", r.contentType)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(hr)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	out := response{status: resp.StatusCode, header: resp.Header, body: b}
	contract(e.t).check(e.t, r.method, hr.URL.Path, out)
	return out
}

func (e *env) get(path, cred string) response {
	e.t.Helper()
	return e.do(req{method: http.MethodGet, path: path, cred: cred})
}

func (e *env) postJSON(path, cred string, v any) response {
	e.t.Helper()
	b, err := json.Marshal(v)
	require.NoError(e.t, err)
	return e.do(req{method: http.MethodPost, path: path, cred: cred, contentType: "application/json", body: b})
}

// uploadSol uploads one Solidity file as the raw body.
func (e *env) uploadSol(cred, name, source string, header map[string]string) response {
	e.t.Helper()
	return e.do(req{method: http.MethodPost, path: "/v1/analyses?filename=" + url.QueryEscape(name), cred: cred,
		contentType: "text/x-solidity", body: []byte(source), header: header})
}

// contractSource is a distinct, valid-looking contract per n.
func contractSource(n int) string {
	return fmt.Sprintf("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n\ncontract C%d {\n    uint256 public x = %d;\n}\n", n, n)
}

// multipartBody builds a form of file parts (name → content) and fields.
func multipartBody(t *testing.T, files [][2]string, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, f[0]))
		h.Set("Content-Type", "application/octet-stream")
		w, err := mw.CreatePart(h)
		require.NoError(t, err)
		_, err = w.Write([]byte(f[1]))
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), buf.Bytes()
}

// tarEntry is one member of a test archive; link names a symlink target.
type tarEntry struct {
	name, body, link string
}

func tarGz(t *testing.T, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, en := range entries {
		h := &tar.Header{Name: en.name, Mode: 0o644, Size: int64(len(en.body)), Typeflag: tar.TypeReg}
		if en.link != "" {
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, en.link, 0
		}
		require.NoError(t, tw.WriteHeader(h))
		if en.link == "" {
			_, err := tw.Write([]byte(en.body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

func zipOf(t *testing.T, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		require.NoError(t, err)
		_, err = w.Write([]byte(f[1]))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// counts are the rows an accepted upload adds.
type counts struct{ analyses, jobs, blobs int }

func (e *env) counts() counts {
	e.t.Helper()
	var c counts
	ctx := context.Background()
	require.NoError(e.t, e.pool.QueryRow(ctx, `SELECT count(*) FROM analyses`).Scan(&c.analyses))
	require.NoError(e.t, e.pool.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&c.jobs))
	c.blobs = countFiles(e.t, e.blobDir)
	return c
}

// complete walks an analysis to completed through the store, as the
// pipeline would, optionally storing findings on the way.
func (e *env) complete(o org, analysisID string, fs ...store.NewFinding) {
	e.t.Helper()
	ctx := context.Background()
	from := store.StateQueued
	for _, to := range []store.AnalysisState{store.StateParsing, store.StateAnalysing, store.StateScoring} {
		_, err := e.store.TransitionAnalysis(ctx, o.org.ID, analysisID, store.Transition{From: from, To: to})
		require.NoError(e.t, err)
		from = to
	}
	if len(fs) > 0 {
		_, err := e.store.InsertFindings(ctx, o.org.ID, analysisID, fs)
		require.NoError(e.t, err)
	}
	_, err := e.store.TransitionAnalysis(ctx, o.org.ID, analysisID, store.Transition{From: from, To: store.StateCompleted})
	require.NoError(e.t, err)
}

// finding builds a stored finding of detector in file at line.
func finding(detector string, sev findings.Severity, file string, line int, tools ...string) store.NewFinding {
	code := fmt.Sprintf("call%d()", line)
	f := findings.Finding{
		Rule: findings.Rule{
			ID: detector, Title: detector + " title", Severity: sev, Confidence: findings.ConfidenceMedium,
			SWC: "SWC-107", DASP: findings.DASPReentrancy, Description: "what it is", Recommendation: "what to do",
		},
		Message: detector + " at line " + strconv.Itoa(line), Contract: "Vault", Function: "withdraw",
		Locations: []findings.Location{{File: file, StartLine: line, StartColumn: 5, EndLine: line, EndColumn: 5 + len(code),
			StartOffset: line * 40, EndOffset: line*40 + len(code), Snippet: code}},
	}
	f.Fingerprint = findings.Fingerprint(detector, file, "Vault", "withdraw", code)
	var ev []store.Evidence
	for _, tool := range tools {
		ev = append(ev, store.Evidence{Tool: tool, Detector: detector, Severity: sev, Message: "seen by " + tool})
	}
	// Scores differ per line, so the order of equally severe findings is
	// fixed rather than left to their random ids.
	return store.NewFinding{Finding: f, Tools: tools, Score: float64(sev)*10 - float64(line)/100, Evidence: ev}
}

// --- the OpenAPI contract -------------------------------------------------

// openapi validates responses against the served document's schemas.
type openapi struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	schemas  map[string]*jsonschema.Schema
	paths    []pathTemplate
}

type pathTemplate struct {
	template string
	re       *regexp.Regexp
}

const docURL = "https://solsec.test/openapi.json"

var (
	contractOnce sync.Once
	contractDoc  *openapi
	contractErr  error
)

// contract loads the document once per test binary.
func contract(t *testing.T) *openapi {
	t.Helper()
	contractOnce.Do(func() { contractDoc, contractErr = loadContract() })
	require.NoError(t, contractErr)
	return contractDoc
}

func loadContract() (*openapi, error) {
	raw, err := api.OpenAPIJSON()
	if err != nil {
		return nil, err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(docURL, inst); err != nil {
		return nil, err
	}
	o := &openapi{compiler: c, schemas: map[string]*jsonschema.Schema{}}
	if err := json.Unmarshal(raw, &o.doc); err != nil {
		return nil, err
	}
	for p := range o.doc["paths"].(map[string]any) {
		re := regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`)
		o.paths = append(o.paths, pathTemplate{template: p, re: regexp.MustCompile("^" + re + "$")})
	}
	sort.Slice(o.paths, func(i, j int) bool { return o.paths[i].template < o.paths[j].template })
	return o, nil
}

// pointer escapes a JSON pointer token.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, tok := range tokens {
		b.WriteString("/")
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(tok))
	}
	return b.String()
}

// schema compiles (once) the schema at a JSON pointer of the document.
func (o *openapi) schema(ptr string) (*jsonschema.Schema, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if s, ok := o.schemas[ptr]; ok {
		return s, nil
	}
	s, err := o.compiler.Compile(docURL + "#" + ptr)
	if err != nil {
		return nil, err
	}
	o.schemas[ptr] = s
	return s, nil
}

// check finds the operation and the documented response for the status,
// and validates the body against the schema of its media type.
func (o *openapi) check(t *testing.T, method, path string, r response) {
	t.Helper()
	var tmpl string
	for _, p := range o.paths {
		if p.re.MatchString(path) {
			tmpl = p.template
			break
		}
	}
	if tmpl == "" {
		// An undocumented path must be the API's problem-document 404.
		require.Equal(t, http.StatusNotFound, r.status, "%s %s is not in the OpenAPI document", method, path)
		sch, err := o.schema(pointer("components", "schemas", "Problem"))
		require.NoError(t, err)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
		require.NoError(t, err)
		require.NoError(t, sch.Validate(inst))
		return
	}
	op, ok := o.doc["paths"].(map[string]any)[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	require.True(t, ok, "%s %s is not documented", method, tmpl)
	responses := op["responses"].(map[string]any)
	status := strconv.Itoa(r.status)
	respPtr := pointer("paths", tmpl, strings.ToLower(method), "responses", status)
	resp, ok := responses[status].(map[string]any)
	if !ok {
		resp, ok = responses["default"].(map[string]any)
		respPtr = pointer("paths", tmpl, strings.ToLower(method), "responses", "default")
		require.True(t, ok && r.status >= 400, "%s %s answered %d, which the document does not list; body: %s", method, tmpl, r.status, r.body)
	}
	if ref, ok := resp["$ref"].(string); ok {
		respPtr = strings.TrimPrefix(ref, "#")
		name := strings.TrimPrefix(ref, "#/components/responses/")
		resp = o.doc["components"].(map[string]any)["responses"].(map[string]any)[name].(map[string]any)
	}
	content, _ := resp["content"].(map[string]any)
	mediaType := strings.TrimSpace(strings.Split(r.header.Get("Content-Type"), ";")[0])
	if len(content) == 0 {
		require.Empty(t, r.body, "%s %s %d has a body the document does not describe", method, tmpl, r.status)
		return
	}
	_, ok = content[mediaType]
	require.True(t, ok, "%s %s %d: media type %q is not documented (%v); body: %s", method, tmpl, r.status, mediaType, content, r.body)
	sch, err := o.schema(respPtr + pointer("content", mediaType, "schema"))
	require.NoError(t, err)
	if mediaType == "text/plain" {
		return
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
	require.NoError(t, err, "%s %s %d: body is not JSON: %s", method, tmpl, r.status, r.body)
	require.NoError(t, sch.Validate(inst), "%s %s %d: body does not match the documented schema: %s", method, tmpl, r.status, r.body)
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	require.NoError(t, walkFiles(dir, func() { n++ }))
	return n
}

func walkFiles(dir string, f func()) error {
	return filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			f()
		}
		return err
	})
}
