#!/usr/bin/env bash
# Read throughput of `xgate serve` against Linux tgt (tgtd), both measured with libiscsi's
# iscsi-perf on 127.0.0.1, serving the SAME 256 MiB image of random data (page cache warm):
#
#   4k-rand-qd32   iscsi-perf -r -b 8    -m 32     4 KiB random reads, 32 outstanding
#   4k-rand-qd1    iscsi-perf -r -b 8    -m 1      4 KiB random reads, one at a time
#   1m-seq-qd32    iscsi-perf    -b 2048 -m 32     1 MiB sequential reads, 32 outstanding
#   1m-seq-qd4     iscsi-perf    -b 2048 -m 4      1 MiB sequential reads, 4 outstanding
#
# xgate runs first (release build, emulated namespace on the image, LUN 0), is stopped,
# then tgtd serves the image (LUN 1, private control port so no other tgtd is touched).
# Each target runs alone on its own free port. Prints a table: IOPS and MiB/s (MiB =
# 2^20 bytes, computed from iscsi-perf's average IOPS) for each target, the xgate/tgt
# ratio, and the CPU time each target process used (% of one core and microseconds per
# I/O), which is far less sensitive than IOPS to other load on a shared machine.
#
# Usage: bench/iscsi_perf_vs_tgt.sh [-t SECONDS] [--xgate BINARY] [--threads N]
#                                   [--log-dir DIR] [--only xgate|tgt]
#   -t SECONDS      length of each iscsi-perf run (default 10)
#   --xgate BINARY  default build/release/gateway/xgate; an ASan/UBSan build is refused
#                   (cmake --preset release && cmake --build build/release --target xgate)
#   --threads N     xgate [server] threads (default 2, as in examples/xgate.toml)
#   --log-dir DIR   keep iscsi-perf, xgate and tgtd logs and results.tsv here
#                   (default: a new /tmp/xg-perf-logs.XXXXXX, printed at the end)
#   --only T        measure one target only (the other columns show "-")
#
# A benchmark, not a test: not registered in CTest. Needs iscsi-perf (libiscsi-bin),
# tgtd/tgtadm (tgt) and python3; tgtd needs root. Exit 0 when every run produced a figure,
# 1 when some did not (its cell says "error"; see the log), 2 on a setup failure, 3 when a
# tool is missing. Every step is bounded by a timeout; xgate, tgtd, iscsi-perf and the
# tgtd control socket are cleaned up by PID on any exit.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=SCRIPTDIR/../tests/interop/iscsi/common.sh
. "$root/tests/interop/iscsi/common.sh"

duration=10
xgate=$root/build/release/gateway/xgate
threads=2
log_dir=
only=
usage() { sed -n '/^# Usage:/,/^#   --only/p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    -t|--duration) duration=${2:-}; shift 2 ;;
    --xgate) xgate=${2:-}; shift 2 ;;
    --threads) threads=${2:-}; shift 2 ;;
    --log-dir) log_dir=${2:-}; shift 2 ;;
    --only) only=${2:-}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "iscsi_perf_vs_tgt: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$duration" =~ ^[1-9][0-9]*$ ]] || { echo "iscsi_perf_vs_tgt: -t needs a positive integer" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "iscsi_perf_vs_tgt: --threads needs a positive integer" >&2; exit 2; }
case "$only" in ""|xgate|tgt) ;; *) echo "iscsi_perf_vs_tgt: --only xgate or tgt" >&2; exit 2 ;; esac

for tool in iscsi-perf tgtd tgtadm python3 timeout; do
  command -v "$tool" >/dev/null || { echo "iscsi_perf_vs_tgt: $tool missing (scripts/install-deps.sh)" >&2; exit 3; }
