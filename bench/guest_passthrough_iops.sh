#!/usr/bin/env bash
# PassthroughDevice IOPS in the QEMU guest (tests/interop/vm): 4 KiB random reads and writes
# on /dev/ng0n1 at QD1 and QD32, through io_uring (plain and fixed buffers) and ioctl.
# Under TCG the figures measure the emulator more than the code: compare the paths, not
# absolute values. A benchmark, not a test: it is not registered in CTest, and a run whose
# device stalled is reported as such (see tests/interop/vm/README.md, "Known emulator
# behaviour") instead of failing anything.
#
# Usage: bench/guest_passthrough_iops.sh [-s SECONDS] [-r ROUNDS] [-o RESULTS_DIR]
#   -s SECONDS   length of each run (default 2)
#   -r ROUNDS    repeat the whole matrix this many times inside one boot (default 1)
#   -o DIR       keep the guest's logs here (default: a new mktemp dir, printed)
# Builds build/bench (preset `bench`, target passthrough_iops) and the guest image under it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=2 rounds=1 out=""
while getopts "s:r:o:h" opt; do
  case $opt in
    s) seconds=$OPTARG ;;
    r) rounds=$OPTARG ;;
    o) out=$OPTARG ;;
    *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
cd "$root"
cmake --preset bench >/dev/null
cmake --build build/bench --target passthrough_iops >/dev/null
guest=build/bench/vm-guest
[ -f "$guest/initramfs.img" ] || tests/interop/vm/build-guest.sh -o "$guest" >/dev/null
args=(-b "$guest" -t $((120 + rounds * 12 * (seconds + 2))) --bin build/bench/bench/passthrough_iops
      --env BENCH_SECONDS="$seconds" --env BENCH_ROUNDS="$rounds")
[ -n "$out" ] && args+=(-o "$out")
exec tests/interop/vm/run-guest.sh "${args[@]}" bench/guest/passthrough_iops.sh
