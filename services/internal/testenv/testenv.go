// Package testenv gives service tests the real PostgreSQL and Redis servers
// ARCHITECTURE.md asks for, on loopback:
//
//   - Postgres: a fresh, empty database on the shared server that
//     scripts/test-services.sh starts (make test runs it), dropped when the
//     test ends. Creating a database takes milliseconds, so every test gets
//     its own and tests never see each other's rows.
//   - PrivatePostgres: a cluster of the test's own, for fault tests that stop
//     or restart the server under a running pipeline.
//   - Redis: a redis-server process of the test's own, which the test can stop
//     and start again to check that the services degrade and recover.
//
// When the servers are not available the tests skip and say why, unless
// SOLSEC_REQUIRE_SERVICES=1 (set by make test) turns the skip into a failure:
// CI must never pass by skipping the service tests.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read here; scripts/test-services.sh exports the first
// two and make test sets the third.
const (
	DatabaseURLVar     = "SOLSEC_TEST_DATABASE_URL"
	PostgresBinDirVar  = "SOLSEC_TEST_PG_BINDIR"
	RequireServicesVar = "SOLSEC_REQUIRE_SERVICES"
)

// unavailable skips the test, or fails it when the test command promised the
// servers would be there.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + " (run `eval \"$(scripts/test-services.sh start)\"` or `make test`)"
	if os.Getenv(RequireServicesVar) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Postgres creates an empty database on the shared test server and returns
// its URL. The database is dropped, with any connections still open to it,
// when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(DatabaseURLVar)
	if admin == "" {
		unavailable(t, "%s is not set: no PostgreSQL server for this test", DatabaseURLVar)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		unavailable(t, "cannot reach the test PostgreSQL server at %s: %v", redact(admin), err)
	}
	defer conn.Close(ctx)

	name := "t_" + randomHex(8)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(admin, name)
}

// withDatabase returns the server URL u pointing at database name.
func withDatabase(u, name string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		panic(fmt.Sprintf("testenv: bad database URL: %v", err))
	}
	parsed.Path = "/" + name
	return parsed.String()
}

// redact hides a password in a database URL before it reaches a log.
func redact(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "(unparseable URL)"
	}
	return parsed.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// freePort asks the kernel for a loopback port nobody uses. Another process
// could take it before the server binds it; the servers' start-up checks
// report that as a clear failure rather than a hang.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitForPort polls until something accepts connections on addr.
func waitForPort(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on %s after %s: %w", addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lookPath finds a server binary or skips/fails the test naming it.
func lookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		unavailable(t, "%s is not installed", name)
	}
	return p
}
