#!/usr/bin/env bash
# test-services.sh installs (when missing) and runs the PostgreSQL server the
# service tests share, on loopback only, and checks that redis-server is
# installed (tests start private Redis servers of their own).
#
#   eval "$(scripts/test-services.sh start)"   # start; prints the exports
#   scripts/test-services.sh stop
#
# Only `export` lines go to stdout so that the output can be eval'ed; progress
# goes to stderr. The server trusts loopback connections without a password:
# it holds nothing but throwaway test databases, listens on 127.0.0.1 only and
# its data directory lives under a temporary directory.
set -euo pipefail

cmd=${1:-start}
dir=${SOLSEC_SERVICES_DIR:-${TMPDIR:-/tmp}/solsec-test-services}
port=${SOLSEC_TEST_PG_PORT:-55439}
data=$dir/pg
sock=$dir/sock

log() { echo "test-services: $*" >&2; }

pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

install_missing() {
  local pkgs=()
  [ -n "$(pg_bindir)" ] && [ -x "$(pg_bindir)/initdb" ] || pkgs+=(postgresql)
  command -v redis-server >/dev/null || pkgs+=(redis-server)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${pkgs[*]}: install them (apt-get install ${pkgs[*]}) or run as root"
    exit 1
  fi
  log "installing ${pkgs[*]} from Debian's packages"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2
}

# PostgreSQL refuses to run as root, so as root the server runs as the
# postgres user the Debian package creates.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  install_missing
  local bin
  bin=$(pg_bindir)
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [ ! -s "$data/PG_VERSION" ]; then
    log "initialising a cluster in $data"
    mkdir -p "$data" "$sock"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$data" "$sock"
    chmod 700 "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$port"
    # Durability is traded for speed: these databases are thrown away.
    touch "$dir/postgres.log"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/postgres.log"
    as_pg "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 start \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $sock -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >&2 ||
      { tail -20 "$dir/postgres.log" >&2; exit 1; }
  fi
  echo "export SOLSEC_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
  echo "export SOLSEC_TEST_PG_BINDIR='$bin'"
}

stop() {
  local bin
  bin=$(pg_bindir)
  if [ -n "$bin" ] && [ -s "$data/PG_VERSION" ]; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >&2 || true
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
