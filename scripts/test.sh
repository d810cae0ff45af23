#!/usr/bin/env bash
# Runs every test: installs what is missing, builds under AddressSanitizer + UBSan with
# warnings as errors, then runs CTest (unit tests, fuzz-corpus replays, layering, and the
# interop suites whose peers are present). Ends with CTest's summary line.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -L unit or -R sense]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh
jobs=$(nproc)
cmake --preset asan >/dev/null
cmake --build build/asan -j"$jobs"
ctest --test-dir build/asan -j"$jobs" --output-on-failure "$@"
