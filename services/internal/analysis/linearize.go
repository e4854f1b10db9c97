package analysis

import (
	"strings"
)

// linearize computes c.Linearization with C3, the algorithm solc uses:
// L(C) = C + merge(L(Bn), ..., L(B1), [Bn, ..., B1]) where bases are listed
// from most base-like to most derived (`is B1, B2` means B2 overrides B1).
// An impossible hierarchy keeps [C] and records a diagnostic.
func (p *Project) linearize(c *Contract) []*Contract {
	if c.Linearization != nil {
		return c.Linearization
	}
	// Mark as in progress so that a cycle (A is B, B is A) ends here.
	c.Linearization = []*Contract{c}
	var seqs [][]*Contract
	for i := len(c.Bases) - 1; i >= 0; i-- {
		l := p.linearize(c.Bases[i])
		seqs = append(seqs, append([]*Contract(nil), l...))
	}
	direct := make([]*Contract, 0, len(c.Bases))
	for i := len(c.Bases) - 1; i >= 0; i-- {
		direct = append(direct, c.Bases[i])
	}
	seqs = append(seqs, direct)
	out := []*Contract{c}
	for {
		seqs = dropEmpty(seqs)
		if len(seqs) == 0 {
			break
		}
		var next *Contract
		for _, s := range seqs {
			cand := s[0]
			if !inAnyTail(cand, seqs) {
				next = cand
				break
			}
		}
		if next == nil {
			var names []string
			for _, b := range c.Bases {
				names = append(names, b.Name)
			}
			p.Diagnostics = append(p.Diagnostics, Diagnostic{
				File: c.File.Path, Line: c.Def.Pos().Line, Column: c.Def.Pos().Column, Kind: DiagInheritance,
				Message: "linearization of inheritance graph impossible for contract " + c.Name +
					" (bases " + strings.Join(names, ", ") + "): list bases from the most base-like to the most derived",
			})
			c.Linearization = []*Contract{c}
			return c.Linearization
		}
		if next == c {
			// c reaches itself through its bases: a cycle.
			p.Diagnostics = append(p.Diagnostics, Diagnostic{
				File: c.File.Path, Line: c.Def.Pos().Line, Column: c.Def.Pos().Column, Kind: DiagInheritance,
				Message: "contract " + c.Name + " inherits from itself",
			})
			c.Linearization = []*Contract{c}
			return c.Linearization
		}
		out = append(out, next)
		for i, s := range seqs {
			if s[0] == next {
				seqs[i] = s[1:]
			}
		}
	}
	c.Linearization = out
	return out
}

func dropEmpty(seqs [][]*Contract) [][]*Contract {
	out := seqs[:0]
	for _, s := range seqs {
		if len(s) > 0 {
			out = append(out, s)
		}
	}
	return out
}

func inAnyTail(c *Contract, seqs [][]*Contract) bool {
	for _, s := range seqs {
		for _, x := range s[1:] {
			if x == c {
				return true
			}
		}
	}
	return false
}
