#!/bin/sh
# Guest benchmark of PassthroughDevice (registered as interop.vm.nvme_bench; passes
# --bin pt_bench): 4 KiB random reads and writes on /dev/ng0n1 at QD1 and QD32, through
# io_uring (plain and fixed buffers) and through the ioctl path. Under TCG the numbers
# measure the emulator more than the code; compare paths, not absolute values. A failed run
# prints pt_bench's error breakdown and the guest's NVMe kernel messages.
# Each run lasts BENCH_SECONDS (default 2). Ends with "N passed, N failed".
PASS=0 FAIL=0
SECONDS_EACH=${BENCH_SECONDS:-2}
for op in read write; do
    for qd in 1 32; do
        for mode in uring uring-fixed ioctl; do
            path=${mode%-fixed}
            fixed=""
            [ "$mode" = uring-fixed ] && fixed=--fixed
            if line=$(pt_bench /dev/ng0n1 --path $path --qd $qd --op $op --seconds "$SECONDS_EACH" $fixed); then
                PASS=$((PASS + 1)); echo "BENCH $line"
            else
                FAIL=$((FAIL + 1)); echo "FAIL: pt_bench $op qd=$qd $mode: $line"
                # The console runs at loglevel 3, so the driver's timeout/abort/reset
                # warnings are only in the ring buffer: show them next to the failure.
                log=$(dmesg | grep -iE 'nvme|blk_update|I/O error' | tail -n 40)
                echo "$log" | sed 's/^/  dmesg: /'
                # A command the device never completes is failed by the kernel, not by
                # xgate: after nvme_core.io_timeout (30 s) the driver sends Abort (QEMU 7.2
                # acknowledges it and aborts nothing), after another 30 s it resets the
                # controller and fails every command in flight. Name that case; it still
                # counts as a failure.
                if echo "$log" | grep -qE 'timeout, (aborting|reset controller)'; then
                    echo "  FAIL cause: device stall - the guest NVMe driver timed out commands" \
                         "the emulated controller did not complete; the errors are its abort/reset, not device statuses"
                fi
            fi
        done
    done
done
echo "$PASS passed, $FAIL failed"
[ $FAIL = 0 ]
