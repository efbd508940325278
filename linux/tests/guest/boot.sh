#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# linux.uml.boot: the UML kernel reached the initramfs's /init, with the command line the host gave.
. /lib/hmx-test.sh
[ "$(uname -s)" = Linux ] || fail "uname -s: $(uname -s)"
grep -q "rdinit=/init" /proc/cmdline || fail "rdinit=/init missing from /proc/cmdline"
[ -n "$hmx_name" ] || fail "no hmx_name= from the host"
echo "boot: $(uname -sr) as $hmx_name, $(grep MemTotal /proc/meminfo | tr -s ' ')"
exit 0
