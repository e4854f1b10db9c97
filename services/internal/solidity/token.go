package solidity

// tokKind classifies a lexical token. Keywords that Solidity reserves get
// their own kind; contextual words (from, error, revert, global, transient,
// layout, at, receive, fallback, ...) stay identifiers and the parser checks
// their text, because real code uses them as names.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIllegal
	tIdent
	tNumber      // 123, 0x1f, 1_000, 1.5e18
	tString      // "..." or '...'
	tHexString   // hex"..."
	tUniString   // unicode"..."
	tPragmaValue // raw text after 'pragma' up to ';'
	tElemType    // uint256, address, bool, bytes32, string, ...

	// punctuation and operators
	tLParen
	tRParen
	tLBrack
	tRBrack
	tLBrace
	tRBrace
	tSemi
	tComma
	tDot
	tQuestion
	tColon
	tColonAssign // := (Yul)
	tArrow       // => (mapping)
	tRArrow      // -> (Yul return types)
	tAssign
	tAssignOr
	tAssignXor
	tAssignAnd
	tAssignShl
	tAssignSar
	tAssignShr
	tAssignAdd
	tAssignSub
	tAssignMul
	tAssignDiv
	tAssignMod
	tOr
	tAnd
	tBitOr
	tBitXor
	tBitAnd
	tEq
	tNe
	tLt
	tGt
	tLe
	tGe
	tShl
	tSar
	tShr
	tAdd
	tSub
	tMul
	tDiv
	tMod
	tExp
	tNot
	tBitNot
	tInc
	tDec

	// keywords
	kwFirst
	kwPragma
	kwImport
	kwAs
	kwContract
	kwInterface
	kwLibrary
	kwAbstract
	kwIs
	kwFunction
	kwModifier
	kwEvent
	kwStruct
	kwEnum
	kwMapping
	kwReturns
	kwReturn
	kwIf
	kwElse
	kwFor
	kwWhile
	kwDo
	kwBreak
	kwContinue
	kwNew
	kwDelete
	kwEmit
	kwUsing
	kwPublic
	kwPrivate
	kwInternal
	kwExternal
	kwPure
	kwView
	kwPayable
	kwConstant
	kwImmutable
	kwMemory
	kwStorage
	kwCalldata
	kwIndexed
	kwAnonymous
	kwTrue
	kwFalse
	kwVar
	kwThrow
	kwAssembly
	kwType
	kwTry
	kwCatch
	kwUnchecked
	kwConstructor
	kwVirtual
	kwOverride
	kwLast
)

var keywords = map[string]tokKind{
	"pragma": kwPragma, "import": kwImport, "as": kwAs, "contract": kwContract,
	"interface": kwInterface, "library": kwLibrary, "abstract": kwAbstract, "is": kwIs,
	"function": kwFunction, "modifier": kwModifier, "event": kwEvent, "struct": kwStruct,
	"enum": kwEnum, "mapping": kwMapping, "returns": kwReturns, "return": kwReturn,
	"if": kwIf, "else": kwElse, "for": kwFor, "while": kwWhile, "do": kwDo,
	"break": kwBreak, "continue": kwContinue, "new": kwNew, "delete": kwDelete,
	"emit": kwEmit, "using": kwUsing, "public": kwPublic, "private": kwPrivate,
	"internal": kwInternal, "external": kwExternal, "pure": kwPure, "view": kwView,
	"payable": kwPayable, "constant": kwConstant, "immutable": kwImmutable,
	"memory": kwMemory, "storage": kwStorage, "calldata": kwCalldata,
	"indexed": kwIndexed, "anonymous": kwAnonymous, "true": kwTrue, "false": kwFalse,
	"var": kwVar, "throw": kwThrow, "assembly": kwAssembly, "type": kwType,
	"try": kwTry, "catch": kwCatch, "unchecked": kwUnchecked,
	"constructor": kwConstructor, "virtual": kwVirtual, "override": kwOverride,
}

