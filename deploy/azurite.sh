#!/usr/bin/env bash
# Azurite, the Azure Storage emulator (npm "azurite"), on 127.0.0.1 for tests and local runs.
#
#   deploy/azurite.sh start [--print-env]   install once (npm), start in the background, print how to use it
#   deploy/azurite.sh status                say whether it runs (exit 0) or not (exit 1)
#   deploy/azurite.sh stop                  stop it and delete its data
#
# `eval "$(deploy/azurite.sh start --print-env)"` sets FLUTE_TEST_AZURITE to the connection string.
# Environment: FLUTE_TOOLS_DIR (install root, default ~/.cache/flute/tools), FLUTE_AZURITE_STATE
# (pid, port and data location; default /tmp/flute-azurite; one running instance per state dir),
# AZURITE_BLOB_PORT and AZURITE_TABLE_PORT (fixed ports; default: free ones).
# Starts the blob service and the table service (for Orleans clustering), each in its own process.
set -euo pipefail

readonly version=3.37.0
readonly tools_dir="${FLUTE_TOOLS_DIR:-$HOME/.cache/flute/tools}"
readonly prefix="$tools_dir/azurite"
readonly bin="$prefix/node_modules/.bin"
readonly state="${FLUTE_AZURITE_STATE:-/tmp/flute-azurite}"
# The emulator's fixed, publicly documented development account (not a secret).
readonly account=devstoreaccount1
readonly account_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

say() { printf '%s\n' "$*" >&2; }
die() { say "azurite.sh: $*"; exit 1; }

installed_version() {
  local manifest="$prefix/node_modules/azurite/package.json"
  [[ -f "$manifest" ]] || return 0
  node -e 'process.stdout.write(require(process.argv[1]).version)' "$manifest" 2>/dev/null || true
}

# npm runs only when this version is missing; the flock keeps parallel callers from installing at once.
install() {
  if [[ "$(installed_version)" == "$version" && -x "$bin/azurite-blob" && -x "$bin/azurite-table" ]]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || die "npm is not installed (Debian: apt-get install nodejs npm)"
  mkdir -p "$tools_dir"
  (
    flock 9
    if [[ "$(installed_version)" != "$version" || ! -x "$bin/azurite-blob" || ! -x "$bin/azurite-table" ]]; then
      say "installing azurite@$version into $prefix (once) ..."
      # Azurite declares node >= 22 but runs on node 20: npm's engine warning is expected.
      npm install --no-audit --no-fund --loglevel=error --prefix "$prefix" "azurite@$version" >&2 \
        || die "npm install azurite@$version failed"
    fi
  ) 9>"$tools_dir/azurite.install.lock"
}

free_port() {
  node -e 'const s = require("net").createServer();
           s.listen(0, "127.0.0.1", () => { process.stdout.write(String(s.address().port)); s.close(); });'
}

alive() { # pid: running and still an azurite process (not a reused pid)
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q azurite
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

read_state() { cat "$state/$1" 2>/dev/null || true; }

connection_string() {
  printf 'DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%s/%s;TableEndpoint=http://127.0.0.1:%s/%s;' \
    "$account" "$account_key" "$(read_state blob.port)" "$account" "$(read_state table.port)" "$account"
}

running() { alive "$(read_state blob.pid)" && alive "$(read_state table.pid)"; }

# service (blob|table), port, location: starts one service detached from the caller's pipes and
# lock descriptors (a $(...) caller waits for every holder of its stdout to exit).
launch() {
  local service=$1 port=$2 location=$3
  "$bin/azurite-$service" "--${service}Host" 127.0.0.1 "--${service}Port" "$port" --location "$location" \
    --skipApiVersionCheck --loose --silent </dev/null >>"$state/$service.log" 2>&1 9>&- &
  echo $! >"$state/$service.pid"
  echo "$port" >"$state/$service.port"
}

wait_until_answering() { # service: up to 30 s
  local service=$1 pid port
  pid=$(read_state "$service.pid")
  port=$(read_state "$service.port")
  for _ in $(seq 300); do
    answers "$port" && return 0
    alive "$pid" || return 1
    sleep 0.1
  done
  return 1
}

# The data is thrown away, so there is nothing to shut down cleanly; and azurite-blob, once it has
# run for a second, takes about two minutes to exit on SIGTERM. So: one second, then SIGKILL.
gone() { # pid: no such process, or a zombie (exited; only its parent's reaping is left)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [[ ${stat%% *} == Z ]]
}

stop_pid() {
  local pid=$1
  alive "$pid" || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 10); do
    alive "$pid" || break
    sleep 0.1
  done
  alive "$pid" && kill -9 "$pid" 2>/dev/null
  # An exiting process loses its command line before it is gone: wait until it really is (≤ 5 s),
  # so "stopped" means no process is left.
  for _ in $(seq 50); do
    gone "$pid" && return 0
    sleep 0.1
  done
}

