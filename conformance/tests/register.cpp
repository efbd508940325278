// SPDX-License-Identifier: Apache-2.0
// register_ring and unregister_ring (spec 06-operations; HMX-RING-001..009).
#include "util.h"

namespace {

using namespace conformance;

// register_ring with a structure and frame list built from `r`, then edited by the caller.
struct raw_reg {
  hmx_register_ring_t* reg;
  uint64_t* gfns;
  uint64_t npages;
};
bool prepare(context& ctx, ring& r, raw_reg& out) {
  out.gfns = util::gfns_of(ctx, r);
  out.reg = ctx.alloc<hmx_register_ring_t>();
  out.npages = hmx::ring_npages(r.len);
  if (out.gfns == nullptr || out.reg == nullptr) return false;
  *out.reg = util::reg_of(r);
  return true;
}
int64_t run(context& ctx, const raw_reg& a, uint64_t flags = 0) {
  return ctx.call(HMX_OP_REGISTER_RING, ctx.gpa(a.reg), ctx.gpa(a.gfns), a.npages, flags);
}

}  // namespace

// covers: HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023 HMX-RING-007 HMX-LIMIT-003
HMX_GUEST_TEST(register_ring_einval, "HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023 HMX-RING-007 HMX-LIMIT-003") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.new_ring(0x40001, me, 4096 + 1024);  // two frames
  raw_reg a{};
  if (r == nullptr || !prepare(ctx, *r, a)) return;
  const hmx_register_ring_t good = *a.reg;
  // Each row of the error table is its own requirement: a FAIL names the condition that failed.
  auto expect = [&](const char* row, const char* what, uint64_t flags = 0) {
    ctx.req(row);
    ctx.expect_rc(run(ctx, a, flags), -HMX_EINVAL, "register_ring %s", what);
    *a.reg = good;
    a.npages = 2;
    a.gfns[0] = ctx.gpa(r->memory) >> 12;
    a.gfns[1] = (ctx.gpa(r->memory) >> 12) + 1;
  };
  a.npages = HMX_MAX_RING_PAGES + 1;
  expect("HMX-RING-016", "npages MAX_RING_PAGES + 1");
  a.npages = 3;
  expect("HMX-RING-017", "npages 3 for a 2-frame len");
  a.npages = 1;
  expect("HMX-RING-017", "npages 1 for a 2-frame len");
  a.reg->len = HMX_MIN_RING_LEN - HMX_MSG_SLOT_SIZE;
  a.npages = 1;
  expect("HMX-RING-018", "len below MIN_RING_LEN");
  a.reg->len = 0;
  a.npages = 1;
  expect("HMX-RING-018", "len 0");
  a.reg->len = HMX_MAX_RING_LEN + HMX_MSG_SLOT_SIZE;
  a.npages = hmx::ring_npages(a.reg->len);
  expect("HMX-RING-019", "len above MAX_RING_LEN");
  a.reg->len = 4096 + 1024 + 8;
  expect("HMX-RING-020", "len not a multiple of MSG_SLOT_SIZE");
  a.reg->pad = 1;
  expect("HMX-RING-021", "pad 1");
  expect("HMX-RING-022", "flags bit 3", 0x8);
  expect("HMX-RING-022", "flags bit 16", 0x10000);
  expect("HMX-RING-022", "flags bit 31", 0x80000000u);
  a.gfns[1] = ctx.plat().ram_end() >> 12;
  expect("HMX-RING-023", "second frame beyond RAM");
  a.gfns[0] = ctx.plat().non_ram_gpa() >> 12;
  expect("HMX-RING-023", "first frame not RAM (MMIO)");
  a.gfns[1] = 0xfffffffffffffull;
  expect("HMX-RING-023", "frame number 2^52 - 1");

  // None of them registered anything (HMX-RING-007): FAIL_EXIST registration succeeds once.
  ctx.req("HMX-RING-007");
  ctx.expect_rc(ctx.register_ring(r, HMX_REGISTER_FLAG_FAIL_EXIST), 0, "register after the failures");
  // Nor does a failed re-registration change the ring it names (a frame beyond RAM).
  a.npages = 2;
  a.gfns[0] = ctx.gpa(r->memory) >> 12;
  a.gfns[1] = ctx.plat().ram_end() >> 12;
  ctx.expect_rc(run(ctx, a), -HMX_EINVAL, "re-register with its second frame beyond RAM");
  const int64_t sent = ctx.send_pattern(me, 0x40001, 16, 9);
  ctx.expect_rc(sent, 16, "the ring still takes messages after a failed re-registration");
  if (sent == 16) ctx.expect_rc(ctx.unregister_ring(r), 0, "unregister");
  else r->registered = false;  // gone with the failure: unregistering it would only repeat that
  ctx.expect_rc(ctx.unregister_raw(0x40001, me), -HMX_ENOENT, "only one ring existed");

  // The limits themselves are accepted (HMX-LIMIT-003 HMX-LIMIT-004).
  ctx.req("HMX-LIMIT-003");
  ring* small = ctx.new_ring(0x40002, me, HMX_MIN_RING_LEN);
  if (small != nullptr) {
    ctx.expect_rc(ctx.register_ring(small), 0, "register_ring len MIN_RING_LEN");
    ctx.expect_rc(ctx.send_pattern(me, 0x40002, HMX_MSG_SLOT_SIZE, 2), HMX_MSG_SLOT_SIZE,
                  "a MIN_RING_LEN ring takes one slot of payload");
  }
}

