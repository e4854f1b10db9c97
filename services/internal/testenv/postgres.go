package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// PostgresServer is a PostgreSQL cluster that belongs to one test, for fault
// tests that stop or restart the server while services are using it.
type PostgresServer struct {
	t      testing.TB
	bindir string
	data   string
	port   int
	mu     sync.Mutex
}

// PrivatePostgres initialises a cluster in a temporary directory, starts it on
// a free loopback port and removes it when the test ends. It takes a second
// or two, so tests that only need a database use Postgres instead.
func PrivatePostgres(t testing.TB) *PostgresServer {
	t.Helper()
	bindir := os.Getenv(PostgresBinDirVar)
	if bindir == "" {
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		if len(matches) == 0 {
			unavailable(t, "no PostgreSQL binaries (%s unset, none under /usr/lib/postgresql)", PostgresBinDirVar)
		}
		bindir = matches[len(matches)-1]
	}
	// The directory must be writable by the server's user; t.TempDir's
	// parent is private to the test's user, so use a directory of our own.
	dir, err := os.MkdirTemp("", "solsec-pg-")
	if err != nil {
		t.Fatalf("temporary directory: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := chownToServerUser(dir); err != nil {
		t.Fatalf("prepare %s: %v", dir, err)
	}
	s := &PostgresServer{t: t, bindir: bindir, data: filepath.Join(dir, "data"), port: freePort(t)}
	if out, err := s.run("initdb", "-D", s.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	s.Start()
	t.Cleanup(s.stop)
	return s
}

// URL is the connection URL of database name on this server ("postgres" when
// name is empty).
func (s *PostgresServer) URL(name string) string {
	if name == "" {
		name = "postgres"
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// Start starts the server and waits until it accepts connections.
func (s *PostgresServer) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off -c max_connections=200", s.port, filepath.Dir(s.data))
	if out, err := s.run("pg_ctl", "-D", s.data, "-l", filepath.Join(filepath.Dir(s.data), "server.log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		s.t.Fatalf("start PostgreSQL: %v\n%s", err, out)
	}
}

// Stop shuts the server down immediately (the "immediate" mode a crash
// resembles: no checkpoint, open transactions aborted).
func (s *PostgresServer) Stop() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if out, err := s.run("pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop"); err != nil {
		s.t.Fatalf("stop PostgreSQL: %v\n%s", err, out)
	}
}

// Restart stops the server as a crash would and starts it again.
func (s *PostgresServer) Restart() {
	s.t.Helper()
	s.Stop()
	s.Start()
}

// stop is the cleanup: it ignores a server that is already down.
func (s *PostgresServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.run("pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop")
}

// run runs one of the server's programs, as the postgres user when the test
// runs as root (PostgreSQL refuses to run as root).
func (s *PostgresServer) run(program string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bindir, program)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
		return out, err
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		return out, fmt.Errorf("%s timed out", program)
	}
}

// chownToServerUser hands dir to the postgres user when running as root.
func chownToServerUser(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the postgres user of Debian's package: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}
