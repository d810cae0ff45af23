#!/bin/sh
# translate/'s logical units and copy manager on QEMU's NVMe through Linux passthrough
# (/dev/ng0n1, /dev/ng0n2), io_uring and ioctl. Registered as interop.vm.lu_passthrough,
# which passes --bin xg_lu_passthrough_tests:
#   1. READ(16)/WRITE(16) of 1..4096 blocks at random LBAs, every byte verified (the
#      large transfers the kernel used to refuse: nvme/linux/queue_limits.h);
#   2. EXTENDED COPY of 8195 blocks across the two LUs (data mover) and within one (Copy).
# Prints the namespaces' request queue limits first. Ends with "N passed, N failed".
PASS=0 FAIL=0
ok()  { PASS=$((PASS + 1)); echo "PASS: $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
step() { d=$1; shift; echo "== $d"; if "$@"; then ok "$d"; else bad "$d (exit $?)"; fi; }

echo "kernel $(uname -r); mssrl=$HARNESS_NVME_MSSRL mcl=$HARNESS_NVME_MCL msrc=$HARNESS_NVME_MSRC lbs=$HARNESS_NVME_LBS"
for f in max_hw_sectors_kb max_segments max_segment_size virt_boundary_mask dma_alignment; do
    echo "nvme0n1 queue/$f = $(cat /sys/block/nvme0n1/queue/$f 2>/dev/null)"
done

# The test fragments the guest's free memory so no buffer gets physically adjacent pages
# (lu_passthrough_test.cc). ASan's quarantine would keep freed buffers' isolated pages from
# going back to the kernel, and later buffers would come from unfragmented memory.
# Transparent huge pages would give a buffer 512 physically adjacent pages at once.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
echo never > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
echo "transparent_hugepage: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
step "large random I/O through the LU (io_uring + ioctl)" \
    xg_lu_passthrough_tests --order decl "[lu]"
step "EXTENDED COPY across and within LUs (io_uring + ioctl)" \
    xg_lu_passthrough_tests --order decl "[xcopy]"

echo "$PASS passed, $FAIL failed"
[ $FAIL = 0 ]
