#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# linux.vta.net: Linux's own virtio_net over virtio-argo, two guests on the device domain's
# switch. uml-a (10.0.0.1) and uml-b (10.0.0.2) ping each other; then uml-b sends 16 MiB over
# TCP with nc and both print the SHA-256 of what they sent and received (the host compares).
. /lib/hmx-test.sh
mib=16
case "$hmx_name" in
  uml-a) me=10.0.0.1; peer=10.0.0.2 ;;
  uml-b) me=10.0.0.2; peer=10.0.0.1 ;;
  *) fail "unknown guest $hmx_name" ;;
esac
ls -l /sys/bus/virtio/devices/ | grep -q hmx-virtio-argo || fail "no device on the virtio-argo bus"
ip link set lo up
ip link set eth0 up || fail "no eth0"
ip addr add $me/24 dev eth0 || fail "ip addr"
echo "net: eth0 $(cat /sys/class/net/eth0/address) is $me"

# The peer boots at the same time: wait for it (bounded).
ok=0
for i in $(seq 1 60); do
  if ping -c 1 -W 1 $peer >/dev/null 2>&1; then ok=1; break; fi
done
[ $ok -eq 1 ] || fail "$peer never answered"
ping -c 5 -i 0.2 $peer | tail -n 2 || fail "ping $peer"

if [ "$hmx_name" = uml-a ]; then
  # The receiving end reads the connection until the sender closes it (busybox's small nc
  # would stop at the end of its own stdin).
  printf '#!/bin/sh\ncat >/tmp/recv\n' >/tmp/receive
  chmod +x /tmp/receive
  timeout 60 nc -l -p 5000 -e /tmp/receive || fail "nc -l"
  size=$(stat -c %s /tmp/recv)
  [ "$size" -eq $((mib << 20)) ] || fail "received $size bytes"
  echo "net-received-sha256: $(sha256sum /tmp/recv | cut -d' ' -f1)"
else
  dd if=/dev/urandom of=/tmp/data bs=1M count=$mib 2>/dev/null
  echo "net-sent-sha256: $(sha256sum /tmp/data | cut -d' ' -f1)"
  sent=0
  for i in $(seq 1 20); do
    t0=$(now_cs)
    if timeout 60 nc $peer 5000 </tmp/data; then sent=1; break; fi
    sleep 0.5
  done
  t1=$(now_cs)
  [ $sent -eq 1 ] || fail "could not send to $peer:5000"
  echo "net: sent $mib MiB over TCP in $((t1 - t0)) cs ($(rate $((mib << 20)) $((t1 - t0))))"
fi
exit 0
