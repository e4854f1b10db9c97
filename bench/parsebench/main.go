//go:build solsecbench

// Command parsebench measures our Solidity parser's throughput on one core:
// it loads every .sol file of a corpus into memory, parses them all once to
// warm up, then times -runs more passes and reports the fastest, in lines
// and megabytes per second, with the allocations of one pass. It prints a
// readable line on stderr and, with -json, one JSON line on stdout in the
// shape of the Node peer timers so bench/run.sh can put them side by side.
//
// It is built through bench/gorun.sh (see there for why); usage:
//
//	bench/gorun.sh parsebench -corpus DIR [-runs N] [-json]
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/solsec/platform/services/internal/solidity"
)

type source struct {
	name string
	src  []byte
}

// result is what one benchmark run reports; field names match the Node
// timers' output.
type result struct {
	Tool          string  `json:"tool"`
	Version       string  `json:"version"`
	Files         int     `json:"files"`
	Lines         int     `json:"lines"`
	Bytes         int     `json:"bytes"`
	Errors        int     `json:"errors"`
	Runs          int     `json:"runs"`
	Seconds       float64 `json:"seconds"`
	LinesPerSec   int     `json:"linesPerSec"`
	MBPerSec      float64 `json:"mbPerSec"`
	AllocsPerPass uint64  `json:"allocsPerPass"`
	BytesPerPass  uint64  `json:"allocBytesPerPass"`
	GOMAXPROCS    int     `json:"gomaxprocs"`
}

// sink keeps the parsed trees reachable so the compiler cannot drop the work.
var sink []*solidity.SourceUnit

func main() {
	corpus := flag.String("corpus", "bench/.npm/node_modules/@openzeppelin/contracts", "directory of .sol files")
	runs := flag.Int("runs", 10, "timed passes after the warm-up; the fastest is reported")
	asJSON := flag.Bool("json", false, "also print the result as one JSON line on stdout")
	flag.Parse()

	// One core, as the throughput target is stated per core; the
	// garbage collector then competes with the parser as it would in a
	// single-threaded scan worker.
	runtime.GOMAXPROCS(1)

	files, err := load(*corpus)
	if err != nil {
		fmt.Fprintln(os.Stderr, "parsebench:", err)
		os.Exit(2)
	}
	if len(files) == 0 {
		fmt.Fprintf(os.Stderr, "parsebench: no .sol files under %s (run bench/setup.sh)\n", *corpus)
		os.Exit(2)
	}
	if *runs < 1 {
		*runs = 1
	}
	r := measure(files, *runs)
	fmt.Fprintf(os.Stderr, "solsec parser: %d files, %d lines, %d errors, best of %d: %.3f s, %d lines/s, %.2f MB/s, %d allocs (%.1f MB) per pass, GOMAXPROCS=%d\n",
		r.Files, r.Lines, r.Errors, r.Runs, r.Seconds, r.LinesPerSec, r.MBPerSec, r.AllocsPerPass, float64(r.BytesPerPass)/1e6, r.GOMAXPROCS)
	if *asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			fmt.Fprintln(os.Stderr, "parsebench:", err)
			os.Exit(2)
		}
		fmt.Println(string(b))
	}
}

func load(root string) ([]source, error) {
	var files []source
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(p) != ".sol" {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files = append(files, source{name: filepath.ToSlash(rel), src: src})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading corpus %s: %w", root, err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, nil
}

// countLines counts newline-terminated lines plus a final unterminated one,
// the rule the Node timers use, so lines/s compare like for like.
func countLines(src []byte) int {
	n := bytes.Count(src, []byte{'\n'})
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return n
}

func parseAll(files []source) int {
	errs := 0
	sink = sink[:0]
	for _, f := range files {
		u, es := solidity.Parse(f.name, f.src)
		errs += len(es)
		sink = append(sink, u)
	}
	return errs
}

func measure(files []source, runs int) result {
	r := result{Tool: "solsec", Version: "dev", Files: len(files), Runs: runs, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	for _, f := range files {
		r.Lines += countLines(f.src)
		r.Bytes += len(f.src)
	}
	r.Errors = parseAll(files) // warm-up: page in code, grow the heap once

	best := time.Duration(1<<63 - 1)
	var before, after runtime.MemStats
	for i := 0; i < runs; i++ {
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		parseAll(files)
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		if elapsed < best {
			best = elapsed
		}
		r.AllocsPerPass = after.Mallocs - before.Mallocs
		r.BytesPerPass = after.TotalAlloc - before.TotalAlloc
	}
	r.Seconds = best.Seconds()
	r.LinesPerSec = int(float64(r.Lines) / r.Seconds)
	r.MBPerSec = float64(int(float64(r.Bytes)/1e6/r.Seconds*100)) / 100
	return r
}
