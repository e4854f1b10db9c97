package tools

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/solsec/platform/services/internal/findings"
)

// ExternalOptions configure a subprocess tool.
type ExternalOptions struct {
	// Binary is the executable: a name looked up on PATH, or a path.
	// Empty means the tool's usual name.
	Binary string
	// Limits bound each run; zero fields take DefaultLimits.
	Limits Limits
	// Env adds KEY=value entries to the child's minimal environment, e.g.
	// SOLC_VERSION for solc-select.
	Env []string
	// ExtraArgs are appended to the tool's arguments.
	ExtraArgs []string
	// LeadingArgs come before the tool's arguments, for a tool run
	// through its interpreter: Binary "/nodejs/bin/node" with LeadingArgs
	// [".../solhint/solhint.js"] where the image has no /usr/bin/env for the
	// script's shebang (distroless).
	LeadingArgs []string
}

// External is an analyser run as a subprocess. Its behaviour is the spec
// it was built from; NewSlither, NewMythril, NewSolhint and NewSARIFTool
// build the supported ones.
type External struct {
	spec externalSpec
	opts ExternalOptions

	mu sync.Mutex
	// detected caches Detect's answer by resolved path, size and
	// modification time, so that a binary upgraded or installed in place
	// is detected again while the version command runs once per binary.
	detected map[string]Availability
}

// externalSpec is what differs between external tools.
type externalSpec struct {
	name, binary string
	// versionArgs print the version; versionPattern extracts it.
	versionArgs    []string
	versionPattern *regexp.Regexp
	// args returns the arguments for a run in ws (the sources are in
	// ws.Src, the working directory).
	args func(ws *workspace, sources Sources, lim Limits) ([]string, error)
	// parse converts standard output. exitCode lets an adapter accept the
	// non-zero status some tools use to say "found something".
	parse func(stdout []byte, exitCode int) (parsed, error)
}

// parsed is an adapter's result.
type parsed struct {
	Findings []findings.Finding
	Warnings []string
}

// Name is the tool's identifier.
func (e *External) Name() string { return e.spec.name }

func (e *External) binary() string {
	if e.opts.Binary != "" {
		return e.opts.Binary
	}
	return e.spec.binary
}

