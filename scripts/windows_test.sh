#!/usr/bin/env bash
# Cross-compiles the Windows sources with mingw-w64, runs their tests under Wine, builds the MSI
# with wixl and installs, upgrades and removes it under Wine (docs/windows.md). The MSI contains
# service_fixture.exe in place of alur-relay.exe, which cannot be linked here: Debian has no
# Windows builds of libcurl, SQLite or Boost's compiled libraries.
#
# Every Wine command runs with a timeout and its output in a file: a pipe would be inherited by
# the services that Wine starts and never close.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ALUR_WINDOWS_BUILD_DIR:-$root/build/windows}
started=$(date +%s)

"$root/scripts/setup_windows.sh"

wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver64
[ -x "$wine" ] || wine=$(command -v wine64 || command -v wine || true)
[ -x "$wineserver" ] || wineserver=$(command -v wineserver64 || command -v wineserver || true)
if [ -z "$wine" ] || [ -z "$wineserver" ]; then
  echo "windows_test: wine64 or wineserver not found; install the wine64 package" >&2
  exit 1
fi

export WINEPREFIX=$build/wineprefix
export WINEDEBUG=-all
# No Mono or Gecko: nothing here needs .NET or HTML, and their installers would wait for a user.
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY
logs=$build/logs

fail() {
  echo "windows_test: $*" >&2
  exit 1
}

# Prints the end of a log file, for a failure message.
show() {
  echo "---- $1 (last 40 lines) ----" >&2
  tail -n 40 "$1" >&2 || true
}

# run_wine SECONDS LOG ARGS...: runs Wine with its output in LOG.
run_wine() {
  local seconds=$1 log=$2
  shift 2
  timeout --kill-after=10 "$seconds" "$wine" "$@" >"$log" 2>&1
}

stop_wine() {
  if [ -d "$WINEPREFIX" ]; then
    timeout 30 "$wineserver" -k >/dev/null 2>&1 || true
  fi
}
trap stop_wine EXIT

# --- build ------------------------------------------------------------------------------------
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root/tests/windows" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64.cmake" \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
built=$(date +%s)

# --- a fresh Wine prefix ----------------------------------------------------------------------
stop_wine
rm -rf "$WINEPREFIX" "$logs"
mkdir -p "$WINEPREFIX" "$logs" "$build/netdrive"
run_wine 180 "$logs/wineboot.log" wineboot --init ||
  { show "$logs/wineboot.log"; fail "wineboot --init failed or timed out"; }
# N: is a network drive of the prefix, for the tests of mapped drive letters.
ln -sfn "$build/netdrive" "$WINEPREFIX/dosdevices/n:"
run_wine 60 "$logs/reg.log" reg add 'HKLM\Software\Wine\Drives' /v n: /d network /f ||
  { show "$logs/reg.log"; fail "cannot declare N: as a network drive"; }
# The drive types are read when Wine starts: wait for this first server to end, then keep a
# persistent one, without which Wine ends the services when the last other process exits.
timeout 60 "$wineserver" -w || fail "the Wine server did not end after wineboot"
"$wineserver" -p || fail "cannot start a persistent Wine server"
prepared=$(date +%s)

# --- unit and service tests -------------------------------------------------------------------
passed=0
failed=0
if ALUR_TEST_NETWORK_DRIVE=N: run_wine 600 "$logs/tests.log" "$build/alur_windows_tests.exe"; then
  tests_ok=1
else
  tests_ok=0
fi
grep -E '^\[  (FAILED|PASSED) ' "$logs/tests.log" || true
count=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$logs/tests.log" | tail -1)
passed=$((passed + ${count:-0}))
count=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\?, listed below.*/\1/p' "$logs/tests.log" | tail -1)
failed=$((failed + ${count:-0}))
if [ "$tests_ok" -ne 1 ] && [ "$failed" -eq 0 ]; then
  show "$logs/tests.log"
  failed=$((failed + 1))
  echo "windows_test: the test program failed or timed out before its summary" >&2
fi
tested=$(date +%s)

