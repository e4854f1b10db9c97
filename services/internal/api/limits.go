package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/solsec/platform/services/internal/httpx"
)

// limitClass names a budget: uploads are expensive (they start a pipeline
// run), everything else is a cheap read or a small write.
type limitClass string

const (
	classUpload  limitClass = "upload"
	classRequest limitClass = "request"
)

// rateLimited applies the principal's budget of class.
func (s *Server) rateLimited(class limitClass, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principal(r)
		limit := s.cfg.RequestsPerMinute
		if class == classUpload {
			limit = s.cfg.UploadsPerMinute
		}
		// API keys and users have separate budgets; Subject is unique
		// within the organisation, the organisation id makes it global.
		subject := string(class) + ":" + p.OrgID + ":" + p.Subject
		if s.allow(w, r, subject, limit) {
			next(w, r)
		}
	}
}

// allow counts one request of subject against limit per minute and answers
// 429 when it is over. Without Redis, or when Redis fails, it allows: see
// package ratelimit for why failing open is right here.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, subject string, limit int) bool {
	if s.limiter == nil || limit <= 0 {
		return true
	}
	d, err := s.limiter.Allow(r.Context(), subject, limit, time.Minute)
	if err != nil {
		s.degraded.report(r.Context(), "rate limits", err)
		s.metrics.redisError("ratelimit")
		return true
	}
	// The draft IETF RateLimit header fields, so clients can pace
	// themselves before they hit the limit.
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(d.RetryAfter()))
	if d.Allowed {
		return true
	}
	s.metrics.rateLimited()
	h.Set("Retry-After", strconv.Itoa(d.RetryAfter()))
	httpx.WriteProblem(w, r, httpx.Problem{
		Type: httpx.TypeURI(codeRateLimited), Status: http.StatusTooManyRequests,
		Detail: "more than " + strconv.Itoa(d.Limit) + " requests this minute; retry after " + strconv.Itoa(d.RetryAfter()) + " s",
		Extra:  map[string]any{"code": codeRateLimited, "limit": d.Limit, "retryAfter": d.RetryAfter()},
	})
	return false
}
