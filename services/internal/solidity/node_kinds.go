// Code in this file is mechanical: one NodeKind and MarshalJSON method per
// node type, plus the marker methods that sort nodes into categories.

package solidity

import "encoding/json"

// withKind marshals v (a method-less alias of a node) and prepends the
// node's "kind" field, so every node object says what it is.
func withKind(kind string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(kind)+12)
	out = append(out, `{"kind":"`...)
	out = append(out, kind...)
	out = append(out, '"')
	if len(b) > 2 {
		out = append(out, ',')
	}
	return append(out, b[1:]...), nil
}

// NodeKind returns "SourceUnit".
func (*SourceUnit) NodeKind() string { return "SourceUnit" }

// MarshalJSON encodes the node with its "kind".
func (n *SourceUnit) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain SourceUnit
	return withKind("SourceUnit", (*plain)(n))
}

// NodeKind returns "PragmaDirective".
func (*PragmaDirective) NodeKind() string { return "PragmaDirective" }

// MarshalJSON encodes the node with its "kind".
func (n *PragmaDirective) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain PragmaDirective
	return withKind("PragmaDirective", (*plain)(n))
}

// NodeKind returns "ImportDirective".
func (*ImportDirective) NodeKind() string { return "ImportDirective" }

// MarshalJSON encodes the node with its "kind".
func (n *ImportDirective) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ImportDirective
	return withKind("ImportDirective", (*plain)(n))
}

// NodeKind returns "ImportSymbol".
func (*ImportSymbol) NodeKind() string { return "ImportSymbol" }

// MarshalJSON encodes the node with its "kind".
func (n *ImportSymbol) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ImportSymbol
	return withKind("ImportSymbol", (*plain)(n))
}

// NodeKind returns "IdentifierPath".
func (*IdentifierPath) NodeKind() string { return "IdentifierPath" }

// MarshalJSON encodes the node with its "kind".
func (n *IdentifierPath) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain IdentifierPath
	return withKind("IdentifierPath", (*plain)(n))
}

// NodeKind returns "ContractDefinition".
func (*ContractDefinition) NodeKind() string { return "ContractDefinition" }

// MarshalJSON encodes the node with its "kind".
func (n *ContractDefinition) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ContractDefinition
	return withKind("ContractDefinition", (*plain)(n))
}

// NodeKind returns "InheritanceSpecifier".
func (*InheritanceSpecifier) NodeKind() string { return "InheritanceSpecifier" }

// MarshalJSON encodes the node with its "kind".
func (n *InheritanceSpecifier) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain InheritanceSpecifier
	return withKind("InheritanceSpecifier", (*plain)(n))
}

// NodeKind returns "FunctionDefinition".
func (*FunctionDefinition) NodeKind() string { return "FunctionDefinition" }

// MarshalJSON encodes the node with its "kind".
func (n *FunctionDefinition) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain FunctionDefinition
	return withKind("FunctionDefinition", (*plain)(n))
}

// NodeKind returns "ModifierDefinition".
func (*ModifierDefinition) NodeKind() string { return "ModifierDefinition" }

// MarshalJSON encodes the node with its "kind".
func (n *ModifierDefinition) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ModifierDefinition
	return withKind("ModifierDefinition", (*plain)(n))
}

// NodeKind returns "ModifierInvocation".
func (*ModifierInvocation) NodeKind() string { return "ModifierInvocation" }

// MarshalJSON encodes the node with its "kind".
func (n *ModifierInvocation) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ModifierInvocation
	return withKind("ModifierInvocation", (*plain)(n))
}

// NodeKind returns "OverrideSpecifier".
func (*OverrideSpecifier) NodeKind() string { return "OverrideSpecifier" }

// MarshalJSON encodes the node with its "kind".
func (n *OverrideSpecifier) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain OverrideSpecifier
	return withKind("OverrideSpecifier", (*plain)(n))
}

// NodeKind returns "ParameterList".
func (*ParameterList) NodeKind() string { return "ParameterList" }

// MarshalJSON encodes the node with its "kind".
func (n *ParameterList) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ParameterList
	return withKind("ParameterList", (*plain)(n))
}

