#!/usr/bin/env bash
# Builds from scratch and runs every test with ctest. The tests that start the platform
# simulator create a system user for vsftpd, so they need root; as another user they are skipped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ALUR_BUILD_DIR:-$root/build}

"$root/scripts/build.sh"
cd "$build"
ctest --output-on-failure -j"$(nproc)" --timeout 900

# Builds the Debian package and installs, removes and purges it (root only, about 10 s).
"$root/scripts/test_package.sh"

# Replays the saved fuzzer inputs and fuzzes each parser for 10 seconds (docs/fuzzing.md).
"$root/scripts/fuzz.sh" --short

# Cross-compiles the Windows sources, runs their tests and the MSI under Wine (docs/windows.md).
"$root/scripts/windows_test.sh"
