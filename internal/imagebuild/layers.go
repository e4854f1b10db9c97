package imagebuild

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// NonRoot is the user and group every image runs as and owns its files:
// distroless's "nonroot" (65532), which Kubernetes' runAsNonRoot accepts
// because it is numeric.
const NonRoot = 65532

// epoch is the modification time of every file in the layers this package
// writes: a fixed time, so that a rebuild of the same sources gives the
// same bytes. The commit time is in the image's config, not in its files.
var epoch = time.Unix(0, 0).UTC()

// entry is one file, directory or symlink of a layer.
type entry struct {
	// name is the path inside the image, without a leading slash.
	name string
	mode int64
	// typ is tar.TypeReg, tar.TypeDir or tar.TypeSymlink.
	typ      byte
	linkname string
	// open returns the content of a regular file.
	open func() (io.ReadCloser, error)
	size int64
}

// header gives every entry the same owner, time and format, and no write
// bit: files in the image are read-only even for the user they run as.
func (e entry) header() *tar.Header {
	return &tar.Header{
		Typeflag: e.typ,
		Name:     e.name,
		Linkname: e.linkname,
		Size:     e.size,
		Mode:     e.mode &^ 0o222,
		Uid:      NonRoot,
		Gid:      NonRoot,
		Uname:    "nonroot",
		Gname:    "nonroot",
		ModTime:  epoch,
		Format:   tar.FormatPAX,
	}
}

func bytesEntry(name string, mode int64, b []byte) entry {
	return entry{name: name, mode: mode, typ: tar.TypeReg, size: int64(len(b)),
		open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}

func fileEntry(name string, mode int64, src string) (entry, error) {
	st, err := os.Stat(src)
	if err != nil {
		return entry{}, err
	}
	return entry{name: name, mode: mode, typ: tar.TypeReg, size: st.Size(),
		open: func() (io.ReadCloser, error) { return os.Open(src) }}, nil
}

func dirEntry(name string) entry {
	return entry{name: strings.TrimSuffix(name, "/") + "/", mode: 0o755, typ: tar.TypeDir}
}

// layer writes entries, sorted by name, into a gzipped OCI layer. The tar
// stream is written again on each read rather than kept in memory; the
// files behind it must not change while the image is in use.
func layer(entries []entry, mt types.MediaType) (v1.Layer, error) {
	sorted := append([]entry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].name == sorted[i-1].name {
			return nil, fmt.Errorf("layer: %s appears twice", sorted[i].name)
		}
	}
	opener := func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeTar(pw, sorted)) }()
		return pr, nil
	}
	return tarball.LayerFromOpener(opener, tarball.WithMediaType(mt), tarball.WithCompressedCaching)
}

func writeTar(w io.Writer, entries []entry) error {
	tw := tar.NewWriter(w)
	for _, e := range entries {
		if err := tw.WriteHeader(e.header()); err != nil {
			return fmt.Errorf("tar header %s: %w", e.name, err)
		}
		if e.typ != tar.TypeReg {
			continue
		}
		rc, err := e.open()
		if err != nil {
			return err
		}
		n, err := io.Copy(tw, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("tar %s: %w", e.name, err)
		}
		if n != e.size {
			return fmt.Errorf("tar %s: changed while being written (%d bytes, expected %d)", e.name, n, e.size)
		}
	}
	return tw.Close()
}

// Dir is a directory of the build machine copied into the image as a layer
// of its own: how the tool-integration image carries external analysers
// (Solhint and its node_modules, installed from a lockfile). docs/images.md
// explains the choice.
type Dir struct {
	// Source is the directory on the build machine.
	Source string
	// Target is the absolute path it appears at in the image.
	Target string
}

// DirLayer turns a directory into a reproducible layer at target: entries
// sorted, the fixed time and owner of every layer, modes kept but for the
// write bits, symlinks kept if they stay inside the directory. Anything
// else (devices, sockets, links out of the tree) is an error, not silently
// dropped. mt is the layer media type, the base image's kind (OCI or Docker).
func DirLayer(d Dir, mt types.MediaType) (v1.Layer, error) {
	if !path.IsAbs(d.Target) || path.Clean(d.Target) == "/" {
		return nil, fmt.Errorf("layer target %q: want an absolute directory other than /", d.Target)
	}
	root, err := filepath.Abs(d.Source)
	if err != nil {
		return nil, err
	}
	target := strings.TrimPrefix(path.Clean(d.Target), "/")
	entries := []entry{dirEntry(target)}
	err = filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "." {
			return err
		}
		name := path.Join(target, filepath.ToSlash(rel))
		info, err := de.Info()
		if err != nil {
			return err
		}
		mode := int64(info.Mode().Perm())
		switch {
		case de.IsDir():
			e := dirEntry(name)
			e.mode = mode
			entries = append(entries, e)
		case info.Mode().IsRegular():
			e, err := fileEntry(name, mode, p)
			if err != nil {
				return err
			}
			entries = append(entries, e)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if filepath.IsAbs(link) || !strings.HasPrefix(filepath.Join(filepath.Dir(p), link), root+string(filepath.Separator)) {
				return fmt.Errorf("%s: symlink to %s leaves %s", p, link, root)
			}
			entries = append(entries, entry{name: name, mode: 0o777, typ: tar.TypeSymlink, linkname: filepath.ToSlash(link)})
		default:
			return fmt.Errorf("%s: %s files cannot go into an image layer", p, info.Mode().Type())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("layer from %s: %w", d.Source, err)
	}
	return layer(entries, mt)
}
