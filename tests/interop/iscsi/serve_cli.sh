#!/usr/bin/env bash
# `xgate serve` as an operator meets it: start-up errors exit 1 with a message that names
# the problem (busy port, config FILE:LINE:COLUMN, bad flag), --listen is repeatable,
# SIGINT/SIGTERM stop it with exit 0, and the emulated images are created in the data
# directory. No initiator needed; every step is bounded.
# Usage: serve_cli.sh XGATE_BINARY. The last line is "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

xgate=${1:-}
[ -x "$xgate" ] || { echo "usage: $0 XGATE_BINARY" >&2; echo "0 passed, 1 failed"; exit 2; }
work=$(mktemp -d /tmp/xg-serve-cli.XXXXXX)
holder_pid= server_pid=
passed=0 failed=0
cleanup() {
  [ -n "$server_pid" ] && xg_stop_pid "$server_pid" 10 >/dev/null 2>&1
  [ -n "$holder_pid" ] && xg_stop_pid "$holder_pid" 5 >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

verdict() {  # verdict NAME OK(0/1) [details]
  if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "ok      $1"
  else failed=$((failed + 1)); echo "FAILED  $1${3:+: $3}"; fi
}

# expect_start_error NAME EXPECTED_STDERR_LINE ARGS...: exit 1 and exactly that message.
expect_start_error() {
  local name=$1 expected=$2; shift 2
  local out rc
  out=$(timeout 20 "$xgate" serve "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -eq 1 ] && grep -qxF -- "$expected" <<<"$out"; then verdict "$name" 0
  else verdict "$name" 1 "exit $rc, stderr: $out"; fi
}

# A port somebody else holds: a listening socket in a helper process.
busy_port_file=$work/busy.port
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(60)' "$busy_port_file" &
holder_pid=$!
for _ in $(seq 50); do [ -s "$busy_port_file" ] && break; sleep 0.1; done
busy=$(cat "$busy_port_file")
# --help describes the embedded default with the Copy limits its namespaces report
# (gateway/config/config.h kDefaultEmulated*; they were once stale here).
"$xgate" serve --help | tr '\n' ' ' | grep -qF "Copy limits MSSRL 65535, MCL 8388480, MSRC 127"
verdict "serve --help: the default Copy limits" $?

expect_start_error "busy port: exit 1, names the portal" \
  "xgate serve: cannot listen: portal 127.0.0.1:$busy: Address already in use" \
  --data-dir "$work/data" --listen "127.0.0.1:$busy"

printf '[server]\nportals = ["127.0.0.1:1"]\n[[target]]\nname = "iqn.2026-12.org.x:a"\nallias = "typo"\n' \
  >"$work/typo.toml"
expect_start_error "config typo: FILE:LINE:COLUMN" \
  "xgate serve: $work/typo.toml:5:1: unknown key \"allias\" in [[target]] (expected name, alias, lun)" \
  --config "$work/typo.toml"
expect_start_error "missing config file" "xgate serve: $work/none.toml: cannot be read" \
  --config "$work/none.toml"
expect_start_error "bad --listen" \
  "xgate serve: --listen 127.0.0.1: expected ADDRESS:PORT, e.g. 127.0.0.1:3260 or [::1]:3260" \
  --listen 127.0.0.1

# The embedded default on two free ports, stopped by SIGINT.
port1=$(xg_free_port) port2=$(xg_free_port)
"$xgate" serve --data-dir "$work/data" --listen "127.0.0.1:$port1" --listen "127.0.0.1:$port2" \
  >"$work/serve.log" 2>&1 &
server_pid=$!
xg_wait_server "$server_pid" "$port1" 20 && xg_wait_server "$server_pid" "$port2" 5
verdict "repeated --listen: both portals accept connections" $? "$(tail -n 5 "$work/serve.log")"
grep -qF "iscsi://127.0.0.1:$port1/iqn.2026-12.org.xgate:default/0" "$work/serve.log"
verdict "prints the libiscsi URL of LUN 0" $?
[ "$(stat -c %s "$work/data/ns1.img" 2>/dev/null)" = 1073741824 ] &&
  [ "$(stat -c %s "$work/data/ns2.img" 2>/dev/null)" = 1073741824 ]
verdict "creates ns1.img and ns2.img of 1 GiB in --data-dir" $?
# The server must still be running when the signal is sent, then exit 0 in time.
rc="not running when signalled"
if kill -INT "$server_pid" 2>/dev/null; then
  rc="still running after 20 s"
  for _ in $(seq 100); do
    if ! kill -0 "$server_pid" 2>/dev/null; then wait "$server_pid"; rc=$?; server_pid=; break; fi
    sleep 0.2
  done
fi
[ "$rc" = 0 ]
verdict "SIGINT: exit 0 within 20 s" $? "$rc"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
