// SPDX-License-Identifier: Apache-2.0
// Hostile guests (spec 13-security; HMX-SEC-001..004): every guest-physical range checked,
// control structures read once, any input answered with a defined result, writes confined.
#include "util.h"

namespace {

using namespace conformance;

// Ranges that are not entirely RAM: beyond its end, straddling its end, MMIO, wrapping.
struct bad_ranges {
  uint64_t gpa[4];
};
bad_ranges bad_for(context& ctx, uint64_t size) {
  const uint64_t end = ctx.plat().ram_end();
  // Straddling: starts in RAM, `size` bytes end past it.
  const uint64_t straddle = end - (size > 8 ? size - 8 : 4);
  return {{end, straddle, ctx.plat().non_ram_gpa(), 0xfffffffffffffff0ull}};
}

}  // namespace

// covers: HMX-SEC-007 HMX-SEC-008
HMX_GUEST_TEST(hostile_ranges, "HMX-SEC-007 HMX-SEC-008") {
  const uint16_t me = ctx.domid();
  ring* r = ctx.new_ring(0xd0001, me, 256);
  auto* args = static_cast<unsigned char*>(ctx.pages(1));
  if (r == nullptr || args == nullptr) return;
  uint64_t* gfns = util::gfns_of(ctx, *r);
  if (gfns == nullptr) return;
  auto* reg = reinterpret_cast<hmx_register_ring_t*>(args);
  *reg = util::reg_of(*r);
  for (uint64_t g : bad_for(ctx, sizeof(hmx_register_ring_t)).gpa)
    ctx.expect_rc(ctx.call(HMX_OP_REGISTER_RING, g, ctx.gpa(gfns), 1, 0), -HMX_EFAULT, "register_ring struct at %#lx",
                  static_cast<unsigned long>(g));
  for (uint64_t g : bad_for(ctx, 8).gpa)
    ctx.expect_rc(ctx.call(HMX_OP_REGISTER_RING, ctx.gpa(reg), g, 1, 0), -HMX_EFAULT, "frame list at %#lx",
                  static_cast<unsigned long>(g));
  ctx.expect_rc(ctx.call(HMX_OP_UNREGISTER_RING, ctx.plat().ram_end()), -HMX_EFAULT, "unregister_ring struct");
  ctx.expect_rc(ctx.call(HMX_OP_UNREGISTER_RING, 0xfffffffffffffffcull), -HMX_EFAULT, "unregister_ring struct, wrapping");

  if (!ctx.expect_rc(ctx.register_ring(r), 0, "register a ring to send to")) return;
  auto* sa = reinterpret_cast<hmx_send_addr_t*>(args + 64);
  auto* iov = reinterpret_cast<hmx_iov_t*>(args + 128);
  *sa = util::to(me, 0xd0001);
  for (uint64_t g : bad_for(ctx, sizeof(hmx_send_addr_t)).gpa)
    ctx.expect_rc(ctx.call(HMX_OP_SENDV, g, ctx.gpa(iov), 1, 0), -HMX_EFAULT, "send_addr at %#lx",
                  static_cast<unsigned long>(g));
  for (uint64_t g : bad_for(ctx, sizeof(hmx_iov_t)).gpa)
    ctx.expect_rc(ctx.call(HMX_OP_SENDV, ctx.gpa(sa), g, 1, 0), -HMX_EFAULT, "iov array at %#lx",
                  static_cast<unsigned long>(g));
  const uint64_t end = ctx.plat().ram_end();
  const hmx_iov_t bufs[] = {{end, 16, 0},
                            {end - 8, 16, 0},
                            {ctx.plat().non_ram_gpa(), 16, 0},
                            {0xfffffffffffffff0ull, 32, 0},
                            {ctx.gpa(args), 16, 0}};
  for (uint32_t i = 0; i < 4; ++i) {
    *iov = bufs[i];
    ctx.expect_rc(ctx.call(HMX_OP_SENDV, ctx.gpa(sa), ctx.gpa(iov), 1, 0), -HMX_EFAULT, "iov buffer %#lx + %u",
                  static_cast<unsigned long>(bufs[i].iov_hnd), bufs[i].iov_len);
  }
  // A good iov then a bad one: nothing is sent.
  iov[0] = bufs[4];
  iov[1] = bufs[0];
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, ctx.gpa(sa), ctx.gpa(iov), 2, 0), -HMX_EFAULT, "second iov buffer beyond RAM");
  ctx.check(r->reader.empty(), "a faulting sendv delivered a message");

  for (uint64_t g : bad_for(ctx, sizeof(hmx_ring_data_t)).gpa)
    ctx.expect_rc(ctx.call(HMX_OP_NOTIFY, g), -HMX_EFAULT, "ring_data at %#lx", static_cast<unsigned long>(g));
  if (ctx.has_feature(HMX_FEATURE_BATCH))
    for (uint64_t g : bad_for(ctx, sizeof(hmx_call_block_t)).gpa)
      ctx.expect_rc(ctx.call(HMX_OP_BATCH, g, 1, 0), g % 16 ? -HMX_EINVAL : -HMX_EFAULT, "batch list at %#lx",
                    static_cast<unsigned long>(g));
  if (ctx.has_feature(HMX_FEATURE_EVENT_PAGE)) {
    ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, end | 1), -HMX_EFAULT, "event page at the end of RAM");
    ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, (end - 4096) | 1), 0, "event page in the last RAM page");
    ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, 0), 0, "disable it again");
  }
}

