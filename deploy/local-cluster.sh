#!/usr/bin/env bash
# A Flute silo cluster on this machine: Azurite (membership table, reminders, experiment storage)
# and N flute-silo processes on 127.0.0.1, each with its own ports and device.
#
#   deploy/local-cluster.sh up N [--devices cpu,cpu,...] [--trainers T] [--threads-per-trainer K]
#                               [--storage azure|local] [--cluster-id ID] [--tls-cert FILE.pfx [--tls-password PW]]
#                               [--dashboard]   (each silo runs the Orleans Dashboard's silo side, for flute run --dashboard)
#   deploy/local-cluster.sh status      the silos' processes (exit 1 when the cluster is not up)
#   deploy/local-cluster.sh down        stop the silos (SIGTERM, then SIGKILL after 20 s) and Azurite
#
# Then: ./flute run examples/mnist-cnn.yaml --cluster local    and    ./flute cluster status
# State (pids, ports, logs, cluster.env that `--cluster local` reads) lives in FLUTE_CLUSTER_DIR,
# default .flute-cluster under the working directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(mkdir -p "${FLUTE_CLUSTER_DIR:-.flute-cluster}" && cd "${FLUTE_CLUSTER_DIR:-.flute-cluster}" && pwd)"
silo_out="$root/src/Flute.Silo/bin/Release/net10.0"
silo_bin="$silo_out/flute-silo"
export FLUTE_AZURITE_STATE="$dir/azurite"

say() { printf '%s\n' "$*" >&2; }
die() { say "local-cluster.sh: $*"; exit 2; }

alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q flute-silo; }

gone() { # pid: no such process, or a zombie (exited; only its parent's reaping is left)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [[ ${stat%% *} == Z ]]
}

silo_pids() { for f in "$dir"/silo-*.pid; do [[ -f "$f" ]] && cat "$f"; done; return 0; }

free_port() {
  node -e 'const s = require("net").createServer();
           s.listen(0, "127.0.0.1", () => { process.stdout.write(String(s.address().port)); s.close(); });'
}

build_silo() {
  # FLUTE_SKIP_BUILD=1 (the tests, after building the solution): use the built silo as it is.
  if [[ "${FLUTE_SKIP_BUILD:-}" == 1 && -x "$silo_bin" ]]; then return 0; fi
  mkdir -p "$silo_out"
  (
    flock 9
    say "building flute-silo (Release) ..."
    DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 dotnet build "$root/src/Flute.Silo/Flute.Silo.csproj" -c Release -nologo -v q \
      >"$dir/build.log" 2>&1 || { grep -E "error" "$dir/build.log" | sort -u >&2; die "flute-silo build failed (log: $dir/build.log)"; }
  ) 9>"$root/src/Flute.Silo/.build.lock"
}