// Detect resolves the binary and runs its version command, remembering the
// answer per resolved path.
func (e *External) Detect(ctx context.Context) Availability {
	av := Availability{Tool: e.spec.name}
	path, err := exec.LookPath(e.binary())
	if err != nil {
		av.Reason = fmt.Sprintf("%s not found: %v", e.binary(), err)
		return av
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	av.Path = path
	key := path
	if st, err := os.Stat(path); err == nil {
		key = fmt.Sprintf("%s\x00%d\x00%d", path, st.Size(), st.ModTime().UnixNano())
	}
	e.mu.Lock()
	cached, ok := e.detected[key]
	e.mu.Unlock()
	if ok {
		return cached
	}

	home, err := os.MkdirTemp("", "solsec-"+e.spec.name+"-version-")
	if err != nil {
		av.Reason = fmt.Sprintf("creating a directory for the version check: %v", err)
		return av
	}
	defer os.RemoveAll(home)
	os.Mkdir(filepath.Join(home, "home"), 0o700)
	os.Mkdir(filepath.Join(home, "tmp"), 0o700)
	lim := e.opts.Limits.withDefaults()
	lim.Timeout = min(lim.Timeout, time.Minute)
	res := run(ctx, command{Path: path, Args: append(append([]string(nil), e.opts.LeadingArgs...), e.spec.versionArgs...), Dir: home, Home: filepath.Join(home, "home"), Env: e.opts.Env, Limits: lim})
	out := string(res.Stdout) + "\n" + res.StderrTail
	switch {
	case res.StartErr != nil:
		av.Reason = fmt.Sprintf("starting %s: %v", path, res.StartErr)
	case res.TimedOut || res.Canceled:
		av.Reason = fmt.Sprintf("%s %s did not answer in time", path, strings.Join(e.spec.versionArgs, " "))
		return av // not cached: it may answer next time
	case res.ExitCode != 0:
		av.Reason = fmt.Sprintf("%s %s exited with status %d: %s", path, strings.Join(e.spec.versionArgs, " "), res.ExitCode, lastLine(res.StderrTail))
	default:
		m := e.spec.versionPattern.FindStringSubmatch(out)
		if m == nil {
			av.Reason = fmt.Sprintf("%s %s printed no version: %q", path, strings.Join(e.spec.versionArgs, " "), lastLine(out))
		} else {
			av.Available, av.Version = true, m[1]
		}
	}
	e.mu.Lock()
	if e.detected == nil {
		e.detected = map[string]Availability{}
	}
	e.detected[key] = av
	e.mu.Unlock()
	return av
}

// Run copies the sources into a fresh directory, runs the tool there under
// its limits and converts its output.
func (e *External) Run(ctx context.Context, workdir string, sources Sources) (Result, error) {
	res := Result{Tool: e.spec.name, ExitCode: -1, Findings: []findings.Finding{}}
	av := e.Detect(ctx)
	res.Version = av.Version
	if !av.Available {
		return res, res.fail(StatusUnavailable, "%s", av.Reason)
	}
	ws, err := newWorkspace(workdir, e.spec.name, sources)
	if err != nil {
		return res, res.fail(StatusFailed, "%v", err)
	}
	defer os.RemoveAll(ws.Root)

	lim := e.opts.Limits.withDefaults()
	args, err := e.spec.args(ws, sources, lim)
	if err != nil {
		return res, res.fail(StatusFailed, "%v", err)
	}
	args = append(append(append([]string(nil), e.opts.LeadingArgs...), args...), e.opts.ExtraArgs...)
	x := run(ctx, command{Path: av.Path, Args: args, Dir: ws.Src, Home: filepath.Join(ws.Root, "home"), Env: e.opts.Env, Limits: lim})
	res.Duration, res.ExitCode, res.StderrTail, res.OutputBytes = x.Duration, x.ExitCode, x.StderrTail, x.OutputBytes

	switch {
	case x.StartErr != nil:
		return res, res.fail(StatusFailed, "starting %s: %v", av.Path, x.StartErr)
	case x.Canceled:
		return res, res.fail(StatusCanceled, "canceled after %s", x.Duration.Round(time.Millisecond))
	case x.TimedOut:
		return res, res.fail(StatusTimedOut, "killed at its deadline after %s (timeout %s)", x.Duration.Round(time.Millisecond), lim.Timeout)
	case x.Overflowed:
		return res, res.fail(StatusOutputTooLarge, "killed after writing more than %d bytes of output", lim.MaxOutputBytes)
	}
	p, perr := e.spec.parse(x.Stdout, x.ExitCode)
	if perr != nil {
		switch {
		case x.ExitCode != 0 && looksOutOfMemory(x.StderrTail):
			return res, res.fail(StatusMemoryExceeded, "exit status %d under a %d-byte address-space limit: %s", x.ExitCode, lim.MemoryBytes, lastLine(x.StderrTail))
		case x.ExitCode != 0:
			err := res.fail(StatusFailed, "exit status %d and unusable output (%v): %s", x.ExitCode, perr, lastLine(x.StderrTail))
			return res, fmt.Errorf("%w (%w)", err, ErrMalformedOutput)
		default:
			err := res.fail(StatusFailed, "%v", perr)
			return res, fmt.Errorf("%w (%w)", err, ErrMalformedOutput)
		}
	}
	for i := range p.Findings {
		for j := range p.Findings[i].Locations {
			p.Findings[i].Locations[j].File = ws.relPath(p.Findings[i].Locations[j].File)
		}
	}
	res.Findings = Enrich(p.Findings, sources)
	res.Warnings = p.Warnings
	res.Status = StatusCompleted
	return res, nil
}

// lastLine returns the last non-empty line of s, for one-line reasons.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

var semverPattern = regexp.MustCompile(`v?(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)`)

// NewSlither runs `slither . --json -` in the project directory. Slither
// compiles through crytic-compile, which finds Foundry and Hardhat layouts
// itself; it needs solc (or solc-select) on PATH.
func NewSlither(opts ExternalOptions) *External {
	return &External{opts: opts, spec: externalSpec{
		name: "slither", binary: "slither",
		versionArgs: []string{"--version"}, versionPattern: semverPattern,
		args: func(*workspace, Sources, Limits) ([]string, error) {
			return []string{".", "--json", "-", "--disable-color"}, nil
		},
		parse: func(out []byte, _ int) (parsed, error) {
			// Slither's exit status counts findings in some versions and
			// is 255 on errors in others; the JSON's success flag is what
			// says whether the analysis worked.
			fs, err := ParseSlither(out)
			return parsed{Findings: fs}, err
		},
	}}
}

// NewMythril runs `myth analyze <files> -o json`. Mythril's own execution
// timeout is set to three quarters of the run's, so that it reports what
// it found before the hard timeout kills it.
func NewMythril(opts ExternalOptions) *External {
	return &External{opts: opts, spec: externalSpec{
		name: "mythril", binary: "myth",
		versionArgs: []string{"version"}, versionPattern: semverPattern,
		args: func(_ *workspace, s Sources, lim Limits) ([]string, error) {
			files := s.Solidity()
			if len(files) == 0 {
				return nil, fmt.Errorf("no .sol file to analyse")
			}
			secs := max(int(lim.Timeout.Seconds()*3/4), 1)
			args := append([]string{"analyze"}, files...)
			return append(args, "-o", "json", "--execution-timeout", strconv.Itoa(secs)), nil
		},
		parse: func(out []byte, _ int) (parsed, error) {
			fs, warnings, err := ParseMythril(out)
			return parsed{Findings: fs, Warnings: warnings}, err
		},
	}}
}

// solhintDefaultConfig is used when the project has no .solhint.json:
// Solhint refuses to run without a configuration.
const solhintDefaultConfig = `{"extends": "solhint:recommended"}`

// NewSolhint runs `solhint -f json <files>`. A project's own .solhint.json
// is honoured; otherwise the recommended rule set is used. Solhint exits 1
// when it reports an error-level problem, which is a result, not a failure.
// Node reserves far more address space than it uses, so give Solhint a
// larger Limits.MemoryBytes than the Python tools (8 GiB is comfortable).
func NewSolhint(opts ExternalOptions) *External {
	if opts.Limits.MemoryBytes == 0 {
		opts.Limits.MemoryBytes = 8 << 30
	}
	return &External{opts: opts, spec: externalSpec{
		name: "solhint", binary: "solhint",
		versionArgs: []string{"--version"}, versionPattern: semverPattern,
		args: func(ws *workspace, s Sources, _ Limits) ([]string, error) {
			files := s.Solidity()
			if len(files) == 0 {
				return nil, fmt.Errorf("no .sol file to lint")
			}
			// --disc: no update check (it needs the network and prints
			// its notice on standard output).
			args := []string{"-f", "json", "--disc"}
			if !s.has(".solhint.json") {
				cfg := filepath.Join(ws.Root, "solhint.json")
				if err := os.WriteFile(cfg, []byte(solhintDefaultConfig), 0o600); err != nil {
					return nil, err
				}
				args = append(args, "-c", cfg)
			}
			return append(args, files...), nil
		},
		parse: func(out []byte, _ int) (parsed, error) {
			fs, err := ParseSolhint(out)
			return parsed{Findings: fs}, err
		},
	}}
}

// NewSARIFTool runs any analyser that writes SARIF 2.1.0 on standard
// output: name labels its findings, binary is its executable, args its
// arguments (run in the project directory; "{files}" expands to the .sol
// files) and versionArgs print its version.
func NewSARIFTool(name, binary string, args, versionArgs []string, opts ExternalOptions) *External {
	return &External{opts: opts, spec: externalSpec{
		name: name, binary: binary,
		versionArgs: versionArgs, versionPattern: semverPattern,
		args: func(_ *workspace, s Sources, _ Limits) ([]string, error) {
			var out []string
			for _, a := range args {
				if a == "{files}" {
					out = append(out, s.Solidity()...)
				} else {
					out = append(out, a)
				}
			}
			return out, nil
		},
		parse: func(out []byte, _ int) (parsed, error) {
			fs, err := ParseSARIF(out)
			return parsed{Findings: fs}, err
		},
	}}
}
