#!/usr/bin/env bash
# Shows the main job on real input: builds alur-relay, starts the platform simulator (vsftpd
# with explicit TLS on 127.0.0.1) and a mail server (aiosmtpd with STARTTLS on 127.0.0.1), runs
# the service on a fresh folder, drops two consecutive daily exports, waits for each
# certificate and its mail, prints what happened, then stops everything.
# The working folder is kept so that the database, the files sent and the certificates can be
# opened afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ALUR_BUILD_DIR:-$root/build}

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: the platform simulator creates a system user for vsftpd; run as root (sudo $0)" >&2
  exit 1
fi

"$root/scripts/build.sh"
binary="$build/daemon/alur-relay"

work=$(mktemp -d /tmp/alur-relay-demo-XXXXXX)
chmod 755 "$work"  # vsftpd enters the FTP root as the simulator's user
mkdir -p "$work/exports"

simulator_pid=
smtp_pid=
service_pid=
stop_all() {
  if [ -n "$smtp_pid" ] && kill -0 "$smtp_pid" 2>/dev/null; then
    kill -TERM "$smtp_pid"
    wait "$smtp_pid" || true
  fi
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill -TERM "$service_pid"
    wait "$service_pid" || true
  fi
  if [ -n "$simulator_pid" ] && kill -0 "$simulator_pid" 2>/dev/null; then
    kill -TERM "$simulator_pid"
    wait "$simulator_pid" || true
  fi
}
trap stop_all EXIT

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every half second until it succeeds.
wait_for() {
  local seconds=$1 description=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then
      echo "demo: timed out after ${seconds}s waiting for $description" >&2
      echo "demo: service log: $work/alur-relay.log" >&2
      exit 1
    fi
    sleep 0.5
  done
}

echo "== Starting the platform simulator"
python3 "$root/tests/simulator/platform_sim.py" --workdir "$work/platform" \
  --ready-file "$work/platform-ready.json" >"$work/simulator.log" 2>&1 &
simulator_pid=$!
wait_for 60 "the simulator" test -f "$work/platform-ready.json"
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/platform-ready.json" "$1"; }

echo "== Starting the mail server"
/usr/bin/python3 "$root/tests/smtp/smtp_sink.py" --mailbox "$work/mailbox" --tls \
  --user relay --password demo-password --ready-file "$work/smtp-ready.json" \
  >"$work/smtp.log" 2>&1 &
smtp_pid=$!
wait_for 30 "the mail server" test -f "$work/smtp-ready.json"
smtp_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/smtp-ready.json" "$1"; }

cat >"$work/alur-relay.conf" <<CONF
# Demo configuration: every key is described in config/alur-relay.conf.example.
[service]
state_dir = $work/state
log_file = $work/alur-relay.log

[export]
folder = $work/exports
profile = $root/config/profiles/sample-a.profile
stable_seconds = 1

[contributor]
siret = 73282932000074
professional_card = CPI 7501 2016 000 012 345
company_name = Agence du Port

[platform]
host = $(field host)
port = $(field port)
user = $(field user)
password = $(field password)
ca_file = $(field ca_file)
upload_dir = $(field upload_dir)
return_dir = $(field return_dir)

[schedule]
mode = after-import
delay_seconds = 3

[receipts]
poll_seconds = 2

[reference]
postal_table = $root/data/laposte_hexasmal.csv

[email]
server = 127.0.0.1
port = $(smtp_field port)
security = starttls
user = relay
password = demo-password
ca_file = $(smtp_field certificate)
from = alur-relay@agence-du-port.example
to = gestion@agence-du-port.example
alerts_to = informatique@agence-du-port.example
CONF
chmod 600 "$work/alur-relay.conf"

echo "== Starting alur-relay"
"$binary" run --config "$work/alur-relay.conf" 2>"$work/console.log" &
service_pid=$!

database="$work/state/alur-relay.db"
query() { sqlite3 -readonly "$database" "$1" 2>/dev/null || true; }
certified_batches() { [ "$(query "SELECT COUNT(*) FROM batch WHERE state = 'certified'")" = "$1" ]; }

drop_export() {
  # Written under another name, then renamed, as management software does.
  cp "$root/tests/data/$1" "$work/exports/export.tmp"
  mv "$work/exports/export.tmp" "$work/exports/leases.csv"
}

report_day() {
  local day=$1 batch_id=$2
  echo
  echo "== Day $day"
  query "SELECT 'Leases read:         ' || rows || char(10) ||
                'Valid:               ' || valid || char(10) ||
                'Invalid:             ' || invalid || char(10) ||
                'Out of scope:        ' || out_of_scope || char(10) ||
                'New / changed / unchanged: ' || new_leases || ' / ' || changed || ' / ' || unchanged
         FROM import_file ORDER BY id DESC LIMIT 1"
  query "SELECT 'Sent:                ' || lease_count || ' leases in ' || file_name || char(10) ||
                'Certificate:         ' || certificate_path
         FROM batch WHERE id = $batch_id"
}

echo "== Dropping export-A-day1.csv"
drop_export export-A-day1.csv
wait_for 120 "the first certificate" certified_batches 1
report_day 1 1

echo
echo "== Dropping export-A-day2.csv"
drop_export export-A-day2.csv
wait_for 120 "the second certificate" certified_batches 2
report_day 2 2

echo
echo "== Leases to correct (first five)"
query "SELECT dwelling_id || ': ' || json_extract(issues_json, '\$[0].message')
       FROM lease WHERE state = 'invalid' ORDER BY dwelling_id LIMIT 5"

mails() { find "$work/mailbox/new" -name '*.eml' 2>/dev/null | wc -l; }
certificate_mails() { [ "$(grep -l "CERTIFICAT.PDF" "$work"/mailbox/new/*.eml 2>/dev/null | wc -l)" -ge 2 ]; }
wait_for 60 "the certificate mails" certificate_mails

echo
echo "== Mails received by the local mail server ($work/mailbox/new)"
for mail in "$work"/mailbox/new/*.eml; do
  /usr/bin/python3 "$root/tests/smtp/read_mail.py" "$mail" | python3 -c '
import json, sys
m = json.load(sys.stdin)
attached = ", ".join("%s (%d bytes)" % (a["filename"], a["size"]) for a in m["attachments"])
print("%s  to %s: %s%s" % (sys.argv[1].rsplit("/", 1)[-1], m["headers"]["To"], m["headers"]["Subject"],
                           "  [" + attached + "]" if attached else ""))' "$mail"
done

echo
echo "== alur-relay status"
"$binary" status --config "$work/alur-relay.conf"

stop_all
trap - EXIT
echo
echo "== Done. Working folder kept: $work"
echo "   database:      $database"
echo "   files sent:    $work/state/sent/"
echo "   receipts:      $work/state/archive/"
echo "   service log:   $work/alur-relay.log"
echo "   mailbox:       $work/mailbox/new/ (one .eml file per mail)"
