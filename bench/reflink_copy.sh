#!/bin/bash
# Times a 1 GiB NVMe Copy through EmulatedDevice on XFS (copy_file_range = reflink) against
# a plain read/write copy and a direct copy_file_range of the same data.
#
#   sudo bench/reflink_copy.sh [ROOT]     (ROOT = the xgate checkout, default: this repo)
#
# Needs root (loop device, mount), mkfs.xfs (xfsprogs) and a C++20 compiler; exits 77
# (CTest's "skipped") when one is missing. Uses a 3 GiB XFS image in $TMPDIR: 2 GiB cannot
# hold the 1 GiB source plus the 1 GiB the plain copy allocates (XFS log and metadata).
# Every timing includes a final sync, so the plain copy's dirty pages are counted.
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
SIZE_MIB=1024
LBA=4096
BLOCKS=$((SIZE_MIB * 1024 * 1024 / LBA))

skip() { echo "reflink_copy: SKIPPED: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (loop device and mount)"
command -v mkfs.xfs >/dev/null || skip "mkfs.xfs not found (install xfsprogs)"
command -v losetup >/dev/null || skip "losetup not found"
[ -e /dev/loop-control ] || skip "no loop devices"
grep -qw xfs /proc/filesystems || modprobe xfs 2>/dev/null || skip "kernel has no XFS"
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
mkfs.xfs -q -m reflink=1 "$LOOP"
mkdir -p "$MNT"
mount "$LOOP" "$MNT"
echo "writing ${SIZE_MIB} MiB of random data ..."
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$MNT/ns1.img"
sync
SUM=$(md5sum < "$MNT/ns1.img")

seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null; sync; e=$(date +%s.%N); awk "BEGIN{print $e - $s}"; }
check() { [ "$(md5sum < "$1")" = "$SUM" ] || { echo "reflink_copy: $1 differs" >&2; exit 1; }; }

echo "(a) NVMe Copy through EmulatedDevice (format 2h, ns1 -> ns2) ..."
T_COPY=$(seconds "$WORK/emulated_copy_tool" "$MNT/ns1.img" "$MNT/ns2.img" $LBA $BLOCKS)
check "$MNT/ns2.img"; rm -f "$MNT/ns2.img"; sync
echo "(b) plain read/write copy (dd bs=1M) ..."
T_DD=$(seconds dd if="$MNT/ns1.img" of="$MNT/dd.img" bs=1M status=none)
check "$MNT/dd.img"; rm -f "$MNT/dd.img"; sync
echo "(c) copy_file_range directly ..."
T_CFR=$(seconds "$WORK/cfr" "$MNT/ns1.img" "$MNT/cfr.img")
check "$MNT/cfr.img"

printf '\n%-44s %10s\n' "method (${SIZE_MIB} MiB, XFS reflink=1)" "seconds"
printf '%-44s %10.3f\n' "(a) NVMe Copy via EmulatedDevice" "$T_COPY"
printf '%-44s %10.3f\n' "(b) read/write copy (dd bs=1M)" "$T_DD"
printf '%-44s %10.3f\n' "(c) copy_file_range" "$T_CFR"
awk -v a="$T_COPY" -v b="$T_DD" -v c="$T_CFR" \
  'BEGIN { printf "ratio (b)/(a) = %.1f   (b)/(c) = %.1f   (a)/(c) = %.2f\n", b / a, b / c, a / c }'
