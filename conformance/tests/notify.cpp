// SPDX-License-Identifier: Apache-2.0
// notify and space-available wake-ups (spec 06-operations, 07-notifications "Space waits";
// HMX-NOTIFY-001..005, HMX-EVENT-007, HMX-RING-010).
#include "util.h"

namespace {

using namespace conformance;

constexpr uint16_t kUnwritten = 0xbeef;
constexpr uint32_t kUnwrittenSize = 0xdeadbeef;

hmx_ring_data_t* make_list(context& ctx, uint32_t n) {
  const size_t bytes = sizeof(hmx_ring_data_t) + n * sizeof(hmx_ring_data_ent_t) + 64;
  auto* rd = static_cast<hmx_ring_data_t*>(ctx.pages((bytes + 4095) / 4096));
  if (rd == nullptr) return nullptr;
  util::fill(rd, 0xee, bytes);  // canary beyond the list
  rd->nent = n;
  rd->pad = 0;
  for (uint32_t i = 0; i < n; ++i) {
    rd->data[i] = hmx_ring_data_ent_t{};
    rd->data[i].flags = kUnwritten;
    rd->data[i].max_message_size = kUnwrittenSize;
  }
  return rd;
}

hmx_ring_data_ent_t& ent(hmx_ring_data_t* rd, uint32_t i, uint16_t dom, uint32_t aport, uint32_t space) {
  hmx_ring_data_ent_t& e = rd->data[i];
  e.ring = hmx::make_addr(aport, dom);
  e.space_required = space;
  return e;
}

int64_t notify(context& ctx, hmx_ring_data_t* rd) { return ctx.call(HMX_OP_NOTIFY, ctx.gpa(rd)); }

// Enable an event page for the test; nullptr without the feature.
hmx_event_page_t* events(context& ctx) {
  if (!ctx.has_feature(HMX_FEATURE_EVENT_PAGE)) return nullptr;
  auto* ev = ctx.alloc<hmx_event_page_t>();
  if (ev != nullptr && ctx.client(0).set_event_page(ev).code() != 0) return nullptr;
  return ev;
}

}  // namespace

// covers: HMX-NOTIFY-002
HMX_GUEST_TEST(notify_too_many, "HMX-NOTIFY-002") {
  hmx_ring_data_t* rd = make_list(ctx, HMX_MAX_NOTIFY_COUNT + 1);
  if (rd == nullptr) return;
  for (uint32_t i = 0; i <= HMX_MAX_NOTIFY_COUNT; ++i) ent(rd, i, ctx.domid(), 0x70001, 0);
  ctx.expect_rc(notify(ctx, rd), -HMX_EACCES, "nent MAX_NOTIFY_COUNT + 1");
  bool untouched = true;
  for (uint32_t i = 0; i <= HMX_MAX_NOTIFY_COUNT; ++i)
    untouched &= rd->data[i].flags == kUnwritten && rd->data[i].max_message_size == kUnwrittenSize;
  ctx.check(untouched, "entries were written although nent was refused");
  rd->nent = HMX_MAX_NOTIFY_COUNT;
  ctx.expect_rc(notify(ctx, rd), 0, "nent MAX_NOTIFY_COUNT is accepted");
}

