package main

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/internal/offline"
	"github.com/solsec/platform/policy/rules"
	"github.com/solsec/platform/stacks"
)

var (
	recordOnce sync.Once
	recorded   map[string]*offline.Result
	recordErr  error
)

// record runs both real stacks once under the offline mocks.
func record(t testing.TB) map[string]*offline.Result {
	t.Helper()
	recordOnce.Do(func() {
		recorded = map[string]*offline.Result{}
		root, err := offline.RepoRoot()
		if err != nil {
			recordErr = err
			return
		}
		for _, name := range []string{"staging", "production"} {
			sf, err := offline.LoadStackFile(root + "/Pulumi." + name + ".yaml")
			if err != nil {
				recordErr = err
				return
			}
			res, err := offline.Run(name, sf.Config, stacks.Deploy)
			if err != nil {
				recordErr = err
				return
			}
			recorded[name] = res
		}
	})
	require.NoError(t, recordErr)
	return recorded
}

// failing returns the ids of the policies with a violation (of any level).
func failing(rep rules.Report) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range rep.Verdicts {
		if v.Status == rules.Violation && !seen[v.Policy] {
			seen[v.Policy] = true
			out = append(out, v.Policy)
		}
	}
	return out
}

// mutate returns a copy of a stack with edit applied to every resource of
// the type (edit returns false to drop the resource).
func mutate(s rules.Stack, typ string, edit func(props map[string]any) bool) rules.Stack {
	out := rules.Stack{Name: s.Name}
	for _, r := range s.Resources {
		if r.Type == typ {
			props := deepCopy(r.Props).(map[string]any)
			if !edit(props) {
				continue
			}
			r.Props = props
		}
		out.Resources = append(out.Resources, r)
	}
	return out
}

