package analysis

import (
	"strings"

	"github.com/solsec/platform/services/internal/solidity"
)

// scope resolves names inside one function or modifier body: its
// parameters, return variables and locals (block scoping is flattened; a
// later declaration with the same name wins only if the earlier one is not
// found first, which is good enough for the analyses here), then the
// contract's state variables.
type scope struct {
	p        *Project
	contract *Contract
	file     *File
	locals   map[string]*solidity.VariableDeclaration
	params   map[*solidity.VariableDeclaration]bool
	// storageAlias maps a local storage pointer to the state variable it was
	// initialised from, so writes through it count as state writes.
	storageAlias map[*solidity.VariableDeclaration]*StateVar
	// inits maps single-variable local declarations to their initial value.
	inits map[*solidity.VariableDeclaration]solidity.Expression
	// created marks locals holding a contract this function deployed
	// (`new C()`, or create/create2 in assembly).
	created map[*solidity.VariableDeclaration]bool
}

func newScope(p *Project, c *Contract, f *File, params []*solidity.ParameterList, body solidity.Node) *scope {
	s := &scope{p: p, contract: c, file: f, locals: map[string]*solidity.VariableDeclaration{},
		params: map[*solidity.VariableDeclaration]bool{}, storageAlias: map[*solidity.VariableDeclaration]*StateVar{},
		inits: map[*solidity.VariableDeclaration]solidity.Expression{}, created: map[*solidity.VariableDeclaration]bool{}}
	for _, pl := range params {
		if pl == nil {
			continue
		}
		for _, d := range pl.Parameters {
			if d != nil && d.Name != "" {
				s.locals[d.Name] = d
				s.params[d] = true
			}
		}
	}
	if body != nil {
		solidity.Inspect(body, func(n solidity.Node) bool {
			switch d := n.(type) {
			case *solidity.Assignment:
				if id, ok := d.LeftHandSide.(*solidity.Identifier); ok && isNewCall(d.RightHandSide) {
					if v := s.locals[id.Name]; v != nil {
						s.created[v] = true
					}
				}
			case *solidity.YulAssignment:
				if call, ok := d.Value.(*solidity.YulFunctionCall); ok && (call.FunctionName.Name == "create" || call.FunctionName.Name == "create2") {
					for _, id := range d.VariableNames {
						if v := s.locals[id.Name]; v != nil {
							s.created[v] = true
						}
					}
				}
			case *solidity.VariableDeclarationStatement:
				for _, v := range d.Declarations {
					if v != nil && v.Name != "" {
						if _, dup := s.locals[v.Name]; !dup {
							s.locals[v.Name] = v
						}
					}
				}
				// A storage pointer (explicit, or a pre-0.5 struct/array local
				// without a location) aliases the state it points into.
				if len(d.Declarations) == 1 && d.Declarations[0] != nil && d.InitialValue != nil {
					v := d.Declarations[0]
					s.inits[v] = d.InitialValue
					if isNewCall(d.InitialValue) {
						s.created[v] = true
					}
					if v.Location == "storage" || (v.Location == "" && isReferenceType(v.TypeName)) {
						if sv := s.rootState(d.InitialValue); sv != nil {
							s.storageAlias[v] = sv
						}
					}
				}
			case *solidity.TryStatement:
				if d.ReturnParams != nil {
					for _, v := range d.ReturnParams.Parameters {
						if v != nil && v.Name != "" {
							s.locals[v.Name] = v
						}
					}
				}
			case *solidity.CatchClause:
				if d.Parameters != nil {
					for _, v := range d.Parameters.Parameters {
						if v != nil && v.Name != "" {
							s.locals[v.Name] = v
						}
					}
				}
			}
			return true
		})
	}
	return s
}

func isReferenceType(t solidity.TypeName) bool {
	switch t := t.(type) {
	case *solidity.ArrayTypeName, *solidity.Mapping:
		return true
	case *solidity.UserDefinedTypeName:
		return true // a struct (contracts and enums are not pointers, but never alias state either)
	case *solidity.ElementaryTypeName:
		return t.Name == "string" || t.Name == "bytes"
	}
	return false
}

// Local returns the local variable or parameter called name, or nil.
func (s *scope) Local(name string) *solidity.VariableDeclaration { return s.locals[name] }

// State returns the state variable an identifier names, or nil when a local
// shadows it or no state variable has that name.
func (s *scope) State(name string) *StateVar {
	if s.locals[name] != nil || s.contract == nil {
		return nil
	}
	return s.contract.StateVar(name)
}

// rootState returns the state variable at the root of an lvalue such as
// `a[i].b`, following local storage pointers, or nil.
func (s *scope) rootState(e solidity.Expression) *StateVar {
	for {
		switch x := e.(type) {
		case *solidity.Identifier:
			if d := s.locals[x.Name]; d != nil {
				return s.storageAlias[d]
			}
			return s.State(x.Name)
		case *solidity.IndexAccess:
			e = x.BaseExpression
		case *solidity.IndexRangeAccess:
			e = x.BaseExpression
		case *solidity.MemberAccess:
			if id, ok := x.Expression.(*solidity.Identifier); ok && id.Name == "this" {
				return nil
			}
			e = x.Expression
		case *solidity.TupleExpression:
			if len(x.Components) == 1 && x.Components[0] != nil {
				e = x.Components[0]
				continue
			}
			return nil
		default:
			return nil
		}
	}
}

var (
	addressType = &solidity.ElementaryTypeName{Name: "address"}
	uintType    = &solidity.ElementaryTypeName{Name: "uint256"}
	bytes32Type = &solidity.ElementaryTypeName{Name: "bytes32"}
	boolType    = &solidity.ElementaryTypeName{Name: "bool"}
)

