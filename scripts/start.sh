#!/usr/bin/env bash
# Builds xgate (optimised) and runs it. With no arguments it shows what the program can do
# and decodes a sample ESXi-style EXTENDED COPY; with arguments it runs `xgate ARGS...`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build build/release -j"$(nproc)" --target xgate
xgate=build/release/gateway/xgate

if [ $# -gt 0 ]; then
  exec "$xgate" "$@"
fi
"$xgate" --help
echo
echo "Example: an ESXi-style EXTENDED COPY(LID1) parameter list, decoded:"
"$xgate" decode --file examples/esxi-xcopy-lid1.hex
