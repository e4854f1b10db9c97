package tools

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Limits bound one subprocess run.
type Limits struct {
	// Timeout ends the run: the whole process group is killed.
	Timeout time.Duration
	// MemoryBytes is the child's address-space limit (RLIMIT_AS), 0 for
	// none. Address space, not resident memory: an interpreter that
	// reserves large virtual ranges up front (V8 reserves several GiB for
	// its heap cage) needs a limit well above what it really uses.
	MemoryBytes int64
	// MaxOutputBytes caps standard output; a tool that writes more is
	// killed and the run fails with StatusOutputTooLarge.
	MaxOutputBytes int64
	// StderrTailBytes is how much of the end of standard error is kept.
	StderrTailBytes int
}

// DefaultLimits suit Slither and Mythril on a contract project.
var DefaultLimits = Limits{
	Timeout:         10 * time.Minute,
	MemoryBytes:     4 << 30,
	MaxOutputBytes:  64 << 20,
	StderrTailBytes: 4 << 10,
}

// withDefaults fills zero fields from DefaultLimits. A negative
// MemoryBytes means no limit at all.
func (l Limits) withDefaults() Limits {
	if l.Timeout <= 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	if l.MemoryBytes == 0 {
		l.MemoryBytes = DefaultLimits.MemoryBytes
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = DefaultLimits.MaxOutputBytes
	}
	if l.StderrTailBytes <= 0 {
		l.StderrTailBytes = DefaultLimits.StderrTailBytes
	}
	return l
}

// command is one subprocess to run.
type command struct {
	Path string   // resolved executable
	Args []string // arguments after the executable
	Dir  string   // working directory
	// Home is the child's HOME and, below it, TMPDIR: tools that cache
	// (solc-select, npm) write into the run's own directory.
	Home   string
	Env    []string // extra KEY=value entries
	Limits Limits
}

// execResult is what a subprocess did.
type execResult struct {
	Stdout      []byte
	StderrTail  string
	ExitCode    int
	Duration    time.Duration
	OutputBytes int64
	// Exactly one of these is set when the run did not end by itself.
	TimedOut, Canceled, Overflowed bool
	// StartErr is set when the process could not be started at all.
	StartErr error
}

// prlimitPath is util-linux's prlimit when installed. It is looked up once:
// the limit is applied by exec'ing `prlimit --as=N -- tool args`, which sets
// RLIMIT_AS on itself and then execs the tool, so the limit covers the tool
// and everything it starts. Go's os/exec cannot set rlimits between fork
// and exec, and lowering the service's own limit around a fork would race
// with every other goroutine that starts a process. Without prlimit, the
// POSIX shell's `ulimit -v` does the same (in KiB), with the tool's
// arguments passed as positional parameters so nothing is re-quoted.
var prlimitPath = sync.OnceValue(func() string {
	p, err := exec.LookPath("prlimit")
	if err != nil {
		return ""
	}
	return p
})

// shPath is the POSIX shell, when the image has one (distroless images
// have neither a shell nor prlimit).
var shPath = sync.OnceValue(func() string {
	if _, err := os.Stat("/bin/sh"); err != nil {
		return ""
	}
	return "/bin/sh"
})

// wrapLimits returns the argv that runs c under its memory limit. When
// neither prlimit nor a shell exists, it returns the plain argv and
// afterStart true: the caller then sets the limit on the started process
// with prlimit(2) (setLimitAfterStart). That leaves a window of a few
// instructions in which the tool runs unlimited, against none with the
// wrappers, which is why they come first.
func wrapLimits(c command, prlimit, sh string) (argv []string, afterStart bool) {
	argv = append([]string{c.Path}, c.Args...)
	if c.Limits.MemoryBytes <= 0 {
		return argv, false
	}
	if prlimit != "" {
		return append([]string{prlimit, "--as=" + strconv.FormatInt(c.Limits.MemoryBytes, 10), "--"}, argv...), false
	}
	if sh == "" {
		return argv, true
	}
	kib := strconv.FormatInt((c.Limits.MemoryBytes+1023)/1024, 10)
	return append([]string{sh, "-c", `ulimit -v "$0" && exec "$@"`, kib}, argv...), false
}

// setLimitAfterStart sets RLIMIT_AS on a started process.
func setLimitAfterStart(pid int, bytes int64) error {
	lim := unix.Rlimit{Cur: uint64(bytes), Max: uint64(bytes)}
	return unix.Prlimit(pid, unix.RLIMIT_AS, &lim, nil)
}

// minimalEnv is the child's whole environment: PATH (tools find solc,
// python or node through it), a private HOME and TMPDIR, a fixed locale,
// and what the tool's configuration adds. Nothing else of the service's
// environment (database URLs, cloud credentials) reaches a tool.
func minimalEnv(c command) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + c.Home,
		"TMPDIR=" + filepath.Join(filepath.Dir(c.Home), "tmp"),
		"LANG=C.UTF-8",
		"LC_ALL=C.UTF-8",
		"NO_COLOR=1",
	}
	return append(env, c.Env...)
}

