// Package s3 is a blob.Store in an Amazon S3 bucket. Every object is
// written with SSE-KMS under the configured key, whatever the bucket's
// default encryption says, so an object can never land unencrypted or
// under the wrong key (the bucket policy of components/data also denies
// puts without it).
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/solsec/platform/services/internal/blob"
)

// Client is the part of the S3 API the store uses; *s3.Client has it.
type Client interface {
	PutObject(ctx context.Context, in *awss3.PutObjectInput, opts ...func(*awss3.Options)) (*awss3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *awss3.GetObjectInput, opts ...func(*awss3.Options)) (*awss3.GetObjectOutput, error)
	DeleteObject(ctx context.Context, in *awss3.DeleteObjectInput, opts ...func(*awss3.Options)) (*awss3.DeleteObjectOutput, error)
	awss3.ListObjectsV2APIClient
}

// Config names the bucket and key.
type Config struct {
	Bucket string
	// KMSKeyID is the KMS key (id, ARN or alias ARN) every object is
	// encrypted with. Required.
	KMSKeyID string
	// Prefix is prepended to every key, e.g. "blobs/"; optional, must end
	// with '/' when set.
	Prefix string
	// MaxSize is the largest object Put accepts; 0 means blob.DefaultMaxSize.
	MaxSize int64
}

// Store is a blob.Store on S3.
type Store struct {
	client Client
	cfg    Config
}

var _ blob.Store = (*Store)(nil)

// New returns a store on client; the bucket and KMS key are required.
func New(client Client, cfg Config) (*Store, error) {
	switch {
	case client == nil:
		return nil, errors.New("s3 blob store: nil client")
	case cfg.Bucket == "":
		return nil, errors.New("s3 blob store: empty bucket")
	case cfg.KMSKeyID == "":
		return nil, errors.New("s3 blob store: empty KMS key id: objects are always encrypted with SSE-KMS")
	case cfg.Prefix != "" && blob.ValidatePrefix(cfg.Prefix) != nil:
		return nil, fmt.Errorf("s3 blob store: prefix %q: want a key prefix ending in '/'", cfg.Prefix)
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = blob.DefaultMaxSize
	}
	return &Store{client: client, cfg: cfg}, nil
}

func (s *Store) objectKey(key string) (string, error) {
	if err := blob.ValidateKey(key); err != nil {
		return "", err
	}
	return s.cfg.Prefix + key, nil
}

// Put buffers the object (up to the limit) and uploads it in one request.
// Buffering gives the SDK a seekable body with a known length, which
// signing and checksums need; objects are bounded by MaxSize, and S3's
// single-request PUT is itself atomic, so readers never see a part.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	k, err := s.objectKey(key)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, s.cfg.MaxSize+1))
	if err != nil {
		return fmt.Errorf("s3: put %s: %w", key, err)
	}
	if n > s.cfg.MaxSize {
		return fmt.Errorf("s3: put %s: %w (limit %d bytes)", key, blob.ErrTooLarge, s.cfg.MaxSize)
	}
	_, err = s.client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket:               aws.String(s.cfg.Bucket),
		Key:                  aws.String(k),
		Body:                 bytes.NewReader(buf.Bytes()),
		ContentLength:        aws.Int64(n),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms,
		SSEKMSKeyId:          aws.String(s.cfg.KMSKeyID),
		// A bucket key cuts KMS requests (and cost) by caching a data key
		// per bucket instead of calling KMS for every object.
		BucketKeyEnabled: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("s3: put %s: %w", key, err)
	}
	return nil
}

// Get streams the object.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	k, err := s.objectKey(key)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(k)})
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("s3: get %s: %w", key, blob.ErrNotFound)
		}
		return nil, fmt.Errorf("s3: get %s: %w", key, err)
	}
	return out.Body, nil
}

// Delete removes the object; S3 answers a delete of a missing key with
// success, which is the idempotence blob.Store promises.
func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := s.objectKey(key)
	if err != nil {
		return err
	}
	_, err = s.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(k)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("s3: delete %s: %w", key, err)
	}
	return nil
}

// List pages through ListObjectsV2; S3 returns keys in UTF-8 binary order,
// which for valid keys is the same as Go's string order.
func (s *Store) List(ctx context.Context, prefix string) ([]blob.Object, error) {
	if err := blob.ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	p := awss3.NewListObjectsV2Paginator(s.client, &awss3.ListObjectsV2Input{
		Bucket: aws.String(s.cfg.Bucket),
		Prefix: aws.String(s.cfg.Prefix + prefix),
	})
	var objs []blob.Object
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3: list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			key := strings.TrimPrefix(aws.ToString(o.Key), s.cfg.Prefix)
			if blob.ValidateKey(key) != nil {
				continue // not written by this store
			}
			objs = append(objs, blob.Object{Key: key, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)})
		}
	}
	return objs, nil
}

func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NoSuchKey" || apiErr.ErrorCode() == "NotFound") {
		return true
	}
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

// Connect builds a client from the default AWS configuration chain (on
// EKS, the pod's IAM role) and returns a store on it. endpoint, when set,
// points at an S3-compatible server and switches to path-style addressing.
func Connect(ctx context.Context, region, endpoint string, cfg Config) (*Store, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("s3 blob store: AWS configuration: %w", err)
	}
	client := awss3.NewFromConfig(awsCfg, func(o *awss3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
	return New(client, cfg)
}
