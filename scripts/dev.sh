#!/usr/bin/env bash
# dev.sh runs the whole platform on this machine, on loopback only.
#
#   scripts/dev.sh up     install PostgreSQL and Redis if missing, start them,
#                         migrate, build and start every service (the API,
#                         the pipeline, the notification service and the four
#                         web front ends behind one origin), print the API
#                         URL, an API key, the web app's sign-in URL and a
#                         dev user's e-mail and password (make dev)
#   scripts/dev.sh demo   up if needed, upload the sample Foundry project and
#                         print its findings (make dev-demo)
#   scripts/dev.sh down   stop the services, Redis and PostgreSQL (make dev-down)
#   scripts/dev.sh status what runs, and where the logs are
#
# Like scripts/test-services.sh it installs Debian's packages when a server is
# missing and runs PostgreSQL as the postgres user when run as root, but keeps
# its own cluster, port and data directory, so `make test` and `make dev` never
# share a database. Everything lives under $SOLSEC_DEV_DIR (default
# ${TMPDIR:-/tmp}/solsec-dev): data, binaries, logs, the JWT key set, the
# API key and, under secrets/ (0700, files 0600), the dev user's password and
# the front ends' CSRF key. The servers trust loopback connections without a
# password: they hold development data only and listen on 127.0.0.1.
#
# The notification service and the front ends are wired as in production
# (components/workloads): the notification service verifies tokens with the
# API's JWT key set and reads events from the same Redis the pipeline
# publishes to; the front ends call the API and the notification service
# directly and share one CSRF key; and one origin, $web_url, routes paths to
# them as the gateway does (components/workloads.Routes, served here by
# scripts/devtool edge). The origin is plain http on "localhost", which
# browsers treat as a secure context, so the cookies keep production's
# Secure flag and __Host- names (SOLSEC_WEB_SECURE_COOKIES stays true).
set -euo pipefail

cmd=${1:-up}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${SOLSEC_DEV_DIR:-${TMPDIR:-/tmp}/solsec-dev}
pg_port=${SOLSEC_DEV_PG_PORT:-55491}
redis_port=${SOLSEC_DEV_REDIS_PORT:-56391}
api_port=${SOLSEC_DEV_API_PORT:-8080}
# Admin ports (/healthz, /readyz, /metrics) of data-service and the workers
# (admin_base..+4), then of the four front ends (+5..+8) and the edge (+9).
admin_base=${SOLSEC_DEV_ADMIN_BASE:-9100}
notify_port=${SOLSEC_DEV_NOTIFY_PORT:-8081}
# The front ends' own page ports (web_base..+3), behind the edge on web_port.
web_base=${SOLSEC_DEV_WEB_BASE:-8082}
web_port=${SOLSEC_DEV_WEB_PORT:-8088}
data=$dir/pg
sock=$dir/sock
GO=${GO:-go}

db_url="postgres://postgres@127.0.0.1:$pg_port/solsec?sslmode=disable"
redis_url="redis://127.0.0.1:$redis_port/0"
api_url="http://127.0.0.1:$api_port"
notify_url="http://127.0.0.1:$notify_port"
web_url="http://localhost:$web_port"
blob_dir=$dir/blobs
secrets=$dir/secrets
dev_email=${SOLSEC_DEV_EMAIL:-dev@solsec.localhost}

# The services, in start order; the pipeline's four work its queues.
frontends=(ui-core analysis findings dashboard)
services=(data-service api-service contract-parser orchestration tool-integration intelligence-engine notification "${frontends[@]}")
# What down and status handle: the services and the edge in front of the
# front ends (scripts/devtool edge).
procs=("${services[@]}" web-edge)

log() { echo "dev: $*" >&2; }

pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

