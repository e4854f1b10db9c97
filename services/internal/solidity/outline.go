package solidity

// Outline is a normalised summary of a file in the shape a peer tool
// produces from solc's AST, so the two parsers can be cross-checked field
// by field. Slices are never nil, so they encode as [] rather than null.
type Outline struct {
	Imports       []string          `json:"imports"`
	Contracts     []OutlineContract `json:"contracts"`
	FreeFunctions []OutlineFunction `json:"freeFunctions"`
}

// OutlineContract summarises one contract, interface or library.
type OutlineContract struct {
	Name           string            `json:"name"`
	Kind           string            `json:"kind"` // contract, abstract, interface, library
	Bases          []string          `json:"bases"`
	Functions      []OutlineFunction `json:"functions"`
	StateVariables []OutlineVariable `json:"stateVariables"`
	Events         []string          `json:"events"`
	Errors         []string          `json:"errors"`
}

// OutlineFunction summarises a function or modifier with solc's effective
// visibility and mutability.
type OutlineFunction struct {
	Kind       string   `json:"kind"` // function, constructor, fallback, receive, modifier
	Name       string   `json:"name"`
	Visibility string   `json:"visibility"`
	Mutability string   `json:"mutability"`
	Modifiers  []string `json:"modifiers"`
}

// OutlineVariable summarises a state variable.
type OutlineVariable struct {
	Name       string `json:"name"`
	Visibility string `json:"visibility"`
	Mutability string `json:"mutability"` // mutable, constant, immutable, transient
}

// Summarize builds the Outline of a parsed file.
func Summarize(u *SourceUnit) *Outline {
	o := &Outline{Imports: []string{}, Contracts: []OutlineContract{}, FreeFunctions: []OutlineFunction{}}
	if u == nil {
		return o
	}
	for _, n := range u.Nodes {
		switch n := n.(type) {
		case *ImportDirective:
			o.Imports = append(o.Imports, n.Path)
		case *ContractDefinition:
			o.Contracts = append(o.Contracts, summarizeContract(n))
		case *FunctionDefinition:
			o.FreeFunctions = append(o.FreeFunctions, summarizeFunction(n, nil))
		}
	}
	return o
}

func summarizeContract(c *ContractDefinition) OutlineContract {
	oc := OutlineContract{
		Name: c.Name, Kind: c.ContractKind, Bases: []string{}, Functions: []OutlineFunction{},
		StateVariables: []OutlineVariable{}, Events: []string{}, Errors: []string{},
	}
	if c.Abstract {
		oc.Kind = "abstract"
	}
	for _, b := range c.BaseContracts {
		oc.Bases = append(oc.Bases, b.BaseName.Name)
	}
	for _, n := range c.Nodes {
		switch n := n.(type) {
		case *FunctionDefinition:
			oc.Functions = append(oc.Functions, summarizeFunction(n, c))
		case *ModifierDefinition:
			oc.Functions = append(oc.Functions, OutlineFunction{
				Kind: "modifier", Name: n.Name, Visibility: "internal",
				Mutability: "nonpayable", Modifiers: []string{},
			})
		case *VariableDeclaration:
			oc.StateVariables = append(oc.StateVariables, OutlineVariable{
				Name: n.Name, Visibility: n.EffectiveVisibility(), Mutability: n.Mutability(),
			})
		case *EventDefinition:
			oc.Events = append(oc.Events, n.Name)
		case *ErrorDefinition:
			oc.Errors = append(oc.Errors, n.Name)
		}
	}
	return oc
}

// summarizeFunction applies solc's defaults (see EffectiveVisibility and
// EffectiveMutability); constructors, fallback and receive functions have
// no name, and free functions are reported with kind "function".
func summarizeFunction(f *FunctionDefinition, c *ContractDefinition) OutlineFunction {
	of := OutlineFunction{
		Kind: f.Kind, Name: f.Name, Visibility: f.EffectiveVisibility(c),
		Mutability: f.EffectiveMutability(), Modifiers: []string{},
	}
	switch f.Kind {
	case FuncFree:
		of.Kind = FuncFunction
	case FuncConstructor, FuncFallback, FuncReceive:
		of.Name = ""
	}
	for _, m := range f.Modifiers {
		of.Modifiers = append(of.Modifiers, m.Name.Name)
	}
	return of
}