// NodeKind returns "VariableDeclaration".
func (*VariableDeclaration) NodeKind() string { return "VariableDeclaration" }

// MarshalJSON encodes the node with its "kind".
func (n *VariableDeclaration) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain VariableDeclaration
	return withKind("VariableDeclaration", (*plain)(n))
}

// NodeKind returns "EventDefinition".
func (*EventDefinition) NodeKind() string { return "EventDefinition" }

// MarshalJSON encodes the node with its "kind".
func (n *EventDefinition) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain EventDefinition
	return withKind("EventDefinition", (*plain)(n))
}

// NodeKind returns "ErrorDefinition".
func (*ErrorDefinition) NodeKind() string { return "ErrorDefinition" }

// MarshalJSON encodes the node with its "kind".
func (n *ErrorDefinition) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ErrorDefinition
	return withKind("ErrorDefinition", (*plain)(n))
}

// NodeKind returns "StructDefinition".
func (*StructDefinition) NodeKind() string { return "StructDefinition" }

// MarshalJSON encodes the node with its "kind".
func (n *StructDefinition) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain StructDefinition
	return withKind("StructDefinition", (*plain)(n))
}

// NodeKind returns "EnumDefinition".
func (*EnumDefinition) NodeKind() string { return "EnumDefinition" }

// MarshalJSON encodes the node with its "kind".
func (n *EnumDefinition) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain EnumDefinition
	return withKind("EnumDefinition", (*plain)(n))
}

// NodeKind returns "EnumValue".
func (*EnumValue) NodeKind() string { return "EnumValue" }

// MarshalJSON encodes the node with its "kind".
func (n *EnumValue) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain EnumValue
	return withKind("EnumValue", (*plain)(n))
}

// NodeKind returns "UserDefinedValueTypeDefinition".
func (*UserDefinedValueTypeDefinition) NodeKind() string { return "UserDefinedValueTypeDefinition" }

// MarshalJSON encodes the node with its "kind".
func (n *UserDefinedValueTypeDefinition) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain UserDefinedValueTypeDefinition
	return withKind("UserDefinedValueTypeDefinition", (*plain)(n))
}

// NodeKind returns "UsingForDirective".
func (*UsingForDirective) NodeKind() string { return "UsingForDirective" }

// MarshalJSON encodes the node with its "kind".
func (n *UsingForDirective) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain UsingForDirective
	return withKind("UsingForDirective", (*plain)(n))
}

// NodeKind returns "UsingForFunction".
func (*UsingForFunction) NodeKind() string { return "UsingForFunction" }

// MarshalJSON encodes the node with its "kind".
func (n *UsingForFunction) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain UsingForFunction
	return withKind("UsingForFunction", (*plain)(n))
}

// NodeKind returns "Documentation".
func (*Documentation) NodeKind() string { return "Documentation" }

// MarshalJSON encodes the node with its "kind".
func (n *Documentation) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Documentation
	return withKind("Documentation", (*plain)(n))
}

// NodeKind returns "CatchClause".
func (*CatchClause) NodeKind() string { return "CatchClause" }

// MarshalJSON encodes the node with its "kind".
func (n *CatchClause) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain CatchClause
	return withKind("CatchClause", (*plain)(n))
}

// NodeKind returns "YulTypedName".
func (*YulTypedName) NodeKind() string { return "YulTypedName" }

// MarshalJSON encodes the node with its "kind".
func (n *YulTypedName) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulTypedName
	return withKind("YulTypedName", (*plain)(n))
}

// NodeKind returns "YulCase".
func (*YulCase) NodeKind() string { return "YulCase" }

// MarshalJSON encodes the node with its "kind".
func (n *YulCase) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulCase
	return withKind("YulCase", (*plain)(n))
}

// NodeKind returns "ElementaryTypeName".
func (*ElementaryTypeName) NodeKind() string { return "ElementaryTypeName" }

// MarshalJSON encodes the node with its "kind".
func (n *ElementaryTypeName) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ElementaryTypeName
	return withKind("ElementaryTypeName", (*plain)(n))
}