done
if [ "$only" != tgt ]; then
  [ -x "$xgate" ] || {
    echo "iscsi_perf_vs_tgt: no xgate binary at $xgate" >&2
    echo "  build it: cmake --preset release && cmake --build build/release --target xgate -j2" >&2
    exit 3
  }
  # Sanitizer builds are several times slower: never benchmark one.
  if ldd "$xgate" 2>/dev/null | grep -qE 'lib(a|ub|t)san'; then
    echo "iscsi_perf_vs_tgt: $xgate is a sanitizer build; use the release preset" >&2
    exit 2
  fi
  cache=$(dirname "$(dirname "$xgate")")/CMakeCache.txt
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache" 2>/dev/null)
  case "$build_type" in
    Release|RelWithDebInfo|MinSizeRel) ;;
    "") echo "iscsi_perf_vs_tgt: warning: build type of $xgate unknown (no $cache)" >&2 ;;
    *) echo "iscsi_perf_vs_tgt: $xgate is a $build_type build; use the release preset" >&2; exit 2 ;;
  esac
fi

log_dir=${log_dir:-$(mktemp -d /tmp/xg-perf-logs.XXXXXX)}
mkdir -p "$log_dir" || exit 2
work=$(mktemp -d /tmp/xg-perf.XXXXXX) || exit 2
image=$work/ns.img
iqn_x=iqn.2026-12.org.xgate.bench:perf
iqn_t=iqn.2026-12.org.xgate.bench:tgt-perf
xgate_pid='' tgtd_pid='' perf_pid='' control=''

tgtd_stop() {
  if [ -n "$tgtd_pid" ] && kill -0 "$tgtd_pid" 2>/dev/null; then
    # SIGTERM alone does not stop tgtd promptly: delete the target, then the system.
    timeout 10 tgtadm -C "$control" --lld iscsi --op delete --mode target --tid 1 --force >/dev/null 2>&1
    timeout 10 tgtadm -C "$control" --op delete --mode system >/dev/null 2>&1
    local deadline=$((SECONDS + 10))
    while kill -0 "$tgtd_pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    xg_stop_pid "$tgtd_pid" 5
  fi
  wait "$tgtd_pid" 2>/dev/null
  tgtd_pid=
  [ -n "$control" ] && rm -f "/run/tgtd/socket.$control" "/run/tgtd/socket.$control.lock"
}
xgate_stop() {
  [ -n "$xgate_pid" ] && xg_stop_pid "$xgate_pid" 15
  [ -n "$xgate_pid" ] && wait "$xgate_pid" 2>/dev/null
  xgate_pid=
}
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  [ -n "$perf_pid" ] && xg_stop_pid "$perf_pid" 5 >/dev/null 2>&1
  xgate_stop
  tgtd_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tests=(4k-rand-qd32 4k-rand-qd1 1m-seq-qd32 1m-seq-qd4)
declare -A flags=(
  [4k-rand-qd32]="-r -b 8 -m 32"
  [4k-rand-qd1]="-r -b 8 -m 1"
  [1m-seq-qd32]="-b 2048 -m 32"
  [1m-seq-qd4]="-b 2048 -m 4"
)
declare -A bytes=([4k-rand-qd32]=4096 [4k-rand-qd1]=4096 [1m-seq-qd32]=1048576 [1m-seq-qd4]=1048576)
declare -A iops=() cpu=() init_cpu=() load=()
clk_tck=$(getconf CLK_TCK)

# CPU ticks (user + system, all threads) of PID; of this shell's waited-for children
# when PID is "children".
cpu_ticks() {
  if [ "$1" = children ]; then awk '{print $16 + $17}' "/proc/$$/stat"
  else awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; fi
}

# warm: read the image so both targets start from a fully cached file.
warm() {
  cat "$image" >/dev/null
  if command -v fincore >/dev/null; then
    echo "page cache: $(fincore -n -o PAGES,SIZE,RES "$image" 2>/dev/null | awk '{print $3 " of " $2 " resident"}')"
  fi
}

