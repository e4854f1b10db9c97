package testenv

import (
	"fmt"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// RedisServer is a redis-server process that belongs to one test. It keeps
// nothing on disk, so Stop followed by Start gives an empty server on the same
// address, as a real Redis restart without persistence does.
type RedisServer struct {
	// Addr is host:port, for go-redis Options.Addr.
	Addr string

	t    testing.TB
	bin  string
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// Redis starts a private redis-server on a free loopback port and stops it
// when the test ends.
func Redis(t testing.TB) *RedisServer {
	t.Helper()
	s := &RedisServer{t: t, bin: lookPath(t, "redis-server"), port: freePort(t)}
	s.Addr = "127.0.0.1:" + strconv.Itoa(s.port)
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's address as a redis:// URL, for redis.ParseURL.
func (s *RedisServer) URL() string { return "redis://" + s.Addr + "/0" }

// Start starts the server if it is not running and waits until it accepts
// connections.
func (s *RedisServer) Start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--protected-mode", "yes", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	if err := waitForPort(s.Addr, 10*time.Second); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		s.t.Fatalf("redis-server did not come up: %v", err)
	}
	s.cmd = cmd
}

// Stop kills the server, as a crash or a failover would, and waits for it to
// exit. Stopping a stopped server does nothing.
func (s *RedisServer) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// String names the server in test logs.
func (s *RedisServer) String() string { return fmt.Sprintf("redis-server on %s", s.Addr) }
