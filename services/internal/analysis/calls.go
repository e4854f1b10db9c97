package analysis

import (
	"strings"

	"github.com/solsec/platform/services/internal/solidity"
)

// Call kinds, also the Kind of CallGraph edges.
const (
	CallInternal     = "internal"     // a function of the contract or its bases, or a free function
	CallExternal     = "external"     // a message call to another contract through its interface
	CallLibrary      = "library"      // a library function (delegatecall for external ones, inlined for internal)
	CallLowLevel     = "lowlevel"     // address.call/staticcall/send/transfer
	CallDelegatecall = "delegatecall" // address.delegatecall/callcode
	CallBuiltin      = "builtin"      // require, keccak256, abi.encode, push, ...
	CallCreate       = "create"       // new C(...)
	CallUnknown      = "unknown"      // a member call on a value whose type the model does not know
)

// Call is one call expression in a function or modifier body.
type Call struct {
	Kind string
	Node *solidity.FunctionCall
	// Receiver is the expression the call is made on (`a` in `a.f()`), nil
	// for plain calls.
	Receiver solidity.Expression
	// Member is the called member (`call`, `transfer`, `f`) or the plain
	// function's name.
	Member string
	// Target names the callee for graphs: "Contract.function", "Lib.f",
	// "IERC20.transfer", "address.call".
	Target string
	// Callee is the resolved function for internal and library calls (and
	// for external calls through a known interface), or nil.
	Callee *Function
	// SendsValue is set when the call forwards ether: `.value(...)`,
	// `{value: ...}`, send and transfer.
	SendsValue bool
	// GasLimited is set for send/transfer and calls with an explicit gas
	// stipend (`.gas(n)`, `{gas: n}`).
	GasLimited bool
	// ValueExpr and GasExpr are the forwarded value and gas, when given.
	ValueExpr, GasExpr solidity.Expression
}

// IsExternal reports whether the call transfers control to code the
// contract does not control: external, low-level and delegate calls.
func (c *Call) IsExternal() bool {
	switch c.Kind {
	case CallExternal, CallLowLevel, CallDelegatecall:
		return true
	}
	return false
}

var builtinFuncs = map[string]bool{
	"require": true, "assert": true, "revert": true, "keccak256": true, "sha3": true, "sha256": true,
	"ripemd160": true, "ecrecover": true, "addmod": true, "mulmod": true, "selfdestruct": true, "suicide": true,
	"blockhash": true, "gasleft": true, "type": true,
}

var builtinObjects = map[string]bool{"abi": true, "msg": true, "block": true, "tx": true, "string": true, "bytes": true}

var builtinMembers = map[string]bool{
	"push": true, "pop": true, "length": true, "encode": true, "encodePacked": true, "decode": true,
	"encodeWithSelector": true, "encodeWithSignature": true, "encodeCall": true, "concat": true,
	"selector": true, "wrap": true, "unwrap": true, "min": true, "max": true, "interfaceId": true,
}

