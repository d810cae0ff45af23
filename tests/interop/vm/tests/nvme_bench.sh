#!/bin/sh
# Guest benchmark of PassthroughDevice (registered as interop.vm.nvme_bench; passes
# --bin pt_bench): 4 KiB random reads and writes on /dev/ng0n1 at QD1 and QD32, through
# io_uring (plain and fixed buffers) and through the ioctl path. Under TCG the numbers
# measure the emulator more than the code; compare paths, not absolute values.
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
            fi
        done
    done
done
echo "$PASS passed, $FAIL failed"
[ $FAIL = 0 ]
