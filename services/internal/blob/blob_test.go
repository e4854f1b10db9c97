package blob_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/solsec/platform/services/internal/blob"
)

func TestValidateKey(t *testing.T) {
	good := []string{
		"a",
		"orgs/0b6f/sources/3f9a.tar.gz",
		"archives/org=1/analysis_2.json",
	}
	for _, k := range good {
		t.Run(k+" is accepted", func(t *testing.T) {
			assert.NoError(t, blob.ValidateKey(k))
		})
	}
	bad := map[string]string{
		"empty":                 "",
		"absolute":              "/etc/passwd",
		"parent traversal":      "orgs/../../etc/passwd",
		"trailing parent":       "orgs/..",
		"dot segment":           "orgs/./x",
		"double slash":          "orgs//x",
		"trailing slash":        "orgs/x/",
		"backslash":             `orgs\..\x`,
		"nul byte":              "orgs/x\x00.json",
		"newline":               "orgs/x\n",
		"space":                 "orgs/my file",
		"non-ASCII":             "orgs/é",
		"longer than the limit": strings.Repeat("a", blob.MaxKeyLength+1),
	}
	for name, k := range bad {
		t.Run("a key with "+name+" is refused", func(t *testing.T) {
			assert.ErrorIs(t, blob.ValidateKey(k), blob.ErrInvalidKey)
		})
	}
}

func TestValidatePrefix(t *testing.T) {
	assert.NoError(t, blob.ValidatePrefix(""))
	assert.NoError(t, blob.ValidatePrefix("orgs/1/"))
	assert.ErrorIs(t, blob.ValidatePrefix("orgs/1"), blob.ErrInvalidKey, "a prefix is a whole directory")
	assert.ErrorIs(t, blob.ValidatePrefix("../"), blob.ErrInvalidKey)
}
