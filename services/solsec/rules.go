package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"text/tabwriter"

	"github.com/solsec/platform/services/internal/detectors"
	"github.com/solsec/platform/services/internal/findings"
)

var rulesCommand = &command{
	name:    "rules",
	summary: "list the detectors",
	usage:   "solsec rules [--format text|json]",
	help: `
Lists every detector scan runs: its id (what --exclude and
solsec-disable-next-line take), severity, confidence, SWC id and title,
most severe first. --format json prints the full rules, descriptions and
recommendations included.`,
	run: runRules,
}

func runRules(c *cli, cmd *command, args []string) int {
	fs := newFlags("rules")
	format := &choiceFlag{value: "text", choices: []string{"text", "json"}}
	fs.Var(format, "format", "output format")
	pos, code, ok := c.parseArgs(cmd, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError(cmd, "unexpected argument %q", pos[0])
	}
	rules := sortedRules()
	if format.value == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rules); err != nil {
			fmt.Fprintf(c.stderr, "solsec rules: %v\n", err)
			return exitInternal
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tCONFIDENCE\tSWC\tTITLE")
	for _, r := range rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Confidence, cmp.Or(r.SWC, "-"), r.Title)
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(c.stderr, "solsec rules: %v\n", err)
		return exitInternal
	}
	return exitOK
}

// sortedRules orders detectors most severe first, then by id, the order a
// reader scans a rule list in.
func sortedRules() []findings.Rule {
	rules := slices.Clone(detectors.List())
	slices.SortFunc(rules, func(a, b findings.Rule) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.ID, b.ID))
	})
	return rules
}
