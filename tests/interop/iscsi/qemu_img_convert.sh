#!/usr/bin/env bash
# qemu-img (QEMU's libiscsi block driver, block-iscsi.so from qemu-block-extra) moves a
# 256 MiB random image into an xgate LUN over iscsi:// and back out, and the copies are
# compared with `qemu-img compare` and cmp: the READ/WRITE path end to end with a real
# initiator that splits I/O its own way (2 MiB requests, 8 coroutines).
#
# Then LUN 0 -> LUN 1 with `convert -C` (EXTENDED COPY offload). qemu-img falls back to
# READ/WRITE silently when EXTENDED COPY fails, so offload is read from QEMU's iscsi_xcopy
# trace events (ret 0 = the XCOPY succeeded), and LUN 1 is compared with the source.
#
# Usage: qemu_img_convert.sh XGATE_BINARY [LOG_DIR]
# Checks: server starts, convert in, convert out, qemu-img compare, cmp, convert -C all
# offloaded, LUN 1 compare, clean stop.
# The last line is "N passed, N failed"; exit 0 when nothing failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

xgate=${1:-}
if [ -z "$xgate" ] || [ ! -x "$xgate" ]; then
  echo "usage: $0 XGATE_BINARY [LOG_DIR]" >&2
  echo "0 passed, 1 failed"
  exit 2
fi
command -v qemu-img >/dev/null || { echo "qemu_img_convert: qemu-img missing (qemu-utils)" >&2; echo "0 passed, 1 failed"; exit 2; }
log_dir=${2:-$(mktemp -d /tmp/xg-qemu-img.XXXXXX)}
mkdir -p "$log_dir"
work=$(mktemp -d /tmp/xg-qemu-img-data.XXXXXX)
server_pid=
passed=0 failed=0

cleanup() {
  [ -n "$server_pid" ] && xg_stop_pid "$server_pid" 20 >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

finish() {
  echo "logs: $log_dir"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}

# check NAME COMMAND...: runs it (output to the log), counts and prints the verdict.
check() {
  local name=$1; shift
  local start=$SECONDS
  if "$@" >>"$log_dir/steps.log" 2>&1; then
    passed=$((passed + 1)); echo "ok      $name ($((SECONDS - start)) s)"
    return 0
  fi
  failed=$((failed + 1)); echo "FAILED  $name (see $log_dir/steps.log)"
  return 1
}

iqn=iqn.2026-12.org.xgate.test:qemu-img
port=$(xg_free_port)
cat >"$work/xgate.toml" <<EOF
[server]
portals = ["127.0.0.1:$port"]
data_dir = "$work"
[[target]]
name = "$iqn"
[[target.lun]]
lun = 0
emulated = { file = "lun0.img", size = "256MiB" }
[[target.lun]]
lun = 1
emulated = { file = "lun1.img", size = "256MiB" }
EOF
head -c 256M /dev/urandom >"$work/source.raw"

"$xgate" serve --config "$work/xgate.toml" >"$log_dir/xgate.log" 2>&1 &
server_pid=$!
if ! check "xgate serve listens on 127.0.0.1:$port" xg_wait_server "$server_pid" "$port" 20; then
  tail -n 30 "$log_dir/xgate.log" >&2
  finish
fi

lun0="iscsi://127.0.0.1:$port/$iqn/0"
lun1="iscsi://127.0.0.1:$port/$iqn/1"
check "qemu-img convert source.raw -> LUN 0" \
  timeout -k 5 120 qemu-img convert -n -f raw -O raw "$work/source.raw" "$lun0"
check "qemu-img convert LUN 0 -> back.raw" \
  timeout -k 5 120 qemu-img convert -f raw -O raw "$lun0" "$work/back.raw"
check "qemu-img compare source.raw back.raw" \
  timeout -k 5 120 qemu-img compare -f raw -F raw "$work/source.raw" "$work/back.raw"
check "cmp source.raw back.raw" cmp "$work/source.raw" "$work/back.raw"

# EXTENDED COPY: `convert -C` LUN 0 -> LUN 1. qemu-img falls back to READ/WRITE silently
# after the first refused XCOPY, so offload is proven by QEMU's iscsi_xcopy trace events:
# at least one, and every one with ret 0 (qemu-img --trace enable=iscsi_xcopy; QEMU 7.2's
# block/iscsi.c falls back to read/write silently); then the data.
xcopy_offloaded() {
  timeout -k 5 120 qemu-img --trace enable=iscsi_xcopy convert -C -n -f raw -O raw \
    "$lun0" "$lun1" >"$log_dir/xcopy-trace.log" 2>&1 || return 1
  local attempts refused
  attempts=$(grep -c 'iscsi_xcopy' "$log_dir/xcopy-trace.log")
  refused=$(grep 'iscsi_xcopy' "$log_dir/xcopy-trace.log" | grep -vc 'ret 0$')
  echo "info    convert -C LUN 0 -> LUN 1: $attempts XCOPY command(s), $refused refused"
  [ "$attempts" -gt 0 ] && [ "$refused" -eq 0 ]
}
check "qemu-img convert -C LUN 0 -> LUN 1: every chunk sent as EXTENDED COPY, none refused" \
  xcopy_offloaded
check "qemu-img compare source.raw LUN 1 (the XCOPY destination)" \
  timeout -k 5 120 qemu-img compare -f raw -F raw "$work/source.raw" "$lun1"

# SIGTERM -> Server::stop(), run() returns, devices flushed, exit 0.
stop_cleanly() {
  kill -TERM "$server_pid" 2>/dev/null || return 1
  local deadline=$((SECONDS + 20))
  while kill -0 "$server_pid" 2>/dev/null; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
  local rc=0
  wait "$server_pid" || rc=$?
  server_pid=
  echo "xgate serve exit status $rc"
  return "$rc"
}
check "xgate serve stops cleanly on SIGTERM (exit 0 within 20 s)" stop_cleanly
finish
