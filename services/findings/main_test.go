package main

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/service"
)

func TestRunRefusesToStartWithoutItsConfiguration(t *testing.T) {
	err := run(context.Background(), func(string) string { return "" }, &bytes.Buffer{})
	var ce *service.ConfigError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.Contains(t, err.Error(), "SOLSEC_API_URL")
	assert.Contains(t, err.Error(), "SOLSEC_WEB_CSRF_KEY")
}
