package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/auth"
	"github.com/solsec/platform/services/internal/service"
	"github.com/solsec/platform/services/internal/testenv"
)

func mapEnv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRunReportsEveryConfigurationProblemAtOnce(t *testing.T) {
	err := run(context.Background(), mapEnv(map[string]string{
		"SOLSEC_REDIS_URL":          "http://not-redis",
		"SOLSEC_UPLOADS_PER_MINUTE": "lots",
		"SOLSEC_OIDC_ISSUER":        "https://idp.example",
		"SOLSEC_BLOB_BACKEND":       "s3",
	}), io.Discard)
	var ce *service.ConfigError
	require.ErrorAs(t, err, &ce)
	msg := err.Error()
	for _, want := range []string{"SOLSEC_DATABASE_URL", "SOLSEC_REDIS_URL", "SOLSEC_UPLOADS_PER_MINUTE", "SOLSEC_JWT_KEYS_FILE", "SOLSEC_OIDC_JWKS_URL", "SOLSEC_S3_BUCKET", "SOLSEC_S3_KMS_KEY_ID"} {
		assert.Contains(t, msg, want)
	}
}

func TestRunServesTheAPIUntilCancelled(t *testing.T) {
	db := testenv.Postgres(t)
	rs := testenv.Redis(t)
	dir := t.TempDir()
	keys, err := auth.GenerateKeySet("k1")
	require.NoError(t, err)
	keyFile := filepath.Join(dir, "keys.json")
	require.NoError(t, os.WriteFile(keyFile, keys, 0o600))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, mapEnv(map[string]string{
			"SOLSEC_DATABASE_URL": db, "SOLSEC_REDIS_URL": rs.URL(), "SOLSEC_HTTP_ADDR": addr,
			"SOLSEC_JWT_KEYS_FILE": keyFile, "SOLSEC_BLOB_DIR": filepath.Join(dir, "blobs"), "SOLSEC_MIGRATE": "true",
		}), io.Discard)
	}()
	base := fmt.Sprintf("http://%s", addr)
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "the service becomes ready")

	resp, err := http.Get(base + "/v1/openapi.json")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = http.Get(base + "/v1/analyses")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "a cancelled run stops cleanly")
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
}