# run_tests TARGET URL PID: every test against URL; TARGET names the results.
run_tests() {
  local target=$1 url=$2 pid=$3 name log before after ibefore iafter rc avg
  for name in "${tests[@]}"; do
    log=$log_dir/$target-$name.log
    before=$(cpu_ticks "$pid"); ibefore=$(cpu_ticks children)
    # shellcheck disable=SC2086  # flags are words
    timeout -k 5 $((duration + 30)) iscsi-perf -t "$duration" ${flags[$name]} "$url" >"$log" 2>&1 &
    perf_pid=$!
    wait "$perf_pid"; rc=$?
    perf_pid=
    after=$(cpu_ticks "$pid"); iafter=$(cpu_ticks children)
    load[$target,$name]=$(cut -d' ' -f1 /proc/loadavg)
    avg=$(tr '\r' '\n' <"$log" | sed -nE 's/^iops average ([0-9]+) .*/\1/p' | tail -1)
    if [ "$rc" -ne 0 ] || [ -z "$avg" ] || ! kill -0 "$pid" 2>/dev/null; then
      echo "  $target $name: FAILED (iscsi-perf exit $rc; log $log)" >&2
      iops[$target,$name]=error
    else
      iops[$target,$name]=$avg
      cpu[$target,$name]=$((after - before))
      init_cpu[$target,$name]=$((iafter - ibefore))
      printf '  %-6s %-13s %8s IOPS  target CPU %5.1f%%  iscsi-perf CPU %5.1f%%  load %s\n' \
        "$target" "$name" "$avg" \
        "$(awk -v t=$((after - before)) -v c="$clk_tck" -v d="$duration" 'BEGIN{print 100*t/c/d}')" \
        "$(awk -v t=$((iafter - ibefore)) -v c="$clk_tck" -v d="$duration" 'BEGIN{print 100*t/c/d}')" \
        "${load[$target,$name]}"
    fi
  done
}

echo "iscsi_perf_vs_tgt: $(date -u '+%F %T UTC'), $(nproc) CPUs, kernel $(uname -r), ${duration} s per run"
echo "load before: $(uptime)"
echo "filling $image with 256 MiB of random data"
timeout 120 head -c 256M /dev/urandom >"$image" || { echo "iscsi_perf_vs_tgt: cannot write $image" >&2; exit 2; }

# ---- (a) xgate serve --------------------------------------------------------------------
if [ "$only" != tgt ]; then
  port=$(xg_free_port)
  cat >"$work/xgate.toml" <<EOF
[server]
portals = ["127.0.0.1:$port"]
threads = $threads
data_dir = "$work"
log_level = "info"
[[target]]
name = "$iqn_x"
[[target.lun]]
lun = 0
emulated = { file = "$image", size = "256MiB", block_size = 512 }
EOF
  warm
  "$xgate" serve --config "$work/xgate.toml" >"$log_dir/xgate.log" 2>&1 &
  xgate_pid=$!
  if ! xg_wait_server "$xgate_pid" "$port" 20; then
    echo "iscsi_perf_vs_tgt: xgate did not listen on 127.0.0.1:$port:" >&2
    tail -n 5 "$log_dir/xgate.log" >&2
    exit 2
  fi
  echo "xgate ($xgate, ${build_type:-?}, threads $threads) on 127.0.0.1:$port"
  run_tests xgate "iscsi://127.0.0.1:$port/$iqn_x/0" "$xgate_pid"
  xgate_stop
fi

