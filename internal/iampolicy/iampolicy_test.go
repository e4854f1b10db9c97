package iampolicy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDocumentRoundTrip(t *testing.T) {
	doc := New(
		Allow("Read", []string{"s3:GetObject"}, "arn:aws:s3:::b/*").When("StringEquals", "aws:SourceAccount", "123456789012"),
		Statement{Effect: "Allow", Principal: map[string]any{"Service": "logs.amazonaws.com"}, Action: []string{"kms:Decrypt"}, Resource: "*"},
	)
	back, err := Parse(doc.JSON())
	require.NoError(t, err)
	require.Len(t, back.Statement, 2)
	assert.Equal(t, "2012-10-17", back.Version)
	assert.Equal(t, []string{"arn:aws:s3:::b/*"}, back.Statement[0].Resources())
	assert.Equal(t, "123456789012", back.Statement[0].Condition["StringEquals"]["aws:SourceAccount"])
	assert.Equal(t, []string{"*"}, back.Statement[1].Resources(), "a single resource string reads as a list")
}

func TestWhenDoesNotAliasConditions(t *testing.T) {
	base := Allow("x", []string{"a:B"}, "r").When("StringEquals", "k1", "v1")
	one := base.When("StringEquals", "k2", "v2")
	assert.Len(t, base.Condition["StringEquals"], 1, "the original statement is unchanged")
	assert.Len(t, one.Condition["StringEquals"], 2)
}
