#!/usr/bin/env bash
# libiscsi's conformance suite (iscsi-test-cu, SCSI and iSCSI families) against
# `xgate serve`, next to the same suite against Linux tgt (tgt_baseline.sh), and the
# MultipathIO suite with two paths to one LU.
#
# xgate runs from a temporary config: one target, LUN 0 (256 MiB of random data) and
# LUN 1 (256 MiB sparse), emulated, on two free ports of 127.0.0.1 (two portals of one
# portal group) - the same LUs as the tgt baseline. The SCSI and iSCSI families run on LUN 0
# through the first portal (one path, so they skip MultipathIO). SCSI.MultipathIO runs first,
# on LUN 1 through both portals: iscsi-test-cu runs those tests only when given two URLs of
# the same LU, and each must run (a skip fails this script). LUN 1 and first because libiscsi
# 1.19's MultipathIO.CompareAndWrite compares LBAs 0-256 after zeroing only 0-255 (fixed
# upstream in 33c66f2, 2020): it needs LBA 256 to hold zeros when it starts, as a fresh sparse
# LU does. Everything is bounded: the server must listen within 20 s, each family has a
# timeout (XG_CU_TIMEOUT, default 600 s), and the server is stopped (SIGTERM, then SIGKILL
# after 20 s) whatever happens; a server that does not stop cleanly is a failure.
#
# Usage: xgate_cu.sh XGATE_BINARY [--no-tgt] [--allow-failures] [--log-dir DIR]
#   --no-tgt          skip the tgt side (XG_TGT_LOGS=DIR reuses logs of an earlier run)
#   --allow-failures  exit 0 even if xgate fails tests (for exploring)
# Exit: 0 all xgate tests passed or were skipped; 1 an xgate test failed; 2 xgate did not
# start, crashed, hung or stopped uncleanly, or a log is inconsistent. The last line is
# "N passed, N failed" over xgate's SCSI, iSCSI and MultipathIO runs (skips are on the line
# before; the SCSI run's skips include the MultipathIO tests it cannot run with one path).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

xgate=${1:-}
[ -n "$xgate" ] && shift
run_tgt=1 allow_failures=0 log_dir=
while [ $# -gt 0 ]; do
  case $1 in
    --no-tgt) run_tgt=0 ;;
    --allow-failures) allow_failures=1 ;;
    --log-dir) log_dir=$2; shift ;;
    *) echo "xgate_cu: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$xgate" ] || [ ! -x "$xgate" ]; then
  echo "usage: $0 XGATE_BINARY [--no-tgt] [--allow-failures] [--log-dir DIR]" >&2
  echo "0 passed, 1 failed"
  exit 2
fi
for tool in iscsi-test-cu python3; do
  command -v "$tool" >/dev/null || { echo "xgate_cu: $tool missing (scripts/install-deps.sh)" >&2; echo "0 passed, 1 failed"; exit 2; }
done

log_dir=${log_dir:-$(mktemp -d /tmp/xg-cu.XXXXXX)}
mkdir -p "$log_dir"
work=$(mktemp -d /tmp/xg-cu-data.XXXXXX)
server_pid=

