// SPDX-License-Identifier: Apache-2.0
// Conduits and call blocks (spec 04-mechanisms; HMX-MECH-001..005, HMX-MECH-010). Only an
// advertised mechanism is exercised; vmcall/vmmcall and SMCCC are never executed by these
// images (a vmcall does not come back on this project's KVM: docs/ARCHITECTURE.md), Xen's
// hypercall only where the tests run on it (a guest of real Xen).
#include "util.h"

namespace {

using namespace conformance;

constexpr uint64_t kSentinel = 0x5a5a5a5a5a5a5a5aull;

bool msr_faults_read(context& ctx, uint32_t index) {
  uint64_t v = 0;
  return !ctx.plat().rdmsr(0, index, &v);
}

}  // namespace

// covers: HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016
HMX_GUEST_TEST(mech_msr_call, "HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016") {
  if (!ctx.msr_conduit()) return ctx.skip("x86_msr is not offered");
  platform& p = ctx.plat();
  const uint32_t call_msr = ctx.msr(HMX_MSR_CALL);
  auto* page = static_cast<unsigned char*>(ctx.pages(1));
  ring* self = ctx.make_ring(0x20001, ctx.domid(), 256);
  if (page == nullptr || self == nullptr) return;

  // One WRMSR runs one call, and the result is there when WRMSR retires.
  auto* blk = reinterpret_cast<hmx_call_block_t*>(page);
  *blk = hmx_call_block_t{};
  blk->op = HMX_OP_NOTIFY;
  blk->result = static_cast<int64_t>(kSentinel);
  ctx.check(p.wrmsr(0, call_msr, ctx.gpa(blk)), "WRMSR CALL with a valid block raised #GP");
  ctx.expect_rc(blk->result, 0, "notify(0) result in the block");

  // A sendv block 8 bytes off the alignment: #GP and nothing runs (the ring stays empty).
  auto* sa = reinterpret_cast<hmx_send_addr_t*>(page + 1024);
  auto* iov = reinterpret_cast<hmx_iov_t*>(page + 1088);
  auto* payload = page + 1152;
  *sa = util::to(ctx.domid(), 0x20001);
  *iov = hmx_iov_t{ctx.gpa(payload), 8, 0};
  auto* odd = reinterpret_cast<hmx_call_block_t*>(page + 512 + 8);
  *odd = hmx_call_block_t{};
  odd->op = HMX_OP_SENDV;
  odd->result = static_cast<int64_t>(kSentinel);
  odd->arg[0] = ctx.gpa(sa);
  odd->arg[1] = ctx.gpa(iov);
  odd->arg[2] = 1;
  ctx.check(!p.wrmsr(0, call_msr, ctx.gpa(odd)), "WRMSR CALL of a misaligned block did not raise #GP");
  ctx.check(static_cast<uint64_t>(odd->result) == kSentinel, "misaligned block: result written");
  ctx.check(self->reader.empty(), "misaligned block: the sendv ran");

  // Blocks not entirely in RAM.
  const uint64_t end = p.ram_end();
  const uint64_t bad[] = {end, end - 32, p.non_ram_gpa(), 0xfffffffffffffff0ull, uint64_t{1} << 52};
  for (uint64_t g : bad)
    ctx.check(!p.wrmsr(0, call_msr, g), "WRMSR CALL of block GPA %#lx (not in RAM) did not raise #GP",
              static_cast<unsigned long>(g));

  ctx.check(msr_faults_read(ctx, call_msr), "RDMSR of CALL did not raise #GP");
  // Reserved indices, and indices whose feature is not offered.
  for (uint32_t i = HMX_MSR_EVENT_PAGE + 1; i < HMX_MSR_COUNT; ++i) {
    ctx.check(msr_faults_read(ctx, ctx.msr(i)), "RDMSR of reserved index base+%u did not raise #GP", i);
    ctx.check(!p.wrmsr(0, ctx.msr(i), 0), "WRMSR of reserved index base+%u did not raise #GP", i);
  }
  if (!ctx.has_feature(HMX_FEATURE_VECTOR)) {
    ctx.check(msr_faults_read(ctx, ctx.msr(HMX_MSR_VECTOR)), "RDMSR VECTOR without feature VECTOR did not #GP");
    ctx.check(!p.wrmsr(0, ctx.msr(HMX_MSR_VECTOR), HMX_MSR_VECTOR_RESET), "WRMSR VECTOR without VECTOR did not #GP");
  }
  if (!ctx.has_feature(HMX_FEATURE_EVENT_PAGE)) {
    ctx.check(msr_faults_read(ctx, ctx.msr(HMX_MSR_EVENT_PAGE)), "RDMSR EVENT_PAGE without EVENT_PAGE did not #GP");
    ctx.check(!p.wrmsr(0, ctx.msr(HMX_MSR_EVENT_PAGE), 0), "WRMSR EVENT_PAGE without EVENT_PAGE did not #GP");
  }
}

