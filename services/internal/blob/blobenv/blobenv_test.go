package blobenv_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/blob/blobenv"
	"github.com/solsec/platform/services/internal/service"
)

func load(vars map[string]string) (blobenv.Config, error) {
	getenv := func(k string) string { return vars[k] }
	env := service.NewEnv(getenv)
	c := blobenv.Load(env, getenv)
	return c, env.Err()
}

func TestLoad(t *testing.T) {
	t.Run("nothing set means a local directory with the default limit", func(t *testing.T) {
		c, err := load(nil)
		require.NoError(t, err)
		assert.Equal(t, "localdir", c.Backend)
		assert.Equal(t, "./var/blobs", c.Dir)
		assert.Equal(t, blob.DefaultMaxSize, c.MaxSize)
	})

	t.Run("s3 needs a bucket and a KMS key and says so for both", func(t *testing.T) {
		_, err := load(map[string]string{"SOLSEC_BLOB_BACKEND": "s3"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "SOLSEC_S3_BUCKET")
		assert.Contains(t, err.Error(), "SOLSEC_S3_KMS_KEY_ID")
	})

	t.Run("a complete s3 configuration is read", func(t *testing.T) {
		c, err := load(map[string]string{
			"SOLSEC_BLOB_BACKEND": "s3", "SOLSEC_S3_BUCKET": "b", "SOLSEC_S3_KMS_KEY_ID": "alias/solsec",
			"AWS_REGION": "us-west-2", "SOLSEC_S3_ENDPOINT": "http://127.0.0.1:9000", "SOLSEC_BLOB_MAX_BYTES": "1024",
		})
		require.NoError(t, err)
		assert.Equal(t, "b", c.S3.Bucket)
		assert.Equal(t, "alias/solsec", c.S3.KMSKeyID)
		assert.Equal(t, int64(1024), c.S3.MaxSize)
		assert.Equal(t, "us-west-2", c.Region)
		assert.Equal(t, "http://127.0.0.1:9000", c.Endpoint)
	})

	t.Run("an unknown backend is refused", func(t *testing.T) {
		_, err := load(map[string]string{"SOLSEC_BLOB_BACKEND": "gcs"})
		assert.ErrorContains(t, err, "SOLSEC_BLOB_BACKEND")
	})
}

func TestOpenLocalDir(t *testing.T) {
	ctx := context.Background()
	s, err := blobenv.Open(ctx, blobenv.Config{Backend: "localdir", Dir: filepath.Join(t.TempDir(), "b"), MaxSize: 4})
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, "k", strings.NewReader("1234")))
	assert.ErrorIs(t, s.Put(ctx, "k", strings.NewReader("12345")), blob.ErrTooLarge)
}