// NodeKind returns "UserDefinedTypeName".
func (*UserDefinedTypeName) NodeKind() string { return "UserDefinedTypeName" }

// MarshalJSON encodes the node with its "kind".
func (n *UserDefinedTypeName) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain UserDefinedTypeName
	return withKind("UserDefinedTypeName", (*plain)(n))
}

// NodeKind returns "ArrayTypeName".
func (*ArrayTypeName) NodeKind() string { return "ArrayTypeName" }

// MarshalJSON encodes the node with its "kind".
func (n *ArrayTypeName) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ArrayTypeName
	return withKind("ArrayTypeName", (*plain)(n))
}

// NodeKind returns "Mapping".
func (*Mapping) NodeKind() string { return "Mapping" }

// MarshalJSON encodes the node with its "kind".
func (n *Mapping) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Mapping
	return withKind("Mapping", (*plain)(n))
}

// NodeKind returns "FunctionTypeName".
func (*FunctionTypeName) NodeKind() string { return "FunctionTypeName" }

// MarshalJSON encodes the node with its "kind".
func (n *FunctionTypeName) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain FunctionTypeName
	return withKind("FunctionTypeName", (*plain)(n))
}

// NodeKind returns "Block".
func (*Block) NodeKind() string { return "Block" }

// MarshalJSON encodes the node with its "kind".
func (n *Block) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Block
	return withKind("Block", (*plain)(n))
}

// NodeKind returns "PlaceholderStatement".
func (*PlaceholderStatement) NodeKind() string { return "PlaceholderStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *PlaceholderStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain PlaceholderStatement
	return withKind("PlaceholderStatement", (*plain)(n))
}

// NodeKind returns "ExpressionStatement".
func (*ExpressionStatement) NodeKind() string { return "ExpressionStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *ExpressionStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ExpressionStatement
	return withKind("ExpressionStatement", (*plain)(n))
}

// NodeKind returns "VariableDeclarationStatement".
func (*VariableDeclarationStatement) NodeKind() string { return "VariableDeclarationStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *VariableDeclarationStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain VariableDeclarationStatement
	return withKind("VariableDeclarationStatement", (*plain)(n))
}

// NodeKind returns "IfStatement".
func (*IfStatement) NodeKind() string { return "IfStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *IfStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain IfStatement
	return withKind("IfStatement", (*plain)(n))
}

// NodeKind returns "ForStatement".
func (*ForStatement) NodeKind() string { return "ForStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *ForStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ForStatement
	return withKind("ForStatement", (*plain)(n))
}

// NodeKind returns "WhileStatement".
func (*WhileStatement) NodeKind() string { return "WhileStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *WhileStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain WhileStatement
	return withKind("WhileStatement", (*plain)(n))
}

// NodeKind returns "DoWhileStatement".
func (*DoWhileStatement) NodeKind() string { return "DoWhileStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *DoWhileStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain DoWhileStatement
	return withKind("DoWhileStatement", (*plain)(n))
}

// NodeKind returns "Continue".
func (*Continue) NodeKind() string { return "Continue" }

// MarshalJSON encodes the node with its "kind".
func (n *Continue) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Continue
	return withKind("Continue", (*plain)(n))
}

// NodeKind returns "Break".
func (*Break) NodeKind() string { return "Break" }

// MarshalJSON encodes the node with its "kind".
func (n *Break) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Break
	return withKind("Break", (*plain)(n))
}

// NodeKind returns "Return".
func (*Return) NodeKind() string { return "Return" }

// MarshalJSON encodes the node with its "kind".
func (n *Return) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Return
	return withKind("Return", (*plain)(n))
}

// NodeKind returns "Throw".
func (*Throw) NodeKind() string { return "Throw" }

// MarshalJSON encodes the node with its "kind".
func (n *Throw) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Throw
	return withKind("Throw", (*plain)(n))
}

