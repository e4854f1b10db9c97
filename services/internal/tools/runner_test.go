package tools

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTool writes an executable shell script into a fresh directory and
// returns its path. Every fake answers --version like the real tools; body
// is what it does on an analysis run.
func fakeTool(t *testing.T, name, body string) string {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("the fake tools are bash scripts")
	}
	path := filepath.Join(t.TempDir(), name)
	script := "#!/bin/bash\nif [ \"$1\" = --version ] || [ \"$1\" = version ]; then echo \"" + name + " 0.10.4\"; exit 0; fi\n" + body + "\n"
	require.NoError(t, os.WriteFile(path, []byte(script), 0o755))
	return path
}

// fastLimits keep the fakes' runs short.
func fastLimits(timeout time.Duration) Limits {
	return Limits{Timeout: timeout, MemoryBytes: 1 << 30, MaxOutputBytes: 1 << 20}
}

func TestExternalRunsAFakeSlitherInACleanDirectory(t *testing.T) {
	sample, err := filepath.Abs(filepath.Join("testdata", "slither.json"))
	require.NoError(t, err)
	t.Setenv("SOLSEC_TEST_SECRET", "database-password")
	// Like Slither, the fake exits 255 when it found something; it also
	// reports where it ran and with which environment.
	bin := fakeTool(t, "slither", `
test -f contracts/Bank.sol || { echo "sources not copied" >&2; exit 3; }
echo "cwd=$(pwd)" >&2
env >&2
cat `+strconv.Quote(sample)+`
exit 255`)
	workdir := t.TempDir()
	res, err := NewSlither(ExternalOptions{Binary: bin, Limits: fastLimits(30 * time.Second)}).Run(context.Background(), workdir, projectSources(t))
	require.NoError(t, err)

	t.Run("the run completes with the tool's findings and metadata", func(t *testing.T) {
		assert.Equal(t, StatusCompleted, res.Status)
		assert.Equal(t, "slither", res.Tool)
		assert.Equal(t, "0.10.4", res.Version)
		assert.Equal(t, 255, res.ExitCode, "a non-zero exit with valid output is a result")
		assert.Len(t, res.Findings, 4)
		assert.Positive(t, res.OutputBytes)
		requireValid(t, res.Findings)
	})
	t.Run("findings are enriched from the sources", func(t *testing.T) {
		f := byID(res.Findings)["reentrancy-eth"]
		assert.Equal(t, "contracts/Bank.sol", f.Primary().File)
		assert.True(t, strings.HasPrefix(f.Primary().Snippet, "function withdraw() external {"))
	})
	var cwd string
	for _, line := range strings.Split(res.StderrTail, "\n") {
		if v, ok := strings.CutPrefix(line, "cwd="); ok {
			cwd = v
		}
	}
	require.NotEmpty(t, cwd)
	t.Run("the tool ran in its own directory under workdir, removed afterwards", func(t *testing.T) {
		assert.True(t, strings.HasPrefix(cwd, resolved(workdir)) || strings.HasPrefix(cwd, workdir), cwd)
		assert.NoDirExists(t, cwd)
		entries, err := os.ReadDir(workdir)
		require.NoError(t, err)
		assert.Empty(t, entries)
	})
	t.Run("the environment is minimal", func(t *testing.T) {
		assert.NotContains(t, res.StderrTail, "SOLSEC_TEST_SECRET")
		assert.Contains(t, res.StderrTail, "LC_ALL=C.UTF-8")
		assert.Contains(t, res.StderrTail, "HOME="+filepath.Join(filepath.Dir(cwd), "home")+"\n")
	})
}

func TestExternalTimeoutKillsTheProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	// The fake starts a grandchild and waits: a timeout must kill both.
	bin := fakeTool(t, "slither", `
sleep 300 &
echo $! > `+strconv.Quote(pidFile)+`
echo '{"success": true, "results": {' 
wait`)
	res, err := NewSlither(ExternalOptions{Binary: bin, Limits: fastLimits(500 * time.Millisecond)}).Run(context.Background(), t.TempDir(), projectSources(t))
	require.ErrorIs(t, err, ErrTimeout)
	assert.Equal(t, StatusTimedOut, res.Status)
	assert.Contains(t, res.Reason, "timeout")
	assert.Empty(t, res.Findings)

	b, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !processAlive(pid) }, 10*time.Second, 20*time.Millisecond,
		"the grandchild %d outlived the timeout", pid)
}

// processAlive reports whether pid runs: a zombie waiting for its new
// parent to reap it has been killed and counts as gone.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}

func TestExternalMemoryLimit(t *testing.T) {
	// The fake builds a 256 MiB string in bash's memory under a 64 MiB
	// address-space limit; bash's allocator fails and says so.
	body := `x=$(head -c 268435456 /dev/zero | tr '\0' a)
echo '{"success": true, "error": null, "results": {}}'`
	for _, mode := range []struct{ name, prlimit, sh string }{
		{"with prlimit", prlimitPath(), shPath()},
		{"with the shell's ulimit", "", shPath()},
		{"with prlimit(2) after the start, as in a distroless image", "", ""},
	} {
		t.Run("the limit is enforced "+mode.name, func(t *testing.T) {
			if mode.name == "with prlimit" && mode.prlimit == "" {
				t.Skip("prlimit is not installed")
			}
			restore, restoreSh := prlimitPath, shPath
			prlimitPath = func() string { return mode.prlimit }
			shPath = func() string { return mode.sh }
			t.Cleanup(func() { prlimitPath, shPath = restore, restoreSh })

			bin := fakeTool(t, "slither", body)
			lim := fastLimits(time.Minute)
			lim.MemoryBytes = 64 << 20
			res, err := NewSlither(ExternalOptions{Binary: bin, Limits: lim}).Run(context.Background(), t.TempDir(), projectSources(t))
			require.ErrorIs(t, err, ErrMemoryExceeded)
			assert.Equal(t, StatusMemoryExceeded, res.Status)
			assert.Contains(t, res.StderrTail, "cannot allocate")
			assert.NotZero(t, res.ExitCode)
		})
	}
	t.Run("the same tool succeeds when the limit leaves room", func(t *testing.T) {
		bin := fakeTool(t, "slither", `x=$(head -c 1048576 /dev/zero | tr '\0' a)
echo '{"success": true, "error": null, "results": {}}'`)
		lim := fastLimits(time.Minute)
		lim.MemoryBytes = 64 << 20
		res, err := NewSlither(ExternalOptions{Binary: bin, Limits: lim}).Run(context.Background(), t.TempDir(), projectSources(t))
		require.NoError(t, err)
		assert.Equal(t, StatusCompleted, res.Status)
	})
}

func TestExternalFailures(t *testing.T) {
	sample := string(readTestdata(t, "slither.json"))
	partial := sample[:len(sample)/3]
	cases := []struct {
		name       string
		body       string
		limits     Limits
		wantStatus Status
		wantErrs   []error
		wantReason []string
		wantStderr string
	}{
		{
			name:       "a non-zero exit with partial output fails with the exit status and stderr",
			body:       "cat <<'JSON'\n" + partial + "\nJSON\necho 'Traceback (most recent call last):' >&2\necho 'KeyError: contracts' >&2\nexit 1",
			limits:     fastLimits(30 * time.Second),
			wantStatus: StatusFailed, wantErrs: []error{ErrFailed, ErrMalformedOutput},
			wantReason: []string{"exit status 1", "invalid JSON", "KeyError: contracts"},
			wantStderr: "Traceback",
		},
		{
			name:       "a zero exit with garbage output fails as malformed",
			body:       "echo 'Compilation warnings/errors on contracts/Bank.sol'",
			limits:     fastLimits(30 * time.Second),
			wantStatus: StatusFailed, wantErrs: []error{ErrFailed, ErrMalformedOutput},
			wantReason: []string{"invalid JSON"},
		},
		{
			name:       "output beyond the cap kills the tool",
			body:       "head -c 4194304 /dev/zero | tr '\\0' x; sleep 300",
			limits:     Limits{Timeout: time.Minute, MaxOutputBytes: 64 << 10},
			wantStatus: StatusOutputTooLarge, wantErrs: []error{ErrOutputTooLarge},
			wantReason: []string{"more than 65536 bytes"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bin := fakeTool(t, "slither", tc.body)
			res, err := NewSlither(ExternalOptions{Binary: bin, Limits: tc.limits}).Run(context.Background(), t.TempDir(), projectSources(t))
			require.Error(t, err)
			for _, want := range tc.wantErrs {
				assert.ErrorIs(t, err, want)
			}
			assert.Equal(t, tc.wantStatus, res.Status)
			for _, want := range tc.wantReason {
				assert.Contains(t, res.Reason, want)
			}
			assert.Contains(t, res.StderrTail, tc.wantStderr)
			assert.Empty(t, res.Findings, "a failed run carries no findings")
		})
	}
}