stop_locked() {
  stop_pid "$(read_state blob.pid)"
  stop_pid "$(read_state table.pid)"
  local location
  location=$(read_state location)
  # Only ever a directory this script made with mktemp.
  if [[ "$location" == */flute-azurite-data.* && -d "$location" ]]; then
    rm -rf -- "$location"
  fi
  rm -f "$state"/{blob,table}.{pid,port} "$state/location"
}

start_locked() {
  if running; then
    return 0
  fi
  stop_locked
  local location attempt
  location=$(mktemp -d "${TMPDIR:-/tmp}/flute-azurite-data.XXXXXX")
  echo "$location" >"$state/location"
  : >"$state/blob.log"
  : >"$state/table.log"
  # A free port can be taken between picking and binding it: try fresh ports a few times.
  for attempt in 1 2 3; do
    launch blob "${AZURITE_BLOB_PORT:-$(free_port)}" "$location"
    launch table "${AZURITE_TABLE_PORT:-$(free_port)}" "$location"
    if wait_until_answering blob && wait_until_answering table; then
      return 0
    fi
    stop_pid "$(read_state blob.pid)"
    stop_pid "$(read_state table.pid)"
    if [[ -n "${AZURITE_BLOB_PORT:-}${AZURITE_TABLE_PORT:-}" ]]; then
      break
    fi
    say "azurite did not start (attempt $attempt), retrying on other ports"
  done
  tail -n 20 "$state/blob.log" "$state/table.log" >&2 || true
  stop_locked
  die "azurite did not start; logs in $state"
}

with_state_lock() {
  mkdir -p "$state"
  (
    flock 9
    "$@"
  ) 9>"$state/lock"
}

cmd_start() {
  local print_env=false
  case "${1:-}" in
    --print-env) print_env=true ;;
    "") ;;
    *) die "unknown option '$1' (usage: start [--print-env])" ;;
  esac
  command -v node >/dev/null 2>&1 || die "node is not installed (Debian: apt-get install nodejs npm)"
  install
  with_state_lock start_locked
  local cs
  cs=$(connection_string)
  if $print_env; then
    printf "export FLUTE_TEST_AZURITE='%s'\n" "$cs"
  else
    say "azurite $version is running on 127.0.0.1 (blob port $(read_state blob.port), table port $(read_state table.port); data in $(read_state location))."
    say "Connection string:"
    printf '%s\n' "$cs"
    say "Use it with Flute:   export FLUTE_AZURE_STORAGE='$cs'"
    say "Use it in the tests: export FLUTE_TEST_AZURITE='$cs'"
    say "Stop it:             deploy/azurite.sh stop"
  fi
}

cmd_status() {
  if running; then
    say "azurite is running: blob port $(read_state blob.port) (pid $(read_state blob.pid)), table port $(read_state table.port) (pid $(read_state table.pid)), data in $(read_state location)"
    connection_string
    echo
    return 0
  fi
  say "azurite is not running (state $state)"
  return 1
}

cmd_stop() {
  [[ -d "$state" ]] || return 0
  with_state_lock stop_locked
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) die "usage: deploy/azurite.sh start [--print-env] | status | stop" ;;
esac
