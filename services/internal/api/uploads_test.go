package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/api"
	"github.com/solsec/platform/services/internal/pipeline"
	"github.com/solsec/platform/services/internal/store"
	"github.com/solsec/platform/services/internal/upload"
)

func TestUploadingOneSolidityFileQueuesAnAnalysisAndItsJob(t *testing.T) {
	e := newEnv(t)
	src := contractSource(1)
	r := e.uploadSol(e.a.key, "src/Token.sol", src, nil)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	a := r.json(t)
	id := a["id"].(string)
	assert.Equal(t, "/v1/analyses/"+id, r.header.Get("Location"))
	assert.Equal(t, "queued", a["state"])
	assert.Equal(t, []any{"src/Token.sol"}, a["entryFiles"])

	t.Run("the job is in the parse queue with the analysis' ids", func(t *testing.T) {
		var kind, queue string
		var args []byte
		require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT kind, queue, args FROM river_job`).Scan(&kind, &queue, &args))
		assert.Equal(t, pipeline.ParseArgs{}.Kind(), kind)
		assert.Equal(t, pipeline.QueueParse, queue)
		var got pipeline.ParseArgs
		require.NoError(t, json.Unmarshal(args, &got))
		assert.Equal(t, pipeline.ParseArgs{OrgID: e.a.org.ID, AnalysisID: id}, got)
	})
	t.Run("the sources are stored and read back to the same hash", func(t *testing.T) {
		stored, err := e.store.GetAnalysis(context.Background(), e.a.org.ID, id)
		require.NoError(t, err)
		data, err := os.ReadFile(filepath.Join(e.blobDir, filepath.FromSlash(stored.BlobKey)))
		require.NoError(t, err)
		b, err := upload.Read("sources.zip", bytes.NewReader(data), upload.DefaultLimits())
		require.NoError(t, err)
		assert.Equal(t, stored.SourceHash, b.Hash)
		assert.Equal(t, src, string(b.Files["src/Token.sol"]))
	})
	t.Run("the upload is in the audit log", func(t *testing.T) {
		log, err := e.store.ListAudit(context.Background(), e.a.org.ID, store.AuditFilter{Action: "analysis.created"})
		require.NoError(t, err)
		require.Len(t, log.Items, 1)
		assert.Equal(t, "analysis:"+id, log.Items[0].Target)
	})
	t.Run("the analysis can be read back", func(t *testing.T) {
		e := e.with(t)
		got := e.get("/v1/analyses/"+id, e.a.viewer.token)
		require.Equal(t, http.StatusOK, got.status)
		assert.Equal(t, id, got.json(t)["id"])
	})
}

func TestUploadingSeveralFilesAndProjects(t *testing.T) {
	e := newEnv(t)
	t.Run("several files in a multipart form keep their directories", func(t *testing.T) {
		e := e.with(t)
		ct, body := multipartBody(t, [][2]string{
			{"src/Vault.sol", "pragma solidity ^0.8.0;\nimport \"./Lib.sol\";\ncontract Vault {}\n"},
			{"src/Lib.sol", "pragma solidity ^0.8.0;\nlibrary Lib {}\n"},
		}, map[string]string{"project": "vault", "tools": "solsec,slither"})
		r := e.do(req{method: http.MethodPost, path: "/v1/analyses", cred: e.a.analyst.token, contentType: ct, body: body})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		a := r.json(t)
		assert.Equal(t, []any{"src/Lib.sol", "src/Vault.sol"}, a["entryFiles"])
		assert.Equal(t, []any{"slither", "solsec"}, a["tools"])
	})
	t.Run("a Foundry project archive has its remappings honoured", func(t *testing.T) {
		e := e.with(t)
		archive := tarGz(t,
			tarEntry{name: "vault-main/foundry.toml", body: "[profile.default]\nsrc = \"src\"\nlibs = [\"lib\"]\n"},
			tarEntry{name: "vault-main/remappings.txt", body: "@oz/=lib/openzeppelin-contracts/contracts/\n"},
			tarEntry{name: "vault-main/src/Vault.sol", body: "pragma solidity ^0.8.0;\nimport \"@oz/token/ERC20.sol\";\ncontract Vault {}\n"},
			tarEntry{name: "vault-main/lib/openzeppelin-contracts/contracts/token/ERC20.sol", body: "pragma solidity ^0.8.0;\ncontract ERC20 {}\n"},
			tarEntry{name: "vault-main/README.md", body: "# vault\n"},
		)
		r := e.do(req{method: http.MethodPost, path: "/v1/analyses?project=vault", cred: e.a.key, contentType: "application/gzip", body: archive})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		a := r.json(t)
		assert.Equal(t, []any{"src/Vault.sol"}, a["entryFiles"], "dependencies are not entry files")
		assert.Contains(t, a["remappings"], "@oz/=lib/openzeppelin-contracts/contracts/")
	})
	t.Run("a zip sent as a multipart part is expanded", func(t *testing.T) {
		e := e.with(t)
		zipped := zipOf(t, [2]string{"contracts/Token.sol", contractSource(7)}, [2]string{"hardhat.config.js", "module.exports = {};\n"})
		ct, body := multipartBody(t, [][2]string{{"project.zip", string(zipped)}}, nil)
		r := e.do(req{method: http.MethodPost, path: "/v1/analyses", cred: e.a.key, contentType: ct, body: body})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		assert.Equal(t, []any{"contracts/Token.sol"}, r.json(t)["entryFiles"])
	})
}

// TestEveryBadUploadIsRefusedWithItsReasonAndNothingStored walks the bad
// inputs of the issue; after each, no analysis, job or source object may
// exist.
func TestEveryBadUploadIsRefusedWithItsReasonAndNothingStored(t *testing.T) {
	e := newEnv(t)
	big := strings.Repeat("// padding\n", (int(testLimits.MaxUploadBytes)/11)+10)
	sixFiles := [][2]string{}
	for i := range 6 {
		sixFiles = append(sixFiles, [2]string{"src/C" + string(rune('a'+i)) + ".sol", contractSource(i)})
	}
	tooManyCT, tooManyBody := multipartBody(t, sixFiles, nil)
	nonSourceCT, nonSourceBody := multipartBody(t, [][2]string{{"src/A.sol", contractSource(1)}, {"notes.txt", "hello"}}, nil)
	// Highly compressible content: a few KiB that expand to megabytes.
	bomb := zipOf(t,
		[2]string{"src/A.sol", strings.Repeat("\x00", 900<<10)}, [2]string{"src/B.sol", strings.Repeat("\x00", 900<<10)},
		[2]string{"src/C.sol", strings.Repeat("\x00", 900<<10)}, [2]string{"src/D.sol", strings.Repeat("\x00", 900<<10)})

	tests := []struct {
		name   string
		req    req
		status int
		code   string
	}{
		{"a body over the size limit", req{method: http.MethodPost, path: "/v1/analyses?filename=Big.sol", contentType: "text/x-solidity", body: []byte(big)},
			http.StatusRequestEntityTooLarge, string(upload.CodeUploadTooLarge)},
		{"more files than the limit", req{method: http.MethodPost, path: "/v1/analyses", contentType: tooManyCT, body: tooManyBody},
			http.StatusRequestEntityTooLarge, string(upload.CodeTooManyFiles)},
		{"a path that climbs out of the project", req{method: http.MethodPost, path: "/v1/analyses", contentType: "application/zip",
			body: zipOf(t, [2]string{"src/A.sol", contractSource(1)}, [2]string{"../../etc/evil.sol", contractSource(2)})},
			http.StatusUnprocessableEntity, string(upload.CodePathTraversal)},
		{"an absolute path", req{method: http.MethodPost, path: "/v1/analyses", contentType: "application/gzip",
			body: tarGz(t, tarEntry{name: "/etc/evil.sol", body: contractSource(2)})},
			http.StatusUnprocessableEntity, string(upload.CodePathTraversal)},
		{"a symbolic link in an archive", req{method: http.MethodPost, path: "/v1/analyses", contentType: "application/gzip",
			body: tarGz(t, tarEntry{name: "src/A.sol", body: contractSource(1)}, tarEntry{name: "src/B.sol", link: "/etc/passwd"})},
			http.StatusUnprocessableEntity, string(upload.CodeLinkNotAllowed)},
		{"a non-source file sent directly", req{method: http.MethodPost, path: "/v1/analyses", contentType: nonSourceCT, body: nonSourceBody},
			http.StatusUnprocessableEntity, string(upload.CodeNotSource)},
		{"a file that is neither Solidity nor an archive", req{method: http.MethodPost, path: "/v1/analyses?filename=notes.txt", contentType: "text/plain", body: []byte("hello")},
			http.StatusUnsupportedMediaType, string(upload.CodeUnsupportedFormat)},
		{"an archive without any Solidity", req{method: http.MethodPost, path: "/v1/analyses", contentType: "application/zip",
			body: zipOf(t, [2]string{"README.md", "# nothing"})},
			http.StatusUnprocessableEntity, string(upload.CodeNoSources)},
		{"a decompression bomb", req{method: http.MethodPost, path: "/v1/analyses", contentType: "application/zip", body: bomb},
			http.StatusRequestEntityTooLarge, string(upload.CodeCompressionRatio)},
		{"a corrupt archive", req{method: http.MethodPost, path: "/v1/analyses?filename=x.zip", contentType: "application/zip", body: []byte("PK\x03\x04 not really")},
			http.StatusUnprocessableEntity, string(upload.CodeBadArchive)},
		{"an unknown tool", req{method: http.MethodPost, path: "/v1/analyses?filename=A.sol&tools=solsec,nmap", contentType: "text/x-solidity", body: []byte(contractSource(1))},
			http.StatusUnprocessableEntity, "unknown_tool"},
		{"a malformed idempotency key", req{method: http.MethodPost, path: "/v1/analyses?filename=A.sol", contentType: "text/x-solidity", body: []byte(contractSource(1)),
			header: map[string]string{"Idempotency-Key": "has spaces in it"}},
			http.StatusBadRequest, "invalid_idempotency_key"},
		{"a gzip content encoding", req{method: http.MethodPost, path: "/v1/analyses?filename=A.sol", contentType: "text/x-solidity", body: []byte(contractSource(1)),
			header: map[string]string{"Content-Encoding": "gzip"}},
			http.StatusUnsupportedMediaType, "unsupported_content_encoding"},
		{"no credentials", req{method: http.MethodPost, path: "/v1/analyses?filename=A.sol", contentType: "text/x-solidity", body: []byte(contractSource(1))},
			http.StatusUnauthorized, "unauthenticated"},
		{"a malformed JWT", req{method: http.MethodPost, path: "/v1/analyses?filename=A.sol", contentType: "text/x-solidity", body: []byte(contractSource(1))},
			http.StatusUnauthorized, "invalid_credentials"},
		{"a viewer's token", req{method: http.MethodPost, path: "/v1/analyses?filename=A.sol", contentType: "text/x-solidity", body: []byte(contractSource(1))},
			http.StatusForbidden, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			e := e.with(t)
			r := tt.req
			switch tt.code {
			case "unauthenticated":
			case "invalid_credentials":
				r.cred = "eyJhbGciOiJIUzI1NiJ9.e30.bm90IGEgc2lnbmF0dXJl"
			case "forbidden":
				r.cred = e.a.viewer.token
			default:
				r.cred = e.a.key
			}
			before := e.counts()
			resp := e.do(r)
			require.Equal(t, tt.status, resp.status, "%s", resp.body)
			assert.Equal(t, tt.code, resp.code(t))
			assert.NotEmpty(t, resp.json(t)["detail"], "the problem says why")
			assert.Equal(t, before, e.counts(), "nothing is stored")
		})
	}
	assert.Equal(t, counts{}, e.counts(), "no bad upload left anything behind")
	assert.Positive(t, e.api.Metrics().Counter(`solsec_uploads_total{outcome="rejected"}`))
}

func TestARevokedOrForgedKeyIsRefused(t *testing.T) {
	e := newEnv(t)
	created := e.postJSON("/v1/api-keys", e.a.admin.token, map[string]string{"name": "ci", "role": "analyst"})
	require.Equal(t, http.StatusCreated, created.status, "%s", created.body)
	secret := created.json(t)["secret"].(string)
	id := created.json(t)["id"].(string)
	require.Equal(t, http.StatusCreated, e.uploadSol(secret, "A.sol", contractSource(1), nil).status, "the new key works")

	revoked := e.do(req{method: http.MethodDelete, path: "/v1/api-keys/" + id, cred: e.a.admin.token})
	require.Equal(t, http.StatusOK, revoked.status)
	assert.NotEmpty(t, revoked.json(t)["revokedAt"])

	before := e.counts()
	r := e.uploadSol(secret, "B.sol", contractSource(2), nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "invalid_credentials", r.code(t))
	assert.Contains(t, r.json(t)["detail"], "revoked")

	forged := secret[:len(secret)-4] + "0000"
	if forged == secret {
		forged = secret[:len(secret)-4] + "1111"
	}
	r = e.uploadSol(forged, "B.sol", contractSource(2), nil)
	assert.Equal(t, http.StatusUnauthorized, r.status)

	r = e.uploadSol("ssk_0123456789abcdef_"+strings.Repeat("ab", 32), "B.sol", contractSource(2), nil)
	assert.Equal(t, http.StatusUnauthorized, r.status, "a well-formed key nobody issued")
	assert.Equal(t, before, e.counts(), "nothing is stored")
}

func TestIdempotencyKeys(t *testing.T) {
	e := newEnv(t)
	key := map[string]string{"Idempotency-Key": "ci-build-1234"}
	first := e.uploadSol(e.a.key, "A.sol", contractSource(1), key)
	require.Equal(t, http.StatusCreated, first.status)
	id := first.json(t)["id"].(string)
	after := e.counts()

	t.Run("the same key and sources return the first analysis", func(t *testing.T) {
		e := e.with(t)
		again := e.uploadSol(e.a.key, "A.sol", contractSource(1), key)
		require.Equal(t, http.StatusOK, again.status)
		assert.Equal(t, id, again.json(t)["id"])
		assert.Equal(t, "true", again.header.Get("Idempotent-Replayed"))
		assert.Equal(t, after, e.counts(), "no second analysis, job or object")
	})
	t.Run("the same key with other sources is refused", func(t *testing.T) {
		e := e.with(t)
		other := e.uploadSol(e.a.key, "A.sol", contractSource(2), key)
		require.Equal(t, http.StatusUnprocessableEntity, other.status)
		assert.Equal(t, "idempotency_key_reused", other.code(t))
		assert.Equal(t, after, e.counts())
	})
	t.Run("the same key in another project is refused", func(t *testing.T) {
		e := e.with(t)
		other := e.do(req{method: http.MethodPost, path: "/v1/analyses?filename=A.sol&project=other", cred: e.a.key,
			contentType: "text/x-solidity", body: []byte(contractSource(1)), header: key})
		require.Equal(t, http.StatusUnprocessableEntity, other.status)
		assert.Equal(t, after, e.counts())
	})
	t.Run("another organisation's identical key is its own", func(t *testing.T) {
		e := e.with(t)
		theirs := e.uploadSol(e.b.key, "A.sol", contractSource(1), key)
		require.Equal(t, http.StatusCreated, theirs.status)
		assert.NotEqual(t, id, theirs.json(t)["id"])
	})
}

func TestTheResultCacheAnswersIdenticalSources(t *testing.T) {
	e := newEnv(t)
	first := e.uploadSol(e.a.key, "A.sol", contractSource(1), nil)
	require.Equal(t, http.StatusCreated, first.status)
	id := first.json(t)["id"].(string)

	t.Run("an analysis still running is not reused", func(t *testing.T) {
		e := e.with(t)
		r := e.uploadSol(e.a.key, "A.sol", contractSource(1), nil)
		require.Equal(t, http.StatusCreated, r.status)
		assert.Equal(t, "miss", r.header.Get("X-Cache"))
	})
	e.complete(e.a, id)

	t.Run("a completed analysis of the same sources answers the upload", func(t *testing.T) {
		e := e.with(t)
		before := e.counts()
		r := e.uploadSol(e.a.key, "A.sol", contractSource(1), nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.Equal(t, "hit", r.header.Get("X-Cache"))
		assert.Equal(t, id, r.json(t)["id"])
		assert.Equal(t, "completed", r.json(t)["state"])
		assert.Equal(t, before, e.counts(), "no new analysis or job")
		cached, err := e.rdb.Get(context.Background(), "solsec:results:"+e.a.org.ID+":"+r.json(t)["sourceHash"].(string)).Result()
		require.NoError(t, err, "the database's answer is now in Redis")
		assert.Equal(t, id, cached)
	})
	t.Run("the cache survives losing Redis' contents", func(t *testing.T) {
		e := e.with(t)
		require.NoError(t, e.rdb.FlushAll(context.Background()).Err())
		r := e.uploadSol(e.a.key, "A.sol", contractSource(1), nil)
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, id, r.json(t)["id"])
	})
	t.Run("Cache-Control no-cache analyses again", func(t *testing.T) {
		e := e.with(t)
		r := e.uploadSol(e.a.key, "A.sol", contractSource(1), map[string]string{"Cache-Control": "no-cache"})
		require.Equal(t, http.StatusCreated, r.status)
		assert.NotEqual(t, id, r.json(t)["id"])
	})
	t.Run("other tools, another project or another organisation miss", func(t *testing.T) {
		e := e.with(t)
		for _, tc := range []struct {
			cred, path string
		}{
			{e.a.key, "/v1/analyses?filename=A.sol&tools=slither"},
			{e.a.key, "/v1/analyses?filename=A.sol&project=elsewhere"},
			{e.b.key, "/v1/analyses?filename=A.sol"},
		} {
			r := e.do(req{method: http.MethodPost, path: tc.path, cred: tc.cred, contentType: "text/x-solidity", body: []byte(contractSource(1))})
			require.Equal(t, http.StatusCreated, r.status, tc.path)
			assert.NotEqual(t, id, r.json(t)["id"])
		}
	})
	assert.Equal(t, float64(2), e.api.Metrics().Counter(`solsec_uploads_total{outcome="cached"}`))
}

func TestRateLimits(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.UploadsPerMinute = 2; c.RequestsPerMinute = 3 })
	for i := range 2 {
		r := e.uploadSol(e.a.key, "A.sol", contractSource(i), nil)
		require.Equal(t, http.StatusCreated, r.status)
		assert.Equal(t, "2", r.header.Get("RateLimit-Limit"))
	}
	before := e.counts()
	r := e.uploadSol(e.a.key, "A.sol", contractSource(9), nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "rate_limited", r.code(t))
	assert.NotEmpty(t, r.header.Get("Retry-After"))
	assert.Equal(t, "0", r.header.Get("RateLimit-Remaining"))
	assert.Equal(t, before, e.counts(), "a limited upload stores nothing")

	t.Run("another caller has a budget of its own", func(t *testing.T) {
		e := e.with(t)
		assert.Equal(t, http.StatusCreated, e.uploadSol(e.a.analyst.token, "A.sol", contractSource(9), nil).status)
	})
	t.Run("reads have a separate budget", func(t *testing.T) {
		e := e.with(t)
		for range 3 {
			assert.Equal(t, http.StatusOK, e.get("/v1/analyses", e.a.key).status)
		}
		assert.Equal(t, http.StatusTooManyRequests, e.get("/v1/analyses", e.a.key).status)
	})
	t.Run("logins are limited per address", func(t *testing.T) {
		e2 := newEnv(t, func(c *api.Config) { c.LoginsPerMinute = 2 })
		for range 2 {
			assert.Equal(t, http.StatusUnauthorized, e2.postJSON("/v1/auth/login", "", map[string]string{"email": e2.a.admin.Email, "password": "wrong"}).status)
		}
		r := e2.postJSON("/v1/auth/login", "", map[string]string{"email": e2.a.admin.Email, "password": e2.a.admin.password})
		assert.Equal(t, http.StatusTooManyRequests, r.status, "even the right password waits: the budget is per address")
	})
}

func TestUploadsAreAcceptedWhileRedisIsDown(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.UploadsPerMinute = 1 })
	e.redis.Stop()
	for i := range 3 {
		r := e.uploadSol(e.a.key, "A.sol", contractSource(i), nil)
		require.Equal(t, http.StatusCreated, r.status, "upload %d: the limiter fails open and the cache is skipped: %s", i, r.body)
	}
	assert.Equal(t, 3, e.counts().analyses)
	assert.Positive(t, e.api.Metrics().Counter(`solsec_redis_errors_total{use="ratelimit"}`))
	assert.Positive(t, e.api.Metrics().Counter(`solsec_redis_errors_total{use="cache"}`))

	e.redis.Start()
	r := e.uploadSol(e.a.key, "A.sol", contractSource(5), nil)
	assert.Equal(t, http.StatusCreated, r.status, "the first upload of the window after Redis is back")
	r = e.uploadSol(e.a.key, "A.sol", contractSource(6), nil)
	assert.Equal(t, http.StatusTooManyRequests, r.status, "limits apply again once Redis is back")
}