// covers: HMX-NOTIFY-007 HMX-NOTIFY-008 HMX-NOTIFY-004 HMX-NOTIFY-009 HMX-NOTIFY-010
HMX_GUEST_TEST(notify_flags, "HMX-NOTIFY-007 HMX-NOTIFY-008 HMX-NOTIFY-004 HMX-NOTIFY-009 HMX-NOTIFY-010") {
  const uint16_t me = ctx.domid();
  ring* empty = ctx.make_ring(0x70010, me, 256);
  ring* busy = ctx.make_ring(0x70011, me, 256);
  if (empty == nullptr || busy == nullptr) return;
  ctx.expect_rc(ctx.send_pattern(me, 0x70011, 32, 1), 32, "one message of 32 bytes (48 with header)");
  // busy: free space 208, so the largest payload now is 208 - 32 = 176; max_message_size 224.
  const bool peer = ctx.peer() != nullptr && ctx.peer()->alive();
  hmx_ring_data_t* rd = make_list(ctx, 8);
  if (rd == nullptr) return;
  ent(rd, 0, absent_domain, 0x70010, 0);
  ent(rd, 1, me, 0x70019, 0);
  ent(rd, 2, me, 0x70010, 16);
  ent(rd, 3, me, 0x70011, 300);
  ent(rd, 4, me, 0x70011, 176);
  ent(rd, 5, me, 0x70011, 177);
  ent(rd, 6, me, 0x70010, 224);
  ent(rd, 7, peer ? ctx.peer_id() : me, peer ? peer::cmd_port : 0x70010, 0);
  const unsigned char* before = util::snapshot(ctx, rd, 4096);
  ctx.expect_rc(notify(ctx, rd), 0, "notify with 8 entries");

  ctx.req("HMX-NOTIFY-007 HMX-NOTIFY-008");
  ctx.expect_eq(rd->data[0].flags, 0, "entry 0 (no such domain): flags");
  ctx.expect_eq(rd->data[1].flags, 0, "entry 1 (no ring): flags");
  const uint32_t base = HMX_RING_EXISTS;
  ctx.expect_eq(rd->data[2].flags, base | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, "entry 2 (empty ring, 16): flags");
  ctx.expect_eq(rd->data[2].max_message_size, 256 - 32, "entry 2: max_message_size = len - 32");
  ctx.expect_eq(rd->data[3].max_message_size, 256 - 32, "entry 3: max_message_size");
  if (peer) {
    ctx.check((rd->data[7].flags & (HMX_RING_EXISTS | HMX_RING_SHARED)) == (HMX_RING_EXISTS | HMX_RING_SHARED),
              "entry 7 (the peer's wildcard command ring): flags %#x lack EXISTS|SHARED", rd->data[7].flags);
    ctx.expect_eq(rd->data[7].max_message_size, peer::cmd_ring_len - 32, "entry 7: max_message_size");
  }
  ctx.req("HMX-NOTIFY-004");
  ctx.expect_eq(rd->data[3].flags, base | HMX_RING_EMSGSIZE, "entry 3 (300 > 224): flags");
  ctx.expect_eq(rd->data[4].flags, base | HMX_RING_SUFFICIENT, "entry 4 (176 fits now): flags");
  ctx.expect_eq(rd->data[5].flags, base, "entry 5 (177 does not fit now: a wait): flags");
  ctx.expect_eq(rd->data[6].flags, base | HMX_RING_EMPTY | HMX_RING_SUFFICIENT, "entry 6 (224 into the empty ring)");

  ctx.req("HMX-NOTIFY-009 HMX-NOTIFY-010");
  bool only_outputs = util::same(rd, before, sizeof(hmx_ring_data_t));
  for (uint32_t i = 0; i < 8; ++i) {
    const auto* b = reinterpret_cast<const hmx_ring_data_ent_t*>(before + sizeof(hmx_ring_data_t)) + i;
    only_outputs &= util::same(&rd->data[i].ring, &b->ring, sizeof b->ring) && rd->data[i].pad == b->pad &&
                    rd->data[i].space_required == b->space_required;
  }
  const size_t list_end = sizeof(hmx_ring_data_t) + 8 * sizeof(hmx_ring_data_ent_t);
  only_outputs &= util::same(reinterpret_cast<unsigned char*>(rd) + list_end, before + list_end, 4096 - list_end);
  ctx.check(only_outputs, "notify wrote more than flags and max_message_size");

  // The wait queued by entry 5 is signalled once the space is there; a SUFFICIENT query cancels it.
  ctx.req("HMX-NOTIFY-004");
  hmx_event_page_t* ev = events(ctx);
  if (ev == nullptr) return ctx.info("feature EVENT_PAGE not offered: waits are not observed");
  util::drain(*busy);
  (void)hmx::test_and_clear_status(ev, ~uint64_t{0});
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify(0) after consuming");
  ctx.check((ev->status & HMX_EVENT_SPACE_AVAILABLE) != 0, "the wait of entry 5 was not signalled");
  ctx.expect_rc(ctx.send_pattern(me, 0x70011, 200, 2), 200, "fill the ring again");
  hmx_ring_data_t* q = make_list(ctx, 1);
  if (q == nullptr) return;
  ent(q, 0, me, 0x70011, 200);
  ctx.expect_rc(notify(ctx, q), 0, "query 200: queues a wait");
  ctx.expect_eq(q->data[0].flags, base, "flags of the waiting query");
  q->data[0].space_required = 0;
  ctx.expect_rc(notify(ctx, q), 0, "query 0: sufficient, cancels the wait");
  ctx.expect_eq(q->data[0].flags, base | HMX_RING_SUFFICIENT, "flags of the sufficient query");
  util::drain(*busy);
  (void)hmx::test_and_clear_status(ev, ~uint64_t{0});
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify(0) after consuming");
  ctx.check((ev->status & HMX_EVENT_SPACE_AVAILABLE) == 0, "a cancelled wait was signalled");
  (void)ctx.client(0).set_event_page(nullptr);
}