var punctText = [...]string{
	tLParen: "(", tRParen: ")", tLBrack: "[", tRBrack: "]", tLBrace: "{", tRBrace: "}",
	tSemi: ";", tComma: ",", tDot: ".", tQuestion: "?", tColon: ":", tColonAssign: ":=",
	tArrow: "=>", tRArrow: "->", tAssign: "=", tAssignOr: "|=", tAssignXor: "^=",
	tAssignAnd: "&=", tAssignShl: "<<=", tAssignSar: ">>=", tAssignShr: ">>>=",
	tAssignAdd: "+=", tAssignSub: "-=", tAssignMul: "*=", tAssignDiv: "/=", tAssignMod: "%=",
	tOr: "||", tAnd: "&&", tBitOr: "|", tBitXor: "^", tBitAnd: "&", tEq: "==", tNe: "!=",
	tLt: "<", tGt: ">", tLe: "<=", tGe: ">=", tShl: "<<", tSar: ">>", tShr: ">>>",
	tAdd: "+", tSub: "-", tMul: "*", tDiv: "/", tMod: "%", tExp: "**", tNot: "!",
	tBitNot: "~", tInc: "++", tDec: "--",
}

// keywordText maps keyword kinds back to their spelling, for messages.
var keywordText = func() map[tokKind]string {
	m := make(map[tokKind]string, len(keywords))
	for s, k := range keywords {
		m[k] = s
	}
	return m
}()

// kindText spells a punctuation or keyword kind, for "expected 'X'" messages.
func kindText(k tokKind) string {
	if int(k) < len(punctText) && punctText[k] != "" {
		return punctText[k]
	}
	return keywordText[k]
}

// isKeyword reports whether k is a reserved word.
func (k tokKind) isKeyword() bool { return k > kwFirst && k < kwLast }

// isWord reports whether the token is spelled like an identifier (an
// identifier, an elementary type name or a keyword). Member names and Yul
// identifiers accept any word.
func (k tokKind) isWord() bool { return k == tIdent || k == tElemType || k.isKeyword() }

func (k tokKind) isAssignOp() bool { return k >= tAssign && k <= tAssignMod }

// binaryPrec returns the binding power of a binary operator, 0 if k is not one.
// Values follow Solidity's table: || < && < equality < relational < | < ^ < &
// < shifts < additive < multiplicative < **.
func binaryPrec(k tokKind) int {
	switch k {
	case tOr:
		return 1
	case tAnd:
		return 2
	case tEq, tNe:
		return 3
	case tLt, tGt, tLe, tGe:
		return 4
	case tBitOr:
		return 5
	case tBitXor:
		return 6
	case tBitAnd:
		return 7
	case tShl, tSar, tShr:
		return 8
	case tAdd, tSub:
		return 9
	case tMul, tDiv, tMod:
		return 10
	case tExp:
		return 11
	}
	return 0
}

// token is one lexed token. It stores offsets instead of text so lexing
// allocates nothing per token; text is sliced from the source on demand.
type token struct {
	kind tokKind
	off  int32 // byte offset of the first byte
	end  int32 // byte offset just past the last byte
	line int32
	col  int32
	doc  int32 // 1-based index into the NatSpec comment list, 0 for none
}

// isElementaryType reports whether an identifier spells a built-in type
// name: bool, string, address, byte, bytes, bytes1..bytes32, int/uint with
// optional bit width, fixed/ufixed with optional MxN.
func isElementaryType(b []byte) bool {
	switch string(b) {
	case "bool", "string", "address", "byte", "bytes", "int", "uint", "fixed", "ufixed":
		return true
	}
	switch {
	case len(b) > 5 && string(b[:5]) == "bytes":
		n, ok := atoiSmall(b[5:])
		return ok && n >= 1 && n <= 32
	case len(b) > 4 && string(b[:4]) == "uint":
		n, ok := atoiSmall(b[4:])
		return ok && n >= 8 && n <= 256 && n%8 == 0
	case len(b) > 3 && string(b[:3]) == "int":
		n, ok := atoiSmall(b[3:])
		return ok && n >= 8 && n <= 256 && n%8 == 0
	case len(b) > 6 && string(b[:6]) == "ufixed":
		return isFixedSuffix(b[6:])
	case len(b) > 5 && string(b[:5]) == "fixed":
		return isFixedSuffix(b[5:])
	}
	return false
}

func isFixedSuffix(b []byte) bool {
	for i, c := range b {
		if c == 'x' {
			_, ok1 := atoiSmall(b[:i])
			_, ok2 := atoiSmall(b[i+1:])
			return ok1 && ok2
		}
	}
	return false
}

func atoiSmall(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 3 || b[0] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
