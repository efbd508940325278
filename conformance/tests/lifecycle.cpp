// SPDX-License-Identifier: Apache-2.0
// Domain lifecycle (spec 10-lifecycle; HMX-DOM-001..004). The teardown test destroys the peer
// domain: it runs last (registry.h).
#include "util.h"

namespace {
using namespace conformance;
}  // namespace

// covers: HMX-DOM-004
HMX_GUEST_TEST(lifecycle_initial_state, "HMX-DOM-004") {
  // The registers as the suite found them at start, before it wrote any (context::start).
  if (ctx.has_feature(HMX_FEATURE_VECTOR) && ctx.msr_conduit())
    for (unsigned v = 0; v < ctx.vcpus(); ++v)
      ctx.check(ctx.initial_vector_ok[v] && ctx.initial_vector[v] == HMX_MSR_VECTOR_RESET,
                "vCPU %u: VECTOR was %#lx at start, want 0x10000", v, static_cast<unsigned long>(ctx.initial_vector[v]));
  if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE) && ctx.msr_conduit())
    ctx.check(ctx.initial_event_page_ok && ctx.initial_event_page == 0, "EVENT_PAGE was %#lx at start, want 0",
              static_cast<unsigned long>(ctx.initial_event_page));
  // No rings: nothing to unregister for a few keys, and a full set of MAX_RINGS_PER_DOMAIN
  // registrations fits (limits_rings_per_domain). The peer link's ring is ours, not inherited.
  ctx.expect_rc(ctx.unregister_raw(0, ctx.domid()), -HMX_ENOENT, "a ring (0, self) at start");
  ctx.expect_rc(ctx.unregister_raw(0, HMX_DOMID_ANY), -HMX_ENOENT, "a ring (0, any) at start");
  if (!ctx.msr_conduit()) ctx.info("registers not readable without the MSR conduit");
}

// covers: HMX-DOM-009 HMX-DOM-010
HMX_GUEST_TEST(lifecycle_domain_ids, "HMX-DOM-009 HMX-DOM-010") {
  ctx.check(ctx.domid() < HMX_DOMID_SELF_ASSIGNED_LIMIT, "our domain id %#x", ctx.domid());
  if (ctx.peer_id() != no_domain)
    ctx.check(ctx.peer_id() < HMX_DOMID_SELF_ASSIGNED_LIMIT && ctx.peer_id() != ctx.domid(), "peer domain id %#x",
              ctx.peer_id());
  if (ctx.denied_id() != no_domain)
    ctx.check(ctx.denied_id() < HMX_DOMID_SELF_ASSIGNED_LIMIT && ctx.denied_id() != ctx.domid(),
              "denied domain id %#x", ctx.denied_id());
  ctx.info("id reuse after teardown needs domain creation, which a guest cannot do: not tested");
}

// covers: HMX-DOM-005 HMX-DOM-006 HMX-DOM-007 HMX-DOM-008
HMX_GUEST_TEST(teardown_peer_domain, "HMX-DOM-005 HMX-DOM-006 HMX-DOM-007 HMX-DOM-008") {
  if (!util::need_peer(ctx, "HMX-DOM-005 HMX-DOM-006") | !util::need_peer(ctx, "HMX-DOM-007 HMX-DOM-008")) return;
  if (const char* why = ctx.plat().exit_keeps_domain(); why[0] != '\0') {
    ctx.untestable("HMX-DOM-005 HMX-DOM-006", why);
    return ctx.untestable("HMX-DOM-007 HMX-DOM-008", why);
  }
  const uint16_t me = ctx.domid(), peer_id = ctx.peer_id();
  // Before: a ring of ours for the peer, a ring of the peer's for us, and a space wait of the
  // peer on a ring of ours.
  ring* mine = ctx.make_ring(0xb0001, peer_id, 512);
  ring* waited = ctx.make_ring(0xb0002, peer_id, 256);
  if (mine == nullptr || waited == nullptr) return;
  ctx.expect_rc(ctx.peer()->simple(peer::op_register_ring, 0xb0003, me, 256).result, 0, "peer: ring for us");
  peer::command c{};
  c.op = peer::op_fill;
  c.domain = me;
  c.aport = 0xb0002;
  c.size = 64;
  ctx.expect_rc(ctx.peer()->call(c).result, -HMX_EAGAIN, "peer: wait for space on our ring");
  if (ctx.denied_id() != no_domain) (void)ctx.peer()->simple(peer::op_relay_exit, 0, ctx.denied_id());
  c = peer::command{};
  c.op = peer::op_exit;
  ctx.expect_rc(ctx.peer()->call(c).result, 0, "peer: exit");
  ctx.peer()->mark_exited();

  // The domain goes away when its VM ends; the monitor tears its HMX state down.
  const bool gone = ctx.wait_until(
      [&] {
        const int64_t rc = ctx.send_pattern(peer_id, peer::cmd_port, 8, 1);
        return rc == -HMX_ESRCH || rc == -HMX_ECONNREFUSED;
      },
      20000);
  if (!ctx.check(gone, "the peer domain still receives 20 s after its exit")) return;

  ctx.req("HMX-DOM-005 HMX-DOM-006");
  hmx_ring_data_t* rd = static_cast<hmx_ring_data_t*>(ctx.pages(1));
  if (rd == nullptr) return;
  rd->nent = 2;
  rd->data[0] = hmx_ring_data_ent_t{};
  rd->data[0].ring = hmx::make_addr(0xb0003, peer_id);
  rd->data[1] = hmx_ring_data_ent_t{};
  rd->data[1].ring = hmx::make_addr(peer::cmd_port, peer_id);
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, ctx.gpa(rd)), 0, "notify about the destroyed domain's rings");
  ctx.expect_eq(rd->data[0].flags, 0, "the destroyed domain's ring for us");
  ctx.expect_eq(rd->data[1].flags, 0, "the destroyed domain's command ring");

  ctx.req("HMX-DOM-007 HMX-DOM-008");
  ctx.expect_rc(ctx.unregister_ring(mine), -HMX_ENOENT, "our ring with the destroyed partner was removed");
  ctx.expect_rc(ctx.unregister_ring(waited), -HMX_ENOENT, "our waited-on ring with the destroyed partner was removed");
  mine->registered = waited->registered = false;
  ring* again = ctx.new_ring(0xb0001, peer_id, 512);
  if (again != nullptr)
    ctx.expect_rc(ctx.register_ring(again), -HMX_ESRCH, "a new ring naming the destroyed domain");
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify after the teardown (its waits are gone)");
}
