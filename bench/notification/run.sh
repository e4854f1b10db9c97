#!/usr/bin/env bash
# Measures WebSocket delivery latency of the notification hub: CLIENTS
# concurrent clients on loopback (default 1000) each receive EVENTS events
# (default 50, one every GAP, default 200ms), COUNT runs (default 3). It prints the
# machine and its load with each run, because the numbers move with both.
# The benchmark itself is BenchmarkDelivery in services/internal/notify; it
# starts a private redis-server (installed by scripts/test-services.sh).
#
# Usage: bench/notification/run.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
clients="${CLIENTS:-1000}"
events="${EVENTS:-50}"
count="${COUNT:-3}"
gap="${GAP:-200ms}"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3)"
go test -c -o "${TMPDIR:-/tmp}/notify.bench" ./services/internal/notify/
for i in $(seq "$count"); do
  echo "run $i, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  SOLSEC_BENCH_CLIENTS="$clients" SOLSEC_BENCH_GAP="$gap" "${TMPDIR:-/tmp}/notify.bench" -test.run '^$' -test.bench Delivery -test.benchtime "${events}x" |
    grep -E '^Benchmark|FAIL' || true
done