install_missing() {
  local pkgs=()
  [ -n "$(pg_bindir)" ] && [ -x "$(pg_bindir)/initdb" ] || pkgs+=(postgresql)
  command -v redis-server >/dev/null || pkgs+=(redis-server)
  command -v curl >/dev/null || pkgs+=(curl)
  command -v jq >/dev/null || pkgs+=(jq)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${pkgs[*]}: install them (apt-get install ${pkgs[*]}) or run as root"
    exit 1
  fi
  log "installing ${pkgs[*]} from Debian's packages"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2
}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local bin
  bin=$(pg_bindir)
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [ ! -s "$data/PG_VERSION" ]; then
    log "initialising a PostgreSQL cluster in $data"
    mkdir -p "$data" "$sock"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$data" "$sock"
    chmod 700 "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$pg_port"
    touch "$dir/postgres.log"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/postgres.log"
    as_pg "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 start \
      -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $sock -c max_connections=200" >&2 ||
      { tail -20 "$dir/postgres.log" >&2; exit 1; }
  fi
  if ! psql "postgres://postgres@127.0.0.1:$pg_port/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = 'solsec'" | grep -q 1; then
    psql -q "postgres://postgres@127.0.0.1:$pg_port/postgres" -c "CREATE DATABASE solsec" >&2
  fi
}

start_redis() {
  if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    return 0
  fi
  log "starting Redis on 127.0.0.1:$redis_port"
  mkdir -p "$dir/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --protected-mode yes --dir "$dir/redis" \
    --save "" --appendonly no --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2
  for _ in $(seq 50); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "Redis did not come up; see $dir/redis.log"
  exit 1
}

# build builds every service that exists. One that does not build (a
# colleague's change in progress) is reported and left out rather than
# keeping the rest of the platform down; the API and the pipeline are
# required.
build() {
  mkdir -p "$dir/bin"
  log "building ${services[*]}"
  local s
  for s in "${services[@]}"; do
    rm -f "$dir/bin/$s"
    [ -d "$root/services/$s" ] || { log "services/$s does not exist: skipped"; continue; }
    if ! (cd "$root" && $GO build -o "$dir/bin/$s" "./services/$s" 2>"$dir/build-$s.log"); then
      case $s in
        data-service) log "WARNING: $s does not build (see $dir/build-$s.log): running without retention; api-service migrates instead" ;;
        *) cat "$dir/build-$s.log" >&2; log "$s does not build"; exit 1 ;;
      esac
    fi
  done
  rm -f "$dir/bin/devtool"
  if ! (cd "$root" && $GO build -o "$dir/bin/devtool" ./scripts/devtool 2>"$dir/build-devtool.log"); then
    cat "$dir/build-devtool.log" >&2; log "scripts/devtool does not build"; exit 1
  fi
}

# secret_file prints the path of a 0600 file under $secrets, writing it with
# 32 random bytes (base64) when it does not exist. The values are never
# printed: the services read them from the files through start_service.
secret_file() {
  local f=$secrets/$1
  (
    umask 077
    mkdir -p "$secrets"
    chmod 700 "$secrets"
    [ -s "$f" ] || head -c 32 /dev/urandom | base64 -w0 >"$f"
    chmod 600 "$f"
  )
  echo "$f"
}

# csrf_key is the front ends' shared CSRF HMAC key, one per run: down
# deletes it, and up makes a new one unless a front end still runs with it.
csrf_key() {
  local s
  for s in "${frontends[@]}"; do
    running "$s" && { secret_file csrf-key; return; }
  done
  rm -f "$secrets/csrf-key"
  secret_file csrf-key
}

# jwt_keys writes the key set that signs login tokens, once.
jwt_keys() {
  local f=$dir/jwt-keys.json
  if [ ! -s "$f" ]; then
    umask 077
    printf '{"signing_key":"dev-1","keys":[{"kid":"dev-1","alg":"EdDSA","private_key":"%s"}]}\n' \
      "$(head -c 32 /dev/urandom | base64 -w0)" >"$f"
  fi
  echo "$f"
}

# api_key creates the "dev" organisation and an admin API key the first time
# and prints the key. The key has the API's format, ssk_<id>_<secret>, and the
# store keeps only SHA-256 of the secret, as auth.GenerateAPIKey does.
api_key() {
  local f=$dir/api-key
  if [ -s "$f" ] && psql "$db_url" -tAc "SELECT 1 FROM api_keys WHERE key_id = '$(cut -d_ -f2 "$f")' AND revoked_at IS NULL" | grep -q 1; then
    cat "$f"
    return
  fi
  local id secret hash
  id=$(head -c 8 /dev/urandom | xxd -p)
  secret=$(head -c 32 /dev/urandom | xxd -p -c 64)
  hash=$(printf '%s' "$secret" | xxd -r -p | sha256sum | cut -d' ' -f1)
  psql -q "$db_url" -v ON_ERROR_STOP=1 >&2 <<SQL
WITH org AS (
  INSERT INTO organizations (name) SELECT 'dev' WHERE NOT EXISTS (SELECT 1 FROM organizations WHERE name = 'dev')
  RETURNING id
), o AS (
  SELECT id FROM org UNION ALL SELECT id FROM organizations WHERE name = 'dev' LIMIT 1
)
INSERT INTO api_keys (org_id, key_id, name, role, secret_hash)
SELECT id, '$id', 'make dev', 'admin', decode('$hash', 'hex') FROM o;
SQL
  umask 077
  echo "ssk_${id}_${secret}" >"$f"
  cat "$f"
}