// covers: HMX-RING-024 HMX-RING-025 HMX-RING-026
HMX_GUEST_TEST(register_ring_vcpu_flags, "HMX-RING-024 HMX-RING-025 HMX-RING-026") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.new_ring(0x40010, me, 256);
  if (r == nullptr) return;
  const uint32_t vcpu_field = HMX_REGISTER_FLAG_VCPU_SHIFT;
  ctx.expect_rc(ctx.register_ring(r, 1u << vcpu_field), -HMX_EINVAL, "vCPU field 1 without NOTIFY_VCPU");
  if (!ctx.has_feature(HMX_FEATURE_RING_VCPU)) {
    ctx.expect_rc(ctx.register_ring(r, HMX_REGISTER_FLAG_NOTIFY_VCPU), -HMX_EINVAL, "NOTIFY_VCPU without RING_VCPU");
    return;
  }
  const uint32_t bad = ctx.plat().vcpu_count();
  ctx.expect_rc(ctx.register_ring(r, HMX_REGISTER_FLAG_NOTIFY_VCPU | bad << vcpu_field), -HMX_EINVAL,
                "NOTIFY_VCPU naming vCPU %u of %u", bad, bad);
  ctx.expect_rc(ctx.register_ring(r, HMX_REGISTER_FLAG_NOTIFY_VCPU | 255u << vcpu_field), -HMX_EINVAL,
                "NOTIFY_VCPU naming vCPU 255");
  ctx.expect_rc(ctx.unregister_raw(0x40010, me), -HMX_ENOENT, "nothing registered by the failures");
  const uint32_t last = ctx.plat().vcpu_count() - 1;
  ctx.expect_rc(ctx.register_ring(r, HMX_REGISTER_FLAG_NOTIFY_VCPU | last << vcpu_field), 0,
                "NOTIFY_VCPU naming the last vCPU %u", last);
}

// covers: HMX-RING-027 HMX-RING-028 HMX-RING-029
HMX_GUEST_TEST(register_ring_partner, "HMX-RING-027 HMX-RING-028 HMX-RING-029") {
  ring* r = ctx.new_ring(0x40020, absent_domain, 256);
  if (r == nullptr) return;
  ctx.expect_rc(ctx.register_ring(r), -HMX_ESRCH, "partner %#x (no such domain)", absent_domain);
  ring* self = ctx.new_ring(0x40020, ctx.domid(), 256);
  if (self != nullptr) ctx.expect_rc(ctx.register_ring(self), 0, "the caller as its own partner");
  // ECONNREFUSED for a partner without HMX needs such a domain, which a conformance setup has not.
  ctx.info("partner with HMX disabled: not tested (no such domain in the setup)");
}

