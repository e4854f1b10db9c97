package detectors

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/solsec/platform/services/internal/analysis"
)

func TestVersionConstraints(t *testing.T) {
	cases := []struct {
		pragma string
		min    string
		modern bool
	}{
		{"^0.8.20", "0.8.20", true},
		{">=0.4.16", "0.4.16", true},
		{"^0.4.24", "0.4.24", false},
		{"0.4.13", "0.4.13", false},
		{">=0.4.22 <0.6.0", "0.4.22", false},
		{">=0.6.2 <0.9.0", "0.6.2", true},
		{"~0.7.6", "0.7.6", false},
		{"^0.5.0 || ^0.8.0", "0.5.0", true},
		{"0.4.24 - 0.5.2", "0.4.24", false},
	}
	for _, c := range cases {
		t.Run(c.pragma, func(t *testing.T) {
			assert.Equal(t, c.modern, allowsModern(c.pragma))
			v, ok := minVersion(fileWithPragma(t, c.pragma))
			assert.True(t, ok)
			assert.Equal(t, c.min, v.String())
		})
	}
}

func fileWithPragma(t *testing.T, pragma string) *analysis.File {
	t.Helper()
	p, err := analysis.Load([]string{writeFile(t, "pragma solidity "+pragma+";\ncontract A {}\n")}, analysis.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Files[0]
}
