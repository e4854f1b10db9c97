package solidity

// Statement spans end before their terminating ';', as in solc's AST.

// parseBlock parses `{ statements }`. If the block runs into a token that
// can only start a contract member or a top-level declaration, the '}' was
// evidently forgotten: the error is reported and the block ends there, so
// the enclosing contract still gets the declarations that follow.
func (p *parser) parseBlock() *Block {
	start := p.curPos()
	b := &Block{Statements: []Statement{}}
	if !p.expect(tLBrace, "to open block") {
		b.Src = p.span(start)
		return b
	}
	for p.kind() != tRBrace && p.kind() != tEOF {
		if p.leakedDeclaration() {
			p.errorExpected("'}'", "to close block")
			b.Src = p.span(start)
			return b
		}
		before := p.i
		if s := p.parseStatement(); s != nil {
			b.Statements = append(b.Statements, s)
		}
		if p.i == before {
			p.next()
			p.skipTo(nil)
		}
	}
	p.expect(tRBrace, "to close block")
	b.Src = p.span(start)
	return b
}

// leakedDeclaration reports whether the current token starts a declaration
// that cannot appear inside a function body.
func (p *parser) leakedDeclaration() bool {
	switch p.kind() {
	case kwFunction:
		return p.peek(1) == tIdent
	case kwModifier, kwEvent, kwStruct, kwEnum, kwConstructor, kwUsing:
		return true
	case kwContract, kwInterface, kwLibrary, kwAbstract, kwPragma, kwImport:
		return p.startsUnit()
	case tElemType, tIdent:
		// `uint public x;` is a state variable, never a local.
		switch p.peek(1) {
		case kwPublic, kwPrivate, kwInternal, kwExternal, kwConstant, kwImmutable:
			return true
		}
	}
	return false
}

func (p *parser) parseStatement() Statement {
	if !p.enter() {
		return nil
	}
	defer p.leave()
	t := p.tok()
	start := tokPos(t)
	switch t.kind {
	case tLBrace:
		return p.parseBlock()
	case kwUnchecked:
		if p.peek(1) == tLBrace {
			p.next()
			b := p.parseBlock()
			b.Unchecked = true
			b.Src.Start = start
			return b
		}
	case kwIf:
		return p.parseIf()
	case kwFor:
		return p.parseFor()
	case kwWhile:
		p.next()
		s := &WhileStatement{}
		p.expect(tLParen, "after 'while'")
		s.Condition = p.parseExpression()
		p.expect(tRParen, "after while condition")
		s.Body = p.parseBody()
		s.Src = Span{Start: start, End: s.Body.End()}
		return s
	case kwDo:
		p.next()
		s := &DoWhileStatement{Body: p.parseBody()}
		p.expect(kwWhile, "after do-while body")
		p.expect(tLParen, "after 'while'")
		s.Condition = p.parseExpression()
		p.expect(tRParen, "after do-while condition")
		p.expect(tSemi, "after do-while statement")
		s.Src = p.span(start) // solc includes the ';' here
		return s
	case kwReturn:
		p.next()
		s := &Return{}
		if p.kind() != tSemi {
			s.Expression = p.parseExpression()
		}
		s.Src = p.span(start)
		p.expect(tSemi, "after return statement")
		if s.Expression == nil {
			s.Src = p.span(start) // solc includes the ';' of a bare `return;`
		}
		return s
	case kwBreak:
		p.next()
		s := &Break{base{p.span(start)}}
		p.expect(tSemi, "after 'break'")
		return s
	case kwContinue:
		p.next()
		s := &Continue{base{p.span(start)}}
		p.expect(tSemi, "after 'continue'")
		return s
	case kwThrow:
		p.next()
		s := &Throw{base{p.span(start)}}
		p.expect(tSemi, "after 'throw'")
		return s
	case kwEmit:
		p.next()
		s := &EmitStatement{}
		e := p.parseExpression()
		if call, ok := e.(*FunctionCall); ok {
			s.EventCall = call
		} else if _, bad := e.(*BadExpression); !bad {
			p.errorAt(e.Pos(), "expected event call after 'emit'")
		}
		s.Src = p.span(start)
		p.expect(tSemi, "after emit statement")
		return s
	case kwTry:
		return p.parseTry()
	case kwAssembly:
		return p.parseInlineAssembly()
	case tIdent:
		if p.peek(1) == tSemi && p.text(t)[0] == '_' && t.end-t.off == 1 {
			p.next()
			s := &PlaceholderStatement{base{p.span(start)}}
			p.next()
			return s
		}
		// `revert CustomError(...)`; plain `revert(...)` is a call.
		if p.is("revert") && p.peek(1) == tIdent {
			p.next()
			s := &RevertStatement{}
			e := p.parseExpression()
			if call, ok := e.(*FunctionCall); ok {
				s.ErrorCall = call
			} else if _, bad := e.(*BadExpression); !bad {
				p.errorAt(e.Pos(), "expected error call after 'revert'")
			}
			s.Src = p.span(start)
			p.expect(tSemi, "after revert statement")
			return s
		}
	}
	s := p.parseSimpleStatement()
	if !p.expect(tSemi, "after "+statementWhat(s)) {
		// Missing ';' before what looks like the next statement: report and
		// go on as if it were there. Otherwise skip the rest.
		if !p.startsStatement() {
			p.skipTo(nil)
		}
	}
	return s
}

