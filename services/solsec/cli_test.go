package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// result is what one invocation of the CLI produced.
type result struct {
	stdout, stderr string
	code           int
}

// invocation runs the real command dispatch with buffers in place of the
// process streams; terminal decides whether stdout and stderr count as a
// terminal, and env is the whole environment the CLI sees.
type invocation struct {
	stdin    string
	terminal bool
	env      map[string]string
}

func (inv invocation) run(args ...string) result {
	var stdout, stderr bytes.Buffer
	c := &cli{
		stdin:      strings.NewReader(inv.stdin),
		stdout:     &stdout,
		stderr:     &stderr,
		getenv:     func(k string) string { return inv.env[k] },
		isTerminal: func(io.Writer) bool { return inv.terminal },
	}
	code := c.run(args)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

func solsec(args ...string) result { return invocation{}.run(args...) }

// writeFiles creates files (slash-separated relative path to content) in a
// fresh temporary directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return dir
}

func TestTopLevel(t *testing.T) {
	t.Run("no arguments prints the commands on stderr and exits 2", func(t *testing.T) {
		r := solsec()
		assert.Equal(t, exitInput, r.code)
		assert.Empty(t, r.stdout)
		for _, cmd := range commands() {
			assert.Contains(t, r.stderr, "  "+cmd.name+" ")
		}
	})
	t.Run("-h prints the commands on stdout and exits 0", func(t *testing.T) {
		for _, arg := range []string{"-h", "--help", "help"} {
			r := solsec(arg)
			assert.Equal(t, exitOK, r.code, arg)
			assert.Contains(t, r.stdout, "Usage:\n  solsec <command>", arg)
			assert.Contains(t, r.stdout, "Exit codes:", arg)
		}
	})
	t.Run("an unknown command is named and exits 2", func(t *testing.T) {
		r := solsec("scna", ".")
		assert.Equal(t, exitInput, r.code)
		assert.Contains(t, r.stderr, `unknown command "scna"`)
	})
	t.Run("help COMMAND is the command's -h", func(t *testing.T) {
		r := solsec("help", "parse")
		assert.Equal(t, exitOK, r.code)
		assert.Contains(t, r.stdout, "Usage: solsec parse")
		assert.Equal(t, exitInput, solsec("help", "nope").code)
	})
	t.Run("version prints a non-empty version", func(t *testing.T) {
		r := solsec("version")
		assert.Equal(t, exitOK, r.code)
		assert.Regexp(t, `^solsec \S+ \(go[0-9.]+.*, \w+/\w+\)\n$`, r.stdout)
		assert.Equal(t, r.stdout, solsec("--version").stdout)
		assert.Equal(t, exitInput, solsec("version", "extra").code)
	})
}

func TestRunWiresTheProcessStreams(t *testing.T) {
	// run is what main calls: buffers are not terminals, and stdin reaches
	// the commands that read it.
	var stdout, stderr bytes.Buffer
	code := run([]string{"parse", "-"}, strings.NewReader("contract A {}"), &stdout, &stderr)
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "ok: 1 contract, 0 functions\n", stdout.String())
	assert.Empty(t, stderr.String())
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, cmd := range commands() {
		t.Run(cmd.name+" -h prints its usage and flags on stdout", func(t *testing.T) {
			r := solsec(cmd.name, "-h")
			assert.Equal(t, exitOK, r.code)
			assert.Empty(t, r.stderr)
			assert.True(t, strings.HasPrefix(r.stdout, "Usage: "+cmd.usage+"\n"), r.stdout)
			assert.NotContains(t, r.stdout, "-format value", "flag value names are spelled out")
		})
	}
}

func TestUsageNamesFlagValues(t *testing.T) {
	r := solsec("scan", "-h")
	assert.Contains(t, r.stdout, "  --format text|json|sarif  ", "a choice flag lists its choices")
	assert.Contains(t, r.stdout, "  --fail-on severity ", "other flags name their value")
	assert.Contains(t, r.stdout, "(default text)")
	assert.Contains(t, r.stdout, "solsec-disable-next-line <id> -- reason")
}

func TestParseArgs(t *testing.T) {
	cmd := &command{name: "t", usage: "solsec t"}
	newSet := func() (*flag.FlagSet, *string, *listFlag) {
		fs := newFlags("t")
		format := fs.String("format", "text", "")
		list := &listFlag{split: true}
		fs.Var(list, "exclude", "")
		return fs, format, list
	}
	tests := []struct {
		name       string
		args       []string
		positional []string
		format     string
		exclude    []string
	}{
		{"reads flags before the paths", []string{"--format", "json", "a", "b"}, []string{"a", "b"}, "json", nil},
		{"reads flags after the paths", []string{"a", "--format", "sarif", "b"}, []string{"a", "b"}, "sarif", nil},
		{"reads flags with = after the paths", []string{"a", "b", "--format=json"}, []string{"a", "b"}, "json", nil},
		{"treats everything after -- as paths", []string{"a", "--", "--format", "b"}, []string{"a", "--format", "b"}, "text", nil},
		{"splits and repeats list flags", []string{"--exclude", "x,y", "p", "--exclude", " z "}, []string{"p"}, "text", []string{"x", "y", "z"}},
		{"keeps a lone dash as a path", []string{"-", "--format", "json"}, []string{"-"}, "json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, format, list := newSet()
			c := &cli{stdout: io.Discard, stderr: io.Discard}
			pos, _, ok := c.parseArgs(cmd, fs, tt.args)
			require.True(t, ok)
			assert.Equal(t, tt.positional, pos)
			assert.Equal(t, tt.format, *format)
			assert.Equal(t, tt.exclude, list.values)
		})
	}
	t.Run("reports an unknown flag as a usage error", func(t *testing.T) {
		fs, _, _ := newSet()
		var stderr bytes.Buffer
		c := &cli{stdout: io.Discard, stderr: &stderr}
		_, code, ok := c.parseArgs(cmd, fs, []string{"a", "--frmat", "json"})
		assert.False(t, ok)
		assert.Equal(t, exitInput, code)
		assert.Contains(t, stderr.String(), "flag provided but not defined: -frmat")
		assert.Contains(t, stderr.String(), "solsec t -h")
	})
}

func TestChoiceFlagRejectsOtherWords(t *testing.T) {
	f := &choiceFlag{value: "text", choices: []string{"text", "json"}}
	require.NoError(t, f.Set("json"))
	assert.Equal(t, "json", f.String())
	err := f.Set("xml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "text, json")
	assert.Equal(t, "json", f.String(), "a rejected value leaves the flag unchanged")
}

func TestIsTerminalIsFalseForFilesAndBuffers(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f))
	assert.False(t, isTerminal(&bytes.Buffer{}))
}
