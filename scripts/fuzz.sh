#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and UndefinedBehaviorSanitizer into
# build-fuzz/ (or $ALUR_FUZZ_BUILD_DIR), replays the saved inputs of fuzz/regressions/, then fuzzes
# each target for $ALUR_FUZZ_SECONDS seconds (default 60). Exits with status 1 when a target
# crashes, reports a sanitizer error or a leak, times out or runs out of memory, after printing the
# path of the input that caused it. See docs/fuzzing.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ALUR_FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${ALUR_FUZZ_SECONDS:-60}
# An input that runs longer than this many seconds is reported as a timeout.
input_timeout=${ALUR_FUZZ_INPUT_TIMEOUT:-10}
all_targets=(csv_reader xml_reader profile export_reader receipts config)

usage() {
  cat <<EOF
usage: scripts/fuzz.sh [--short] [TARGET...]
  --short   fuzz each target for 10 seconds (CI) instead of \$ALUR_FUZZ_SECONDS (default 60)
  TARGET    one of: ${all_targets[*]} (default: all)
Environment: ALUR_FUZZ_BUILD_DIR (build tree, default build-fuzz/), ALUR_FUZZ_SECONDS,
ALUR_FUZZ_INPUT_TIMEOUT (seconds before one input counts as a hang, default 10).
EOF
}

targets=()
for arg in "$@"; do
  case $arg in
    --short) seconds=10 ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*)
      echo "fuzz: unknown option $arg" >&2
      usage >&2
      exit 2
      ;;
    *)
      if [[ " ${all_targets[*]} " != *" $arg "* ]]; then
        echo "fuzz: unknown target $arg; targets are: ${all_targets[*]}" >&2
        exit 2
      fi
      targets+=("$arg")
      ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  targets=("${all_targets[@]}")
fi

"$root/scripts/setup.sh"

# The libraries get coverage instrumentation and the sanitizers, and the fuzz targets add
# -fsanitize=fuzzer (fuzz/CMakeLists.txt). _GLIBCXX_ASSERTIONS makes std::string and std::vector
# check their indexes, which AddressSanitizer misses inside a container's capacity.
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined"
flags+=" -fno-sanitize-recover=undefined -D_GLIBCXX_ASSERTIONS"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS="$flags" \
  -DALUR_BUILD_FUZZERS=ON -DALUR_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target alur_fuzzers -j"$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=()
for target in "${targets[@]}"; do
  binary=$build/fuzz/${target}_fuzzer
  run=$build/fuzz-runs/$target
  corpus=$run/corpus
  artifacts=$run/artifacts
  log=$run/fuzz.log
  mkdir -p "$corpus" "$artifacts"
  # The targets that parse files write each input to a scratch file in $TMPDIR. A crash leaves
  # that file behind, so it goes to a folder that the next run of the target empties.
  export TMPDIR=$run/tmp
  rm -rf "$TMPDIR"
  mkdir -p "$TMPDIR"
  # The scratch corpus keeps what earlier runs found. Seeds and regression inputs are copied in,
  # so that libFuzzer never writes to fuzz/.
  cp -R "$root/fuzz/corpus/$target/." "$corpus/"

  regressions=("$root/fuzz/regressions/$target"/*)
  if [ -e "${regressions[0]}" ]; then
    if ! "$binary" -timeout="$input_timeout" "${regressions[@]}" >"$run/regressions.log" 2>&1; then
      tail -n 40 "$run/regressions.log" >&2
      echo "fuzz: $target fails on a saved input of fuzz/regressions/$target/ (log: $run/regressions.log)" >&2
      failed+=("$target")
    else
      cp "${regressions[@]}" "$corpus/"
    fi
  fi

  dictionary=()
  if [ -f "$root/fuzz/dict/$target.dict" ]; then
    dictionary=(-dict="$root/fuzz/dict/$target.dict")
  fi
  echo "fuzz: $target for ${seconds}s"
  if "$binary" -max_total_time="$seconds" -timeout="$input_timeout" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${dictionary[@]}" "$corpus" >"$log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  else
    tail -n 60 "$log" >&2
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "fuzz: $target failed; input: ${crash:-none written}, log: $log" >&2
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed targets: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: no crash in ${targets[*]}"
