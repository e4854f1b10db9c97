package detectors

import (
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "unused-state-variable", Title: "Unused state variable",
		Severity: findings.SeverityInformational, Confidence: findings.ConfidenceMedium, SWC: "SWC-131", DASP: findings.DASPUnknownUnknowns,
		Description:    "A non-public state variable is never read by its contract or any contract derived from it (it may be written, to no effect). It costs deployment gas and may indicate a variable the code was meant to use.",
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
	// What each contract reads: its functions' and modifiers' read sets,
	// plus names in state variable initialisers, assembly and `this.x()`
	// getter calls. Writing a variable that nothing reads is not using it.
	reads := map[*analysis.Contract]map[string]bool{}
	readsOf := func(k *analysis.Contract) map[string]bool {
		if r := reads[k]; r != nil {
			return r
		}
		r := map[string]bool{}
		for _, f := range k.Functions {
			for _, v := range f.Reads {
				r[v.Name] = true
			}
			if f.Def.Body != nil {
				collectAsmAndMembers(f.Def.Body, r)
			}
		}
		for _, m := range k.Modifiers {
			for _, v := range m.Reads {
				r[v.Name] = true
			}
		}
		for _, v := range k.StateVars {
			if v.Decl.Value != nil {
				collectNames(v.Decl.Value, r)
			}
		}
		reads[k] = r
		return r
	}
	for _, c := range ps.contracts() {
		if c.Kind != "contract" || len(c.StateVars) == 0 {
			continue
		}
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
				if readsOf(u)[v.Name] {
					used = true
					break
				}
			}
			if !used {
				ps.report(c.File, v.Decl, c, nil, "state variable "+v.Name+" is never read")
			}
		}
	}
}

// collectAsmAndMembers records state names used from assembly and as
// members (`this.x()`), which read sets do not cover.
func collectAsmAndMembers(n solidity.Node, used map[string]bool) {
	solidity.Inspect(n, func(x solidity.Node) bool {
		switch y := x.(type) {
		case *solidity.YulIdentifier:
			name := y.Name
			if i := strings.IndexByte(name, '.'); i >= 0 {
				name = name[:i]
			}
			used[name] = true
		case *solidity.MemberAccess:
			used[y.MemberName] = true
		}
		return true
	})
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
