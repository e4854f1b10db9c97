package solidity

// ---- source unit ----

func (p *parser) parseSourceUnit() *SourceUnit {
	u := &SourceUnit{File: p.file, Nodes: []Node{}}
	start := p.curPos()
	for p.kind() != tEOF {
		before := p.i
		if n := p.parseTopLevel(); n != nil {
			u.Nodes = append(u.Nodes, n)
		}
		if p.i == before {
			p.next()
			p.skipTo(p.atTopLevelStart)
		}
	}
	// Like solc, the unit spans from its first token to the end of the file.
	u.Src = Span{Start: start, End: p.endOf(p.tok())}
	return u
}

func (p *parser) parseTopLevel() Node {
	switch p.kind() {
	case kwPragma:
		return p.parsePragma()
	case kwImport:
		return p.parseImport()
	case kwContract, kwInterface, kwLibrary, kwAbstract:
		return p.parseContract()
	case kwFunction:
		return p.parseFunction(nil)
	case kwStruct:
		return p.parseStruct()
	case kwEnum:
		return p.parseEnum()
	case kwEvent:
		return p.parseEvent()
	case kwUsing:
		return p.parseUsing()
	case kwType:
		if p.peek(1) == tIdent && p.peek(2) == kwIs {
			return p.parseUserDefinedValueType()
		}
	case tIdent:
		if p.is("error") && p.peek(1) == tIdent && p.peek(2) == tLParen {
			return p.parseError()
		}
	case tSemi:
		p.errorAt(p.curPos(), "unexpected ';' at file level")
		p.next()
		return nil
	}
	if p.startsType() {
		// File-level constant: `uint constant X = 1;`.
		return p.parseStateVariable()
	}
	p.errorExpected("pragma, import, contract, interface, library, function, struct, enum, event, error, using or constant", "at file level")
	return nil
}

// startsType reports whether the current token can begin a type name.
func (p *parser) startsType() bool {
	switch p.kind() {
	case tElemType, tIdent, kwMapping:
		return true
	case kwFunction:
		return p.peek(1) == tLParen
	}
	return false
}

func (p *parser) parsePragma() *PragmaDirective {
	start := p.curPos()
	p.next()
	d := &PragmaDirective{}
	if p.kind() == tPragmaValue {
		raw := p.text(p.tok())
		// The name is the first word; the value is the rest, trimmed.
		i := 0
		for i < len(raw) && raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\n' && raw[i] != '\r' {
			i++
		}
		d.Name = string(raw[:i])
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
			i++
		}
		d.Value = string(raw[i:])
		p.next()
	} else {
		p.errorExpected("pragma name", "after 'pragma'")
	}
	p.expect(tSemi, "after pragma directive")
	d.Src = p.span(start)
	return d
}

// stringValue returns a string literal token's contents without quotes.
func (p *parser) stringValue(t *token) string {
	b := p.s[t.off:t.end]
	switch t.kind {
	case tHexString:
		b = b[3:]
	case tUniString:
		b = b[7:]
	}
	if len(b) >= 2 && b[len(b)-1] == b[0] {
		return b[1 : len(b)-1]
	}
	if len(b) >= 1 {
		return b[1:] // unterminated; already reported by the lexer
	}
	return ""
}

func (p *parser) parseImport() *ImportDirective {
	start := p.curPos()
	p.next()
	d := &ImportDirective{}
	switch p.kind() {
	case tString:
		d.Path = p.stringValue(p.tok())
		p.next()
		if p.got(kwAs) {
			d.UnitAlias, _, _ = p.expectName("after 'as' in import")
		}
	case tMul:
		p.next()
		p.expect(kwAs, "after '*' in import")
		d.UnitAlias, _, _ = p.expectName("after 'as' in import")
		p.parseImportFrom(d)
	case tLBrace:
		p.next()
		d.Symbols = []*ImportSymbol{}
		for p.kind() != tRBrace && p.kind() != tEOF {
			sStart := p.curPos()
			name, _, ok := p.expectName("in import symbol list")
			if !ok {
				break
			}
			s := &ImportSymbol{Name: name}
			if p.got(kwAs) {
				s.Alias, _, _ = p.expectName("after 'as' in import")
			}
			s.Src = p.span(sStart)
			d.Symbols = append(d.Symbols, s)
			if !p.got(tComma) {
				break
			}
		}
		p.expect(tRBrace, "to close import symbol list")
		p.parseImportFrom(d)
	case tIdent:
		// Pre-0.5 form `import X from "p";` is not Solidity; report clearly.
		p.errorExpected("import path string, '*' or '{'", "after 'import'")
		p.skipTo(nil)
		d.Src = p.span(start)
		return d
	default:
		p.errorExpected("import path string, '*' or '{'", "after 'import'")
	}
	p.expect(tSemi, "after import directive")
	d.Src = p.span(start)
	return d
}

