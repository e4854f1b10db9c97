// Package rules holds solsec's infrastructure policies as pure functions
// over a resource's type and properties. It knows nothing about Pulumi's
// engine or pulumi-aws: the policy pack (package policy) and the offline
// plan (cmd/plan) convert what they see into Resource values and call
// Evaluate, so both paths apply exactly the same rules and waivers.
//
// A value the engine does not know yet (an output of a resource still to be
// created) is Unknown; a check that reads an unknown value never reports a
// violation, it reports "unknown", because a preview cannot prove it either
// way and failing it would block every first deployment.
package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Enforcement says whether a violation blocks a deployment.
type Enforcement string

const (
	// Mandatory policies guard security and data-loss controls: a violation
	// fails `make plan` and blocks `pulumi preview/up`.
	Mandatory Enforcement = "mandatory"
	// Advisory policies guard hygiene: violations are printed, nothing fails.
	Advisory Enforcement = "advisory"
)

// Controls are the compliance controls a policy implements.
type Controls struct {
	// FSBP: AWS Foundational Security Best Practices control ids.
	FSBP []string
	// CIS: CIS AWS Foundations Benchmark v3.0.0 recommendations.
	CIS []string
	// SOC2: SOC 2 trust services criteria (2017, revised 2022).
	SOC2 []string
	// ISO: ISO/IEC 27001:2022 Annex A controls.
	ISO []string
}

// Resource is one resource as a policy sees it.
type Resource struct {
	Type string
	Name string
	URN  string
	// ID is the provider id when known ("" in a preview of a new resource).
	ID string
	// Region is the AWS region of the resource's provider ("" if not AWS).
	Region string
	// Stack is the Pulumi stack (environment): some data-loss controls are
	// stricter in production.
	Stack string
	// Props are the resource's inputs as plain Go values: map[string]any,
	// []any, string, float64, bool, nil, or Unknown.
	Props map[string]any
	// DefaultTags are the tags the resource's provider adds to it.
	DefaultTags map[string]string
}

// unknownValue is the type of Unknown.
type unknownValue struct{}

func (unknownValue) String() string { return "<unknown>" }

// Unknown stands for a property value that is not known until apply.
var Unknown any = unknownValue{}

// IsUnknown reports whether v is Unknown.
func IsUnknown(v any) bool { _, ok := v.(unknownValue); return ok }

// Production is the stack whose data-loss controls are strictest.
const Production = "production"

// Problem is what a check found wrong and how to fix it.
type Problem struct {
	What string
	Fix  string
	// Resource names another resource than the one checked (stack policies).
	Resource *Resource
}

func problem(what, fix string, args ...any) *Problem {
	return &Problem{What: fmt.Sprintf(what, args...), Fix: fix}
}

// ResourcePolicy checks one resource of the listed types.
type ResourcePolicy struct {
	ID          string
	Title       string
	Why         string
	Enforcement Enforcement
	Controls    Controls
	Types       []string
	// Check returns nil when the resource complies. It reads properties
	// through v, which records unknown reads.
	Check func(r Resource, v View) *Problem
}

// StackPolicy checks all resources of a stack together.
type StackPolicy struct {
	ID          string
	Title       string
	Why         string
	Enforcement Enforcement
	Controls    Controls
	// Check returns one finding per offending resource (or per missing
	// thing, naming the resource it would attach to), and whether any
	// value it needed was unknown.
	Check func(s Stack) (problems []Problem, unknown bool)
}

// Stack is every resource of one stack.
type Stack struct {
	Name      string
	Resources []Resource
}

// Status is the outcome of one policy for one resource.
type Status string

const (
	Pass      Status = "pass"
	Violation Status = "violation"
	Unknowns  Status = "unknown"
	Waived    Status = "waived"
)

// Verdict is one policy's outcome for one resource (or for the stack).
type Verdict struct {
	Policy      string
	Enforcement Enforcement
	Status      Status
	// Resource is the resource's name ("" for a stack-wide pass).
	Resource string
	URN      string
	Type     string
	Message  string
	// Waiver is set when Status is Waived.
	Waiver *Waiver
}

// Report is every verdict of one stack.
type Report struct {
	Stack    string
	Verdicts []Verdict
	// Unused are the waivers for this stack that matched no violation:
	// the exception they accepted is gone and they should be deleted.
	Unused []Waiver
}

// Failed returns the mandatory violations.
func (r Report) Failed() []Verdict {
	var out []Verdict
	for _, v := range r.Verdicts {
		if v.Status == Violation && v.Enforcement == Mandatory {
			out = append(out, v)
		}
	}
	return out
}

