#!/usr/bin/env bash
# Runs one iscsi-test-cu family against a target and summarises it with cu_summary.py.
# Usage: run_cu.sh TARGET_URL LABEL FAMILY [LOG_DIR]
#   TARGET_URL  iscsi://HOST:PORT/IQN/LUN (the LUN is overwritten: -d, data-loss tests), or
#               several such URLs separated by spaces: paths to the same LU, for the
#               MultipathIO tests (iscsi-test-cu runs them only when given two or more)
#   FAMILY      SCSI or iSCSI (any iscsi-test-cu -t prefix, e.g. SCSI.ExtendedCopy)
#   LOG_DIR     where LABEL.log is kept (default: a new directory under /tmp)
# Prints the per-suite table, the failed tests, and last "LABEL: N passed, N failed, N
# skipped". Exit: 0 ran (tests may have failed), 2 the run or its log is broken (timeout,
# crash, counts that disagree with CUnit), 3 usage or missing tool.
# XG_CU_TIMEOUT (seconds, default 600) bounds iscsi-test-cu; the default verbose mode is
# used on purpose (-x counts skips as passes; see cu_summary.py).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ $# -lt 3 ]; then
  echo "usage: $0 TARGET_URL LABEL FAMILY [LOG_DIR]" >&2
  exit 3
fi
url=$1 label=$2 family=$3
read -ra urls <<<"$url"
log_dir=${4:-$(mktemp -d /tmp/xg-cu.XXXXXX)}
command -v iscsi-test-cu >/dev/null || { echo "$label: iscsi-test-cu missing (libiscsi-bin)" >&2; exit 3; }
mkdir -p "$log_dir"
log=$log_dir/$label.log
timeout_s=${XG_CU_TIMEOUT:-600}

start=$(date +%s.%N)
# iscsi-test-cu exits 1 when any test failed; the summary decides instead. -k: a target
# that ignores SIGTERM mid-login must not hang the run.
timeout -k 10 "$timeout_s" iscsi-test-cu -d -t "$family" "${urls[@]}" >"$log" 2>&1
rc=$?
end=$(date +%s.%N)
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "$label: iscsi-test-cu timed out after ${timeout_s}s (log: $log)" >&2
fi
echo "$label: iscsi-test-cu -t $family $url: exit $rc, ${wall}s wall, log $log"
python3 "$here/cu_summary.py" --label "$label" --list failed "$log"
status=$?
[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && status=2
exit "$status"