// covers: HMX-MECH-002
HMX_GUEST_TEST(mech_vmcall, "HMX-MECH-002") {
  if (!ctx.has_mech(HMX_MECH_X86_VMCALL) && !ctx.has_mech(HMX_MECH_X86_VMMCALL))
    return ctx.skip("neither x86_vmcall nor x86_vmmcall is offered");
  ctx.untestable("HMX-MECH-002", "vmcall/vmmcall need CPL0; these images run tests at CPL3");
}

// covers: HMX-MECH-003
HMX_GUEST_TEST(mech_smccc, "HMX-MECH-003") {
  if (!ctx.has_mech(HMX_MECH_ARM_SMCCC_HVC)) return ctx.skip("arm_smccc_hvc is not offered");
  platform& p = ctx.plat();
  auto* page = static_cast<unsigned char*>(ctx.pages(1));
  ring* self = ctx.make_ring(0x20003, ctx.domid(), 256);
  if (page == nullptr || self == nullptr) return;
  auto call = [&](uint64_t gpa, bool smc, uint64_t* x0) {
    hmx::smccc_regs r;
    r.x[0] = HMX_SMCCC_FN_CALL;
    r.x[1] = gpa;
    const bool ok = p.smccc(0, r, smc);
    *x0 = r.x[0];
    return ok;
  };
  uint64_t x0 = 0;
  if (!call(0, false, &x0)) return ctx.untestable("HMX-MECH-003", "this platform cannot issue an SMCCC call");

  // One CALL runs one call, through HVC #0 and SMC #0, the result in the block when it returns.
  auto* blk = reinterpret_cast<hmx_call_block_t*>(page);
  for (bool smc : {false, true}) {
    *blk = hmx_call_block_t{};
    blk->op = HMX_OP_NOTIFY;
    blk->result = static_cast<int64_t>(kSentinel);
    ctx.check(call(ctx.gpa(blk), smc, &x0) && x0 == 0, "%s CALL with a valid block: X0 = %#lx", smc ? "SMC" : "HVC",
              static_cast<unsigned long>(x0));
    ctx.expect_rc(blk->result, 0, "notify(0) result in the block");
  }

  // A sendv block 8 bytes off the alignment: INVALID_PARAMETER and nothing runs.
  auto* sa = reinterpret_cast<hmx_send_addr_t*>(page + 1024);
  auto* iov = reinterpret_cast<hmx_iov_t*>(page + 1088);
  auto* payload = page + 1152;
  *sa = util::to(ctx.domid(), 0x20003);
  *iov = hmx_iov_t{ctx.gpa(payload), 8, 0};
  auto* odd = reinterpret_cast<hmx_call_block_t*>(page + 512 + 8);
  *odd = hmx_call_block_t{};
  odd->op = HMX_OP_SENDV;
  odd->result = static_cast<int64_t>(kSentinel);
  odd->arg[0] = ctx.gpa(sa);
  odd->arg[1] = ctx.gpa(iov);
  odd->arg[2] = 1;
  ctx.check(call(ctx.gpa(odd), false, &x0) && x0 == HMX_SMCCC_INVALID_PARAMETER,
            "CALL of a misaligned block: X0 = %#lx, want INVALID_PARAMETER", static_cast<unsigned long>(x0));
  ctx.check(static_cast<uint64_t>(odd->result) == kSentinel, "misaligned block: result written");
  ctx.check(self->reader.empty(), "misaligned block: the sendv ran");

  // Blocks not entirely in the caller's RAM.
  const uint64_t end = p.ram_end();
  const uint64_t bad[] = {end, end - 32, p.non_ram_gpa(), 0xfffffffffffffff0ull, uint64_t{1} << 52};
  for (uint64_t g : bad)
    ctx.check(call(g, false, &x0) && x0 == HMX_SMCCC_INVALID_PARAMETER,
              "CALL of block GPA %#lx (not in RAM): X0 = %#lx, want INVALID_PARAMETER", static_cast<unsigned long>(g),
              static_cast<unsigned long>(x0));
}

