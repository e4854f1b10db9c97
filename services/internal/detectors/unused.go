package detectors

import (
	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "unused-state-variable", Title: "Unused state variable",
		Severity: findings.SeverityInformational, Confidence: findings.ConfidenceMedium, SWC: "SWC-131", DASP: findings.DASPUnknownUnknowns,
		Description:    "A non-public state variable is never read or written by its contract or any contract derived from it. It costs deployment gas and may indicate a variable the code was meant to use.",
		Recommendation: "Remove the variable, or use it where it was intended.",
	}, unusedStateVariable)
	register(findings.Rule{
		ID: "unused-variable", Title: "Unused parameter or local variable",
		Severity: findings.SeverityInformational, Confidence: findings.ConfidenceMedium, SWC: "SWC-131", DASP: findings.DASPUnknownUnknowns,
		Description:    "A named parameter or local variable is never used. It may be a leftover or a sign that the code does not do what was intended.",
		Recommendation: "Remove the local; leave unused parameters unnamed.",
	}, unusedVariable)
}

func unusedStateVariable(ps *pass) {
	names := map[*analysis.Contract]map[string]bool{}
	namesOf := func(k *analysis.Contract) map[string]bool {
		if names[k] == nil {
			names[k] = map[string]bool{}
			collectNames(k.Def, names[k])
		}
		return names[k]
	}
	for _, c := range ps.contracts() {
		if c.Kind != "contract" || len(c.StateVars) == 0 {
			continue
		}
		// A variable is used if c or any contract deriving from it names it.
		var users []*analysis.Contract
		for _, k := range ps.p.Contracts {
			if k == c || k.IsDerivedFrom(c.Name) {
				users = append(users, k)
			}
		}
		for _, v := range c.StateVars {
			if v.Decl.Visibility == "public" {
				continue
			}
			used := false
			for _, u := range users {
				if namesOf(u)[v.Name] {
					used = true
					break
				}
			}
			if used {
				continue
			}
			ps.report(c.File, v.Decl, c, nil, "state variable "+v.Name+" is never used")
		}
	}
}

// collectNames records every identifier used in n outside declarations'
// own names: expressions, Yul identifiers (x.slot counts as x).
func collectNames(n solidity.Node, used map[string]bool) {
	solidity.Inspect(n, func(x solidity.Node) bool {
		switch y := x.(type) {
		case *solidity.Identifier:
			used[y.Name] = true
		case *solidity.YulIdentifier:
			name := y.Name
			for i := 0; i < len(name); i++ {
				if name[i] == '.' {
					name = name[:i]
					break
				}
			}
			used[name] = true
		case *solidity.MemberAccess:
			used[y.MemberName] = true // this.x, Base.x
		}
		return true
	})
}

func unusedVariable(ps *pass) {
	for _, f := range ps.functions() {
		if f.Def.Virtual || f.Def.Override != nil || len(f.Overrides) > 0 {
			continue
		}
		used := map[string]bool{}
		collectNames(f.Def.Body, used)
		for _, m := range f.Def.Modifiers {
			collectNames(m, used)
		}
		if f.Def.Parameters != nil {
			for _, d := range f.Def.Parameters.Parameters {
				if d != nil && d.Name != "" && !used[d.Name] {
					ps.report(f.File, d, f.Contract, f, "parameter "+d.Name+" of "+f.QualifiedName()+" is never used")
				}
			}
		}
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			ds, ok := n.(*solidity.VariableDeclarationStatement)
			if !ok {
				return true
			}
			for _, d := range ds.Declarations {
				if d != nil && d.Name != "" && !usedAfter(f.Def.Body, d) {
					ps.report(f.File, d, f.Contract, f, "local variable "+d.Name+" is never used")
				}
			}
			return true
		})
	}
}

// usedAfter reports a use of d's name after its declaration.
func usedAfter(body solidity.Node, d *solidity.VariableDeclaration) bool {
	return identifierUsedAfter(body, d.Name, d.End().Offset)
}
