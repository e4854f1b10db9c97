package upload

import (
	"errors"
	"io"
	"path"
	"strings"
)

// collector accumulates the files of one upload and enforces every
// per-file and running limit as they arrive, so a hostile upload is
// rejected at the first entry that breaks a rule, before it is fully read.
type collector struct {
	lim Limits
	// direct is true for files sent one by one (not in an archive): there a
	// file we would not keep is the client's mistake and is rejected, while
	// inside an archive it is project debris (README, tests' JSON fixtures)
	// and is skipped.
	direct  bool
	files   map[string][]byte
	parents map[string]bool // every directory that holds a kept file
	total   int64
	entries int
	skipped int
}

func newCollector(lim Limits, direct bool) *collector {
	return &collector{lim: lim, direct: direct, files: map[string][]byte{}, parents: map[string]bool{}}
}

// entry counts one archive entry of any kind against MaxEntries.
func (c *collector) entry(name string) *Error {
	c.entries++
	if c.entries > c.lim.MaxEntries {
		return reject(CodeTooManyFiles, name, int64(c.lim.MaxEntries), "the archive has more than %d entries", c.lim.MaxEntries)
	}
	return nil
}

// add validates a regular file named name and, if it is kept, reads it
// from r. declared is the size the archive claims (-1 if unknown); it lets
// an oversized file be rejected without decompressing it, but the read is
// bounded independently because the claim may lie.
func (c *collector) add(name string, declared int64, r io.Reader) error {
	p, err := cleanPath(name, c.lim)
	if err != nil {
		return err
	}
	if p == "" {
		return reject(CodePathTraversal, name, 0, "%q names the project root, not a file", name)
	}
	if !c.direct && isJunk(p) {
		c.skipped++
		return nil
	}
	if !isKept(p) {
		if c.direct {
			return reject(CodeNotSource, name, 0, "%q is not a Solidity source (.sol) or a project file (foundry.toml, remappings.txt, hardhat.config.*, package.json)", name)
		}
		c.skipped++
		return nil
	}
	if err := c.claim(name, p); err != nil {
		return err
	}
	if len(c.files) >= c.lim.MaxFiles {
		return reject(CodeTooManyFiles, name, int64(c.lim.MaxFiles), "%q is one file more than the limit of %d source and project files", name, c.lim.MaxFiles)
	}
	if declared > c.lim.MaxFileBytes {
		return c.fileTooLarge(name, declared)
	}
	data, rerr := io.ReadAll(io.LimitReader(r, c.lim.MaxFileBytes+1))
	if rerr != nil {
		// A limit hit while decompressing arrives as a read error.
		var limit *Error
		if errors.As(rerr, &limit) {
			return limit
		}
		return reject(CodeBadArchive, name, 0, "reading %q: %v", name, rerr)
	}
	if int64(len(data)) > c.lim.MaxFileBytes {
		return c.fileTooLarge(name, -1)
	}
	if err := c.grow(name, int64(len(data))); err != nil {
		return err
	}
	c.files[p] = data
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		c.parents[d] = true
	}
	return nil
}

// claim rejects p if it is already a file, already a directory of a kept
// file, or lies below a kept file: any of these would make the bundle
// ambiguous or impossible to write to disk.
func (c *collector) claim(name, p string) *Error {
	if _, dup := c.files[p]; dup {
		return reject(CodeDuplicatePath, name, 0, "%q appears more than once", name)
	}
	if c.parents[p] {
		return reject(CodeDuplicatePath, name, 0, "%q is both a file and a directory", name)
	}
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		if _, isFile := c.files[d]; isFile {
			return reject(CodeDuplicatePath, name, 0, "%q lies below %q, which is a file", name, d)
		}
	}
	return nil
}

func (c *collector) fileTooLarge(name string, size int64) *Error {
	if size >= 0 {
		return reject(CodeFileTooLarge, name, c.lim.MaxFileBytes, "%q is %d bytes; the limit per file is %d", name, size, c.lim.MaxFileBytes)
	}
	return reject(CodeFileTooLarge, name, c.lim.MaxFileBytes, "%q is larger than the limit per file of %d bytes", name, c.lim.MaxFileBytes)
}

// grow adds n kept bytes to the running total.
func (c *collector) grow(name string, n int64) *Error {
	c.total += n
	if c.total > c.lim.MaxTotalBytes {
		return reject(CodeArchiveTooLarge, name, c.lim.MaxTotalBytes, "the files expand to more than %d bytes (limit reached at %q)", c.lim.MaxTotalBytes, name)
	}
	return nil
}

// commonRoot returns the single top-level directory every kept file sits in
// when that directory is the project root (it holds a project file), as in
// GitHub's "repo-main/" archives; "" otherwise. A plain "contracts/" folder
// is not stripped, because imports may name it.
func commonRoot(files map[string][]byte) string {
	root := ""
	for p := range files {
		first, _, ok := strings.Cut(p, "/")
		if !ok || (root != "" && first != root) {
			return ""
		}
		root = first
	}
	for name := range projectFiles {
		if _, ok := files[root+"/"+name]; ok {
			return root
		}
	}
	return ""
}
