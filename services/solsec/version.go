package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at release time with -ldflags "-X main.version=v1.2.3";
// otherwise versionString derives one from the build information.
var version = ""

var versionCommand = &command{
	name:    "version",
	summary: "print the version",
	usage:   "solsec version",
	help:    "Prints solsec's version, the Go version it was built with and the platform.",
	run: func(c *cli, cmd *command, args []string) int {
		fs := newFlags("version")
		pos, code, ok := c.parseArgs(cmd, fs, args)
		if !ok {
			return code
		}
		if len(pos) > 0 {
			return c.usageError(cmd, "unexpected argument %q", pos[0])
		}
		fmt.Fprintf(c.stdout, "solsec %s (%s, %s/%s)\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	},
}

// versionString is never empty, because reports require a tool version:
// the release version, else the module version, else the VCS revision Go
// stamped into the binary, else "dev".
func versionString() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + rev
}
