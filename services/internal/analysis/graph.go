package analysis

import (
	"cmp"
	"slices"
)

// Edge is a directed edge of one of the project graphs.
type Edge struct {
	From, To, Kind string
}

func sortEdges(es []Edge) []Edge {
	slices.SortFunc(es, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.Kind, b.Kind))
	})
	return slices.Compact(es)
}

// ImportGraph returns file -> imported file edges (Kind "import").
func (p *Project) ImportGraph() []Edge {
	var es []Edge
	for _, f := range p.Files {
		for _, t := range f.Imports {
			es = append(es, Edge{From: f.Path, To: t, Kind: "import"})
		}
	}
	return sortEdges(es)
}

// InheritanceGraph returns contract -> direct base edges (Kind "inherits").
// Contract names are qualified by file when two contracts share a name.
func (p *Project) InheritanceGraph() []Edge {
	var es []Edge
	for _, c := range p.Contracts {
		for _, b := range c.Bases {
			es = append(es, Edge{From: p.contractKey(c), To: p.contractKey(b), Kind: "inherits"})
		}
	}
	return sortEdges(es)
}

// contractKey is the contract's name, or "file:Name" when the name is not
// unique in the project.
func (p *Project) contractKey(c *Contract) string {
	if len(p.byName[c.Name]) > 1 {
		return c.File.Path + ":" + c.Name
	}
	return c.Name
}

// CallGraph returns "Contract.function" -> callee edges. Kind is internal,
// external, library, lowlevel or delegatecall; calls through modifiers are
// edges of the modified function. Builtins and unresolved calls are left out.
func (p *Project) CallGraph() []Edge {
	var es []Edge
	add := func(from string, calls []*Call) {
		for _, c := range calls {
			switch c.Kind {
			case CallInternal, CallExternal, CallLibrary, CallLowLevel, CallDelegatecall:
				es = append(es, Edge{From: from, To: c.Target, Kind: c.Kind})
			}
		}
	}
	for _, f := range p.Functions() {
		from := f.QualifiedName()
		add(from, f.Calls)
		for _, m := range f.Modifiers {
			add(from, m.Calls)
		}
	}
	return sortEdges(es)
}