# dev_org creates the "dev" organisation the first time and prints its id.
dev_org() {
  psql -qtA "$db_url" -v ON_ERROR_STOP=1 <<SQL
INSERT INTO organizations (name) SELECT 'dev' WHERE NOT EXISTS (SELECT 1 FROM organizations WHERE name = 'dev');
SELECT id FROM organizations WHERE name = 'dev' ORDER BY created_at LIMIT 1;
SQL
}

# web_user creates the dev user (an admin of the "dev" organisation) the
# first time, the way api_key creates the API key: a row inserted with psql.
# The API has no endpoint that creates users, and the store's CreateUser and
# auth.HashPassword live under services/internal, which Go lets no package
# outside services/ import; so scripts/devtool hash-password computes the
# argon2id hash in auth.HashPassword's format (the password goes to it on
# stdin, never on a command line), and check_sign_in then signs in through
# the API's own login, which proves the hash is one the API accepts. The
# password is kept in $secrets/web-password (0600) and printed by up.
web_user() {
  local f=$secrets/web-password pw hash org
  if [ -s "$f" ] && psql "$db_url" -tAc "SELECT 1 FROM users WHERE email = '$dev_email'" | grep -q 1; then
    return
  fi
  pw=$(head -c 18 /dev/urandom | base64 -w0 | tr '+/' '-_')
  hash=$(printf '%s\n' "$pw" | "$dir/bin/devtool" hash-password)
  org=$(dev_org)
  # A user left from a run whose password file is gone is replaced (its
  # triage history keeps its decisions, with the user unset).
  psql -q "$db_url" -v ON_ERROR_STOP=1 >&2 <<SQL
DELETE FROM users WHERE email = '$dev_email';
INSERT INTO users (org_id, email, password_hash, role) VALUES ('$org', '$dev_email', '$hash', 'admin');
SQL
  (
    umask 077
    mkdir -p "$secrets"
    chmod 700 "$secrets"
    printf '%s\n' "$pw" >"$f"
    chmod 600 "$f"
  )
}

# check_sign_in signs the dev user in through the API, as the sign-in page
# does, so that make dev fails here rather than in the browser.
check_sign_in() {
  local status
  status=$(jq -n --arg e "$dev_email" --rawfile p "$secrets/web-password" '{email: $e, password: ($p | rtrimstr("\n"))}' |
    curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @- "$api_url/v1/auth/login")
  if [ "$status" != 200 ]; then
    log "the dev user cannot sign in through the API (HTTP $status); see $dir/logs/api-service.log"
    exit 1
  fi
}

pidfile() { echo "$dir/run/$1.pid"; }

running() {
  local p
  p=$(pidfile "$1")
  [ -s "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null
}

start_service() {
  local s=$1 port=$2
  shift 2
  if running "$s"; then
    return 0
  fi
  # (The edge is scripts/devtool, built with the services.)
  [ -x "$dir/bin/$s" ] || [ "$s" = web-edge ] || return 0
  mkdir -p "$dir/run" "$dir/logs"
  log "starting $s (log: $dir/logs/$s.log)"
  (
    export SOLSEC_DATABASE_URL=$db_url SOLSEC_REDIS_URL=$redis_url SOLSEC_BLOB_DIR=$blob_dir SOLSEC_LOG_LEVEL=${SOLSEC_LOG_LEVEL:-info}
    export SOLSEC_ADMIN_ADDR=127.0.0.1:$port SOLSEC_HTTP_ADDR=127.0.0.1:$port
    export SOLSEC_WORKDIR=$dir/work
    # The front ends (and the edge) reach the platform only through the
    # API and the notification service: no database, Redis or blobs.
    case " ${frontends[*]} web-edge " in
      *" $s "*) unset SOLSEC_DATABASE_URL SOLSEC_REDIS_URL SOLSEC_BLOB_DIR SOLSEC_WORKDIR ;;
    esac
    # Secrets go through the environment of the processes that need them,
    # read from their files here, never on a command line.
    case " ${frontends[*]} " in
      *" $s "*) SOLSEC_WEB_CSRF_KEY=$(cat "$secrets/csrf-key") && export SOLSEC_WEB_CSRF_KEY ;;
    esac
    exec "$@"
  ) >>"$dir/logs/$s.log" 2>&1 &
  echo $! >"$(pidfile "$s")"
}

