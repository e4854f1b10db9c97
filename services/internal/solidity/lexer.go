package solidity

import (
	"bytes"
	"strings"
	"sync"
)

// docComment is a NatSpec comment: a run of consecutive `///` lines or one
// `/** ... */` block.
type docComment struct {
	start, end Position
	text       string
}

// lexer turns the whole source into a token slice up front. Pre-lexing keeps
// the parser simple (arbitrary lookahead and cheap backtracking are slice
// indexing) and is faster than pulling tokens one at a time.
type lexer struct {
	src       []byte
	pos       int
	line      int
	lineStart int
	toks      []token
	docs      []docComment
	// pendingDoc is the 1-based index of the NatSpec comment that precedes
	// the next token, 0 if none.
	pendingDoc int32
	err        func(pos Position, msg string)
}

// tokenPool recycles token slices between Parse calls: the AST keeps no
// reference to tokens, and a scan of many files would otherwise allocate
// (and zero) a fresh multi-megabyte slice per file.
var tokenPool sync.Pool

// maxPooledTokens keeps one huge file from pinning a huge buffer.
const maxPooledTokens = 1 << 20

func getTokenBuffer(capHint int) []token {
	if b, ok := tokenPool.Get().(*[]token); ok && cap(*b) >= capHint {
		return (*b)[:0]
	}
	return make([]token, 0, capHint)
}

func putTokenBuffer(toks []token) {
	if cap(toks) <= maxPooledTokens {
		toks = toks[:0]
		tokenPool.Put(&toks)
	}
}

func lex(src []byte, errf func(Position, string)) ([]token, []docComment) {
	lx := &lexer{src: src, line: 1, err: errf}
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		// A UTF-8 byte order mark, as some editors write; columns on line 1
		// still count it.
		lx.pos = 3
	}
	// Real code averages 5 to 12 source bytes per token (comments included).
	lx.toks = getTokenBuffer(len(src)/6 + 16)
	lx.run()
	return lx.toks, lx.docs
}

func (lx *lexer) posAt(off int) Position {
	return Position{Offset: off, Line: lx.line, Column: off - lx.lineStart + 1}
}