namespace {
struct flipper {
  volatile uint32_t* target;
  uint32_t a, b;
  volatile uint32_t stop;
  volatile uint32_t flips;
};
// vCPU 1 rewrites a field while vCPU 0 calls (a guest racing its own hypervisor).
void flip(context&, void* p) {
  auto* f = static_cast<flipper*>(p);
  // Each value stays for a while, so that calls see both.
  while (f->stop == 0) {
    *f->target = f->a;
    for (int i = 0; i < 200; ++i) asm volatile("" ::: "memory");
    *f->target = f->b;
    for (int i = 0; i < 200; ++i) asm volatile("" ::: "memory");
    f->flips = f->flips + 1;
  }
}
}  // namespace

// covers: HMX-SEC-002 HMX-SEC-009 HMX-SEC-010 HMX-MECH-021 HMX-MECH-022 HMX-MECH-023
HMX_GUEST_TEST(hostile_concurrent_rewrite, "HMX-SEC-002 HMX-SEC-009 HMX-SEC-010 HMX-MECH-021 HMX-MECH-022 HMX-MECH-023") {
  if (ctx.vcpus() < 2) {
    ctx.untestable("HMX-SEC-002", "needs 2 vCPUs");
    ctx.untestable("HMX-SEC-009 HMX-SEC-010", "needs 2 vCPUs");
    return ctx.untestable("HMX-MECH-021 HMX-MECH-022 HMX-MECH-023", "needs 2 vCPUs");
  }
  const uint16_t me = ctx.domid();
  ring* r = ctx.make_ring(0xd0010, me, 65536 - 64);
  auto* args = static_cast<unsigned char*>(ctx.pages(2));
  if (r == nullptr || args == nullptr) return;
  auto* sa = reinterpret_cast<hmx_send_addr_t*>(args);
  auto* iov = reinterpret_cast<hmx_iov_t*>(args + 64);
  auto* blk = reinterpret_cast<hmx_call_block_t*>(args + 256);
  auto* payload = args + 4096;
  *sa = util::to(me, 0xd0010);
  *iov = hmx_iov_t{ctx.gpa(payload), 32, 0};

  // 1. iov_len flips between 32 and MAX_MESSAGE_SIZE + 1: each sendv is either a 32-byte message
  //    or EINVAL, and the ring holds exactly the messages reported sent, each of 32 bytes.
  static flipper f;
  f = flipper{&iov->iov_len, 32, HMX_MAX_MESSAGE_SIZE + 1, 0, 0};
  if (!ctx.check(ctx.start_on(1, flip, &f), "start vCPU 1")) return;
  ctx.check(ctx.wait_until([&] { return f.flips > 100; }, 5000), "vCPU 1 does not flip");
  uint32_t sent = 0, refused = 0, other = 0;
  // Until both outcomes were seen, or 2 s: on a loaded host the two vCPUs may share a CPU, and
  // then the value changes only between time slices.
  const uint64_t until = ctx.plat().now_us() + 2000000;
  for (int i = 0; i < 1000 || ((sent < 50 || refused < 50) && ctx.plat().now_us() < until); ++i) {
    const int64_t rc = ctx.call(HMX_OP_SENDV, ctx.gpa(sa), ctx.gpa(iov), 1, 0);
    if (rc == 32) {
      ++sent;
    } else if (rc == -HMX_EINVAL) {
      ++refused;
    } else if (rc == -HMX_EAGAIN) {
      util::drain(*r);
    } else {
      if (other++ == 0) ctx.info("unexpected sendv result %ld", static_cast<long>(rc));
    }
    if (r->reader.pending_bytes() > 60000) util::drain(*r);
  }
  f.stop = 1;
  ctx.check(ctx.join(1, 5000), "vCPU 1 did not stop");
  ctx.req("HMX-SEC-009 HMX-SEC-010");
  ctx.check(other == 0, "%u sendv results were neither 32 nor EINVAL", other);
  ctx.req("HMX-SEC-002");
  bool consistent = true;
  (void)r->reader.for_each([&](const hmx::message_view& m) { consistent &= m.size == 32; });
  ctx.check(consistent, "a message of another size than the one reported");
  ctx.info("%u sent, %u refused, %u flips", sent, refused, static_cast<uint32_t>(f.flips));

  // 2. The call block's op flips between notify and an unknown op: notify's 0 or EOPNOTSUPP.
  ctx.req("HMX-MECH-021 HMX-MECH-022 HMX-MECH-023");
  if (!ctx.call_blocks()) {
    ctx.skip_req("HMX-MECH-021 HMX-MECH-022 HMX-MECH-023", "no call blocks: Xen's hypercall carries its arguments in registers");
    ctx.req("HMX-SEC-009 HMX-SEC-010");
    ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "the hypervisor still answers");
    return;
  }
  *blk = hmx_call_block_t{};
  f = flipper{&blk->op, HMX_OP_NOTIFY, 999, 0, 0};
  if (!ctx.check(ctx.start_on(1, flip, &f), "start vCPU 1")) return;
  ctx.check(ctx.wait_until([&] { return f.flips > 100; }, 5000), "vCPU 1 does not flip");
  other = 0;
  for (int i = 0; i < 400; ++i) {
    blk->result = 1;
    if (ctx.msr_conduit()) (void)ctx.plat().wrmsr(0, ctx.msr(HMX_MSR_CALL), ctx.gpa(blk));
    else (void)ctx.plat().invoke(0, ctx.gpa(blk));
    const int64_t rc = blk->result;
    if (rc != 0 && rc != -HMX_EOPNOTSUPP) ++other;
  }
  f.stop = 1;
  ctx.check(ctx.join(1, 5000), "vCPU 1 did not stop");
  ctx.check(other == 0, "%u results were neither notify's 0 nor EOPNOTSUPP", other);
  ctx.req("HMX-SEC-009 HMX-SEC-010");
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "the hypervisor still answers");
}

