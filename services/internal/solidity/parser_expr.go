package solidity

// numberUnits are the sub-denominations that may follow a number literal.
// They are matched by text because old units (szabo, finney, years) became
// ordinary identifiers in later versions.
func isNumberUnit(b []byte) bool {
	switch string(b) {
	case "wei", "gwei", "szabo", "finney", "ether", "seconds", "minutes", "hours",
		"days", "weeks", "years":
		return true
	}
	return false
}

func (p *parser) bad(start Position) *BadExpression {
	return &BadExpression{base{Span{Start: start, End: start}}}
}

// parseExpression parses a full expression including assignments and the
// conditional operator, both right-associative.
func (p *parser) parseExpression() Expression {
	start := p.curPos()
	if !p.enter() {
		return p.bad(start)
	}
	defer p.leave()
	e := p.parseBinary(1)
	if p.kind() == tQuestion {
		p.next()
		c := &Conditional{Condition: e}
		c.TrueExpression = p.parseExpression()
		p.expect(tColon, "in conditional expression")
		c.FalseExpression = p.parseExpression()
		c.Src = p.span(start)
		e = c
	}
	if p.kind().isAssignOp() {
		op := punctText[p.kind()]
		p.next()
		a := &Assignment{Operator: op, LeftHandSide: e, RightHandSide: p.parseExpression()}
		a.Src = p.span(start)
		return a
	}
	return e
}

// parseBinary parses binary operators by precedence climbing; `**` is
// right-associative, the rest left-associative.
func (p *parser) parseBinary(minPrec int) Expression {
	start := p.curPos()
	if !p.enter() {
		return p.bad(start)
	}
	defer p.leave()
	left := p.parseUnary()
	for {
		k := p.kind()
		prec := binaryPrec(k)
		if prec == 0 || prec < minPrec {
			return left
		}
		p.next()
		next := prec + 1
		if k == tExp {
			next = prec
		}
		right := p.parseBinary(next)
		left = &BinaryOperation{base: base{p.span(start)}, Operator: punctText[k], LeftExpression: left, RightExpression: right}
	}
}

func (p *parser) parseUnary() Expression {
	start := p.curPos()
	k := p.kind()
	switch k {
	case tNot, tBitNot, tSub, tAdd, tInc, tDec, kwDelete:
		if !p.enter() {
			return p.bad(start)
		}
		defer p.leave()
		op := "delete"
		if k != kwDelete {
			op = punctText[k]
		}
		p.next()
		sub := p.parseUnary()
		return &UnaryOperation{base: base{p.span(start)}, Operator: op, Prefix: true, SubExpression: sub}
	}
	return p.parsePostfix()
}

func (p *parser) parsePostfix() Expression {
	start := p.curPos()
	e := p.parsePrimary()
	if _, bad := e.(*BadExpression); bad {
		return e
	}
	for {
		switch p.kind() {
		case tDot:
			p.next()
			t := p.tok()
			m := &MemberAccess{Expression: e}
			if t.kind.isWord() {
				m.MemberName = p.str(t)
				m.MemberSrc = tokSpan(p, t)
				p.next()
			} else {
				p.errorExpected("member name", "after '.'")
				m.MemberSrc = Span{Start: p.curPos(), End: p.curPos()}
			}
			m.Src = p.span(start)
			e = m
		case tLBrack:
			p.next()
			var idx Expression
			if p.kind() != tRBrack && p.kind() != tColon {
				idx = p.parseExpression()
			}
			if p.got(tColon) {
				r := &IndexRangeAccess{BaseExpression: e, StartExpr: idx}
				if p.kind() != tRBrack {
					r.EndExpr = p.parseExpression()
				}
				p.expect(tRBrack, "to close index range")
				r.Src = p.span(start)
				e = r
				continue
			}
			p.expect(tRBrack, "to close index access")
			e = &IndexAccess{base: base{p.span(start)}, BaseExpression: e, IndexExpression: idx}
		case tLParen:
			c := &FunctionCall{Expression: e}
			c.Arguments = p.parseCallArguments(&c.Names)
			c.Src = p.span(start)
			e = c
		case tLBrace:
			// Call options `f{value: v}` — only when `{ name :` follows, which
			// never starts a block.
			if p.peek(1) != tIdent || p.peek(2) != tColon {
				return e
			}
			p.next()
			o := &FunctionCallOptions{Expression: e, Names: []string{}, Options: []Expression{}}
			for p.kind() != tRBrace && p.kind() != tEOF {
				name, _, ok := p.expectName("for call option")
				if !ok {
					break
				}
				p.expect(tColon, "after call option name")
				o.Names = append(o.Names, name)
				o.Options = append(o.Options, p.parseExpression())
				if !p.got(tComma) {
					break
				}
			}
			p.expect(tRBrace, "to close call options")
			o.Src = p.span(start)
			e = o
		case tInc, tDec:
			op := punctText[p.kind()]
			p.next()
			e = &UnaryOperation{base: base{p.span(start)}, Operator: op, SubExpression: e}
		default:
			return e
		}
	}
}