func (p *parser) parseImportFrom(d *ImportDirective) {
	if !p.is("from") {
		p.errorExpected("'from'", "in import directive")
		return
	}
	p.next()
	if p.kind() != tString {
		p.errorExpected("import path string", "after 'from'")
		return
	}
	d.Path = p.stringValue(p.tok())
	p.next()
}

// ---- contracts ----

func (p *parser) parseContract() *ContractDefinition {
	first := p.tok()
	start := tokPos(first)
	c := &ContractDefinition{BaseContracts: []*InheritanceSpecifier{}, Nodes: []Node{}, Documentation: p.docFor(first)}
	if d := c.Documentation; d != nil && d.Src.End.Offset < len(p.src) && p.src[d.Src.End.Offset] == '\n' &&
		p.src[d.Src.Start.Offset+2] == '/' {
		// solc's span of a contract's `///` comment includes the newline.
		d.Src.End = Position{Offset: d.Src.End.Offset + 1, Line: d.Src.End.Line + 1, Column: 1}
	}
	if p.got(kwAbstract) {
		c.Abstract = true
		if p.kind() != kwContract {
			p.errorExpected("'contract'", "after 'abstract'")
		}
	}
	switch p.kind() {
	case kwContract, kwInterface, kwLibrary:
		c.ContractKind = p.str(p.tok())
		p.next()
	default:
		c.ContractKind = "contract"
	}
	c.Name, c.NameSrc, _ = p.expectName("after '" + c.ContractKind + "'")
	for {
		if p.got(kwIs) {
			for {
				c.BaseContracts = append(c.BaseContracts, p.parseInheritanceSpecifier())
				if !p.got(tComma) {
					break
				}
			}
			continue
		}
		if p.is("layout") && p.peekIs(1, "at") {
			p.next()
			p.next()
			c.Layout = p.parseExpression()
			continue
		}
		break
	}
	outer := p.contract
	p.contract = c
	if p.expect(tLBrace, "to open the body of "+c.ContractKind+" "+c.Name) {
	body:
		for {
			for p.kind() != tRBrace && p.kind() != tEOF {
				before := p.i
				m, stop := p.parseContractMember()
				if m != nil {
					c.Nodes = append(c.Nodes, m)
				}
				if stop {
					break body
				}
				if p.i == before {
					p.next()
					p.skipTo(p.atMemberStart)
				}
			}
			if p.kind() == tRBrace && p.memberFollowsBrace() {
				// A damaged struct or function left an extra '}'; closing the
				// contract here would turn the remaining members into errors.
				p.errorAt(p.curPos(), "unexpected '}': more members of "+c.ContractKind+" "+c.Name+" follow it")
				p.next()
				continue
			}
			break
		}
		p.expect(tRBrace, "to close "+c.ContractKind+" "+c.Name)
	} else {
		p.skipTo(p.atTopLevelStart)
	}
	p.contract = outer
	c.Src = p.span(start)
	return c
}

func (p *parser) parseInheritanceSpecifier() *InheritanceSpecifier {
	start := p.curPos()
	s := &InheritanceSpecifier{BaseName: p.parseIdentifierPath("base contract name")}
	if p.kind() == tLParen {
		s.HasArgs = true
		s.Arguments = p.parseCallArguments(nil)
	}
	s.Src = p.span(start)
	return s
}

