package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/solsec/platform/services/internal/events"
	"github.com/solsec/platform/services/internal/httpx"
	"github.com/solsec/platform/services/internal/pipeline"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/store/postgres"
	"github.com/solsec/platform/services/internal/tools"
	"github.com/solsec/platform/services/internal/upload"
)

// knownTools are the tools an upload may ask for by name.
var knownTools = []string{tools.EngineName, "slither", "mythril", "solhint"}

// IdempotencyKeyHeader makes POST /v1/analyses safe to retry.
const IdempotencyKeyHeader = "Idempotency-Key"

// uploadRequest is what an upload asks for besides its sources.
type uploadRequest struct {
	project        string
	tools          []string
	idempotencyKey string
	// noCache is set by "Cache-Control: no-cache": analyse again even when
	// a completed analysis of the same sources exists.
	noCache bool
}

// outcome says how an accepted upload was answered.
type outcome string

const (
	outcomeCreated  outcome = "created"  // 201, a new analysis and its job
	outcomeReplayed outcome = "replayed" // 200, the idempotency key's analysis
	outcomeCached   outcome = "cached"   // 200, a completed analysis of the same sources
)

// createAnalysis is POST /v1/analyses.
func (s *Server) createAnalysis(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	req, ok := s.uploadParams(w, r)
	if !ok {
		s.metrics.upload("rejected")
		return
	}
	bundle, fields, err := s.readUpload(w, r)
	if err != nil {
		s.metrics.upload("rejected")
		s.uploadError(w, r, err)
		return
	}
	// Multipart fields override the query, so a browser form can say it all.
	if v, ok := fields["project"]; ok {
		req.project = v
	}
	if v, ok := fields["tools"]; ok {
		req.tools = splitList(v)
	}
	if !s.validUploadRequest(w, r, &req) {
		s.metrics.upload("rejected")
		return
	}
	var a store.Analysis
	var how outcome
	errReuse := errors.New("idempotency key reused")
	err = s.store.InTx(r.Context(), func(tx *postgres.Tx) error {
		// Look before creating: EnsureProject's upsert would lock the
		// project's row until commit and serialise concurrent uploads.
		project, err := tx.FindProjectByName(r.Context(), p.OrgID, req.project)
		if errors.Is(err, store.ErrNotFound) {
			project, err = tx.EnsureProject(r.Context(), p.OrgID, req.project)
		}
		if err != nil {
			return err
		}
		// The idempotency key comes first: a retry must get its own first
		// answer back, not whatever the cache would say now.
		if req.idempotencyKey != "" {
			prev, err := tx.FindAnalysisByIdempotencyKey(r.Context(), p.OrgID, req.idempotencyKey)
			switch {
			case err == nil && prev.SourceHash == bundle.Hash && prev.ProjectID == project.ID:
				a, how = prev, outcomeReplayed
				return nil
			case err == nil:
				return errReuse
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		if !req.noCache {
			if hit, ok := s.cached(r.Context(), tx, p.OrgID, project.ID, bundle.Hash, req.tools); ok {
				a, how = hit, outcomeCached
				return s.audit(r.Context(), tx, r, "analysis.cache_hit", "analysis:"+hit.ID, map[string]any{
					"sourceHash": bundle.Hash, "project": req.project,
				})
			}
		}
		created, isNew, err := tx.CreateAnalysis(r.Context(), p.OrgID, store.NewAnalysis{
			ProjectID: project.ID, SourceHash: bundle.Hash, IdempotencyKey: req.idempotencyKey,
			BlobKey: pipeline.SourcesKey(p.OrgID, bundle.Hash), EntryFiles: bundle.Entries, Remappings: bundle.Remappings,
			Tools: req.tools, CreatedBy: p.Subject,
		})
		if errors.Is(err, store.ErrConflict) && req.idempotencyKey != "" {
			return errReuse
		}
		if err != nil {
			return err
		}
		if !isNew {
			// A concurrent request with the same key won the insert.
			a, how = created, outcomeReplayed
			return nil
		}
		// The sources are written inside the transaction: if the write
		// fails nothing commits, and once the job is visible its sources
		// exist. A commit that fails after the write leaves an object no
		// row names, which is harmless (keys are content-addressed).
		if err := s.putSources(r.Context(), created.BlobKey, bundle); err != nil {
			return err
		}
		// The job carries the request's trace context, so one analysis is
		// one trace from the upload through every pipeline service.
		if _, err := s.river.InsertTx(r.Context(), tx.PgxTx(), pipeline.ParseArgs{OrgID: p.OrgID, AnalysisID: created.ID},
			pipeline.TraceInsertOpts(r.Context())); err != nil {
			return fmt.Errorf("insert parse job: %w", err)
		}
		a, how = created, outcomeCreated
		return s.audit(r.Context(), tx, r, "analysis.created", "analysis:"+created.ID, map[string]any{
			"sourceHash": bundle.Hash, "project": req.project, "files": len(bundle.Files),
			"bytes": bundle.TotalBytes, "tools": nonNil(req.tools),
		})
	})
	switch {
	case errors.Is(err, errReuse):
		s.metrics.upload("rejected")
		fail(w, r, http.StatusUnprocessableEntity, codeIdempotencyReused,
			fmt.Sprintf("the %s %q was already used for a different upload; use a new key for new sources", IdempotencyKeyHeader, req.idempotencyKey))
		return
	case err != nil:
		s.storeError(w, r, "project", err)
		return
	}
	s.metrics.upload(string(how))
	w.Header().Set("Location", "/v1/analyses/"+a.ID)
	w.Header().Set("X-Cache", map[bool]string{true: "hit", false: "miss"}[how == outcomeCached])
	status := http.StatusOK
	switch how {
	case outcomeCreated:
		status = http.StatusCreated
	case outcomeReplayed:
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if how != outcomeCreated {
		// The answer is an existing analysis: show its tool runs too.
		if full, err := s.store.GetAnalysis(r.Context(), p.OrgID, a.ID); err == nil {
			a = full
		}
	}
	writeJSON(w, status, viewAnalysis(a))
	if how == outcomeCreated {
		// The client has its answer before the event goes out: the event is
		// a best-effort view of a row that is already committed.
		_ = http.NewResponseController(w).Flush()
		s.publish(r.Context(), events.Event{OrgID: p.OrgID, AnalysisID: a.ID, Type: events.AnalysisQueued, State: string(a.State)})
	}
}

// cached returns a completed analysis of the same sources, project and
// tools, from Redis when it knows one and from the store otherwise. Any
// Redis failure is a miss: the cache saves work, it never decides anything.
func (s *Server) cached(ctx context.Context, tx *postgres.Tx, orgID, projectID, hash string, wantTools []string) (store.Analysis, bool) {
	matches := func(a store.Analysis) bool {
		return a.State == store.StateCompleted && a.ProjectID == projectID && a.SourceHash == hash && slices.Equal(nonNil(a.Tools), nonNil(wantTools))
	}
	if s.results != nil {
		id, ok, err := s.results.Get(ctx, orgID, hash)
		if err != nil {
			s.degraded.report(ctx, "result cache", err)
			s.metrics.redisError("cache")
		}
		if ok {
			if a, err := tx.GetAnalysis(ctx, orgID, id); err == nil && matches(a) {
				return a, true
			} else if errors.Is(err, store.ErrNotFound) {
				// Purged by retention: drop the stale entry.
				_ = s.results.Forget(ctx, orgID, hash)
			}
		}
	}
	a, err := tx.FindCompletedAnalysisBySourceHash(ctx, orgID, hash)
	if err != nil || !matches(a) {
		return store.Analysis{}, false
	}
	if s.results != nil {
		if err := s.results.Set(ctx, orgID, hash, a.ID); err != nil {
			s.degraded.report(ctx, "result cache", err)
			s.metrics.redisError("cache")
		}
	}
	return a, true
}

// uploadParams reads the query and headers of an upload.
func (s *Server) uploadParams(w http.ResponseWriter, r *http.Request) (uploadRequest, bool) {
	q := r.URL.Query()
	req := uploadRequest{
		project:        q.Get("project"),
		tools:          listParam(r, "tools"),
		idempotencyKey: r.Header.Get(IdempotencyKeyHeader),
	}
	for _, v := range r.Header.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(d), "no-cache") {
				req.noCache = true
			}
		}
	}
	if _, ok := r.Header[IdempotencyKeyHeader]; ok && !validIdempotencyKey(req.idempotencyKey) {
		fail(w, r, http.StatusBadRequest, codeInvalidIdempotency,
			"the Idempotency-Key header must be 1 to 255 printable ASCII characters, e.g. a UUID")
		return req, false
	}
	if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		fail(w, r, http.StatusUnsupportedMediaType, codeUnsupportedEncoding,
			"Content-Encoding "+enc+" is not accepted; send a .tar.gz or .zip archive instead of compressing the body")
		return req, false
	}
	return req, true
}