// run executes c and collects its output. It never returns an error: every
// way a process can end is a field of execResult.
func run(ctx context.Context, c command) execResult {
	lim := c.Limits.withDefaults()
	c.Limits = lim
	runCtx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()

	argv, limitAfterStart := wrapLimits(c, prlimitPath(), shPath())
	cmd := exec.CommandContext(runCtx, argv[0], argv[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = minimalEnv(c)
	cmd.Stdin = nil
	// Its own process group, so a timeout kills what the tool started
	// (solc, node workers) and not just the tool.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process) }
	// Grandchildren can hold the pipes open after the group leader died;
	// WaitDelay stops Wait from waiting for them forever.
	cmd.WaitDelay = 2 * time.Second

	stdout := &cappedBuffer{max: lim.MaxOutputBytes, onOverflow: cancel}
	stderr := &tailBuffer{max: lim.StderrTailBytes}
	cmd.Stdout, cmd.Stderr = stdout, stderr

	start := time.Now()
	err := cmd.Start()
	if err != nil {
		return execResult{StartErr: err, ExitCode: -1}
	}
	if limitAfterStart {
		if err := setLimitAfterStart(cmd.Process.Pid, lim.MemoryBytes); err != nil {
			// Unbounded is not an option: stop the tool rather than run it.
			_ = killGroup(cmd.Process)
			_ = cmd.Wait()
			return execResult{StartErr: fmt.Errorf("setting the memory limit: %w", err), ExitCode: -1}
		}
	}
	err = cmd.Wait()
	// Whatever happened, nothing the tool started outlives the run.
	killGroup(cmd.Process)
	res := execResult{
		Stdout:      stdout.Bytes(),
		StderrTail:  stderr.String(),
		Duration:    time.Since(start),
		OutputBytes: stdout.total,
		ExitCode:    cmd.ProcessState.ExitCode(),
	}
	// The run's context ends at the earlier of our timeout and the
	// caller's deadline; both are timeouts. Only an explicit cancellation
	// by the caller is a cancellation.
	switch {
	case stdout.Overflowed():
		res.Overflowed = true
	case errors.Is(ctx.Err(), context.Canceled):
		res.Canceled = true
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		res.TimedOut = true
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) && !errors.Is(err, exec.ErrWaitDelay) && res.ExitCode == 0 {
		res.ExitCode = -1
	}
	return res
}

// killGroup sends SIGKILL to the process group led by p.
func killGroup(p *os.Process) error {
	if p == nil {
		return nil
	}
	err := syscall.Kill(-p.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// cappedBuffer keeps the first max bytes written and calls onOverflow once
// when more arrive. It keeps accepting (and counting) writes so that the
// child does not block on a full pipe before it is killed.
type cappedBuffer struct {
	mu         sync.Mutex
	buf        bytes.Buffer
	max, total int64
	over       bool
	onOverflow func()
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total += int64(len(p))
	if room := b.max - int64(b.buf.Len()); room > 0 {
		b.buf.Write(p[:min(int64(len(p)), room)])
	}
	if b.total > b.max && !b.over {
		b.over = true
		b.onOverflow()
	}
	return len(p), nil
}

func (b *cappedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *cappedBuffer) Overflowed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.over
}

// tailBuffer keeps the last max bytes written.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
	cut bool
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.max:]...)
		b.cut = true
	}
	return len(p), nil
}

// String returns the tail, valid UTF-8, marked when it was cut.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.ToValidUTF8(string(b.buf), "")
	if b.cut {
		return "…" + s
	}
	return s
}

// outOfMemoryMarkers are what runtimes print when an allocation fails
// under RLIMIT_AS. The kernel does not say that a process hit its
// address-space limit (malloc just returns NULL), so the run's stderr is
// the only evidence; a failure without one of these stays StatusFailed.
var outOfMemoryMarkers = []string{
	"MemoryError",                      // Python (Slither, Mythril)
	"cannot allocate",                  // bash: xmalloc: cannot allocate N bytes
	"out of memory",                    // Go runtime, solc, generic
	"std::bad_alloc",                   // C++ (solc, z3)
	"JavaScript heap out of memory",    // Node (Solhint)
	"Cannot allocate memory",           // strerror(ENOMEM)
	"memory allocation of",             // Rust's alloc error handler
	"failed to reserve virtual memory", // V8 when the limit is below its cage
}

func looksOutOfMemory(stderr string) bool {
	for _, m := range outOfMemoryMarkers {
		if strings.Contains(stderr, m) {
			return true
		}
	}
	return false
}