// covers: HMX-RING-030 HMX-RING-031 HMX-RING-032 HMX-EVENT-021
HMX_GUEST_TEST(register_ring_reregister, "HMX-RING-030 HMX-RING-031 HMX-RING-032 HMX-EVENT-021") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0x40030, me, 256);
  if (r == nullptr) return;
  ctx.req("HMX-RING-030");
  ctx.expect_rc(ctx.register_ring(r, HMX_REGISTER_FLAG_FAIL_EXIST, true), -HMX_EEXIST, "again with FAIL_EXIST");
  ctx.req("HMX-RING-031");
  ring* longer = ctx.new_ring(0x40030, me, 512);
  if (longer != nullptr) ctx.expect_rc(ctx.register_ring(longer), -HMX_EEXIST, "again with another len");

  // A space wait on the ring, then a move of the ring to new frames: the wait must survive.
  ctx.req("HMX-RING-032");
  hmx_event_page_t* ev = nullptr;
  if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE)) {
    ev = ctx.alloc<hmx_event_page_t>();
    if (ev != nullptr) ctx.expect_rc(ctx.client(0).set_event_page(ev).code(), 0, "set_event_page");
  }
  int sent = 0;
  while (ctx.send_pattern(me, 0x40030, 48, 3) >= 0 && sent < 100) ++sent;
  ctx.expect_rc(ctx.send_pattern(me, 0x40030, 48, 3), -HMX_EAGAIN, "the full ring queues a space wait");
  const uint32_t index = r->header()->event_index;

  ring* moved = ctx.new_ring(0x40030, me, 256);
  if (moved == nullptr) return;
  moved->header()->event_index = 0xffffffffu;
  ctx.expect_rc(ctx.register_ring(moved), 0, "re-register on new frames");
  r->registered = false;
  ctx.expect_rc(ctx.send_pattern(me, 0x40030, 8, 4), 8, "send after the move");
  ctx.check(!moved->reader.empty() && moved->header()->tx_ptr != 0, "the message did not land in the new frames");
  if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE)) {
    ctx.req("HMX-EVENT-021 HMX-RING-032");
    ctx.expect_eq(moved->header()->event_index, index, "event_index written into the new header");
    ctx.req("HMX-RING-032");
  }
  if (ev != nullptr) {
    // The new ring has room: notify evaluates the kept wait and signals us.
    (void)hmx::test_and_clear_status(ev, ~uint64_t{0});
    ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify");
    ctx.check((ev->status & HMX_EVENT_SPACE_AVAILABLE) != 0, "the space wait did not survive the re-registration");
    (void)ctx.client(0).set_event_page(nullptr);
  }
  // One ring, counted once.
  ctx.expect_rc(ctx.unregister_ring(moved), 0, "unregister the moved ring");
  ctx.expect_rc(ctx.unregister_raw(0x40030, me), -HMX_ENOENT, "no second ring");

  // Re-registrations leave the domain's ring count as it was: after re-registering one ring four
  // times the domain still takes MAX_RINGS_PER_DOMAIN rings.
  ctx.req("HMX-RING-032");
  ring* kept = ctx.make_ring(0x40031, me, 64);
  if (kept == nullptr) return;
  for (int i = 0; i < 4; ++i) ctx.expect_rc(ctx.register_ring(kept, 0, true), 0, "re-register, time %d", i + 1);
  const unsigned have = ctx.persistent_rings() + 1;
  for (unsigned n = have; n < HMX_MAX_RINGS_PER_DOMAIN; ++n) {
    ring* more = ctx.new_ring(0x40100 + n, me, 64);
    if (more == nullptr) return;
    if (!ctx.expect_rc(ctx.register_ring(more), 0, "after 4 re-registrations, ring %u of %u", n + 1,
                       HMX_MAX_RINGS_PER_DOMAIN))
      break;
  }
}

