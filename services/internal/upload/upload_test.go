package upload

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/solsec/platform/services/internal/analysis"
)

// entry is one archive member for the builders below.
type entry struct {
	name string
	body string
	// kind is "" for a regular file, or "dir", "symlink", "hardlink",
	// "chardev", "fifo".
	kind string
}

func file(name, body string) entry { return entry{name: name, body: body} }

func makeZip(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		switch e.kind {
		case "":
			h.SetMode(0o644)
		case "dir":
			h.SetMode(fs.ModeDir | 0o755)
		case "symlink":
			h.SetMode(fs.ModeSymlink | 0o777)
		case "chardev":
			h.SetMode(fs.ModeDevice | fs.ModeCharDevice | 0o644)
		case "fifo":
			h.SetMode(fs.ModeNamedPipe | 0o644)
		default:
			t.Fatalf("zip cannot hold a %s", e.kind)
		}
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write([]byte(e.body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func makeTarGz(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Format: tar.FormatPAX}
		switch e.kind {
		case "":
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.body))
		case "dir":
			h.Typeflag = tar.TypeDir
		case "symlink":
			h.Typeflag, h.Linkname = tar.TypeSymlink, e.body
		case "hardlink":
			h.Typeflag, h.Linkname = tar.TypeLink, e.body
		case "chardev":
			h.Typeflag = tar.TypeChar
		case "fifo":
			h.Typeflag = tar.TypeFifo
		}
		require.NoError(t, tw.WriteHeader(h))
		if e.kind == "" {
			_, err := tw.Write([]byte(e.body))
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

const contract = "pragma solidity ^0.8.20;\ncontract A {}\n"

func requireCode(t *testing.T, err error, code Code) *Error {
	t.Helper()
	require.Error(t, err)
	var ue *Error
	require.True(t, errors.As(err, &ue), "error %v is not an *upload.Error", err)
	assert.Equal(t, code, ue.Code, "detail: %s", ue.Detail)
	assert.NotEmpty(t, ue.Detail)
	return ue
}

func TestRejections(t *testing.T) {
	zeros := strings.Repeat("\x00", 3<<20/2) // compresses about 1000 to 1
	tests := []struct {
		name     string
		upload   string
		data     func(t *testing.T) []byte
		lim      Limits
		code     Code
		wantPath string
	}{
		{name: "a zip entry climbing out with .. is path traversal", upload: "p.zip",
			data: func(t *testing.T) []byte { return makeZip(t, file("src/../../evil.sol", contract)) },
			code: CodePathTraversal, wantPath: "src/../../evil.sol"},
		{name: "an absolute tar path is path traversal", upload: "p.tar.gz",
			data: func(t *testing.T) []byte { return makeTarGz(t, file("/etc/cron.d/evil.sol", contract)) },
			code: CodePathTraversal, wantPath: "/etc/cron.d/evil.sol"},
		{name: "a backslash path is path traversal", upload: "p.zip",
			data: func(t *testing.T) []byte { return makeZip(t, file(`..\..\evil.sol`, contract)) },
			code: CodePathTraversal},
		{name: "a drive letter is path traversal", upload: "p.zip",
			data: func(t *testing.T) []byte { return makeZip(t, file("C:/Windows/evil.sol", contract)) },
			code: CodePathTraversal},
		{name: "a directory entry climbing out is path traversal even though it holds nothing", upload: "p.tar.gz",
			data: func(t *testing.T) []byte {
				return makeTarGz(t, entry{name: "../outside/", kind: "dir"}, file("A.sol", contract))
			},
			code: CodePathTraversal},
		{name: "a skipped file with a traversal path is still rejected", upload: "p.zip",
			data: func(t *testing.T) []byte { return makeZip(t, file("A.sol", contract), file("../README.md", "x")) },
			code: CodePathTraversal},
		{name: "a path longer than the limit is rejected", upload: "p.zip", lim: Limits{MaxPathLength: 20},
			data: func(t *testing.T) []byte { return makeZip(t, file("src/a-very-long-file-name.sol", contract)) },
			code: CodePathTooLong},
		{name: "a path deeper than the limit is rejected", upload: "p.zip", lim: Limits{MaxPathDepth: 3},
			data: func(t *testing.T) []byte { return makeZip(t, file("a/b/c/d/A.sol", contract)) },
			code: CodePathTooLong},
		{name: "a zip symlink is rejected", upload: "p.zip",
			data: func(t *testing.T) []byte {
				return makeZip(t, entry{name: "src/A.sol", body: "/etc/passwd", kind: "symlink"})
			},
			code: CodeLinkNotAllowed, wantPath: "src/A.sol"},
		{name: "a tar symlink is rejected", upload: "p.tar.gz",
			data: func(t *testing.T) []byte {
				return makeTarGz(t, entry{name: "src/A.sol", body: "/etc/passwd", kind: "symlink"})
			},
			code: CodeLinkNotAllowed},
		{name: "a tar hard link is rejected", upload: "p.tar.gz",
			data: func(t *testing.T) []byte {
				return makeTarGz(t, file("A.sol", contract), entry{name: "B.sol", body: "A.sol", kind: "hardlink"})
			},
			code: CodeLinkNotAllowed, wantPath: "B.sol"},
		{name: "a tar character device is rejected", upload: "p.tar.gz",
			data: func(t *testing.T) []byte { return makeTarGz(t, entry{name: "dev/zero", kind: "chardev"}) },
			code: CodeSpecialFile},
		{name: "a tar FIFO is rejected", upload: "p.tar.gz",
			data: func(t *testing.T) []byte { return makeTarGz(t, entry{name: "pipe", kind: "fifo"}) },
			code: CodeSpecialFile},
		{name: "a zip device is rejected", upload: "p.zip",
			data: func(t *testing.T) []byte { return makeZip(t, entry{name: "dev/null", kind: "chardev"}) },
			code: CodeSpecialFile},
		{name: "the same path twice is rejected", upload: "p.zip",
			data: func(t *testing.T) []byte {
				return makeZip(t, file("src/A.sol", contract), file("src/./A.sol", contract))
			},
			code: CodeDuplicatePath, wantPath: "src/./A.sol"},
		{name: "a path that is both a file and a directory is rejected", upload: "p.zip",
			data: func(t *testing.T) []byte { return makeZip(t, file("A.sol", contract), file("A.sol/B.sol", contract)) },
			code: CodeDuplicatePath},
		{name: "more source files than the limit is rejected", upload: "p.zip", lim: Limits{MaxFiles: 2},
			data: func(t *testing.T) []byte {
				return makeZip(t, file("A.sol", contract), file("B.sol", contract), file("C.sol", contract))
			},
			code: CodeTooManyFiles, wantPath: "C.sol"},
		{name: "more archive entries than the limit is rejected even when they would be skipped", upload: "p.tar.gz", lim: Limits{MaxEntries: 3},
			data: func(t *testing.T) []byte {
				return makeTarGz(t, file("A.sol", contract), file("1.md", ""), file("2.md", ""), file("3.md", ""))
			},
			code: CodeTooManyFiles},
		{name: "a file over the per-file limit is rejected", upload: "p.tar.gz", lim: Limits{MaxFileBytes: 10},
			data: func(t *testing.T) []byte { return makeTarGz(t, file("A.sol", contract)) },
			code: CodeFileTooLarge, wantPath: "A.sol"},
		{name: "files expanding past the total limit are rejected", upload: "p.zip", lim: Limits{MaxTotalBytes: 60},
			data: func(t *testing.T) []byte { return makeZip(t, file("A.sol", contract), file("B.sol", contract)) },
			code: CodeArchiveTooLarge},
		{name: "a zip bomb is rejected on its compression ratio", upload: "bomb.zip",
			data: func(t *testing.T) []byte { return makeZip(t, file("A.sol", zeros)) },
			code: CodeCompressionRatio},
		{name: "a tar.gz bomb hidden in a skipped file is rejected on its compression ratio", upload: "bomb.tar.gz",
			data: func(t *testing.T) []byte { return makeTarGz(t, file("A.sol", contract), file("README.md", zeros)) },
			code: CodeCompressionRatio},
		{name: "a tar.gz expanding past the total limit in a skipped file is rejected", upload: "p.tar.gz", lim: Limits{MaxTotalBytes: 4096},
			data: func(t *testing.T) []byte {
				return makeTarGz(t, file("A.sol", contract), file("data.bin", strings.Repeat("x", 8192)))
			},
			code: CodeArchiveTooLarge},
		{name: "an upload over the byte limit is rejected", upload: "A.sol", lim: Limits{MaxUploadBytes: 16},
			data: func(t *testing.T) []byte { return []byte(contract) },
			code: CodeUploadTooLarge, wantPath: "A.sol"},
		{name: "an archive without Solidity is rejected", upload: "p.zip",
			data: func(t *testing.T) []byte { return makeZip(t, file("README.md", "hello")) },
			code: CodeNoSources},
		{name: "a remapping to an absolute path is rejected", upload: "p.zip",
			data: func(t *testing.T) []byte {
				return makeZip(t, file("remappings.txt", "evil/=/etc/\n"), file("A.sol", contract))
			},
			code: CodeInvalidRemapping},
		{name: "a foundry.toml remapping climbing out is rejected", upload: "p.tar.gz",
			data: func(t *testing.T) []byte {
				return makeTarGz(t, file("foundry.toml", "[profile.default]\nremappings = [\"x/=../../x/\"]\n"), file("src/A.sol", contract))
			},
			code: CodeInvalidRemapping},
		{name: "a foundry.toml remapping to an absolute path in another profile is rejected", upload: "p.zip",
			data: func(t *testing.T) []byte {
				return makeZip(t, file("foundry.toml", "[profile.default]\n[profile.ci]\nremappings = [\"x/=/etc/\"]\n"), file("src/A.sol", contract))
			},
			code: CodeInvalidRemapping, wantPath: "foundry.toml"},
		{name: "a remapping hidden in a foundry.toml comment is rejected, as the engine would read it", upload: "p.zip",
			data: func(t *testing.T) []byte {
				return makeZip(t, file("foundry.toml", "[profile.default]\n# remappings = [\"x/=/home/\"]\n"), file("src/A.sol", contract))
			},
			code: CodeInvalidRemapping, wantPath: "foundry.toml"},
		{name: "a foundry.toml that does not parse is rejected", upload: "p.zip",
			data: func(t *testing.T) []byte {
				return makeZip(t, file("foundry.toml", "[profile.default\nsrc = "), file("src/A.sol", contract))
			},
			code: CodeInvalidProjectFile, wantPath: "foundry.toml"},
		{name: "a text file is an unsupported format", upload: "notes.txt",
			data: func(t *testing.T) []byte { return []byte("hello") },
			code: CodeUnsupportedFormat},
		{name: "garbage named .zip is a bad archive", upload: "p.zip",
			data: func(t *testing.T) []byte { return []byte("definitely not a zip") },
			code: CodeBadArchive},
		{name: "a truncated tar.gz is a bad archive", upload: "p.tar.gz",
			data: func(t *testing.T) []byte {
				full := makeTarGz(t, file("A.sol", strings.Repeat(contract, 100)))
				return full[:len(full)/2]
			},
			code: CodeBadArchive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Read(tt.upload, bytes.NewReader(tt.data(t)), tt.lim)
			assert.Nil(t, b)
			ue := requireCode(t, err, tt.code)
			if tt.wantPath != "" {
				assert.Equal(t, tt.wantPath, ue.Path)
				assert.Contains(t, ue.Detail, tt.wantPath, "the message names the file")
			}
		})
	}
}

func TestRejectionsOfFilesSentDirectly(t *testing.T) {
	tests := []struct {
		name  string
		files []File
		lim   Limits
		code  Code
	}{
		{"a non-source file is rejected rather than skipped", []File{{"A.sol", []byte(contract)}, {"notes.txt", []byte("x")}}, Limits{}, CodeNotSource},
		{"a traversal path in a form file name is rejected", []File{{"../A.sol", []byte(contract)}}, Limits{}, CodePathTraversal},
		{"an archive together with other files is rejected", []File{{"A.sol", []byte(contract)}, {"p.zip", makeZip(t, file("B.sol", contract))}}, Limits{}, CodeUnsupportedFormat},
		{"files over the upload limit together are rejected", []File{{"A.sol", []byte(contract)}, {"B.sol", []byte(contract)}}, Limits{MaxUploadBytes: 50}, CodeUploadTooLarge},
		{"the same name twice is rejected", []File{{"A.sol", []byte(contract)}, {"A.sol", []byte(contract)}}, Limits{}, CodeDuplicatePath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromFiles(tt.files, tt.lim)
			requireCode(t, err, tt.code)
		})
	}
}

