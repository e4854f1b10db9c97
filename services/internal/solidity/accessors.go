package solidity

// Convenience accessors for analysis code, which mostly wants a contract's
// members by kind and solc's effective visibility and mutability.

// Contracts returns the contracts, interfaces and libraries of the file.
func (u *SourceUnit) Contracts() []*ContractDefinition { return nodesOf[*ContractDefinition](u.Nodes) }

// Functions returns the functions, constructors, fallback and receive
// functions of the contract, in source order.
func (c *ContractDefinition) Functions() []*FunctionDefinition {
	return nodesOf[*FunctionDefinition](c.Nodes)
}

// ModifierDefinitions returns the modifiers the contract declares.
func (c *ContractDefinition) ModifierDefinitions() []*ModifierDefinition {
	return nodesOf[*ModifierDefinition](c.Nodes)
}

// StateVariables returns the contract's state variables.
func (c *ContractDefinition) StateVariables() []*VariableDeclaration {
	return nodesOf[*VariableDeclaration](c.Nodes)
}

// Events returns the contract's event definitions.
func (c *ContractDefinition) Events() []*EventDefinition { return nodesOf[*EventDefinition](c.Nodes) }

// Errors returns the contract's custom error definitions.
func (c *ContractDefinition) Errors() []*ErrorDefinition { return nodesOf[*ErrorDefinition](c.Nodes) }

// Structs returns the contract's struct definitions.
func (c *ContractDefinition) Structs() []*StructDefinition {
	return nodesOf[*StructDefinition](c.Nodes)
}

// Enums returns the contract's enum definitions.
func (c *ContractDefinition) Enums() []*EnumDefinition { return nodesOf[*EnumDefinition](c.Nodes) }

// UsingFor returns the contract's using-for directives.
func (c *ContractDefinition) UsingFor() []*UsingForDirective {
	return nodesOf[*UsingForDirective](c.Nodes)
}

func nodesOf[T Node](nodes []Node) []T {
	var out []T
	for _, n := range nodes {
		if v, ok := n.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// EffectiveVisibility returns the visibility solc gives the function in
// contract c (nil for a free function): the written one, else "public",
// "external" in interfaces, "internal" for free functions and for the
// constructor of an abstract contract.
func (f *FunctionDefinition) EffectiveVisibility(c *ContractDefinition) string {
	switch {
	case f.Kind == FuncFree:
		return "internal"
	case f.Visibility != "":
		return f.Visibility
	case c != nil && c.ContractKind == "interface":
		return "external"
	case f.Kind == FuncConstructor && c != nil && c.Abstract:
		return "internal"
	}
	return "public"
}

// EffectiveMutability returns "nonpayable" when no mutability is written
// and maps the pre-0.5 "constant" to "view".
func (f *FunctionDefinition) EffectiveMutability() string {
	switch f.StateMutability {
	case "":
		return "nonpayable"
	case "constant":
		return "view"
	}
	return f.StateMutability
}

// EffectiveVisibility returns a state variable's visibility, "internal"
// when none is written.
func (v *VariableDeclaration) EffectiveVisibility() string {
	if v.Visibility == "" {
		return "internal"
	}
	return v.Visibility
}

// Mutability returns "constant", "immutable", "transient" or "mutable".
func (v *VariableDeclaration) Mutability() string {
	switch {
	case v.Constant:
		return "constant"
	case v.Immutable:
		return "immutable"
	case v.Transient:
		return "transient"
	}
	return "mutable"
}