wait_ready() {
  local s=$1 port=$2
  for _ in $(seq 150); do
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
      return 0
    fi
    if ! running "$s"; then
      log "$s exited; the end of its log:"
      tail -20 "$dir/logs/$s.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  log "$s is not ready after 30s; see $dir/logs/$s.log"
  exit 1
}

up() {
  install_missing
  start_postgres
  start_redis
  build
  mkdir -p "$blob_dir" "$dir/work"
  local keys port migrate=false
  if [ -x "$dir/bin/data-service" ]; then
    log "migrating the schema"
    SOLSEC_DATABASE_URL=$db_url "$dir/bin/data-service" migrate >>"$dir/migrate.log" 2>&1 ||
      { tail -20 "$dir/migrate.log" >&2; exit 1; }
  else
    migrate=true
  fi
  keys=$(jwt_keys)
  start_service data-service "$admin_base" "$dir/bin/data-service" serve
  start_service api-service "$api_port" env SOLSEC_JWT_KEYS_FILE="$keys" SOLSEC_MIGRATE=$migrate "$dir/bin/api-service"
  # The workers need the schema: with api-service migrating, wait for it.
  $migrate && wait_ready api-service "$api_port"
  port=$admin_base
  for s in contract-parser orchestration tool-integration intelligence-engine; do
    port=$((port + 1))
    start_service "$s" "$port" "$dir/bin/$s"
  done
  [ -x "$dir/bin/data-service" ] && wait_ready data-service "$admin_base"
  wait_ready api-service "$api_port"
  port=$admin_base
  for s in contract-parser orchestration tool-integration intelligence-engine; do
    port=$((port + 1))
    wait_ready "$s" "$port"
  done

  # The notification service: the API's JWT key set (the tokens the front
  # ends relay are the API's), the pipeline's Redis, and the web origin as
  # the one browsers may open /v1/ws from, as production lists its hosts.
  start_service notification "$notify_port" env SOLSEC_JWT_KEYS_FILE="$keys" \
    SOLSEC_WS_ALLOWED_ORIGINS="$web_url" "$dir/bin/notification"
  wait_ready notification "$notify_port"

  # The front ends: pages on web_base.., probes on admin_base+5.., the API
  # and the notification service at their own addresses (as pods reach
  # their Services), one CSRF key (start_service passes it).
  csrf_key >/dev/null
  local i=0
  for s in "${frontends[@]}"; do
    start_service "$s" "$((admin_base + 5 + i))" env SOLSEC_HTTP_ADDR="127.0.0.1:$((web_base + i))" \
      SOLSEC_ADMIN_ADDR="127.0.0.1:$((admin_base + 5 + i))" SOLSEC_API_URL="$api_url" \
      SOLSEC_NOTIFY_URL="$notify_url" "$dir/bin/$s"
    i=$((i + 1))
  done
  i=0
  for s in "${frontends[@]}"; do
    wait_ready "$s" "$((admin_base + 5 + i))"
    i=$((i + 1))
  done
  # The one origin, routing by path as the gateway does.
  start_service web-edge "$((admin_base + 9))" "$dir/bin/devtool" edge \
    -listen "127.0.0.1:$web_port" -admin "127.0.0.1:$((admin_base + 9))" \
    -api "$api_url" -notify "$notify_url" \
    -ui-core "http://127.0.0.1:$web_base" -analysis "http://127.0.0.1:$((web_base + 1))" \
    -findings "http://127.0.0.1:$((web_base + 2))" -dashboard "http://127.0.0.1:$((web_base + 3))"
  wait_ready web-edge "$((admin_base + 9))"

  local key
  key=$(api_key)
  web_user
  check_sign_in
  cat <<EOF

solsec is running.
  API:      $api_url   (OpenAPI: $api_url/v1/openapi.json)
  API key:  $key
  try:      curl -H "Authorization: Bearer $key" $api_url/v1/analyses
  web app:  $web_url/signin
            e-mail $dev_email, password $(cat "$secrets/web-password")
  live:     $notify_url/v1/ws (WebSocket; on the web origin ws://localhost:$web_port/v1/ws)
  front ends: ui-core http://127.0.0.1:$web_base, analysis :$((web_base + 1)), findings :$((web_base + 2)), dashboard :$((web_base + 3)), behind $web_url
  logs:     $dir/logs/
  metrics:  http://127.0.0.1:$((admin_base + 1))/metrics .. http://127.0.0.1:$((admin_base + 8))/metrics, $notify_url/metrics
  stop:     make dev-down
EOF
}

demo() {
  if ! curl -fsS "$api_url/readyz" >/dev/null 2>&1; then
    up >&2
  fi
  local key project archive resp id state
  key=$(api_key)
  project=$root/services/internal/pipeline/testdata/foundry
  archive=$(mktemp --suffix .tar.gz)
  tar -czf "$archive" -C "$project" .
  log "uploading $project"
  resp=$(curl -fsS -X POST -H "Authorization: Bearer $key" -H "Content-Type: application/gzip" \
    -H "Cache-Control: no-cache" --data-binary "@$archive" "$api_url/v1/analyses?filename=vault.tar.gz&project=demo-vault")
  rm -f "$archive"
  id=$(jq -r .id <<<"$resp")
  log "analysis $id queued"
  for _ in $(seq 600); do
    resp=$(curl -fsS -H "Authorization: Bearer $key" "$api_url/v1/analyses/$id")
    state=$(jq -r .state <<<"$resp")
    case $state in
      completed | failed | cancelled) break ;;
    esac
    sleep 0.2
  done
  jq -r '"state: \(.state) (\(.progress)%)" + (if .error != "" and .error != null then "  error: \(.error)" else "" end),
         (.toolRuns[] | "  \(.tool): \(.state) in \(.durationMs) ms" + (if .error != "" and .error != null then " (\(.error))" else "" end))' <<<"$resp"
  [ "$state" = completed ] || exit 1
  echo
  curl -fsS -H "Authorization: Bearer $key" "$api_url/v1/analyses/$id/findings?limit=500" |
    jq -r '.items[] | "\(.severity | ascii_upcase)\t\(.score)\t\(.detector)\t\(.file):\(.locations[0].startLine)\t\(.tools | join("+"))\t\(.status)"' |
    (echo -e "SEVERITY\tSCORE\tDETECTOR\tLOCATION\tTOOLS\tSTATUS" && cat) | column -t -s $'\t'
  echo
  echo "SARIF: curl -H 'Authorization: Bearer $key' $api_url/v1/analyses/$id/report.sarif"
  echo "web:   $web_url/findings/analyses/$id"
}

