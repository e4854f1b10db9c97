package main

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/service"
)

func TestRunRefusesAnIncompleteConfiguration(t *testing.T) {
	env := map[string]string{"SOLSEC_CONCURRENCY": "0"}
	err := run(context.Background(), func(k string) string { return env[k] }, io.Discard)
	var ce *service.ConfigError
	require.ErrorAs(t, err, &ce, "nothing starts without a valid configuration")
	assert.Len(t, ce.Problems, 2, "every problem is reported at once: %v", ce.Problems)
	assert.Contains(t, err.Error(), "SOLSEC_DATABASE_URL is required")
	assert.Contains(t, err.Error(), "SOLSEC_CONCURRENCY")
}
