// Command policy is solsec's Pulumi policy pack (PulumiPolicy.yaml,
// runtime go): it serves the policies of policy/rules to the Pulumi engine
// through the SDK's experimental policyx package. It only adapts: every
// decision, message and waiver comes from policy/rules, so `make plan`
// (offline) and `pulumi preview --policy-pack policy` agree.
//
// policyx gaps this file works around (SDK v3.274.1):
//   - a diagnostic has the enforcement level of the policy that reports it,
//     so a waived mandatory violation cannot be reported under its own
//     policy without blocking the deployment; waived results are reported
//     by the advisory policy "waived-exceptions" instead, with the reason
//     and owner, so they print and never pass silently;
//   - there is no "unknown" outcome: results that depend on values known
//     only after apply are reported by the advisory policy
//     "undecided-until-apply" rather than dropped;
//   - the stack name reaches only the pack factory (ConfigureStack), so the
//     factory captures it for the production-only controls.
//
// Gaps it cannot work around are described in docs/policies.md ("The
// policy pack").
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/solsec/platform/policy/rules"
)

// packName is the pack's name as the engine reports it.
const packName = "solsec"

var packVersion = semver.MustParse("0.1.0")

func main() {
	if err := policyx.Main(newPack); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// newPack builds the pack for one stack.
func newPack(ctx *pulumi.Context) (policyx.PolicyPack, error) {
	stack := ctx.Stack()
	waivers := rules.Waivers()
	var ps []policyx.Policy
	for _, p := range rules.ResourcePolicies() {
		ps = append(ps, policyx.NewResourceValidationPolicy(p.ID, policyx.ResourceValidationPolicyArgs{
			Description:      p.Title + ". " + p.Why,
			EnforcementLevel: level(p.Enforcement),
			ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
				v, applies := rules.CheckResource(p, fromAnalyzer(args.Resource, stack))
				if applies {
					if v = rules.Waive(v, stack, waivers); v.Status == rules.Violation {
						args.Manager.ReportViolation(v.Message, "")
					}
				}
				return nil
			},
		}))
	}
	for _, p := range rules.StackPolicies() {
		ps = append(ps, policyx.NewStackValidationPolicy(p.ID, policyx.StackValidationPolicyArgs{
			Description:      p.Title + ". " + p.Why,
			EnforcementLevel: level(p.Enforcement),
			ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
				for _, v := range rules.CheckStack(p, fromAnalyzerStack(args.Resources, stack)) {
					if v = rules.Waive(v, stack, waivers); v.Status == rules.Violation {
						args.Manager.ReportViolation(v.Message, v.URN)
					}
				}
				return nil
			},
		}))
	}
	ps = append(ps, reportingPolicies(stack, waivers)...)
	return policyx.NewPolicyPack(packName, packVersion, policyx.EnforcementLevelAdvisory, ps)
}

// reportingPolicies report, as advisory diagnostics, what the per-policy
// diagnostics cannot carry: waived violations and undecided results.
func reportingPolicies(stack string, waivers []rules.Waiver) []policyx.Policy {
	const waived, undecided = "waived-exceptions", "undecided-until-apply"
	report := func(m policyx.PolicyManager, v rules.Verdict, which string) {
		switch {
		case which == waived && v.Status == rules.Waived:
			m.ReportViolation(fmt.Sprintf("WAIVED %s: %s\nreason: %s (owner %s, reviewed %s)", v.Policy, v.Message, v.Waiver.Reason, v.Waiver.Owner, v.Waiver.Reviewed), v.URN)
		case which == undecided && v.Status == rules.Unknowns:
			m.ReportViolation(fmt.Sprintf("%s: %s", v.Policy, v.Message), v.URN)
		}
	}
	var out []policyx.Policy
	for _, which := range []string{waived, undecided} {
		desc := map[string]string{
			waived:    "Violations accepted by a reviewed waiver (policy/rules/waivers.go), shown so that they never pass silently.",
			undecided: "Checks that read values known only after apply; they are neither passed nor failed in this preview.",
		}[which]
		out = append(out,
			policyx.NewResourceValidationPolicy(which, policyx.ResourceValidationPolicyArgs{
				Description: desc, EnforcementLevel: policyx.EnforcementLevelAdvisory,
				ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
					r := fromAnalyzer(args.Resource, stack)
					for _, p := range rules.ResourcePolicies() {
						if v, applies := rules.CheckResource(p, r); applies {
							v.URN = args.Resource.URN
							report(args.Manager, rules.Waive(v, stack, waivers), which)
						}
					}
					return nil
				},
			}),
			policyx.NewStackValidationPolicy(which+"-stack", policyx.StackValidationPolicyArgs{
				Description: desc, EnforcementLevel: policyx.EnforcementLevelAdvisory,
				ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
					s := fromAnalyzerStack(args.Resources, stack)
					for _, p := range rules.StackPolicies() {
						for _, v := range rules.CheckStack(p, s) {
							report(args.Manager, rules.Waive(v, stack, waivers), which)
						}
					}
					return nil
				},
			}))
	}
	return out
}

func level(e rules.Enforcement) policyx.EnforcementLevel {
	if e == rules.Mandatory {
		return policyx.EnforcementLevelMandatory
	}
	return policyx.EnforcementLevelAdvisory
}

// fromAnalyzer converts what the engine sends into what the rules read:
// properties as plain values (unknowns kept as rules.Unknown), the region
// and default tags of the resource's AWS provider.
func fromAnalyzer(a policyx.AnalyzerResource, stack string) rules.Resource {
	props := rules.FromPropertyMap(resource.ToResourcePropertyMap(a.Properties))
	r := rules.Resource{Type: a.Type, Name: a.Name, URN: a.URN, Stack: stack, Props: props}
	if id, ok := props["id"].(string); ok {
		r.ID = id
	}
	if a.Provider.Type == "pulumi:providers:aws" {
		pp := rules.FromPropertyMap(resource.ToResourcePropertyMap(a.Provider.Properties))
		v := rules.NewView(pp)
		r.Region = v.Str("region")
		if tags, ok := v.Raw("defaultTags", "tags").(map[string]any); ok {
			r.DefaultTags = map[string]string{}
			for k, t := range tags {
				if s, ok := t.(string); ok {
					r.DefaultTags[k] = s
				}
			}
		}
	}
	return r
}

func fromAnalyzerStack(as []policyx.AnalyzerResource, stack string) rules.Stack {
	s := rules.Stack{Name: stack}
	for _, a := range as {
		s.Resources = append(s.Resources, fromAnalyzer(a, stack))
	}
	return s
}