# ---- (b) tgtd on the same image ---------------------------------------------------------
if [ "$only" != xgate ]; then
  port=$(xg_free_port)
  for candidate in $(shuf -i 100-999 -n 20); do
    [ -e "/run/tgtd/socket.$candidate" ] || { control=$candidate; break; }
  done
  [ -n "$control" ] || { echo "iscsi_perf_vs_tgt: no free tgtd control port" >&2; exit 2; }
  warm
  tgtd -C "$control" --iscsi "portal=127.0.0.1:$port" -f >"$log_dir/tgtd.log" 2>&1 &
  tgtd_pid=$!
  if ! xg_wait_server "$tgtd_pid" "$port" 15; then
    echo "iscsi_perf_vs_tgt: tgtd did not listen on 127.0.0.1:$port (log: $log_dir/tgtd.log)" >&2
    exit 2
  fi
  T=(timeout 10 tgtadm -C "$control" --lld iscsi)
  if ! { "${T[@]}" --op new --mode target --tid 1 -T "$iqn_t" &&
    "${T[@]}" --op new --mode logicalunit --tid 1 --lun 1 -b "$image" &&
    "${T[@]}" --op bind --mode target --tid 1 -I ALL; }; then
    echo "iscsi_perf_vs_tgt: tgtadm failed (log: $log_dir/tgtd.log)" >&2
    exit 2
  fi
  echo "tgtd ($(tgtd --version 2>&1 | head -1), control port $control) on 127.0.0.1:$port"
  run_tests tgt "iscsi://127.0.0.1:$port/$iqn_t/1" "$tgtd_pid"
  tgtd_stop
fi
echo "load after: $(uptime)"

# ---- Results ----------------------------------------------------------------------------
status=0
results=$log_dir/results.tsv
printf 'target\ttest\tiops\tmib_s\tcpu_ticks\tiscsi_perf_cpu_ticks\tload1\n' >"$results"
cell() {  # cell TARGET TEST -> "IOPS MiB/s" or "error error" or "- -"
  local v=${iops[$1,$2]:-}
  if [ -z "$v" ]; then echo "- -"
  elif [ "$v" = error ]; then echo "error error"
  else awk -v i="$v" -v b="${bytes[$2]}" 'BEGIN{printf "%d %.1f", i, i*b/1048576}'; fi
}
cpu_cell() {  # cpu_cell TARGET TEST -> "CPU% us/IO"
  local v=${iops[$1,$2]:-} t=${cpu[$1,$2]:-}
  if [ -z "$t" ] || [ -z "$v" ] || [ "$v" = error ] || [ "$v" = 0 ]; then echo "- -"; return; fi
  awk -v t="$t" -v c="$clk_tck" -v d="$duration" -v i="$v" \
    'BEGIN{printf "%.0f%% %.1f", 100*t/c/d, 1e6*t/c/(i*d)}'
}
echo
printf '%-13s | %10s %9s | %10s %9s | %11s | %14s | %14s\n' test "xgate IOPS" "MiB/s" \
  "tgt IOPS" "MiB/s" "xgate/tgt" "xgate CPU,us/IO" "tgt CPU,us/IO"
printf -- '--------------+----------------------+----------------------+-------------+----------------+---------------\n'
for name in "${tests[@]}"; do
  read -r xi xm <<<"$(cell xgate "$name")"
  read -r ti tm <<<"$(cell tgt "$name")"
  read -r xc xu <<<"$(cpu_cell xgate "$name")"
  read -r tc tu <<<"$(cpu_cell tgt "$name")"
  ratio=-
  if [[ "$xi" =~ ^[0-9]+$ && "$ti" =~ ^[0-9]+$ && "$ti" -gt 0 ]]; then
    ratio=$(awk -v a="$xi" -v b="$ti" 'BEGIN{printf "%.2f", a/b}')
  fi
  [ "$xi" = error ] || [ "$ti" = error ] && status=1
  printf '%-13s | %10s %9s | %10s %9s | %11s | %5s %8s | %5s %8s\n' "$name" "$xi" "$xm" "$ti" "$tm" \
    "$ratio" "$xc" "$xu" "$tc" "$tu"
  for target in xgate tgt; do
    [ -n "${iops[$target,$name]:-}" ] || continue
    read -r i m <<<"$(cell "$target" "$name")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$name" "$i" "$m" "${cpu[$target,$name]:-}" \
      "${init_cpu[$target,$name]:-}" "${load[$target,$name]:-}" >>"$results"
  done
done
echo
echo "MiB/s = IOPS x request size / 2^20. CPU = user+system time of the target process over"
echo "the run, in % of one core, and per I/O (us). ${duration} s per run, 256 MiB image in page cache."
echo "logs and results.tsv: $log_dir"
exit "$status"
