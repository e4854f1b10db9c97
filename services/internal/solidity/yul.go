package solidity

// Yul keywords are matched by text: in Yul, Solidity keywords such as
// `return`, `byte` or `address` are ordinary builtin names, and Yul's own
// keywords (`let`, `switch`, `leave`) are identifiers in Solidity.

func (p *parser) wordIs(s string) bool {
	t := p.tok()
	return t.kind.isWord() && string(p.src[t.off:t.end]) == s
}

func (p *parser) parseYulBlock() *YulBlock {
	start := p.curPos()
	b := &YulBlock{Statements: []YulStatement{}}
	if !p.enter() {
		b.Src = p.span(start)
		return b
	}
	defer p.leave()
	if !p.expect(tLBrace, "to open assembly block") {
		b.Src = p.span(start)
		return b
	}
	for p.kind() != tRBrace && p.kind() != tEOF {
		before := p.i
		if s := p.parseYulStatement(); s != nil {
			b.Statements = append(b.Statements, s)
		}
		if p.i == before {
			// Skip one token; Yul has no ';' to synchronise on.
			p.next()
		}
	}
	p.expect(tRBrace, "to close assembly block")
	b.Src = p.span(start)
	return b
}

func (p *parser) parseYulStatement() YulStatement {
	t := p.tok()
	start := tokPos(t)
	switch t.kind {
	case tLBrace:
		return p.parseYulBlock()
	case kwFunction:
		return p.parseYulFunction()
	case kwIf:
		p.next()
		s := &YulIf{Condition: p.parseYulExpression()}
		s.Body = p.parseYulBlock()
		s.Src = p.span(start)
		return s
	case kwFor:
		p.next()
		s := &YulForLoop{Pre: p.parseYulBlock()}
		s.Condition = p.parseYulExpression()
		s.Post = p.parseYulBlock()
		s.Body = p.parseYulBlock()
		s.Src = p.span(start)
		return s
	case kwBreak:
		p.next()
		return &YulBreak{base{tokSpan(p, t)}}
	case kwContinue:
		p.next()
		return &YulContinue{base{tokSpan(p, t)}}
	case tIdent:
		switch string(p.text(t)) {
		case "let":
			return p.parseYulLet()
		case "switch":
			return p.parseYulSwitch()
		case "leave":
			p.next()
			return &YulLeave{base{tokSpan(p, t)}}
		}
	}
	if !t.kind.isWord() {
		p.errorExpected("assembly statement", "")
		return nil
	}
	// An assignment `a, b := f()` or an expression statement `f(x)`.
	first := p.parseYulIdentifier()
	if p.kind() == tComma || p.kind() == tColonAssign {
		a := &YulAssignment{VariableNames: []*YulIdentifier{first}}
		for p.got(tComma) {
			if !p.tok().kind.isWord() {
				p.errorExpected("identifier", "in assembly assignment")
				break
			}
			a.VariableNames = append(a.VariableNames, p.parseYulIdentifier())
		}
		p.expect(tColonAssign, "in assembly assignment")
		a.Value = p.parseYulExpression()
		a.Src = p.span(start)
		return a
	}
	var e YulExpression = first
	if p.kind() == tLParen {
		e = p.parseYulCall(first)
	}
	return &YulExpressionStatement{base: base{p.span(start)}, Expression: e}
}

// parseYulIdentifier parses a name; `x.slot`, `x.offset` and other dotted
// names are one identifier when written without spaces.
func (p *parser) parseYulIdentifier() *YulIdentifier {
	t := p.tok()
	start := tokPos(t)
	from, end := t.off, t.end
	p.next()
	for p.kind() == tDot && p.tok().off == end && p.peek(1).isWord() && p.toks[p.i+1].off == end+1 {
		p.next()
		end = p.tok().end
		p.next()
	}
	return &YulIdentifier{base: base{p.span(start)}, Name: p.s[from:end]}
}

