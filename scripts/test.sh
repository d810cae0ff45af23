#!/usr/bin/env bash
# Runs every test: installs what is missing, then
#   1. builds the translate unit tests and the in-process target tests under
#      ThreadSanitizer (the tsan preset, build/tsan) and runs them; a data race or lock
#      order inversion fails its test, and any failure stops the script here;
#   2. builds everything under AddressSanitizer + UBSan with warnings as errors and runs
#      CTest (unit tests, fuzz-corpus replays, layering, and the interop suites whose peers
#      are present). Ends with CTest's summary line.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -L unit or -R sense; both runs get them]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh
jobs=$(nproc)

# Only the code with threads of its own needs TSan: copy jobs, the scheduler and retries on
# device and timer threads (translate), the Asio target serving libiscsi (target).
cmake --preset tsan >/dev/null
cmake --build build/tsan -j"$jobs" --target xg_translate_tests xg_target_tests
ctest --test-dir build/tsan -j"$jobs" --output-on-failure -L 'unit-translate|interop-target' "$@"

cmake --preset asan >/dev/null
cmake --build build/asan -j"$jobs"
ctest --test-dir build/asan -j"$jobs" --output-on-failure "$@"
