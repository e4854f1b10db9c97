#!/usr/bin/env bash
# Installs the benchmark corpus and the peer tools from npm into bench/.npm.
#
# Every package is pinned so that numbers from different runs and machines are
# comparable. The script is idempotent: when each package is already present
# with the pinned version it does nothing, so `make crosscheck` and
# `make bench-analysis` can call it every time at no cost.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="$here/.npm"

# name@version pairs; the issue fixes these versions.
pins=(
  "@openzeppelin/contracts@5.7.0"
  "@solidity-parser/parser@0.20.2"
  "solc@0.8.37"
  "solhint@6.2.4"
)

installed_version() {
  local pkg="$1"
  local manifest="$prefix/node_modules/$pkg/package.json"
  [[ -f "$manifest" ]] || return 0
  node -e 'process.stdout.write(require(process.argv[1]).version)' "$manifest"
}

missing=()
for pin in "${pins[@]}"; do
  name="${pin%@*}"
  want="${pin##*@}"
  have="$(installed_version "$name")"
  if [[ "$have" != "$want" ]]; then
    missing+=("$pin")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "bench/setup.sh: all pinned packages present in bench/.npm"
  exit 0
fi

command -v npm >/dev/null || { echo "bench/setup.sh: npm is required (apt-get install -y nodejs npm)" >&2; exit 1; }

mkdir -p "$prefix"
# A private package.json keeps npm from walking up to any other project.
if [[ ! -f "$prefix/package.json" ]]; then
  printf '{\n  "name": "solsec-bench-peers",\n  "private": true\n}\n' >"$prefix/package.json"
fi

echo "bench/setup.sh: installing ${missing[*]}"
# Install all pins together so npm resolves one consistent tree.
npm install --prefix "$prefix" --no-audit --no-fund --save-exact "${pins[@]}"

for pin in "${pins[@]}"; do
  name="${pin%@*}"
  want="${pin##*@}"
  have="$(installed_version "$name")"
  if [[ "$have" != "$want" ]]; then
    echo "bench/setup.sh: $name is $have after install, want $want" >&2
    exit 1
  fi
done
echo "bench/setup.sh: done"
