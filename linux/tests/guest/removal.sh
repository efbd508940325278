#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# linux.vta.removal: the device domain removes its console while the guest uses it (EVENT_DEVICE
# REMOVED, then its rings go): the transport fails the connection, Linux unregisters the device,
# nothing hangs, and the modules still unload.
. /lib/hmx-test.sh
[ -c /dev/hvc0 ] || fail "no /dev/hvc0"
[ -e /sys/bus/virtio/devices/virtio0 ] || fail "no virtio0"
exec 3<>/dev/hvc0
stty raw -echo <&3 || fail "stty"
echo "please remove the console" >&3
exec 3<&-
gone=0
for i in $(seq 1 100); do
  if [ ! -e /sys/bus/virtio/devices/virtio0 ]; then gone=1; break; fi
  sleep 0.1
done
[ $gone -eq 1 ] || fail "virtio0 still there 10 s after the removal"
dmesg | grep "virtio-argo: device"
dmesg | grep -q "removed by the device domain" || fail "the transport did not see EVENT_DEVICE REMOVED"
# Writing to the vanished console fails at once instead of spinning.
timeout 10 sh -c 'echo late >/dev/hvc0' 2>/dev/null
[ $? -eq 124 ] && fail "a write to the removed console hung"
rmmod hmx_virtio_argo || fail "rmmod hmx_virtio_argo"
rmmod hmx || fail "rmmod hmx"
echo "removal: the device went away, nothing hung, the modules unloaded"
exit 0