// parseIdentifierPath parses `a.b.c`.
func (p *parser) parseIdentifierPath(what string) *IdentifierPath {
	start := p.curPos()
	if p.kind() != tIdent {
		p.errorExpected(what, "")
		return &IdentifierPath{base: base{Src: Span{Start: start, End: start}}}
	}
	from := p.tok().off
	p.next()
	for p.kind() == tDot && p.peek(1).isWord() {
		p.next()
		p.next()
	}
	return &IdentifierPath{base: base{Src: p.span(start)}, Name: p.s[from:p.toks[p.i-1].end]}
}

// parseContractMember parses one member of a contract body. stop is true
// when the body evidently ended without its '}' (a new top-level
// declaration starts), so the caller should unwind.
func (p *parser) parseContractMember() (Node, bool) {
	switch p.kind() {
	case kwFunction:
		if p.peek(1) == tLParen && p.functionTypeVariableAhead() {
			return p.parseStateVariable(), false
		}
		return p.parseFunction(p.contract), false
	case kwConstructor:
		return p.parseFunction(p.contract), false
	case kwModifier:
		return p.parseModifier(), false
	case kwEvent:
		return p.parseEvent(), false
	case kwStruct:
		return p.parseStruct(), false
	case kwEnum:
		return p.parseEnum(), false
	case kwUsing:
		return p.parseUsing(), false
	case kwType:
		if p.peek(1) == tIdent && p.peek(2) == kwIs {
			return p.parseUserDefinedValueType(), false
		}
	case tIdent:
		if (p.is("receive") || p.is("fallback")) && p.peek(1) == tLParen {
			return p.parseFunction(p.contract), false
		}
		if p.is("error") && p.peek(1) == tIdent && p.peek(2) == tLParen {
			return p.parseError(), false
		}
	case tSemi:
		p.errorAt(p.curPos(), "unexpected ';' in contract body")
		p.next()
		return nil, false
	}
	if p.startsUnit() {
		p.errorExpected("'}'", "to close "+p.contract.ContractKind+" "+p.contract.Name)
		return nil, true
	}
	if p.startsType() {
		return p.parseStateVariable(), false
	}
	p.errorExpected("function, modifier, event, error, struct, enum, using or state variable declaration", "in "+p.contract.ContractKind+" "+p.contract.Name)
	return nil, false
}

// memberFollowsBrace reports whether the token after the current '}' can
// only start a contract member (a modifier, constructor, receive/fallback, or
// a function or state variable with visibility or override attributes, which
// file-level declarations cannot have).
func (p *parser) memberFollowsBrace() bool {
	save := p.i
	defer func() { p.i = save }()
	p.next()
	switch p.kind() {
	case kwModifier, kwConstructor:
		return true
	case tIdent:
		if (p.is("receive") || p.is("fallback")) && p.peek(1) == tLParen {
			return true
		}
	}
	if p.kind() != kwFunction && !p.startsType() {
		return false
	}
	for n := 0; n < 64; n++ {
		switch p.kind() {
		case kwPublic, kwPrivate, kwExternal, kwInternal, kwVirtual, kwOverride, kwImmutable:
			return true
		case tLBrace, tSemi, tRBrace, tEOF:
			return false
		}
		p.next()
	}
	return false
}

// startsUnit reports whether the current token begins something that only
// exists at file level: a pragma, an import or a contract header such as
// `contract Name {` or `abstract contract Name is`. A bare word `contract`
// (say, from comment text that lost its opening '/*') does not count.
func (p *parser) startsUnit() bool {
	i := 0
	switch p.kind() {
	case kwPragma:
		return true
	case kwImport:
		k := p.peek(1)
		return k == tString || k == tLBrace || k == tMul
	case kwAbstract:
		if p.peek(1) != kwContract {
			return false
		}
		i = 1
	case kwContract, kwInterface, kwLibrary:
	default:
		return false
	}
	if p.peek(i+1) != tIdent {
		return false
	}
	k := p.peek(i + 2)
	return k == tLBrace || k == kwIs || p.peekIs(i+2, "layout")
}