// covers: HMX-NOTIFY-001 HMX-EVENT-007
HMX_GUEST_TEST(notify_wakes_waiters, "HMX-NOTIFY-001 HMX-EVENT-007") {
  const uint16_t me = ctx.domid();
  hmx_event_page_t* ev = events(ctx);
  const uint8_t kVector = ctx.vector(0x52);
  const bool vec = ctx.has_feature(HMX_FEATURE_VECTOR);
  if (vec) ctx.expect_rc(ctx.client(0).set_vector(0, hmx::vector_reg::unmasked(kVector)).code(), 0, "set_vector");
  // Our own wait on our own ring.
  ring* r = ctx.make_ring(0x70020, me, 512);
  if (r == nullptr) return;
  while (ctx.send_pattern(me, 0x70020, 64, 1) == 64) {
  }
  ctx.expect_rc(ctx.send_pattern(me, 0x70020, 64, 1), -HMX_EAGAIN, "the ring is full");
  ctx.plat().poll();  // count the message interrupts so far, so that only the signal remains
  const uint32_t irqs = ctx.plat().vector_count(0, kVector);
  if (ev != nullptr) (void)hmx::test_and_clear_status(ev, ~uint64_t{0});
  ctx.req("HMX-NOTIFY-001");
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify(0) while still full");
  if (ev != nullptr) ctx.check((ev->status & HMX_EVENT_SPACE_AVAILABLE) == 0, "signalled although still full");
  util::drain(*r);
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify(0) after consuming");
  ctx.req("HMX-EVENT-007");
  if (ev != nullptr) ctx.check((ev->status & HMX_EVENT_SPACE_AVAILABLE) != 0, "EVENT_SPACE_AVAILABLE not set");
  if (vec)
    ctx.check(ctx.wait_until([&] { return ctx.plat().vector_count(0, kVector) > irqs; }, 2000),
              "no interrupt on vCPU 0 for the space-available signal");
  if (ev == nullptr && !vec) ctx.skip_req("HMX-EVENT-007", "neither EVENT_PAGE nor VECTOR is offered");

  // Another domain's wait: the peer fills a ring of ours, we consume and notify, the peer is told.
  ctx.req("HMX-NOTIFY-001");
  if (util::need_peer(ctx, "HMX-NOTIFY-001")) {
    ring* shared = ctx.make_ring(0x70021, ctx.peer_id(), 1024);
    if (shared == nullptr) return;
    (void)ctx.peer()->simple(peer::op_status);  // clear the agent's status
    peer::command c{};
    c.op = peer::op_fill;
    c.domain = me;
    c.aport = 0x70021;
    c.size = 200;
    const peer::reply f = ctx.peer()->call(c);
    ctx.expect_rc(f.result, -HMX_EAGAIN, "peer: fill our ring until EAGAIN");
    ctx.check(f.count > 0, "peer: no message fitted");
    util::drain(*shared);
    ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify(0) after consuming the peer's messages");
    // The agent's event page shows it (its vector also counts its command messages).
    const peer::reply st = ctx.peer()->simple(peer::op_status);
    if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE))
      ctx.check((st.status & HMX_EVENT_SPACE_AVAILABLE) != 0, "the waiting peer was not signalled (status %#lx)",
                static_cast<unsigned long>(st.status));
  }
  if (vec) (void)ctx.client(0).set_vector(0, hmx::vector_reg::reset());
  if (ev != nullptr) (void)ctx.client(0).set_event_page(nullptr);
}

