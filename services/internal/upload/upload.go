// Package upload turns what a client sends (one .sol file, several files in
// a multipart form, or a .zip / .tar.gz of a Foundry or Hardhat project)
// into a validated, in-memory Bundle of sources, or into an *Error whose
// Code says why not.
//
// Everything an upload can do to hurt the service is bounded by Limits and
// checked while reading, before the content is trusted: sizes, counts,
// expansion ratio, path traversal, links and special files, duplicates.
//
// What is kept: .sol files (dependencies under lib/ and node_modules/
// included) and the project files that change resolution: foundry.toml,
// remappings.txt, hardhat.config.{js,ts,cjs,mjs} and package.json. Inside an
// archive every other regular file (README, JSON artifacts, .git/, macOS
// __MACOSX/ debris) is skipped and counted in Bundle.Skipped; sent directly
// it is rejected with CodeNotSource, because then it is a client mistake
// worth reporting. Links, devices and unsafe paths are rejected wherever
// they appear, skipped or not: they only occur in crafted archives.
package upload

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Bundle is a validated source set. Paths are relative, slash-separated
// and clean; none escapes the project root.
type Bundle struct {
	// Files maps each kept path to its content.
	Files map[string][]byte
	// TotalBytes is the summed size of Files.
	TotalBytes int64
	Layout     Layout
	// Remappings are solc "[context:]prefix=target" entries with targets
	// relative to the project root, the form analysis.LoadOptions.Remappings
	// takes. They include the ones the toolchains infer for lib/ and
	// node_modules/ packages.
	Remappings []string
	// Entries are the sorted paths of the sources to analyse (not
	// dependencies, not tests or scripts when there is anything else).
	Entries []string
	// Hash is the hex SHA-256 over every path and content in path order:
	// byte-identical sources have the same Hash, whatever the upload form or
	// archive order, so it keys the result cache.
	Hash string
	// Skipped counts archive files that were neither sources nor project
	// files and were left out.
	Skipped int
}

// File is one file of a multi-file upload.
type File struct {
	Name string // relative path, e.g. "src/Token.sol"
	Data []byte
}

// Read reads one upload named name from r: a Solidity file (".sol"), a zip
// (".zip") or a gzip-compressed tarball (".tar.gz", ".tgz"). Names with
// another suffix are recognised by their leading magic bytes. At most
// lim.MaxUploadBytes are read from r.
func Read(name string, r io.Reader, lim Limits) (*Bundle, error) {
	lim = lim.withDefaults()
	data, err := readAll(name, r, lim.MaxUploadBytes)
	if err != nil {
		return nil, err
	}
	return fromData(name, data, lim)
}

// FromFiles builds a Bundle from files sent one by one. An archive among
// them is rejected: send it alone.
func FromFiles(files []File, lim Limits) (*Bundle, error) {
	lim = lim.withDefaults()
	c := newCollector(lim, true)
	var sent int64
	for _, f := range files {
		sent += int64(len(f.Data))
		if sent > lim.MaxUploadBytes {
			return nil, reject(CodeUploadTooLarge, f.Name, lim.MaxUploadBytes, "the files sent exceed %d bytes (limit reached at %q)", lim.MaxUploadBytes, f.Name)
		}
		if archiveKind(f.Name, f.Data) != "" && len(files) > 1 {
			return nil, reject(CodeUnsupportedFormat, f.Name, 0, "%q is an archive; send an archive on its own, not together with other files", f.Name)
		}
		if err := c.add(f.Name, int64(len(f.Data)), bytes.NewReader(f.Data)); err != nil {
			return nil, err
		}
	}
	return c.finish()
}

// ReadMultipart reads every part of a multipart/form-data body. File parts
// keep the path the client put in their filename (Go's Part.FileName drops
// directories, so the header is parsed here); a single archive part is
// expanded. Parts without a filename are form fields and are returned as
// such, each bounded to 64 KiB. All parts together are bounded by
// lim.MaxUploadBytes and their number by lim.MaxEntries. The handler should
// still wrap the body in http.MaxBytesReader, which also bounds the part
// headers this function does not see.
func ReadMultipart(mr *multipart.Reader, lim Limits) (*Bundle, map[string]string, error) {
	lim = lim.withDefaults()
	const maxField = 64 << 10
	fields := map[string]string{}
	var files []File
	remaining := lim.MaxUploadBytes
	for parts := 1; ; parts++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, reject(CodeBadArchive, "", 0, "malformed multipart body: %v", err)
		}
		if parts > lim.MaxEntries {
			return nil, nil, reject(CodeTooManyFiles, "", int64(lim.MaxEntries), "the form has more than %d parts", lim.MaxEntries)
		}
		name, isFile := partFileName(part)
		if !isFile {
			v, err := io.ReadAll(io.LimitReader(part, maxField+1))
			if err != nil || len(v) > maxField {
				return nil, nil, reject(CodeUploadTooLarge, part.FormName(), maxField, "form field %q is unreadable or longer than %d bytes", part.FormName(), maxField)
			}
			// Fields share the byte budget, so many small ones cannot
			// bypass it.
			if remaining -= int64(len(v)); remaining < 0 {
				return nil, nil, reject(CodeUploadTooLarge, part.FormName(), lim.MaxUploadBytes, "the form exceeds %d bytes (limit reached at field %q)", lim.MaxUploadBytes, part.FormName())
			}
			fields[part.FormName()] = string(v)
			continue
		}
		data, rerr := readAll(name, part, remaining)
		if rerr != nil {
			if e, ok := rerr.(*Error); ok && e.Code == CodeUploadTooLarge {
				e.Limit = lim.MaxUploadBytes
				e.Detail = fmt.Sprintf("the files sent exceed %d bytes (limit reached at %q)", lim.MaxUploadBytes, name)
			}
			return nil, nil, rerr
		}
		remaining -= int64(len(data))
		files = append(files, File{Name: name, Data: data})
	}
	if len(files) == 0 {
		return nil, nil, reject(CodeNoSources, "", 0, "the form holds no file part")
	}
	if len(files) == 1 {
		b, err := fromData(files[0].Name, files[0].Data, lim)
		return b, fields, err
	}
	b, err := FromFiles(files, lim)
	return b, fields, err
}