// functionTypeVariableAhead decides, at `function (`, between a state
// variable of function type and a pre-0.6 unnamed fallback function by
// trying the variable form.
func (p *parser) functionTypeVariableAhead() bool {
	s := p.save()
	defer p.restore(s)
	p.parseTypeName()
	for {
		switch p.kind() {
		case kwPublic, kwPrivate, kwInternal, kwConstant, kwImmutable:
			p.next()
			continue
		}
		break
	}
	return len(p.errs) == s.nerrs && p.kind() == tIdent
}

// ---- functions and modifiers ----

func (p *parser) parseFunction(c *ContractDefinition) *FunctionDefinition {
	first := p.tok()
	start := tokPos(first)
	f := &FunctionDefinition{Kind: FuncFunction, Modifiers: []*ModifierInvocation{}, Documentation: p.docFor(first)}
	switch {
	case p.kind() == kwConstructor:
		f.Kind = FuncConstructor
		f.NameSrc = tokSpan(p, first)
		p.next()
	case p.kind() == tIdent: // receive / fallback without 'function'
		f.Kind = p.str(first)
		f.NameSrc = tokSpan(p, first)
		p.next()
	default:
		p.next() // 'function'
		switch p.kind() {
		case tIdent:
			f.Name, f.NameSrc, _ = p.expectName("")
			if c != nil && f.Name == c.Name && c.ContractKind == "contract" {
				f.Kind = FuncConstructor // pre-0.4.22 constructor
			}
		case tLParen:
			f.Kind = FuncFallback // pre-0.6 `function () payable { }`
			f.NameSrc = Span{Start: p.curPos(), End: p.curPos()}
		default:
			if p.kind().isWord() {
				// A keyword as a function name: report, but keep the function.
				p.errorExpected("function name", "after 'function'")
				f.Name, f.NameSrc = p.str(p.tok()), tokSpan(p, p.tok())
				p.next()
			} else {
				p.errorExpected("function name", "after 'function'")
			}
		}
		if c == nil && f.Kind == FuncFunction {
			f.Kind = FuncFree
		}
	}
	f.Parameters = p.parseParameterList("function parameters")
	p.parseFunctionAttributes(f)
	if p.got(kwReturns) {
		f.ReturnParams = p.parseParameterList("return parameters")
		p.parseFunctionAttributes(f) // pre-0.5 code sometimes puts modifiers after returns
	}
	switch p.kind() {
	case tSemi:
		p.next()
	case tLBrace:
		f.Body = p.parseBlock()
	default:
		p.errorExpected("'{' or ';'", "after function header")
		// Skip a damaged header but keep the body when one follows.
		for !p.atMemberStart() && p.kind() != tLBrace && p.kind() != tRBrace && p.kind() != tSemi && p.kind() != tEOF {
			p.next()
		}
		if p.kind() == tLBrace {
			f.Body = p.parseBlock()
		} else {
			p.got(tSemi)
		}
	}
	f.Src = p.span(start)
	return f
}

// parseFunctionAttributes parses visibility, mutability, virtual, override
// and modifier invocations in any order.
func (p *parser) parseFunctionAttributes(f *FunctionDefinition) {
	for {
		t := p.tok()
		switch t.kind {
		case kwPublic, kwPrivate, kwInternal, kwExternal:
			if f.Visibility != "" {
				p.errorAt(tokPos(t), "visibility already specified as '"+f.Visibility+"'")
			}
			f.Visibility = p.str(t)
			p.next()
		case kwPure, kwView, kwPayable, kwConstant:
			if f.StateMutability != "" {
				p.errorAt(tokPos(t), "state mutability already specified as '"+f.StateMutability+"'")
			}
			f.StateMutability = p.str(t)
			p.next()
		case kwVirtual:
			f.Virtual = true
			p.next()
		case kwOverride:
			f.Override = p.parseOverride()
		case tIdent:
			f.Modifiers = append(f.Modifiers, p.parseModifierInvocation())
		default:
			return
		}
	}
}

