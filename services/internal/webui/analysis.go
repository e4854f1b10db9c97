package webui

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
)

// MountAnalysis registers the analysis front end: the list of analyses with
// the upload form, the upload itself, the live progress view and the
// WebSocket relay that feeds it.
func (a *App) MountAnalysis() {
	m := a.mux
	m.HandleFunc("GET /analyses", a.authed(a.analyses))
	m.HandleFunc("POST /analyses", a.authed(a.upload))
	m.HandleFunc("GET /analyses/{id}", a.authed(a.progress))
	m.HandleFunc("GET /analyses/{id}/live", a.authed(a.live))
}

type analysesData struct {
	Analyses       []Analysis
	Next           string
	Limits         UploadLimits
	Tools          []string
	IdempotencyKey string
}

func (a *App) analyses(w http.ResponseWriter, r *http.Request, u *User) {
	a.analysesPage(w, r, u, http.StatusOK, "")
}

func (a *App) analysesPage(w http.ResponseWriter, r *http.Request, u *User, status int, errMsg string) {
	p, err := a.api.ListAnalyses(r.Context(), u.Token, r.URL.Query().Get("cursor"), 25)
	if err != nil {
		a.apiFailed(w, r, u, err)
		return
	}
	a.render(w, r, status, "analyses", view{Title: "Analyses", Nav: "analyses", User: u, Error: errMsg,
		Data: analysesData{Analyses: p.Items, Next: p.NextCursor, Limits: a.cfg.Limits, Tools: Tools, IdempotencyKey: randomToken()}})
}

// errNoFiles is a form without a file part.
var errNoFiles = &errUploadRejected{http.StatusUnprocessableEntity, "Choose at least one .sol file or a project archive."}

// errUploadRejected is an upload the front end refused before the API saw
// all of it; its message is shown to the user.
type errUploadRejected struct {
	status int // 413 for a limit, 422 for a form without files
	msg    string
}

func (e *errUploadRejected) Error() string { return e.msg }

// upload relays the browser's multipart form to POST /v1/analyses as a
// stream, without buffering it: the first part must be the CSRF token
// (the form puts it first, and browsers send parts in document order),
// the file parts are forwarded with the paths the browser gave, and the
// API's limits on size and count are enforced on the way so that a client
// bypassing the page's checks is cut off early.
func (a *App) upload(w http.ResponseWriter, r *http.Request, u *User) {
	lim := a.cfg.Limits
	// Part headers and the token add a little to the files themselves.
	r.Body = http.MaxBytesReader(w, r.Body, lim.MaxUploadBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		a.analysesPage(w, r, u, http.StatusBadRequest, "The upload was not a form with files.")
		return
	}
	first, err := mr.NextPart()
	if err != nil || first.FormName() != CSRFField || first.FileName() != "" {
		a.renderError(w, r, u, http.StatusForbidden, "This form has expired or did not come from this site. Go back, reload the page and try again.")
		return
	}
	tok, _ := io.ReadAll(io.LimitReader(first, 256))
	if !a.csrf.Valid(r, string(tok)) {
		a.renderError(w, r, u, http.StatusForbidden, "This form has expired or did not come from this site. Go back, reload the page and try again.")
		return
	}

	// The page renders a fresh idempotency key as the second part, so a
	// form sent twice (a reload after a timeout, a double submit) creates
	// one analysis; it must be read before the request to the API starts,
	// since it travels as a header.
	next, err := mr.NextPart()
	switch {
	case err == io.EOF:
		a.analysesPage(w, r, u, errNoFiles.status, errNoFiles.msg)
		return
	case err != nil:
		a.analysesPage(w, r, u, http.StatusBadRequest, "The upload could not be read: "+err.Error())
		return
	}
	idem := ""
	if next.FormName() == "idempotency_key" && next.FileName() == "" {
		v, _ := io.ReadAll(io.LimitReader(next, 256))
		if validIdempotencyKey(string(v)) {
			idem = string(v)
		}
		next = nil
	}

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	relayed := make(chan error, 1)
	go func() {
		err := relayParts(mr, next, mw, lim)
		if err == nil {
			err = mw.Close()
		}
		relayed <- err
		pw.CloseWithError(err)
	}()
	an, apiErr := a.api.CreateAnalysis(r.Context(), u.Token, pr, mw.FormDataContentType(), idem)
	// Unblock the relay if the API answered before reading everything.
	pr.CloseWithError(errors.New("the API answered"))
	relayErr := <-relayed
	var rej *errUploadRejected
	switch {
	case errors.As(relayErr, &rej):
		a.analysesPage(w, r, u, rej.status, rej.msg)
	case apiErr != nil && IsStatus(apiErr, http.StatusUnauthorized):
		a.apiFailed(w, r, u, apiErr)
	case apiErr != nil && isClientError(apiErr):
		var ae *APIError
		errors.As(apiErr, &ae)
		a.analysesPage(w, r, u, ae.Status, "The upload was refused: "+ae.Message())
	case relayErr != nil && !errors.Is(relayErr, io.ErrClosedPipe):
		a.analysesPage(w, r, u, http.StatusBadRequest, "The upload could not be read: "+relayErr.Error())
	case apiErr != nil:
		a.apiFailed(w, r, u, apiErr)
	default:
		http.Redirect(w, r, "/analyses/"+an.ID, http.StatusSeeOther)
	}
}

