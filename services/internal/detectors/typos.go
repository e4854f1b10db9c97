package detectors

import (
	"bytes"
	"strings"
	"unicode"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "wrong-constructor-name", Title: "Function meant as a constructor is an ordinary public function",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-118", DASP: findings.DASPAccessControl,
		Description:    "Before 0.4.22 a constructor was a function named exactly like its contract. A function whose name only resembles the contract's (different case, a renamed contract, `Constructor`) is a public function anyone can call again later, typically to take ownership.",
		Recommendation: "Use the `constructor` keyword (Solidity 0.4.22 and later).",
	}, wrongConstructorName)
	register(findings.Rule{
		ID: "typo-assignment-operator", Title: "Assignment operator typo (=+ or =-)",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, SWC: "SWC-129", DASP: findings.DASPUnknownUnknowns,
		Description:    "`x =+ 1` assigns +1 to x instead of adding 1 (`x += 1`); `x =- 1` assigns -1.",
		Recommendation: "Write the compound operator (+=, -=) or space the unary sign explicitly if assignment was meant.",
	}, typoAssignment)
	register(findings.Rule{
		ID: "rtlo-character", Title: "Right-to-left override or other bidirectional control character",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceHigh, SWC: "SWC-130", DASP: findings.DASPUnknownUnknowns,
		Description:    "Unicode bidirectional control characters (U+202A-U+202E, U+2066-U+2069) make source code display in a different order than the compiler reads it, hiding what the code does from reviewers.",
		Recommendation: "Remove bidirectional control characters from the source.",
	}, rtloCharacter)
	register(findings.Rule{
		ID: "function-type-assembly", Title: "Function-type variable modified in assembly",
		Severity: findings.SeverityHigh, Confidence: findings.ConfidenceMedium, SWC: "SWC-127", DASP: findings.DASPUnknownUnknowns,
		Description:    "Inline assembly that changes a function-type variable can point it at an arbitrary code location; a caller that influences the value can jump anywhere in the contract.",
		Recommendation: "Do not manipulate function-type variables in assembly; select among fixed functions in Solidity instead.",
	}, functionTypeAssembly)
	register(findings.Rule{
		ID: "code-no-effect", Title: "Statement without effect",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceHigh, SWC: "SWC-135", DASP: findings.DASPUnknownUnknowns,
		Description:    "An expression statement computes a value and discards it: a comparison where an assignment or require was meant, or a `.value(...)` call option never called.",
		Recommendation: "Turn comparisons into require(...) or assignments as intended, and complete call expressions with their argument list: `a.call.value(v)()`.",
	}, codeNoEffect)
}

func wrongConstructorName(ps *pass) {
	for _, c := range ps.contracts() {
		if c.Kind != "contract" || !pre05(c.File) {
			continue
		}
		hasCtor := false
		for _, f := range c.Functions {
			if f.IsConstructor() {
				hasCtor = true
			}
		}
		for _, f := range c.Functions {
			if f.Def.Kind != solidity.FuncFunction || !f.IsEntry() || f.Def.Body == nil {
				continue
			}
			reason := ""
			switch {
			case strings.EqualFold(f.Name, c.Name):
				reason = "differs from the contract name " + c.Name + " only in case"
			case strings.EqualFold(f.Name, "constructor"):
				reason = "is not the constructor keyword"
			case !hasCtor && startsUpper(f.Name) && setsOwnerFromSender(f):
				reason = "looks like a constructor of another contract name and sets state from msg.sender"
			}
			if reason != "" {
				ps.report(c.File, spanNode{f.Def.Pos(), f.Def.Pos()}, c, f, "function "+f.Name+" "+reason+": it is a public function anyone can call, not a constructor")
			}
		}
	}
}

func startsUpper(s string) bool {
	for _, r := range s {
		return unicode.IsUpper(r)
	}
	return false
}

// setsOwnerFromSender reports `stateVar = msg.sender` in f's body.
func setsOwnerFromSender(f *analysis.Function) bool {
	return contains(f.Def.Body, func(n solidity.Node) bool {
		a, ok := n.(*solidity.Assignment)
		return ok && isGlobal(a.RightHandSide, "msg", "sender") && f.Scope().RootState(a.LeftHandSide) != nil
	})
}

func typoAssignment(ps *pass) {
	for _, f := range ps.functions() {
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			a, ok := n.(*solidity.Assignment)
			if !ok || a.Operator != "=" {
				return true
			}
			u, ok := a.RightHandSide.(*solidity.UnaryOperation)
			if !ok || (u.Operator != "+" && u.Operator != "-") || !u.Prefix {
				return true
			}
			between := string(f.File.Source[a.LeftHandSide.End().Offset:u.Pos().Offset])
			if strings.TrimSpace(between) == "=" && strings.HasSuffix(between, "=") {
				ps.report(f.File, a, f.Contract, f, "`="+u.Operator+"` assigns "+u.Operator+f.File.Text(u.SubExpression)+"; did you mean `"+u.Operator+"=`?")
			}
			return true
		})
	}
}

