#!/usr/bin/env bash
# Measures the time and peak memory of reading exports of growing size with check-export, in
# the three sample formats. Memory that stays flat while the row count grows shows that the
# readers stream. Usage: bench/read_exports.sh [ROWS ...]   (default: 10000 100000 500000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ALUR_BUILD_DIR:-$root/build}
binary="$build/daemon/alur-relay"
work=${ALUR_BENCH_DIR:-/tmp/alur-relay-bench}
rows_list=("$@")
if [ ${#rows_list[@]} -eq 0 ]; then
  rows_list=(10000 100000 500000)
fi

if [ ! -x "$binary" ]; then
  "$root/scripts/build.sh"
fi
if [ ! -x /usr/bin/time ]; then
  echo "bench: /usr/bin/time is missing: apt-get install time" >&2
  exit 1
fi
mkdir -p "$work"

printf "%-7s %8s %10s %10s %12s %10s\n" format rows "size MB" "time s" "peak RSS MB" "leases/s"
for format in A B C; do
  extension=csv
  [ "$format" = C ] && extension=xml
  profile="$root/config/profiles/sample-$(echo "$format" | tr 'A-Z' 'a-z').profile"
  for rows in "${rows_list[@]}"; do
    input="$work/export-$format-$rows.$extension"
    if [ ! -f "$input" ]; then
      python3 "$root/tests/tools/gen_exports.py" "$format" "$input" --rows "$rows" --seed 1 \
        --today 2026-12-01 --no-truth
    fi
    /usr/bin/time -f "%e %M" -o "$work/time.txt" \
      "$binary" check-export "$input" --profile "$profile" --json >"$work/out.json"
    read -r seconds kilobytes <"$work/time.txt"
    leases=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['leases'])" "$work/out.json")
    size=$(du -m "$input" | cut -f1)
    printf "%-7s %8d %10s %10s %12d %10.0f\n" "$format" "$leases" "$size" "$seconds" \
      $((kilobytes / 1024)) "$(python3 -c "print($leases / max($seconds, 0.01))")"
  done
done
