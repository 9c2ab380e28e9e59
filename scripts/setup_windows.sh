#!/usr/bin/env bash
# Installs the Debian 12 packages that scripts/windows_test.sh needs, when they are missing.
# They are the mingw-w64 cross compiler (posix threads), Wine, wixl and msitools for the MSI,
# the GoogleTest sources, and the headers that the cross build uses: Boost, spdlog and fmt for
# the linked sources, and libcurl, SQLite, Expat, OpenSSL and nlohmann-json for those that are
# only compiled.
set -euo pipefail

packages=(
  cmake make
  g++-mingw-w64-x86-64-posix wine64 wixl msitools googletest
  libboost1.81-dev libspdlog-dev libfmt-dev
  libcurl4-openssl-dev libsqlite3-dev libexpat1-dev libssl-dev nlohmann-json3-dev
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup_windows: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "setup_windows: these packages are missing and this user is not root: ${missing[*]}" >&2
    echo "setup_windows: install them as root with apt-get install, then run this script again" >&2
    exit 1
  fi
  SUDO=sudo
else
  SUDO=
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
