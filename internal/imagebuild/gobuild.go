package imagebuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// goBuild cross-compiles the main package dir (relative to the module
// root, "./services/solsec") for linux/arch into out. Everything that could
// make two builds of the same sources differ is pinned: no cgo, no paths of
// the build machine (-trimpath), no build id, no VCS stamp (the revision
// comes in explicitly, so a dirty working tree shared with other work does
// not leak in), no symbol tables, and the microarchitecture levels Go
// defaults to rather than whatever the environment says.
func goBuild(ctx context.Context, goBin, moduleDir, pkg, arch, out string, ldflagsX map[string]string) error {
	ldflags := []string{"-s", "-w", "-buildid="}
	for _, k := range sortedKeys(ldflagsX) {
		v := ldflagsX[k]
		if strings.ContainsAny(v, " \t\n'\"") {
			return fmt.Errorf("-X %s=%q: values with spaces or quotes are not passed to the linker", k, v)
		}
		ldflags = append(ldflags, "-X", k+"="+v)
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-buildvcs=false", "-mod=readonly",
		"-ldflags", strings.Join(ldflags, " "), "-o", out, pkg)
	cmd.Dir = moduleDir
	cmd.Env = append(filteredEnv(os.Environ()),
		"CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOAMD64=v1", "GOARM64=v8.0", "GOFLAGS=", "GOEXPERIMENT=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for linux/%s: %w: %s", pkg, arch, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// filteredEnv drops the variables goBuild sets itself, so that the
// caller's environment cannot override them.
func filteredEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "CGO_ENABLED", "GOOS", "GOARCH", "GOAMD64", "GOARM64", "GOFLAGS", "GOEXPERIMENT":
			continue
		}
		out = append(out, kv)
	}
	return out
}