// classify works out what a call expression calls. It returns nil for
// expressions that only look like calls: type conversions, struct
// constructors, events emitted the pre-0.4.21 way, custom errors, and the
// `.value(v)`/`.gas(g)` option calls that wrap another call's callee.
func (s *scope) classify(fc *solidity.FunctionCall) *Call {
	call := &Call{Node: fc}
	callee := fc.Expression
	// Peel call options: `f{value: v}(...)` and `f.value(v).gas(g)(...)`.
	for {
		switch x := callee.(type) {
		case *solidity.FunctionCallOptions:
			for i, n := range x.Names {
				if i >= len(x.Options) {
					break // a half-written option list
				}
				switch n {
				case "value":
					call.SendsValue, call.ValueExpr = true, x.Options[i]
				case "gas":
					call.GasLimited, call.GasExpr = true, x.Options[i]
				}
			}
			callee = x.Expression
			continue
		case *solidity.FunctionCall:
			if m, ok := x.Expression.(*solidity.MemberAccess); ok && (m.MemberName == "value" || m.MemberName == "gas") && len(x.Arguments) == 1 {
				if m.MemberName == "value" {
					call.SendsValue, call.ValueExpr = true, x.Arguments[0]
				} else {
					call.GasLimited, call.GasExpr = true, x.Arguments[0]
				}
				callee = m.Expression
				continue
			}
		}
		break
	}
	switch x := callee.(type) {
	case *solidity.Identifier:
		call.Member = x.Name
		if builtinFuncs[x.Name] {
			call.Kind, call.Target = CallBuiltin, x.Name
			return call
		}
		if s.contract != nil {
			if f := s.contract.LookupFunction(x.Name, len(fc.Arguments)); f != nil {
				call.Kind, call.Callee, call.Target = CallInternal, f, f.QualifiedName()
				return call
			}
			if s.isEventOrError(x.Name) {
				return nil
			}
		}
		for _, f := range s.p.FreeFunctions {
			if f.Name == x.Name && (f.File == s.file || s.p.fileScopesSees(s.file, f.File)) {
				call.Kind, call.Callee, call.Target = CallInternal, f, f.Name
				return call
			}
		}
		// A contract or struct name used as a conversion or constructor.
		return nil
	case *solidity.MemberAccess:
		call.Member = x.MemberName
		call.Receiver = x.Expression
		if id, ok := x.Expression.(*solidity.Identifier); ok {
			switch {
			case id.Name == "super" && s.contract != nil:
				call.Kind = CallInternal
				call.Target = "super." + x.MemberName
				if f := s.superFunction(x.MemberName, len(fc.Arguments)); f != nil {
					call.Callee, call.Target = f, f.QualifiedName()
				}
				return call
			case builtinObjects[id.Name] && s.Local(id.Name) == nil:
				call.Kind, call.Target = CallBuiltin, id.Name+"."+x.MemberName
				if id.Name == "block" && x.MemberName == "blockhash" {
					call.Target = "blockhash"
				}
				return call
			case s.Local(id.Name) == nil && s.State(id.Name) == nil:
				if c := s.p.lookupContract(s.file, id.Name); c != nil {
					f := c.LookupFunction(x.MemberName, len(fc.Arguments))
					if f == nil {
						// An event or error of another contract, or a selector.
						return nil
					}
					call.Callee, call.Target = f, f.QualifiedName()
					if c.Kind == "library" {
						call.Kind = CallLibrary
					} else if s.contract != nil && s.contract.IsDerivedFrom(c.Name) {
						call.Kind = CallInternal // Base.f(): a call to an overridden base implementation
					} else {
						call.Kind = CallExternal
					}
					return call
				}
			}
		}
		switch x.MemberName {
		case "call", "staticcall":
			call.Kind, call.Target = CallLowLevel, "address."+x.MemberName
			return call
		case "delegatecall", "callcode":
			call.Kind, call.Target = CallDelegatecall, "address."+x.MemberName
			return call
		}
		rt := s.typeOf(x.Expression)
		if x.MemberName == "send" || (x.MemberName == "transfer" && len(fc.Arguments) == 1 && !isContractTypeName(s, rt)) {
			call.Kind, call.Target = CallLowLevel, "address."+x.MemberName
			call.SendsValue, call.GasLimited = true, true
			if len(fc.Arguments) == 1 {
				call.ValueExpr = fc.Arguments[0]
			}
			return call
		}
		if lib := s.usingFor(rt, x.MemberName, len(fc.Arguments)+1); lib != nil {
			call.Kind, call.Callee, call.Target = CallLibrary, lib, lib.QualifiedName()
			return call
		}
		if u, ok := rt.(*solidity.UserDefinedTypeName); ok {
			if c := s.p.lookupContract(s.file, u.Name); c != nil && c.Kind != "library" {
				call.Kind, call.Target = CallExternal, c.Name+"."+x.MemberName
				call.Callee = c.LookupFunction(x.MemberName, len(fc.Arguments))
				return call
			}
		}
		if builtinMembers[x.MemberName] {
			call.Kind, call.Target = CallBuiltin, x.MemberName
			return call
		}
		// A member call on a contract made from a conversion: IERC20(t).transfer(...).
		if inner, ok := x.Expression.(*solidity.FunctionCall); ok {
			if id, ok := inner.Expression.(*solidity.Identifier); ok && len(inner.Arguments) == 1 {
				if c := s.p.lookupContract(s.file, id.Name); c != nil {
					call.Kind, call.Target = CallExternal, c.Name+"."+x.MemberName
					call.Callee = c.LookupFunction(x.MemberName, len(fc.Arguments))
					return call
				}
			}
		}
		if rt != nil && isAddressType(rt) {
			call.Kind, call.Target = CallUnknown, "address."+x.MemberName
			return call
		}
		call.Kind, call.Target = CallUnknown, x.MemberName
		return call
	case *solidity.NewExpression:
		call.Kind, call.Target = CallCreate, "new "+TypeString(x.TypeName)
		return call
	case *solidity.ElementaryTypeNameExpression:
		return nil
	case *solidity.IndexAccess:
		// A function stored in an array or mapping: an indirect call.
		call.Kind, call.Target = CallUnknown, "indirect"
		return call
	}
	return nil
}