func TestExternalUnavailable(t *testing.T) {
	t.Run("a missing binary is unavailable with the reason", func(t *testing.T) {
		tool := NewSlither(ExternalOptions{Binary: filepath.Join(t.TempDir(), "no-such-slither")})
		av := tool.Detect(context.Background())
		assert.False(t, av.Available)
		assert.Contains(t, av.Reason, "no-such-slither not found")
		res, err := tool.Run(context.Background(), t.TempDir(), projectSources(t))
		require.ErrorIs(t, err, ErrUnavailable)
		assert.Equal(t, StatusUnavailable, res.Status)
		assert.Contains(t, res.Reason, "not found")
	})
	t.Run("a binary whose version command fails is unavailable", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "myth")
		require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\necho 'ModuleNotFoundError: No module named z3' >&2\nexit 1\n"), 0o755))
		av := NewMythril(ExternalOptions{Binary: path}).Detect(context.Background())
		assert.False(t, av.Available)
		assert.Contains(t, av.Reason, "exited with status 1")
		assert.Contains(t, av.Reason, "No module named z3")
	})
	t.Run("a binary repaired in place is detected again", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "slither")
		require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\nexit 1\n"), 0o755))
		tool := NewSlither(ExternalOptions{Binary: path})
		require.False(t, tool.Detect(context.Background()).Available)
		require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\necho 0.10.4\n"), 0o755))
		av := tool.Detect(context.Background())
		assert.True(t, av.Available, av.Reason)
		assert.Equal(t, "0.10.4", av.Version)
	})
	t.Run("a tool looked up on PATH is found there", func(t *testing.T) {
		bin := fakeTool(t, "solhint", "echo '[]'")
		t.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
		av := NewSolhint(ExternalOptions{}).Detect(context.Background())
		assert.True(t, av.Available, av.Reason)
		assert.Equal(t, "0.10.4", av.Version)
		assert.Equal(t, bin, av.Path)
	})
}

func TestExternalCancellation(t *testing.T) {
	bin := fakeTool(t, "slither", "sleep 300")
	ctx, cancel := context.WithCancel(context.Background())
	tool := NewSlither(ExternalOptions{Binary: bin, Limits: fastLimits(time.Minute)})
	require.True(t, tool.Detect(ctx).Available)
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancel()
	}()
	res, err := tool.Run(ctx, t.TempDir(), projectSources(t))
	require.ErrorIs(t, err, ErrCanceled)
	assert.Equal(t, StatusCanceled, res.Status)
}

func TestExternalCallerDeadlineIsATimeout(t *testing.T) {
	bin := fakeTool(t, "slither", "sleep 300")
	tool := NewSlither(ExternalOptions{Binary: bin, Limits: fastLimits(time.Hour)})
	require.True(t, tool.Detect(context.Background()).Available)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := tool.Run(ctx, t.TempDir(), projectSources(t))
	require.ErrorIs(t, err, ErrTimeout)
	assert.Equal(t, StatusTimedOut, res.Status)
}

