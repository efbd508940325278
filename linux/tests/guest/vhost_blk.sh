#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# linux.vta.vhost_blk: Linux's virtio_blk over virtio-argo, served by an existing back-end:
# qemu-storage-daemon's vhost-user-blk export behind the device domain's vhost-user bridge. The
# back-end sees the device domain's memory only, never this guest's. 32 MiB of random data go
# through the block layer and back, compared by SHA-256 (the host compares the image too).
. /lib/hmx-test.sh
mib=32
[ -b /dev/vda ] || fail "no /dev/vda"
ls -l /sys/bus/virtio/devices/ | grep -v hmx-virtio-argo | grep -q virtio &&
  fail "a virtio device that is not on the virtio-argo bus"
dd if=/dev/urandom of=/tmp/pattern bs=1M count=$mib 2>/dev/null || fail "no room for the pattern"
sum=$(sha256sum /tmp/pattern | cut -d' ' -f1)
dd if=/tmp/pattern of=/dev/vda bs=1M conv=fsync 2>/dev/null || fail "write to /dev/vda"
echo 3 >/proc/sys/vm/drop_caches
back=$(dd if=/dev/vda bs=1M count=$mib 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$back" = "$sum" ] || fail "read back $back, wrote $sum"
echo "vhost-blk-written-sha256: $sum"
exit 0
