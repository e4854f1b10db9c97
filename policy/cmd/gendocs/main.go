// Command gendocs writes docs/policies.md from policy/rules, so the policy
// reference is generated from the code (go generate ./policy/rules).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/solsec/platform/policy/rules"
)

func main() {
	out := flag.String("out", "docs/policies.md", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, []byte(rules.Markdown()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
