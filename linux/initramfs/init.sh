#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the HMX UML test guests: mounts the kernel file systems, loads the HMX modules found
# in /lib/hmx with the parameters the host put on the kernel command line (MODULE.PARAM=VALUE
# words, which the kernel itself leaves to loadable modules), runs
# /test.sh and reports its status on the console as "hmx-exit: N", which hmx-hostd (or the
# boot test) turns into the guest's exit status. Then it powers the guest off.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

# Kernel command line words "MODULE.PARAM=VALUE" become insmod parameters of MODULE.
params_for() {
  for w in $(cat /proc/cmdline); do
    case "$w" in
      "$1".*) echo -n "${w#$1.} " ;;
    esac
  done
}
for m in hmx hmx_virtio_argo hmx_dev; do
  if [ -f /lib/hmx/$m.ko ]; then
    insmod /lib/hmx/$m.ko $(params_for $m) || echo "init: insmod $m failed"
  fi
done

sh /test.sh
rc=$?
sync
# The status goes through the kernel log, which reaches the console synchronously; a console
# line from user space may still sit in UML's line buffer when the machine powers off, so the
# buffer gets a moment to drain too.
echo "hmx-exit: $rc" >/dev/kmsg
sleep 0.3
poweroff -f