// covers: HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020
HMX_GUEST_TEST(mech_xen, "HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020") {
  if (!ctx.xen_argo()) {
    if (!ctx.has_mech(HMX_MECH_XEN_HYPERCALL)) return ctx.skip("xen_hypercall is not offered");
    return ctx.untestable("HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020", "the tests call through HMX's own conduit, not xen_hypercall");
  }
  // Hypercall 39 as it is, the result register unread by libhmx (platform::xen_argo_raw).
  platform& p = ctx.plat();
  const uint16_t me = ctx.domid();
  const uint32_t hmx_only[] = {HMX_OP_NULL, HMX_OP_BATCH, HMX_OP_SET_EVENT_PAGE, HMX_OP_SET_VECTOR, 20, 999};
  ctx.req("HMX-MECH-020");
  for (uint32_t op : hmx_only)
    ctx.expect_eq(static_cast<uint64_t>(p.xen_argo_raw(op, 0, 0, 0, 0)), static_cast<uint64_t>(-HMX_EOPNOTSUPP),
                  "operation %u: result register", op);
  // Address arguments and iov_hnd are the caller's addresses (guest handles).
  ring* r = ctx.make_ring(0x20101, me, 256);
  auto* args = static_cast<unsigned char*>(ctx.pages(1));
  if (r == nullptr || args == nullptr) return;
  auto* sa = reinterpret_cast<hmx_send_addr_t*>(args);
  auto* iov = reinterpret_cast<hmx_iov_t*>(args + 64);
  unsigned char* payload = args + 128;
  for (unsigned i = 0; i < 12; ++i) payload[i] = static_cast<unsigned char>(0x30 + i);
  *sa = util::to(me, 0x20101);
  *iov = hmx_iov_t{reinterpret_cast<uintptr_t>(payload), 12, 0};
  const uint64_t sg = reinterpret_cast<uintptr_t>(sa), ig = reinterpret_cast<uintptr_t>(iov);
  ctx.req("HMX-MECH-017 HMX-MECH-019");
  ctx.expect_eq(static_cast<uint64_t>(p.xen_argo_raw(HMX_OP_SENDV, sg, ig, 1, 0)), 12, "sendv of 12 bytes: result register");
  ctx.req("HMX-MECH-018");
  const hmx::result<hmx::message_view> m = r->reader.peek();
  if (m.ok() && m->size == 12) m->copy_to(args + 2048);
  ctx.check(m.ok() && m->size == 12 && util::same(args + 2048, payload, 12),
            "the message did not carry the payload the iov handle names");
  // Errors are negative in the whole result register, whichever check finds them.
  ctx.req("HMX-MECH-019");
  sa->dst = hmx::make_addr(0x20101, absent_domain);
  ctx.expect_eq(static_cast<uint64_t>(p.xen_argo_raw(HMX_OP_SENDV, sg, ig, 1, 0)), static_cast<uint64_t>(-HMX_ESRCH),
                "sendv to an absent domain: result register");
  sa->dst = hmx::make_addr(0x20102, me);
  ctx.expect_eq(static_cast<uint64_t>(p.xen_argo_raw(HMX_OP_SENDV, sg, ig, 1, 0)),
                static_cast<uint64_t>(-HMX_ECONNREFUSED), "sendv to an aport without a ring: result register");
}