# --- the MSI ----------------------------------------------------------------------------------
msi_dir=$build/msi
mkdir -p "$msi_dir"
# wixl 0.101 accepts only relative source paths, so it runs from the repository.
fixture=$(realpath --relative-to="$root" "$build/alur_service_fixture.exe")
for version in 0.1.0 0.1.1; do
  (cd "$root" && wixl -D Version=$version -D BinaryPath="$fixture" -D SourceDir=. -a x64 \
    -o "$msi_dir/alur-relay-$version.msi" installer/windows/alur-relay.wxs) \
    >"$logs/wixl-$version.log" 2>&1 || { show "$logs/wixl-$version.log"; fail "wixl failed"; }
done

drive_c=$WINEPREFIX/drive_c
program=$drive_c/Program\ Files/alur-relay
data=$drive_c/ProgramData/alur-relay

# check NAME COMMAND...: runs one check of the MSI and counts it.
check() {
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "msi: ok: $name"
  else
    failed=$((failed + 1))
    echo "msi: FAILED: $name" >&2
  fi
}

# service_state: prints the STATE word of `sc query alur-relay`, or "absent".
service_state() {
  if ! run_wine 60 "$logs/sc-query.log" sc query alur-relay; then
    echo absent
    return
  fi
  sed -n 's/.*STATE *: *[0-9]* *\([A-Z_]*\).*/\1/p' "$logs/sc-query.log" | head -1
}

# wait_state STATE: waits up to 30 s for the service to reach STATE.
wait_state() {
  local deadline=$((SECONDS + 30))
  while [ "$(service_state)" != "$1" ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}

msiexec() {
  local log=$1
  shift
  run_wine 300 "$log" msiexec "$@" /qn || { show "$log"; return 1; }
}

# installed_version: prints the DisplayVersion of each installed product named alur-relay.
installed_version() {
  run_wine 60 "$logs/reg-uninstall.log" reg query \
    'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall' /s >/dev/null || true
  tr -d '\r' <"$logs/reg-uninstall.log" |
    awk '/^HKEY_/ { if (name == "alur-relay") print version; name = ""; version = "" }
         $1 == "DisplayName" { name = $3 }
         $1 == "DisplayVersion" { version = $3 }
         END { if (name == "alur-relay") print version }'
}

event_source_registered() {
  run_wine 60 "$logs/reg-event.log" reg query \
    'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\alur-relay' \
    /v EventMessageFile && grep -q 'alur-relay.exe' "$logs/reg-event.log"
}

events_contain() { grep -q "^$1" "$data/service-events.txt" 2>/dev/null; }

check "install 0.1.0" msiexec "$logs/msi-install.log" /i "$msi_dir/alur-relay-0.1.0.msi"
check "service registered and not started" test "$(service_state)" = STOPPED
check "program installed" test -f "$program/alur-relay.exe"
check "example configuration copied" cmp -s "$root/config/windows/alur-relay.conf.example" \
  "$data/alur-relay.conf"
check "event source registered" event_source_registered
run_wine 60 "$logs/sc-start.log" sc start alur-relay || true
check "service running after sc start" wait_state RUNNING
check "service reported ready" events_contain ready
run_wine 60 "$logs/sc-stop.log" sc stop alur-relay || true
check "service stopped after sc stop" wait_state STOPPED
check "service drained before stopping" events_contain stopped

echo "# kept across upgrades" >>"$data/alur-relay.conf"
run_wine 60 "$logs/sc-start.log" sc start alur-relay || true
wait_state RUNNING || true
check "upgrade to 0.1.1" msiexec "$logs/msi-upgrade.log" /i "$msi_dir/alur-relay-0.1.1.msi"
check "one product, version 0.1.1" test "$(installed_version)" = 0.1.1
check "configuration kept by the upgrade" grep -q "kept across upgrades" "$data/alur-relay.conf"
check "service running again after the upgrade" wait_state RUNNING

check "uninstall" msiexec "$logs/msi-uninstall.log" /x "$msi_dir/alur-relay-0.1.1.msi"
check "service removed" test "$(service_state)" = absent
check "program removed" test ! -e "$program/alur-relay.exe"
check "configuration kept after removal" test -f "$data/alur-relay.conf"
finished=$(date +%s)

stop_wine
echo "windows_test: build $((built - started)) s, Wine prefix $((prepared - built)) s," \
  "tests $((tested - prepared)) s, MSI $((finished - tested)) s, total $((finished - started)) s"
echo "windows: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
