#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# linux.vta.device_death: the device domain dies in the middle of the guest's writes. Linux's
# virtio-blk must report I/O errors within a bounded time, never hang.
. /lib/hmx-test.sh
[ -b /dev/vda ] || fail "no /dev/vda"
t0=$(now_cs)
timeout 60 dd if=/dev/zero of=/dev/vda bs=4k count=4096 oflag=direct 2>/tmp/dd.err
rc=$?
t1=$(now_cs)
cat /tmp/dd.err
[ $rc -eq 124 ] && fail "dd hung for 60 s"
[ $rc -ne 0 ] || fail "dd succeeded on a dead device"
grep -qi "error" /tmp/dd.err || fail "dd did not report an I/O error"
dmesg | grep "virtio-argo: device" | tail -n2
dmesg | grep -q "failed: " || fail "the transport did not enter the failed state"
# Reads fail too, and quickly.
timeout 20 dd if=/dev/vda of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null && fail "read succeeded"
echo "death: dd failed after $((t1 - t0)) cs with an I/O error"
exit 0
