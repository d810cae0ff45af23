#!/bin/sh
# EXTENDED COPY through xgate onto real NVMe Copy, all inside the guest (registered as
# interop.vm.xcopy, which passes --bin xgate):
#   1. xgate serves /dev/ng0n1 and /dev/ng0n2 (QEMU 7.2's NVMe controller with Copy,
#      through passthrough) as LUN 0 and LUN 1; open-iscsi logs in;
#   2. discovery as a copy client sees it: sg_inq 3PC=1, sg_vpd -p 0x8f, sg_copy_results
#      --params;
#   3. sg_xcopy within LUN 0 (NVMe Copy on the namespace) and from LUN 0 to LUN 1 (QEMU
#      7.2 has no cross-namespace Copy: the data mover), ddpt --xcopy across LUs, and
#      sg_copy_results --status for the held list; every copy verified by reading the
#      NVMe namespaces themselves (/dev/nvme0nN, O_DIRECT), not through xgate.
# Ends with "N passed, N failed".
PASS=0 FAIL=0
ok()  { PASS=$((PASS + 1)); echo "PASS: $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
wait_for() {
    n=$(($1 * 5)); shift
    while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; n=$((n - 1)); done
    return 1
}
md5_mib() {  # md5_mib DEV FIRST_MIB COUNT_MIB
    dd if="$1" bs=1M skip="$2" count="$3" iflag=direct status=none | md5sum | cut -d' ' -f1
}
IQN=iqn.2026-12.org.xgate:xcopy
PORTAL=127.0.0.1:3260
LBS=${HARNESS_NVME_LBS:-512}
PER_MIB=$((1048576 / LBS))

cat > /tmp/xgate.toml <<EOF
[server]
portals = ["$PORTAL"]
[[target]]
name = "$IQN"
[[target.lun]]
lun = 0
nvme = "/dev/ng0n1"
[[target.lun]]
lun = 1
nvme = "/dev/ng0n2"
EOF
setsid xgate serve --config /tmp/xgate.toml >/tmp/xgate.log 2>&1 & XGATE_PID=$!
if ! wait_for 20 sh -c 'grep -q ":0CBC 00000000:0000 0A" /proc/net/tcp'; then
    bad "xgate serve did not start"; cat /tmp/xgate.log; echo "$PASS passed, $FAIL failed"; exit 1
fi
setsid iscsid -f >/tmp/iscsid.log 2>&1 & ISCSID_PID=$!
wait_for 5 grep -q ISCSIADM_ABSTRACT_NAMESPACE /proc/net/unix
iscsiadm -m discovery -t sendtargets -p $PORTAL >/dev/null 2>&1
check "open-iscsi login" iscsiadm -m node -T $IQN -p $PORTAL --login
sg_for_lun() {
    for d in /sys/class/scsi_disk/*:$1; do
        [ -e "$d/device/scsi_generic" ] && ls "$d/device/scsi_generic" && return 0
    done
    return 1
}
sd_for_lun() {
    for d in /sys/class/scsi_disk/*:$1; do
        [ -e "$d/device/block" ] && ls "$d/device/block" && return 0
    done
    return 1
}
wait_for 20 sd_for_lun 0 && wait_for 20 sd_for_lun 1
SG0=/dev/$(sg_for_lun 0); SG1=/dev/$(sg_for_lun 1); SD0=/dev/$(sd_for_lun 0)
echo "LUN 0: $SG0 $SD0, LUN 1: $SG1"

sg_inq $SG0 > /tmp/inq.txt 2>&1
check "sg_inq: 3PC=1 (third-party copy)" grep -q "3PC=1" /tmp/inq.txt
sg_vpd -p 0x8f $SG0 > /tmp/8f.txt 2>&1; cat /tmp/8f.txt
check "sg_vpd -p 0x8f: the Third Party Copy page" grep -qi "Third party copy" /tmp/8f.txt
sg_copy_results --params $SG0 > /tmp/params.txt 2>&1; cat /tmp/params.txt
check "sg_copy_results --params: MAXIMUM SEGMENT LENGTH reported" \
    grep -qi "maximum segment length" /tmp/params.txt

# 4 MiB of random data at MiB 1 of LUN 0, through the Linux disk.
head -c 4194304 /dev/urandom > /tmp/pattern
WANT=$(md5sum < /tmp/pattern | cut -d' ' -f1)
dd if=/tmp/pattern of=$SD0 bs=1M seek=1 oflag=direct conv=fsync status=none
check "pattern written to LUN 0" [ "$(md5_mib /dev/nvme0n1 1 4)" = "$WANT" ]

COUNT=$((4 * PER_MIB))
check "sg_xcopy within LUN 0 (MiB 1 -> MiB 16)" \
    sg_xcopy if=$SG0 of=$SG0 bs=$LBS skip=$PER_MIB seek=$((16 * PER_MIB)) count=$COUNT id_usage=hold
check "  landed on /dev/nvme0n1 (NVMe Copy)" [ "$(md5_mib /dev/nvme0n1 16 4)" = "$WANT" ]
sg_copy_results --status --list_id=1 $SG0 > /tmp/status.txt 2>&1; cat /tmp/status.txt
check "sg_copy_results --status: the held list 1 completed without errors" \
    grep -q "Copy manager status: Operation completed without errors" /tmp/status.txt
check "  4 MiB transferred in 1 segment" \
    sh -c 'grep -q "Segments processed: 1" /tmp/status.txt && grep -q "Transfer count: 4194304" /tmp/status.txt'
check "sg_xcopy LUN 0 -> LUN 1 (MiB 1 -> MiB 8)" \
    sg_xcopy if=$SG0 of=$SG1 bs=$LBS skip=$PER_MIB seek=$((8 * PER_MIB)) count=$COUNT
check "  landed on /dev/nvme0n2" [ "$(md5_mib /dev/nvme0n2 8 4)" = "$WANT" ]
check "ddpt --xcopy LUN 0 -> LUN 1 (MiB 1 -> MiB 20)" \
    ddpt if=$SG0 of=$SG1 bs=$LBS skip=$PER_MIB seek=$((20 * PER_MIB)) count=$COUNT --xcopy
check "  landed on /dev/nvme0n2" [ "$(md5_mib /dev/nvme0n2 20 4)" = "$WANT" ]
check "sg_xcopy LUN 0 -> LUN 0 sent to the destination (--on_dst, MiB 1 -> MiB 24)" \
    sg_xcopy if=$SG0 of=$SG0 bs=$LBS skip=$PER_MIB seek=$((24 * PER_MIB)) count=$COUNT --on_dst
check "  landed on /dev/nvme0n1" [ "$(md5_mib /dev/nvme0n1 24 4)" = "$WANT" ]
# A copy past the end of the LU is refused, and nothing is written.
NSZE=$(cat /sys/block/nvme0n1/size)
if sg_xcopy if=$SG0 of=$SG0 bs=$LBS skip=0 seek=$((NSZE - 8)) count=64 >/tmp/past.txt 2>&1; then
    bad "sg_xcopy past the end of LUN 0 was accepted"
else
    ok "sg_xcopy past the end of LUN 0 fails (COPY ABORTED)"
fi
cat /tmp/past.txt

iscsiadm -m node -T $IQN -p $PORTAL --logout >/dev/null 2>&1
kill -TERM $XGATE_PID; wait_for 20 sh -c "! kill -0 $XGATE_PID"
echo "--- xgate log"; cat /tmp/xgate.log
kill $ISCSID_PID 2>/dev/null
echo "$PASS passed, $FAIL failed"
[ $FAIL = 0 ]