cleanup() {
  [ -n "$server_pid" ] && xg_stop_pid "$server_pid" 20 >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Fails the whole run loudly: why, the server log's tail, and the closing line.
abort() {
  echo "xgate_cu: $*" >&2
  if [ -f "$log_dir/xgate.log" ]; then
    echo "---- last lines of $log_dir/xgate.log ----" >&2
    tail -n 30 "$log_dir/xgate.log" >&2
  fi
  echo "0 passed, 1 failed"
  exit 2
}

iqn=iqn.2026-12.org.xgate.test:cu
port=$(xg_free_port)
port2=$(xg_free_port)
while [ "$port2" = "$port" ]; do port2=$(xg_free_port); done
head -c 256M /dev/urandom >"$work/lun0.img"
cat >"$work/xgate.toml" <<EOF
[server]
portals = ["127.0.0.1:$port", "127.0.0.1:$port2"]
data_dir = "$work"
log_level = "info"
[[target]]
name = "$iqn"
[[target.lun]]
lun = 0
emulated = { file = "lun0.img", size = "256MiB" }
[[target.lun]]
lun = 1
emulated = { file = "lun1.img", size = "256MiB" }
EOF

"$xgate" serve --config "$work/xgate.toml" >"$log_dir/xgate.log" 2>&1 &
server_pid=$!
xg_wait_server "$server_pid" "$port" 20 ||
  abort "xgate serve did not listen on 127.0.0.1:$port within 20 s (or exited)"
xg_wait_port "$port2" 20 || abort "xgate serve did not listen on 127.0.0.1:$port2 within 20 s"
kill -0 "$server_pid" 2>/dev/null || abort "xgate serve exited at start-up"

# label family url...: one run_cu.sh run; a broken run (exit 2) or a dead server is noted.
broken=0
run_family() {
  local label=$1 family=$2
  shift 2
  XG_CU_TIMEOUT=${XG_CU_TIMEOUT:-600} "$here/run_cu.sh" "$*" "$label" "$family" "$log_dir"
  [ $? -eq 2 ] && broken=1
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid"; rc=$?; server_pid=
    abort "xgate serve died during the $family run (exit $rc)"
  fi
}

run_family MultipathIO-xgate SCSI.MultipathIO \
  "iscsi://127.0.0.1:$port/$iqn/1" "iscsi://127.0.0.1:$port2/$iqn/1"
url="iscsi://127.0.0.1:$port/$iqn/0"
for family in SCSI iSCSI; do
  run_family "$family-xgate" "$family" "$url"
done

# A clean stop is part of the contract: SIGTERM -> stop(), run() returns, exit 0.
kill -TERM "$server_pid"
deadline=$((SECONDS + 20))
while kill -0 "$server_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
if kill -0 "$server_pid" 2>/dev/null; then
  kill -KILL "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=
  echo "xgate_cu: xgate serve did not stop within 20 s of SIGTERM" >&2
  broken=1
else
  wait "$server_pid"; rc=$?; server_pid=
  if [ "$rc" -ne 0 ]; then echo "xgate_cu: xgate serve exited $rc after SIGTERM" >&2; broken=1; fi
fi

tgt_logs=${XG_TGT_LOGS:-}
if [ "$run_tgt" = 1 ] && [ -z "$tgt_logs" ]; then
  tgt_logs=$log_dir/tgt
  timeout -k 10 900 "$here/tgt_baseline.sh" "$tgt_logs" >"$log_dir/tgt_baseline.out" 2>&1 ||
    echo "xgate_cu: tgt baseline did not complete (see $log_dir/tgt_baseline.out)" >&2
fi

echo
echo "==== xgate and tgt side by side (logs: $log_dir) ===="
for family in SCSI iSCSI; do
  python3 "$here/cu_compare.py" --title "$family" "xgate=$log_dir/$family-xgate.log" \
    "tgt=${tgt_logs:-/nonexistent}/$family-tgt.log"
done

passed=0 failed=0 skipped=0
for run in SCSI iSCSI MultipathIO; do
  line=$(python3 "$here/cu_summary.py" --no-table --label "$run-xgate" \
           "$log_dir/$run-xgate.log" 2>/dev/null | tail -n 1)
  read -r p f s < <(sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/p' <<<"$line")
  p=${p:-0} f=${f:-0} s=${s:-0}
  if [ "$run" = MultipathIO ]; then
    # With two paths every MultipathIO test iscsi-test-cu lists must run: a skip means the
    # paths were not taken for one LU, so it counts as a failure here.
    mp_listed=$(iscsi-test-cu -l 2>/dev/null | grep -c '^SCSI\.MultipathIO\.')
    if [ "$s" -gt 0 ]; then
      echo "xgate_cu: MultipathIO: $s test(s) skipped with two paths" >&2
      f=$((f + s)) s=0
    fi
    if [ "$((p + f))" -ne "$mp_listed" ] || [ "$mp_listed" -eq 0 ]; then
      echo "xgate_cu: MultipathIO: $((p + f)) tests ran, iscsi-test-cu -l lists $mp_listed" >&2
      broken=1
    fi
  fi
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
echo "xgate (SCSI + iSCSI one path, MultipathIO two portals): $passed passed, $failed failed, $skipped skipped"
echo "$passed passed, $failed failed"
[ "$broken" = 1 ] && exit 2
[ "$failed" -gt 0 ] && [ "$allow_failures" = 0 ] && exit 1
exit 0