// typeOf returns the declared type of an expression where the model can
// tell cheaply, or nil.
func (s *scope) typeOf(e solidity.Expression) solidity.TypeName {
	switch x := e.(type) {
	case *solidity.Identifier:
		switch x.Name {
		case "this":
			if s.contract != nil {
				return &solidity.UserDefinedTypeName{Name: s.contract.Name}
			}
		case "now":
			return uintType
		}
		if d := s.locals[x.Name]; d != nil {
			return d.TypeName
		}
		if sv := s.State(x.Name); sv != nil {
			return sv.Decl.TypeName
		}
	case *solidity.MemberAccess:
		if id, ok := x.Expression.(*solidity.Identifier); ok {
			switch id.Name + "." + x.MemberName {
			case "msg.sender", "tx.origin", "block.coinbase":
				return addressType
			case "msg.value", "block.timestamp", "block.number", "block.difficulty", "block.prevrandao", "block.gaslimit", "tx.gasprice", "block.basefee", "block.chainid":
				return uintType
			}
			if s.contract != nil && id.Name == "this" {
				break
			}
		}
		bt := s.typeOf(x.Expression)
		if u, ok := bt.(*solidity.UserDefinedTypeName); ok {
			if st := s.lookupStruct(u.Name); st != nil {
				for _, m := range st.Members {
					if m.Name == x.MemberName {
						return m.TypeName
					}
				}
			}
		}
		if x.MemberName == "balance" || x.MemberName == "length" {
			return uintType
		}
	case *solidity.IndexAccess:
		switch bt := s.typeOf(x.BaseExpression).(type) {
		case *solidity.Mapping:
			return bt.ValueType
		case *solidity.ArrayTypeName:
			return bt.BaseType
		}
	case *solidity.FunctionCall:
		switch callee := x.Expression.(type) {
		case *solidity.ElementaryTypeNameExpression:
			return callee.TypeName
		case *solidity.Identifier:
			if s.contract != nil || s.file != nil {
				if c := s.p.lookupContract(s.file, callee.Name); c != nil && len(x.Arguments) == 1 {
					return &solidity.UserDefinedTypeName{Name: c.Name}
				}
			}
			if callee.Name == "keccak256" || callee.Name == "sha3" || callee.Name == "sha256" || callee.Name == "blockhash" {
				return bytes32Type
			}
			if callee.Name == "ecrecover" {
				return addressType
			}
			if s.contract != nil {
				if f := s.contract.LookupFunction(callee.Name, len(x.Arguments)); f != nil && f.Def.ReturnParams != nil && len(f.Def.ReturnParams.Parameters) == 1 {
					return f.Def.ReturnParams.Parameters[0].TypeName
				}
			}
		case *solidity.MemberAccess:
			if id, ok := callee.Expression.(*solidity.Identifier); ok && id.Name == "block" && callee.MemberName == "blockhash" {
				return bytes32Type
			}
		}
	case *solidity.TupleExpression:
		if len(x.Components) == 1 && x.Components[0] != nil {
			return s.typeOf(x.Components[0])
		}
	case *solidity.BinaryOperation:
		switch x.Operator {
		case "==", "!=", "<", ">", "<=", ">=", "&&", "||":
			return boolType
		}
		return s.typeOf(x.LeftExpression)
	}
	return nil
}

func (s *scope) lookupStruct(name string) *solidity.StructDefinition {
	short := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		short = name[i+1:]
	}
	if s.contract != nil {
		for _, k := range s.contract.Linearization {
			for _, st := range k.Structs {
				if st.Name == short {
					return st
				}
			}
		}
	}
	for _, c := range s.p.byName[name[:max(0, len(name)-len(short)-1)]] {
		for _, st := range c.Structs {
			if st.Name == short {
				return st
			}
		}
	}
	if s.file != nil {
		for _, n := range s.file.AST.Nodes {
			if st, ok := n.(*solidity.StructDefinition); ok && st.Name == short {
				return st
			}
		}
	}
	return nil
}

// TypeString renders a type name compactly ("uint256", "address",
// "mapping(address=>uint256)", "T[]"); "" for nil. uint and int are
// normalised to their 256-bit names.
func TypeString(t solidity.TypeName) string {
	switch t := t.(type) {
	case *solidity.ElementaryTypeName:
		switch t.Name {
		case "uint":
			return "uint256"
		case "int":
			return "int256"
		case "byte":
			return "bytes1"
		}
		return t.Name
	case *solidity.UserDefinedTypeName:
		return t.Name
	case *solidity.ArrayTypeName:
		return TypeString(t.BaseType) + "[]"
	case *solidity.Mapping:
		return "mapping(" + TypeString(t.KeyType) + "=>" + TypeString(t.ValueType) + ")"
	case *solidity.FunctionTypeName:
		return "function"
	}
	return ""
}

// isAddressType reports whether t is address or address payable.
func isAddressType(t solidity.TypeName) bool {
	e, ok := t.(*solidity.ElementaryTypeName)
	return ok && e.Name == "address"
}

// isNewCall reports `new C(...)`, possibly converted (address(new C())).
func isNewCall(e solidity.Expression) bool {
	fc, ok := e.(*solidity.FunctionCall)
	if !ok {
		return false
	}
	switch callee := fc.Expression.(type) {
	case *solidity.NewExpression:
		return true
	case *solidity.FunctionCallOptions:
		_, ok := callee.Expression.(*solidity.NewExpression)
		return ok
	}
	if len(fc.Arguments) == 1 {
		return isNewCall(fc.Arguments[0])
	}
	return false
}