func TestErrorStatusSeparatesLimitsFromBadContent(t *testing.T) {
	assert.Equal(t, http.StatusRequestEntityTooLarge, (&Error{Code: CodeCompressionRatio}).HTTPStatus())
	assert.Equal(t, http.StatusUnsupportedMediaType, (&Error{Code: CodeUnsupportedFormat}).HTTPStatus())
	assert.Equal(t, http.StatusUnprocessableEntity, (&Error{Code: CodePathTraversal}).HTTPStatus())
}

func foundryProject() []entry {
	return []entry{
		{name: "vault-main/", kind: "dir"},
		file("vault-main/foundry.toml", "[profile.default]\nsrc = \"src\"\nlibs = [\"lib\"]\nremappings = [\n  \"@oz/=lib/openzeppelin-contracts/contracts/\", # OpenZeppelin\n]\n"),
		file("vault-main/remappings.txt", "# comment\nsolmate/=lib/solmate/src/\n"),
		file("vault-main/src/Vault.sol", "pragma solidity ^0.8.20;\nimport \"@oz/token/ERC20.sol\";\nimport \"forge-std/Test.sol\";\nimport \"solmate/Auth.sol\";\ncontract Vault is ERC20 {}\n"),
		file("vault-main/test/Vault.t.sol", "pragma solidity ^0.8.20;\nimport \"../src/Vault.sol\";\ncontract VaultTest {}\n"),
		file("vault-main/script/Deploy.s.sol", "pragma solidity ^0.8.20;\ncontract Deploy {}\n"),
		file("vault-main/lib/forge-std/src/Test.sol", "pragma solidity ^0.8.20;\ncontract Test {}\n"),
		file("vault-main/lib/forge-std/README.md", "forge-std"),
		file("vault-main/lib/openzeppelin-contracts/contracts/token/ERC20.sol", "pragma solidity ^0.8.20;\ncontract ERC20 {}\n"),
		file("vault-main/lib/solmate/src/Auth.sol", "pragma solidity ^0.8.20;\ncontract Auth {}\n"),
		file("vault-main/README.md", "# Vault"),
		file("vault-main/.git/config", "[core]"),
		file("vault-main/out/Vault.sol/Vault.json", "{}"),
	}
}