func hasType(s rules.Stack, typ string) bool {
	for _, r := range s.Resources {
		if r.Type == typ {
			return true
		}
	}
	return false
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

func TestRealStacksPassEveryMandatoryPolicy(t *testing.T) {
	for name, res := range record(t) {
		t.Run(name+" has no mandatory violation", func(t *testing.T) {
			rep := rules.Evaluate(policyStack(res))
			for _, v := range rep.Failed() {
				t.Errorf("%s: %s", v.Policy, v.Message)
			}
			assert.Zero(t, rep.Count(rules.Unknowns), "offline records have every value known")
			for _, v := range rep.Verdicts {
				if v.Status == rules.Waived {
					assert.NotNil(t, v.Waiver, "a waived verdict carries its waiver")
				}
			}
		})
	}
	t.Run("resources get their provider's default tags", func(t *testing.T) {
		s := policyStack(record(t)["staging"])
		var vpc rules.Resource
		for _, r := range s.Resources {
			if r.Type == "aws:ec2/vpc:Vpc" {
				vpc = r
			}
		}
		assert.Equal(t, "staging", vpc.DefaultTags["Environment"])
		assert.Equal(t, "us-east-1", vpc.Region)
	})
}

func TestMutatedStacksFailExactlyTheExpectedPolicy(t *testing.T) {
	staging := policyStack(record(t)["staging"])
	production := policyStack(record(t)["production"])
	cases := []struct {
		name   string
		stack  rules.Stack
		typ    string
		edit   func(map[string]any) bool
		policy string
		// also are policies that must fail with it, as a consequence.
		also []string
	}{
		{"dropping the flow log fails vpc-has-flow-logs", staging, "aws:ec2/flowLog:FlowLog",
			func(map[string]any) bool { return false }, "vpc-has-flow-logs", nil},
		{"opening the EKS endpoint to the world fails eks-endpoint-not-public", production, "eks:index:Cluster",
			func(p map[string]any) bool {
				p["endpointPublicAccess"] = true
				p["publicAccessCidrs"] = []any{"0.0.0.0/0"}
				return true
			}, "eks-endpoint-not-public", nil},
		{"IMDSv1 on the node launch templates fails launch-template-imdsv2", staging, "aws:ec2/launchTemplate:LaunchTemplate",
			func(p map[string]any) bool {
				p["metadataOptions"].(map[string]any)["httpTokens"] = "optional"
				return true
			}, "launch-template-imdsv2", nil},
		{"SSH from anywhere on an ALB rule fails security-group-no-world-admin-ports", staging, "aws:ec2/securityGroupRule:SecurityGroupRule",
			func(p map[string]any) bool {
				if p["description"] == "HTTPS from the internet (CloudFront and clients)" {
					p["fromPort"], p["toPort"] = 22.0, 22.0
				}
				return true
			}, "security-group-no-world-admin-ports", nil},
		{"turning off RDS encryption fails rds-encrypted-cmk", production, "aws:rds/instance:Instance",
			func(p map[string]any) bool { p["storageEncrypted"] = false; return true }, "rds-encrypted-cmk", nil},
		{"a public database fails rds-not-public", staging, "aws:rds/instance:Instance",
			func(p map[string]any) bool { p["publiclyAccessible"] = true; return true }, "rds-not-public", nil},
		{"turning off key rotation fails kms-key-rotation", production, "aws:kms/key:Key",
			func(p map[string]any) bool { p["enableKeyRotation"] = false; return true }, "kms-key-rotation", nil},
		{"an unencrypted log group fails log-group-kms", staging, "aws:cloudwatch/logGroup:LogGroup",
			func(p map[string]any) bool { delete(p, "kmsKeyId"); return true }, "log-group-kms",
			// The flow-log key then protects nothing: the stack policy
			// catches exactly this kind of mis-wiring.
			[]string{"kms-key-used"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !hasType(c.stack, c.typ) {
				t.Skipf("no %s in the %s stack yet", c.typ, c.stack.Name)
			}
			// Compared with the unmutated stack, so that the test is about
			// the mutation whatever else the stack holds.
			before := map[string]bool{}
			for _, id := range failing(rules.Evaluate(c.stack)) {
				before[id] = true
			}
			rep := rules.Evaluate(mutate(c.stack, c.typ, c.edit))
			var added []string
			for _, id := range failing(rep) {
				if !before[id] {
					added = append(added, id)
				}
			}
			assert.Equal(t, append([]string{c.policy}, c.also...), added)
			var mandatory []string
			for _, v := range rep.Failed() {
				mandatory = append(mandatory, v.Policy)
			}
			assert.Contains(t, mandatory, c.policy)
		})
	}
	t.Run("an unknown value is reported as unknown, never as a violation", func(t *testing.T) {
		rep := rules.Evaluate(mutate(staging, "aws:ec2/launchTemplate:LaunchTemplate", func(p map[string]any) bool {
			p["metadataOptions"] = rules.Unknown
			return true
		}))
		for _, v := range rep.Verdicts {
			if v.Policy == "launch-template-imdsv2" {
				assert.Equal(t, rules.Unknowns, v.Status, v.Resource)
			}
		}
		assert.Equal(t, 2, rep.Count(rules.Unknowns), "one per launch template")
	})
}

func TestPlanPrintsPolicyVerdicts(t *testing.T) {
	root, err := offline.RepoRoot()
	require.NoError(t, err)
	t.Run("each stack's verdicts are grouped by policy with resource names", func(t *testing.T) {
		var out, errOut bytes.Buffer
		run([]string{"-dir", root, "-stack", "staging"}, &out, &errOut)
		s := out.String()
		assert.Regexp(t, `policies: \d+ evaluated, \d+ mandatory violation\(s\), \d+ advisory, \d+ waived, 0 unknown`, s)
		assert.Contains(t, s, "pass    eks-endpoint-not-public [mandatory]: staging-us-east-1-eks")
		assert.Contains(t, s, "pass    vpc-has-flow-logs [mandatory]: stack passes")
		assert.Contains(t, s, "nothing to check yet (no such resources): ")
	})
	t.Run("a waived violation prints as waived with reason, owner and review date, and does not fail", func(t *testing.T) {
		orig := evaluatePolicies
		t.Cleanup(func() { evaluatePolicies = orig })
		evaluatePolicies = func(res *offline.Result) rules.Report {
			s := mutate(policyStack(res), "aws:ec2/flowLog:FlowLog", func(map[string]any) bool { return false })
			w := append(rules.Waivers(), rules.Waiver{Policy: "vpc-has-flow-logs", Resource: "*-vpc", Reason: "a test waiver for the dropped flow log",
				Owner: "tests@solsec.io", Reviewed: "2026-11-27"})
			return rules.EvaluateWith(s, rules.ResourcePolicies(), rules.StackPolicies(), w)
		}
		var out, errOut bytes.Buffer
		run([]string{"-dir", root, "-stack", "staging"}, &out, &errOut)
		s := out.String()
		assert.Contains(t, s, "WAIVED  vpc-has-flow-logs [mandatory]: 1 waived")
		assert.Contains(t, s, `waived: aws:ec2/vpc "staging-us-east-1-vpc": no flow log is attached`)
		assert.Contains(t, s, "reason: a test waiver for the dropped flow log (owner tests@solsec.io, reviewed 2026-11-27)")
		assert.NotContains(t, s, `unused waiver: vpc-has-flow-logs`)
		assert.NotContains(t, errOut.String(), "vpc-has-flow-logs")
	})
	t.Run("a shorter log retention in the stack file shows up as findings of exactly one advisory policy", func(t *testing.T) {
		dir := copyProject(t, "staging", func(s string) string {
			return strings.Replace(s, "solsec:logRetentionDays: 90", "solsec:logRetentionDays: 30", 1)
		})
		var base, out, errOut bytes.Buffer
		run([]string{"-dir", root, "-stack", "staging"}, &base, &errOut)
		run([]string{"-dir", dir, "-stack", "staging"}, &out, &errOut)
		assert.Contains(t, out.String(), "WARN    log-group-retention [advisory]: ")
		assert.Contains(t, out.String(), `"staging-us-east-1-flow-logs": retentionInDays is 30 (0 means forever). Fix: set retentionInDays between 90 and 3653`)
		findings := regexp.MustCompile(`(?m)^    (FAIL|WARN)    \S+`)
		assert.ElementsMatch(t, append(findings.FindAllString(base.String(), -1), "    WARN    log-group-retention"),
			findings.FindAllString(out.String(), -1), "exactly one more policy reports findings")
	})
	t.Run("a mandatory violation exits 1 naming the stack, the resource and the fix", func(t *testing.T) {
		orig := evaluatePolicies
		t.Cleanup(func() { evaluatePolicies = orig })
		evaluatePolicies = func(res *offline.Result) rules.Report {
			return rules.Evaluate(mutate(policyStack(res), "aws:ec2/flowLog:FlowLog", func(map[string]any) bool { return false }))
		}
		var out, errOut bytes.Buffer
		require.Equal(t, 1, run([]string{"-dir", root, "-stack", "staging"}, &out, &errOut))
		assert.Regexp(t, `plan: stack staging: [1-9]\d* mandatory policy violation\(s\)`, errOut.String())
		assert.Contains(t, errOut.String(), "plan: FAILED")
		assert.Contains(t, out.String(), "FAIL    vpc-has-flow-logs [mandatory]: 1 violation(s)")
		assert.Contains(t, out.String(), `violation: aws:ec2/vpc "staging-us-east-1-vpc": no flow log is attached. Fix: create an aws.ec2.FlowLog`)
	})
}

func BenchmarkPolicyEvaluation(b *testing.B) {
	res := record(b)
	for _, name := range []string{"staging", "production"} {
		s := policyStack(res[name])
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if rep := rules.Evaluate(s); len(rep.Failed()) != 0 {
					b.Fatal("mandatory violation")
				}
			}
		})
	}
	b.Run("both stacks including conversion from the records", func(b *testing.B) {
		for b.Loop() {
			for _, name := range []string{"staging", "production"} {
				rules.Evaluate(policyStack(res[name]))
			}
		}
	})
}
