#!/usr/bin/env bash
# Builds xgate (optimised) and runs it. With no arguments it runs `xgate serve` with the
# embedded default: target iqn.2026-12.org.xgate:default on 127.0.0.1:3260, LUNs 0 and 1
# on emulated 1 GiB NVMe namespaces in ./xgate-data (or $XDG_STATE_HOME/xgate); Ctrl-C
# stops it. With arguments it runs `xgate ARGS...` (e.g. `serve --config FILE`, `decode`).
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
echo "xgate: serving the embedded default configuration (xgate serve --help for options)" >&2
exec "$xgate" serve
