#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# linux.vta.console: Linux's own virtio_console over virtio-argo. /dev/hvc0 is a tty whose bytes
# cross only as HMX messages. The device echoes what it receives and answers our first line with
# the host's: our lines reach the host (driver to device; the host checks its log) and come back,
# and the host's line arrives (device to driver).
. /lib/hmx-test.sh
[ -c /dev/hvc0 ] || fail "no /dev/hvc0"
ls -l /sys/bus/virtio/devices/ | grep -q hmx-virtio-argo || fail "no device on the virtio-argo bus"
exec 3<>/dev/hvc0
# Raw and without echo before anything arrives: the device echoes, so must not we.
stty raw -echo <&3 || fail "stty"

# expect LINE: the next line read from hvc0 must be LINE.
expect() {
  read -t 10 line <&3 || fail "nothing arrived (expected '$1')"
  line=$(echo "$line" | tr -d '\r')
  [ "$line" = "$1" ] || fail "got '$line', expected '$1'"
}
echo "ready" >&3
expect "ready"
expect "hello from the host"
echo "console: the host's line arrived"
mine="hello from $hmx_name over virtio-argo"
echo "$mine" >&3
expect "$mine"
echo "console: sent '$mine' and got it back"
exec 3<&-

# Unloading: the console goes away (DISCONNECT), the rings are unregistered, HMX is left.
rmmod hmx_virtio_argo || fail "rmmod hmx_virtio_argo"
[ -c /dev/hvc0 ] && [ -e /sys/bus/virtio/devices/virtio0 ] && fail "the device is still there"
rmmod hmx || fail "rmmod hmx"
echo "console: modules unloaded"
exit 0
