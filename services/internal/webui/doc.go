// Package webui is the shared core of the platform's four server-rendered
// front ends (ui-core, analysis, findings, dashboard): one layout and design,
// the client for the public REST API, sessions, CSRF protection, the
// security headers, the embedded assets, and the pages of each front end.
//
// The front ends are a backend-for-frontend. A user signs in through a form;
// the server exchanges the credentials for the API's JWT and keeps it in a
// Secure, HttpOnly, SameSite=Strict cookie that JavaScript never sees. Every
// page then calls the API over HTTP with that token, so the front ends depend
// only on the API's HTTP contract (and the notification service's WebSocket
// contract, which the analysis front end relays to the browser on the same
// origin), never on its Go packages or database.
//
// Every HTML response is rendered by html/template (contextual escaping),
// carries a strict Content-Security-Policy (no inline script or style), and
// every state-changing form carries a CSRF token bound to a cookie by an
// HMAC only the servers can compute.
package webui
