package detectors

import (
	"strings"

	"github.com/solsec/platform/services/internal/analysis"
	"github.com/solsec/platform/services/internal/findings"
	"github.com/solsec/platform/services/internal/solidity"
)

func init() {
	register(findings.Rule{
		ID: "signature-malleability", Title: "Signature bytes used as a unique identifier",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceMedium, SWC: "SWC-117", DASP: findings.DASPUnknownUnknowns,
		Description:    "ECDSA signatures are malleable: for every valid (r, s, v) there is a second valid signature of the same message. Hashing the signature to mark a message as processed lets an attacker replay it with the other form.",
		Recommendation: "Identify processed messages by the hash of the signed data (with a nonce), not by the signature; use OpenZeppelin's ECDSA.recover, which rejects malleable signatures.",
	}, signatureMalleability)
	register(findings.Rule{
		ID: "signature-replay", Title: "Signed message without nonce or chain id",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceLow, SWC: "SWC-121", DASP: findings.DASPAccessControl,
		Description:    "The function accepts an ecrecover signature over data that contains no nonce and no chain id (and no record of used messages). The same signature can be replayed on this contract or on another chain.",
		Recommendation: "Include a per-signer nonce (incremented on use), the chain id and the contract address in the signed hash (EIP-712), or record used message hashes.",
	}, signatureReplay)
	register(findings.Rule{
		ID: "ecrecover-zero-address", Title: "ecrecover result not checked against the zero address",
		Severity: findings.SeverityMedium, Confidence: findings.ConfidenceMedium, SWC: "SWC-117", DASP: findings.DASPAccessControl,
		Description:    "ecrecover returns address(0) for an invalid signature. Comparing its result with a stored signer that is unset (zero) accepts any garbage signature.",
		Recommendation: "require(recovered != address(0)) before comparing, or use OpenZeppelin's ECDSA.recover.",
	}, ecrecoverZero)
	register(findings.Rule{
		ID: "encode-packed-collision", Title: "Hash of abi.encodePacked with several dynamic values",
		Severity: findings.SeverityLow, Confidence: findings.ConfidenceMedium, SWC: "SWC-133", DASP: findings.DASPUnknownUnknowns,
		Description:    "abi.encodePacked concatenates dynamic values without length prefixes, so different inputs (\"ab\",\"c\" and \"a\",\"bc\"; moving an element between two arrays) produce the same bytes and the same hash. Signatures or ids built this way can be reused for other inputs.",
		Recommendation: "Use abi.encode, or never pass more than one dynamic-length value to abi.encodePacked.",
	}, encodePackedCollision)
}

// ecrecoverCalls lists the ecrecover calls of a function (direct, or
// ECDSA-style tryRecover/recover helpers are trusted and skipped).
func ecrecoverCalls(f *analysis.Function) []*solidity.FunctionCall {
	var out []*solidity.FunctionCall
	solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
		if fc, ok := n.(*solidity.FunctionCall); ok {
			if id, ok := fc.Expression.(*solidity.Identifier); ok && id.Name == "ecrecover" {
				out = append(out, fc)
			}
		}
		return true
	})
	return out
}

func signatureMalleability(ps *pass) {
	for _, f := range ps.functions() {
		if f.Def.Parameters == nil {
			continue
		}
		var sigs []string
		for _, d := range f.Def.Parameters.Parameters {
			if d != nil && strings.Contains(strings.ToLower(d.Name), "sig") && TypeStringIs(d.TypeName, "bytes") {
				sigs = append(sigs, d.Name)
			}
		}
		if len(sigs) == 0 {
			continue
		}
		s := f.Scope()
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			fc, ok := n.(*solidity.FunctionCall)
			if !ok || (calleeName(fc) != "keccak256" && calleeName(fc) != "sha3") {
				return true
			}
			ids := identifiers(fc)
			for _, sig := range sigs {
				if !ids[sig] {
					continue
				}
				// Only when the hash then marks something as used: it is
				// stored or checked against storage.
				if hashUsedAsKey(f, s, fc) {
					ps.report(f.File, fc, f.Contract, f, "the hash includes the signature "+sig+"; a malleated signature gives a different hash for the same message")
					return false
				}
			}
			return true
		})
	}
}

// TypeStringIs reports whether t renders as name.
func TypeStringIs(t solidity.TypeName, name string) bool { return analysis.TypeString(t) == name }