func TestExternalArguments(t *testing.T) {
	// The fakes print their arguments on stderr and an empty result.
	t.Run("mythril analyses every .sol file with its own timeout below ours", func(t *testing.T) {
		bin := fakeTool(t, "myth", `echo "args=$*" >&2; echo '{"success": true, "error": null, "issues": []}'`)
		res, err := NewMythril(ExternalOptions{Binary: bin, Limits: fastLimits(40 * time.Second)}).Run(context.Background(), t.TempDir(), projectSources(t))
		require.NoError(t, err)
		assert.Contains(t, res.StderrTail, "args=analyze contracts/Bank.sol -o json --execution-timeout 30")
	})
	t.Run("solhint gets the recommended configuration when the project has none", func(t *testing.T) {
		bin := fakeTool(t, "solhint", `echo "args=$*" >&2; cat "$5" >&2; echo '[]'`)
		res, err := NewSolhint(ExternalOptions{Binary: bin, Limits: fastLimits(30 * time.Second)}).Run(context.Background(), t.TempDir(), projectSources(t))
		require.NoError(t, err)
		assert.Contains(t, res.StderrTail, "args=-f json --disc -c ")
		assert.Contains(t, res.StderrTail, "solhint:recommended")
	})
	t.Run("solhint uses the project's own configuration when there is one", func(t *testing.T) {
		bin := fakeTool(t, "solhint", `echo "args=$*" >&2; echo '[]'`)
		src := append(projectSources(t), Source{Path: ".solhint.json", Content: []byte(`{"rules": {"avoid-tx-origin": "error"}}`)})
		res, err := NewSolhint(ExternalOptions{Binary: bin, Limits: fastLimits(30 * time.Second)}).Run(context.Background(), t.TempDir(), src)
		require.NoError(t, err)
		assert.Contains(t, res.StderrTail, "args=-f json --disc contracts/Bank.sol")
	})
	t.Run("a SARIF tool's {files} placeholder expands to the sources", func(t *testing.T) {
		sample, err := filepath.Abs(filepath.Join("testdata", "generic.sarif"))
		require.NoError(t, err)
		bin := fakeTool(t, "aderyn", `echo "args=$*" >&2; cat `+strconv.Quote(sample))
		tool := NewSARIFTool("aderyn", bin, []string{"--output", "-", "{files}"}, []string{"--version"}, ExternalOptions{Limits: fastLimits(30 * time.Second)})
		res, err := tool.Run(context.Background(), t.TempDir(), projectSources(t))
		require.NoError(t, err)
		assert.Contains(t, res.StderrTail, "args=--output - contracts/Bank.sol")
		require.Len(t, res.Findings, 2)
		requireValid(t, res.Findings)
		// The absolute URI of the second result lies outside this run's
		// directory, so it stays as the tool wrote it.
		assert.Equal(t, "contracts/Bank.sol", res.Findings[0].Primary().File)
	})
}

func TestWrapLimits(t *testing.T) {
	c := command{Path: "/usr/bin/slither", Args: []string{".", "--json", "-"}, Limits: Limits{MemoryBytes: 2048}}
	t.Run("prlimit execs the tool with RLIMIT_AS set", func(t *testing.T) {
		argv, after := wrapLimits(c, "/usr/bin/prlimit", "/bin/sh")
		assert.Equal(t, []string{"/usr/bin/prlimit", "--as=2048", "--", "/usr/bin/slither", ".", "--json", "-"}, argv)
		assert.False(t, after)
	})
	t.Run("without prlimit the shell sets the limit in KiB and execs the tool", func(t *testing.T) {
		argv, after := wrapLimits(c, "", "/bin/sh")
		assert.Equal(t, []string{"/bin/sh", "-c", `ulimit -v "$0" && exec "$@"`, "2", "/usr/bin/slither", ".", "--json", "-"}, argv)
		assert.False(t, after)
	})
	t.Run("with neither, the tool runs directly and gets its limit once started", func(t *testing.T) {
		argv, after := wrapLimits(c, "", "")
		assert.Equal(t, []string{"/usr/bin/slither", ".", "--json", "-"}, argv)
		assert.True(t, after)
	})
	t.Run("a negative limit runs the tool directly", func(t *testing.T) {
		c := c
		c.Limits.MemoryBytes = -1
		argv, after := wrapLimits(c, "/usr/bin/prlimit", "/bin/sh")
		assert.Equal(t, []string{"/usr/bin/slither", ".", "--json", "-"}, argv)
		assert.False(t, after)
	})
}

