package detectors

import (
	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "uninitialized-storage-pointer", Title: "Uninitialised storage pointer",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceHigh, SWC: "SWC-109", DASP: findings.DASPUnknownUnknowns,
		Description:    "Before 0.5 a local struct or array declared without a data location and without a value is a storage pointer to slot 0. Writing through it overwrites the first state variables (often the owner or a secret).",
		Recommendation: "Declare the local `memory`, or initialise the storage pointer from a state variable.",
	}, uninitializedStoragePointer)
	register(findings.Rule{
		ID: "arbitrary-storage-write", Title: "Write to an arbitrary storage location",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-124", DASP: findings.DASPAccessControl,
		Description:    "A caller can make a dynamic array's length huge (setting it, or decrementing it below zero before 0.6) and then write at an index they choose: the element's slot wraps around storage and overwrites any variable, such as the owner. Assembly sstore to a caller-chosen slot does the same directly.",
		Recommendation: "Never let callers set array lengths; use push/pop, check indexes against the length, and never sstore to caller-chosen slots.",
	}, arbitraryStorageWrite)
}

func uninitializedStoragePointer(ps *pass) {
	for _, f := range ps.functions() {
		old := pre05(f.File)
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			ds, ok := n.(*solidity.VariableDeclarationStatement)
			if !ok || ds.InitialValue != nil {
				return true
			}
			for _, d := range ds.Declarations {
				if d == nil || d.TypeName == nil {
					continue
				}
				if d.Location == "storage" || (old && d.Location == "" && isStructOrDynamic(f, d.TypeName)) {
					ps.report(f.File, d, f.Contract, f, "local "+d.Name+" is an uninitialised storage pointer: writing it overwrites storage slot 0 and onwards")
				}
			}
			return true
		})
	}
}

// isStructOrDynamic reports types that default to storage pointers in
// pre-0.5 locals: structs, arrays, mappings, strings and bytes.
func isStructOrDynamic(f *analysis.Function, t solidity.TypeName) bool {
	switch x := t.(type) {
	case *solidity.ArrayTypeName, *solidity.Mapping:
		return true
	case *solidity.ElementaryTypeName:
		return x.Name == "string" || x.Name == "bytes"
	case *solidity.UserDefinedTypeName:
		// Contracts and enums are values; structs are references.
		if f.Contract != nil {
			for _, k := range f.Contract.Linearization {
				for _, st := range k.Structs {
					if st.Name == x.Name {
						return true
					}
				}
			}
		}
	}
	return false
}

func arbitraryStorageWrite(ps *pass) {
	for _, c := range ps.contracts() {
		if c.Kind != "contract" {
			continue
		}
		// Arrays whose length an unguarded caller can push past the end
		// of storage.
		unsafe := map[*analysis.StateVar]string{}
		for _, f := range c.EntryFunctions() {
			if f.Guard().Protected() || f.Def.Body == nil {
				continue
			}
			s, t := f.Scope(), f.Taint()
			conds := f.Conditions()
			solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
				switch x := n.(type) {
				case *solidity.Assignment:
					if m, ok := x.LeftHandSide.(*solidity.MemberAccess); ok && m.MemberName == "length" {
						if v := s.RootState(m.Expression); v != nil {
							if x.Operator == "-=" && !lengthPositiveChecked(conds, v.Name) || t.Expr(x.RightHandSide) {
								unsafe[v] = f.QualifiedName()
							}
						}
					}
				case *solidity.UnaryOperation:
					if m, ok := x.SubExpression.(*solidity.MemberAccess); ok && m.MemberName == "length" && x.Operator == "--" {
						if v := s.RootState(m.Expression); v != nil && !lengthPositiveChecked(conds, v.Name) {
							unsafe[v] = f.QualifiedName()
						}
					}
				}
				return true
			})
		}
		for _, f := range c.EntryFunctions() {
			if f.Guard().Protected() || f.Def.Body == nil {
				continue
			}
			s, t := f.Scope(), f.Taint()
			solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
				switch x := n.(type) {
				case *solidity.Assignment:
					ia, ok := x.LeftHandSide.(*solidity.IndexAccess)
					if !ok || ia.IndexExpression == nil || !t.Expr(ia.IndexExpression) {
						return true
					}
					if v := s.RootState(ia.BaseExpression); v != nil && unsafe[v] != "" {
						ps.report(f.File, x, c, f, "the caller chooses the index into "+v.Name+", whose length can be made to cover all storage through "+unsafe[v])
					}
				case *solidity.YulFunctionCall:
					if x.FunctionName.Name == "sstore" && len(x.Arguments) == 2 {
						if id, ok := x.Arguments[0].(*solidity.YulIdentifier); ok {
							if d := s.Local(id.Name); d != nil && t.Var(d) {
								ps.report(f.File, x, c, f, "sstore to the caller-chosen slot "+id.Name)
							}
						}
					}
				}
				return true
			})
		}
	}
}

// lengthPositiveChecked reports a condition `0 < arr.length`,
// `arr.length > 0` or `arr.length != 0` (not the tautology `0 <= length`).
func lengthPositiveChecked(conds []solidity.Expression, name string) bool {
	for _, c := range conds {
		found := contains(c, func(n solidity.Node) bool {
			b, ok := n.(*solidity.BinaryOperation)
			if !ok {
				return false
			}
			isLen := func(e solidity.Expression) bool {
				m, ok := e.(*solidity.MemberAccess)
				if !ok || m.MemberName != "length" {
					return false
				}
				id, ok := m.Expression.(*solidity.Identifier)
				return ok && id.Name == name
			}
			switch b.Operator {
			case ">", "!=":
				return isLen(b.LeftExpression) && literalZero(b.RightExpression) || b.Operator == "!=" && isLen(b.RightExpression) && literalZero(b.LeftExpression)
			case "<":
				return literalZero(b.LeftExpression) && isLen(b.RightExpression)
			}
			return false
		})
		if found {
			return true
		}
	}
	return false
}