// covers: HMX-RING-033 HMX-RING-034
HMX_GUEST_TEST(register_ring_tx_ptr, "HMX-RING-033 HMX-RING-034") {
  const uint16_t me = ctx.domid();
  struct kase {
    uint32_t rx, tx, want;
  };
  // len 256: a valid tx is kept; otherwise rx rounded up to a slot, or 0 when that is len.
  const kase cases[] = {{32, 32, 32}, {0, 48, 48}, {40, 40, 48}, {250, 300, 0}, {17, 0x7fffffff, 32}, {0, 8, 0}};
  uint32_t aport = 0x40040;
  for (const kase& k : cases) {
    ring* r = ctx.new_ring(aport, me, 256);
    if (r == nullptr) return;
    r->header()->rx_ptr = k.rx;
    r->header()->tx_ptr = k.tx;
    // preserve: libhmx leaves the pointers as written (a resumed ring, HMX-LIB-030 HMX-LIB-031).
    if (!ctx.expect_rc(ctx.register_ring(r, 0, true), 0, "register with rx %u tx %u", k.rx, k.tx)) continue;
    ctx.expect_eq(r->header()->tx_ptr, k.want, "tx_ptr after registering with rx %u tx %u", k.rx, k.tx);
    // The next message goes where tx_ptr says.
    r->header()->rx_ptr = k.want;
    ctx.expect_rc(ctx.send_pattern(me, aport, 4, 5), 4, "send");
    const hmx::result<hmx::message_view> m = r->reader.peek();
    ctx.check(m.ok() && m->offset == k.want, "message written at %u, want %u", m.ok() ? m->offset : 0xffffffffu, k.want);
    ++aport;
  }
}

// covers: HMX-RING-039 HMX-RING-040
HMX_GUEST_TEST(unregister_ring_errors, "HMX-RING-039 HMX-RING-040") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0x40050, me, 256);
  if (r == nullptr) return;
  ctx.req("HMX-RING-039");
  ctx.expect_rc(ctx.unregister_raw(0x40050, me, 1), -HMX_EINVAL, "pad 1");
  ctx.req("HMX-RING-040");
  ctx.expect_rc(ctx.unregister_raw(0x40051, me), -HMX_ENOENT, "unknown aport");
  ctx.expect_rc(ctx.unregister_raw(0x40050, absent_domain), -HMX_ENOENT, "known aport, other partner");
  ctx.expect_rc(ctx.unregister_ring(r), 0, "unregister");
  ctx.expect_rc(ctx.unregister_raw(0x40050, me), -HMX_ENOENT, "unregister twice");
}

// covers: HMX-RING-035 HMX-RING-036
HMX_GUEST_TEST(unregister_ring_stops_writes, "HMX-RING-035 HMX-RING-036") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0x40060, me, 1024);
  if (r == nullptr) return;
  ctx.expect_rc(ctx.send_pattern(me, 0x40060, 32, 6), 32, "send before");
  ctx.expect_rc(ctx.unregister_ring(r), 0, "unregister");
  util::fill(r->memory, 0xc3, 64 + 1024);
  ctx.expect_rc(ctx.send_pattern(me, 0x40060, 32, 7), -HMX_ECONNREFUSED, "send after");
  if (ctx.peer() != nullptr && ctx.peer()->alive()) {
    peer::command c{};
    c.op = peer::op_send;
    c.domain = me;
    c.aport = 0x40060;
    c.count = 1;
    c.size = 16;
    const peer::reply rep = ctx.peer()->call(c);
    ctx.expect_rc(rep.result, -HMX_ECONNREFUSED, "the peer's send after");
  }
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify");
  ctx.check(util::all(r->memory, 0xc3, 64 + 1024), "the hypervisor wrote the frames of an unregistered ring");
}
