#!/usr/bin/env bash
# A 1 GiB copy WITHIN ONE LU (source LBA 0 -> destination at +1 GiB, 4 GiB LUN, 512-byte
# blocks, random data identical for every method) done five ways, in one run, on an XFS
# loop file (mkfs.xfs -m reflink=1) and on an ext4 loop file:
#
#   (a)  EXTENDED COPY(LID1) through `xgate serve` (release build): 02h segments of the
#        advertised MAXIMUM SEGMENT LENGTH (RECEIVE COPY OPERATING PARAMETERS), as many per
#        command as the advertised segment descriptor count, XQD commands outstanding.
#        a-def: an emulated LUN's default Copy limits (gateway/config/config.h: MSSRL
#               65535, MCL 8388480, MSRC 127: a whole XCOPY command is one NVMe Copy);
#        a-qemu: QEMU's small limits (mssrl 128, mcl 1024, msrc 15: 512 KiB per NVMe Copy,
#               the defaults before), to show what gathering and the emulated device's
#               merge of contiguous ranges into one copy_file_range do for them;
#        a-big: mssrl 65535, mcl 4294967295, msrc 255.
#        The advertised segment length is 65528 blocks (whole 4 KiB); a-*-al ask for
#        65528-block segments explicitly, which is the same unless that advertisement
#        changes (65535 blocks = 33553920 bytes would start 7 of 8 segments off the file
#        system's block boundary, where XFS cannot reflink).
#   (b)  host read/write copy through xgate: the same client (bench/xcopy_client.cc) reading
#        and writing 1 MiB chunks over iSCSI, RWQD chunks in flight (default 8), then
#        SYNCHRONIZE CACHE.
#   (c)  the same host copy through tgtd (Linux tgt, rdwr backing store) on the same file.
#   (d)  copy_file_range(2) on the image file itself (what the emulated NVMe Copy does).
#   (e)  dd bs=1M read+write of the range in the image file (conv=notrunc).
#
# Before every run of a method the destination range is punched out (fallocate -p), so
# every run starts from an unallocated destination (and a wrong copy cannot pass as right
# by accident) and the source range is read (page cache warm for everyone; the destination
# is not read, so no cached destination pages have to be invalidated by a reflink). Every time
# is wall clock around the whole client process (iSCSI login included, a few ms) plus a
# final `sync -f` of the file system ("wall"); "core" is the client's own timer around
# the SCSI commands (no process start, no login) plus that sync (d/e: core = wall). After each method the destination range's md5 is
# compared with the source's; a mismatch fails the run.
#
# Usage: sudo bench/xcopy_vs_host_copy.sh [--fs "xfs ext4"] [--xgate BIN] [--xqd N]
#                                         [--rwqd N] [--log-dir DIR] [--perf] [--reps N]
#   --reps N  run every method N times (default 3); the table shows the median
#   --perf  also record `perf record -g` of xgate during a-def, a-def-al, a-qemu and a-big (in the log dir;
#           the perf start-up second is then inside neither timing: it runs before)
# Needs root (loop devices, mount, tgtd), xfsprogs, tgt, libiscsi-dev, pkg-config, g++.
# Exit 0 when every method ran and verified, 1 otherwise, 3 when a tool is missing.
# A benchmark, not a test: not registered in CTest.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=SCRIPTDIR/../tests/interop/iscsi/common.sh
. "$root/tests/interop/iscsi/common.sh"

filesystems="xfs ext4"
xgate=$root/build/release/gateway/xgate
xqd=1
rwqd=8
log_dir=
do_perf=0
reps=3
while [ $# -gt 0 ]; do
  case $1 in
    --fs) filesystems=$2; shift 2 ;;
    --xgate) xgate=$2; shift 2 ;;
    --xqd) xqd=$2; shift 2 ;;
    --rwqd) rwqd=$2; shift 2 ;;
    --log-dir) log_dir=$2; shift 2 ;;
    --perf) do_perf=1; shift ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "usage: $0 [--fs \"xfs ext4\"] [--xgate BIN] [--xqd N] [--rwqd N] [--log-dir DIR] [--perf] [--reps N]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "xcopy_vs_host_copy: needs root" >&2; exit 3; }
for tool in tgtd tgtadm mkfs.xfs mkfs.ext4 losetup fallocate pkg-config g++ python3 md5sum; do
  command -v "$tool" >/dev/null || { echo "xcopy_vs_host_copy: $tool missing" >&2; exit 3; }