// covers: HMX-RING-010
HMX_GUEST_TEST(notify_unregister_signals, "HMX-RING-010") {
  // SHOULD: a wait discarded because its ring went away is signalled like available space.
  if (!util::need_peer(ctx, "HMX-RING-010")) return;
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0x70030, ctx.peer_id(), 512);
  if (r == nullptr) return;
  (void)ctx.peer()->simple(peer::op_status);
  peer::command c{};
  c.op = peer::op_fill;
  c.domain = me;
  c.aport = 0x70030;
  c.size = 100;
  ctx.expect_rc(ctx.peer()->call(c).result, -HMX_EAGAIN, "peer: fill our ring until EAGAIN");
  ctx.expect_rc(ctx.unregister_ring(r), 0, "unregister the ring the peer waits on");
  const peer::reply st = ctx.peer()->simple(peer::op_status);
  if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE))
    ctx.check((st.status & HMX_EVENT_SPACE_AVAILABLE) != 0, "the peer's discarded wait was not signalled");
  c.op = peer::op_send;
  c.count = 1;
  ctx.expect_rc(ctx.peer()->call(c).result, -HMX_ECONNREFUSED, "peer: its next sendv observes the ring's absence");
}

namespace {
struct queue_job {
  uint16_t dom;
  uint32_t aport;
  unsigned char* buf;
  int64_t rc;
};
// On vCPU 1: one sendv into the full ring, which queues the domain's space wait from vCPU 1.
void send_from_vcpu1(context& ctx, void* p) {
  auto* j = static_cast<queue_job*>(p);
  const hmx::result<uint32_t> r = ctx.client(1).send(hmx::make_addr(j->aport, j->dom), j->buf, 64, 0);
  j->rc = r.ok() ? static_cast<int64_t>(*r) : r.error().code();
}
}  // namespace

// covers: HMX-EVENT-007
HMX_GUEST_TEST(notify_wakes_queuing_vcpu, "HMX-EVENT-007") {
  // The space-available interrupt goes to the vCPU whose call queued the wait.
  if (!ctx.has_feature(HMX_FEATURE_VECTOR)) return ctx.skip("feature VECTOR is not offered");
  if (ctx.vcpus() < 2) return ctx.untestable("HMX-EVENT-007", "needs 2 vCPUs");
  const uint16_t me = ctx.domid();
  const uint8_t kV0 = ctx.vector(0x55), kV1 = ctx.vector(0x56);
  platform& p = ctx.plat();
  ring* r = ctx.make_ring(0x70040, me, 512);
  auto* buf = static_cast<unsigned char*>(ctx.pages(1));
  if (r == nullptr || buf == nullptr) return;
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, kV0), 0, "set_vector(0)");
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 1, kV1), 0, "set_vector(1)");
  // Six messages of 64 bytes (80 with the header) fill 480 of 512 bytes without an EAGAIN.
  for (int i = 0; i < 6; ++i) ctx.expect_rc(ctx.send_pattern(me, 0x70040, 64, i), 64, "fill message %d", i);
  static queue_job job;
  job = queue_job{me, 0x70040, buf, 0};
  ctx.check(ctx.run_on(1, send_from_vcpu1, &job), "run on vCPU 1");
  ctx.expect_rc(job.rc, -HMX_EAGAIN, "sendv from vCPU 1 into the full ring");
  (void)ctx.wait_until([] { return false; }, 20);  // let the message interrupts settle
  p.poll();
  const uint32_t v0 = p.vector_count(0, kV0), v1 = p.vector_count(1, kV1);
  util::drain(*r);
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify from vCPU 0 after consuming");
  ctx.check(ctx.wait_until([&] { return p.vector_count(1, kV1) > v1; }, 2000),
            "no space-available interrupt on vCPU 1, which queued the wait");
  p.poll();
  ctx.expect_eq(p.vector_count(0, kV0), v0, "interrupts on vCPU 0 for the wait vCPU 1 queued");
  (void)ctx.call(HMX_OP_SET_VECTOR, 0, HMX_MSR_VECTOR_RESET);
  (void)ctx.call(HMX_OP_SET_VECTOR, 1, HMX_MSR_VECTOR_RESET);
}