func (p *parser) parseOverride() *OverrideSpecifier {
	start := p.curPos()
	p.next()
	o := &OverrideSpecifier{Overrides: []*IdentifierPath{}}
	if p.got(tLParen) {
		for p.kind() != tRParen && p.kind() != tEOF {
			o.Overrides = append(o.Overrides, p.parseIdentifierPath("contract name in override list"))
			if !p.got(tComma) {
				break
			}
		}
		p.expect(tRParen, "to close override list")
	}
	o.Src = p.span(start)
	return o
}

func (p *parser) parseModifierInvocation() *ModifierInvocation {
	start := p.curPos()
	m := &ModifierInvocation{Name: p.parseIdentifierPath("modifier name")}
	if p.kind() == tLParen {
		m.HasArgs = true
		m.Arguments = p.parseCallArguments(nil)
	}
	m.Src = p.span(start)
	return m
}

func (p *parser) parseModifier() *ModifierDefinition {
	first := p.tok()
	start := tokPos(first)
	p.next()
	m := &ModifierDefinition{Documentation: p.docFor(first)}
	m.Name, m.NameSrc, _ = p.expectName("after 'modifier'")
	if p.kind() == tLParen {
		m.Parameters = p.parseParameterList("modifier parameters")
	} else {
		m.Parameters = &ParameterList{base: base{Src: Span{Start: p.curPos(), End: p.curPos()}}, Parameters: []*VariableDeclaration{}}
	}
	for {
		switch p.kind() {
		case kwVirtual:
			m.Virtual = true
			p.next()
			continue
		case kwOverride:
			m.Override = p.parseOverride()
			continue
		}
		break
	}
	switch p.kind() {
	case tSemi:
		p.next()
	case tLBrace:
		m.Body = p.parseBlock()
	default:
		p.errorExpected("'{' or ';'", "after modifier header")
	}
	m.Src = p.span(start)
	return m
}

// parseParameterList parses `(T [location] [indexed] [name], ...)`.
// `indexed` is accepted anywhere (the checker, not the parser, restricts it
// to events); names are always optional.
func (p *parser) parseParameterList(what string) *ParameterList {
	start := p.curPos()
	l := &ParameterList{Parameters: []*VariableDeclaration{}}
	if !p.expect(tLParen, "to open "+what) {
		l.Src = p.span(start)
		return l
	}
	for p.kind() != tRParen && p.kind() != tEOF {
		pStart := p.curPos()
		v := &VariableDeclaration{TypeName: p.parseTypeName()}
		if v.TypeName == nil {
			break
		}
		for {
			switch p.kind() {
			case kwMemory, kwStorage, kwCalldata:
				v.Location = p.str(p.tok())
				p.next()
				continue
			case kwIndexed:
				v.Indexed = true
				p.next()
				continue
			}
			break
		}
		if p.kind() == tIdent {
			v.Name, v.NameSrc, _ = p.expectName("")
		} else {
			v.NameSrc = Span{Start: p.curPos(), End: p.curPos()}
		}
		v.Src = p.span(pStart)
		l.Parameters = append(l.Parameters, v)
		if !p.got(tComma) {
			break
		}
	}
	if !p.expect(tRParen, "to close "+what) {
		// Skip to the closing parenthesis of this list, if it is near.
		for depth := 0; p.kind() != tEOF && p.kind() != tLBrace && p.kind() != tSemi && p.kind() != tRBrace; p.next() {
			if p.kind() == tLParen {
				depth++
			} else if p.kind() == tRParen {
				if depth == 0 {
					p.next()
					break
				}
				depth--
			}
		}
	}
	l.Src = p.span(start)
	return l
}

// ---- other declarations ----

func (p *parser) parseEvent() *EventDefinition {
	first := p.tok()
	start := tokPos(first)
	p.next()
	e := &EventDefinition{Documentation: p.docFor(first)}
	e.Name, e.NameSrc, _ = p.expectName("after 'event'")
	e.Parameters = p.parseParameterList("event parameters")
	if p.got(kwAnonymous) {
		e.Anonymous = true
	}
	p.expect(tSemi, "after event declaration")
	e.Src = p.span(start)
	return e
}