func statementWhat(s Statement) string {
	if _, ok := s.(*VariableDeclarationStatement); ok {
		return "variable declaration"
	}
	return "expression statement"
}

// startsStatement reports whether the current token plausibly begins a
// new statement, used to decide whether a missing ';' needs skipping.
func (p *parser) startsStatement() bool {
	switch p.kind() {
	case tIdent, tElemType, kwIf, kwFor, kwWhile, kwDo, kwReturn, kwBreak, kwContinue,
		kwThrow, kwEmit, kwTry, kwAssembly, kwUnchecked, kwVar, kwMapping, kwDelete,
		tLBrace, tRBrace, tLParen, tInc, tDec, kwNew, kwPayable, kwType:
		return true
	}
	return false
}

// parseBody parses the body of if/for/while: a statement, typically a block.
func (p *parser) parseBody() Statement {
	s := p.parseStatement()
	if s == nil {
		return &BadStatement{base{Span{Start: p.curPos(), End: p.curPos()}}}
	}
	return s
}

func (p *parser) parseIf() *IfStatement {
	start := p.curPos()
	p.next()
	s := &IfStatement{}
	p.expect(tLParen, "after 'if'")
	s.Condition = p.parseExpression()
	p.expect(tRParen, "after if condition")
	s.TrueBody = p.parseBody()
	s.Src = Span{Start: start, End: s.TrueBody.End()}
	if p.got(kwElse) {
		s.FalseBody = p.parseBody()
		s.Src.End = s.FalseBody.End()
	}
	return s
}

func (p *parser) parseFor() *ForStatement {
	start := p.curPos()
	p.next()
	s := &ForStatement{}
	p.expect(tLParen, "after 'for'")
	if !p.got(tSemi) {
		s.Init = p.parseSimpleStatement()
		p.expect(tSemi, "after for-loop initialisation")
	}
	if p.kind() != tSemi {
		s.Condition = p.parseExpression()
	}
	p.expect(tSemi, "after for-loop condition")
	if p.kind() != tRParen {
		eStart := p.curPos()
		e := p.parseExpression()
		s.Loop = &ExpressionStatement{base: base{p.span(eStart)}, Expression: e}
	}
	p.expect(tRParen, "to close for-loop header")
	s.Body = p.parseBody()
	s.Src = Span{Start: start, End: s.Body.End()}
	return s
}

func (p *parser) parseTry() *TryStatement {
	start := p.curPos()
	p.next()
	s := &TryStatement{Clauses: []*CatchClause{}}
	s.ExternalCall = p.parseExpression()
	if p.got(kwReturns) {
		s.ReturnParams = p.parseParameterList("try return parameters")
	}
	s.Body = p.parseBlock()
	for p.kind() == kwCatch {
		cStart := p.curPos()
		p.next()
		c := &CatchClause{}
		if p.kind() == tIdent {
			c.ErrorName, _, _ = p.expectName("")
		}
		if p.kind() == tLParen {
			c.Parameters = p.parseParameterList("catch parameters")
		}
		c.Body = p.parseBlock()
		c.Src = p.span(cStart)
		s.Clauses = append(s.Clauses, c)
	}
	if len(s.Clauses) == 0 {
		p.errorExpected("'catch'", "after try block")
	}
	s.Src = p.span(start)
	return s
}

// parseSimpleStatement parses a variable declaration or an expression
// statement, without the trailing ';'. Which one it is cannot be known from
// the first token (`a.b[2] x;` versus `a.b[2] = x;`), so it parses an
// expression and reinterprets it as a type when a variable name follows.
func (p *parser) parseSimpleStatement() Statement {
	start := p.curPos()
	switch p.kind() {
	case kwVar:
		return p.parseVarStatement()
	case kwMapping:
		return p.parseDeclarationRest(start, p.parseTypeName())
	case kwFunction:
		if p.peek(1) == tLParen {
			return p.parseDeclarationRest(start, p.parseTypeName())
		}
	case tLParen:
		if s := p.tryTupleDeclaration(); s != nil {
			return s
		}
	}
	e := p.parseExpression()
	switch p.kind() {
	case tIdent, kwMemory, kwStorage, kwCalldata:
		if t := exprToType(e); t != nil {
			return p.parseDeclarationRest(start, t)
		}
	}
	return &ExpressionStatement{base: base{p.span(start)}, Expression: e}
}