// validUploadRequest checks the project name and tools and applies the
// defaults.
func (s *Server) validUploadRequest(w http.ResponseWriter, r *http.Request, req *uploadRequest) bool {
	req.project = strings.TrimSpace(req.project)
	if req.project == "" {
		req.project = s.cfg.DefaultProject
	}
	if len(req.project) > 200 || strings.IndexFunc(req.project, unicode.IsControl) >= 0 {
		fail(w, r, http.StatusUnprocessableEntity, codeInvalidProject, "a project name is 1 to 200 characters without control characters")
		return false
	}
	for _, t := range req.tools {
		if !slices.Contains(knownTools, t) {
			fail(w, r, http.StatusUnprocessableEntity, codeUnknownTool,
				fmt.Sprintf("unknown tool %q; known tools are %s", t, strings.Join(knownTools, ", ")))
			return false
		}
	}
	slices.Sort(req.tools)
	req.tools = slices.Compact(req.tools)
	return true
}

func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// readUpload reads the sources: a multipart form (one or several files, or
// one archive), or a raw body named by ?filename=, a Content-Disposition
// filename, or its Content-Type.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (*upload.Bundle, map[string]string, error) {
	lim := s.cfg.Limits
	if lim.MaxUploadBytes <= 0 {
		lim.MaxUploadBytes = upload.DefaultLimits().MaxUploadBytes
	}
	// The part headers and boundaries of a form are not counted by the
	// upload package, so the body gets a little room beyond the limit.
	r.Body = http.MaxBytesReader(w, r.Body, lim.MaxUploadBytes+64<<10)
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil || params["boundary"] == "" {
			return nil, nil, &upload.Error{Code: upload.CodeBadArchive, Detail: "malformed multipart body: no boundary"}
		}
		return upload.ReadMultipart(mr, lim)
	}
	name := r.URL.Query().Get("filename")
	if name == "" {
		if _, p, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			name = p["filename"]
		}
	}
	if name == "" {
		switch mediaType {
		case "application/zip", "application/x-zip-compressed":
			name = "upload.zip"
		case "application/gzip", "application/x-gzip", "application/x-tar+gzip", "application/x-gtar":
			name = "upload.tar.gz"
		case "text/x-solidity", "text/plain":
			name = "Contract.sol"
		default:
			// upload.Read recognises archives by their magic bytes.
			name = "upload"
		}
	}
	b, err := upload.Read(name, r.Body, lim)
	return b, nil, err
}

