// Command withdeps is a main package with module dependencies, for the
// SBOM test: services/solsec links none.
package main

import (
	"fmt"

	"github.com/stretchr/testify/assert"
)

func main() { fmt.Println(assert.ObjectsAreEqual(1, 1)) }
