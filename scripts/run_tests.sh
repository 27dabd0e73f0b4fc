#!/usr/bin/env bash
# Builds and runs every test: the Release build (unit and end-to-end tests, the Python module's
# pytest suite), then the ASan+UBSan build with clang (the same tests but the Python suite, plus
# the libFuzzer targets, 60 s each).
# Prints each CTest summary and a final "N passed, N failed" line over both builds.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

total_pass=0
total_fail=0
status=0

run_ctest() {  # build-dir label
  local dir=$1 label=$2 log
  log=$(mktemp)
  echo "== ${label}: running tests"
  ctest --test-dir "$dir" -j "$jobs" --output-on-failure --timeout 900 2>&1 | tee "$log"
  local line
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    echo "error: ${label}: ctest produced no summary" >&2
    status=1
  else
    local failed total
    failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')
    total=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/')
    total_pass=$((total_pass + total - failed))
    total_fail=$((total_fail + failed))
    [ "$failed" -eq 0 ] || status=1
  fi
  rm -f "$log"
}

echo "== Release build"
# EUC_PYTHON=ON: the Python module and its pytest suite are part of the run; a missing pybind11,
# Python header or pytest fails the configure step instead of skipping them quietly.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEUC_PYTHON=ON >/dev/null || exit 1
cmake --build build -j "$jobs" || exit 1
run_ctest build "Release"

echo "== Sanitizer build (clang, ASan+UBSan, libFuzzer)"
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEUC_SANITIZE=ON -DEUC_FUZZ=ON >/dev/null || exit 1
cmake --build build-asan -j "$jobs" || exit 1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
  run_ctest build-asan "Sanitizer"

echo
echo "all builds: ${total_pass} passed, ${total_fail} failed"
exit $status