func TestFoundryProject(t *testing.T) {
	b, err := Read("vault.tar.gz", bytes.NewReader(makeTarGz(t, foundryProject()...)), Limits{})
	require.NoError(t, err)

	assert.Equal(t, LayoutFoundry, b.Layout)
	assert.Equal(t, []string{
		"foundry.toml",
		"lib/forge-std/src/Test.sol",
		"lib/openzeppelin-contracts/contracts/token/ERC20.sol",
		"lib/solmate/src/Auth.sol",
		"remappings.txt",
		"script/Deploy.s.sol",
		"src/Vault.sol",
		"test/Vault.t.sol",
	}, b.Paths(), "the GitHub-style top directory is stripped and debris skipped")
	assert.Equal(t, 4, b.Skipped, "two READMEs, .git/config and the build artifact")
	assert.Equal(t, []string{"src/Vault.sol"}, b.Entries, "tests, scripts and lib/ are not analysed")
	assert.Equal(t, []string{
		"solmate/=lib/solmate/src/",
		"@oz/=lib/openzeppelin-contracts/contracts/",
		"forge-std/=lib/forge-std/src/",
		"openzeppelin-contracts/=lib/openzeppelin-contracts/",
	}, b.Remappings, "remappings.txt, then foundry.toml, then the inferred lib/ ones not already mapped")
	var total int64
	for _, d := range b.Files {
		total += int64(len(d))
	}
	assert.Equal(t, total, b.TotalBytes)
}

