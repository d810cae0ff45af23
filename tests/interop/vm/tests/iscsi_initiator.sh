#!/bin/sh
# The Linux initiator against xgate, both inside the guest (registered as
# interop.vm.iscsi_initiator, which passes --bin xgate):
#   1. xgate serves the guest's real NVMe namespaces /dev/ng0n1 and /dev/ng0n2 (QEMU's
#      controller, through passthrough) as LUN 0 and LUN 1 on 127.0.0.1:3260;
#   2. open-iscsi (iscsid + iscsiadm, kernel iscsi_tcp) discovers the target with
#      SendTargets and logs in; the LUNs appear as /dev/sdX;
#   3. 4 MiB of random data written through /dev/sdX (O_DIRECT) reads back identical
#      through /dev/sdX and, bypassing the target, straight from /dev/nvme0nN;
#   4. sg_inq / sg_vpd / sg_readcap see what xgate reports;
#   5. logout, then SIGTERM: xgate exits 0 (clean shutdown).
# Ends with "N passed, N failed".
PASS=0 FAIL=0
ok()  { PASS=$((PASS + 1)); echo "PASS: $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
wait_for() {  # wait_for SECONDS command...: polls every 0.2 s
    n=$(($1 * 5)); shift
    while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; n=$((n - 1)); done
    return 1
}
IQN=iqn.2026-12.org.xgate:guest
PORTAL=127.0.0.1:3260

cat > /tmp/xgate.toml <<EOF
[server]
portals = ["$PORTAL"]
log_level = "info"

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
# 0CBC = port 3260, 0A = LISTEN in /proc/net/tcp.
if wait_for 20 sh -c 'grep -q ":0CBC 00000000:0000 0A" /proc/net/tcp'; then
    ok "xgate serve listening on $PORTAL (pid $XGATE_PID)"
else
    bad "xgate serve did not start"; cat /tmp/xgate.log
    echo "$PASS passed, $FAIL failed"; exit 1
fi

setsid iscsid -f >/tmp/iscsid.log 2>&1 & ISCSID_PID=$!
wait_for 5 grep -q ISCSIADM_ABSTRACT_NAMESPACE /proc/net/unix || bad "iscsid not listening"
if iscsiadm -m discovery -t sendtargets -p $PORTAL > /tmp/discovery.txt 2>&1; then
    ok "SendTargets discovery"
else
    bad "SendTargets discovery"; cat /tmp/discovery.txt
fi
cat /tmp/discovery.txt
check "discovery lists $IQN at $PORTAL" grep -q "^$PORTAL,1 $IQN" /tmp/discovery.txt
check "login" iscsiadm -m node -T $IQN -p $PORTAL --login

# The kernel names the disks asynchronously; find them by SCSI address (H:C:T:L).
disk_for_lun() {
    for d in /sys/class/scsi_disk/*:$1; do
        [ -e "$d/device/block" ] && ls "$d/device/block" && return 0
    done
    return 1
}
wait_for 20 disk_for_lun 0 && wait_for 20 disk_for_lun 1
SD0=$(disk_for_lun 0); SD1=$(disk_for_lun 1)
if [ -n "$SD0" ] && [ -n "$SD1" ]; then ok "LUN 0 is /dev/$SD0, LUN 1 is /dev/$SD1"; else
    bad "disks did not appear"; ls -l /sys/class/scsi_disk/ 2>&1; dmesg | tail -20
fi

if [ -n "$SD0" ]; then
    head -c 4194304 /dev/urandom > /tmp/pattern
    want=$(md5sum < /tmp/pattern | cut -d' ' -f1)
    check "write 4 MiB to /dev/$SD0 at 1 MiB (O_DIRECT)" \
        dd if=/tmp/pattern of=/dev/$SD0 bs=1M seek=1 oflag=direct conv=fsync status=none
    got=$(dd if=/dev/$SD0 bs=1M skip=1 count=4 iflag=direct status=none | md5sum | cut -d' ' -f1)
    check "read back through iSCSI matches" [ "$got" = "$want" ]
    raw=$(dd if=/dev/nvme0n1 bs=1M skip=1 count=4 iflag=direct status=none | md5sum | cut -d' ' -f1)
    check "the data is on the NVMe namespace itself (/dev/nvme0n1)" [ "$raw" = "$want" ]
    other=$(dd if=/dev/nvme0n2 bs=1M skip=1 count=4 iflag=direct status=none | md5sum | cut -d' ' -f1)
    check "LUN 1's namespace is untouched" [ "$other" != "$want" ]

    sg_inq /dev/$SD0 > /tmp/inq.txt 2>&1; cat /tmp/inq.txt
    check "sg_inq: vendor XGATE" grep -q "Vendor identification: XGATE" /tmp/inq.txt
    sg_readcap -l /dev/$SD0 > /tmp/cap.txt 2>&1; cat /tmp/cap.txt
    nsze=$(cat /sys/block/nvme0n1/size)
    check "sg_readcap: capacity = the namespace's ($nsze blocks)" \
        grep -q "Number of logical blocks=$nsze" /tmp/cap.txt
    sg_vpd -p 0xb0 /dev/$SD0 > /tmp/b0.txt 2>&1; cat /tmp/b0.txt
    check "sg_vpd -p 0xb0 answers" grep -qi "Maximum transfer length" /tmp/b0.txt
fi

check "logout" iscsiadm -m node -T $IQN -p $PORTAL --logout
kill -TERM $XGATE_PID
if wait_for 20 sh -c "! kill -0 $XGATE_PID"; then
    wait $XGATE_PID; rc=$?
    check "xgate exits 0 on SIGTERM (got $rc)" [ "$rc" = 0 ]
else
    bad "xgate did not stop on SIGTERM"; kill -KILL $XGATE_PID
fi
echo "--- xgate log"; cat /tmp/xgate.log
kill $ISCSID_PID 2>/dev/null
echo "$PASS passed, $FAIL failed"
[ $FAIL = 0 ]
