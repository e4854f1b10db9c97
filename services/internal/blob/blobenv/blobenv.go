// Package blobenv chooses and configures a service's blob store from the
// environment, so every service that touches object storage reads the
// same variables:
//
//	SOLSEC_BLOB_BACKEND    localdir (default) or s3
//	SOLSEC_BLOB_DIR        localdir: the directory (default ./var/blobs)
//	SOLSEC_BLOB_MAX_BYTES  largest object accepted (default 256 MiB)
//	SOLSEC_S3_BUCKET       s3: the bucket (required)
//	SOLSEC_S3_KMS_KEY_ID   s3: the KMS key every object is encrypted with (required)
//	SOLSEC_S3_PREFIX       s3: a key prefix ending in '/' (optional)
//	SOLSEC_S3_REGION       s3: the bucket's region (default AWS_REGION, then us-east-1)
//	SOLSEC_S3_ENDPOINT     s3: an S3-compatible endpoint URL (optional)
package blobenv

import (
	"context"
	"fmt"

	"github.com/solsec/platform/services/internal/blob"
	"github.com/solsec/platform/services/internal/blob/localdir"
	blobs3 "github.com/solsec/platform/services/internal/blob/s3"
	"github.com/solsec/platform/services/internal/service"
)

// Config is a blob store's configuration.
type Config struct {
	Backend  string
	Dir      string
	MaxSize  int64
	S3       blobs3.Config
	Region   string
	Endpoint string
}

// Load reads the configuration; problems are collected in env, for the
// caller's env.Err().
func Load(env *service.Env, getenv func(string) string) Config {
	c := Config{
		Backend: env.OneOf("SOLSEC_BLOB_BACKEND", "localdir", "localdir", "s3"),
		MaxSize: int64(env.IntBetween("SOLSEC_BLOB_MAX_BYTES", int(blob.DefaultMaxSize), 1, 5<<30)),
	}
	switch c.Backend {
	case "s3":
		region := getenv("AWS_REGION")
		if region == "" {
			region = "us-east-1"
		}
		c.S3 = blobs3.Config{
			Bucket:   env.String("SOLSEC_S3_BUCKET", ""),
			KMSKeyID: env.String("SOLSEC_S3_KMS_KEY_ID", ""),
			Prefix:   getenv("SOLSEC_S3_PREFIX"),
			MaxSize:  c.MaxSize,
		}
		c.Region = env.String("SOLSEC_S3_REGION", region)
		if getenv("SOLSEC_S3_ENDPOINT") != "" {
			if u := env.URL("SOLSEC_S3_ENDPOINT", "", "http", "https"); u != nil {
				c.Endpoint = u.String()
			}
		}
	default:
		c.Dir = env.String("SOLSEC_BLOB_DIR", "./var/blobs")
	}
	return c
}

// Open returns the configured store.
func Open(ctx context.Context, c Config) (blob.Store, error) {
	switch c.Backend {
	case "s3":
		return blobs3.Connect(ctx, c.Region, c.Endpoint, c.S3)
	case "localdir", "":
		return localdir.New(c.Dir, localdir.Options{MaxSize: c.MaxSize})
	}
	return nil, fmt.Errorf("blob backend %q: want localdir or s3", c.Backend)
}