// covers: HMX-SEC-009 HMX-SEC-010
HMX_GUEST_TEST(hostile_random_calls, "HMX-SEC-009 HMX-SEC-010") {
  // A deterministic storm of malformed calls: every result is one the operations' error tables
  // allow, and the hypervisor keeps working. Argument structures are random bytes in a scratch
  // area; GPAs point there, past the end of RAM, at MMIO or nowhere. Frame lists are never
  // random: they name only a victim area, so a registration that succeeds by chance never makes
  // the hypervisor write into the image (batch and the notification registers are left out for
  // the same reason: their nested arguments could name any frame).
  const uint16_t me = ctx.domid();
  constexpr unsigned kStructPages = 16, kVictimPages = 16;
  auto* scratch = static_cast<unsigned char*>(ctx.pages(kStructPages));
  auto* victim = static_cast<unsigned char*>(ctx.pages(kVictimPages));
  auto* frames = static_cast<uint64_t*>(ctx.pages(1));
  if (scratch == nullptr || victim == nullptr || frames == nullptr) return;
  for (unsigned i = 0; i < 512; ++i)
    frames[i] = i % 3 == 2 ? ctx.plat().ram_end() >> 12 : (ctx.gpa(victim) >> 12) + i % kVictimPages;
  const uint64_t sg = ctx.gpa(scratch);
  const uint64_t gpas[] = {0, sg, sg + 8, sg + 4096 * 8 + 16, ctx.plat().ram_end() - 16, ctx.plat().ram_end(),
                           ctx.plat().non_ram_gpa(), ~uint64_t{0} - 15, uint64_t{1} << 40};
  const uint64_t small[] = {0, 1, 2, 7, 8, 9, 16, 255, 256, 4096, 0xffffffffu, uint64_t{1} << 32, ~uint64_t{0}};
  const uint32_t ops[] = {HMX_OP_REGISTER_RING, HMX_OP_UNREGISTER_RING, HMX_OP_SENDV, HMX_OP_NOTIFY, HMX_OP_NULL, 0, 6, 99};
  uint32_t x = 12345;
  auto rnd = [&] {
    x = x * 1103515245u + 12345u;
    return x >> 8;
  };
  auto pick = [&](const uint64_t* v, size_t n) { return v[rnd() % n]; };
  unsigned bad = 0;
  for (int i = 0; i < 3000; ++i) {
    for (int k = 0; k < 16; ++k) scratch[rnd() % (kStructPages * 4096)] = static_cast<unsigned char>(rnd());
    // Registrations use aports 0xe000..0xe003 (removed below); sometimes a plausible length.
    auto* reg = reinterpret_cast<hmx_register_ring_t*>(scratch);
    reg->aport = 0xe000 + rnd() % 4;
    if (rnd() % 2 == 0) reg->len = static_cast<uint32_t>(16 * (rnd() % 300));
    const uint32_t op = ops[rnd() % (sizeof ops / sizeof ops[0])];
    uint64_t a[4];
    for (uint64_t& v : a) v = (rnd() & 1) != 0 ? pick(gpas, sizeof gpas / 8) : pick(small, sizeof small / 8);
    if (op == HMX_OP_REGISTER_RING) a[1] = (rnd() & 3) != 0 ? ctx.gpa(frames) : pick(gpas + 4, 5);
    const int64_t rc = ctx.call(op, a[0], a[1], a[2], a[3]);
    const bool defined = rc >= 0 || rc == -HMX_EINVAL || rc == -HMX_EFAULT || rc == -HMX_EPERM || rc == -HMX_EACCES ||
                         rc == -HMX_ESRCH || rc == -HMX_ENOMEM || rc == -HMX_ECONNREFUSED || rc == -HMX_ENOSPC ||
                         rc == -HMX_EEXIST || rc == -HMX_ENOENT || rc == -HMX_EMSGSIZE || rc == -HMX_EAGAIN ||
                         rc == -HMX_EBUSY || rc == -HMX_EOPNOTSUPP;
    if (!defined && bad++ < 5) ctx.check(false, "op %u -> %ld, not a result the spec defines", op, static_cast<long>(rc));
  }
  ctx.check(bad == 0, "%u undefined results", bad);
  // Rings registered by chance: remove them, for every partner a registration can have named.
  for (uint32_t port = 0xe000; port < 0xe004; ++port)
    for (uint32_t partner = 0; partner < 0x10000; ++partner) {
      const bool plausible = partner < 64 || partner == HMX_DOMID_ANY || partner == me || partner == ctx.peer_id() ||
                             partner == ctx.denied_id();
      if (plausible) (void)ctx.unregister_raw(port, static_cast<uint16_t>(partner));
    }
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "the hypervisor still answers");
  ring* after = ctx.make_ring(0xd0020, me, 256);
  if (after != nullptr) ctx.expect_rc(ctx.send_pattern(me, 0xd0020, 8, 1), 8, "and still delivers");
}

