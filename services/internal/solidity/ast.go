package solidity

import "strconv"

// Position is a point in a source file. Offset is a 0-based byte offset;
// Line and Column are 1-based, and Column counts bytes, like go/token.
type Position struct {
	Offset int `json:"offset"`
	Line   int `json:"line"`
	Column int `json:"column"`
}

// String returns "line:column".
func (p Position) String() string { return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column) }

// Span is the source range of a node. End is exclusive: it is the position
// just after the node's last byte, so End.Offset-Start.Offset is the length.
type Span struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// Node is implemented by every AST node, Solidity and Yul alike.
type Node interface {
	// Pos returns the position of the node's first byte.
	Pos() Position
	// End returns the position just after the node's last byte.
	End() Position
	// NodeKind names the node type, e.g. "ContractDefinition"; it is the
	// "kind" field of the node's JSON form.
	NodeKind() string
}

// base carries the source range that every node has.
type base struct {
	Src Span `json:"src"`
}

func (b *base) Pos() Position { return b.Src.Start }
func (b *base) End() Position { return b.Src.End }

// Expression is a Solidity expression node.
type Expression interface {
	Node
	exprNode()
}

// Statement is a Solidity statement node.
type Statement interface {
	Node
	stmtNode()
}

// TypeName is a Solidity type node.
type TypeName interface {
	Node
	typeNode()
}

// YulStatement is a statement inside an inline assembly block.
type YulStatement interface {
	Node
	yulStmtNode()
}

// YulExpression is a Yul expression: a call, identifier or literal.
type YulExpression interface {
	Node
	yulExprNode()
}

// Documentation is a NatSpec comment (`///` lines or `/** */`) attached to
// the declaration that follows it. Text excludes the comment markers.
type Documentation struct {
	base
	Text string `json:"text"`
}

// SourceUnit is a whole file: its top-level directives and declarations in
// source order.
type SourceUnit struct {
	base
	File  string `json:"file"`
	Nodes []Node `json:"nodes"`
}

