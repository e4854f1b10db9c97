// Package tools runs security analysers over a set of Solidity sources and
// converts what each one reports into the engine's finding model
// (package findings), with SWC and DASP classification.
//
// Every analyser is a Tool: it has a name, detects whether it can run here
// and which version it is (Detect), and runs over sources copied into its
// own clean temporary directory (Run). The built-in engine (Engine) runs in
// process; Slither, Mythril, Solhint and any analyser that writes SARIF
// 2.1.0 run as subprocesses (External) when their binaries are found, each
// bounded by a timeout, an address-space limit, a cap on the output it may
// write and a minimal environment, in its own process group so that a
// timeout kills everything it started. A tool whose binary is missing is
// reported unavailable, with the reason, and never fails silently.
//
// The memory limit is RLIMIT_AS, set by exec'ing util-linux's prlimit in
// front of the tool (`prlimit --as=N -- slither ...`), or the POSIX
// shell's `ulimit -v` when prlimit is not installed. Go cannot set an
// rlimit between fork and exec, and lowering the service's own limit
// around a fork would affect every goroutine; a re-exec of the service
// binary as a limiter would work too but makes every tool run depend on
// the service's own main. RLIMIT_AS bounds address space, not resident
// memory, so Node-based Solhint, which reserves several GiB up front, gets
// a larger default than the Python tools. A tool that fails under the
// limit is reported StatusMemoryExceeded when its stderr shows an
// allocation failure (the kernel gives no other signal for RLIMIT_AS).
//
// The adapters (ParseSlither, ParseMythril, ParseSolhint, ParseSARIF) are
// pure functions from a tool's native output to findings; the mapping from
// each tool's detector ids to SWC, DASP, severity and confidence is the
// table in classify.go (Classify). Malformed output is an error that names
// the tool and what was wrong, never an empty result.
package tools
