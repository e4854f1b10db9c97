package upload

import (
	"bufio"
	"bytes"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Layout is the project convention an upload follows.
type Layout string

// Layouts.
const (
	LayoutFoundry Layout = "foundry" // foundry.toml at the root
	LayoutHardhat Layout = "hardhat" // hardhat.config.* at the root
	LayoutPlain   Layout = "plain"   // loose .sol files
)

// foundryConfig is the part of foundry.toml that changes which files are
// sources and how imports resolve.
type foundryConfig struct {
	Profile map[string]struct {
		Src        string   `toml:"src"`
		Test       string   `toml:"test"`
		Script     string   `toml:"script"`
		Libs       []string `toml:"libs"`
		Remappings []string `toml:"remappings"`
	} `toml:"profile"`
}

// project is what finish derives from the kept files.
type project struct {
	layout     Layout
	src        string   // the directory entry sources live in, "" for any
	excluded   []string // test and script directories
	libs       []string
	remappings []string
}

func detectLayout(files map[string][]byte) Layout {
	if _, ok := files["foundry.toml"]; ok {
		return LayoutFoundry
	}
	for name := range projectFiles {
		if strings.HasPrefix(name, "hardhat.config.") {
			if _, ok := files[name]; ok {
				return LayoutHardhat
			}
		}
	}
	return LayoutPlain
}

// readProject reads the layout, source directories and remappings. The
// order of remappings follows Foundry: remappings.txt, then foundry.toml,
// then the automatic lib/ ones, then node_modules packages; for one
// (context, prefix) the first wins.
func readProject(files map[string][]byte) (*project, error) {
	pr := &project{layout: detectLayout(files), libs: []string{"lib"}, excluded: []string{"test", "tests", "script", "scripts"}}
	var explicit []string
	if data, ok := files["remappings.txt"]; ok {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line != "" && !strings.HasPrefix(line, "#") {
				explicit = append(explicit, line)
			}
		}
	}
	switch pr.layout {
	case LayoutFoundry:
		var cfg foundryConfig
		if _, err := toml.Decode(string(files["foundry.toml"]), &cfg); err != nil {
			return nil, reject(CodeInvalidProjectFile, "foundry.toml", 0, "foundry.toml does not parse: %v", err)
		}
		def := cfg.Profile["default"]
		src, problem := cleanRelative(firstNonEmpty(def.Src, "src"))
		if problem != "" {
			return nil, reject(CodeInvalidProjectFile, "foundry.toml", 0, "foundry.toml src %q %s", def.Src, problem)
		}
		pr.src = src
		for _, d := range []string{def.Test, def.Script} {
			if d != "" {
				pr.excluded = append(pr.excluded, path.Clean(d))
			}
		}
		if len(def.Libs) > 0 {
			pr.libs = def.Libs
		}
		explicit = append(explicit, def.Remappings...)
		if err := checkAllFoundryRemappings(cfg, string(files["foundry.toml"])); err != nil {
			return nil, err
		}
	case LayoutHardhat:
		pr.src = "contracts"
	}
	for i, l := range pr.libs {
		clean, err := cleanRelative(l)
		if err != "" {
			return nil, reject(CodeInvalidProjectFile, "foundry.toml", 0, "foundry.toml libs entry %q %s", l, err)
		}
		pr.libs[i] = clean
	}
	seen := map[string]bool{}
	for _, r := range explicit {
		key, err := validRemapping(r)
		if err != "" {
			return nil, reject(CodeInvalidRemapping, "", 0, "remapping %q %s", r, err)
		}
		if !seen[key] {
			seen[key] = true
			pr.remappings = append(pr.remappings, r)
		}
	}
	for _, r := range autoRemappings(files, pr.libs) {
		key, _ := validRemapping(r)
		if !seen[key] {
			seen[key] = true
			pr.remappings = append(pr.remappings, r)
		}
	}
	return pr, nil
}

// validRemapping checks a solc "[context:]prefix=target" remapping and
// returns its context:prefix key. Targets must stay inside the project: the
// analysis joins them to the directory the bundle is written to, so "/etc/"
// or "../../" would let an upload read the host's files.
func validRemapping(r string) (key, problem string) {
	lhs, target, ok := strings.Cut(r, "=")
	if !ok || lhs == "" {
		return "", `is not of the form "prefix=target"`
	}
	prefix := lhs
	if _, p, hasCtx := strings.Cut(lhs, ":"); hasCtx {
		prefix = p
	}
	if prefix == "" {
		return "", "has an empty prefix"
	}
	if _, problem := cleanRelative(target); problem != "" {
		return "", problem
	}
	return lhs, ""
}

