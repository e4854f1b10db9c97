package solidity

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes the parser panic (the recover in
// Parse would surface as an "internal parser error"), that every node span
// is inside the input with line/column consistent with its offset, and
// that errors come in source order with valid positions.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"pragma solidity ^0.8.0;",
		"contract C { function f() public { x = 1; } }",
		"contract C { function f( { } }",
		"import {a as b} from 'x'; import * as y from \"z\";",
		"contract C { function f() { assembly { switch x case 0 { } default { } } } }",
		"contract C { mapping(address a => uint b) m; uint transient t; }",
		"contract C { function f() { (uint a, , bytes memory b) = g(); a = c ? d : e ** f ** g; } }",
		"using {f as +} for T global; type T is uint;",
		"contract C { function f() { try g() returns (uint) {} catch Error(string memory) {} catch {} } }",
		"/** doc */ contract C { /// x\n uint x; }",
		"contract C layout at 0x10 {}",
		"contract C { function f() { x = unicode\"\\u00e9\" hex\"00\" 1e18 1_000 0x1f; } }",
		"contract \"unterminated",
		"/* unterminated comment",
		"contract C { function f() { " + strings.Repeat("(", 200) + " } }",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/*.sol")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		u, errs := Parse("fuzz.sol", src)
		if u == nil {
			t.Fatal("nil SourceUnit")
		}
		prev := -1
		for _, e := range errs {
			if strings.Contains(e.Msg, "internal parser error") {
				t.Fatalf("parser panicked: %v", e)
			}
			if e.Pos.Offset < prev || e.Pos.Offset > len(src) || e.Pos.Line < 1 || e.Pos.Column < 1 {
				t.Fatalf("error position out of order or range: %v", e)
			}
			prev = e.Pos.Offset
		}
		checkPositions(t, src, u)
		Summarize(u)
	})
}
