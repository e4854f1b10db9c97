package upload

import (
	"fmt"
	"net/http"
)

// Code is the stable, machine-readable reason an upload was rejected. API
// clients switch on it, so existing values never change meaning.
type Code string

// Rejection codes.
const (
	// CodeUploadTooLarge: the request body or archive exceeds Limits.MaxUploadBytes.
	CodeUploadTooLarge Code = "upload_too_large"
	// CodeFileTooLarge: one file exceeds Limits.MaxFileBytes.
	CodeFileTooLarge Code = "file_too_large"
	// CodeArchiveTooLarge: the expanded content exceeds Limits.MaxTotalBytes.
	CodeArchiveTooLarge Code = "archive_too_large"
	// CodeCompressionRatio: the archive expands more than Limits.MaxCompressionRatio
	// times its compressed size, the signature of a decompression bomb.
	CodeCompressionRatio Code = "compression_ratio"
	// CodeTooManyFiles: more source files than Limits.MaxFiles, or more archive
	// entries of any kind than Limits.MaxEntries.
	CodeTooManyFiles Code = "too_many_files"
	// CodePathTraversal: a path that is absolute, climbs with "..", uses
	// backslashes, a drive letter or a NUL byte.
	CodePathTraversal Code = "path_traversal"
	// CodePathTooLong: a path longer than Limits.MaxPathLength bytes or deeper
	// than Limits.MaxPathDepth directories.
	CodePathTooLong Code = "path_too_long"
	// CodeLinkNotAllowed: a symbolic or hard link in an archive.
	CodeLinkNotAllowed Code = "link_not_allowed"
	// CodeSpecialFile: a device, FIFO, socket or other non-regular archive entry.
	CodeSpecialFile Code = "special_file"
	// CodeDuplicatePath: the same path twice, or a path that is both a file
	// and a directory.
	CodeDuplicatePath Code = "duplicate_path"
	// CodeNotSource: a file sent directly (not inside an archive) that is
	// neither Solidity nor a project file.
	CodeNotSource Code = "not_source"
	// CodeNoSources: the upload holds no Solidity file to analyse.
	CodeNoSources Code = "no_sources"
	// CodeInvalidRemapping: a remapping that is malformed or points outside
	// the project.
	CodeInvalidRemapping Code = "invalid_remapping"
	// CodeInvalidProjectFile: foundry.toml that does not parse.
	CodeInvalidProjectFile Code = "invalid_project_file"
	// CodeUnsupportedFormat: neither .sol, .zip nor .tar.gz, or an archive
	// sent together with other files.
	CodeUnsupportedFormat Code = "unsupported_format"
	// CodeBadArchive: a corrupt, truncated or encrypted archive.
	CodeBadArchive Code = "bad_archive"
)

// Error is the one error type the package returns for a rejected upload.
// Every rejection is the client's fault and maps to a 4xx status.
type Error struct {
	Code Code
	// Path is the offending file as it appeared in the upload, "" when the
	// rejection concerns the upload as a whole.
	Path string
	// Limit is the limit that was exceeded, 0 when no numeric limit applies.
	Limit int64
	// Detail is a human-readable explanation naming the file and the limit.
	Detail string
}

func (e *Error) Error() string {
	return fmt.Sprintf("upload rejected (%s): %s", e.Code, e.Detail)
}

// HTTPStatus is the status an API answers the rejection with: 413 for
// exceeded size and count limits, 415 for an unknown format, 422 otherwise.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case CodeUploadTooLarge, CodeFileTooLarge, CodeArchiveTooLarge, CodeCompressionRatio, CodeTooManyFiles:
		return http.StatusRequestEntityTooLarge
	case CodeUnsupportedFormat:
		return http.StatusUnsupportedMediaType
	default:
		return http.StatusUnprocessableEntity
	}
}

func reject(code Code, path string, limit int64, format string, args ...any) *Error {
	return &Error{Code: code, Path: path, Limit: limit, Detail: fmt.Sprintf(format, args...)}
}
