package analysis

import (
	"strconv"
	"strings"

	"github.com/solsec/platform/services/internal/solidity"
)

// Contract is a contract, abstract contract, interface or library with its
// resolved inheritance and members.
type Contract struct {
	Name     string
	Kind     string // contract, interface, library
	Abstract bool
	File     *File
	Def      *solidity.ContractDefinition
	// Bases are the direct bases in declaration order that resolved to a
	// contract of the project.
	Bases []*Contract
	// Linearization is the C3 linearization, the contract itself first and
	// its most basic ancestor last. When the hierarchy is impossible it
	// holds just the contract and a Diagnostic explains why.
	Linearization []*Contract

	StateVars []*StateVar // declared in this contract, in source order
	Functions []*Function // declared in this contract, in source order
	Modifiers []*Modifier // declared in this contract
	Events    []*solidity.EventDefinition
	Errors    []*solidity.ErrorDefinition
	Structs   []*solidity.StructDefinition
	Enums     []*solidity.EnumDefinition
	UsingFor  []*solidity.UsingForDirective // declared here and file-level `global`-free ones of its file

	entries []*Function
}

// StateVar is a state variable declaration.
type StateVar struct {
	Name     string
	Contract *Contract
	Decl     *solidity.VariableDeclaration
}

// Function is a function, constructor, fallback or receive function, or a
// file-level function (Contract nil).
type Function struct {
	Name     string
	Contract *Contract
	File     *File
	Def      *solidity.FunctionDefinition
	// Modifiers are the resolved modifiers the function applies, in order;
	// base constructor invocations are not modifiers and are left out.
	Modifiers []*Modifier
	// Overrides are the functions of base contracts this one overrides
	// (same name and parameter count).
	Overrides []*Function
	// Calls are the calls made by the body, in source order.
	Calls []*Call

	// Reads and Writes are the state variables the body (and its
	// modifiers) reads and writes directly.
	Reads, Writes []*StateVar
	// ReadsAll and WritesAll add what internal and library calls read and
	// write, transitively.
	ReadsAll, WritesAll []*StateVar

	scope      *scope
	cfg        *CFG
	taint      *Taint
	yulSet     bool // writes storage from assembly (sstore)
	taintedAll []*StateVar
	guard      *Guard
	conds      []solidity.Expression
	summary    bool // ReadsAll/WritesAll computed
}

// Modifier is a modifier definition with what its body does.
type Modifier struct {
	Name     string
	Contract *Contract
	Def      *solidity.ModifierDefinition
	Calls    []*Call
	Reads    []*StateVar
	Writes   []*StateVar
	scope    *scope
}

// Visibility returns the function's effective visibility: as written, or
// the default (public before 0.5; external for fallback/receive).
func (f *Function) Visibility() string {
	if f.Def.Visibility != "" {
		return f.Def.Visibility
	}
	switch f.Def.Kind {
	case solidity.FuncFallback, solidity.FuncReceive:
		return "external"
	case solidity.FuncFree:
		return "internal"
	}
	return "public"
}

// IsEntry reports whether anyone can call the function from outside: it is
// public or external and not a constructor.
func (f *Function) IsEntry() bool {
	if f.Def.Kind == solidity.FuncConstructor || f.Contract == nil {
		return false
	}
	if f.Contract.Kind == "library" || f.Contract.Kind == "interface" {
		return false
	}
	v := f.Visibility()
	return v == "public" || v == "external"
}

// IsView reports whether the function cannot change state.
func (f *Function) IsView() bool {
	switch f.Def.StateMutability {
	case "view", "pure", "constant":
		return true
	}
	return false
}

// IsConstructor reports whether the function is a constructor (either form).
func (f *Function) IsConstructor() bool { return f.Def.Kind == solidity.FuncConstructor }

// DisplayName is "name" for functions and the kind for unnamed ones.
func (f *Function) DisplayName() string {
	if f.Name != "" {
		return f.Name
	}
	switch f.Def.Kind {
	case solidity.FuncConstructor:
		return "constructor"
	case solidity.FuncReceive:
		return "receive"
	default:
		return "fallback"
	}
}

// QualifiedName is "Contract.function" (just the name for free functions).
func (f *Function) QualifiedName() string {
	if f.Contract == nil {
		return f.DisplayName()
	}
	return f.Contract.Name + "." + f.DisplayName()
}

// HasModifierLike reports whether any applied modifier's name contains one
// of the words, case-insensitively.
func (f *Function) HasModifierLike(words ...string) bool {
	for _, m := range f.Def.Modifiers {
		name := strings.ToLower(m.Name.Name)
		for _, w := range words {
			if strings.Contains(name, strings.ToLower(w)) {
				return true
			}
		}
	}
	return false
}

// build constructs the semantic model once every file is parsed.
func (p *Project) build() {
	p.byName = map[string][]*Contract{}
	p.contractOf = map[*solidity.ContractDefinition]*Contract{}
	for _, f := range p.Files {
		var fileUsing []*solidity.UsingForDirective
		for _, n := range f.AST.Nodes {
			switch d := n.(type) {
			case *solidity.ContractDefinition:
				c := &Contract{Name: d.Name, Kind: d.ContractKind, Abstract: d.Abstract, File: f, Def: d}
				p.Contracts = append(p.Contracts, c)
				p.byName[c.Name] = append(p.byName[c.Name], c)
				p.contractOf[d] = c
			case *solidity.FunctionDefinition:
				p.FreeFunctions = append(p.FreeFunctions, &Function{Name: d.Name, File: f, Def: d})
			case *solidity.UsingForDirective:
				fileUsing = append(fileUsing, d)
			}
		}
		for _, c := range p.Contracts {
			if c.File == f {
				c.UsingFor = append(c.UsingFor, fileUsing...)
			}
		}
	}
	p.buildScopes()
	for _, c := range p.Contracts {
		c.collectMembers()
		for _, b := range c.Def.BaseContracts {
			if bc := p.lookupContract(c.File, b.BaseName.Name); bc != nil && bc != c {
				c.Bases = append(c.Bases, bc)
			}
		}
	}
	for _, c := range p.Contracts {
		p.linearize(c)
	}
	for _, c := range p.Contracts {
		c.resolveOverrides()
		c.entries = append([]*Function{}, c.entryFunctions()...)
	}
	p.analyseBodies()
}

