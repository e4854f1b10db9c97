package imagebuild_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/internal/imagebuild"
)

// repoWithTwoWorkloads is a throwaway module and git repository with two
// main packages that share a library package.
func repoWithTwoWorkloads(t *testing.T) (dir string, commit func(msg string, when time.Time) string) {
	t.Helper()
	dir = t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	write("go.mod", "module example.com/w\n\ngo 1.22\n")
	write("services/internal/lib/lib.go", "package lib\n\nfunc Answer() int { return 42 }\n")
	write("services/a/main.go", "package main\n\nimport \"example.com/w/services/internal/lib\"\n\nfunc main() { println(lib.Answer()) }\n")
	write("services/b/main.go", "package main\n\nfunc main() { println(\"b\") }\n")
	git := func(when time.Time, args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		stamp := when.Format(time.RFC3339)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.com", "GIT_AUTHOR_DATE="+stamp, "GIT_COMMITTER_DATE="+stamp)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return strings.TrimSpace(string(out))
	}
	git(time.Now(), "init", "-q")
	commit = func(msg string, when time.Time) string {
		git(when, "add", ".")
		git(when, "commit", "-q", "-m", msg)
		return git(when, "rev-parse", "HEAD")
	}
	return dir, commit
}

func TestSources(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	arches := []string{"amd64", "arm64"}
	dir, commit := repoWithTwoWorkloads(t)
	t1 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	first := commit("both workloads", t1)

	a1, err := imagebuild.Sources(ctx, "go", dir, "./services/a", arches)
	require.NoError(t, err)
	t.Run("a workload's sources are its package and the module packages it imports, at their last commit", func(t *testing.T) {
		assert.Equal(t, []string{"services/a/main.go", "services/internal/lib/lib.go"}, a1.Files)
		assert.Equal(t, first, a1.Revision)
		assert.Equal(t, t1, a1.Created)
		assert.False(t, a1.Dirty)
		assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, a1.Hash)
	})
	t.Run("reading them again gives the same hash", func(t *testing.T) {
		again, err := imagebuild.Sources(ctx, "go", dir, "./services/a", arches)
		require.NoError(t, err)
		assert.Equal(t, a1, again)
	})

	require.NoError(t, os.WriteFile(filepath.Join(dir, "services/b/main.go"), []byte("package main\n\nfunc main() { println(\"B\") }\n"), 0o644))
	commit("change only b", t1.Add(time.Hour))
	t.Run("a commit to another workload changes neither the hash nor the revision", func(t *testing.T) {
		a2, err := imagebuild.Sources(ctx, "go", dir, "./services/a", arches)
		require.NoError(t, err)
		assert.Equal(t, a1, a2)
	})

	lib := filepath.Join(dir, "services/internal/lib/lib.go")
	require.NoError(t, os.WriteFile(lib, []byte("package lib\n\nfunc Answer() int { return 43 }\n"), 0o644))
	t.Run("an uncommitted change to a shared package changes the hash and marks the sources dirty", func(t *testing.T) {
		a3, err := imagebuild.Sources(ctx, "go", dir, "./services/a", arches)
		require.NoError(t, err)
		assert.NotEqual(t, a1.Hash, a3.Hash)
		assert.True(t, a3.Dirty)
		assert.Equal(t, first, a3.Revision)
	})
	t2 := t1.Add(2 * time.Hour)
	third := commit("change the library", t2)
	t.Run("committing it moves the revision and the time to that commit", func(t *testing.T) {
		a4, err := imagebuild.Sources(ctx, "go", dir, "./services/a", arches)
		require.NoError(t, err)
		assert.Equal(t, third, a4.Revision)
		assert.Equal(t, t2, a4.Created)
		assert.False(t, a4.Dirty)
	})
}