// NodeKind returns "EmitStatement".
func (*EmitStatement) NodeKind() string { return "EmitStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *EmitStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain EmitStatement
	return withKind("EmitStatement", (*plain)(n))
}

// NodeKind returns "RevertStatement".
func (*RevertStatement) NodeKind() string { return "RevertStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *RevertStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain RevertStatement
	return withKind("RevertStatement", (*plain)(n))
}

// NodeKind returns "TryStatement".
func (*TryStatement) NodeKind() string { return "TryStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *TryStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain TryStatement
	return withKind("TryStatement", (*plain)(n))
}

// NodeKind returns "InlineAssembly".
func (*InlineAssembly) NodeKind() string { return "InlineAssembly" }

// MarshalJSON encodes the node with its "kind".
func (n *InlineAssembly) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain InlineAssembly
	return withKind("InlineAssembly", (*plain)(n))
}

// NodeKind returns "BadStatement".
func (*BadStatement) NodeKind() string { return "BadStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *BadStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain BadStatement
	return withKind("BadStatement", (*plain)(n))
}

// NodeKind returns "Identifier".
func (*Identifier) NodeKind() string { return "Identifier" }

// MarshalJSON encodes the node with its "kind".
func (n *Identifier) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Identifier
	return withKind("Identifier", (*plain)(n))
}

// NodeKind returns "Literal".
func (*Literal) NodeKind() string { return "Literal" }

// MarshalJSON encodes the node with its "kind".
func (n *Literal) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Literal
	return withKind("Literal", (*plain)(n))
}

// NodeKind returns "ElementaryTypeNameExpression".
func (*ElementaryTypeNameExpression) NodeKind() string { return "ElementaryTypeNameExpression" }

// MarshalJSON encodes the node with its "kind".
func (n *ElementaryTypeNameExpression) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain ElementaryTypeNameExpression
	return withKind("ElementaryTypeNameExpression", (*plain)(n))
}

// NodeKind returns "MemberAccess".
func (*MemberAccess) NodeKind() string { return "MemberAccess" }

// MarshalJSON encodes the node with its "kind".
func (n *MemberAccess) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain MemberAccess
	return withKind("MemberAccess", (*plain)(n))
}

// NodeKind returns "IndexAccess".
func (*IndexAccess) NodeKind() string { return "IndexAccess" }

// MarshalJSON encodes the node with its "kind".
func (n *IndexAccess) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain IndexAccess
	return withKind("IndexAccess", (*plain)(n))
}

// NodeKind returns "IndexRangeAccess".
func (*IndexRangeAccess) NodeKind() string { return "IndexRangeAccess" }

// MarshalJSON encodes the node with its "kind".
func (n *IndexRangeAccess) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain IndexRangeAccess
	return withKind("IndexRangeAccess", (*plain)(n))
}

// NodeKind returns "FunctionCall".
func (*FunctionCall) NodeKind() string { return "FunctionCall" }

// MarshalJSON encodes the node with its "kind".
func (n *FunctionCall) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain FunctionCall
	return withKind("FunctionCall", (*plain)(n))
}

// NodeKind returns "FunctionCallOptions".
func (*FunctionCallOptions) NodeKind() string { return "FunctionCallOptions" }

// MarshalJSON encodes the node with its "kind".
func (n *FunctionCallOptions) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain FunctionCallOptions
	return withKind("FunctionCallOptions", (*plain)(n))
}

// NodeKind returns "NewExpression".
func (*NewExpression) NodeKind() string { return "NewExpression" }

// MarshalJSON encodes the node with its "kind".
func (n *NewExpression) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain NewExpression
	return withKind("NewExpression", (*plain)(n))
}

// NodeKind returns "UnaryOperation".
func (*UnaryOperation) NodeKind() string { return "UnaryOperation" }

// MarshalJSON encodes the node with its "kind".
func (n *UnaryOperation) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain UnaryOperation
	return withKind("UnaryOperation", (*plain)(n))
}

// NodeKind returns "BinaryOperation".
func (*BinaryOperation) NodeKind() string { return "BinaryOperation" }