// parseDeclarationRest finishes `T [location] name [= value]` given T.
func (p *parser) parseDeclarationRest(start Position, t TypeName) *VariableDeclarationStatement {
	v := &VariableDeclaration{TypeName: t}
	if p.kind() == kwMemory || p.kind() == kwStorage || p.kind() == kwCalldata {
		v.Location = p.str(p.tok())
		p.next()
	}
	v.Name, v.NameSrc, _ = p.expectName("for variable name")
	v.Src = p.span(start)
	s := &VariableDeclarationStatement{Declarations: []*VariableDeclaration{v}}
	if p.got(tAssign) {
		s.InitialValue = p.parseExpression()
	}
	s.Src = p.span(start)
	return s
}

// parseVarStatement parses pre-0.5 `var x = e` and `var (a, , b) = e`.
func (p *parser) parseVarStatement() *VariableDeclarationStatement {
	start := p.curPos()
	p.next()
	s := &VariableDeclarationStatement{Var: true, Declarations: []*VariableDeclaration{}}
	if p.got(tLParen) {
		for p.kind() != tRParen && p.kind() != tEOF {
			if p.kind() == tComma {
				s.Declarations = append(s.Declarations, nil)
				p.next()
				continue
			}
			name, sp, ok := p.expectName("in var tuple")
			if !ok {
				break
			}
			s.Declarations = append(s.Declarations, &VariableDeclaration{base: base{sp}, Name: name, NameSrc: sp})
			if !p.got(tComma) {
				break
			}
			if p.kind() == tRParen {
				s.Declarations = append(s.Declarations, nil)
			}
		}
		p.expect(tRParen, "to close var tuple")
	} else {
		name, sp, _ := p.expectName("after 'var'")
		// solc's span of `var x` starts at 'var'.
		s.Declarations = append(s.Declarations, &VariableDeclaration{base: base{Span{Start: start, End: sp.End}}, Name: name, NameSrc: sp})
	}
	if p.got(tAssign) {
		s.InitialValue = p.parseExpression()
	}
	s.Src = p.span(start)
	return s
}

// tryTupleDeclaration parses `(T a, , U memory b) = e` if that is what
// follows, and otherwise rewinds and returns nil.
func (p *parser) tryTupleDeclaration() *VariableDeclarationStatement {
	state := p.save()
	start := p.curPos()
	p.next()
	s := &VariableDeclarationStatement{Declarations: []*VariableDeclaration{}}
	named := 0
	for p.kind() != tRParen {
		if p.kind() == tComma {
			s.Declarations = append(s.Declarations, nil)
			p.next()
			if p.kind() == tRParen {
				s.Declarations = append(s.Declarations, nil)
			}
			continue
		}
		if !p.startsType() {
			p.restore(state)
			return nil
		}
		vStart := p.curPos()
		v := &VariableDeclaration{TypeName: p.parseTypeName()}
		if v.TypeName == nil || len(p.errs) != state.nerrs {
			p.restore(state)
			return nil
		}
		if p.kind() == kwMemory || p.kind() == kwStorage || p.kind() == kwCalldata {
			v.Location = p.str(p.tok())
			p.next()
		}
		if p.kind() != tIdent {
			p.restore(state)
			return nil
		}
		v.Name, v.NameSrc, _ = p.expectName("")
		v.Src = p.span(vStart)
		s.Declarations = append(s.Declarations, v)
		named++
		if p.kind() == tComma {
			p.next()
			if p.kind() == tRParen {
				s.Declarations = append(s.Declarations, nil)
			}
			continue
		}
		if p.kind() != tRParen {
			p.restore(state)
			return nil
		}
	}
	p.next()
	if named == 0 || p.kind() != tAssign {
		p.restore(state)
		return nil
	}
	p.next()
	s.InitialValue = p.parseExpression()
	s.Src = p.span(start)
	return s
}

// exprToType reinterprets an expression as a type name: identifiers and
// member paths become user-defined types, index accesses become arrays.
func exprToType(e Expression) TypeName {
	switch e := e.(type) {
	case *Identifier:
		return &UserDefinedTypeName{base: e.base, Name: e.Name}
	case *MemberAccess:
		if t, ok := exprToType(e.Expression).(*UserDefinedTypeName); ok {
			return &UserDefinedTypeName{base: e.base, Name: t.Name + "." + e.MemberName}
		}
	case *ElementaryTypeNameExpression:
		return e.TypeName
	case *IndexAccess:
		if b := exprToType(e.BaseExpression); b != nil {
			return &ArrayTypeName{base: e.base, BaseType: b, Length: e.IndexExpression}
		}
	case *TypeExpression:
		return e.TypeName
	}
	return nil
}

// parseInlineAssembly parses `assembly ["evmasm"] [("memory-safe", ...)] { yul }`.
func (p *parser) parseInlineAssembly() *InlineAssembly {
	start := p.curPos()
	p.next()
	a := &InlineAssembly{}
	if p.kind() == tString {
		a.Dialect = p.stringValue(p.tok())
		p.next()
	}
	if p.got(tLParen) {
		for p.kind() == tString {
			a.Flags = append(a.Flags, p.stringValue(p.tok()))
			p.next()
			if !p.got(tComma) {
				break
			}
		}
		p.expect(tRParen, "to close assembly flags")
	}
	a.Body = p.parseYulBlock()
	a.Src = p.span(start)
	return a
}
