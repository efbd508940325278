#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# linux.uml.hmx_core: hmx.ko found HMX over the UML conduit and got the domain id the host
# assigned to this guest.
. /lib/hmx-test.sh
lsmod | grep -q "^hmx " || fail "hmx.ko not loaded"
want=$(domain_id "$hmx_name")
line=$(dmesg | grep "hmx: domain .* over uml-socket" | tail -n1)
echo "core: $line"
echo "$line" | grep -q "domain $want over uml-socket" || fail "expected domain $want"
echo "$line" | grep -q "interrupts" || fail "notifications are not interrupts"
exit 0