// MarshalJSON encodes the node with its "kind".
func (n *BinaryOperation) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain BinaryOperation
	return withKind("BinaryOperation", (*plain)(n))
}

// NodeKind returns "Assignment".
func (*Assignment) NodeKind() string { return "Assignment" }

// MarshalJSON encodes the node with its "kind".
func (n *Assignment) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Assignment
	return withKind("Assignment", (*plain)(n))
}

// NodeKind returns "Conditional".
func (*Conditional) NodeKind() string { return "Conditional" }

// MarshalJSON encodes the node with its "kind".
func (n *Conditional) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain Conditional
	return withKind("Conditional", (*plain)(n))
}

// NodeKind returns "TupleExpression".
func (*TupleExpression) NodeKind() string { return "TupleExpression" }

// MarshalJSON encodes the node with its "kind".
func (n *TupleExpression) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain TupleExpression
	return withKind("TupleExpression", (*plain)(n))
}

// NodeKind returns "TypeExpression".
func (*TypeExpression) NodeKind() string { return "TypeExpression" }

// MarshalJSON encodes the node with its "kind".
func (n *TypeExpression) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain TypeExpression
	return withKind("TypeExpression", (*plain)(n))
}

// NodeKind returns "BadExpression".
func (*BadExpression) NodeKind() string { return "BadExpression" }

// MarshalJSON encodes the node with its "kind".
func (n *BadExpression) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain BadExpression
	return withKind("BadExpression", (*plain)(n))
}

// NodeKind returns "YulBlock".
func (*YulBlock) NodeKind() string { return "YulBlock" }

// MarshalJSON encodes the node with its "kind".
func (n *YulBlock) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulBlock
	return withKind("YulBlock", (*plain)(n))
}

// NodeKind returns "YulVariableDeclaration".
func (*YulVariableDeclaration) NodeKind() string { return "YulVariableDeclaration" }

// MarshalJSON encodes the node with its "kind".
func (n *YulVariableDeclaration) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulVariableDeclaration
	return withKind("YulVariableDeclaration", (*plain)(n))
}

// NodeKind returns "YulAssignment".
func (*YulAssignment) NodeKind() string { return "YulAssignment" }

// MarshalJSON encodes the node with its "kind".
func (n *YulAssignment) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulAssignment
	return withKind("YulAssignment", (*plain)(n))
}

// NodeKind returns "YulExpressionStatement".
func (*YulExpressionStatement) NodeKind() string { return "YulExpressionStatement" }

// MarshalJSON encodes the node with its "kind".
func (n *YulExpressionStatement) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulExpressionStatement
	return withKind("YulExpressionStatement", (*plain)(n))
}

// NodeKind returns "YulFunctionDefinition".
func (*YulFunctionDefinition) NodeKind() string { return "YulFunctionDefinition" }

// MarshalJSON encodes the node with its "kind".
func (n *YulFunctionDefinition) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulFunctionDefinition
	return withKind("YulFunctionDefinition", (*plain)(n))
}

// NodeKind returns "YulIf".
func (*YulIf) NodeKind() string { return "YulIf" }

// MarshalJSON encodes the node with its "kind".
func (n *YulIf) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulIf
	return withKind("YulIf", (*plain)(n))
}

// NodeKind returns "YulSwitch".
func (*YulSwitch) NodeKind() string { return "YulSwitch" }

// MarshalJSON encodes the node with its "kind".
func (n *YulSwitch) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulSwitch
	return withKind("YulSwitch", (*plain)(n))
}

// NodeKind returns "YulForLoop".
func (*YulForLoop) NodeKind() string { return "YulForLoop" }

// MarshalJSON encodes the node with its "kind".
func (n *YulForLoop) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulForLoop
	return withKind("YulForLoop", (*plain)(n))
}

// NodeKind returns "YulBreak".
func (*YulBreak) NodeKind() string { return "YulBreak" }

// MarshalJSON encodes the node with its "kind".
func (n *YulBreak) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulBreak
	return withKind("YulBreak", (*plain)(n))
}

// NodeKind returns "YulContinue".
func (*YulContinue) NodeKind() string { return "YulContinue" }

