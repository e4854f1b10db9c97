package findings

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"path"
	"strings"
)

// fingerprintDomain is hashed first so that a future change of the recipe
// (v2) can never produce a value equal to a v1 fingerprint.
const fingerprintDomain = "solsec-fingerprint-v1"

// Fingerprint returns the stable identity of a finding at one place in the
// code, 32 lower-case hex digits. It hashes, in this order:
//
//  1. the detector id,
//  2. the file path (slash-separated, cleaned, without a leading "./"),
//  3. the enclosing contract name,
//  4. the enclosing function name,
//  5. the offending code, normalised by NormalizeCode.
//
// Line and column numbers and byte offsets are deliberately left out, so the
// fingerprint survives reformatting, added or removed lines elsewhere in the
// file, and moving the function within its contract. Changing the offending
// code, renaming the function or contract, moving the code into another
// function or renaming the file changes it.
//
// Each field is written as its byte length (8 bytes, big-endian) followed by
// its bytes, so no two different field tuples hash the same input; the
// SHA-256 digest is truncated to 128 bits.
//
// When the code is empty (a producer kept no snippet) the message stands in
// for it; see Finding.baseFingerprint.
func Fingerprint(detectorID, file, contract, function, code string) string {
	h := sha256.New()
	var n [8]byte
	for _, field := range []string{fingerprintDomain, detectorID, cleanPath(file), contract, function, NormalizeCode(code)} {
		binary.BigEndian.PutUint64(n[:], uint64(len(field)))
		h.Write(n[:])
		h.Write([]byte(field))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// baseFingerprint is Fingerprint over the finding's own fields, before any
// occurrence number is added.
func (f *Finding) baseFingerprint() string {
	p := f.Primary()
	code := p.Snippet
	if strings.TrimSpace(code) == "" {
		code = f.Message
	}
	return Fingerprint(f.ID, p.File, f.Contract, f.Function, code)
}

func cleanPath(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	if p == "" {
		return ""
	}
	return strings.TrimPrefix(path.Clean(p), "./")
}

// NormalizeCode reduces Solidity source text to a form that ignores layout:
// comments are removed, and whitespace is dropped except for one space where
// it separates two word characters (letters, digits, '_' and '$'), so
// `uint256  x` stays `uint256 x` while `a = b ;` becomes `a=b;`. String
// literals are copied unchanged, spaces and comment-like text included,
// because their content is code.
func NormalizeCode(src string) string {
	var b strings.Builder
	b.Grow(len(src))
	pendingSpace := false
	// emit writes c, first inserting the one space a removed whitespace run
	// leaves between two word characters.
	emit := func(c byte) {
		if pendingSpace && b.Len() > 0 && isWordByte(b.String()[b.Len()-1]) && isWordByte(c) {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteByte(c)
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			pendingSpace = true
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				i = len(src)
			} else {
				i += 2 + end + 1
			}
			pendingSpace = true
		case c == '"' || c == '\'':
			emit(c)
			for i++; i < len(src); i++ {
				b.WriteByte(src[i])
				if src[i] == '\\' && i+1 < len(src) {
					i++
					b.WriteByte(src[i])
					continue
				}
				if src[i] == c {
					break
				}
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			pendingSpace = true
		default:
			emit(c)
		}
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
