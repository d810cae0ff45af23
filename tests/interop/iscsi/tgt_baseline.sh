#!/usr/bin/env bash
# The reference numbers for iscsi-test-cu: Linux tgt (tgtd, userspace) on 127.0.0.1 with two
# 256 MiB file-backed LUNs, SCSI and iSCSI families (run_cu.sh). tgtd gets a private
# control port (-C N, socket /run/tgtd/socket.N) so it never talks to another session's
# tgtd, and is stopped by deleting its target and then the system (SIGTERM alone does not
# stop it promptly).
# Usage: tgt_baseline.sh [LOG_DIR]   (logs SCSI-tgt.log, iSCSI-tgt.log, tgtd.log)
# Measured on the Debian 12 build machine (tgt 1.0.85, libiscsi 1.19):
#   SCSI 146 passed, 7 failed, 62 skipped; iSCSI 14 passed, 1 failed, 0 skipped.
# Ends with "N passed, N failed" over both families. Exit 0 when both ran, else non-zero.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

for tool in tgtd tgtadm iscsi-test-cu python3; do
  command -v "$tool" >/dev/null || { echo "tgt_baseline: $tool missing (scripts/install-deps.sh)" >&2; exit 3; }
done
log_dir=${1:-$(mktemp -d /tmp/xg-tgt.XXXXXX)}
mkdir -p "$log_dir"
work=$(mktemp -d /tmp/xg-tgt-luns.XXXXXX)
iqn=iqn.2026-12.org.xgate.test:tgt-baseline
port=$(xg_free_port)
control=
for candidate in $(shuf -i 100-999 -n 20); do
  [ -e "/run/tgtd/socket.$candidate" ] || { control=$candidate; break; }
done
[ -n "$control" ] || { echo "tgt_baseline: no free tgtd control port" >&2; exit 3; }
tgtd_pid=

cleanup() {
  if [ -n "$tgtd_pid" ] && kill -0 "$tgtd_pid" 2>/dev/null; then
    timeout 10 tgtadm -C "$control" --lld iscsi --op delete --mode target --tid 1 --force >/dev/null 2>&1
    timeout 10 tgtadm -C "$control" --op delete --mode system >/dev/null 2>&1
    local deadline=$((SECONDS + 10))
    while kill -0 "$tgtd_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    xg_stop_pid "$tgtd_pid" 5
  fi
  rm -f "/run/tgtd/socket.$control" "/run/tgtd/socket.$control.lock"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# LUN 1 random data (reads return something), LUN 2 sparse.
head -c 256M /dev/urandom >"$work/lun1.img"
truncate -s 256M "$work/lun2.img"
tgtd -C "$control" --iscsi "portal=127.0.0.1:$port" -f >"$log_dir/tgtd.log" 2>&1 &
tgtd_pid=$!
if ! xg_wait_server "$tgtd_pid" "$port" 15; then
  echo "tgt_baseline: tgtd did not listen on 127.0.0.1:$port (log: $log_dir/tgtd.log)" >&2
  exit 2
fi
T=(timeout 10 tgtadm -C "$control" --lld iscsi)
"${T[@]}" --op new --mode target --tid 1 -T "$iqn" &&
  "${T[@]}" --op new --mode logicalunit --tid 1 --lun 1 -b "$work/lun1.img" &&
  "${T[@]}" --op new --mode logicalunit --tid 1 --lun 2 -b "$work/lun2.img" &&
  "${T[@]}" --op bind --mode target --tid 1 -I ALL || { echo "tgt_baseline: tgtadm failed" >&2; exit 2; }

url="iscsi://127.0.0.1:$port/$iqn/1"
status=0
"$here/run_cu.sh" "$url" SCSI-tgt SCSI "$log_dir" || status=$?
"$here/run_cu.sh" "$url" iSCSI-tgt iSCSI "$log_dir" || status=$?
passed=0 failed=0
for label in SCSI-tgt iSCSI-tgt; do
  line=$(python3 "$here/cu_summary.py" --no-table --label "$label" "$log_dir/$label.log" 2>/dev/null | tail -1)
  p=$(sed -nE 's/.*: ([0-9]+) passed.*/\1/p' <<<"$line"); f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
echo "tgt baseline logs: $log_dir"
echo "$passed passed, $failed failed"
exit "$status"