func isContractTypeName(s *scope, t solidity.TypeName) bool {
	u, ok := t.(*solidity.UserDefinedTypeName)
	if !ok {
		return false
	}
	c := s.p.lookupContract(s.file, u.Name)
	return c != nil
}

func (s *scope) isEventOrError(name string) bool {
	for _, k := range s.contract.Linearization {
		for _, e := range k.Events {
			if e.Name == name {
				return true
			}
		}
		for _, e := range k.Errors {
			if e.Name == name {
				return true
			}
		}
	}
	return false
}

// superFunction finds what `super.name` binds to from the scope's contract:
// the next implementation after it in its own linearization.
func (s *scope) superFunction(name string, argc int) *Function {
	for _, k := range s.contract.Linearization[1:] {
		for _, f := range k.Functions {
			if f.Name == name && paramCount(f.Def) == argc && f.Def.Body != nil {
				return f
			}
		}
	}
	return nil
}

// usingFor finds the library function a `using L for T` directive attaches
// to a value of type t under the given name, or nil.
func (s *scope) usingFor(t solidity.TypeName, member string, argc int) *Function {
	if s.contract == nil {
		return nil
	}
	ts := TypeString(t)
	// Before 0.7 directives were inherited; since then only the contract's
	// own (and its file's) apply. Looking through the bases as well costs
	// nothing for new code, where they rarely disagree, and is right for old.
	var dirs []*solidity.UsingForDirective
	for _, k := range s.contract.Linearization {
		dirs = append(dirs, k.UsingFor...)
	}
	for _, d := range dirs {
		if d.TypeName != nil && ts != "" && TypeString(d.TypeName) != ts && !(strings.HasPrefix(ts, "address") && TypeString(d.TypeName) == "address") {
			continue
		}
		if d.TypeName != nil && ts == "" {
			continue
		}
		if d.LibraryName != nil {
			if lib := s.p.lookupContract(s.file, d.LibraryName.Name); lib != nil {
				if f := lib.LookupFunction(member, argc); f != nil {
					return f
				}
			}
		}
		for _, uf := range d.FunctionList {
			name := uf.Function.Name
			if i := strings.LastIndexByte(name, '.'); i >= 0 {
				if lib := s.p.lookupContract(s.file, name[:i]); lib != nil && name[i+1:] == member {
					if f := lib.LookupFunction(member, -1); f != nil {
						return f
					}
				}
				continue
			}
			if name == member {
				for _, f := range s.p.FreeFunctions {
					if f.Name == member {
						return f
					}
				}
			}
		}
	}
	return nil
}

// fileScopesSees reports whether file a imports (transitively) file b.
func (p *Project) fileScopesSees(a, b *File) bool {
	seen := map[*File]bool{}
	var walk func(f *File) bool
	walk = func(f *File) bool {
		if f == b {
			return true
		}
		if seen[f] {
			return false
		}
		seen[f] = true
		for _, t := range f.imports {
			if walk(t) {
				return true
			}
		}
		return false
	}
	return walk(a)
}
