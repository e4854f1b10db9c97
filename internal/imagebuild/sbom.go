package imagebuild

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// SBOMDir is where the SBOM layer puts the document in the image: the
// directory apko-built images use, which SBOM scanners (Syft, Grype,
// Trivy) read.
const SBOMDir = "/var/lib/db/sbom"

// SPDX is the part of an SPDX 2.3 JSON document this package writes and
// tests read back.
type SPDX struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      SPDXCreationInfo   `json:"creationInfo"`
	Packages          []SPDXPackage      `json:"packages"`
	Relationships     []SPDXRelationship `json:"relationships"`
}

// SPDXCreationInfo says when and by what the document was made.
type SPDXCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

// SPDXPackage is one Go module (or the standard library) in the binary.
type SPDXPackage struct {
	SPDXID           string            `json:"SPDXID"`
	Name             string            `json:"name"`
	VersionInfo      string            `json:"versionInfo"`
	DownloadLocation string            `json:"downloadLocation"`
	FilesAnalyzed    bool              `json:"filesAnalyzed"`
	Checksums        []SPDXChecksum    `json:"checksums,omitempty"`
	Comment          string            `json:"comment,omitempty"`
	ExternalRefs     []SPDXExternalRef `json:"externalRefs,omitempty"`
}

// SPDXChecksum is a checksum of a package.
type SPDXChecksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

// SPDXExternalRef is a package URL.
type SPDXExternalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

// SPDXRelationship links two elements of the document.
type SPDXRelationship struct {
	SPDXElementID      string `json:"spdxElementId"`
	RelationshipType   string `json:"relationshipType"`
	RelatedSPDXElement string `json:"relatedSpdxElement"`
}

// sbomFor describes a built binary from the build information the Go
// linker embedded in it (what `go version -m` prints): the main module at
// the release version, the Go standard library at the toolchain's version,
// and every dependency module at the version that was linked, with
// replacements resolved. Everything in it derives from the binary and the
// options, so the same build gives the same document.
func sbomFor(binary, name, version, arch string, created time.Time) ([]byte, error) {
	bi, err := buildinfo.ReadFile(binary)
	if err != nil {
		return nil, fmt.Errorf("read build information of %s: %w", binary, err)
	}
	f, err := os.Open(binary)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	sum := hex.EncodeToString(h.Sum(nil))

	var settings []string
	for _, s := range bi.Settings {
		settings = append(settings, s.Key+"="+s.Value)
	}
	mainID := "SPDXRef-Package-" + spdxID(bi.Path)
	doc := SPDX{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name: fmt.Sprintf("%s %s linux/%s", name, version, arch),
		// Unique per binary, as SPDX asks, and still reproducible.
		DocumentNamespace: fmt.Sprintf("https://github.com/solsec/platform/spdx/%s/%s/linux-%s/%s", name, version, arch, sum),
		CreationInfo:      SPDXCreationInfo{Created: created.UTC().Format(time.RFC3339), Creators: []string{"Tool: solsec-imagebuild", "Organization: solsec"}},
	}
	doc.Packages = append(doc.Packages, SPDXPackage{
		SPDXID: mainID, Name: bi.Path, VersionInfo: version, DownloadLocation: "NOASSERTION",
		Checksums:    []SPDXChecksum{{Algorithm: "SHA256", ChecksumValue: sum}},
		Comment:      "built with " + bi.GoVersion + ": " + strings.Join(settings, " "),
		ExternalRefs: []SPDXExternalRef{purl(bi.Main.Path, version)},
	}, SPDXPackage{
		SPDXID: "SPDXRef-Package-stdlib", Name: "stdlib", VersionInfo: bi.GoVersion, DownloadLocation: "https://go.dev/dl/",
		ExternalRefs: []SPDXExternalRef{purl("stdlib", bi.GoVersion)},
	})
	doc.Relationships = []SPDXRelationship{
		{SPDXElementID: "SPDXRef-DOCUMENT", RelationshipType: "DESCRIBES", RelatedSPDXElement: mainID},
		{SPDXElementID: mainID, RelationshipType: "DEPENDS_ON", RelatedSPDXElement: "SPDXRef-Package-stdlib"},
	}
	deps := make([]*debug.Module, 0, len(bi.Deps))
	for _, d := range bi.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		deps = append(deps, d)
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Path < deps[j].Path })
	for _, d := range deps {
		// The hash keeps ids apart when the mapping to SPDX's alphabet
		// makes two module paths alike (a/b-c and a-b/c).
		pathSum := sha256.Sum256([]byte(d.Path + "@" + d.Version))
		id := "SPDXRef-Package-" + spdxID(d.Path+"-"+d.Version) + "-" + hex.EncodeToString(pathSum[:4])
		p := SPDXPackage{
			SPDXID: id, Name: d.Path, VersionInfo: d.Version,
			DownloadLocation: "https://proxy.golang.org/" + strings.ToLower(d.Path) + "/@v/" + d.Version + ".zip",
			ExternalRefs:     []SPDXExternalRef{purl(d.Path, d.Version)},
		}
		if d.Sum != "" {
			// The module's go.sum hash (h1: is a SHA-256 over the
			// module's files), which SPDX has no algorithm name for.
			p.Comment = "go.sum " + d.Sum
		}
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, SPDXRelationship{SPDXElementID: mainID, RelationshipType: "DEPENDS_ON", RelatedSPDXElement: id})
	}
	return json.MarshalIndent(doc, "", "  ")
}

func purl(module, version string) SPDXExternalRef {
	return SPDXExternalRef{ReferenceCategory: "PACKAGE-MANAGER", ReferenceType: "purl",
		ReferenceLocator: "pkg:golang/" + module + "@" + version}
}

// spdxID keeps what SPDX allows in an element id (letters, digits, '.', '-').
func spdxID(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '-'
	}, s)
}
