package s3_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/blob"
	blobs3 "github.com/solsec/platform/services/internal/blob/s3"
)

const (
	bucket = "solsec-sources"
	kmsKey = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// fakeS3 is the slice of the S3 REST API the store uses (path-style PUT,
// GET, DELETE of an object, ListObjectsV2 with a page size of two so that
// pagination is exercised). Like a bucket whose policy requires SSE-KMS
// with one key, it refuses a put without those headers.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string][]byte
	puts    []http.Header
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, "/")
	b, key, _ := strings.Cut(path, "/")
	if b != bucket {
		http.Error(w, "NoSuchBucket", http.StatusNotFound)
		return
	}
	switch {
	case r.Method == http.MethodPut:
		f.puts = append(f.puts, r.Header.Clone())
		if r.Header.Get("X-Amz-Server-Side-Encryption") != "aws:kms" ||
			r.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") != kmsKey {
			writeError(w, http.StatusForbidden, "AccessDenied", "SSE-KMS with the bucket's key is required")
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.objects[key] = body
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet && key == "" && r.URL.Query().Get("list-type") == "2":
		f.list(w, r)
	case r.Method == http.MethodGet:
		body, ok := f.objects[key]
		if !ok {
			writeError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	case r.Method == http.MethodDelete:
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "unsupported", http.StatusMethodNotAllowed)
	}
}

func (f *fakeS3) list(w http.ResponseWriter, r *http.Request) {
	prefix := r.URL.Query().Get("prefix")
	after := r.URL.Query().Get("continuation-token")
	var keys []string
	for k := range f.objects {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	type content struct {
		Key          string
		Size         int64
		LastModified string
	}
	res := struct {
		XMLName               xml.Name `xml:"ListBucketResult"`
		Name                  string
		Prefix                string
		KeyCount              int
		IsTruncated           bool
		NextContinuationToken string `xml:",omitempty"`
		Contents              []content
	}{Name: bucket, Prefix: prefix}
	const pageSize = 2
	if len(keys) > pageSize {
		keys = keys[:pageSize]
		res.IsTruncated = true
		res.NextContinuationToken = keys[pageSize-1]
	}
	for _, k := range keys {
		res.Contents = append(res.Contents, content{Key: k, Size: int64(len(f.objects[k])), LastModified: time.Now().UTC().Format(time.RFC3339)})
	}
	res.KeyCount = len(res.Contents)
	w.Header().Set("Content-Type", "application/xml")
	xml.NewEncoder(w).Encode(res)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+`</Code><Message>`+msg+`</Message></Error>`)
}

func newClient(t *testing.T, fake *fakeS3) *awss3.Client {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return awss3.New(awss3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
}

func TestS3Store(t *testing.T) {
	ctx := context.Background()
	fake := &fakeS3{objects: map[string][]byte{}}
	client := newClient(t, fake)
	s, err := blobs3.New(client, blobs3.Config{Bucket: bucket, KMSKeyID: kmsKey, Prefix: "blobs/", MaxSize: 64})
	require.NoError(t, err)

	t.Run("every put carries SSE-KMS with the configured key and a bucket key", func(t *testing.T) {
		require.NoError(t, s.Put(ctx, "orgs/1/sources/a.tar.gz", strings.NewReader("pragma solidity ^0.8.0;")))
		require.NotEmpty(t, fake.puts)
		h := fake.puts[len(fake.puts)-1]
		assert.Equal(t, "aws:kms", h.Get("X-Amz-Server-Side-Encryption"))
		assert.Equal(t, kmsKey, h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"))
		assert.Equal(t, "true", h.Get("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"))
		assert.Contains(t, fake.objects, "blobs/orgs/1/sources/a.tar.gz", "the configured prefix is applied")
	})

	t.Run("an object reads back", func(t *testing.T) {
		b, err := blob.ReadAll(ctx, s, "orgs/1/sources/a.tar.gz")
		require.NoError(t, err)
		assert.Equal(t, "pragma solidity ^0.8.0;", string(b))
	})

	t.Run("a missing object is not found and deleting it is fine", func(t *testing.T) {
		_, err := s.Get(ctx, "orgs/1/missing")
		assert.ErrorIs(t, err, blob.ErrNotFound)
		assert.NoError(t, s.Delete(ctx, "orgs/1/missing"))
	})

	t.Run("an object over the limit never reaches S3", func(t *testing.T) {
		before := len(fake.puts)
		err := s.Put(ctx, "orgs/1/big", strings.NewReader(strings.Repeat("x", 65)))
		assert.ErrorIs(t, err, blob.ErrTooLarge)
		assert.Len(t, fake.puts, before)
	})

	t.Run("an invalid key never reaches S3", func(t *testing.T) {
		before := len(fake.puts)
		assert.ErrorIs(t, s.Put(ctx, "../other-tenant/x", strings.NewReader("x")), blob.ErrInvalidKey)
		assert.Len(t, fake.puts, before)
	})

	t.Run("list follows continuation pages and strips the prefix", func(t *testing.T) {
		for _, k := range []string{"orgs/2/a", "orgs/2/b", "orgs/2/c", "orgs/2/d", "orgs/20/e"} {
			require.NoError(t, s.Put(ctx, k, strings.NewReader(k)))
		}
		objs, err := s.List(ctx, "orgs/2/")
		require.NoError(t, err)
		var keys []string
		for _, o := range objs {
			keys = append(keys, o.Key)
			assert.Equal(t, int64(len(o.Key)), o.Size)
		}
		assert.Equal(t, []string{"orgs/2/a", "orgs/2/b", "orgs/2/c", "orgs/2/d"}, keys)

		n, err := blob.DeletePrefix(ctx, s, "orgs/2/")
		require.NoError(t, err)
		assert.Equal(t, 4, n)
		objs, err = s.List(ctx, "orgs/2/")
		require.NoError(t, err)
		assert.Empty(t, objs)
		assert.Contains(t, fake.objects, "blobs/orgs/20/e")
	})

	t.Run("a bucket that requires another key refuses the put and the error says so", func(t *testing.T) {
		wrong, err := blobs3.New(client, blobs3.Config{Bucket: bucket, KMSKeyID: "alias/other"})
		require.NoError(t, err)
		err = wrong.Put(ctx, "x", strings.NewReader("x"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "AccessDenied")
	})
}

func TestNewRequiresAKMSKey(t *testing.T) {
	_, err := blobs3.New(awss3.New(awss3.Options{Region: "us-east-1"}), blobs3.Config{Bucket: bucket})
	assert.ErrorContains(t, err, "KMS key")
	_, err = blobs3.New(awss3.New(awss3.Options{Region: "us-east-1"}), blobs3.Config{KMSKeyID: kmsKey})
	assert.ErrorContains(t, err, "bucket")
	_, err = blobs3.New(awss3.New(awss3.Options{Region: "us-east-1"}), blobs3.Config{Bucket: bucket, KMSKeyID: kmsKey, Prefix: "no-slash"})
	assert.ErrorContains(t, err, "prefix")
}