// hashUsedAsKey reports a hash that ends up indexing or being written to
// storage (a "processed" marker).
func hashUsedAsKey(f *analysis.Function, s *analysis.Scope, hash *solidity.FunctionCall) bool {
	// The hash is assigned to a local that then indexes storage, or used
	// directly as an index.
	local := ""
	solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
		if d, ok := n.(*solidity.VariableDeclarationStatement); ok && len(d.Declarations) == 1 && d.Declarations[0] != nil && d.InitialValue != nil {
			if contains(d.InitialValue, func(x solidity.Node) bool { return x == solidity.Node(hash) }) {
				local = d.Declarations[0].Name
			}
		}
		return local == ""
	})
	return contains(f.Def.Body, func(n solidity.Node) bool {
		ia, ok := n.(*solidity.IndexAccess)
		if !ok || ia.IndexExpression == nil || s.RootState(ia.BaseExpression) == nil {
			return false
		}
		if ia.IndexExpression == solidity.Expression(hash) {
			return true
		}
		id, ok := ia.IndexExpression.(*solidity.Identifier)
		return ok && local != "" && id.Name == local
	})
}

func signatureReplay(ps *pass) {
	for _, f := range ps.functions() {
		if !f.IsEntry() || f.IsView() {
			continue
		}
		recs := ecrecoverCalls(f)
		if len(recs) == 0 {
			continue
		}
		body := f.File.Text(f.Def.Body)
		lower := strings.ToLower(body)
		if strings.Contains(lower, "nonce") || strings.Contains(lower, "chainid") || strings.Contains(lower, "domain_separator") || strings.Contains(lower, "domainseparator") {
			continue
		}
		// A used-message record also stops replay.
		if len(f.WritesAll) > 0 && usesHashAsKey(f) {
			continue
		}
		ps.report(f.File, recs[0], f.Contract, f, "the signed message carries no nonce or chain id; the signature can be replayed")
	}
}

func usesHashAsKey(f *analysis.Function) bool {
	s := f.Scope()
	return contains(f.Def.Body, func(n solidity.Node) bool {
		a, ok := n.(*solidity.Assignment)
		if !ok {
			return false
		}
		ia, ok := a.LeftHandSide.(*solidity.IndexAccess)
		return ok && s.RootState(ia.BaseExpression) != nil
	})
}

func ecrecoverZero(ps *pass) {
	for _, f := range ps.functions() {
		for _, rec := range ecrecoverCalls(f) {
			// Only where the recovered address authorises something in
			// this function: compared with a stored or given signer. A
			// helper that returns it leaves the check to its callers.
			names := map[string]bool{}
			solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
				switch x := n.(type) {
				case *solidity.VariableDeclarationStatement:
					if len(x.Declarations) == 1 && x.Declarations[0] != nil && x.InitialValue == solidity.Expression(rec) {
						names[x.Declarations[0].Name] = true
					}
				case *solidity.Assignment:
					if id, ok := x.LeftHandSide.(*solidity.Identifier); ok && x.RightHandSide == solidity.Expression(rec) {
						names[id.Name] = true
					}
				}
				return true
			})
			isRecovered := func(e solidity.Expression) bool {
				if e == solidity.Expression(rec) {
					return true
				}
				id, ok := e.(*solidity.Identifier)
				return ok && names[id.Name]
			}
			compared, zeroChecked := false, false
			for _, c := range f.Conditions() {
				solidity.Inspect(c, func(n solidity.Node) bool {
					b, ok := n.(*solidity.BinaryOperation)
					if !ok || (b.Operator != "==" && b.Operator != "!=") {
						return true
					}
					if isRecovered(b.LeftExpression) || isRecovered(b.RightExpression) {
						if literalZero(b.LeftExpression) || literalZero(b.RightExpression) {
							zeroChecked = true
						} else {
							compared = true
						}
					}
					return true
				})
			}
			if compared && !zeroChecked {
				ps.report(f.File, rec, f.Contract, f, "ecrecover returns address(0) for invalid signatures and the result is compared without excluding it")
			}
		}
	}
}

func encodePackedCollision(ps *pass) {
	for _, f := range ps.functions() {
		s := f.Scope()
		solidity.Inspect(f.Def.Body, func(n solidity.Node) bool {
			hash, ok := n.(*solidity.FunctionCall)
			if !ok || (calleeName(hash) != "keccak256" && calleeName(hash) != "sha256" && calleeName(hash) != "sha3") || len(hash.Arguments) != 1 {
				return true
			}
			// Only packed bytes that are hashed matter: the hash is what
			// identifies or authorises something.
			fc, ok := hash.Arguments[0].(*solidity.FunctionCall)
			if !ok || !isGlobal(fc.Expression, "abi", "encodePacked") {
				return true
			}
			dynamic := 0
			for _, a := range fc.Arguments {
				switch t := s.TypeOf(a).(type) {
				case *solidity.ArrayTypeName:
					dynamic++
				case *solidity.ElementaryTypeName:
					if t.Name == "string" || t.Name == "bytes" {
						dynamic++
					}
				}
			}
			if dynamic >= 2 {
				ps.report(f.File, fc, f.Contract, f, "abi.encodePacked with "+itoa(dynamic)+" dynamic-length arguments: different inputs can encode to the same bytes")
			}
			return true
		})
	}
}