func (p *parser) parseError() *ErrorDefinition {
	first := p.tok()
	start := tokPos(first)
	p.next()
	e := &ErrorDefinition{Documentation: p.docFor(first)}
	e.Name, e.NameSrc, _ = p.expectName("after 'error'")
	e.Parameters = p.parseParameterList("error parameters")
	p.expect(tSemi, "after error declaration")
	e.Src = p.span(start)
	return e
}

func (p *parser) parseStruct() *StructDefinition {
	first := p.tok()
	start := tokPos(first)
	p.next()
	s := &StructDefinition{Members: []*VariableDeclaration{}, Documentation: p.docFor(first)}
	s.Name, s.NameSrc, _ = p.expectName("after 'struct'")
	if p.expect(tLBrace, "to open struct "+s.Name) {
		for p.kind() != tRBrace && p.kind() != tEOF {
			before := p.i
			mStart := p.curPos()
			v := &VariableDeclaration{TypeName: p.parseTypeName()}
			if v.TypeName != nil {
				v.Name, v.NameSrc, _ = p.expectName("for struct member")
				v.Src = p.span(mStart)
				p.expect(tSemi, "after struct member")
				s.Members = append(s.Members, v)
			}
			if p.i == before {
				p.skipTo(nil)
				if p.i == before {
					break
				}
			}
		}
		p.expect(tRBrace, "to close struct "+s.Name)
	}
	s.Src = p.span(start)
	return s
}

func (p *parser) parseEnum() *EnumDefinition {
	first := p.tok()
	start := tokPos(first)
	p.next()
	e := &EnumDefinition{Members: []*EnumValue{}, Documentation: p.docFor(first)}
	e.Name, e.NameSrc, _ = p.expectName("after 'enum'")
	if p.expect(tLBrace, "to open enum "+e.Name) {
		for p.kind() != tRBrace && p.kind() != tEOF {
			name, sp, ok := p.expectName("for enum member")
			if !ok {
				break
			}
			e.Members = append(e.Members, &EnumValue{base: base{Src: sp}, Name: name})
			if !p.got(tComma) {
				break
			}
		}
		if !p.expect(tRBrace, "to close enum "+e.Name) {
			p.skipTo(nil)
			p.got(tRBrace)
		}
	}
	e.Src = p.span(start)
	return e
}

func (p *parser) parseUserDefinedValueType() *UserDefinedValueTypeDefinition {
	start := p.curPos()
	p.next() // type
	d := &UserDefinedValueTypeDefinition{}
	d.Name, d.NameSrc, _ = p.expectName("after 'type'")
	p.expect(kwIs, "after user-defined value type name")
	d.UnderlyingType = p.parseTypeName()
	p.expect(tSemi, "after user-defined value type definition")
	d.Src = p.span(start)
	return d
}

// userOperators are the operators a `using {f as op} for T global` may bind.
var userOperators = map[tokKind]bool{
	tBitOr: true, tBitAnd: true, tBitXor: true, tBitNot: true, tAdd: true, tSub: true,
	tMul: true, tDiv: true, tMod: true, tEq: true, tNe: true, tLt: true, tGt: true,
	tLe: true, tGe: true,
}

func (p *parser) parseUsing() *UsingForDirective {
	start := p.curPos()
	p.next()
	d := &UsingForDirective{}
	if p.got(tLBrace) {
		d.FunctionList = []*UsingForFunction{}
		for p.kind() != tRBrace && p.kind() != tEOF {
			fStart := p.curPos()
			f := &UsingForFunction{Function: p.parseIdentifierPath("function name in using-for list")}
			if p.got(kwAs) {
				if userOperators[p.kind()] {
					f.Operator = p.str(p.tok())
					p.next()
				} else {
					p.errorExpected("user-definable operator", "after 'as'")
				}
			}
			f.Src = p.span(fStart)
			d.FunctionList = append(d.FunctionList, f)
			if !p.got(tComma) {
				break
			}
		}
		p.expect(tRBrace, "to close using-for function list")
	} else {
		d.LibraryName = p.parseIdentifierPath("library name after 'using'")
	}
	p.expect(kwFor, "in using-for directive")
	if !p.got(tMul) {
		d.TypeName = p.parseTypeName()
	}
	if p.is("global") {
		d.Global = true
		p.next()
	}
	p.expect(tSemi, "after using-for directive")
	d.Src = p.span(start)
	return d
}

