#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build and test alur-relay, when they are missing.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libboost1.81-dev libboost-filesystem1.81-dev libboost-program-options1.81-dev
  libcurl4-openssl-dev libssl-dev libsqlite3-dev libspdlog-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libexpat1-dev libsystemd-dev
  vsftpd openssl curl python3 python3-aiosmtpd sqlite3 tzdata
  dpkg-dev systemd init-system-helpers
  clang libclang-rt-14-dev llvm
  prometheus chromium
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

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "setup: these packages are missing and this user is not root: ${missing[*]}" >&2
    echo "setup: install them as root with apt-get install, then run this script again" >&2
    exit 1
  fi
  SUDO=sudo
else
  SUDO=
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