// covers: HMX-MECH-021 HMX-MECH-022 HMX-MECH-023 HMX-SEC-002 HMX-SEC-004
HMX_GUEST_TEST(mech_call_block_once, "HMX-MECH-021 HMX-MECH-022 HMX-MECH-023 HMX-SEC-002 HMX-SEC-004") {
  if (!ctx.call_blocks()) return ctx.skip("no call blocks: Xen's hypercall carries its arguments in registers");
  // Only the result field of a block changes.
  ctx.req("HMX-MECH-021 HMX-MECH-022 HMX-MECH-023");
  auto* page = static_cast<unsigned char*>(ctx.pages(1));
  if (page == nullptr) return;
  util::fill(page, 0xa5, 4096);
  auto* blk = reinterpret_cast<hmx_call_block_t*>(page + 256);
  *blk = hmx_call_block_t{};
  blk->op = HMX_OP_NOTIFY;
  unsigned char* before = util::snapshot(ctx, page, 4096);
  if (ctx.msr_conduit()) (void)ctx.plat().wrmsr(0, ctx.msr(HMX_MSR_CALL), ctx.gpa(blk));
  else (void)ctx.plat().invoke(0, ctx.gpa(blk));
  ctx.expect_rc(blk->result, 0, "notify(0) result");
  const size_t rs = 256 + offsetof(hmx_call_block_t, result);
  ctx.check(before != nullptr && util::same(page, before, rs) && util::same(page + rs + 8, before + rs + 8, 4096 - rs - 8),
            "a call changed bytes of its page other than the block's result");

  // Read once: a sendv whose message overwrites its own call block (the block lies in the ring's
  // data, where the payload lands). The hypervisor must run what it read before the copy and then
  // write only the result: the block afterwards holds the payload's op and arguments.
  ctx.req(nullptr);
  {
    ring* r = ctx.new_ring(0x20002, ctx.domid(), 4096 - 64);
    auto* args = static_cast<unsigned char*>(ctx.pages(1));
    if (r == nullptr || args == nullptr || !ctx.check(ctx.register_ring(r) == 0, "setup: register")) return;
    auto* inring = reinterpret_cast<hmx_call_block_t*>(r->data() + 16);  // where the payload lands
    auto* image = reinterpret_cast<hmx_call_block_t*>(args + 512);       // what the payload is
    *image = hmx_call_block_t{};
    image->op = 0xdead;
    image->result = 0x1111;
    image->arg[0] = 0x2222;
    auto* sa = reinterpret_cast<hmx_send_addr_t*>(args);
    auto* iov = reinterpret_cast<hmx_iov_t*>(args + 64);
    *sa = util::to(ctx.domid(), 0x20002);
    *iov = hmx_iov_t{ctx.gpa(image), sizeof(hmx_call_block_t), 0};
    *inring = hmx_call_block_t{};
    inring->op = HMX_OP_SENDV;
    inring->arg[0] = ctx.gpa(sa);
    inring->arg[1] = ctx.gpa(iov);
    inring->arg[2] = 1;
    const uint64_t gpa = ctx.gpa(inring);
    if (ctx.msr_conduit()) ctx.check(ctx.plat().wrmsr(0, ctx.msr(HMX_MSR_CALL), gpa), "WRMSR CALL raised #GP");
    else (void)ctx.plat().invoke(0, gpa);
    ctx.expect_rc(inring->result, sizeof(hmx_call_block_t), "sendv result in the overwritten block");
    ctx.expect_eq(inring->op, 0xdead, "block op after the call (payload's, not rewritten)");
    ctx.expect_eq(inring->arg[0], 0x2222, "block arg1 after the call (payload's)");
    ctx.expect_rc(ctx.unregister_ring(r), 0, "unregister");
  }
}

// covers: HMX-MECH-010
HMX_GUEST_TEST(mech_conduit_equivalence, "HMX-MECH-010") {
  // Compare the tests' conduit with the MSR conduit where they differ (the in-process target's
  // loopback); a guest has one usable conduit, and equivalence needs two.
  const char* name = ctx.plat().conduit_name();
  if (!ctx.msr_conduit() || name[0] == 'x') return ctx.untestable("HMX-MECH-010", "only one conduit is usable here");
  auto* page = static_cast<unsigned char*>(ctx.pages(1));
  if (page == nullptr) return;
  const hmx_call_block_t cases[] = {
      {HMX_OP_NOTIFY, 0, 0, {0, 0, 0, 0}},  {HMX_OP_NOTIFY, 1, 0, {0, 0, 0, 0}},
      {HMX_OP_NULL, 0, 0, {1, 0, 0, 0}},    {999, 0, 0, {0, 0, 0, 0}},
      {HMX_OP_UNREGISTER_RING, 0, 0, {ctx.plat().ram_end(), 0, 0, 0}},
      {HMX_OP_SENDV, 0, 0, {0, 0, 9, 0}},    {HMX_OP_BATCH, 0, 0, {0, 0, 0, 0}},
  };
  for (const hmx_call_block_t& c : cases) {
    const int64_t a = ctx.call_block(c);
    auto* blk = reinterpret_cast<hmx_call_block_t*>(page);
    *blk = c;
    (void)ctx.plat().wrmsr(0, ctx.msr(HMX_MSR_CALL), ctx.gpa(blk));
    ctx.expect_rc(blk->result, a, "op %u flags %u through the MSR conduit vs %s", c.op, c.flags, name);
  }
}