stop_silos() {
  local pid pids=()
  for pid in $(silo_pids); do alive "$pid" && pids+=("$pid") && kill -TERM "$pid" 2>/dev/null || true; done
  # A graceful stop lets each silo leave the membership table; a silo mid-round may take a while.
  for _ in $(seq 200); do
    local left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    (( left == 0 )) && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do alive "$pid" && { say "silo $pid did not stop in 20 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }; done
  # An exiting process loses its command line before it is gone: wait until each really is (≤ 5 s).
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do gone "$pid" && break; sleep 0.1; done
  done
  rm -f "$dir"/silo-*.pid "$dir"/silo-*.ports "$dir/cluster.env"
}

cmd_up() {
  local n=${1:-} devices="" trainers=1 threads=1 storage=azure cluster_id=flute-local tls_cert="" tls_password="" dashboard=()
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "up: expected the number of silos (e.g. 'up 3'), found '${n}'"
  shift
  while (( $# )); do
    case "$1" in
      --devices) devices=${2:?--devices: missing value}; shift 2 ;;
      --trainers) trainers=${2:?--trainers: missing value}; shift 2 ;;
      --threads-per-trainer) threads=${2:?--threads-per-trainer: missing value}; shift 2 ;;
      --storage) storage=${2:?--storage: missing value}; shift 2 ;;
      --cluster-id) cluster_id=${2:?--cluster-id: missing value}; shift 2 ;;
      --tls-cert) tls_cert=$(cd "$(dirname "${2:?--tls-cert: missing value}")" && pwd)/$(basename "$2"); shift 2 ;;
      --tls-password) tls_password=${2:?--tls-password: missing value}; shift 2 ;;
      --dashboard) dashboard=(--dashboard); shift ;;
      *) die "up: unknown option '$1'" ;;
    esac
  done
  [[ "$storage" == azure || "$storage" == local ]] || die "up: --storage: expected azure or local, found '$storage'"
  local -a device_list
  IFS=, read -r -a device_list <<<"${devices:-}"
  if [[ -n "$devices" && ${#device_list[@]} -ne $n ]]; then
    die "up: --devices lists ${#device_list[@]} device(s) for $n silo(s)"
  fi
  for pid in $(silo_pids); do alive "$pid" && die "a cluster is already up in $dir (pid $pid); 'deploy/local-cluster.sh down' first"; done
  command -v node >/dev/null 2>&1 || die "node is not installed (Debian: apt-get install nodejs npm)"

  build_silo
  mkdir -p "$dir/logs"
  local cs
  cs=$("$root/deploy/azurite.sh" start --print-env | sed -n "s/^export FLUTE_TEST_AZURITE='\(.*\)'$/\1/p")
  [[ -n "$cs" ]] || die "Azurite did not start (see $FLUTE_AZURITE_STATE)"

  local -a storage_args=(--storage azure --azure-connection "$cs")
  [[ "$storage" == local ]] && storage_args=(--storage local --store "$dir/store")
  local -a tls_args=()
  [[ -n "$tls_cert" ]] && tls_args=(--tls-cert "$tls_cert")
  [[ -n "$tls_password" ]] && tls_args+=(--tls-password "$tls_password")

  local i
  for i in $(seq 1 "$n"); do
    local device=${device_list[$((i - 1))]:-cpu} silo_port gateway_port
    silo_port=$(free_port)
    gateway_port=$(free_port)
    while [[ "$gateway_port" == "$silo_port" ]]; do gateway_port=$(free_port); done
    # setsid: the silos outlive this script and ignore the Ctrl+C of the terminal that started them.
    setsid "$silo_bin" --name "silo-$i" --device "$device" --trainers "$trainers" --threads-per-trainer "$threads" \
      --silo-port "$silo_port" --gateway-port "$gateway_port" --cluster-id "$cluster_id" \
      --clustering azure --clustering-connection "$cs" "${storage_args[@]}" "${tls_args[@]}" "${dashboard[@]}" \
      </dev/null >"$dir/logs/silo-$i.log" 2>&1 &
    echo $! >"$dir/silo-$i.pid"
    echo "$silo_port $gateway_port $device" >"$dir/silo-$i.ports"
  done

  for i in $(seq 1 "$n"); do
    local pid ok=0
    pid=$(cat "$dir/silo-$i.pid")
    for _ in $(seq 600); do
      grep -q "flute-silo: ready" "$dir/logs/silo-$i.log" 2>/dev/null && { ok=1; break; }
      alive "$pid" || break
      sleep 0.1
    done
    if (( ok == 0 )); then
      tail -n 20 "$dir/logs/silo-$i.log" >&2 || true
      cmd_down >/dev/null 2>&1 || true
      die "silo-$i did not start (log above; logs in $dir/logs)"
    fi
  done

  {
    echo "# written by deploy/local-cluster.sh up; read by ./flute ... --cluster local"
    echo "FLUTE_CLUSTER_ID=$cluster_id"
    echo "FLUTE_SERVICE_ID=flute"
    echo "FLUTE_CLUSTER_STORAGE='$cs'"
    [[ -n "$tls_cert" ]] && echo "FLUTE_TLS_CERT=$tls_cert"
    [[ -n "$tls_password" ]] && echo "FLUTE_TLS_PASSWORD=$tls_password"
  } >"$dir/cluster.env"
  say "cluster $cluster_id is up: $n silo(s), storage $storage, logs in $dir/logs"
  for i in $(seq 1 "$n"); do
    read -r sp gp dev <"$dir/silo-$i.ports"
    say "  silo-$i  pid $(cat "$dir/silo-$i.pid")  device $dev  silo port $sp  gateway port $gp"
  done
  say "run an experiment on it:  ./flute run examples/mnist-cnn.yaml --cluster local"
  say "look at it:               ./flute cluster status"
  say "stop it:                  deploy/local-cluster.sh down"
}

cmd_status() {
  local any=0 i pid
  for f in "$dir"/silo-*.pid; do
    [[ -f "$f" ]] || continue
    i=$(basename "$f" .pid)
    pid=$(cat "$f")
    read -r sp gp dev <"$dir/$i.ports"
    if alive "$pid"; then any=1; say "$i  pid $pid  running  device $dev  silo port $sp  gateway port $gp"
    else say "$i  pid $pid  NOT running (log: $dir/logs/$i.log)"; fi
  done
  "$root/deploy/azurite.sh" status >/dev/null 2>&1 && say "azurite: running" || say "azurite: not running"
  (( any == 1 )) || { say "no silo is running (state: $dir)"; return 1; }
  say "details: ./flute cluster status"
}

cmd_down() {
  stop_silos
  "$root/deploy/azurite.sh" stop
  say "cluster down: no silo or Azurite process left (state: $dir)"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  status) cmd_status ;;
  down) cmd_down ;;
  *) die "usage: deploy/local-cluster.sh up N [--devices cpu,...] [--trainers T] [--storage azure|local] | status | down" ;;
esac
