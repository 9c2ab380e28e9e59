#!/usr/bin/env bash
# Kills the service with SIGKILL thousands of times with the checks of the crash test
# (tests/crash/kill_test.cpp). After every kill it checks integrity_check, that no lease was lost
# and that no batch was renamed or sent twice. At the end of each run it checks that every lease
# was delivered once.
#
# Usage: scripts/kill_loop.sh [KILLS] [KILLS_PER_RUN]
#   KILLS          total number of kills (default 1000)
#   KILLS_PER_RUN  kills per run of the test; each run starts from a fresh state folder and a
#                  fresh simulator, so the batch numbers stay far from the yearly limit of 999
#                  (default 500)
# Needs root (the simulator creates a system user). Builds into build/ (or $ALUR_BUILD_DIR)
# first. Each run's output goes to $ALUR_KILL_LOG_DIR (default: a new folder under /tmp); a
# failing run keeps its work folder and prints its path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ALUR_BUILD_DIR:-$root/build}
total=${1:-1000}
per_run=${2:-500}
logs=${ALUR_KILL_LOG_DIR:-$(mktemp -d /tmp/alur-kill-loop-XXXXXX)}
mkdir -p "$logs"

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target alur-relay crash_test >/dev/null

done_kills=0
runs=0
started=$(date +%s)
while [ "$done_kills" -lt "$total" ]; do
  runs=$((runs + 1))
  wanted=$((total - done_kills))
  [ "$wanted" -gt "$per_run" ] && wanted=$per_run
  log="$logs/run-$runs.log"
  if ! ALUR_KILL_COUNT=$wanted "$build/tests/crash/crash_test" \
      --gtest_filter='KillTest.*' >"$log" 2>&1; then
    echo "run $runs failed after $done_kills earlier kills; its output: $log" >&2
    grep -E "Failure|after kill|at the end|work folder kept|random seed" "$log" | head -40 >&2
    exit 1
  fi
  kills=$(sed -n 's/^\([0-9]*\) kills in .*/\1/p' "$log")
  done_kills=$((done_kills + kills))
  echo "run $runs: $(grep ' kills in ' "$log") (total $done_kills)"
done
elapsed=$(($(date +%s) - started))
echo "$done_kills kills in $runs runs, ${elapsed} s, every check passed; outputs in $logs"