// Count returns how many verdicts have the status.
func (r Report) Count(s Status) int {
	n := 0
	for _, v := range r.Verdicts {
		if v.Status == s {
			n++
		}
	}
	return n
}

// ResourcePolicies returns every per-resource policy, sorted by id.
func ResourcePolicies() []ResourcePolicy {
	var all []ResourcePolicy
	for _, group := range [][]ResourcePolicy{
		networkPolicies(), computePolicies(), databasePolicies(), storagePolicies(),
		keyPolicies(), edgePolicies(), observabilityPolicies(), platformPolicies(), workloadPolicies(),
	} {
		all = append(all, group...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}

// StackPolicies returns every stack policy, sorted by id.
func StackPolicies() []StackPolicy {
	all := stackPolicies()
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}

// Message renders a problem found on a resource: what, where and the fix.
func Message(r Resource, p Problem) string {
	return fmt.Sprintf("%s %q: %s. Fix: %s", shortType(r.Type), r.Name, p.What, p.Fix)
}

// shortType turns "aws:ec2/securityGroup:SecurityGroup" into
// "aws:ec2/securityGroup", enough to tell resources apart in messages.
func shortType(t string) string {
	if i := strings.LastIndex(t, ":"); i > 0 && strings.Count(t, ":") >= 2 {
		return t[:i]
	}
	return t
}

// CheckResource applies one resource policy to one resource. ok is false
// when the policy does not apply to the resource's type.
func CheckResource(p ResourcePolicy, r Resource) (v Verdict, ok bool) {
	if !typeIn(r.Type, p.Types) {
		return Verdict{}, false
	}
	view, unknown := newView(r.Props)
	prob := p.Check(r, view)
	v = Verdict{Policy: p.ID, Enforcement: p.Enforcement, Resource: r.Name, URN: r.URN, Type: r.Type, Status: Pass}
	switch {
	case *unknown:
		// Whatever the check concluded, it rested on a value nobody knows
		// yet, so neither pass nor violation is proven.
		v.Status = Unknowns
		v.Message = fmt.Sprintf("%s %q: not decidable until apply (unknown values)", shortType(r.Type), r.Name)
	case prob != nil:
		v.Status = Violation
		v.Message = Message(r, *prob)
	}
	return v, true
}

func typeIn(t string, types []string) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// Evaluate runs every policy over a stack and applies the waivers.
func Evaluate(s Stack) Report {
	return EvaluateWith(s, ResourcePolicies(), StackPolicies(), Waivers())
}

// EvaluateWith is Evaluate with explicit policies and waivers (tests).
func EvaluateWith(s Stack, rps []ResourcePolicy, sps []StackPolicy, waivers []Waiver) Report {
	rep := Report{Stack: s.Name}
	for _, p := range rps {
		for _, r := range s.Resources {
			if v, ok := CheckResource(p, r); ok {
				rep.Verdicts = append(rep.Verdicts, v)
			}
		}
	}
	for _, p := range sps {
		rep.Verdicts = append(rep.Verdicts, CheckStack(p, s)...)
	}
	used := map[int]bool{}
	for i := range rep.Verdicts {
		if j := applyWaivers(&rep.Verdicts[i], s.Name, waivers); j >= 0 {
			used[j] = true
		}
	}
	for j, w := range waivers {
		if !used[j] && (w.Stack == "" || w.Stack == s.Name) {
			rep.Unused = append(rep.Unused, w)
		}
	}
	return rep
}

// CheckStack applies one stack policy: a pass verdict for the stack, or a
// verdict per problem.
func CheckStack(p StackPolicy, s Stack) []Verdict {
	probs, unknown := p.Check(s)
	var out []Verdict
	for _, pr := range probs {
		v := Verdict{Policy: p.ID, Enforcement: p.Enforcement, Status: Violation}
		if pr.Resource != nil {
			v.Resource, v.URN, v.Type = pr.Resource.Name, pr.Resource.URN, pr.Resource.Type
			v.Message = Message(*pr.Resource, pr)
		} else {
			v.Message = fmt.Sprintf("stack %s: %s. Fix: %s", s.Name, pr.What, pr.Fix)
		}
		out = append(out, v)
	}
	switch {
	case len(out) == 0 && unknown:
		out = append(out, Verdict{Policy: p.ID, Enforcement: p.Enforcement, Status: Unknowns,
			Message: fmt.Sprintf("stack %s: not decidable until apply (unknown values)", s.Name)})
	case len(out) == 0:
		out = append(out, Verdict{Policy: p.ID, Enforcement: p.Enforcement, Status: Pass})
	}
	return out
}
