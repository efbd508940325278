#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# linux.vta.denied: the policy keeps this guest away from the device domain: it has HMX, the
# transport loads, and it sees no virtio device at all.
. /lib/hmx-test.sh
lsmod | grep -q "^hmx_virtio_argo " || fail "hmx_virtio_argo.ko not loaded"
n=$(ls /sys/bus/virtio/devices/ | wc -l)
dmesg | grep "hmx-vta"
[ "$n" -eq 0 ] || fail "$n virtio device(s) visible"
[ -b /dev/vda ] && fail "/dev/vda exists"
echo "denied: no virtio device"
exit 0
