#!/usr/bin/env bash
# Measures our parser (and, once services/solsec exists, `solsec scan`) side
# by side with the npm peers on the OpenZeppelin corpus, in the same run, and
# prints one table. Ratios are only meaningful within one run: the machine is
# shared, so absolute numbers move with its load (printed at the end).
#
# Usage: bench/run.sh            (RUNS=N sets the timed passes of each parser,
#                                 SCAN_RUNS=N the timed runs of each scanner)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
corpus="$here/.npm/node_modules/@openzeppelin/contracts"
runs="${RUNS:-5}"
scan_runs="${SCAN_RUNS:-3}"

bash "$here/setup.sh"

# Every parser gets the same single core when taskset is available, so the
# comparison is per core on both sides (Node's GC helper threads included).
pin=()
if command -v taskset >/dev/null; then
  pin=(taskset -c 0)
fi

# GNU time gives the scanners' peak RSS; install it where we may.
if [[ ! -x /usr/bin/time ]] && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  apt-get install -y -qq time >/dev/null 2>&1 || true
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
results="$work/results.jsonl"
: >"$results"

echo "== parse throughput (best of $runs after a warm-up, one core)" >&2
"${pin[@]}" "$here/gorun.sh" parsebench -corpus "$corpus" -runs "$runs" -json >>"$results"
"${pin[@]}" node "$here/peers/solidity-parser.js" --corpus "$corpus" --runs "$runs" >>"$results"
"${pin[@]}" node "$here/peers/solc-parse.js" --corpus "$corpus" --runs "$runs" >>"$results"

echo "== whole-corpus scan (best of $scan_runs after a warm-up, all cores)" >&2
if [[ ! -d "$root/services/solsec" ]]; then
  echo "services/solsec does not exist yet: skipping solsec scan" >&2
elif ! (cd "$root" && go build -o "$work/solsec" ./services/solsec); then
  # Keep the parser numbers: a CLI that is still being written must not cost
  # the whole run.
  echo "services/solsec does not build: skipping solsec scan" >&2
else
  # Built once above so that compilation is not timed; the report goes to
  # /dev/null: only the scan's cost is measured. Exit 1 (findings at or above
  # --fail-on) is a completed scan; table.js flags any other non-zero exit.
  node "$here/peers/measure.js" --label "solsec scan" --runs "$scan_runs" -- "$work/solsec" scan "$corpus" >>"$results"
fi
node "$here/peers/solhint.js" --corpus "$corpus" --runs "$scan_runs" >>"$results"

node "$here/table.js" "$results"
echo
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(node --version), $(go version | cut -d' ' -f3)"
