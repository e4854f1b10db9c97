#!/usr/bin/env bash
# Builds and runs one of the Go bench programs (bench/crosscheck,
# bench/parsebench) that use our parser.
#
# Why the detour: the parser lives in services/internal/solidity, and Go's
# internal-package rule lets only code under services/ import it. Rather than
# put benchmark tooling among the deployable services, the programs stay in
# bench/ behind the `solsecbench` build tag (so `go build ./...` and
# `go vet ./...` skip them), and this script compiles each one through a
# `go build -overlay` that presents its main.go as if it were
# services/benchtools/<name>/main.go. Nothing is written to services/.
#
# Usage: bench/gorun.sh crosscheck|parsebench [ARGS...]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

tool="${1:-}"
case "$tool" in
  crosscheck | parsebench) shift ;;
  *)
    echo "usage: bench/gorun.sh crosscheck|parsebench [ARGS...]" >&2
    exit 2
    ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

virtual="$root/services/benchtools/$tool/main.go"
printf '{"Replace":{"%s":"%s"}}\n' "$virtual" "$here/$tool/main.go" >"$work/overlay.json"

(cd "$root" && go build -tags solsecbench -overlay "$work/overlay.json" -o "$work/$tool" "./services/benchtools/$tool")
"$work/$tool" "$@"