func TestOutputBuffers(t *testing.T) {
	t.Run("the capped buffer keeps the first bytes and reports the overflow once", func(t *testing.T) {
		calls := 0
		b := &cappedBuffer{max: 4, onOverflow: func() { calls++ }}
		b.Write([]byte("abc"))
		b.Write([]byte("def"))
		b.Write([]byte("ghi"))
		assert.Equal(t, "abcd", string(b.Bytes()))
		assert.Equal(t, int64(9), b.total)
		assert.True(t, b.Overflowed())
		assert.Equal(t, 1, calls)
	})
	t.Run("the tail buffer keeps the last bytes and marks the cut", func(t *testing.T) {
		b := &tailBuffer{max: 4}
		b.Write([]byte("abc"))
		b.Write([]byte("defg"))
		assert.Equal(t, "…defg", b.String())
	})
}

func emptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) == 0
}

func TestStandardTools(t *testing.T) {
	dir := t.TempDir()
	slither := fakeTool(t, "slither", "echo '{}'")
	cfg := Config{
		Engine:  Engine{Version: "9.9.9"},
		Slither: ExternalOptions{Binary: slither},
		Mythril: ExternalOptions{Binary: filepath.Join(dir, "myth")},
		Solhint: ExternalOptions{Binary: filepath.Join(dir, "solhint")},
	}
	ts := Standard(cfg)
	var names []string
	for _, tool := range ts {
		names = append(names, tool.Name())
	}
	assert.Equal(t, []string{"solsec", "slither", "mythril", "solhint"}, names)

	avs := DetectAll(context.Background(), ts)
	require.Len(t, avs, 4)
	assert.True(t, avs[0].Available)
	assert.Equal(t, "9.9.9", avs[0].Version)
	assert.True(t, avs[1].Available, avs[1].Reason)
	assert.False(t, avs[2].Available)
	assert.Contains(t, avs[2].Reason, "myth not found")
	assert.False(t, avs[3].Available)
	assert.Equal(t, "mythril", avs[2].Tool)
}

// TestExternalThroughItsInterpreter runs a tool the way a distroless image
// must, with no /usr/bin/env for its shebang: the interpreter is the binary
// and the script comes first among the arguments.
func TestExternalThroughItsInterpreter(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("the fake tools are bash scripts")
	}
	script := fakeTool(t, "slither", `echo "args=$*" >&2
cat <<'JSON'
{"success": true, "error": null, "results": {}}
JSON`)
	require.NoError(t, os.Chmod(script, 0o644), "not executable: only the interpreter runs it")
	tool := NewSlither(ExternalOptions{Binary: bash, LeadingArgs: []string{script}, Limits: fastLimits(time.Minute)})

	av := tool.Detect(context.Background())
	require.True(t, av.Available, av.Reason)
	assert.Equal(t, "0.10.4", av.Version, "the version command goes through the interpreter too")

	res, err := tool.Run(context.Background(), t.TempDir(), projectSources(t))
	require.NoError(t, err)
	assert.Equal(t, StatusCompleted, res.Status)
	assert.Contains(t, res.StderrTail, "args=. --json -", "the script receives the tool's own arguments")
}