down() {
  for s in "${procs[@]}"; do
    if running "$s"; then
      log "stopping $s"
      kill -TERM "$(cat "$(pidfile "$s")")" 2>/dev/null || true
    fi
  done
  for s in "${procs[@]}"; do
    for _ in $(seq 100); do running "$s" || break; sleep 0.2; done
    rm -f "$(pidfile "$s")"
  done
  # The CSRF key is per run.
  rm -f "$secrets/csrf-key"
  if [ -s "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
    log "stopping Redis"
    local rpid
    rpid=$(cat "$dir/redis.pid")
    kill -TERM "$rpid" || true
    # Until it has exited (a daemon's exit leaves a zombie until init reaps it).
    for _ in $(seq 50); do
      case $(ps -o stat= -p "$rpid" 2>/dev/null) in "" | Z*) break ;; esac
      sleep 0.1
    done
  fi
  local bin
  bin=$(pg_bindir)
  if [ -n "$bin" ] && [ -s "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "stopping PostgreSQL"
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >&2 || true
  fi
}

status() {
  for s in "${procs[@]}"; do
    if running "$s"; then echo "$s: running (pid $(cat "$(pidfile "$s")"), log $dir/logs/$s.log)"; else echo "$s: stopped"; fi
  done
}

case "$cmd" in
  up) up ;;
  demo) demo ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|demo|down|status" >&2; exit 2 ;;
esac