// covers: HMX-SEC-004
HMX_GUEST_TEST(hostile_write_scope, "HMX-SEC-004") {
  // Ring headers' reserved bytes and bytes outside results, flags and rings stay as the guest
  // wrote them.
  const uint16_t me = ctx.domid();
  ring* r = ctx.new_ring(0xd0030, me, 512);
  if (r == nullptr) return;
  util::fill(r->header()->reserved, 0xa7, sizeof r->header()->reserved);
  if (!ctx.expect_rc(ctx.register_ring(r), 0, "register")) return;
  ctx.expect_rc(ctx.send_pattern(me, 0xd0030, 40, 1), 40, "send");
  ctx.expect_rc(ctx.call(HMX_OP_NOTIFY), 0, "notify");
  ctx.check(util::all(r->header()->reserved, 0xa7, sizeof r->header()->reserved),
            "the hypervisor wrote reserved bytes of a ring header");
  // After the message: its padding is zero or untouched, and nothing beyond tx_ptr is written.
  const uint32_t tx = r->header()->tx_ptr;
  ctx.expect_eq(tx, 16 + 48, "tx_ptr");
  ctx.check(util::all(r->data() + tx, 0, 512 - tx), "bytes beyond the message were written");
  // Argument structures are read, never written.
  auto* args = static_cast<unsigned char*>(ctx.pages(1));
  if (args == nullptr) return;
  auto* sa = reinterpret_cast<hmx_send_addr_t*>(args);
  auto* iov = reinterpret_cast<hmx_iov_t*>(args + 64);
  *sa = util::to(me, 0xd0030);
  *iov = hmx_iov_t{ctx.gpa(args + 2048), 24, 0};
  unsigned char* before = util::snapshot(ctx, args, 4096);
  ctx.expect_rc(ctx.call(HMX_OP_SENDV, ctx.gpa(sa), ctx.gpa(iov), 1, 0), 24, "sendv");
  ctx.check(before != nullptr && util::same(args, before, 4096), "sendv wrote its argument structures or payload");
}