func (p *parser) parseYulCall(name *YulIdentifier) *YulFunctionCall {
	c := &YulFunctionCall{FunctionName: name, Arguments: []YulExpression{}}
	p.next() // (
	for p.kind() != tRParen && p.kind() != tEOF {
		e := p.parseYulExpression()
		if e == nil {
			break
		}
		c.Arguments = append(c.Arguments, e)
		if !p.got(tComma) {
			break
		}
	}
	p.expect(tRParen, "to close assembly call")
	c.Src = p.span(name.Pos())
	return c
}

func (p *parser) parseYulExpression() YulExpression {
	t := p.tok()
	start := tokPos(t)
	if !p.enter() {
		return nil
	}
	defer p.leave()
	switch t.kind {
	case tNumber, tString, tHexString, kwTrue, kwFalse:
		l := &YulLiteral{}
		switch t.kind {
		case tNumber:
			l.Kind, l.Value = "number", p.str(t)
		case tString:
			l.Kind, l.Value = "string", p.stringValue(t)
		case tHexString:
			l.Kind, l.Value = "hexString", p.stringValue(t)
		default:
			l.Kind, l.Value = "bool", p.str(t)
		}
		p.next()
		if p.kind() == tColon && p.peek(1).isWord() {
			p.next()
			l.Type = p.str(p.tok())
			p.next()
		}
		l.Src = p.span(start)
		return l
	}
	if t.kind.isWord() {
		id := p.parseYulIdentifier()
		if p.kind() == tLParen {
			return p.parseYulCall(id)
		}
		return id
	}
	p.errorExpected("assembly expression", "")
	return nil
}

func (p *parser) parseYulTypedNames(what string) []*YulTypedName {
	names := []*YulTypedName{}
	for p.tok().kind.isWord() {
		t := p.tok()
		start := tokPos(t)
		n := &YulTypedName{Name: p.str(t)}
		p.next()
		if p.kind() == tColon && p.peek(1).isWord() {
			p.next()
			n.Type = p.str(p.tok())
			p.next()
		}
		n.Src = p.span(start)
		names = append(names, n)
		if !p.got(tComma) {
			return names
		}
	}
	p.errorExpected("identifier", what)
	return names
}

func (p *parser) parseYulLet() *YulVariableDeclaration {
	start := p.curPos()
	p.next()
	d := &YulVariableDeclaration{Variables: p.parseYulTypedNames("after 'let'")}
	if p.got(tColonAssign) {
		d.Value = p.parseYulExpression()
	}
	d.Src = p.span(start)
	return d
}

func (p *parser) parseYulSwitch() *YulSwitch {
	start := p.curPos()
	p.next()
	s := &YulSwitch{Expression: p.parseYulExpression(), Cases: []*YulCase{}}
	for p.wordIs("case") || p.wordIs("default") {
		cStart := p.curPos()
		c := &YulCase{}
		isCase := p.wordIs("case")
		p.next()
		if isCase {
			l, ok := p.parseYulExpression().(*YulLiteral)
			if !ok {
				p.errorAt(cStart, "expected literal after 'case'")
			}
			c.Value = l
		}
		c.Body = p.parseYulBlock()
		c.Src = p.span(cStart)
		s.Cases = append(s.Cases, c)
	}
	if len(s.Cases) == 0 {
		p.errorExpected("'case' or 'default'", "after switch expression")
	}
	s.Src = p.span(start)
	return s
}

func (p *parser) parseYulFunction() *YulFunctionDefinition {
	start := p.curPos()
	p.next()
	f := &YulFunctionDefinition{Parameters: []*YulTypedName{}, ReturnValues: []*YulTypedName{}}
	if p.tok().kind.isWord() {
		f.Name = p.str(p.tok())
		p.next()
	} else {
		p.errorExpected("function name", "in assembly")
	}
	if p.expect(tLParen, "after assembly function name") {
		if p.kind() != tRParen {
			f.Parameters = p.parseYulTypedNames("in assembly function parameters")
		}
		p.expect(tRParen, "to close assembly function parameters")
	}
	if p.got(tRArrow) {
		f.ReturnValues = p.parseYulTypedNames("after '->'")
	}
	f.Body = p.parseYulBlock()
	f.Src = p.span(start)
	return f
}
