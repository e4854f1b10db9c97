package solidity

import (
	"fmt"
	"sort"
)

// SyntaxError is a lexical or syntax error at a source position.
type SyntaxError struct {
	File string
	Pos  Position
	Msg  string
}

// Error returns "file:line:col: msg".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Column, e.Msg)
}

// maxDepth bounds the nesting of expressions, statements, types and Yul so
// that hostile input cannot exhaust the stack; real code stays far below.
const maxDepth = 1000

// Parse parses one Solidity source file. It never panics; it returns the
// (possibly partial) AST and every syntax error in source order (after 200,
// one final "too many syntax errors"). Every declaration that parsed is
// present even when the file has errors. Parse is safe for concurrent use.
func Parse(filename string, src []byte) (unit *SourceUnit, errs []*SyntaxError) {
	p := &parser{file: filename, src: src, s: string(src), lastErrOff: -1}
	defer func() {
		// Belt and braces: the parser is written not to panic, but a bug
		// must cost one file's result, not the caller's process.
		if r := recover(); r != nil {
			errs = append(p.lexErrs, p.errs...)
			errs = append(errs, &SyntaxError{File: filename, Pos: p.curPos(), Msg: fmt.Sprintf("internal parser error: %v", r)})
			sortErrors(errs)
			if unit == nil {
				unit = &SourceUnit{File: filename, Nodes: []Node{}}
			}
		}
	}()
	p.toks, p.docs = lex(src, func(pos Position, msg string) {
		p.lexErrs = append(p.lexErrs, &SyntaxError{File: filename, Pos: pos, Msg: msg})
	})
	unit = p.parseSourceUnit()
	putTokenBuffer(p.toks)
	p.toks = nil
	errs = p.errs
	if len(p.lexErrs) > 0 {
		errs = append(append([]*SyntaxError{}, p.lexErrs...), p.errs...)
		sortErrors(errs)
	}
	return unit, errs
}

func sortErrors(errs []*SyntaxError) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Pos.Offset < errs[j].Pos.Offset })
}

type parser struct {
	file string
	src  []byte
	// s is src as one string, converted once: names in the AST are
	// substrings of it, which costs no allocation per identifier.
	s       string
	toks    []token
	docs    []docComment
	i       int // index of the current token
	errs    []*SyntaxError
	lexErrs []*SyntaxError
	// lastErrOff suppresses cascades: an error is only reported if it is
	// further into the file than the previous one.
	lastErrOff int
	depth      int
	// contract is the enclosing contract while parsing its body, used to
	// recognise pre-0.4.22 constructors and interface defaults.
	contract *ContractDefinition
}

// ---- token access ----

func (p *parser) tok() *token          { return &p.toks[p.i] }
func (p *parser) kind() tokKind        { return p.toks[p.i].kind }
func (p *parser) text(t *token) []byte { return p.src[t.off:t.end] }
func (p *parser) str(t *token) string  { return p.s[t.off:t.end] }

// peek returns the kind of the token n positions ahead (EOF past the end).
func (p *parser) peek(n int) tokKind {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n].kind
	}
	return tEOF
}

// peekIs reports whether the token n ahead is an identifier spelled s.
func (p *parser) peekIs(n int, s string) bool {
	if p.i+n >= len(p.toks) {
		return false
	}
	t := &p.toks[p.i+n]
	return t.kind == tIdent && string(p.src[t.off:t.end]) == s
}

// is reports whether the current token is the identifier s (a contextual keyword).
func (p *parser) is(s string) bool { return p.peekIs(0, s) }

func (p *parser) next() {
	if p.toks[p.i].kind != tEOF {
		p.i++
	}
}

func (p *parser) got(k tokKind) bool {
	if p.kind() == k {
		p.next()
		return true
	}
	return false
}

func tokPos(t *token) Position {
	return Position{Offset: int(t.off), Line: int(t.line), Column: int(t.col)}
}

func (p *parser) curPos() Position {
	if p.i < len(p.toks) {
		return tokPos(p.tok())
	}
	return Position{Line: 1, Column: 1}
}

// endOf returns the position just after token t. Only strings and pragma
// values can span lines, so the common case is column arithmetic.
func (p *parser) endOf(t *token) Position {
	pos := Position{Offset: int(t.end), Line: int(t.line), Column: int(t.col) + int(t.end-t.off)}
	if t.kind == tString || t.kind == tPragmaValue || t.kind == tHexString || t.kind == tUniString {
		for i := t.off; i < t.end; i++ {
			if p.src[i] == '\n' {
				pos.Line++
				pos.Column = int(t.end-i-1) + 1
			}
		}
	}
	return pos
}

// prevEnd is the end of the last consumed token: the end of the node
// being finished.
func (p *parser) prevEnd() Position {
	if p.i == 0 {
		return p.curPos()
	}
	return p.endOf(&p.toks[p.i-1])
}

func (p *parser) span(start Position) Span {
	end := p.prevEnd()
	if end.Offset < start.Offset {
		end = start
	}
	return Span{Start: start, End: end}
}

func tokSpan(p *parser, t *token) Span { return Span{Start: tokPos(t), End: p.endOf(t)} }

// ---- errors ----

