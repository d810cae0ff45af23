#!/bin/bash
# Times a 1 GiB NVMe Copy through EmulatedDevice on XFS (copy_file_range = reflink) against
# a plain read/write copy and a direct copy_file_range of the same data.
#
#   sudo bench/reflink_copy.sh [ROOT [FS]]   (ROOT = the xgate checkout, default: this repo;
#                                           FS = xfs (default) or ext4, for comparison: ext4
#                                           has no reflink, copy_file_range copies in-kernel)
#
# Needs root (loop device, mount), mkfs.xfs (xfsprogs) and a C++20 compiler; exits 77
# (CTest's "skipped") when one is missing. Uses a 3 GiB XFS image in $TMPDIR: 2 GiB cannot
# hold the 1 GiB source plus the 1 GiB the plain copy allocates (XFS log and metadata).
# Every timing includes a final sync, so the plain copy's dirty pages are counted. Each
# method also reports how much space its copy allocated (df before/after, after sync) and
# how many of the copy's extents filefrag flags "shared": a reflink allocates ~0 MiB and
# every extent is shared.
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
FS=${2:-xfs}
SIZE_MIB=1024
LBA=4096
BLOCKS=$((SIZE_MIB * 1024 * 1024 / LBA))

skip() { echo "reflink_copy: SKIPPED: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (loop device and mount)"
case "$FS" in
  xfs|ext4) ;;
  *) echo "reflink_copy: FS must be xfs or ext4, not $FS" >&2; exit 2 ;;
esac
command -v "mkfs.$FS" >/dev/null || skip "mkfs.$FS not found (install xfsprogs / e2fsprogs)"
command -v losetup >/dev/null || skip "losetup not found"
[ -e /dev/loop-control ] || skip "no loop devices"
grep -qw "$FS" /proc/filesystems || modprobe "$FS" 2>/dev/null || skip "kernel has no $FS"
CXX=${CXX:-g++}
command -v "$CXX" >/dev/null || skip "no C++ compiler ($CXX)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/xg-reflink-XXXXXX")
IMAGE=$WORK/xfs.img
MNT=$WORK/mnt
LOOP=""
cleanup() {
  set +e
  mountpoint -q "$MNT" && umount "$MNT"
  [ -n "$LOOP" ] && losetup -d "$LOOP"
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "building emulated_copy_tool ..."
"$CXX" -std=c++20 -O2 -I"$ROOT" -o "$WORK/emulated_copy_tool" "$ROOT/bench/emulated_copy_tool.cc" \
  "$ROOT"/nvme/*.cc "$ROOT"/base/*.cc -lpthread
cat > "$WORK/cfr.c" <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int in = open(argv[1], O_RDONLY), out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (in < 0 || out < 0) { perror("open"); return 1; }
  for (;;) {
    ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
    if (n < 0) { perror("copy_file_range"); return 1; }
    if (n == 0) return 0;
  }
}
EOF
${CC:-gcc} -O2 -o "$WORK/cfr" "$WORK/cfr.c"

truncate -s 3G "$IMAGE"
LOOP=$(losetup -f --show "$IMAGE") || skip "losetup failed (no free loop device?)"
if [ "$FS" = xfs ]; then mkfs.xfs -q -m reflink=1 "$LOOP"; else mkfs.ext4 -q "$LOOP"; fi
mkdir -p "$MNT"
mount "$LOOP" "$MNT"
echo "writing ${SIZE_MIB} MiB of random data ..."
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$MNT/ns1.img"
sync
SUM=$(md5sum < "$MNT/ns1.img")

seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null; sync; e=$(date +%s.%N); awk "BEGIN{print $e - $s}"; }
used() { sync; df -B1 --output=used "$MNT" | tail -n 1; }
# "allocated MiB, shared extents/extents" of a copy, given the df figure before it.
space() {
  local after extents shared
  after=$(used)
  extents=$(filefrag -v "$1" 2>/dev/null | grep -cE '^ *[0-9]+:' || true)
  shared=$(filefrag -v "$1" 2>/dev/null | grep -E '^ *[0-9]+:' | grep -c shared || true)
  awk -v a="$after" -v b="$2" -v e="$extents" -v s="$shared" \
    'BEGIN { printf "%.0f MiB allocated, %d/%d extents shared", (a - b) / 1048576, s, e }'
}
check() { [ "$(md5sum < "$1")" = "$SUM" ] || { echo "reflink_copy: $1 differs" >&2; exit 1; }; }

echo "(a) NVMe Copy through EmulatedDevice (format 2h, ns1 -> ns2) ..."
U=$(used)
T_COPY=$(seconds "$WORK/emulated_copy_tool" "$MNT/ns1.img" "$MNT/ns2.img" $LBA $BLOCKS)
S_COPY=$(space "$MNT/ns2.img" "$U")
check "$MNT/ns2.img"; rm -f "$MNT/ns2.img"; sync
echo "(b) plain read/write copy (dd bs=1M) ..."
U=$(used)
T_DD=$(seconds dd if="$MNT/ns1.img" of="$MNT/dd.img" bs=1M status=none)
S_DD=$(space "$MNT/dd.img" "$U")
check "$MNT/dd.img"; rm -f "$MNT/dd.img"; sync
echo "(c) copy_file_range directly ..."
U=$(used)
T_CFR=$(seconds "$WORK/cfr" "$MNT/ns1.img" "$MNT/cfr.img")
S_CFR=$(space "$MNT/cfr.img" "$U")
check "$MNT/cfr.img"

[ "$FS" = xfs ] && FS_NAME="XFS reflink=1" || FS_NAME="ext4"
printf '\n%-44s %10s  %s\n' "method (${SIZE_MIB} MiB, $FS_NAME)" "seconds" "space"
printf '%-44s %10.3f  %s\n' "(a) NVMe Copy via EmulatedDevice" "$T_COPY" "$S_COPY"
printf '%-44s %10.3f  %s\n' "(b) read/write copy (dd bs=1M)" "$T_DD" "$S_DD"
printf '%-44s %10.3f  %s\n' "(c) copy_file_range" "$T_CFR" "$S_CFR"
awk -v a="$T_COPY" -v b="$T_DD" -v c="$T_CFR" \
  'BEGIN { printf "ratio (b)/(a) = %.1f   (b)/(c) = %.1f   (a)/(c) = %.2f\n", b / a, b / c, a / c }'
