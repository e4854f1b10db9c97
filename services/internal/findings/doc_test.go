package findings

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonFields lists the JSON names of t's fields, embedded structs flattened.
func jsonFields(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			names = append(names, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// TestSchemaIsDocumented keeps docs/findings.md in step with the types: a
// field added to the JSON without a line in the schema fails here.
func TestSchemaIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "findings.md"))
	require.NoError(t, err)
	text := string(doc)
	for _, typ := range []any{Report{}, Tool{}, Finding{}, Location{}, FileError{}, Summary{}} {
		rt := reflect.TypeOf(typ)
		for _, name := range jsonFields(rt) {
			assert.Contains(t, text, "`"+name+"`", "%s.%s is not documented in docs/findings.md", rt.Name(), name)
		}
	}
	assert.Contains(t, text, `"schemaVersion": "`+SchemaVersion+`"`, "the documented example must carry the current schema version")
	assert.Contains(t, text, "`"+FingerprintKey+"`")
	assert.Contains(t, text, "`"+CodeHashKey+"`")
	assert.Contains(t, text, fingerprintDomain)
}