// PragmaDirective is `pragma NAME VALUE;`, e.g. Name "solidity", Value "^0.8.20".
type PragmaDirective struct {
	base
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ImportDirective covers every import form:
//
//	import "p";                  Path only
//	import "p" as U;             UnitAlias "U"
//	import * as U from "p";      UnitAlias "U"
//	import {a, b as c} from "p"; Symbols
type ImportDirective struct {
	base
	Path      string          `json:"path"` // as written, without quotes
	UnitAlias string          `json:"unitAlias,omitempty"`
	Symbols   []*ImportSymbol `json:"symbols,omitempty"`
}

// ImportSymbol is one `name [as alias]` entry of an import's symbol list.
type ImportSymbol struct {
	base
	Name  string `json:"name"`
	Alias string `json:"alias,omitempty"`
}

// IdentifierPath is a possibly dotted name such as `A.B`, used for base
// contracts, modifier invocations, user-defined types and override lists.
type IdentifierPath struct {
	base
	Name string `json:"name"`
}

// ContractDefinition is a contract, abstract contract, interface or library.
type ContractDefinition struct {
	base
	Name          string                  `json:"name"`
	NameSrc       Span                    `json:"nameSrc"`
	ContractKind  string                  `json:"contractKind"` // contract, interface, library
	Abstract      bool                    `json:"abstract,omitempty"`
	BaseContracts []*InheritanceSpecifier `json:"baseContracts"`
	Layout        Expression              `json:"layout,omitempty"` // `layout at EXPR` (0.8.29+)
	Nodes         []Node                  `json:"nodes"`
	Documentation *Documentation          `json:"documentation,omitempty"`
}

// InheritanceSpecifier is one entry of `is A, B(1)`.
type InheritanceSpecifier struct {
	base
	BaseName  *IdentifierPath `json:"baseName"`
	Arguments []Expression    `json:"arguments,omitempty"`
	HasArgs   bool            `json:"hasArguments,omitempty"`
}

// FunctionKind values of FunctionDefinition.Kind.
const (
	FuncFunction    = "function"
	FuncConstructor = "constructor"
	FuncFallback    = "fallback"
	FuncReceive     = "receive"
	FuncFree        = "freeFunction"
)

// FunctionDefinition is a function, constructor, fallback or receive
// function, or a file-level (free) function.
//
// Visibility and StateMutability are exactly as written ("" when omitted;
// StateMutability may be the pre-0.5 "constant"). A pre-0.4.22 constructor
// (a function named like its contract) has Kind "constructor" and keeps its
// Name; a 0.4 unnamed `function ()` has Kind "fallback".
type FunctionDefinition struct {
	base
	Kind            string                `json:"functionKind"`
	Name            string                `json:"name"`
	NameSrc         Span                  `json:"nameSrc"`
	Parameters      *ParameterList        `json:"parameters"`
	ReturnParams    *ParameterList        `json:"returnParameters,omitempty"`
	Visibility      string                `json:"visibility,omitempty"`
	StateMutability string                `json:"stateMutability,omitempty"`
	Virtual         bool                  `json:"virtual,omitempty"`
	Override        *OverrideSpecifier    `json:"overrides,omitempty"`
	Modifiers       []*ModifierInvocation `json:"modifiers"`
	Body            *Block                `json:"body,omitempty"` // nil when declared with ';'
	Documentation   *Documentation        `json:"documentation,omitempty"`
}

// ModifierDefinition is `modifier m(...) { ... _; ... }`.
type ModifierDefinition struct {
	base
	Name          string             `json:"name"`
	NameSrc       Span               `json:"nameSrc"`
	Parameters    *ParameterList     `json:"parameters"`
	Virtual       bool               `json:"virtual,omitempty"`
	Override      *OverrideSpecifier `json:"overrides,omitempty"`
	Body          *Block             `json:"body,omitempty"`
	Documentation *Documentation     `json:"documentation,omitempty"`
}

// ModifierInvocation is a modifier applied to a function, or a base
// constructor call in a constructor header. Arguments is nil without
// parentheses (HasArgs distinguishes `m` from `m()`).
type ModifierInvocation struct {
	base
	Name      *IdentifierPath `json:"modifierName"`
	Arguments []Expression    `json:"arguments,omitempty"`
	HasArgs   bool            `json:"hasArguments,omitempty"`
}

// OverrideSpecifier is `override` or `override(A, B)`.
type OverrideSpecifier struct {
	base
	Overrides []*IdentifierPath `json:"overrides"`
}

// ParameterList is a parenthesised list of parameters.
type ParameterList struct {
	base
	Parameters []*VariableDeclaration `json:"parameters"`
}

// VariableDeclaration is a state variable, local variable, parameter,
// struct member, event/error parameter, or file-level constant.
type VariableDeclaration struct {
	base
	TypeName      TypeName           `json:"typeName,omitempty"` // nil for `var`
	Name          string             `json:"name"`
	NameSrc       Span               `json:"nameSrc"`
	Location      string             `json:"storageLocation,omitempty"` // memory, storage, calldata
	Visibility    string             `json:"visibility,omitempty"`      // as written
	Constant      bool               `json:"constant,omitempty"`
	Immutable     bool               `json:"immutable,omitempty"`
	Transient     bool               `json:"transient,omitempty"`
	Indexed       bool               `json:"indexed,omitempty"`
	StateVariable bool               `json:"stateVariable,omitempty"`
	Override      *OverrideSpecifier `json:"overrides,omitempty"`
	Value         Expression         `json:"value,omitempty"`
	Documentation *Documentation     `json:"documentation,omitempty"`
}

// EventDefinition is `event E(uint indexed a) anonymous;`.
type EventDefinition struct {
	base
	Name          string         `json:"name"`
	NameSrc       Span           `json:"nameSrc"`
	Parameters    *ParameterList `json:"parameters"`
	Anonymous     bool           `json:"anonymous,omitempty"`
	Documentation *Documentation `json:"documentation,omitempty"`
}

// ErrorDefinition is a custom error, `error E(uint a);`.
type ErrorDefinition struct {
	base
	Name          string         `json:"name"`
	NameSrc       Span           `json:"nameSrc"`
	Parameters    *ParameterList `json:"parameters"`
	Documentation *Documentation `json:"documentation,omitempty"`
}

// StructDefinition is `struct S { T a; ... }`.
type StructDefinition struct {
	base
	Name          string                 `json:"name"`
	NameSrc       Span                   `json:"nameSrc"`
	Members       []*VariableDeclaration `json:"members"`
	Documentation *Documentation         `json:"documentation,omitempty"`
}

// EnumDefinition is `enum E { A, B }`.
type EnumDefinition struct {
	base
	Name          string         `json:"name"`
	NameSrc       Span           `json:"nameSrc"`
	Members       []*EnumValue   `json:"members"`
	Documentation *Documentation `json:"documentation,omitempty"`
}

// EnumValue is one member of an enum.
type EnumValue struct {
	base
	Name string `json:"name"`
}

// UserDefinedValueTypeDefinition is `type X is uint256;`.
type UserDefinedValueTypeDefinition struct {
	base
	Name           string   `json:"name"`
	NameSrc        Span     `json:"nameSrc"`
	UnderlyingType TypeName `json:"underlyingType"`
}

// UsingForDirective is `using L for T;`, `using L for *;` or
// `using {f, g as +} for T global;`. TypeName is nil for `*`.
type UsingForDirective struct {
	base
	LibraryName  *IdentifierPath     `json:"libraryName,omitempty"`
	FunctionList []*UsingForFunction `json:"functionList,omitempty"`
	TypeName     TypeName            `json:"typeName,omitempty"`
	Global       bool                `json:"global,omitempty"`
}

// UsingForFunction is one entry of a using-for function list, optionally
// bound to a user-defined operator.
type UsingForFunction struct {
	base
	Function *IdentifierPath `json:"function"`
	Operator string          `json:"operator,omitempty"`
}

// ---- type names ----

// ElementaryTypeName is a built-in type: uint256, address, address payable, ...
type ElementaryTypeName struct {
	base
	Name    string `json:"name"`
	Payable bool   `json:"payable,omitempty"`
}

// UserDefinedTypeName names a contract, struct, enum or value type, dotted
// paths kept ("Lib.S").
type UserDefinedTypeName struct {
	base
	Name string `json:"name"`
}

// ArrayTypeName is `T[]` or `T[N]`; Length is nil for dynamic arrays.
type ArrayTypeName struct {
	base
	BaseType TypeName   `json:"baseType"`
	Length   Expression `json:"length,omitempty"`
}

// Mapping is `mapping(K [name] => V [name])`.
type Mapping struct {
	base
	KeyType   TypeName `json:"keyType"`
	KeyName   string   `json:"keyName,omitempty"`
	ValueType TypeName `json:"valueType"`
	ValueName string   `json:"valueName,omitempty"`
}

// FunctionTypeName is `function (P) internal|external [mutability] returns (R)`.
type FunctionTypeName struct {
	base
	Parameters      *ParameterList `json:"parameterTypes"`
	ReturnParams    *ParameterList `json:"returnParameterTypes,omitempty"`
	Visibility      string         `json:"visibility,omitempty"`
	StateMutability string         `json:"stateMutability,omitempty"`
}

// ---- statements ----

// Block is `{ ... }`; Unchecked marks `unchecked { ... }`.
type Block struct {
	base
	Unchecked  bool        `json:"unchecked,omitempty"`
	Statements []Statement `json:"statements"`
}

// PlaceholderStatement is `_;` inside a modifier.
type PlaceholderStatement struct{ base }

// ExpressionStatement is an expression followed by ';'.
type ExpressionStatement struct {
	base
	Expression Expression `json:"expression"`
}

// VariableDeclarationStatement declares one variable or a tuple of them.
// Tuple holes such as `(, uint b) = f();` are nil entries. Var marks the
// pre-0.5 `var` form, whose declarations have a nil TypeName.
type VariableDeclarationStatement struct {
	base
	Declarations []*VariableDeclaration `json:"declarations"`
	InitialValue Expression             `json:"initialValue,omitempty"`
	Var          bool                   `json:"var,omitempty"`
}

// IfStatement is `if (c) a else b`.
type IfStatement struct {
	base
	Condition Expression `json:"condition"`
	TrueBody  Statement  `json:"trueBody"`
	FalseBody Statement  `json:"falseBody,omitempty"`
}

// ForStatement is `for (init; cond; loop) body`; each header part may be nil.
type ForStatement struct {
	base
	Init      Statement  `json:"initializationExpression,omitempty"`
	Condition Expression `json:"condition,omitempty"`
	Loop      Statement  `json:"loopExpression,omitempty"`
	Body      Statement  `json:"body"`
}

// WhileStatement is `while (c) body`.
type WhileStatement struct {
	base
	Condition Expression `json:"condition"`
	Body      Statement  `json:"body"`
}

// DoWhileStatement is `do body while (c);`.
type DoWhileStatement struct {
	base
	Body      Statement  `json:"body"`
	Condition Expression `json:"condition"`
}

// Continue is `continue;`.
type Continue struct{ base }

// Break is `break;`.
type Break struct{ base }

// Return is `return [expr];`.
type Return struct {
	base
	Expression Expression `json:"expression,omitempty"`
}

// Throw is the pre-0.5 `throw;`.
type Throw struct{ base }

// EmitStatement is `emit E(...);`.
type EmitStatement struct {
	base
	EventCall *FunctionCall `json:"eventCall"`
}

// RevertStatement is `revert E(...);` with a custom error.
type RevertStatement struct {
	base
	ErrorCall *FunctionCall `json:"errorCall"`
}

// TryStatement is `try call returns (...) { } catch ... { }`.
type TryStatement struct {
	base
	ExternalCall Expression     `json:"externalCall"`
	ReturnParams *ParameterList `json:"returnParameters,omitempty"`
	Body         *Block         `json:"block"`
	Clauses      []*CatchClause `json:"clauses"`
}

// CatchClause is `catch [Error] [(params)] { }`; ErrorName is "", "Error" or "Panic".
type CatchClause struct {
	base
	ErrorName  string         `json:"errorName,omitempty"`
	Parameters *ParameterList `json:"parameters,omitempty"`
	Body       *Block         `json:"block"`
}

// InlineAssembly is `assembly ["evmasm"] [("memory-safe")] { ... }` with its
// Yul body parsed.
type InlineAssembly struct {
	base
	Dialect string    `json:"dialect,omitempty"`
	Flags   []string  `json:"flags,omitempty"`
	Body    *YulBlock `json:"AST"`
}

// ---- expressions ----

// Identifier is a name in an expression (including this, super, now, _).
type Identifier struct {
	base
	Name string `json:"name"`
}

// Literal is a number, string, hex string, unicode string or bool literal.
// Adjacent string literals ("a" "b") form one Literal; Value is then their
// concatenated contents. For strings Value excludes quotes and escapes are
// kept as written. Subdenomination is the unit of a number (ether, days...).
type Literal struct {
	base
	Kind            string `json:"literalKind"` // number, string, hexString, unicodeString, bool
	Value           string `json:"value"`
	Subdenomination string `json:"subdenomination,omitempty"`
}

// ElementaryTypeNameExpression is a built-in type used as an expression,
// e.g. the callee of `uint256(x)` or `payable(a)` (address payable).
type ElementaryTypeNameExpression struct {
	base
	TypeName *ElementaryTypeName `json:"typeName"`
}

// MemberAccess is `expr.member`.
type MemberAccess struct {
	base
	Expression Expression `json:"expression"`
	MemberName string     `json:"memberName"`
	MemberSrc  Span       `json:"memberSrc"`
}

// IndexAccess is `base[index]`; Index is nil for `T[]` used in an
// expression (as in `new T[](n)` or `abi.decode(d, (T[]))`).
type IndexAccess struct {
	base
	BaseExpression  Expression `json:"baseExpression"`
	IndexExpression Expression `json:"indexExpression,omitempty"`
}

// IndexRangeAccess is `base[start:end]` on calldata arrays.
type IndexRangeAccess struct {
	base
	BaseExpression Expression `json:"baseExpression"`
	StartExpr      Expression `json:"startExpression,omitempty"`
	EndExpr        Expression `json:"endExpression,omitempty"`
}

// FunctionCall is `expr(args)`; with named arguments `f({a: 1})` Names holds
// the argument names parallel to Arguments.
type FunctionCall struct {
	base
	Expression Expression   `json:"expression"`
	Arguments  []Expression `json:"arguments"`
	Names      []string     `json:"names,omitempty"`
}

// FunctionCallOptions is `expr{value: v, gas: g}`, the callee of a call.
type FunctionCallOptions struct {
	base
	Expression Expression   `json:"expression"`
	Names      []string     `json:"names"`
	Options    []Expression `json:"options"`
}

// NewExpression is `new T`, usually the callee of a call.
type NewExpression struct {
	base
	TypeName TypeName `json:"typeName"`
}

// UnaryOperation is a prefix or postfix operation: ! ~ - + ++ -- delete.
type UnaryOperation struct {
	base
	Operator      string     `json:"operator"`
	Prefix        bool       `json:"prefix"`
	SubExpression Expression `json:"subExpression"`
}

// BinaryOperation is `left op right`.
type BinaryOperation struct {
	base
	Operator        string     `json:"operator"`
	LeftExpression  Expression `json:"leftExpression"`
	RightExpression Expression `json:"rightExpression"`
}

// Assignment is `lhs op= rhs`.
type Assignment struct {
	base
	Operator      string     `json:"operator"`
	LeftHandSide  Expression `json:"leftHandSide"`
	RightHandSide Expression `json:"rightHandSide"`
}

// Conditional is `c ? a : b`.
type Conditional struct {
	base
	Condition       Expression `json:"condition"`
	TrueExpression  Expression `json:"trueExpression"`
	FalseExpression Expression `json:"falseExpression"`
}

// TupleExpression is `(a, , b)` or the inline array `[a, b]`; holes are nil.
type TupleExpression struct {
	base
	Components    []Expression `json:"components"`
	IsInlineArray bool         `json:"isInlineArray,omitempty"`
}

// TypeExpression wraps a type that only the type grammar can spell (a
// mapping or function type) where an expression was expected, as in
// `abi.decode(x, (function () external))`.
type TypeExpression struct {
	base
	TypeName TypeName `json:"typeName"`
}

// BadExpression stands in for an expression that failed to parse.
type BadExpression struct{ base }

// BadStatement stands in for a statement that failed to parse.
type BadStatement struct{ base }

// ---- Yul ----

// YulBlock is `{ ... }` in assembly.
type YulBlock struct {
	base
	Statements []YulStatement `json:"statements"`
}

// YulTypedName is a declared Yul variable or parameter (`x` or `x:u256`).
type YulTypedName struct {
	base
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// YulVariableDeclaration is `let a, b := value`; Value may be nil.
type YulVariableDeclaration struct {
	base
	Variables []*YulTypedName `json:"variables"`
	Value     YulExpression   `json:"value,omitempty"`
}

// YulAssignment is `a, b := value`.
type YulAssignment struct {
	base
	VariableNames []*YulIdentifier `json:"variableNames"`
	Value         YulExpression    `json:"value"`
}

// YulExpressionStatement is a call used as a statement.
type YulExpressionStatement struct {
	base
	Expression YulExpression `json:"expression"`
}

// YulFunctionDefinition is `function f(a, b) -> r { ... }`.
type YulFunctionDefinition struct {
	base
	Name         string          `json:"name"`
	Parameters   []*YulTypedName `json:"parameters"`
	ReturnValues []*YulTypedName `json:"returnVariables"`
	Body         *YulBlock       `json:"body"`
}

// YulIf is `if cond { ... }`.
type YulIf struct {
	base
	Condition YulExpression `json:"condition"`
	Body      *YulBlock     `json:"body"`
}

// YulSwitch is `switch expr case v { } ... default { }`.
type YulSwitch struct {
	base
	Expression YulExpression `json:"expression"`
	Cases      []*YulCase    `json:"cases"`
}

// YulCase is one `case literal { }`; Value is nil for `default`.
type YulCase struct {
	base
	Value *YulLiteral `json:"value,omitempty"`
	Body  *YulBlock   `json:"body"`
}

// YulForLoop is `for { pre } cond { post } { body }`.
type YulForLoop struct {
	base
	Pre       *YulBlock     `json:"pre"`
	Condition YulExpression `json:"condition"`
	Post      *YulBlock     `json:"post"`
	Body      *YulBlock     `json:"body"`
}

// YulBreak is `break`.
type YulBreak struct{ base }

// YulContinue is `continue`.
type YulContinue struct{ base }

// YulLeave is `leave`.
type YulLeave struct{ base }

// YulFunctionCall is `name(args)`, built-in or user-defined.
type YulFunctionCall struct {
	base
	FunctionName *YulIdentifier  `json:"functionName"`
	Arguments    []YulExpression `json:"arguments"`
}

// YulIdentifier is a name; dotted names such as `x.slot` and `x.offset`
// referring to Solidity variables are kept whole.
type YulIdentifier struct {
	base
	Name string `json:"name"`
}

// YulLiteral is a number, string, hex string or bool literal in Yul.
type YulLiteral struct {
	base
	Kind  string `json:"literalKind"` // number, string, hexString, bool
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}
