package detectors

import (
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "shadowed-state-variable", Title: "State variable shadows a base contract's",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, SWC: "SWC-119", DASP: findings.DASPUnknownUnknowns,
		Description:    "A contract declares a state variable with the same name as one in a base contract (allowed before 0.6). The two are separate storage slots: the base's functions keep using their own variable, so setting the derived one has no effect on them.",
		Recommendation: "Remove the duplicate declaration and assign the base's variable (e.g. in the constructor).",
	}, shadowedStateVariable)
	register(findings.Rule{
		ID: "shadowed-local-variable", Title: "Local variable shadows a state variable",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceHigh, SWC: "SWC-119", DASP: findings.DASPUnknownUnknowns,
		Description:    "A parameter, return variable or local has the same name as a state variable. Inside the function the name means the local, which is easy to misread and may leave the state variable unintentionally untouched.",
		Recommendation: "Rename the local (a leading or trailing underscore is the common convention).",
	}, shadowedLocal)
}

func shadowedStateVariable(ps *pass) {
	for _, c := range ps.contracts() {
		for _, v := range c.StateVars {
			for _, base := range c.Linearization[1:] {
				for _, bv := range base.StateVars {
					if bv.Name == v.Name && bv.Decl.Visibility != "private" {
						ps.report(c.File, v.Decl, c, nil, "state variable "+v.Name+" shadows "+base.Name+"."+bv.Name, related{bv.Decl, "shadowed declaration"})
					}
				}
			}
		}
	}
}

func shadowedLocal(ps *pass) {
	for _, f := range ps.functions() {
		if f.Contract == nil || f.Contract.Kind == "interface" {
			continue
		}
		check := func(d *solidity.VariableDeclaration, what string) {
			if d == nil || d.Name == "" {
				return
			}
			if sv := f.Contract.StateVar(d.Name); sv != nil {
				ps.report(f.File, d, f.Contract, f, what+" "+d.Name+" of "+f.QualifiedName()+" shadows state variable "+sv.Contract.Name+"."+sv.Name)
			}
		}
		var lists []*solidity.ParameterList
		lists = append(lists, f.Def.Parameters, f.Def.ReturnParams)
		for i, l := range lists {
			if l == nil {
				continue
			}
			what := "parameter"
			if i == 1 {
				what = "return variable"
			}
			for _, d := range l.Parameters {
				check(d, what)
			}
		}
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			if d, ok := n.(*solidity.VariableDeclarationStatement); ok {
				for _, v := range d.Declarations {
					check(v, "local variable")
				}
			}
			return true
		})
	}
}
