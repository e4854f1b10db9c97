#!/usr/bin/env bash
# Installs what the browser tests need, when missing: Debian's chromium and
# axe-core (pinned) from npm into .npm beside this script. Idempotent: with
# both present it does nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
axe_version="4.14.1"

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

manifest="$here/.npm/node_modules/axe-core/package.json"
have=""
if [[ -f "$manifest" ]]; then
  have="$(node -e 'process.stdout.write(require(process.argv[1]).version)' "$manifest")"
fi
if [[ "$have" != "$axe_version" ]]; then
  echo "installing axe-core@$axe_version into $here/.npm" >&2
  mkdir -p "$here/.npm"
  npm install --prefix "$here/.npm" --no-audit --no-fund --save-exact "axe-core@$axe_version" >/dev/null
fi
