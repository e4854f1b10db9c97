package detectors

import (
	"strings"

	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "default-function-visibility", Title: "Function without explicit visibility",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceHigh, SWC: "SWC-100", DASP: findings.DASPAccessControl,
		Description:    "Before Solidity 0.5 a function without a visibility specifier is public. A function meant as an internal helper can then be called by anyone.",
		Recommendation: "Declare the visibility of every function; make helpers internal or private.",
	}, defaultFunctionVisibility)
	register(findings.Rule{
		ID: "default-state-visibility", Title: "State variable without explicit visibility",
		Severity: findings.SeverityInformational, Confidence: findings.ConfidenceHigh, SWC: "SWC-108", DASP: findings.DASPAccessControl,
		Description:    "A state variable without a visibility specifier is internal. Writing it out states whether the variable was meant to be readable through a getter and avoids mistakes about who can access it.",
		Recommendation: "Declare the visibility of every state variable (public, internal or private).",
	}, defaultStateVisibility)
}

func defaultFunctionVisibility(ps *pass) {
	for _, f := range ps.functions() {
		if f.Contract == nil || f.Def.Visibility != "" || f.Def.Kind != solidity.FuncFunction || f.Contract.Kind == "interface" {
			continue
		}
		// From 0.5 on a missing visibility does not compile; only older
		// (or unversioned) code gets the silent public default.
		if _, versioned := minVersion(f.File); versioned && !pre05(f.File) {
			continue
		}
		sev := ps.rule.Severity
		msg := "function " + f.Name + " has no visibility specifier and is public by default"
		// A name that says "internal helper" (leading underscore) on a
		// function anyone can call is the dangerous case.
		if strings.HasPrefix(f.Name, "_") && !f.IsView() {
			sev = findings.SeverityMedium
			msg += "; its name suggests it was meant to be internal"
		}
		ps.reportSeverity(sev, f.File, spanNode{f.Def.Pos(), f.Def.Pos()}, f.Contract, f, msg)
	}
}

func defaultStateVisibility(ps *pass) {
	for _, c := range ps.contracts() {
		for _, v := range c.StateVars {
			if v.Decl.Visibility == "" && !v.Decl.Constant {
				ps.report(c.File, v.Decl, c, nil, "state variable "+v.Name+" has no visibility specifier (internal by default)")
			}
		}
	}
}