done
[ -x "$xgate" ] || { echo "xcopy_vs_host_copy: no $xgate (cmake --preset release && cmake --build build/release --target xgate)" >&2; exit 3; }
if nm -C "$xgate" 2>/dev/null | grep -q __asan_init; then echo "xcopy_vs_host_copy: $xgate is an ASan build" >&2; exit 3; fi

log_dir=${log_dir:-$(mktemp -d /tmp/xg-xcopy-logs.XXXXXX)}
mkdir -p "$log_dir"
work=$(mktemp -d /tmp/xg-xcopy.XXXXXX)
mnt=$work/mnt
mkdir -p "$mnt"
loop=
xgate_pid=
tgtd_pid=
control=
iqn_x=iqn.2026-12.org.xgate.bench:xcopy
iqn_t=iqn.2026-12.org.xgate.bench:tgt

stop_tgtd() {
  if [ -n "$tgtd_pid" ] && kill -0 "$tgtd_pid" 2>/dev/null; then
    timeout 10 tgtadm -C "$control" --lld iscsi --op delete --mode target --tid 1 --force >/dev/null 2>&1
    timeout 10 tgtadm -C "$control" --op delete --mode system >/dev/null 2>&1
    local deadline=$((SECONDS + 10))
    while kill -0 "$tgtd_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    xg_stop_pid "$tgtd_pid" 5
  fi
  [ -n "$control" ] && rm -f "/run/tgtd/socket.$control" "/run/tgtd/socket.$control.lock"
  tgtd_pid=
}
stop_xgate() { [ -n "$xgate_pid" ] && xg_stop_pid "$xgate_pid" 10; xgate_pid=; }
unmount() {
  mountpoint -q "$mnt" && umount "$mnt"
  [ -n "$loop" ] && losetup -d "$loop"
  loop=
  rm -f "$work/fs.img"
}
cleanup() { set +e; [ -n "${perf_pid:-}" ] && kill -INT "$perf_pid" 2>/dev/null; stop_xgate; stop_tgtd; unmount; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building the client and the copy_file_range tool ..."
g++ -std=c++20 -O2 -o "$work/xcopy_client" "$here/xcopy_client.cc" $(pkg-config --cflags --libs libiscsi) || exit 3
cat >"$work/cfr.c" <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
/* cfr FILE SRC_OFFSET DST_OFFSET LENGTH: copy_file_range within one file, then fsync */
int main(int argc, char **argv) {
  if (argc != 5) return 2;
  int fd = open(argv[1], O_RDWR);
  if (fd < 0) { perror("open"); return 1; }
  loff_t in = strtoll(argv[2], 0, 0), out = strtoll(argv[3], 0, 0);
  long long left = strtoll(argv[4], 0, 0);
  while (left > 0) {
    ssize_t n = copy_file_range(fd, &in, fd, &out, left, 0);
    if (n <= 0) { perror("copy_file_range"); return 1; }
    left -= n;
  }
  return fsync(fd) ? 1 : 0;
}
EOF
gcc -O2 -o "$work/cfr" "$work/cfr.c" || exit 3

GIB=$((1 << 30))
BS=512
BLOCKS=$((GIB / BS))
status=0
results=$log_dir/results.tsv
: >"$results"

now() { date +%s.%N; }
# timed LABEL CMD...: runs CMD (stdout to the log), then sync -f; records the seconds.
timed() {
  local label=$1; shift
  local s e
  s=$(now)
  if ! "$@" >>"$log_dir/$fs-$label.log" 2>&1; then
    echo "  $label: FAILED (log $log_dir/$fs-$label.log)"; printf '%s\t%s\terror\n' "$fs" "$label" >>"$results"; status=1; return 1
  fi
  local m; m=$(now)
  sync -f "$img"
  e=$(now)
  local t; t=$(awk "BEGIN{printf \"%.3f\", $e - $s}")
  local sum; sum=$(dd if="$img" bs=1M skip=1024 count=1024 status=none | md5sum | cut -d' ' -f1)
  if [ "$sum" != "$src_sum" ]; then
    echo "  $label: $t s, DESTINATION DIFFERS from the source"; printf '%s\t%s\tmismatch\n' "$fs" "$label" >>"$results"; status=1; return 1
  fi
  local shared=""
  [ "$fs" = xfs ] && shared=$(filefrag -v "$img" 2>/dev/null | grep -E '^ *[0-9]+:' | grep -c shared)
  # core: the client's own timer (the SCSI commands only: no process start, no login)
  # plus the final sync; for d/e, which have no login, the wall time.
  local inner; inner=$(tail -n 1 "$log_dir/$fs-$label.log" | grep -E '^[0-9]+\.[0-9]+$')
  local core=$t
  [ -n "$inner" ] && core=$(awk "BEGIN{printf \"%.4f\", $inner + $e - $m}")
  echo "  $label: $t s wall, $core s core${inner:+ (client timer $inner s)}, verified${shared:+ ($shared shared extents in the image)}"
  printf '%s\t%s\t%s\t%s\n' "$fs" "$label" "$t" "$core" >>"$results"
}
reset_destination() {
  fallocate -p -o "$GIB" -l "$GIB" "$img" && sync -f "$img"
  dd if="$img" bs=1M count=1024 status=none >/dev/null  # the source warm for every method
}

perf_pid=
# perf_start LABEL / perf_stop: with --perf, `perf record -g` of the xgate process (kernel
# stacks included) around one method; the data stays in the log dir.
perf_start() {
  [ "$do_perf" = 1 ] && command -v perf >/dev/null || return 0
  perf record -g -o "$log_dir/$fs-$1.perf.data" -p "$xgate_pid" >>"$log_dir/perf.log" 2>&1 &
  perf_pid=$!
  sleep 1
}
perf_stop() {
  [ -n "$perf_pid" ] || return 0
  kill -INT "$perf_pid"; wait "$perf_pid"; perf_pid=
}
# method LABEL CMD...: `reps` times: punch the destination, warm the source, timed.
method() {
  local r
  for ((r = 1; r <= reps; r++)); do reset_destination; timed "$@"; done
}
start_xgate() {  # start_xgate LIMITS_TOML
  local port; port=$(xg_free_port)
  cat >"$work/xgate.toml" <<EOF
[server]
portals = ["127.0.0.1:$port"]
threads = 2
data_dir = "$mnt"
log_level = "warn"
[[target]]
name = "$iqn_x"
[[target.lun]]
lun = 0
emulated = { file = "$img", size = "4GiB", block_size = $BS$1 }
EOF
  "$xgate" serve --config "$work/xgate.toml" >>"$log_dir/$fs-xgate.log" 2>&1 &
  xgate_pid=$!
  xg_wait_server "$xgate_pid" "$port" 20 || { echo "xgate did not start (log $log_dir/$fs-xgate.log)" >&2; exit 2; }
  url_x="iscsi://127.0.0.1:$port/$iqn_x/0"
}
start_tgtd() {
  local port; port=$(xg_free_port)
  control=
  for candidate in $(shuf -i 100-999 -n 20); do
    [ -e "/run/tgtd/socket.$candidate" ] || { control=$candidate; break; }
  done
  tgtd -C "$control" --iscsi "portal=127.0.0.1:$port" -f >>"$log_dir/$fs-tgtd.log" 2>&1 &
  tgtd_pid=$!
  xg_wait_server "$tgtd_pid" "$port" 15 || { echo "tgtd did not start" >&2; exit 2; }
  local T=(timeout 10 tgtadm -C "$control" --lld iscsi)
  "${T[@]}" --op new --mode target --tid 1 -T "$iqn_t" &&
    "${T[@]}" --op new --mode logicalunit --tid 1 --lun 1 -b "$img" &&
    "${T[@]}" --op bind --mode target --tid 1 -I ALL || { echo "tgtadm failed" >&2; exit 2; }
  url_t="iscsi://127.0.0.1:$port/$iqn_t/1"
}

for fs in $filesystems; do
  echo "== $fs =="
  truncate -s 8G "$work/fs.img"
  loop=$(losetup -f --show "$work/fs.img") || { echo "losetup failed" >&2; exit 2; }
  if [ "$fs" = xfs ]; then mkfs.xfs -q -f -m reflink=1 "$loop"; else mkfs.ext4 -q -F "$loop"; fi
  mount "$loop" "$mnt"
  img=$mnt/lu.img
  truncate -s 4G "$img"
  head -c "$GIB" /dev/urandom | dd of="$img" bs=1M conv=notrunc status=none
  sync -f "$img"
  src_sum=$(dd if="$img" bs=1M count=1024 status=none | md5sum | cut -d' ' -f1)

  start_xgate ""
  "$work/xcopy_client" params "$url_x" | tee "$log_dir/$fs-params-default.txt" | sed 's/^/  default limits: /'
  perf_start a-def
  method a-def "$work/xcopy_client" xcopy "$url_x" 0 "$BLOCKS" "$BLOCKS" 0 "$xqd"
  perf_stop
  perf_start a-def-al
  method a-def-al "$work/xcopy_client" xcopy "$url_x" 0 "$BLOCKS" "$BLOCKS" 0 "$xqd" 65528
  perf_stop
  method b-xgate-rw "$work/xcopy_client" rw "$url_x" 0 "$BLOCKS" "$BLOCKS" $((1 << 20)) "$rwqd"
  stop_xgate

  start_xgate ", mssrl = 128, mcl = 1024, msrc = 15"
  "$work/xcopy_client" params "$url_x" | tee "$log_dir/$fs-params-qemu.txt" | sed 's/^/  QEMU limits:    /'
  perf_start a-qemu
  method a-qemu "$work/xcopy_client" xcopy "$url_x" 0 "$BLOCKS" "$BLOCKS" 0 "$xqd"
  perf_stop
  stop_xgate

  start_xgate ", mssrl = 65535, mcl = 4294967295, msrc = 255"
  "$work/xcopy_client" params "$url_x" | tee "$log_dir/$fs-params-big.txt" | sed 's/^/  large limits:   /'
  perf_start a-big
  method a-big "$work/xcopy_client" xcopy "$url_x" 0 "$BLOCKS" "$BLOCKS" 0 "$xqd"
  perf_stop
  method a-big-al "$work/xcopy_client" xcopy "$url_x" 0 "$BLOCKS" "$BLOCKS" 0 "$xqd" 65528
  stop_xgate

  start_tgtd
  method c-tgt-rw "$work/xcopy_client" rw "$url_t" 0 "$BLOCKS" "$BLOCKS" $((1 << 20)) "$rwqd"
  stop_tgtd

  method d-cfr "$work/cfr" "$img" 0 "$GIB" "$GIB"
  method e-dd dd if="$img" of="$img" bs=1M skip=0 seek=1024 count=1024 conv=notrunc,fsync status=none
  umount "$mnt"; losetup -d "$loop"; loop=; rm -f "$work/fs.img"
done

python3 - "$results" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
runs = {}
for r in rows:
    runs.setdefault(r[0], {}).setdefault(r[1], []).append(r[2:])
def med(vs, col):
    try:
        return "%.4f" % statistics.median(float(v[col]) for v in vs)
    except (ValueError, IndexError):
        return "error"
wall = {fs: {l: med(vs, 0) for l, vs in ls.items()} for fs, ls in runs.items()}
core = {fs: {l: med(vs, 1) for l, vs in ls.items()} for fs, ls in runs.items()}
print("\nevery run, wall/core seconds:")
for fs, labels in runs.items():
    for label, vs in labels.items():
        print("  %-5s %-11s %s" % (fs, label, "  ".join("/".join(v) for v in vs)))
names = [("a-def", "(a) XCOPY via xgate, default limits (65535/8388480/127)"),
         ("a-def-al", "(a) same, segments 65528 blocks (4 KiB aligned)"),
         ("a-qemu", "(a) XCOPY via xgate, QEMU limits (128/1024/15)"),
         ("a-big", "(a) XCOPY via xgate, mssrl 65535/mcl max/msrc 255"),
         ("a-big-al", "(a) same, segments 65528 blocks (4 KiB aligned)"),
         ("b-xgate-rw", "(b) host read/write via xgate (1 MiB, QD)"),
         ("c-tgt-rw", "(c) host read/write via tgtd (1 MiB, QD)"),
         ("d-cfr", "(d) copy_file_range on the image"),
         ("e-dd", "(e) dd bs=1M read+write on the image")]
fss = list(runs)
hdr = "".join("%11s %9s" % (f + " wall", "core") for f in fss)
print("\n%-52s" % "1 GiB within one LU, median seconds" + hdr)
for key, name in names:
    print("%-52s" % name + "".join("%11s %9s" % (wall[f].get(key, "-"), core[f].get(key, "-")) for f in fss))
def ratio(t, f, num, den):
    try:
        return "%.2f" % (float(t[f][num]) / float(t[f][den]))
    except (KeyError, ValueError, ZeroDivisionError):
        return "-"
print("\n%-52s" % "ratios of the medians" + hdr)
for a in ("a-def", "a-def-al", "a-qemu", "a-big", "a-big-al"):
    for other, what in (("b-xgate-rw", "(b)/(a)  host-via-xgate / xcopy"),
                        ("c-tgt-rw", "(c)/(a)  host-via-tgtd / xcopy"),
                        ("e-dd", "(e)/(a)  dd / xcopy")):
        print("%-52s" % ("%s  [%s]" % (what, a)) +
              "".join("%11s %9s" % (ratio(wall, f, other, a), ratio(core, f, other, a)) for f in fss))
    print("%-52s" % ("(a)/(d)  xcopy / copy_file_range  [%s]" % a) +
          "".join("%11s %9s" % (ratio(wall, f, a, "d-cfr"), ratio(core, f, a, "d-cfr")) for f in fss))
EOF
echo "logs: $log_dir"
exit "$status"