// partFileName returns the raw filename parameter of a part's
// Content-Disposition, directories included.
func partFileName(p *multipart.Part) (string, bool) {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return "", false
	}
	name, ok := params["filename"]
	return name, ok
}

func readAll(name string, r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, reject(CodeBadArchive, name, 0, "reading %q: %v", name, err)
	}
	if int64(len(data)) > limit {
		return nil, reject(CodeUploadTooLarge, name, limit, "%q is larger than the upload limit of %d bytes", name, limit)
	}
	return data, nil
}

func fromData(name string, data []byte, lim Limits) (*Bundle, error) {
	switch archiveKind(name, data) {
	case "zip":
		c := newCollector(lim, false)
		if err := readZip(c, data); err != nil {
			return nil, err
		}
		return c.finish()
	case "tar.gz":
		c := newCollector(lim, false)
		if err := readTarGz(c, data); err != nil {
			return nil, err
		}
		return c.finish()
	}
	if !isKept(name) {
		return nil, reject(CodeUnsupportedFormat, name, 0, "%q is neither a Solidity file (.sol) nor a .zip or .tar.gz archive", name)
	}
	return FromFiles([]File{{Name: name, Data: data}}, lim)
}

// archiveKind recognises an archive by name, then by magic bytes, so a
// client that names a zip "project" is still understood; "" if neither.
func archiveKind(name string, data []byte) string {
	switch {
	case strings.HasSuffix(name, ".zip"):
		return "zip"
	case strings.HasSuffix(name, ".tar.gz"), strings.HasSuffix(name, ".tgz"):
		return "tar.gz"
	case isSource(name):
		return ""
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return "zip"
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		return "tar.gz"
	}
	return ""
}

// finish derives the project facts and the hash from the collected files.
func (c *collector) finish() (*Bundle, error) {
	files := c.files
	if root := commonRoot(files); root != "" {
		stripped := make(map[string][]byte, len(files))
		for p, d := range files {
			stripped[strings.TrimPrefix(p, root+"/")] = d
		}
		files = stripped
	}
	hasSource := false
	for p := range files {
		hasSource = hasSource || isSource(p)
	}
	if !hasSource {
		return nil, reject(CodeNoSources, "", 0, "the upload holds no Solidity (.sol) file")
	}
	pr, err := readProject(files)
	if err != nil {
		return nil, err
	}
	return &Bundle{
		Files:      files,
		TotalBytes: c.total,
		Layout:     pr.layout,
		Remappings: pr.remappings,
		Entries:    pr.entries(files),
		Hash:       hashFiles(files),
		Skipped:    c.skipped,
	}, nil
}

// hashFiles hashes length-prefixed paths and contents in path order; the
// length prefixes make the encoding unambiguous, so no two different file
// sets share an input.
func hashFiles(files map[string][]byte) string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	var n [8]byte
	for _, p := range paths {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
		binary.BigEndian.PutUint64(n[:], uint64(len(files[p])))
		h.Write(n[:])
		h.Write(files[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Paths returns every path of the bundle, sorted.
func (b *Bundle) Paths() []string {
	paths := make([]string, 0, len(b.Files))
	for p := range b.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// WriteDir writes the bundle under dir (created if missing) so tools that
// read a file system (the analysis engine, Slither) can run on it. Writes
// go through os.Root, so even a path that slipped past validation could not
// land outside dir.
func (b *Bundle) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("upload: create %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("upload: open %s: %w", dir, err)
	}
	defer root.Close()
	for _, p := range b.Paths() {
		if d := path.Dir(p); d != "." {
			if err := root.MkdirAll(filepath.FromSlash(d), 0o755); err != nil {
				return fmt.Errorf("upload: write %s: %w", p, err)
			}
		}
		if err := root.WriteFile(filepath.FromSlash(p), b.Files[p], 0o644); err != nil {
			return fmt.Errorf("upload: write %s: %w", p, err)
		}
	}
	return nil
}
