package solidity

import (
	"bytes"
	"os"
	"testing"
)

// benchSource builds a realistic input of about 1 MB by repeating the
// constructs test file (every construct, NatSpec, Yul) and a pre-0.5 file
// under distinct names.
func benchSource(b *testing.B) ([]byte, int) {
	b.Helper()
	var parts [][]byte
	for _, f := range []string{"testdata/constructs.sol", "testdata/old.sol", "testdata/token.sol"} {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		parts = append(parts, src)
	}
	var buf bytes.Buffer
	for buf.Len() < 1<<20 {
		for _, p := range parts {
			buf.Write(p)
			buf.WriteByte('\n')
		}
	}
	src := buf.Bytes()
	return src, bytes.Count(src, []byte("\n"))
}

// BenchmarkParse reports throughput in MB/s and lines/s on one core.
func BenchmarkParse(b *testing.B) {
	src, lines := benchSource(b)
	if _, errs := Parse("bench.sol", src); len(errs) > 0 {
		b.Fatalf("benchmark source has errors: %v", errs[0])
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Parse("bench.sol", src)
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkParseCorpus parses every .sol file under $SOLSEC_SOL_CORPUS
// (for example @openzeppelin/contracts installed from npm) per iteration.
func BenchmarkParseCorpus(b *testing.B) {
	root := os.Getenv("SOLSEC_SOL_CORPUS")
	if root == "" {
		b.Skip("SOLSEC_SOL_CORPUS not set")
	}
	var srcs [][]byte
	size, lines := 0, 0
	for _, f := range solFiles(b, root) {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src)
		size += len(src)
		lines += bytes.Count(src, []byte("\n"))
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, src := range srcs {
			Parse("corpus.sol", src)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
