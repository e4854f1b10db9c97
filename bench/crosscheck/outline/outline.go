// Package outline holds the JSON shape both sides of the parser cross-check
// produce (our solidity.Summarize and bench/crosscheck/solc-outline.js) and the
// field-by-field comparison between them.
//
// It deliberately depends only on the JSON shape, not on the parser's Go
// types, so the comparison keeps compiling and stays testable while the
// parser evolves.
package outline

import (
	"fmt"
	"slices"
	"strings"
)

// Outline is one source file's declarations, in source order.
type Outline struct {
	Imports       []string   `json:"imports"`
	Contracts     []Contract `json:"contracts"`
	FreeFunctions []Function `json:"freeFunctions"`
}

// Contract is a contract, abstract contract, interface or library.
type Contract struct {
	Name           string          `json:"name"`
	Kind           string          `json:"kind"`
	Bases          []string        `json:"bases"`
	Functions      []Function      `json:"functions"`
	StateVariables []StateVariable `json:"stateVariables"`
	Events         []string        `json:"events"`
	Errors         []string        `json:"errors"`
}

// Function is a function, constructor, fallback, receive or modifier.
type Function struct {
	Kind       string   `json:"kind"`
	Name       string   `json:"name"`
	Visibility string   `json:"visibility"`
	Mutability string   `json:"mutability"`
	Modifiers  []string `json:"modifiers"`
}

// StateVariable is a contract-level variable declaration.
type StateVariable struct {
	Name       string `json:"name"`
	Visibility string `json:"visibility"`
	Mutability string `json:"mutability"`
}

// Mismatch is one field on which the two sides disagree. Contract is empty
// for file-level fields (imports, free functions).
type Mismatch struct {
	File     string
	Contract string
	Field    string
	Ours     string
	Solc     string
}

func (m Mismatch) String() string {
	where := m.File
	if m.Contract != "" {
		where += " " + m.Contract
	}
	return fmt.Sprintf("%s: %s: ours %s, solc %s", where, m.Field, m.Ours, m.Solc)
}

// Stats counts what a comparison looked at. Checks is the number of
// individual field comparisons; Agreed of them matched.
type Stats struct {
	Files     int
	Contracts int
	Functions int
	Checks    int
	Agreed    int
}

// Add accumulates another file's counts.
func (s *Stats) Add(o Stats) {
	s.Files += o.Files
	s.Contracts += o.Contracts
	s.Functions += o.Functions
	s.Checks += o.Checks
	s.Agreed += o.Agreed
}

// Agreement is the share of checks that matched, in percent. An empty
// comparison agrees fully: there was nothing to disagree on.
func (s Stats) Agreement() float64 {
	if s.Checks == 0 {
		return 100
	}
	return 100 * float64(s.Agreed) / float64(s.Checks)
}

type comparer struct {
	file       string
	contract   string
	stats      Stats
	mismatches []Mismatch
}

func (c *comparer) check(field, ours, solc string) {
	c.stats.Checks++
	if ours == solc {
		c.stats.Agreed++
		return
	}
	c.mismatches = append(c.mismatches, Mismatch{File: c.file, Contract: c.contract, Field: field, Ours: ours, Solc: solc})
}

func quoteList(xs []string) string {
	if len(xs) == 0 {
		return "[]"
	}
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func (c *comparer) checkList(field string, ours, solc []string) {
	c.check(field, quoteList(ours), quoteList(solc))
}

// Compare checks ours against solc's outline of the same file and returns
// every disagreement. Members are paired by identity (contract name; a
// function's kind, name and overload number; a variable's name) rather than by
// position, so one missing declaration is reported once instead of shifting
// every later one; order is then checked on its own.
func Compare(file string, ours, solc Outline) ([]Mismatch, Stats) {
	c := &comparer{file: file}
	c.stats.Files = 1
	c.checkList("imports", ours.Imports, solc.Imports)
	c.compareFunctions("freeFunctions", ours.FreeFunctions, solc.FreeFunctions)

	oursByName := map[string]Contract{}
	var oursOrder []string
	for _, k := range ours.Contracts {
		oursByName[k.Name] = k
		oursOrder = append(oursOrder, k.Name)
	}
	var solcOrder []string
	for _, s := range solc.Contracts {
		solcOrder = append(solcOrder, s.Name)
		c.contract = s.Name
		o, ok := oursByName[s.Name]
		if !ok {
			c.check("contract", "missing", "present")
			continue
		}
		c.stats.Contracts++
		c.compareContract(o, s)
	}
	c.contract = ""
	for _, name := range oursOrder {
		if !slices.Contains(solcOrder, name) {
			c.contract = name
			c.check("contract", "present", "missing")
		}
	}
	c.contract = ""
	c.checkList("contract order", oursOrder, solcOrder)
	return c.mismatches, c.stats
}

func (c *comparer) compareContract(o, s Contract) {
	c.check("kind", o.Kind, s.Kind)
	c.checkList("bases", o.Bases, s.Bases)
	c.compareFunctions("functions", o.Functions, s.Functions)

	oursVars := map[string]StateVariable{}
	var oursOrder, solcOrder []string
	for _, v := range o.StateVariables {
		oursVars[v.Name] = v
		oursOrder = append(oursOrder, v.Name)
	}
	for _, sv := range s.StateVariables {
		solcOrder = append(solcOrder, sv.Name)
		ov, ok := oursVars[sv.Name]
		if !ok {
			c.check("stateVariable "+sv.Name, "missing", "present")
			continue
		}
		c.check("stateVariable "+sv.Name+" visibility", ov.Visibility, sv.Visibility)
		c.check("stateVariable "+sv.Name+" mutability", ov.Mutability, sv.Mutability)
	}
	for _, name := range oursOrder {
		if !slices.Contains(solcOrder, name) {
			c.check("stateVariable "+name, "present", "missing")
		}
	}
	c.checkList("stateVariables order", oursOrder, solcOrder)
	c.checkList("events", o.Events, s.Events)
	c.checkList("errors", o.Errors, s.Errors)
}

// functionKeys names each function by kind, name and, for overloads and
// repeated kinds, its occurrence number: "function transfer#2".
func functionKeys(fs []Function) []string {
	seen := map[string]int{}
	keys := make([]string, len(fs))
	for i, f := range fs {
		base := f.Kind
		if f.Name != "" {
			base += " " + f.Name
		}
		seen[base]++
		if n := seen[base]; n > 1 {
			base = fmt.Sprintf("%s#%d", base, n)
		}
		keys[i] = base
	}
	return keys
}

func (c *comparer) compareFunctions(field string, ours, solc []Function) {
	oursKeys, solcKeys := functionKeys(ours), functionKeys(solc)
	byKey := map[string]Function{}
	for i, f := range ours {
		byKey[oursKeys[i]] = f
	}
	for i, s := range solc {
		key := solcKeys[i]
		o, ok := byKey[key]
		if !ok {
			c.check(key, "missing", "present")
			continue
		}
		c.stats.Functions++
		c.check(key+" visibility", o.Visibility, s.Visibility)
		c.check(key+" mutability", o.Mutability, s.Mutability)
		c.checkList(key+" modifiers", o.Modifiers, s.Modifiers)
	}
	for _, key := range oursKeys {
		if !slices.Contains(solcKeys, key) {
			c.check(key, "present", "missing")
		}
	}
	c.checkList(field+" order", oursKeys, solcKeys)
}
