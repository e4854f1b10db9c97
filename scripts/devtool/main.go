// Command devtool is what scripts/dev.sh (make dev) cannot do in shell:
//
//	devtool hash-password
//	    prints the argon2id hash of the password read from stdin, in
//	    auth.HashPassword's PHC format, for the dev user dev.sh inserts the
//	    way it inserts the dev API key. The API has no endpoint that creates
//	    users, and argon2id is not something to write in shell.
//	devtool edge -listen <addr> -admin <addr> -api <url> -notify <url> \
//	    -ui-core <url> -analysis <url> -findings <url> -dashboard <url>
//	    the one origin the web front ends need, routing paths to the
//	    services as the production gateway does (routes below, copied from
//	    components/workloads.Routes; a test keeps the two equal), with
//	    /healthz and /readyz on -admin.
//
// It is a development tool only: not deployed, not part of any image.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/argon2"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: devtool hash-password|edge [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "hash-password":
		err = hashPassword(os.Args[2:])
	case "edge":
		err = edge(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want hash-password or edge", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "devtool:", err)
		os.Exit(1)
	}
}

// The argon2id parameters and encoding of auth.HashPassword
// (services/internal/auth/password.go), which a package outside services/
// may not import (Go's internal rule). dev.sh signs in through the API's
// POST /v1/auth/login right after inserting the user, so a hash
// auth.CheckPassword would refuse stops make dev at once.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

func hashPassword(args []string) error {
	if len(args) != 0 {
		return errors.New("hash-password takes no arguments: the password comes on stdin")
	}
	// The password comes on stdin, never on the command line (ps shows it).
	pw, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && pw == "" {
		return fmt.Errorf("hash-password: reading the password from stdin: %w", err)
	}
	pw = strings.TrimRight(pw, "\r\n")
	if pw == "" || len(pw) > 1024 {
		return errors.New("hash-password: a password must be 1 to 1024 bytes")
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	fmt.Printf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s\n",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
	return nil
}

// route is one of the gateway's path routes: a path prefix and the
// service it goes to, most specific first (first match wins).
type route struct {
	prefix, service string
}

// routes mirrors components/workloads.Routes (TestRoutesMatchProduction).
var routes = []route{
	{"/v1/ws", "notification"},
	{"/v1/", "api-service"},
	{"/analyses", "analysis"},
	{"/findings", "findings"},
	{"/dashboard", "dashboard"},
	{"/", "ui-core"},
}

func edge(args []string) error {
	fs := flag.NewFlagSet("edge", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8088", "address the origin listens on")
	admin := fs.String("admin", "127.0.0.1:9109", "address of /healthz and /readyz")
	targets := map[string]*string{}
	for _, s := range []string{"notification", "api-service", "analysis", "findings", "dashboard", "ui-core"} {
		name := s
		if s == "api-service" {
			name = "api"
		} else if s == "notification" {
			name = "notify"
		}
		targets[s] = fs.String(name, "", "base URL of "+s)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	upstream := map[string]*url.URL{}
	for s, v := range targets {
		u, err := url.Parse(*v)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("edge: the base URL of %s: want http://host:port, got %q", s, *v)
		}
		upstream[s] = u
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream[routeOf(pr.In.URL.Path)])
			// The front ends check WebSocket origins against the Host the
			// browser used, as behind the gateway.
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		FlushInterval: -1,
	}
	srv := &http.Server{Addr: *listen, Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	probes := http.NewServeMux()
	probes.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	probes.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	adm := &http.Server{Addr: *admin, Handler: probes, ReadHeaderTimeout: 5 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	errc := make(chan error, 2)
	for _, s := range []*http.Server{srv, adm} {
		go func() {
			if err := s.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	fmt.Fprintf(os.Stderr, "devtool edge: listening on %s (probes on %s)\n", *listen, *admin)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Shutdown does not wait for hijacked (WebSocket) connections; they
	// end with the process.
	return errors.Join(srv.Shutdown(sctx), adm.Shutdown(sctx))
}

// routeOf is the service a path goes to: the first route whose prefix it
// has, as Istio matches prefixes.
func routeOf(path string) string {
	for _, r := range routes {
		if strings.HasPrefix(path, r.prefix) {
			return r.service
		}
	}
	return "ui-core"
}