// The bundle, written to disk with its remappings, is what the analysis
// engine needs: every import of the entry resolves.
func TestFoundryBundleLoadsInTheAnalysisEngine(t *testing.T) {
	b, err := Read("vault.tar.gz", bytes.NewReader(makeTarGz(t, foundryProject()...)), Limits{})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, b.WriteDir(dir))

	var entries []string
	for _, e := range b.Entries {
		entries = append(entries, filepath.Join(dir, filepath.FromSlash(e)))
	}
	p, err := analysis.Load(entries, analysis.LoadOptions{Remappings: b.Remappings})
	require.NoError(t, err)
	assert.Empty(t, p.Diagnostics)
	assert.Len(t, p.Files, 4, "the entry and its three imports")
}

func TestHardhatProject(t *testing.T) {
	data := makeZip(t,
		file("hardhat.config.ts", "export default {};"),
		file("package.json", `{"name":"coin"}`),
		file("contracts/Coin.sol", "pragma solidity ^0.8.20;\nimport \"@openzeppelin/contracts/token/ERC20/ERC20.sol\";\ncontract Coin is ERC20 {}\n"),
		file("contracts/test/Mock.t.sol", contract),
		file("node_modules/@openzeppelin/contracts/token/ERC20/ERC20.sol", "pragma solidity ^0.8.20;\ncontract ERC20 {}\n"),
		file("node_modules/@openzeppelin/contracts/package.json", `{"name":"@openzeppelin/contracts"}`),
		file("node_modules/solady/src/Lib.sol", contract),
		file("node_modules/left-pad/index.js", "module.exports = 1"),
		file("test/coin.test.ts", "it()"),
	)
	b, err := Read("coin.zip", bytes.NewReader(data), Limits{})
	require.NoError(t, err)

	assert.Equal(t, LayoutHardhat, b.Layout)
	assert.Equal(t, []string{"contracts/Coin.sol"}, b.Entries)
	assert.Equal(t, []string{
		"@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/",
		"solady/=node_modules/solady/",
	}, b.Remappings)
	assert.Equal(t, 2, b.Skipped)
	assert.Contains(t, b.Files, "node_modules/@openzeppelin/contracts/package.json")
}

