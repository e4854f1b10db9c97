//go:build solsecbench

// Command crosscheck parses every Solidity file of a corpus with our parser
// and compares the outline of each (contracts, kinds, bases, functions with
// visibility, mutability and modifiers, state variables, events, errors,
// imports) with the outline solc-js produced for the same file
// (bench/crosscheck/solc-outline.js). It prints every mismatch and a summary
// and exits non-zero on any mismatch or parse error.
//
// It is built through bench/gorun.sh (see there for why); usage:
//
//	bench/gorun.sh crosscheck -corpus DIR -solc OUTLINES.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/solsec/platform/bench/crosscheck/outline"
	"github.com/solsec/platform/services/internal/solidity"
)

// solcOutlines is the document solc-outline.js writes.
type solcOutlines struct {
	Solc   string                     `json:"solc"`
	Files  map[string]outline.Outline `json:"files"`
	Errors map[string][]string        `json:"errors"`
}

func main() {
	corpus := flag.String("corpus", "", "directory of .sol files to parse")
	solcFile := flag.String("solc", "", "outline JSON written by solc-outline.js for the same directory")
	flag.Parse()
	if *corpus == "" || *solcFile == "" {
		fmt.Fprintln(os.Stderr, "usage: crosscheck -corpus DIR -solc OUTLINES.json")
		os.Exit(2)
	}
	ok, err := run(*corpus, *solcFile, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crosscheck:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// run reports whether both parsers agreed on every file.
func run(corpus, solcFile string, out io.Writer) (bool, error) {
	raw, err := os.ReadFile(solcFile)
	if err != nil {
		return false, fmt.Errorf("reading solc outlines: %w", err)
	}
	var ref solcOutlines
	if err := json.Unmarshal(raw, &ref); err != nil {
		return false, fmt.Errorf("decoding %s: %w", solcFile, err)
	}

	files, err := solidityFiles(corpus)
	if err != nil {
		return false, err
	}
	if len(files) == 0 {
		return false, fmt.Errorf("no .sol files under %s", corpus)
	}

	var total outline.Stats
	mismatches, parseErrors, solcFailures := 0, 0, 0
	for _, rel := range files {
		src, err := os.ReadFile(filepath.Join(corpus, filepath.FromSlash(rel)))
		if err != nil {
			return false, fmt.Errorf("reading %s: %w", rel, err)
		}
		unit, syntaxErrs := solidity.Parse(rel, src)
		for _, e := range syntaxErrs {
			fmt.Fprintf(out, "parse error: %s\n", e.Error())
		}
		parseErrors += len(syntaxErrs)

		want, found := ref.Files[rel]
		if !found {
			// A file solc could not parse gives nothing to compare with.
			solcFailures++
			fmt.Fprintf(out, "solc has no outline for %s: %v\n", rel, ref.Errors[rel])
			continue
		}
		if unit == nil {
			continue
		}
		ours, err := decode(solidity.Summarize(unit))
		if err != nil {
			return false, fmt.Errorf("%s: %w", rel, err)
		}
		mm, st := outline.Compare(rel, ours, want)
		for _, m := range mm {
			fmt.Fprintln(out, "mismatch:", m)
		}
		mismatches += len(mm)
		total.Add(st)
	}

	fmt.Fprintf(out, "\ncrosscheck against solc %s\n", ref.Solc)
	fmt.Fprintf(out, "files %d, contracts %d, functions %d compared\n", total.Files, total.Contracts, total.Functions)
	fmt.Fprintf(out, "checks %d, agreed %d, agreement %.2f%%\n", total.Checks, total.Agreed, total.Agreement())
	fmt.Fprintf(out, "mismatches %d, parse errors %d, files solc rejected %d\n", mismatches, parseErrors, solcFailures)
	return mismatches == 0 && parseErrors == 0 && solcFailures == 0, nil
}

// decode goes through JSON so that the comparison depends only on the
// documented Outline shape, never on the parser's Go types.
func decode(v any) (outline.Outline, error) {
	var o outline.Outline
	b, err := json.Marshal(v)
	if err != nil {
		return o, fmt.Errorf("encoding our outline: %w", err)
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return o, fmt.Errorf("decoding our outline: %w", err)
	}
	return o, nil
}

// solidityFiles lists the corpus's .sol files as slash-separated paths
// relative to root, sorted, the same keys solc-outline.js uses.
func solidityFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(p) != ".sol" {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", root, err)
	}
	sort.Strings(files)
	return files, nil
}
