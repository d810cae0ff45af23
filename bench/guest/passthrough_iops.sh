#!/bin/sh
# Runs inside the QEMU guest (started by bench/guest_passthrough_iops.sh with
# --bin passthrough_iops): 4 KiB random reads and writes on /dev/ng0n1 at QD1 and QD32,
# through io_uring (plain and fixed buffers) and through the ioctl path, BENCH_ROUNDS times
# BENCH_SECONDS each. Prints one "BENCH ..." line per run and, for a run that did not
# complete every command, the guest's NVMe kernel messages and whether they show the
# emulator stall (tests/interop/vm/README.md). Ends with a count of runs and stalls; exits 0
# whenever it could run (a benchmark reports, it does not judge).
SECONDS_EACH=${BENCH_SECONDS:-2}
ROUNDS=${BENCH_ROUNDS:-1}
RUNS=0 INCOMPLETE=0 STALLS=0
round=1
while [ $round -le "$ROUNDS" ]; do
    for op in read write; do
        for qd in 1 32; do
            for mode in uring uring-fixed ioctl; do
                path=${mode%-fixed}
                fixed=""
                [ "$mode" = uring-fixed ] && fixed=--fixed
                RUNS=$((RUNS + 1))
                before=$(dmesg | wc -l)
                if line=$(passthrough_iops /dev/ng0n1 --path $path --qd $qd --op $op \
                          --seconds "$SECONDS_EACH" $fixed); then
                    echo "BENCH round=$round mode=$mode $line"
                else
                    INCOMPLETE=$((INCOMPLETE + 1))
                    echo "INCOMPLETE round=$round $op qd=$qd $mode: $line"
                    # The console runs at loglevel 3: the driver's timeout/abort/reset
                    # messages are only in the ring buffer.
                    log=$(dmesg | tail -n +$((before + 1)) | grep -iE 'nvme|blk_update|I/O error' | tail -n 40)
                    echo "$log" | sed 's/^/  dmesg: /'
                    if echo "$log" | grep -qE 'timeout, (aborting|reset controller)'; then
                        STALLS=$((STALLS + 1))
                        echo "  cause: device stall - the emulated controller stopped completing" \
                             "commands; the guest driver timed them out, aborted and reset"
                    fi
                fi
            done
        done
    done
    round=$((round + 1))
done
echo "runs=$RUNS incomplete=$INCOMPLETE stalls=$STALLS"
exit 0
