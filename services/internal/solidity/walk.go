package solidity

// Visitor's Visit is called for each node by Walk. If it returns a non-nil
// visitor w, Walk visits the node's children with w, then calls
// w.Visit(nil), as in go/ast.
type Visitor interface {
	Visit(node Node) (w Visitor)
}

// Walk traverses an AST in depth-first source order, including Yul nodes
// inside inline assembly and NatSpec Documentation nodes.
func Walk(v Visitor, node Node) {
	if isNil(node) {
		return
	}
	if v = v.Visit(node); v == nil {
		return
	}
	walkChildren(v, node)
	v.Visit(nil)
}

type inspector func(Node) bool

func (f inspector) Visit(node Node) Visitor {
	if node != nil && f(node) {
		return f
	}
	return nil
}

// Inspect traverses an AST in depth-first order, calling f for each node;
// if f returns false, the node's children are skipped.
func Inspect(node Node, f func(Node) bool) {
	Walk(inspector(f), node)
}

// isNil reports whether n is nil or a typed nil pointer, which optional
// fields (a missing else branch, an absent initial value) may hold.
func isNil(n Node) bool {
	if n == nil {
		return true
	}
	switch n := n.(type) {
	case *Documentation:
		return n == nil
	case *ParameterList:
		return n == nil
	case *Block:
		return n == nil
	case *OverrideSpecifier:
		return n == nil
	case *IdentifierPath:
		return n == nil
	case *FunctionCall:
		return n == nil
	case *YulBlock:
		return n == nil
	case *YulLiteral:
		return n == nil
	case *YulIdentifier:
		return n == nil
	case *ElementaryTypeName:
		return n == nil
	}
	return false
}

func walkExprs(v Visitor, list []Expression) {
	for _, e := range list {
		if e != nil {
			Walk(v, e)
		}
	}
}

func walkParams(v Visitor, l *ParameterList) {
	if l != nil {
		Walk(v, l)
	}
}

