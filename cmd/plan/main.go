// Command plan evaluates every stack of the project offline: it reads each
// Pulumi.<stack>.yaml, validates it (and checks that the stacks' VPC ranges
// stay peerable), runs the real program under internal/offline's mocks and
// prints, per stack and region, each component with its resources counted by
// type, then runs every policy of policy/rules over the stack's recorded
// resources and prints the verdicts grouped by policy. It needs no cloud
// credentials and no Pulumi CLI. It exits non-zero when any stack is
// rejected, fails to evaluate or violates a mandatory policy.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/solsec/platform/internal/offline"
	"github.com/solsec/platform/policy/rules"
	"github.com/solsec/platform/stacks"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", ".", "directory holding Pulumi.yaml and the Pulumi.<stack>.yaml files")
	only := fs.String("stack", "", "evaluate only this stack (all stack files are still validated and checked for overlap)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	paths, err := offline.StackFiles(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "plan:", err)
		return 1
	}

	failed := false
	var cfgs []*stacks.Config
	files := map[string]*offline.StackFile{}
	valid := map[string]*stacks.Config{}
	for _, p := range paths {
		sf, err := offline.LoadStackFile(p)
		if err != nil {
			fmt.Fprintln(stderr, "plan:", err)
			failed = true
			continue
		}
		files[sf.Stack] = sf
		cfg, err := stacks.ParseConfig(sf.Stack, sf.Config)
		if err != nil {
			fmt.Fprintf(stderr, "plan: %s: %v\n", filepath.Base(p), err)
			failed = true
			continue
		}
		cfgs = append(cfgs, cfg)
		valid[sf.Stack] = cfg
	}
	if err := stacks.CheckPeerable(cfgs); err != nil {
		fmt.Fprintln(stderr, "plan:", err)
		failed = true
	}
	if *only != "" && files[*only] == nil {
		fmt.Fprintf(stderr, "plan: stack %q: no Pulumi.%s.yaml in %s\n", *only, *only, *dir)
		return 1
	}

	names := make([]string, 0, len(valid))
	for n := range valid {
		if *only == "" || n == *only {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		res, err := offline.Run(name, files[name].Config, stacks.Deploy)
		if err != nil {
			fmt.Fprintf(stderr, "plan: stack %s: %v\n", name, err)
			failed = true
			continue
		}
		printInventory(stdout, filepath.Base(files[name].Path), valid[name], res)
		rep := evaluatePolicies(res)
		printVerdicts(stdout, rep)
		if n := len(rep.Failed()); n > 0 {
			fmt.Fprintf(stderr, "plan: stack %s: %d mandatory policy violation(s)\n", name, n)
			failed = true
		}
	}
	if failed {
		fmt.Fprintln(stderr, "plan: FAILED")
		return 1
	}
	fmt.Fprintf(stdout, "plan: %d stack(s) evaluated, all configuration valid, no mandatory policy violated\n", len(names))
	return 0
}

// evaluatePolicies runs every policy over a stack's records; a variable so
// that tests can evaluate a mutated copy through the whole command.
var evaluatePolicies = func(res *offline.Result) rules.Report {
	return rules.Evaluate(policyStack(res))
}

// printInventory writes one stack's components per region with their
// resources counted by type.
func printInventory(w io.Writer, file string, cfg *stacks.Config, res *offline.Result) {
	fmt.Fprintf(w, "stack %s (%s)\n", cfg.Environment, file)
	byComponent := map[string]map[string]int{}
	stackLevel := map[string]int{}
	for _, r := range res.Resources {
		// Our components are the grouping; everything else, including
		// third-party components such as pulumi-eks's cluster, is counted.
		if isOurs(r) || r.Parent == "" {
			continue
		}
		c, ok := ourComponentOf(res, r)
		if !ok {
			stackLevel[r.Type]++
			continue
		}
		if byComponent[c.URN] == nil {
			byComponent[c.URN] = map[string]int{}
		}
		byComponent[c.URN][r.Type]++
	}
	total := 0
	var ours []offline.Resource
	for _, c := range res.Components() {
		if isOurs(c) {
			ours = append(ours, c)
		}
	}
	for _, r := range cfg.EnabledRegions() {
		fmt.Fprintf(w, "  region %s (%s)\n", r.Name, r.Role)
		for _, c := range ours {
			counts := byComponent[c.URN]
			if len(counts) == 0 || regionOf(res, c.URN) != r.Name {
				continue
			}
			n := sum(counts)
			total += n
			fmt.Fprintf(w, "    %s %s: %d resources\n", c.Type, c.Name, n)
			printCounts(w, "      ", counts)
		}
	}
	for _, r := range cfg.Regions {
		if !r.IsEnabled() {
			fmt.Fprintf(w, "  region %s (%s): planned, not deployed (enabled: false)\n", r.Name, r.Role)
		}
	}
	if len(stackLevel) > 0 {
		n := sum(stackLevel)
		total += n
		fmt.Fprintf(w, "  stack-level: %d resources\n", n)
		printCounts(w, "    ", stackLevel)
	}
	fmt.Fprintf(w, "  total: %d resources in %d components\n\n", total, len(ours))
}

// isOurs reports whether a resource is one of this project's components.
func isOurs(r offline.Resource) bool { return !r.Custom && strings.HasPrefix(r.Type, "solsec:") }

// ourComponentOf is the nearest of this project's components above r.
func ourComponentOf(res *offline.Result, r offline.Resource) (offline.Resource, bool) {
	for {
		c, ok := res.ComponentOf(r)
		if !ok || isOurs(c) {
			return c, ok
		}
		r = c
	}
}

// regionOf is the region of a component: that of its custom descendants.
func regionOf(res *offline.Result, urn string) string {
	descendants := res.Descendants(urn)
	for _, d := range descendants {
		if d.Custom && d.Region != "" {
			return d.Region
		}
	}
	// A component with only in-cluster resources (the mesh) is in the
	// region of the cluster whose Kubernetes provider it uses.
	for _, d := range descendants {
		if p, ok := res.ByURN(d.Provider); ok && p.Parent != urn {
			if owner, ok := res.ComponentOf(p); ok && owner.URN != urn {
				return regionOf(res, owner.URN)
			}
		}
	}
	return ""
}

func printCounts(w io.Writer, indent string, counts map[string]int) {
	types := make([]string, 0, len(counts))
	width := 0
	for t := range counts {
		types = append(types, t)
		width = max(width, len(t))
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(w, "%s%s %s %d\n", indent, t, strings.Repeat(".", width-len(t)+2), counts[t])
	}
}

func sum(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}
