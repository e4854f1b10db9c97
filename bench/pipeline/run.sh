#!/usr/bin/env bash
# bench/pipeline/run.sh measures the end-to-end time of a single-file
# analysis through the four pipeline services (BenchmarkSingleFileAnalysis
# in services/internal/pipeline): from the upload's transaction to the
# analysis completed, on loopback PostgreSQL and Redis that
# scripts/test-services.sh starts. It prints the machine first, so that a
# run pasted into docs/benchmarks.md says where it ran.
#
#   bench/pipeline/run.sh            50 analyses per case, 3 rounds
#   N=200 COUNT=5 bench/pipeline/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(scripts/test-services.sh start)"
export SOLSEC_REQUIRE_SERVICES=1

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "go: $(go version | cut -d' ' -f3), PostgreSQL: $("$SOLSEC_TEST_PG_BINDIR/postgres" --version | awk '{print $3}'), Redis: $(redis-server --version | awk '{print $3}' | cut -d= -f2)"
go test -run '^$' -bench 'SingleFileAnalysis' -benchtime "${N:-50}x" -count "${COUNT:-3}" ./services/internal/pipeline/ 2>&1 |
  grep -v '^{"time"'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
