#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# linux.hmx.dev: /dev/hmx from user space (tools/hmx-ring-test.c). uml-a: its domain id, the
# conduit's null round trip, messages to its own ring, then ping-pong with uml-b, which echoes.
. /lib/hmx-test.sh
[ -c /dev/hmx ] || fail "no /dev/hmx"
a=$(domain_id uml-a)
b=$(domain_id uml-b)
if [ "$hmx_name" = uml-a ]; then
  hmx-ring-test info | tee /tmp/info || fail "info"
  grep -q "domain $a over uml-socket" /tmp/info || fail "wrong domain id"
  hmx-ring-test null 5000 || fail "null"
  hmx-ring-test self 1000 || fail "self"
  hmx-ring-test ping "$b" 2000 || fail "ping"
  hmx-ring-test info
else
  hmx-ring-test pong "$a" 2000 || fail "pong"
fi
exit 0