func isClientError(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500
}

// forwardedFields are the form fields the API understands besides files
// and tools.
var forwardedFields = map[string]bool{"project": true}

// Tools are the analysers the API knows (its knownTools); the form offers
// them, and choosing none leaves the choice to the platform's defaults.
var Tools = []string{"solsec", "slither", "mythril", "solhint"}

// validIdempotencyKey is the API's rule: 1 to 255 printable ASCII bytes.
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

// relayParts copies the browser's form to mw: first (when not nil), then
// the remaining parts of mr. The tools checked, one field each in the
// browser's form, become the one comma-separated tools field the API reads.
func relayParts(mr *multipart.Reader, first *multipart.Part, mw *multipart.Writer, lim UploadLimits) error {
	var total int64
	files := 0
	var tools []string
	for {
		p := first
		first = nil
		var err error
		if p == nil {
			p, err = mr.NextPart()
		}
		if err == io.EOF {
			if files == 0 {
				return errNoFiles
			}
			if len(tools) > 0 {
				return mw.WriteField("tools", strings.Join(tools, ","))
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("malformed form: %w", err)
		}
		name := rawFileName(p)
		if name == "" {
			if p.FormName() == "tools" {
				v, err := io.ReadAll(io.LimitReader(p, 64))
				if err != nil {
					return err
				}
				if t := string(v); slices.Contains(Tools, t) && !slices.Contains(tools, t) {
					tools = append(tools, t)
				}
				continue
			}
			if forwardedFields[p.FormName()] {
				v, err := io.ReadAll(io.LimitReader(p, 4<<10))
				if err != nil {
					return err
				}
				if err := mw.WriteField(p.FormName(), string(v)); err != nil {
					return err
				}
			}
			continue
		}
		files++
		if files > lim.MaxFiles {
			return &errUploadRejected{http.StatusRequestEntityTooLarge, fmt.Sprintf("Too many files: at most %d per analysis. Upload the project as a .zip or .tar.gz instead.", lim.MaxFiles)}
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files"; filename="%s"`, quoteEscaper.Replace(name)))
		h.Set("Content-Type", "application/octet-stream")
		dst, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		// A single archive may be as large as the whole upload; a source
		// file only as large as one file.
		perFile := lim.MaxFileBytes
		if isArchiveName(name) {
			perFile = lim.MaxUploadBytes
		}
		n, err := io.Copy(dst, io.LimitReader(p, perFile+1))
		if err != nil {
			return err
		}
		if n > perFile {
			return &errUploadRejected{http.StatusRequestEntityTooLarge, fmt.Sprintf("%s is larger than %s, the limit for one file.", name, byteSize(perFile))}
		}
		if total += n; total > lim.MaxUploadBytes {
			return &errUploadRejected{http.StatusRequestEntityTooLarge, fmt.Sprintf("The upload is larger than %s in total.", byteSize(lim.MaxUploadBytes))}
		}
	}
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

// rawFileName is the part's filename with the directories the client gave
// (Part.FileName keeps only the base name, which would flatten a project).
func rawFileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["filename"]
}

func isArchiveName(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".zip") || strings.HasSuffix(n, ".tar.gz") || strings.HasSuffix(n, ".tgz")
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

type progressData struct {
	Analysis Analysis
	States   []stateStep
}

// stateStep is one step of the pipeline in the progress view.
type stateStep struct {
	Name    string
	Done    bool
	Current bool
}

var pipelineStates = []string{"queued", "parsing", "analysing", "scoring", "completed"}

func steps(state string) []stateStep {
	cur := -1
	for i, s := range pipelineStates {
		if s == state {
			cur = i
		}
	}
	out := make([]stateStep, len(pipelineStates))
	for i, s := range pipelineStates {
		out[i] = stateStep{Name: s, Done: cur >= 0 && (i < cur || state == "completed"), Current: i == cur}
	}
	return out
}

func (a *App) progress(w http.ResponseWriter, r *http.Request, u *User) {
	an, err := a.api.GetAnalysis(r.Context(), u.Token, r.PathValue("id"))
	if err != nil {
		a.apiFailed(w, r, u, err)
		return
	}
	a.render(w, r, http.StatusOK, "progress", view{Title: "Analysis " + shortID(an.ID), Nav: "analyses", User: u,
		Data: progressData{Analysis: an, States: steps(an.State)}})
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