func (c *Contract) collectMembers() {
	for _, n := range c.Def.Nodes {
		switch d := n.(type) {
		case *solidity.VariableDeclaration:
			c.StateVars = append(c.StateVars, &StateVar{Name: d.Name, Contract: c, Decl: d})
		case *solidity.FunctionDefinition:
			c.Functions = append(c.Functions, &Function{Name: d.Name, Contract: c, File: c.File, Def: d})
		case *solidity.ModifierDefinition:
			c.Modifiers = append(c.Modifiers, &Modifier{Name: d.Name, Contract: c, Def: d})
		case *solidity.EventDefinition:
			c.Events = append(c.Events, d)
		case *solidity.ErrorDefinition:
			c.Errors = append(c.Errors, d)
		case *solidity.StructDefinition:
			c.Structs = append(c.Structs, d)
		case *solidity.EnumDefinition:
			c.Enums = append(c.Enums, d)
		case *solidity.UsingForDirective:
			c.UsingFor = append(c.UsingFor, d)
		}
	}
}

func (c *Contract) resolveOverrides() {
	for _, f := range c.Functions {
		if f.Def.Kind != solidity.FuncFunction {
			continue
		}
		for _, base := range c.Linearization[1:] {
			for _, g := range base.Functions {
				if g.Name == f.Name && paramCount(g.Def) == paramCount(f.Def) {
					f.Overrides = append(f.Overrides, g)
				}
			}
		}
	}
}

func paramCount(d *solidity.FunctionDefinition) int {
	if d.Parameters == nil {
		return 0
	}
	return len(d.Parameters.Parameters)
}

// AllStateVars returns the state variables visible in c: its own and its
// bases', most basic first (storage layout order).
func (c *Contract) AllStateVars() []*StateVar {
	var out []*StateVar
	for i := len(c.Linearization) - 1; i >= 0; i-- {
		out = append(out, c.Linearization[i].StateVars...)
	}
	return out
}

// StateVar finds a state variable visible in c by name, most derived first.
func (c *Contract) StateVar(name string) *StateVar {
	for _, k := range c.Linearization {
		for _, v := range k.StateVars {
			if v.Name == name {
				return v
			}
		}
	}
	return nil
}

// LookupFunction finds the function called `name` that a call from c binds
// to (most derived first), preferring one with argc parameters; argc < 0
// matches any.
func (c *Contract) LookupFunction(name string, argc int) *Function {
	var any *Function
	for _, k := range c.Linearization {
		for _, f := range k.Functions {
			if f.Name != name || f.Def.Kind != solidity.FuncFunction {
				continue
			}
			if argc < 0 || paramCount(f.Def) == argc {
				return f
			}
			if any == nil {
				any = f
			}
		}
	}
	return any
}

// LookupModifier finds the modifier called name visible in c.
func (c *Contract) LookupModifier(name string) *Modifier {
	for _, k := range c.Linearization {
		for _, m := range k.Modifiers {
			if m.Name == name {
				return m
			}
		}
	}
	return nil
}

// LookupEvent finds the event called name visible in c (own first, then
// bases), or nil.
func (c *Contract) LookupEvent(name string) *solidity.EventDefinition {
	for _, k := range c.Linearization {
		for _, e := range k.Events {
			if e.Name == name {
				return e
			}
		}
	}
	return nil
}

// LookupError finds the custom error called name visible in c, or nil.
func (c *Contract) LookupError(name string) *solidity.ErrorDefinition {
	for _, k := range c.Linearization {
		for _, e := range k.Errors {
			if e.Name == name {
				return e
			}
		}
	}
	return nil
}

// EntryFunctions returns every function callable from outside on a
// deployed c: its own and inherited public/external functions that no more
// derived contract overrides.
func (c *Contract) EntryFunctions() []*Function {
	if c.entries != nil {
		return c.entries
	}
	return c.entryFunctions()
}

func (c *Contract) entryFunctions() []*Function {
	seen := map[string]bool{}
	var out []*Function
	for _, k := range c.Linearization {
		for _, f := range k.Functions {
			key := f.Def.Kind + ":" + f.Name + ":" + strconv.Itoa(paramCount(f.Def))
			if seen[key] {
				continue
			}
			seen[key] = true
			if f.Def.Kind == solidity.FuncConstructor {
				continue
			}
			if f.IsEntry() {
				out = append(out, f)
			}
		}
	}
	return out
}

// ContractOf returns the model of a parsed contract definition.
func (p *Project) ContractOf(d *solidity.ContractDefinition) *Contract { return p.contractOf[d] }

// ContractsNamed returns every contract with the given name.
func (p *Project) ContractsNamed(name string) []*Contract { return p.byName[name] }

// IsDerivedFrom reports whether c inherits (directly or not) from a contract
// named name, or is it.
func (c *Contract) IsDerivedFrom(name string) bool {
	for _, k := range c.Linearization {
		if k.Name == name {
			return true
		}
	}
	return false
}

// Functions returns every function of the project, contract members first.
func (p *Project) Functions() []*Function {
	var out []*Function
	for _, c := range p.Contracts {
		out = append(out, c.Functions...)
	}
	return append(out, p.FreeFunctions...)
}
