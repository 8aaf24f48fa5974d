#!/usr/bin/env bash
# One machine's figures for `evse-agent simulate` (issue 18), from the BUILT CLI (npm run build):
# the development CSMS in a process of its own, then STATIONS simulated stations in another.
#   bench/load-test/local-fleet.sh STATIONS [simulate options...]
#   bench/load-test/local-fleet.sh 1000 --ocpp 1.6 --ramp 50 --duration 300 --summary-json
# Prints the machine's load first (others' work skews CPU and round trips) and the open-file limit
# (each station holds its WebSocket open; its journals only while they write or sync).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cli="$root/dist/src/cli/main.js"
[ -f "$cli" ] || { echo "no $cli: npm run build first" >&2; exit 1; }
stations=${1:?usage: local-fleet.sh STATIONS [simulate options...]}
shift
port=${CSMS_PORT:-19320}
node "$cli" dev-csms --port "$port" --http-port $((port + 1)) > /dev/null 2>&1 &
csms=$!
trap 'kill "$csms" 2> /dev/null' EXIT
for _ in $(seq 50); do
  (echo > "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break
  sleep 0.1
done
echo "local-fleet: $(uptime | sed 's/^ *//'); open files at most $(ulimit -n); dev CSMS pid $csms on port $port"
node "$cli" simulate --csms "ws://127.0.0.1:$port/ocpp" --stations "$stations" "$@"
echo "local-fleet: dev CSMS RSS $(($(awk '/VmRSS/ {print $2}' "/proc/$csms/status") / 1024)) MB at the end"
