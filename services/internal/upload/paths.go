package upload

import (
	"path"
	"strings"
)

// projectFiles are the non-Solidity files kept because they change how the
// sources resolve (remappings, source directories, layout detection).
var projectFiles = map[string]bool{
	"foundry.toml":       true,
	"remappings.txt":     true,
	"package.json":       true,
	"hardhat.config.js":  true,
	"hardhat.config.ts":  true,
	"hardhat.config.cjs": true,
	"hardhat.config.mjs": true,
}

// cleanPath validates an upload path and returns it slash-separated,
// relative and clean ("" for the archive root itself). It rejects rather
// than repairs anything that could name a location outside the project on
// any operating system: repairing "../x" to "x" would hide an attack and
// could make two entries collide.
func cleanPath(name string, lim Limits) (string, *Error) {
	switch {
	case strings.ContainsRune(name, 0):
		return "", reject(CodePathTraversal, name, 0, "%q contains a NUL byte", name)
	case strings.ContainsRune(name, '\\'):
		return "", reject(CodePathTraversal, name, 0, "%q contains a backslash; use forward slashes", name)
	case strings.HasPrefix(name, "/"):
		return "", reject(CodePathTraversal, name, 0, "%q is an absolute path; paths must be relative to the project root", name)
	case len(name) >= 2 && name[1] == ':' && isASCIILetter(name[0]):
		return "", reject(CodePathTraversal, name, 0, "%q starts with a drive letter; paths must be relative to the project root", name)
	}
	for _, elem := range strings.Split(name, "/") {
		if elem == ".." {
			return "", reject(CodePathTraversal, name, 0, "%q climbs out of the project with \"..\"", name)
		}
	}
	p := path.Clean(name)
	if p == "." {
		return "", nil
	}
	if len(p) > lim.MaxPathLength {
		return "", reject(CodePathTooLong, name, int64(lim.MaxPathLength), "%q is %d bytes long; the limit is %d", name, len(p), lim.MaxPathLength)
	}
	if depth := strings.Count(p, "/") + 1; depth > lim.MaxPathDepth {
		return "", reject(CodePathTooLong, name, int64(lim.MaxPathDepth), "%q is %d levels deep; the limit is %d", name, depth, lim.MaxPathDepth)
	}
	return p, nil
}

func isASCIILetter(b byte) bool { return 'a' <= b|0x20 && b|0x20 <= 'z' }

// isSource reports whether p is a Solidity file.
func isSource(p string) bool { return strings.HasSuffix(p, ".sol") }

// isKept reports whether a file at p belongs in a Bundle.
func isKept(p string) bool { return isSource(p) || projectFiles[path.Base(p)] }

// isJunk reports whether an archive path is tooling debris that is skipped
// even when its name looks like a source: hidden directories (.git,
// .github) and macOS resource forks (__MACOSX/, "._A.sol"), which carry a
// .sol suffix but binary content.
func isJunk(p string) bool {
	for _, elem := range strings.Split(p, "/") {
		if strings.HasPrefix(elem, ".") || elem == "__MACOSX" {
			return true
		}
	}
	return false
}

// isDependency reports whether p lies in a dependency directory: one of the
// Foundry libs directories at the root, or any node_modules directory.
func isDependency(p string, libs []string) bool {
	for _, l := range libs {
		if strings.HasPrefix(p, l+"/") {
			return true
		}
	}
	return p == "node_modules" || strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/")
}