func (lx *lexer) emit(k tokKind, start, startLine, startCol int) {
	lx.toks = append(lx.toks, token{kind: k, off: int32(start), end: int32(lx.pos),
		line: int32(startLine), col: int32(startCol), doc: lx.pendingDoc})
	lx.pendingDoc = 0
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func (lx *lexer) run() {
	src := lx.src
	for {
		lx.skipSpaceAndComments()
		if lx.pos >= len(src) {
			lx.emit(tEOF, lx.pos, lx.line, lx.pos-lx.lineStart+1)
			return
		}
		start, line, col := lx.pos, lx.line, lx.pos-lx.lineStart+1
		c := src[lx.pos]
		switch {
		case isIdentStart(c):
			lx.pos++
			for lx.pos < len(src) && isIdentPart(src[lx.pos]) {
				lx.pos++
			}
			word := src[start:lx.pos]
			if lx.pos < len(src) && (src[lx.pos] == '"' || src[lx.pos] == '\'') {
				if string(word) == "hex" {
					lx.scanString(src[lx.pos])
					lx.emit(tHexString, start, line, col)
					continue
				}
				if string(word) == "unicode" {
					lx.scanString(src[lx.pos])
					lx.emit(tUniString, start, line, col)
					continue
				}
			}
			k, ok := keywords[string(word)]
			if !ok {
				k = tIdent
				if isElementaryType(word) {
					k = tElemType
				}
			}
			lx.emit(k, start, line, col)
			if k == kwPragma {
				lx.scanPragmaValue()
			}
		case isDigit(c) || c == '.' && lx.pos+1 < len(src) && isDigit(src[lx.pos+1]):
			lx.scanNumber()
			lx.emit(tNumber, start, line, col)
		case c == '"' || c == '\'':
			lx.scanString(c)
			lx.emit(tString, start, line, col)
		default:
			k := lx.scanPunct(c)
			if k == tIllegal {
				lx.err(lx.posAt(start), illegalCharMsg(src, start))
				// Skip one UTF-8 sequence so a stray multi-byte character is
				// reported once.
				lx.pos = start + utf8Len(src, start)
				continue
			}
			lx.emit(k, start, line, col)
		}
	}
}

// utf8Len returns the length of the (possibly invalid) UTF-8 sequence at
// src[i]: the lead byte plus the continuation bytes that actually follow,
// so a newline is never swallowed.
func utf8Len(src []byte, i int) int {
	c := src[i]
	want := 1
	switch {
	case c >= 0xF0:
		want = 4
	case c >= 0xE0:
		want = 3
	case c >= 0xC0:
		want = 2
	}
	n := 1
	for n < want && i+n < len(src) && src[i+n]&0xC0 == 0x80 {
		n++
	}
	return n
}

func illegalCharMsg(src []byte, i int) string {
	n := utf8Len(src, i)
	return "invalid character " + quoteText(src[i:i+n]) + " in source"
}

// skipSpaceAndComments skips whitespace and comments, recording NatSpec
// comments so they can be attached to the next token.
func (lx *lexer) skipSpaceAndComments() {
	src := lx.src
	for lx.pos < len(src) {
		c := src[lx.pos]
		switch c {
		case ' ', '\t', '\r', '\f', '\v':
			lx.pos++
		case '\n':
			lx.pos++
			lx.line++
			lx.lineStart = lx.pos
		case '/':
			if lx.pos+1 >= len(src) {
				return
			}
			switch src[lx.pos+1] {
			case '/':
				lx.lineComment()
			case '*':
				lx.blockComment()
			default:
				return
			}
		default:
			return
		}
	}
}

func (lx *lexer) lineComment() {
	src := lx.src
	start := lx.pos
	startPos := lx.posAt(start)
	e := bytes.IndexByte(src[start:], '\n')
	if e < 0 {
		lx.pos = len(src)
	} else {
		lx.pos = start + e
	}
	text := src[start:lx.pos]
	endPos := lx.posAt(lx.pos)
	// `///` is NatSpec, `////...` is not.
	if len(text) >= 3 && text[2] == '/' && (len(text) == 3 || text[3] != '/') {
		body := string(bytes.TrimRight(text[3:], "\r"))
		// Consecutive `///` lines form one comment: extend the previous one
		// if it is still pending and ended on the line before.
		if lx.pendingDoc > 0 {
			d := &lx.docs[lx.pendingDoc-1]
			if d.end.Line == lx.line-1 && bytes.HasPrefix(src[d.start.Offset:], []byte("///")) {
				// solc drops blank lines inside a `///` group.
				if strings.TrimSpace(body) != "" {
					if d.text != "" {
						d.text += "\n"
					}
					d.text += body
				}
				d.end = endPos
				return
			}
		}
		// Like solc, the first line loses its leading blanks, later lines keep them.
		lx.docs = append(lx.docs, docComment{start: startPos, end: endPos, text: strings.TrimLeft(body, " \t")})
		lx.pendingDoc = int32(len(lx.docs))
	}
}

func (lx *lexer) blockComment() {
	src := lx.src
	start := lx.pos
	startPos := lx.posAt(start)
	lx.pos += 2
	closed := false
	for lx.pos < len(src) {
		c := src[lx.pos]
		if c == '*' && lx.pos+1 < len(src) && src[lx.pos+1] == '/' {
			lx.pos += 2
			closed = true
			break
		}
		lx.pos++
		if c == '\n' {
			lx.line++
			lx.lineStart = lx.pos
		}
	}
	if !closed {
		lx.err(startPos, "comment not terminated: '/*' has no matching '*/'")
		return
	}
	text := src[start:lx.pos]
	// `/** ... */` is NatSpec, but `/**/` and `/***...` are not.
	if len(text) >= 5 && text[2] == '*' && text[3] != '*' {
		lx.docs = append(lx.docs, docComment{start: startPos, end: lx.posAt(lx.pos), text: blockDocText(text[3 : len(text)-2])})
		lx.pendingDoc = int32(len(lx.docs))
	}
}

// blockDocText normalises the inside of a `/** */` comment the way solc
// does: blanks before the first line's text go, each later line loses its
// indentation and one leading '*', and lines left empty are dropped.
func blockDocText(b []byte) string {
	var out []byte
	first := true
	for len(b) > 0 || first {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimRight(line, "\r")
		line = bytes.TrimLeft(line, " \t")
		if !first && len(line) > 0 && line[0] == '*' {
			line = line[1:]
		}
		if len(line) > 0 {
			if len(out) > 0 {
				out = append(out, '\n')
			}
			out = append(out, line...)
		}
		first = false
	}
	return string(out)
}

func (lx *lexer) scanPragmaValue() {
	lx.skipSpaceAndComments()
	src := lx.src
	start, line, col := lx.pos, lx.line, lx.pos-lx.lineStart+1
	end := start
	for lx.pos < len(src) && src[lx.pos] != ';' {
		c := src[lx.pos]
		if c == '\n' && startsDeclaration(src[lx.pos:]) {
			// A forgotten ';': do not swallow the next declaration.
			break
		}
		lx.pos++
		if c == '\n' {
			lx.line++
			lx.lineStart = lx.pos
		} else if c != ' ' && c != '\t' && c != '\r' {
			end = lx.pos
		}
	}
	if end == start {
		return
	}
	stop := lx.pos
	lx.pos = end
	lx.emit(tPragmaValue, start, line, col)
	lx.pos = stop
}

// startsDeclaration reports whether the next line (b starts at a newline)
// begins with a keyword that starts a top-level declaration.
func startsDeclaration(b []byte) bool {
	i := 0
	for i < len(b) && (b[i] == '\n' || b[i] == '\r' || b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && isIdentPart(b[j]) {
		j++
	}
	switch string(b[i:j]) {
	case "contract", "interface", "library", "abstract", "import", "pragma", "function":
		return true
	}
	return false
}

func (lx *lexer) scanNumber() {
	src := lx.src
	if src[lx.pos] == '0' && lx.pos+1 < len(src) && (src[lx.pos+1] == 'x' || src[lx.pos+1] == 'X') {
		lx.pos += 2
		for lx.pos < len(src) && (isHex(src[lx.pos]) || src[lx.pos] == '_') {
			lx.pos++
		}
		return
	}
	for lx.pos < len(src) && (isDigit(src[lx.pos]) || src[lx.pos] == '_') {
		lx.pos++
	}
	if lx.pos+1 < len(src) && src[lx.pos] == '.' && isDigit(src[lx.pos+1]) {
		lx.pos++
		for lx.pos < len(src) && (isDigit(src[lx.pos]) || src[lx.pos] == '_') {
			lx.pos++
		}
	}
	if lx.pos < len(src) && (src[lx.pos] == 'e' || src[lx.pos] == 'E') {
		p := lx.pos + 1
		if p < len(src) && src[p] == '-' {
			p++
		}
		if p < len(src) && isDigit(src[p]) {
			lx.pos = p
			for lx.pos < len(src) && (isDigit(src[lx.pos]) || src[lx.pos] == '_') {
				lx.pos++
			}
		}
	}
	if lx.pos < len(src) && isIdentPart(src[lx.pos]) {
		start := lx.pos
		for lx.pos < len(src) && isIdentPart(src[lx.pos]) {
			lx.pos++
		}
		lx.err(lx.posAt(start), "invalid character "+quoteText(src[start:start+1])+" in number literal")
	}
}

// scanString scans a quoted literal starting at the quote character.
func (lx *lexer) scanString(q byte) {
	src := lx.src
	// Taken now: an escaped newline inside the literal moves the line.
	startPos := lx.posAt(lx.pos)
	lx.pos++
	for lx.pos < len(src) {
		c := src[lx.pos]
		switch c {
		case q:
			lx.pos++
			return
		case '\\':
			lx.pos += 2
			if lx.pos-1 < len(src) && src[lx.pos-1] == '\n' {
				lx.line++
				lx.lineStart = lx.pos
			}
			continue
		case '\n':
			lx.err(startPos, "string literal not terminated before end of line")
			return
		}
		lx.pos++
	}
	if lx.pos > len(src) {
		lx.pos = len(src)
	}
	lx.err(startPos, "string literal not terminated before end of file")
}

func (lx *lexer) peek(n int) byte {
	if lx.pos+n < len(lx.src) {
		return lx.src[lx.pos+n]
	}
	return 0
}

// scanPunct scans an operator or punctuation token, longest match first.
func (lx *lexer) scanPunct(c byte) tokKind {
	n1 := lx.peek(1)
	k, n := tIllegal, 1
	switch c {
	case '(':
		k = tLParen
	case ')':
		k = tRParen
	case '[':
		k = tLBrack
	case ']':
		k = tRBrack
	case '{':
		k = tLBrace
	case '}':
		k = tRBrace
	case ';':
		k = tSemi
	case ',':
		k = tComma
	case '.':
		k = tDot
	case '?':
		k = tQuestion
	case ':':
		k = tColon
		if n1 == '=' {
			k, n = tColonAssign, 2
		}
	case '=':
		k = tAssign
		switch n1 {
		case '=':
			k, n = tEq, 2
		case '>':
			k, n = tArrow, 2
		}
	case '!':
		k = tNot
		if n1 == '=' {
			k, n = tNe, 2
		}
	case '~':
		k = tBitNot
	case '+':
		k = tAdd
		switch n1 {
		case '+':
			k, n = tInc, 2
		case '=':
			k, n = tAssignAdd, 2
		}
	case '-':
		k = tSub
		switch n1 {
		case '-':
			k, n = tDec, 2
		case '=':
			k, n = tAssignSub, 2
		case '>':
			k, n = tRArrow, 2
		}
	case '*':
		k = tMul
		switch n1 {
		case '*':
			k, n = tExp, 2
		case '=':
			k, n = tAssignMul, 2
		}
	case '/':
		k = tDiv
		if n1 == '=' {
			k, n = tAssignDiv, 2
		}
	case '%':
		k = tMod
		if n1 == '=' {
			k, n = tAssignMod, 2
		}
	case '|':
		k = tBitOr
		switch n1 {
		case '|':
			k, n = tOr, 2
		case '=':
			k, n = tAssignOr, 2
		}
	case '&':
		k = tBitAnd
		switch n1 {
		case '&':
			k, n = tAnd, 2
		case '=':
			k, n = tAssignAnd, 2
		}
	case '^':
		k = tBitXor
		if n1 == '=' {
			k, n = tAssignXor, 2
		}
	case '<':
		k = tLt
		switch n1 {
		case '=':
			k, n = tLe, 2
		case '<':
			k, n = tShl, 2
			if lx.peek(2) == '=' {
				k, n = tAssignShl, 3
			}
		}
	case '>':
		k = tGt
		switch n1 {
		case '=':
			k, n = tGe, 2
		case '>':
			k, n = tSar, 2
			switch lx.peek(2) {
			case '=':
				k, n = tAssignSar, 3
			case '>':
				k, n = tShr, 3
				if lx.peek(3) == '=' {
					k, n = tAssignShr, 4
				}
			}
		}
	}
	if k != tIllegal {
		lx.pos += n
	}
	return k
}

// quoteText renders source text for an error message, e.g. 'uint256'.
func quoteText(b []byte) string {
	const max = 32
	if len(b) > max {
		return "'" + string(b[:max]) + "...'"
	}
	return "'" + string(b) + "'"
}
