package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/solsec/platform/internal/offline"
	"github.com/solsec/platform/policy/rules"
)

// policyStack turns one offline run into what the policies read: every
// resource but our own components and the stack itself, with inputs as
// plain values and the default tags of the provider each one uses.
func policyStack(res *offline.Result) rules.Stack {
	s := rules.Stack{Name: res.Stack}
	for _, r := range res.Resources {
		if r.Parent == "" || isOurs(r) {
			continue
		}
		s.Resources = append(s.Resources, rules.Resource{
			Type: r.Type, Name: r.Name, URN: r.URN, ID: r.ID, Region: r.Region, Stack: res.Stack,
			Props:       rules.FromPropertyMap(r.Inputs),
			DefaultTags: providerTags(res, r.Provider),
		})
	}
	return s
}

// providerTags are the defaultTags.tags of the provider with the given URN.
func providerTags(res *offline.Result, urn string) map[string]string {
	p, ok := res.ByURN(urn)
	if !ok {
		return nil
	}
	v, ok := p.Inputs[resource.PropertyKey("defaultTags")]
	if !ok || !v.IsObject() {
		return nil
	}
	tags := offline.Resource{Inputs: v.ObjectValue()}.StringMap("tags")
	return tags
}

// printVerdicts writes one stack's policy verdicts grouped by policy:
// failures first, then waived, unknown and advisory findings, then passes
// counted, and the policies that found nothing to check named on one line.
func printVerdicts(w io.Writer, rep rules.Report) {
	byPolicy := map[string][]rules.Verdict{}
	for _, v := range rep.Verdicts {
		byPolicy[v.Policy] = append(byPolicy[v.Policy], v)
	}
	type line struct {
		rank int
		text string
	}
	var lines []line
	var idle []string
	ids := allPolicyIDs()
	for _, id := range ids {
		vs := byPolicy[id]
		if len(vs) == 0 {
			idle = append(idle, id)
			continue
		}
		counts := map[rules.Status]int{}
		for _, v := range vs {
			counts[v.Status]++
		}
		enf := vs[0].Enforcement
		var b strings.Builder
		rank := 4
		switch {
		case counts[rules.Violation] > 0 && enf == rules.Mandatory:
			rank = 0
			fmt.Fprintf(&b, "    FAIL    %s [%s]: %d violation(s)\n", id, enf, counts[rules.Violation])
		case counts[rules.Violation] > 0:
			rank = 2
			fmt.Fprintf(&b, "    WARN    %s [%s]: %d violation(s)\n", id, enf, counts[rules.Violation])
		case counts[rules.Waived] > 0:
			rank = 1
			fmt.Fprintf(&b, "    WAIVED  %s [%s]: %d waived\n", id, enf, counts[rules.Waived])
		case counts[rules.Unknowns] > 0:
			rank = 3
			fmt.Fprintf(&b, "    UNKNOWN %s [%s]: %d not decidable offline\n", id, enf, counts[rules.Unknowns])
		default:
			fmt.Fprintf(&b, "    pass    %s [%s]: %s\n", id, enf, passed(vs))
		}
		for _, v := range vs {
			switch v.Status {
			case rules.Violation, rules.Unknowns:
				fmt.Fprintf(&b, "              %s: %s\n", v.Status, v.Message)
			case rules.Waived:
				fmt.Fprintf(&b, "              waived: %s\n", v.Message)
				fmt.Fprintf(&b, "                reason: %s (owner %s, reviewed %s", v.Waiver.Reason, v.Waiver.Owner, v.Waiver.Reviewed)
				if v.Waiver.Until != "" {
					fmt.Fprintf(&b, ", until %s", v.Waiver.Until)
				}
				b.WriteString(")\n")
			}
		}
		lines = append(lines, line{rank, b.String()})
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].rank < lines[j].rank })

	failed := len(rep.Failed())
	advisory := 0
	for _, v := range rep.Verdicts {
		if v.Status == rules.Violation && v.Enforcement == rules.Advisory {
			advisory++
		}
	}
	fmt.Fprintf(w, "  policies: %d evaluated, %d mandatory violation(s), %d advisory, %d waived, %d unknown\n",
		len(ids), failed, advisory, rep.Count(rules.Waived), rep.Count(rules.Unknowns))
	for _, l := range lines {
		fmt.Fprint(w, l.text)
	}
	if len(idle) > 0 {
		fmt.Fprintf(w, "    nothing to check yet (no such resources): %s\n", strings.Join(idle, ", "))
	}
	for _, u := range rep.Unused {
		fmt.Fprintf(w, "    unused waiver: %s on %q matched no violation in this stack; delete it from policy/rules/waivers.go once the exception it accepts is gone for good\n", u.Policy, u.Resource)
	}
	fmt.Fprintln(w)
}

// passed names the resources a policy passed, or counts them when many.
func passed(vs []rules.Verdict) string {
	var names []string
	for _, v := range vs {
		if v.Status == rules.Pass && v.Resource != "" {
			names = append(names, v.Resource)
		}
	}
	switch {
	case len(names) == 0:
		return "stack passes"
	case len(names) <= 3:
		return strings.Join(names, ", ")
	default:
		return fmt.Sprintf("%d resources (%s, ...)", len(names), strings.Join(names[:2], ", "))
	}
}

// allPolicyIDs lists resource then stack policies in id order.
func allPolicyIDs() []string {
	var ids []string
	for _, p := range rules.ResourcePolicies() {
		ids = append(ids, p.ID)
	}
	for _, p := range rules.StackPolicies() {
		ids = append(ids, p.ID)
	}
	sort.Strings(ids)
	return ids
}
