#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The main job's Linux demo (scripts/main-linux.sh), run as /test.sh in a UML guest: Linux's own
# virtio_blk driver, over the virtio-argo transport, writes a random pattern to /dev/vda through
# the block layer, flushes, drops its caches, reads the disk back and compares SHA-256. The
# result line carries the checksum; the host compares it with the backing file.
. /lib/hmx-test.sh
mib=${1:-16}
[ -b /dev/vda ] || fail "no /dev/vda: the virtio-argo disk did not appear"
drv=$(basename "$(readlink /sys/block/vda/device/driver)")
bus=$(basename "$(dirname "$(readlink -f /sys/block/vda/device)")")
dd if=/dev/urandom of=/tmp/pattern bs=1M count=$mib 2>/dev/null || fail "no room for the pattern"
sum=$(sha256sum /tmp/pattern | cut -d' ' -f1)
t0=$(now_cs)
dd if=/tmp/pattern of=/dev/vda bs=1M conv=fsync 2>/dev/null || fail "write to /dev/vda"
t1=$(now_cs)
echo 3 >/proc/sys/vm/drop_caches
back=$(dd if=/dev/vda bs=1M count=$mib 2>/dev/null | sha256sum | cut -d' ' -f1)
t2=$(now_cs)
[ "$back" = "$sum" ] || fail "read back sha256 $back, wrote $sum"
echo "demo: /dev/vda driven by $drv on $bus: wrote $mib MiB in $((t1 - t0)) cs, read back in $((t2 - t1)) cs"
echo "demo: hmx-stats: $(cat /sys/module/hmx/parameters/stats)"
echo "demo-result: linux-disk mib=$mib sha256=$sum"
exit 0
