// SPDX-License-Identifier: Apache-2.0
// Mandatory access control (spec 09-policy; HMX-MAC-001..005). The policy of a conformance run
// (conformance/policy.textproto): tester <-> peer allowed, nothing between tester and denied, no
// wildcard rings for the tester.
#include "util.h"

namespace {
using namespace conformance;
}  // namespace

// covers: HMX-MAC-001 HMX-MAC-010
HMX_GUEST_TEST(mac_register_hooks, "HMX-MAC-001 HMX-MAC-010") {
  const uint16_t me = ctx.domid();
  ring* any = ctx.new_ring(0xa0001, HMX_DOMID_ANY, 256);
  if (any == nullptr) return;
  // Any-source: no rule allows it for the tester.
  ctx.expect_rc(ctx.register_ring(any), -HMX_EPERM, "wildcard ring without an allowing rule");
  ctx.req("HMX-MAC-001");
  if (util::need_denied(ctx, "HMX-MAC-001") && util::need_peer(ctx, "HMX-MAC-001")) {
    ring* d = ctx.new_ring(0xa0001, ctx.denied_id(), 256);
    ring* p = ctx.new_ring(0xa0001, ctx.peer_id(), 256);
    if (d == nullptr || p == nullptr) return;
    ctx.expect_rc(ctx.register_ring(d), -HMX_EACCES, "partner: the denied domain");
    ctx.expect_rc(ctx.register_ring(p), 0, "partner: the peer (allowed)");
  }
  ring* self = ctx.new_ring(0xa0001, me, 256);
  if (self != nullptr) ctx.expect_rc(ctx.register_ring(self), 0, "partner: ourselves");
  ctx.req("HMX-MAC-010");
  if (util::need_peer(ctx, "HMX-MAC-010")) {
    // The peer has a REGISTER_ANY_SOURCE rule: its command ring is a wildcard ring.
    const peer::reply r = ctx.peer()->simple(peer::op_register_ring, 0xa0002, HMX_DOMID_ANY, 256);
    ctx.expect_rc(r.result, 0, "peer: wildcard ring with an allowing rule");
    (void)ctx.peer()->simple(peer::op_unregister_ring, 0xa0002, HMX_DOMID_ANY);
  }
}

// covers: HMX-MAC-002 HMX-MAC-008 HMX-MAC-009 HMX-MAC-011
HMX_GUEST_TEST(mac_send_hook, "HMX-MAC-002 HMX-MAC-008 HMX-MAC-009 HMX-MAC-011") {
  const uint16_t me = ctx.domid();
  ring* self = ctx.make_ring(0xa0010, me, 256);
  if (self == nullptr) return;
  ctx.req("HMX-MAC-009");
  ctx.expect_rc(ctx.send_pattern(me, 0xa0010, 8, 1), 8, "within one domain: allowed without a rule");
  if (!util::need_denied(ctx, "HMX-MAC-002") | !util::need_denied(ctx, "HMX-MAC-008") |
      !util::need_denied(ctx, "HMX-MAC-011"))
    return;
  ctx.req("HMX-MAC-008");
  ctx.expect_rc(ctx.send_pattern(ctx.denied_id(), 0xa0011, 8, 1), -HMX_EACCES,
                "to the denied domain, no rule: default deny");
  ctx.req("HMX-MAC-011");
  // The denied domain's command ring is a wildcard ring: the send hook still applies.
  ctx.expect_rc(ctx.send_pattern(ctx.denied_id(), peer::cmd_port, 8, 1), -HMX_EACCES,
                "into the denied domain's wildcard ring");
  ctx.req("HMX-MAC-002");
  // notify: a denied entry fails the call; it and the entries after it stay unwritten.
  auto* rd = static_cast<hmx_ring_data_t*>(ctx.pages(1));
  if (rd == nullptr) return;
  rd->nent = 3;
  for (uint32_t i = 0; i < 3; ++i) {
    rd->data[i] = hmx_ring_data_ent_t{};
    rd->data[i].flags = 0xbeef;
    rd->data[i].max_message_size = 0xdeadbeef;
  }
  rd->data[0].ring = hmx::make_addr(0xa0010, me);
  rd->data[1].ring = hmx::make_addr(peer::cmd_port, ctx.denied_id());
  rd->data[2].ring = hmx::make_addr(0xa0010, me);
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, ctx.gpa(rd)), -HMX_EACCES, "notify naming the denied domain");
  ctx.check(rd->data[0].flags != 0xbeef, "the entry before the denied one was not processed");
  ctx.check(rd->data[1].flags == 0xbeef && rd->data[1].max_message_size == 0xdeadbeef, "the denied entry was written");
  ctx.check(rd->data[2].flags == 0xbeef && rd->data[2].max_message_size == 0xdeadbeef,
            "the entry after the denied one was written");
  // Every sendv is checked, before any byte is copied: a denied send leaves the target untouched
  // (the denied domain cannot tell us, but the peer can: an allowed send does arrive).
  if (util::need_peer(ctx, "HMX-MAC-002")) {
    ctx.expect_rc(ctx.peer()->simple(peer::op_register_ring, 0xa0012, me, 256).result, 0, "peer: ring for us");
    ctx.expect_rc(ctx.send_pattern(ctx.peer_id(), 0xa0012, 8, 2), 8, "to the peer: allowed by a rule");
    ctx.expect_eq(ctx.peer()->simple(peer::op_drain, 0xa0012, me).count, 1, "peer: the message arrived");
    (void)ctx.peer()->simple(peer::op_unregister_ring, 0xa0012, me);
  }
}

// covers: HMX-MAC-005 HMX-MAC-006
HMX_GUEST_TEST(mac_denials_counted, "HMX-MAC-005 HMX-MAC-006") {
  uint64_t before = 0, after = 0, logged0 = 0, logged1 = 0;
  if (!ctx.plat().denial_count(&before, &logged0)) {
    const char* why = "denial counters and log are the host's: check them on the host (vendor guide)";
    ctx.untestable("HMX-MAC-005", why);
    return ctx.untestable("HMX-MAC-006", why);
  }
  ring* any = ctx.new_ring(0xa0020, HMX_DOMID_ANY, 256);
  if (any == nullptr) return;
  ctx.req("HMX-MAC-005");
  ctx.expect_rc(ctx.register_ring(any), -HMX_EPERM, "a denied wildcard registration");
  if (ctx.denied_id() != no_domain)
    ctx.expect_rc(ctx.send_pattern(ctx.denied_id(), 0xa0020, 8, 1), -HMX_EACCES, "a denied send");
  (void)ctx.plat().denial_count(&after, &logged1);
  ctx.expect_eq(after - before, ctx.denied_id() != no_domain ? 2 : 1, "denials counted");
  // SHOULD: each denial logged, rate-limited: a flood of denials is not a flood of lines.
  ctx.req("HMX-MAC-006");
  ctx.check(logged1 > logged0, "no log line for the denials");
  constexpr unsigned kFlood = 500;
  for (unsigned i = 0; i < kFlood; ++i) (void)ctx.register_ring(any);
  (void)ctx.plat().denial_count(&after, &logged0);
  ctx.check(logged0 - logged1 < kFlood, "%u denials gave %lu log lines: not rate-limited", kFlood,
            static_cast<unsigned long>(logged0 - logged1));
}
