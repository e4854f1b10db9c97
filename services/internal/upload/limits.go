package upload

// Limits bound what one upload may cost the service in memory, disk and CPU.
// The zero value of a field means "use the default" (see DefaultLimits), so
// callers set only what they change.
type Limits struct {
	// MaxUploadBytes bounds the bytes read from the client: the single file,
	// the archive, or all multipart parts together.
	MaxUploadBytes int64
	// MaxFiles bounds the number of files kept in the Bundle.
	MaxFiles int
	// MaxEntries bounds the number of archive entries of any kind, skipped
	// ones included, so that an archive of a million empty files is
	// rejected before it is walked.
	MaxEntries int
	// MaxFileBytes bounds one kept file.
	MaxFileBytes int64
	// MaxTotalBytes bounds the expanded size: the kept files of a zip, or the
	// whole decompressed stream of a tar.gz (which has to be decompressed to
	// be walked, skipped entries included).
	MaxTotalBytes int64
	// MaxCompressionRatio bounds expanded bytes / archive bytes. It is only
	// enforced once the expanded size passes ratioFloor, so a tiny archive of
	// highly repetitive source is not mistaken for a bomb.
	MaxCompressionRatio int64
	// MaxPathLength bounds a path in bytes; MaxPathDepth bounds its number of
	// elements.
	MaxPathLength int
	MaxPathDepth  int
}

// ratioFloor is the expanded size below which the compression ratio is not
// checked: MaxTotalBytes already bounds the damage, and small sources
// (a long run of identical lines) legitimately compress very well.
const ratioFloor = 1 << 20

// DefaultLimits fits real Foundry and Hardhat projects with their Solidity
// dependencies (OpenZeppelin, forge-std, Solmate: a few hundred files, a few
// MiB) with an order of magnitude to spare.
func DefaultLimits() Limits {
	return Limits{
		MaxUploadBytes:      32 << 20,
		MaxFiles:            2000,
		MaxEntries:          20000,
		MaxFileBytes:        2 << 20,
		MaxTotalBytes:       64 << 20,
		MaxCompressionRatio: 100,
		MaxPathLength:       400,
		MaxPathDepth:        24,
	}
}

// withDefaults fills every zero field from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxUploadBytes <= 0 {
		l.MaxUploadBytes = d.MaxUploadBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = d.MaxFiles
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = d.MaxFileBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxCompressionRatio <= 0 {
		l.MaxCompressionRatio = d.MaxCompressionRatio
	}
	if l.MaxPathLength <= 0 {
		l.MaxPathLength = d.MaxPathLength
	}
	if l.MaxPathDepth <= 0 {
		l.MaxPathDepth = d.MaxPathDepth
	}
	return l
}