// uploadError answers a rejected upload with the upload package's status
// and code, naming the file and the limit.
func (s *Server) uploadError(w http.ResponseWriter, r *http.Request, err error) {
	var ue *upload.Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ue):
		extra := map[string]any{"code": string(ue.Code)}
		if ue.Path != "" {
			extra["path"] = ue.Path
		}
		if ue.Limit > 0 {
			extra["limit"] = ue.Limit
		}
		writeProblem(w, r, ue.HTTPStatus(), string(ue.Code), ue.Detail, extra)
	case errors.As(err, &mbe):
		writeProblem(w, r, http.StatusRequestEntityTooLarge, string(upload.CodeUploadTooLarge),
			fmt.Sprintf("the request body exceeds %d bytes", mbe.Limit), map[string]any{"code": string(upload.CodeUploadTooLarge), "limit": mbe.Limit})
	default:
		s.internal(w, r, err)
	}
}

// getAnalysis is GET /v1/analyses/{id}.
func (s *Server) getAnalysis(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.GetAnalysis(r.Context(), principal(r).OrgID, r.PathValue("id"))
	if err != nil {
		s.storeError(w, r, "analysis", err)
		return
	}
	writeJSON(w, http.StatusOK, viewAnalysis(a))
}

// listAnalyses is GET /v1/analyses.
func (s *Server) listAnalyses(w http.ResponseWriter, r *http.Request) {
	limit, cursor, ok := pageParams(w, r)
	if !ok {
		return
	}
	f := store.AnalysisFilter{ProjectID: r.URL.Query().Get("projectId"), Limit: limit, Cursor: cursor}
	for _, st := range listParam(r, "state") {
		if !store.AnalysisState(st).Valid() {
			fail(w, r, http.StatusBadRequest, codeInvalidParameter, fmt.Sprintf("state=%q: want one of %v", st, store.AnalysisStates))
			return
		}
		f.States = append(f.States, store.AnalysisState(st))
	}
	pg, err := s.store.ListAnalyses(r.Context(), principal(r).OrgID, f)
	if err != nil {
		s.storeError(w, r, "analyses", err)
		return
	}
	out := page[analysisView]{Items: make([]analysisView, 0, len(pg.Items)), NextCursor: pg.NextCursor}
	for _, a := range pg.Items {
		out.Items = append(out.Items, viewAnalysis(a))
	}
	writeJSON(w, http.StatusOK, out)
}