// parseStateVariable parses a state variable or a file-level constant
// (which, as in solc, is not marked StateVariable).
func (p *parser) parseStateVariable() *VariableDeclaration {
	first := p.tok()
	start := tokPos(first)
	v := &VariableDeclaration{StateVariable: p.contract != nil, Documentation: p.docFor(first)}
	v.TypeName = p.parseTypeName()
	if v.TypeName == nil {
		p.skipTo(p.atMemberStart)
		v.Src = p.span(start)
		return v
	}
loop:
	for {
		t := p.tok()
		switch t.kind {
		case kwPublic, kwPrivate, kwInternal:
			if v.Visibility != "" {
				p.errorAt(tokPos(t), "visibility already specified as '"+v.Visibility+"'")
			}
			v.Visibility = p.str(t)
		case kwConstant:
			v.Constant = true
		case kwImmutable:
			v.Immutable = true
		case kwOverride:
			v.Override = p.parseOverride()
			continue
		case tIdent:
			// `transient` is contextual: it is the data location only when
			// a name (or another attribute) follows.
			if p.is("transient") && p.peek(1).isWord() {
				v.Transient = true
				break
			}
			break loop
		default:
			break loop
		}
		p.next()
	}
	v.Name, v.NameSrc, _ = p.expectName("for state variable name")
	if p.got(tAssign) {
		v.Value = p.parseExpression()
	}
	v.Src = p.span(start) // excludes the ';', as in solc
	if !p.expect(tSemi, "after state variable declaration") {
		p.skipTo(p.atMemberStart)
	}
	return v
}

// ---- type names ----

// parseTypeName parses a type; it reports an error and returns nil when
// the current token cannot begin one.
func (p *parser) parseTypeName() TypeName {
	if !p.enter() {
		return nil
	}
	defer p.leave()
	start := p.curPos()
	var t TypeName
	switch p.kind() {
	case tElemType:
		e := &ElementaryTypeName{Name: p.str(p.tok())}
		p.next()
		if e.Name == "address" && p.kind() == kwPayable {
			e.Payable = true
			p.next()
		}
		e.Src = p.span(start)
		t = e
	case tIdent:
		path := p.parseIdentifierPath("type name")
		t = &UserDefinedTypeName{base: path.base, Name: path.Name}
	case kwMapping:
		t = p.parseMapping()
	case kwFunction:
		t = p.parseFunctionType()
	default:
		p.errorExpected("type name", "")
		return nil
	}
	for p.kind() == tLBrack {
		p.next()
		a := &ArrayTypeName{BaseType: t}
		if p.kind() != tRBrack {
			a.Length = p.parseExpression()
		}
		p.expect(tRBrack, "to close array type")
		a.Src = p.span(start)
		t = a
	}
	return t
}

func (p *parser) parseMapping() *Mapping {
	start := p.curPos()
	p.next()
	m := &Mapping{}
	p.expect(tLParen, "after 'mapping'")
	m.KeyType = p.parseTypeName()
	if p.kind() == tIdent {
		m.KeyName, _, _ = p.expectName("")
	}
	p.expect(tArrow, "after mapping key type")
	m.ValueType = p.parseTypeName()
	if p.kind() == tIdent {
		m.ValueName, _, _ = p.expectName("")
	}
	p.expect(tRParen, "to close mapping type")
	m.Src = p.span(start)
	return m
}

func (p *parser) parseFunctionType() *FunctionTypeName {
	start := p.curPos()
	p.next()
	f := &FunctionTypeName{Parameters: p.parseParameterList("function type parameters")}
	for {
		t := p.tok()
		switch t.kind {
		case kwInternal, kwExternal:
			f.Visibility = p.str(t)
			p.next()
			continue
		case kwPure, kwView, kwPayable, kwConstant:
			f.StateMutability = p.str(t)
			p.next()
			continue
		}
		break
	}
	if p.got(kwReturns) {
		f.ReturnParams = p.parseParameterList("function type return parameters")
	}
	f.Src = p.span(start)
	return f
}
