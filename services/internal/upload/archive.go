package upload

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"strings"
)

// readZip walks a zip archive held in memory. Entries that are skipped are
// never decompressed, so only kept files count towards the expanded size.
func readZip(c *collector, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	// ErrInsecurePath (GODEBUG zipinsecurepath=0) still yields a usable
	// reader; cleanPath rejects those names with a precise message.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return reject(CodeBadArchive, "", 0, "not a readable zip archive: %v", err)
	}
	if len(zr.File) > c.lim.MaxEntries {
		return reject(CodeTooManyFiles, "", int64(c.lim.MaxEntries), "the archive has %d entries; the limit is %d", len(zr.File), c.lim.MaxEntries)
	}
	for _, f := range zr.File {
		if err := c.entry(f.Name); err != nil {
			return err
		}
		mode := f.Mode()
		if err := checkType(f.Name, mode); err != nil {
			return err
		}
		if mode.IsDir() || strings.HasSuffix(f.Name, "/") {
			if _, err := cleanPath(f.Name, c.lim); err != nil {
				return err
			}
			continue
		}
		if f.Flags&0x1 != 0 {
			return reject(CodeBadArchive, f.Name, 0, "%q is encrypted", f.Name)
		}
		if err := addZipFile(c, f); err != nil {
			return err
		}
		if err := checkRatio(c, c.total, int64(len(data))); err != nil {
			return err
		}
	}
	return nil
}

func addZipFile(c *collector, f *zip.File) error {
	var rc io.ReadCloser
	open := func() (io.Reader, error) {
		var err error
		rc, err = f.Open()
		return rc, err
	}
	defer func() {
		if rc != nil {
			rc.Close()
		}
	}()
	// Clamp so a forged size cannot overflow int64 and pass as negative.
	declared := int64(1 << 62)
	if f.UncompressedSize64 < 1<<62 {
		declared = int64(f.UncompressedSize64)
	}
	return c.add(f.Name, declared, &lazyReader{open: open})
}

// lazyReader opens its source on first Read, so that an entry the collector
// skips or rejects on its name alone is never decompressed.
type lazyReader struct {
	open func() (io.Reader, error)
	r    io.Reader
}

func (l *lazyReader) Read(p []byte) (int, error) {
	if l.r == nil {
		r, err := l.open()
		if err != nil {
			return 0, err
		}
		l.r = r
	}
	return l.r.Read(p)
}

// readTarGz walks a gzip-compressed tar stream. Skipped entries are
// decompressed too (a stream cannot seek past them), so the expanded-size
// and ratio limits apply to every decompressed byte, not only kept files.
func readTarGz(c *collector, data []byte) error {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return reject(CodeBadArchive, "", 0, "not a readable gzip stream: %v", err)
	}
	defer gz.Close()
	stream := &countingReader{r: gz}
	tr := tar.NewReader(stream)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			// Next decompressed the last entry's remainder to find the end.
			return streamLimitsErr(c, stream, data)
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			if rerr := streamLimits(c, stream, data); rerr != nil {
				return rerr
			}
			return reject(CodeBadArchive, "", 0, "not a readable tar archive: %v", err)
		}
		if err := streamLimits(c, stream, data); err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		if err := c.entry(hdr.Name); err != nil {
			return err
		}
		switch hdr.Typeflag {
		case tar.TypeReg:
			body := &boundedReader{r: tr, check: func() *Error { return streamLimits(c, stream, data) }}
			if err := c.add(hdr.Name, hdr.Size, body); err != nil {
				return err
			}
		case tar.TypeDir:
			if _, err := cleanPath(hdr.Name, c.lim); err != nil {
				return err
			}
		case tar.TypeSymlink:
			return reject(CodeLinkNotAllowed, hdr.Name, 0, "%q is a symbolic link (to %q); archives may hold regular files only", hdr.Name, hdr.Linkname)
		case tar.TypeLink:
			return reject(CodeLinkNotAllowed, hdr.Name, 0, "%q is a hard link (to %q); archives may hold regular files only", hdr.Name, hdr.Linkname)
		default:
			return reject(CodeSpecialFile, hdr.Name, 0, "%q is a %s; archives may hold regular files only", hdr.Name, tarKind(hdr.Typeflag))
		}
	}
}

// streamLimits applies the expanded-size and ratio limits to the bytes
// decompressed from a tar.gz so far.
func streamLimits(c *collector, s *countingReader, data []byte) *Error {
	if s.n > c.lim.MaxTotalBytes {
		return reject(CodeArchiveTooLarge, "", c.lim.MaxTotalBytes, "the archive expands to more than %d bytes", c.lim.MaxTotalBytes)
	}
	return checkRatio(c, s.n, int64(len(data)))
}

// streamLimitsErr is streamLimits for callers returning error, where a nil
// *Error must become a nil interface.
func streamLimitsErr(c *collector, s *countingReader, data []byte) error {
	if err := streamLimits(c, s, data); err != nil {
		return err
	}
	return nil
}

func checkRatio(c *collector, expanded, compressed int64) *Error {
	if expanded > ratioFloor && expanded > compressed*c.lim.MaxCompressionRatio {
		return reject(CodeCompressionRatio, "", c.lim.MaxCompressionRatio,
			"the archive expands from %d to more than %d bytes, over %d times its size", compressed, expanded, c.lim.MaxCompressionRatio)
	}
	return nil
}

// checkType rejects zip entries that are not regular files or directories.
func checkType(name string, mode fs.FileMode) *Error {
	switch {
	case mode&fs.ModeSymlink != 0:
		return reject(CodeLinkNotAllowed, name, 0, "%q is a symbolic link; archives may hold regular files only", name)
	case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
		return reject(CodeSpecialFile, name, 0, "%q is a special file (%v); archives may hold regular files only", name, mode.Type())
	}
	return nil
}

func tarKind(t byte) string {
	switch t {
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "FIFO"
	case tar.TypeGNUSparse:
		return "sparse file"
	default:
		return "non-regular entry (type " + string(rune(t)) + ")"
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// boundedReader re-checks the stream limits after every read, so one huge
// tar entry is stopped while it is being decompressed.
type boundedReader struct {
	r     io.Reader
	check func() *Error
}

func (b *boundedReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if cerr := b.check(); cerr != nil {
		return n, cerr
	}
	return n, err
}
