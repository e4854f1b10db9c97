// Package httpx holds the small HTTP pieces every solsec service shares:
// RFC 9457 problem-details error responses and request ids.
package httpx

import (
	"encoding/json"
	"net/http"
)

// ProblemContentType is the media type of an RFC 9457 problem document.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details object.
type Problem struct {
	// Type is a URI identifying the kind of problem; "" is written as
	// "about:blank", which per the RFC means "just the HTTP status".
	Type string
	// Title is a short summary of the type; "" is the status text.
	Title  string
	Status int
	// Detail explains this occurrence to the client, in a way it can act on.
	Detail string
	// Instance is a URI for this occurrence; "" omits it.
	Instance string
	// Extra holds extension members ("code", "errors", "limit", ...). They
	// cannot replace the standard members above.
	Extra map[string]any
}

// TypeURI is the problem type URI for a solsec machine code, e.g.
// TypeURI("path_traversal") = "urn:solsec:problem:path_traversal". A URN
// identifies the type without promising a web page at that address.
func TypeURI(code string) string { return "urn:solsec:problem:" + code }

// WriteProblem writes p as application/problem+json with status p.Status.
// r may be nil; when its context carries a request id (see RequestID) it is
// added as the "request_id" member, so a client can quote it to support.
func WriteProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	body := make(map[string]any, len(p.Extra)+6)
	for k, v := range p.Extra {
		body[k] = v
	}
	body["type"] = p.Type
	if p.Type == "" {
		body["type"] = "about:blank"
	}
	body["title"] = p.Title
	if p.Title == "" {
		body["title"] = http.StatusText(p.Status)
	}
	body["status"] = p.Status
	if p.Detail != "" {
		body["detail"] = p.Detail
	}
	if p.Instance != "" {
		body["instance"] = p.Instance
	}
	if r != nil {
		if id := RequestIDFrom(r.Context()); id != "" {
			body["request_id"] = id
		}
	}
	h := w.Header()
	h.Set("Content-Type", ProblemContentType)
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(p.Status)
	// The status line is already out; an encoding error can only be a
	// broken connection, which there is nobody left to tell.
	_ = json.NewEncoder(w).Encode(body)
}

// Fail is the common shorthand: a problem of type TypeURI(code) whose
// "code" member repeats code for clients that switch on it.
func Fail(w http.ResponseWriter, r *http.Request, status int, code, detail string) {
	WriteProblem(w, r, Problem{Type: TypeURI(code), Status: status, Detail: detail, Extra: map[string]any{"code": code}})
}