func TestPlainUploads(t *testing.T) {
	t.Run("a single file is its own entry", func(t *testing.T) {
		b, err := Read("Token.sol", strings.NewReader(contract), Limits{})
		require.NoError(t, err)
		assert.Equal(t, LayoutPlain, b.Layout)
		assert.Equal(t, []string{"Token.sol"}, b.Entries)
		assert.Empty(t, b.Remappings)
		assert.Equal(t, int64(len(contract)), b.TotalBytes)
	})
	t.Run("a folder without a project file keeps its name", func(t *testing.T) {
		b, err := FromFiles([]File{{"contracts/A.sol", []byte(contract)}, {"contracts/B.sol", []byte(contract)}}, Limits{})
		require.NoError(t, err)
		assert.Equal(t, []string{"contracts/A.sol", "contracts/B.sol"}, b.Entries)
	})
	t.Run("only test files are still analysed rather than nothing", func(t *testing.T) {
		b, err := FromFiles([]File{{"test/A.t.sol", []byte(contract)}}, Limits{})
		require.NoError(t, err)
		assert.Equal(t, []string{"test/A.t.sol"}, b.Entries)
	})
	t.Run("an archive is recognised by its content when its name says nothing", func(t *testing.T) {
		b, err := Read("upload", bytes.NewReader(makeZip(t, file("A.sol", contract))), Limits{})
		require.NoError(t, err)
		assert.Equal(t, []string{"A.sol"}, b.Paths())
	})
}