// parseCallArguments parses `(a, b)` or, when names is not nil, also the
// named form `({x: a, y: b})`, storing the names.
func (p *parser) parseCallArguments(names *[]string) []Expression {
	args := []Expression{}
	p.expect(tLParen, "to open argument list")
	if p.kind() == tLBrace && names != nil {
		p.next()
		*names = []string{}
		for p.kind() != tRBrace && p.kind() != tEOF {
			name, _, ok := p.expectName("for named argument")
			if !ok {
				break
			}
			p.expect(tColon, "after argument name")
			*names = append(*names, name)
			args = append(args, p.parseExpression())
			if !p.got(tComma) {
				break
			}
		}
		p.expect(tRBrace, "to close named arguments")
		p.expect(tRParen, "to close argument list")
		return args
	}
	for p.kind() != tRParen && p.kind() != tEOF {
		e := p.parseExpression()
		args = append(args, e)
		if _, bad := e.(*BadExpression); bad {
			break
		}
		if !p.got(tComma) {
			break
		}
	}
	p.expect(tRParen, "to close argument list")
	return args
}

func (p *parser) parsePrimary() Expression {
	t := p.tok()
	start := tokPos(t)
	switch t.kind {
	case tIdent:
		p.next()
		return &Identifier{base: base{tokSpan(p, t)}, Name: p.str(t)}
	case tNumber:
		p.next()
		l := &Literal{Kind: "number", Value: p.str(t)}
		if u := p.tok(); u.kind == tIdent && isNumberUnit(p.text(u)) {
			l.Subdenomination = p.str(u)
			p.next()
		}
		l.Src = p.span(start)
		return l
	case tString, tHexString, tUniString:
		return p.parseStringLiteral()
	case kwTrue, kwFalse:
		p.next()
		return &Literal{base: base{tokSpan(p, t)}, Kind: "bool", Value: p.str(t)}
	case tElemType:
		p.next()
		et := &ElementaryTypeName{Name: p.str(t)}
		// `address payable` as a type inside an expression (declarations,
		// abi.decode type lists); `address payable(x)` does not exist.
		if et.Name == "address" && p.kind() == kwPayable && p.peek(1) != tLParen {
			et.Payable = true
			p.next()
		}
		et.Src = p.span(start)
		return &ElementaryTypeNameExpression{base: base{et.Src}, TypeName: et}
	case kwPayable:
		p.next()
		et := &ElementaryTypeName{base: base{tokSpan(p, t)}, Name: "address", Payable: true}
		return &ElementaryTypeNameExpression{base: et.base, TypeName: et}
	case kwType:
		p.next()
		return &Identifier{base: base{tokSpan(p, t)}, Name: "type"}
	case kwNew:
		p.next()
		n := &NewExpression{TypeName: p.parseTypeName()}
		if n.TypeName == nil {
			return p.bad(start)
		}
		n.Src = p.span(start)
		return n
	case tLParen, tLBrack:
		return p.parseTuple()
	case kwMapping, kwFunction:
		tn := p.parseTypeName()
		if tn == nil {
			return p.bad(start)
		}
		return &TypeExpression{base: base{p.span(start)}, TypeName: tn}
	}
	p.errorExpected("expression", "")
	return p.bad(start)
}

// parseStringLiteral joins adjacent literals of one kind ("a" "b") into one.
func (p *parser) parseStringLiteral() *Literal {
	t := p.tok()
	start := tokPos(t)
	k := t.kind
	l := &Literal{Kind: "string"}
	switch k {
	case tHexString:
		l.Kind = "hexString"
	case tUniString:
		l.Kind = "unicodeString"
	}
	l.Value = p.stringValue(t)
	p.next()
	for p.kind() == k {
		l.Value += p.stringValue(p.tok())
		p.next()
	}
	l.Src = p.span(start)
	return l
}

// parseTuple parses `(a, , b)`, a parenthesised expression (a one-element
// tuple, as solc represents it) or an inline array `[a, b]`.
func (p *parser) parseTuple() Expression {
	start := p.curPos()
	closeK := tRParen
	what := "to close parenthesised expression"
	te := &TupleExpression{Components: []Expression{}}
	if p.kind() == tLBrack {
		closeK = tRBrack
		what = "to close inline array"
		te.IsInlineArray = true
	}
	p.next()
	if p.kind() != closeK {
		for {
			if p.kind() == tComma || p.kind() == closeK {
				te.Components = append(te.Components, nil)
			} else {
				e := p.parseExpression()
				te.Components = append(te.Components, e)
				if _, bad := e.(*BadExpression); bad {
					break
				}
			}
			if !p.got(tComma) {
				break
			}
			if p.kind() == closeK {
				te.Components = append(te.Components, nil)
				break
			}
		}
	}
	p.expect(closeK, what)
	te.Src = p.span(start)
	return te
}