// describe renders a token for an error message.
func (p *parser) describe(t *token) string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tString, tHexString, tUniString:
		return "string " + quoteText(p.text(t))
	case tNumber:
		return "number " + quoteText(p.text(t))
	}
	return quoteText(p.text(t))
}

// maxErrors bounds the errors kept for one file: past it the input is not
// Solidity in any useful sense, and the list would only grow with the file.
const maxErrors = 200

func (p *parser) errorAt(pos Position, msg string) {
	if pos.Offset <= p.lastErrOff {
		return
	}
	p.lastErrOff = pos.Offset
	switch {
	case len(p.errs) < maxErrors:
		p.errs = append(p.errs, &SyntaxError{File: p.file, Pos: pos, Msg: msg})
	case len(p.errs) == maxErrors:
		p.errs = append(p.errs, &SyntaxError{File: p.file, Pos: pos,
			Msg: fmt.Sprintf("too many syntax errors (more than %d); later errors are not reported", maxErrors)})
	}
}

// suppressed reports whether an error at the current token would be dropped,
// so callers can skip building its message.
func (p *parser) suppressed() bool {
	return int(p.tok().off) <= p.lastErrOff || len(p.errs) > maxErrors
}

// errorExpected reports "expected WHAT [CONTEXT], found TOKEN" at the current token.
func (p *parser) errorExpected(what, context string) {
	if p.suppressed() {
		return
	}
	msg := "expected " + what
	if context != "" {
		msg += " " + context
	}
	p.errorAt(p.curPos(), msg+", found "+p.describe(p.tok()))
}

// expect consumes a token of kind k or reports an error naming it.
func (p *parser) expect(k tokKind, context string) bool {
	if p.kind() == k {
		p.next()
		return true
	}
	if !p.suppressed() {
		p.errorExpected("'"+kindText(k)+"'", context)
	}
	return false
}

// expectName consumes an identifier and returns it with its span.
func (p *parser) expectName(context string) (string, Span, bool) {
	if p.kind() == tIdent {
		t := p.tok()
		p.next()
		return p.str(t), tokSpan(p, t), true
	}
	p.errorExpected("identifier", context)
	return "", Span{Start: p.curPos(), End: p.curPos()}, false
}

// enter guards recursion depth; callers must call leave when it returns true.
func (p *parser) enter() bool {
	p.depth++
	if p.depth > maxDepth {
		p.depth--
		p.errorAt(p.curPos(), fmt.Sprintf("nesting too deep (more than %d levels)", maxDepth))
		// Skip the rest of the statement: resuming inside the nest would
		// only hit the limit again at the next token.
		p.skipTo(nil)
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

// ---- speculation ----

type parserState struct {
	i, nerrs, lastErrOff int
}

func (p *parser) save() parserState {
	return parserState{i: p.i, nerrs: len(p.errs), lastErrOff: p.lastErrOff}
}

func (p *parser) restore(s parserState) {
	p.i, p.errs, p.lastErrOff = s.i, p.errs[:s.nerrs], s.lastErrOff
}

// ---- documentation ----

// docFor returns the NatSpec comment that immediately precedes token t.
func (p *parser) docFor(t *token) *Documentation {
	if t.doc == 0 {
		return nil
	}
	d := &p.docs[t.doc-1]
	if d.text == "" {
		return nil // solc ignores an empty `///`
	}
	return &Documentation{base: base{Src: Span{Start: d.start, End: d.end}}, Text: d.text}
}

// ---- recovery ----

// skipTo skips tokens until one satisfying stop is found at bracket depth
// zero, or a '}' that closes the enclosing construct. A ';' at depth zero is
// consumed and ends the skip. Balanced { } groups are skipped whole.
func (p *parser) skipTo(stop func() bool) {
	depth := 0
	for {
		k := p.kind()
		switch k {
		case tEOF:
			return
		case tLBrace:
			depth++
		case tRBrace:
			if depth == 0 {
				return
			}
			depth--
			if depth == 0 {
				p.next()
				// A balanced group ended; a following ';' would belong to it.
				continue
			}
		case tSemi:
			if depth == 0 {
				p.next()
				return
			}
		default:
			if depth == 0 && stop != nil && stop() {
				return
			}
		}
		p.next()
	}
}

// atMemberStart reports whether the current token plausibly starts a
// contract member: a declaration keyword followed by what must come next
// (so English words from a damaged comment rarely qualify).
func (p *parser) atMemberStart() bool {
	switch p.kind() {
	case kwFunction:
		return p.peek(1) == tIdent || p.peek(1) == tLParen
	case kwModifier, kwEvent, kwStruct, kwEnum:
		return p.peek(1) == tIdent
	case kwConstructor:
		return p.peek(1) == tLParen
	case kwUsing:
		return p.peek(1) == tIdent || p.peek(1) == tLBrace
	}
	return p.startsUnit()
}

// atTopLevelStart reports whether the current token plausibly starts a
// file-level declaration.
func (p *parser) atTopLevelStart() bool {
	switch p.kind() {
	case kwFunction, kwStruct, kwEnum, kwEvent:
		return p.peek(1) == tIdent
	case kwUsing:
		return p.peek(1) == tIdent || p.peek(1) == tLBrace
	}
	return p.startsUnit()
}