func multipartBody(t *testing.T, fields map[string]string, files ...File) *multipart.Reader {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="files"; filename="`+f.Name+`"`)
		w, err := mw.CreatePart(h)
		require.NoError(t, err)
		_, err = w.Write(f.Data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return multipart.NewReader(&buf, mw.Boundary())
}

func TestReadMultipart(t *testing.T) {
	t.Run("several files keep their directories and fields come back", func(t *testing.T) {
		mr := multipartBody(t, map[string]string{"tools": "builtin,slither"},
			File{"src/A.sol", []byte(contract)}, File{"src/lib/B.sol", []byte(contract)})
		b, fields, err := ReadMultipart(mr, Limits{})
		require.NoError(t, err)
		assert.Equal(t, []string{"src/A.sol", "src/lib/B.sol"}, b.Paths())
		assert.Equal(t, map[string]string{"tools": "builtin,slither"}, fields)
	})
	t.Run("a single archive part is expanded", func(t *testing.T) {
		mr := multipartBody(t, nil, File{"p.tar.gz", makeTarGz(t, file("A.sol", contract))})
		b, _, err := ReadMultipart(mr, Limits{})
		require.NoError(t, err)
		assert.Equal(t, []string{"A.sol"}, b.Paths())
	})
	t.Run("parts over the upload limit together are rejected", func(t *testing.T) {
		mr := multipartBody(t, nil, File{"A.sol", []byte(contract)}, File{"B.sol", []byte(contract)})
		_, _, err := ReadMultipart(mr, Limits{MaxUploadBytes: 60})
		ue := requireCode(t, err, CodeUploadTooLarge)
		assert.Equal(t, int64(60), ue.Limit)
	})
	t.Run("form fields count against the upload limit", func(t *testing.T) {
		mr := multipartBody(t, map[string]string{"note": strings.Repeat("x", 100)}, File{"A.sol", []byte(contract)})
		_, _, err := ReadMultipart(mr, Limits{MaxUploadBytes: 120})
		requireCode(t, err, CodeUploadTooLarge)
	})
	t.Run("more parts than the entry limit are rejected", func(t *testing.T) {
		mr := multipartBody(t, map[string]string{"a": "1", "b": "2", "c": "3"}, File{"A.sol", []byte(contract)})
		_, _, err := ReadMultipart(mr, Limits{MaxEntries: 2})
		requireCode(t, err, CodeTooManyFiles)
	})
	t.Run("a form without files is rejected", func(t *testing.T) {
		mr := multipartBody(t, map[string]string{"a": "b"})
		_, _, err := ReadMultipart(mr, Limits{})
		requireCode(t, err, CodeNoSources)
	})
}

func TestHashIdentifiesByteIdenticalSources(t *testing.T) {
	a := []byte("pragma solidity ^0.8.0;\ncontract A {}\n")
	bsrc := []byte("pragma solidity ^0.8.0;\ncontract B {}\n")
	hash := func(t *testing.T, name string, data []byte) string {
		t.Helper()
		b, err := Read(name, bytes.NewReader(data), Limits{})
		require.NoError(t, err)
		return b.Hash
	}
	zip1 := hash(t, "p.zip", makeZip(t, file("src/A.sol", string(a)), file("src/B.sol", string(bsrc))))

	t.Run("is the same whatever the archive order and format", func(t *testing.T) {
		assert.Equal(t, zip1, hash(t, "p.zip", makeZip(t, file("src/B.sol", string(bsrc)), file("src/A.sol", string(a)))))
		assert.Equal(t, zip1, hash(t, "p.tar.gz", makeTarGz(t, file("./src/B.sol", string(bsrc)), file("src/A.sol", string(a)))))
		b, err := FromFiles([]File{{"src/A.sol", a}, {"src/B.sol", bsrc}}, Limits{})
		require.NoError(t, err)
		assert.Equal(t, zip1, b.Hash)
	})
	t.Run("ignores skipped files", func(t *testing.T) {
		assert.Equal(t, zip1, hash(t, "p.zip", makeZip(t, file("src/A.sol", string(a)), file("README.md", "x"), file("src/B.sol", string(bsrc)))))
	})
	t.Run("changes with one byte of content", func(t *testing.T) {
		assert.NotEqual(t, zip1, hash(t, "p.zip", makeZip(t, file("src/A.sol", string(a)+" "), file("src/B.sol", string(bsrc)))))
	})
	t.Run("changes with a renamed file", func(t *testing.T) {
		assert.NotEqual(t, zip1, hash(t, "p.zip", makeZip(t, file("src/A2.sol", string(a)), file("src/B.sol", string(bsrc)))))
	})
	t.Run("cannot be forged by moving bytes between a path and its content", func(t *testing.T) {
		x := hashFiles(map[string][]byte{"a.sol": []byte("bc")})
		y := hashFiles(map[string][]byte{"a.solb": []byte("c")})
		assert.NotEqual(t, x, y)
	})
	t.Run("is a SHA-256 hex digest", func(t *testing.T) {
		assert.Len(t, zip1, 64)
	})
}

func TestWriteDirReproducesTheBundle(t *testing.T) {
	b, err := FromFiles([]File{{"src/A.sol", []byte(contract)}, {"foundry.toml", []byte("[profile.default]\n")}}, Limits{})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, b.WriteDir(dir))
	for p, want := range b.Files {
		got, err := fs.ReadFile(os.DirFS(dir), p)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}