// MarshalJSON encodes the node with its "kind".
func (n *YulContinue) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulContinue
	return withKind("YulContinue", (*plain)(n))
}

// NodeKind returns "YulLeave".
func (*YulLeave) NodeKind() string { return "YulLeave" }

// MarshalJSON encodes the node with its "kind".
func (n *YulLeave) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulLeave
	return withKind("YulLeave", (*plain)(n))
}

// NodeKind returns "YulFunctionCall".
func (*YulFunctionCall) NodeKind() string { return "YulFunctionCall" }

// MarshalJSON encodes the node with its "kind".
func (n *YulFunctionCall) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulFunctionCall
	return withKind("YulFunctionCall", (*plain)(n))
}

// NodeKind returns "YulIdentifier".
func (*YulIdentifier) NodeKind() string { return "YulIdentifier" }

// MarshalJSON encodes the node with its "kind".
func (n *YulIdentifier) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulIdentifier
	return withKind("YulIdentifier", (*plain)(n))
}

// NodeKind returns "YulLiteral".
func (*YulLiteral) NodeKind() string { return "YulLiteral" }

// MarshalJSON encodes the node with its "kind".
func (n *YulLiteral) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("null"), nil
	}
	type plain YulLiteral
	return withKind("YulLiteral", (*plain)(n))
}

func (*ElementaryTypeName) typeNode()           {}
func (*UserDefinedTypeName) typeNode()          {}
func (*ArrayTypeName) typeNode()                {}
func (*Mapping) typeNode()                      {}
func (*FunctionTypeName) typeNode()             {}
func (*Block) stmtNode()                        {}
func (*PlaceholderStatement) stmtNode()         {}
func (*ExpressionStatement) stmtNode()          {}
func (*VariableDeclarationStatement) stmtNode() {}
func (*IfStatement) stmtNode()                  {}
func (*ForStatement) stmtNode()                 {}
func (*WhileStatement) stmtNode()               {}
func (*DoWhileStatement) stmtNode()             {}
func (*Continue) stmtNode()                     {}
func (*Break) stmtNode()                        {}
func (*Return) stmtNode()                       {}
func (*Throw) stmtNode()                        {}
func (*EmitStatement) stmtNode()                {}
func (*RevertStatement) stmtNode()              {}
func (*TryStatement) stmtNode()                 {}
func (*InlineAssembly) stmtNode()               {}
func (*BadStatement) stmtNode()                 {}
func (*Identifier) exprNode()                   {}
func (*Literal) exprNode()                      {}
func (*ElementaryTypeNameExpression) exprNode() {}
func (*MemberAccess) exprNode()                 {}
func (*IndexAccess) exprNode()                  {}
func (*IndexRangeAccess) exprNode()             {}
func (*FunctionCall) exprNode()                 {}
func (*FunctionCallOptions) exprNode()          {}
func (*NewExpression) exprNode()                {}
func (*UnaryOperation) exprNode()               {}
func (*BinaryOperation) exprNode()              {}
func (*Assignment) exprNode()                   {}
func (*Conditional) exprNode()                  {}
func (*TupleExpression) exprNode()              {}
func (*TypeExpression) exprNode()               {}
func (*BadExpression) exprNode()                {}
func (*YulBlock) yulStmtNode()                  {}
func (*YulVariableDeclaration) yulStmtNode()    {}
func (*YulAssignment) yulStmtNode()             {}
func (*YulExpressionStatement) yulStmtNode()    {}
func (*YulFunctionDefinition) yulStmtNode()     {}
func (*YulIf) yulStmtNode()                     {}
func (*YulSwitch) yulStmtNode()                 {}
func (*YulForLoop) yulStmtNode()                {}
func (*YulBreak) yulStmtNode()                  {}
func (*YulContinue) yulStmtNode()               {}
func (*YulLeave) yulStmtNode()                  {}
func (*YulFunctionCall) yulExprNode()           {}
func (*YulIdentifier) yulExprNode()             {}
func (*YulLiteral) yulExprNode()                {}
