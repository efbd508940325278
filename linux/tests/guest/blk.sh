#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# linux.vta.blk: Linux's own virtio-blk driver over virtio-argo. 64 MiB of random data go
# through the block layer to /dev/vda and back, compared by SHA-256 (the host compares the
# backing file too); then a file system round trip on /dev/vdb.
. /lib/hmx-test.sh
mib=64
[ -b /dev/vda ] || fail "no /dev/vda"
[ -b /dev/vdb ] || fail "no /dev/vdb"
ls -l /sys/bus/virtio/devices/ | grep -v hmx-virtio-argo | grep -q virtio &&
  fail "a virtio device that is not on the virtio-argo bus"
dd if=/dev/urandom of=/tmp/pattern bs=1M count=$mib 2>/dev/null || fail "no room for the pattern"
sum=$(sha256sum /tmp/pattern | cut -d' ' -f1)
t0=$(now_cs)
dd if=/tmp/pattern of=/dev/vda bs=1M conv=fsync 2>/dev/null || fail "write to /dev/vda"
t1=$(now_cs)
sync
echo 3 >/proc/sys/vm/drop_caches
t2=$(now_cs)
back=$(dd if=/dev/vda bs=1M count=$mib 2>/dev/null | sha256sum | cut -d' ' -f1)
t3=$(now_cs)
[ "$back" = "$sum" ] || fail "read back $back, wrote $sum"
echo "blk: wrote $mib MiB in $((t1 - t0)) cs ($(rate $((mib << 20)) $((t1 - t0)))), read in $((t3 - t2)) cs ($(rate $((mib << 20)) $((t3 - t2))))"
echo "blk-written-sha256: $sum"

# A file system on the second disk: write, unmount, mount again, read.
mke2fs -q /dev/vdb >/dev/null 2>&1 || fail "mke2fs /dev/vdb"
mkdir -p /mnt/fs
mount -t ext2 /dev/vdb /mnt/fs || fail "mount /dev/vdb"
dd if=/tmp/pattern of=/mnt/fs/file bs=1M count=16 2>/dev/null || fail "write a file"
fsum=$(dd if=/tmp/pattern bs=1M count=16 2>/dev/null | sha256sum | cut -d' ' -f1)
umount /mnt/fs || fail "umount"
echo 3 >/proc/sys/vm/drop_caches
mount -t ext2 /dev/vdb /mnt/fs || fail "mount again"
[ "$(sha256sum /mnt/fs/file | cut -d' ' -f1)" = "$fsum" ] || fail "file content differs"
umount /mnt/fs
echo "blk: ext2 round trip of 16 MiB on /dev/vdb ok"
# hmx.ko's counters: notifications taken against messages consumed (interrupt moderation).
echo "hmx-stats: $(cat /sys/module/hmx/parameters/stats)"
exit 0