// checkAllFoundryRemappings validates remappings the Bundle does not use
// but the analysis engine might read: those of every profile, and every
// "remappings = [...]" the engine's line-oriented reader would find in the
// text, comments included. A target outside the project is rejected
// wherever it hides.
func checkAllFoundryRemappings(cfg foundryConfig, text string) error {
	var all []string
	for _, prof := range cfg.Profile {
		all = append(all, prof.Remappings...)
	}
	all = append(all, scanRemappingArrays(text)...)
	for _, r := range all {
		if eq := strings.IndexByte(r, '='); eq <= 0 {
			continue // the engine ignores entries without a prefix
		}
		if _, problem := validRemapping(r); problem != "" {
			return reject(CodeInvalidRemapping, "foundry.toml", 0, "foundry.toml remapping %q %s", r, problem)
		}
	}
	return nil
}

// scanRemappingArrays returns the quoted entries of every
// "remappings = [ ... ]" in text, the way the analysis engine reads them.
func scanRemappingArrays(text string) []string {
	var out []string
	for {
		i := strings.Index(text, "remappings")
		if i < 0 {
			return out
		}
		text = text[i+len("remappings"):]
		rest := strings.TrimLeft(text, " \t")
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		if !strings.HasPrefix(rest, "[") {
			continue
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			end = len(rest)
		}
		for _, part := range strings.Split(rest[1:end], ",") {
			part = strings.TrimSpace(part)
			if h := strings.Index(part, "#"); h >= 0 && !strings.HasPrefix(part, "\"") {
				part = part[:h]
			}
			if part = strings.Trim(strings.TrimSpace(part), `"'`); part != "" {
				out = append(out, part)
			}
		}
		text = rest[min(end, len(rest)):]
	}
}

// cleanRelative checks that p is a relative path inside the project.
func cleanRelative(p string) (string, string) {
	switch {
	case p == "":
		return "", "is empty"
	case strings.HasPrefix(p, "/") || strings.ContainsRune(p, '\\') || (len(p) >= 2 && p[1] == ':' && isASCIILetter(p[0])):
		return "", "points outside the project (absolute path, drive letter or backslash)"
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == ".." {
			return "", `points outside the project ("..")`
		}
	}
	return path.Clean(p), ""
}

// autoRemappings derives the remappings the toolchains infer: Foundry maps
// "pkg/" to lib/pkg/src/ (or lib/pkg/ when it has no src), and Node
// resolution maps "pkg/" and "@scope/pkg/" to node_modules. They are spelled
// out so external tools given only the remappings resolve the same way.
func autoRemappings(files map[string][]byte, libs []string) []string {
	set := map[string]string{}
	for p := range files {
		if !isSource(p) {
			continue
		}
		for _, l := range libs {
			rest, ok := strings.CutPrefix(p, l+"/")
			if !ok {
				continue
			}
			pkg, inner, ok := strings.Cut(rest, "/")
			if !ok {
				continue
			}
			target := l + "/" + pkg + "/"
			if strings.HasPrefix(inner, "src/") {
				target += "src/"
			}
			// A package with any file under src/ maps to src/.
			if cur, ok := set[pkg+"/"]; !ok || len(target) > len(cur) {
				set[pkg+"/"] = target
			}
		}
		if rest, ok := strings.CutPrefix(p, "node_modules/"); ok {
			parts := strings.Split(rest, "/")
			n := 1
			if strings.HasPrefix(parts[0], "@") {
				n = 2
			}
			if len(parts) > n {
				pkg := strings.Join(parts[:n], "/") + "/"
				set[pkg] = "node_modules/" + pkg
			}
		}
	}
	out := make([]string, 0, len(set))
	for prefix, target := range set {
		out = append(out, prefix+"="+target)
	}
	sort.Strings(out)
	return out
}

// entries chooses the files to analyse: the project's source directory, or
// failing that every non-dependency source outside test and script
// directories, or failing that every non-dependency source. Test (.t.sol)
// and script (.s.sol) files are never entries while anything else is,
// because their findings are noise to a contract's authors.
func (pr *project) entries(files map[string][]byte) []string {
	var own []string
	for p := range files {
		if isSource(p) && !isDependency(p, pr.libs) {
			own = append(own, p)
		}
	}
	sort.Strings(own)
	notTooling := func(p string) bool {
		if strings.HasSuffix(p, ".t.sol") || strings.HasSuffix(p, ".s.sol") {
			return false
		}
		first, _, _ := strings.Cut(p, "/")
		return !slices.Contains(pr.excluded, first)
	}
	pick := func(keep func(string) bool) []string {
		var out []string
		for _, p := range own {
			if keep(p) {
				out = append(out, p)
			}
		}
		return out
	}
	if pr.src != "" && pr.src != "." {
		if out := pick(func(p string) bool { return strings.HasPrefix(p, pr.src+"/") && notTooling(p) }); len(out) > 0 {
			return out
		}
	}
	if out := pick(notTooling); len(out) > 0 {
		return out
	}
	return own
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