func walkChildren(v Visitor, node Node) {
	switch n := node.(type) {
	case *SourceUnit:
		for _, c := range n.Nodes {
			Walk(v, c)
		}
	case *ImportDirective:
		for _, s := range n.Symbols {
			Walk(v, s)
		}
	case *ContractDefinition:
		if n.Documentation != nil {
			Walk(v, n.Documentation)
		}
		for _, b := range n.BaseContracts {
			Walk(v, b)
		}
		if n.Layout != nil {
			Walk(v, n.Layout)
		}
		for _, c := range n.Nodes {
			Walk(v, c)
		}
	case *InheritanceSpecifier:
		Walk(v, n.BaseName)
		walkExprs(v, n.Arguments)
	case *FunctionDefinition:
		if n.Documentation != nil {
			Walk(v, n.Documentation)
		}
		walkParams(v, n.Parameters)
		if n.Override != nil {
			Walk(v, n.Override)
		}
		for _, m := range n.Modifiers {
			Walk(v, m)
		}
		walkParams(v, n.ReturnParams)
		if n.Body != nil {
			Walk(v, n.Body)
		}
	case *ModifierDefinition:
		if n.Documentation != nil {
			Walk(v, n.Documentation)
		}
		walkParams(v, n.Parameters)
		if n.Override != nil {
			Walk(v, n.Override)
		}
		if n.Body != nil {
			Walk(v, n.Body)
		}
	case *ModifierInvocation:
		Walk(v, n.Name)
		walkExprs(v, n.Arguments)
	case *OverrideSpecifier:
		for _, o := range n.Overrides {
			Walk(v, o)
		}
	case *ParameterList:
		for _, p := range n.Parameters {
			Walk(v, p)
		}
	case *VariableDeclaration:
		if n.Documentation != nil {
			Walk(v, n.Documentation)
		}
		if n.TypeName != nil {
			Walk(v, n.TypeName)
		}
		if n.Override != nil {
			Walk(v, n.Override)
		}
		if n.Value != nil {
			Walk(v, n.Value)
		}
	case *EventDefinition:
		if n.Documentation != nil {
			Walk(v, n.Documentation)
		}
		walkParams(v, n.Parameters)
	case *ErrorDefinition:
		if n.Documentation != nil {
			Walk(v, n.Documentation)
		}
		walkParams(v, n.Parameters)
	case *StructDefinition:
		if n.Documentation != nil {
			Walk(v, n.Documentation)
		}
		for _, m := range n.Members {
			Walk(v, m)
		}
	case *EnumDefinition:
		if n.Documentation != nil {
			Walk(v, n.Documentation)
		}
		for _, m := range n.Members {
			Walk(v, m)
		}
	case *UserDefinedValueTypeDefinition:
		if n.UnderlyingType != nil {
			Walk(v, n.UnderlyingType)
		}
	case *UsingForDirective:
		if n.LibraryName != nil {
			Walk(v, n.LibraryName)
		}
		for _, f := range n.FunctionList {
			Walk(v, f)
		}
		if n.TypeName != nil {
			Walk(v, n.TypeName)
		}
	case *UsingForFunction:
		Walk(v, n.Function)
	case *ArrayTypeName:
		if n.BaseType != nil {
			Walk(v, n.BaseType)
		}
		if n.Length != nil {
			Walk(v, n.Length)
		}
	case *Mapping:
		if n.KeyType != nil {
			Walk(v, n.KeyType)
		}
		if n.ValueType != nil {
			Walk(v, n.ValueType)
		}
	case *FunctionTypeName:
		walkParams(v, n.Parameters)
		walkParams(v, n.ReturnParams)
	case *Block:
		for _, s := range n.Statements {
			Walk(v, s)
		}
	case *ExpressionStatement:
		if n.Expression != nil {
			Walk(v, n.Expression)
		}
	case *VariableDeclarationStatement:
		for _, d := range n.Declarations {
			if d != nil {
				Walk(v, d)
			}
		}
		if n.InitialValue != nil {
			Walk(v, n.InitialValue)
		}
	case *IfStatement:
		Walk(v, n.Condition)
		Walk(v, n.TrueBody)
		if n.FalseBody != nil {
			Walk(v, n.FalseBody)
		}
	case *ForStatement:
		if n.Init != nil {
			Walk(v, n.Init)
		}
		if n.Condition != nil {
			Walk(v, n.Condition)
		}
		if n.Loop != nil {
			Walk(v, n.Loop)
		}
		Walk(v, n.Body)
	case *WhileStatement:
		Walk(v, n.Condition)
		Walk(v, n.Body)
	case *DoWhileStatement:
		Walk(v, n.Body)
		Walk(v, n.Condition)
	case *Return:
		if n.Expression != nil {
			Walk(v, n.Expression)
		}
	case *EmitStatement:
		if n.EventCall != nil {
			Walk(v, n.EventCall)
		}
	case *RevertStatement:
		if n.ErrorCall != nil {
			Walk(v, n.ErrorCall)
		}
	case *TryStatement:
		Walk(v, n.ExternalCall)
		walkParams(v, n.ReturnParams)
		Walk(v, n.Body)
		for _, c := range n.Clauses {
			Walk(v, c)
		}
	case *CatchClause:
		walkParams(v, n.Parameters)
		Walk(v, n.Body)
	case *InlineAssembly:
		if n.Body != nil {
			Walk(v, n.Body)
		}
	case *ElementaryTypeNameExpression:
		Walk(v, n.TypeName)
	case *MemberAccess:
		Walk(v, n.Expression)
	case *IndexAccess:
		Walk(v, n.BaseExpression)
		if n.IndexExpression != nil {
			Walk(v, n.IndexExpression)
		}
	case *IndexRangeAccess:
		Walk(v, n.BaseExpression)
		if n.StartExpr != nil {
			Walk(v, n.StartExpr)
		}
		if n.EndExpr != nil {
			Walk(v, n.EndExpr)
		}
	case *FunctionCall:
		Walk(v, n.Expression)
		walkExprs(v, n.Arguments)
	case *FunctionCallOptions:
		Walk(v, n.Expression)
		walkExprs(v, n.Options)
	case *NewExpression:
		if n.TypeName != nil {
			Walk(v, n.TypeName)
		}
	case *UnaryOperation:
		Walk(v, n.SubExpression)
	case *BinaryOperation:
		Walk(v, n.LeftExpression)
		Walk(v, n.RightExpression)
	case *Assignment:
		Walk(v, n.LeftHandSide)
		Walk(v, n.RightHandSide)
	case *Conditional:
		Walk(v, n.Condition)
		Walk(v, n.TrueExpression)
		Walk(v, n.FalseExpression)
	case *TupleExpression:
		walkExprs(v, n.Components)
	case *TypeExpression:
		if n.TypeName != nil {
			Walk(v, n.TypeName)
		}
	case *YulBlock:
		for _, s := range n.Statements {
			Walk(v, s)
		}
	case *YulVariableDeclaration:
		for _, t := range n.Variables {
			Walk(v, t)
		}
		if n.Value != nil {
			Walk(v, n.Value)
		}
	case *YulAssignment:
		for _, t := range n.VariableNames {
			Walk(v, t)
		}
		if n.Value != nil {
			Walk(v, n.Value)
		}
	case *YulExpressionStatement:
		if n.Expression != nil {
			Walk(v, n.Expression)
		}
	case *YulFunctionDefinition:
		for _, t := range n.Parameters {
			Walk(v, t)
		}
		for _, t := range n.ReturnValues {
			Walk(v, t)
		}
		Walk(v, n.Body)
	case *YulIf:
		if n.Condition != nil {
			Walk(v, n.Condition)
		}
		Walk(v, n.Body)
	case *YulSwitch:
		if n.Expression != nil {
			Walk(v, n.Expression)
		}
		for _, c := range n.Cases {
			Walk(v, c)
		}
	case *YulCase:
		if n.Value != nil {
			Walk(v, n.Value)
		}
		Walk(v, n.Body)
	case *YulForLoop:
		Walk(v, n.Pre)
		if n.Condition != nil {
			Walk(v, n.Condition)
		}
		Walk(v, n.Post)
		Walk(v, n.Body)
	case *YulFunctionCall:
		Walk(v, n.FunctionName)
		for _, a := range n.Arguments {
			if a != nil {
				Walk(v, a)
			}
		}
	}
}
