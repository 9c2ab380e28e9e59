#!/usr/bin/env bash
# Builds the Debian package with cpack and checks its life cycle on this machine: install, the
# installed configuration checked as the service account, the unit verified, reinstall over a
# filled configuration, remove (data kept), purge (data, configuration and account deleted).
# Needs root, because it installs a package and creates a system account. It refuses to run
# where alur-relay or its account already exist, so that it never removes a real installation.
# Usage: scripts/test_package.sh   (after scripts/build.sh; ALUR_BUILD_DIR as for build.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ALUR_BUILD_DIR:-$root/build}
account=alur-relay
config=/etc/alur-relay/alur-relay.conf
unit=/usr/lib/systemd/system/alur-relay.service

if [ "$(id -u)" -ne 0 ]; then
  echo "test_package: skipped: installing a package and a system account needs root"
  exit 0
fi
if dpkg-query -W -f='${Status}' alur-relay 2>/dev/null | grep -q "installed"; then
  echo "test_package: skipped: alur-relay is installed here, and this test would remove it"
  exit 0
fi
if getent passwd "$account" >/dev/null || getent group "$account" >/dev/null; then
  echo "test_package: skipped: the account $account exists, and purging would delete it"
  exit 0
fi

started=$(date +%s)
work=$(mktemp -d /tmp/alur-package-XXXXXX)
chmod 0755 "$work"
cleanup() {
  if dpkg-query -W -f='${Status}' alur-relay 2>/dev/null | grep -qv "not-installed"; then
    dpkg -P alur-relay >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
check() {
  local what=$1
  shift
  if "$@"; then
    echo "test_package: ok: $what"
  else
    echo "test_package: FAILED: $what" >&2
    failures=$((failures + 1))
  fi
}
owner_and_mode() { [ "$(stat -c '%U:%G %a' "$1")" = "$2" ]; }
exits_with() {
  local expected=$1
  shift
  local status=0
  "$@" >"$work/output.txt" 2>&1 || status=$?
  if [ "$status" -ne "$expected" ]; then
    echo "test_package: exit status $status, expected $expected, output:" >&2
    cat "$work/output.txt" >&2
    return 1
  fi
}
output_contains() { grep -qF -- "$1" "$work/output.txt"; }
# Sets `key = value` on the first line of $config that sets key.
set_key() { sed -i "0,/^$1 *=.*/s||$1 = $2|" "$config"; }

(cd "$build" && cpack -G DEB >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log" >&2
  exit 1
}
package=$(ls "$build"/alur-relay_*_*.deb)
echo "test_package: built $(basename "$package") ($(du -k "$package" | cut -f1) KiB)"

# Install.
check "dpkg -i" exits_with 0 dpkg -i "$package"
check "account $account exists" exits_with 0 getent passwd "$account"
check "the account has no login shell" \
  test "$(getent passwd "$account" | cut -d: -f7)" = /usr/sbin/nologin
check "/var/lib/alur-relay" owner_and_mode /var/lib/alur-relay "$account:$account 750"
check "/var/log/alur-relay" owner_and_mode /var/log/alur-relay "$account:$account 750"
check "/etc/alur-relay" owner_and_mode /etc/alur-relay "root:$account 750"
check "$config" owner_and_mode "$config" "root:$account 640"
check "$config is a conffile" \
  sh -c "dpkg-query -W -f='\${Conffiles}' alur-relay | grep -q '$config'"
check "other accounts cannot read $config" exits_with 1 runuser -u nobody -- cat "$config"
check "the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/alur-relay.service
check "systemd-analyze verify" exits_with 0 systemd-analyze verify "$unit"

# A fresh configuration names what to fill in, and exits 78 so that systemd does not restart.
check "fresh configuration exits 78" \
  exits_with 78 runuser -u "$account" -- alur-relay check-config --config "$config"
check "fresh configuration lists the empty keys" output_contains "6 required keys are empty"

# Filled in with values that check, as an agency would.
mkdir "$work/exports"
set_key folder "$work/exports"
set_key siret 73282932000074
set_key professional_card "CPI 7501 2016 000 012 345"
set_key company_name "Agence du Port"
set_key host 127.0.0.1
set_key user agence
set_key password 'pass#word'
check "filled configuration checks as $account" \
  exits_with 0 runuser -u "$account" -- alur-relay check-config --config "$config"
check "check remains another name for check-config" \
  exits_with 0 runuser -u "$account" -- alur-relay check --config "$config"

# Reinstall: the filled configuration and its owner survive.
check "dpkg -i again" exits_with 0 dpkg -i "$package"
check "the configuration is kept on reinstall" grep -q '^password = pass#word$' "$config"
check "$config keeps its owner and mode" owner_and_mode "$config" "root:$account 640"

# Remove keeps the data, the configuration and the account.
echo "queue" | runuser -u "$account" -- tee /var/lib/alur-relay/marker >/dev/null
check "dpkg -r" exits_with 0 dpkg -r alur-relay
check "the binary is gone" test ! -e /usr/bin/alur-relay
check "the data is kept on remove" test -f /var/lib/alur-relay/marker
check "the configuration is kept on remove" grep -q '^password = pass#word$' "$config"
check "the account is kept on remove" exits_with 0 getent passwd "$account"

# Purge deletes them all.
check "dpkg -P" exits_with 0 dpkg -P alur-relay
check "the data is deleted on purge" test ! -e /var/lib/alur-relay
check "the logs are deleted on purge" test ! -e /var/log/alur-relay
check "the configuration is deleted on purge" test ! -e /etc/alur-relay
check "the account is deleted on purge" sh -c "! getent passwd $account"
check "the group is deleted on purge" sh -c "! getent group $account"
check "the unit is no longer enabled" \
  test ! -e /etc/systemd/system/multi-user.target.wants/alur-relay.service

echo "test_package: $failures failure(s) in $(($(date +%s) - started)) s"
[ "$failures" -eq 0 ]
