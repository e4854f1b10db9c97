package analysis

import (
	"strings"

	"github.com/solsec/platform/services/internal/solidity"
)

// buildScopes computes, for every file, the contract names it can see: its
// own contracts and those its imports bring in, transitively, under their
// aliases. Solidity's `import "x";` exports everything x itself sees, so the
// scope of a file includes its imports' scopes.
func (p *Project) buildScopes() {
	p.fileScopes = map[*File]map[string]*Contract{}
	var visit func(f *File) map[string]*Contract
	visiting := map[*File]bool{}
	visit = func(f *File) map[string]*Contract {
		if s, ok := p.fileScopes[f]; ok {
			return s
		}
		s := map[string]*Contract{}
		if visiting[f] {
			return s // import cycle: what the cycle adds is picked up by the outer visit
		}
		visiting[f] = true
		for _, n := range f.AST.Nodes {
			imp, ok := n.(*solidity.ImportDirective)
			if !ok {
				continue
			}
			t := f.importAt[imp]
			if t == nil {
				continue
			}
			ts := visit(t)
			switch {
			case len(imp.Symbols) > 0:
				for _, sym := range imp.Symbols {
					if c := ts[sym.Name]; c != nil {
						name := sym.Name
						if sym.Alias != "" {
							name = sym.Alias
						}
						s[name] = c
					}
				}
			case imp.UnitAlias != "":
				for name, c := range ts {
					s[imp.UnitAlias+"."+name] = c
				}
			default:
				for name, c := range ts {
					s[name] = c
				}
			}
		}
		for _, n := range f.AST.Nodes {
			if d, ok := n.(*solidity.ContractDefinition); ok {
				s[d.Name] = p.contractOf[d]
			}
		}
		visiting[f] = false
		p.fileScopes[f] = s
		return s
	}
	for _, f := range p.Files {
		visit(f)
	}
}

// lookupContract resolves a contract name as written in file f: through the
// file's scope, and, when imports are missing, by a project-wide unique name.
func (p *Project) lookupContract(f *File, name string) *Contract {
	if c := p.fileScopes[f][name]; c != nil {
		return c
	}
	short := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		short = name[i+1:]
		if c := p.fileScopes[f][short]; c != nil {
			return c
		}
	}
	if cs := p.byName[short]; len(cs) >= 1 {
		return cs[0]
	}
	return nil
}