// cancelAnalysis is POST /v1/analyses/{id}/cancel. Cancelling a cancelled
// analysis answers it again (the request is idempotent); cancelling one
// that completed or failed is a 409. In one transaction, holding the
// analysis' row lock so that a worker's step and the cancel are decided one
// after the other, it moves the analysis to cancelled, inserts the
// orchestration job that stops its tool runs (as pipeline.CancelAnalysis
// does) and appends the audit entry.
func (s *Server) cancelAnalysis(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	id := r.PathValue("id")
	var a store.Analysis
	var changed bool
	err := s.store.InTx(r.Context(), func(tx *postgres.Tx) error {
		cur, err := tx.LockAnalysis(r.Context(), p.OrgID, id)
		if err != nil {
			return err
		}
		if cur.State.Terminal() {
			a = cur
			return nil
		}
		a, err = tx.TransitionAnalysis(r.Context(), p.OrgID, id, store.Transition{
			From: cur.State, To: store.StateCancelled, Error: "cancelled by " + p.Subject,
		})
		if err != nil {
			return err
		}
		changed = true
		if _, err := s.river.InsertTx(r.Context(), tx.PgxTx(),
			pipeline.OrchestrateArgs{OrgID: p.OrgID, AnalysisID: id, Reason: "cancel"}, pipeline.TraceInsertOpts(r.Context())); err != nil {
			return fmt.Errorf("insert orchestrate job: %w", err)
		}
		return s.audit(r.Context(), tx, r, "analysis.cancelled", "analysis:"+id, map[string]any{"from": string(cur.State)})
	})
	if err != nil {
		s.storeError(w, r, "analysis", err)
		return
	}
	if !changed && a.State != store.StateCancelled {
		fail(w, r, http.StatusConflict, codeAlreadyFinished, fmt.Sprintf("the analysis has already %s", a.State))
		return
	}
	if full, err := s.store.GetAnalysis(r.Context(), p.OrgID, id); err == nil {
		a = full
	}
	writeJSON(w, http.StatusOK, viewAnalysis(a))
	if changed {
		_ = http.NewResponseController(w).Flush()
		s.publish(r.Context(), events.Event{OrgID: p.OrgID, AnalysisID: id, Type: events.AnalysisCancelled, State: string(a.State), Progress: a.Progress})
	}
}

// audit appends an audit entry in tx for the request's principal.
func (s *Server) audit(ctx context.Context, tx *postgres.Tx, r *http.Request, action, target string, details map[string]any) error {
	p := principal(r)
	if details == nil {
		details = map[string]any{}
	}
	details["requestId"] = httpx.RequestIDFrom(r.Context())
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit details: %w", err)
	}
	_, err = tx.AppendAudit(ctx, store.AuditEntry{OrgID: p.OrgID, Actor: p.Subject, Action: action, Target: target, Details: raw})
	return err
}

// publish sends a status event, best effort: the analysis row is the truth
// and events are a view of it, so a Redis outage is logged, not failed.
func (s *Server) publish(ctx context.Context, e events.Event) {
	if s.events == nil {
		return
	}
	if _, err := s.events.Publish(ctx, e); err != nil {
		s.degraded.report(ctx, "events", err)
		s.metrics.redisError("events")
	}
}