var bidiRunes = map[rune]string{
	'\u202A': "LRE", '\u202B': "RLE", '\u202C': "PDF", '\u202D': "LRO", '\u202E': "RLO (right-to-left override)",
	'\u2066': "LRI", '\u2067': "RLI", '\u2068': "FSI", '\u2069': "PDI",
}

func rtloCharacter(ps *pass) {
	for _, f := range ps.files() {
		// Every bidi control is encoded as E2 80 xx or E2 81 xx; most files
		// have no such byte and need no decoding.
		if !bytes.Contains(f.Source, []byte{0xE2, 0x80}) && !bytes.Contains(f.Source, []byte{0xE2, 0x81}) {
			continue
		}
		line, col := 1, 1
		src := string(f.Source)
		reported := map[int]bool{}
		for off, r := range src {
			if r == '\n' {
				line, col = line+1, 1
				continue
			}
			if name, ok := bidiRunes[r]; ok && !reported[line] {
				reported[line] = true
				start := solidity.Position{Offset: off, Line: line, Column: col}
				end := solidity.Position{Offset: off + len(string(r)), Line: line, Column: col + len(string(r))}
				ps.report(f, spanNode{start, end}, nil, nil, "bidirectional control character "+name+" changes how this line is displayed")
			}
			col += len(string(r))
		}
	}
}

func functionTypeAssembly(ps *pass) {
	for _, f := range ps.functions() {
		s := f.Scope()
		t := f.Taint()
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			asm, ok := n.(*solidity.InlineAssembly)
			if !ok {
				return true
			}
			// Which function-typed variables the block writes, and whether
			// anything the caller controls flows into the block.
			var target string
			callerData := false
			solidity.Inspect(asm, func(y solidity.Node) bool {
				switch x := y.(type) {
				case *solidity.YulIdentifier:
					switch x.Name {
					case "callvalue", "calldataload", "calldatacopy", "caller", "origin":
						callerData = true
					}
					if d := s.Local(x.Name); d != nil && t.Var(d) {
						callerData = true
					}
				case *solidity.YulFunctionCall:
					switch x.FunctionName.Name {
					case "callvalue", "calldataload", "calldatacopy", "caller", "origin":
						callerData = true
					case "mstore":
						if len(x.Arguments) != 2 {
							break
						}
						if id, ok := x.Arguments[0].(*solidity.YulIdentifier); ok && holdsFunction(f, s.Local(id.Name)) {
							target = id.Name
						}
					}
				case *solidity.YulAssignment:
					for _, v := range x.VariableNames {
						if holdsFunction(f, s.Local(v.Name)) {
							target = v.Name
						}
					}
				}
				return true
			})
			if target != "" && callerData {
				ps.report(f.File, asm, f.Contract, f, "assembly changes the function pointer in "+target+" using caller-controlled data; calling it can jump to arbitrary code")
			}
			return false
		})
	}
}

// holdsFunction reports a variable of function type, or a struct with a
// function-typed member.
func holdsFunction(f *analysis.Function, d *solidity.VariableDeclaration) bool {
	if d == nil {
		return false
	}
	switch t := d.TypeName.(type) {
	case *solidity.FunctionTypeName:
		return true
	case *solidity.UserDefinedTypeName:
		if f.Contract == nil {
			return false
		}
		for _, k := range f.Contract.Linearization {
			for _, st := range k.Structs {
				if st.Name != t.Name {
					continue
				}
				for _, m := range st.Members {
					if _, ok := m.TypeName.(*solidity.FunctionTypeName); ok {
						return true
					}
				}
			}
		}
	}
	return false
}

func codeNoEffect(ps *pass) {
	for _, f := range ps.functions() {
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			es, ok := n.(*solidity.ExpressionStatement)
			if !ok {
				return true
			}
			switch x := es.Expression.(type) {
			case *solidity.BinaryOperation:
				switch x.Operator {
				case "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&&", "||":
					ps.report(f.File, es, f.Contract, f, "the result of `"+f.File.Text(x)+"` is discarded; was an assignment or require intended?")
				}
			case *solidity.Identifier, *solidity.Literal, *solidity.IndexAccess:
				ps.report(f.File, es, f.Contract, f, "the statement `"+f.File.Text(x)+"` has no effect")
			case *solidity.FunctionCall:
				// a.call.value(v); sets the value option and never calls.
				if m, ok := x.Expression.(*solidity.MemberAccess); ok && (m.MemberName == "value" || m.MemberName == "gas") {
					if inner, ok := m.Expression.(*solidity.MemberAccess); ok {
						switch inner.MemberName {
						case "call", "delegatecall", "callcode", "staticcall", "send", "transfer":
							ps.report(f.File, es, f.Contract, f, "`"+f.File.Text(x)+"` only sets a call option; the call itself is never made (missing `()`)")
						}
					}
				}
			case *solidity.MemberAccess:
				ps.report(f.File, es, f.Contract, f, "the statement `"+f.File.Text(x)+"` has no effect")
			}
			return true
		})
	}
}
