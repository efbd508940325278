// SPDX-License-Identifier: Apache-2.0
// Discovery (spec 03-discovery; HMX-DISC-*): on x86 the CPUID leaf block, read through the
// platform on each vCPU (on the guest images at CPL0: a CPL3 CPUID does not reach the monitor on
// every hypervisor); on Arm the SMCCC functions, called through HVC #0 and SMC #0.
#include "util.h"

namespace {

using namespace conformance;

constexpr uint32_t kKnownMechanisms = HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VMCALL_BIT |
                                      HMX_MECH_X86_VMMCALL_BIT | HMX_MECH_XEN_HYPERCALL_BIT |
                                      HMX_MECH_ARM_SMCCC_HVC_BIT | HMX_MECH_X86_VECTOR_BIT |
                                      HMX_MECH_ARM_PPI_BIT | HMX_MECH_XEN_VIRQ_BIT;
constexpr uint32_t kKnownFeatures = HMX_FEATURE_BATCH_BIT | HMX_FEATURE_EVENT_PAGE_BIT |
                                    HMX_FEATURE_VECTOR_BIT | HMX_FEATURE_RING_VCPU_BIT |
                                    HMX_FEATURE_NULL_OP_BIT | HMX_FEATURE_SUBMIT_QUEUE_BIT |
                                    HMX_FEATURE_EXPOSE_BIT | HMX_FEATURE_EVENT_IDX_BIT;

// Arm has no CPUID: HMX is found through its SMCCC functions (HMX-DISC-017 HMX-DISC-018 HMX-DISC-019 HMX-DISC-020).
constexpr const char* kArm = "Arm: no CPUID leaf block; discovery is the SMCCC service (HMX-DISC-017 HMX-DISC-018 HMX-DISC-019 HMX-DISC-020)";

// Xen offers Argo without an HMX leaf block: discovery there is the Argo probe (spec 3.2).
constexpr const char* kNoBlock = "no HMX CPUID leaf block: HMX is reached through Xen's Argo (spec 3.2)";

hmx::cpuid_regs leaf(context& ctx, uint32_t offset, unsigned vcpu = 0) {
  return ctx.plat().cpuid(vcpu, ctx.probe().cpuid_base + offset, 0);
}

}  // namespace

// covers: HMX-DISC-001
HMX_GUEST_TEST(disc_hypervisor_bit, "HMX-DISC-001") {
  if (ctx.arm()) return ctx.skip("%s", kArm);
  for (unsigned v = 0; v < ctx.vcpus(); ++v) {
    const hmx::cpuid_regs r = ctx.plat().cpuid(v, 1, 0);
    ctx.check((r.ecx & hmx::cpuid1_ecx_hypervisor_bit) != 0, "vCPU %u: CPUID.1:ECX[31] is 0", v);
  }
}

// covers: HMX-DISC-002 HMX-DISC-003
HMX_GUEST_TEST(disc_leaf_block, "HMX-DISC-002 HMX-DISC-003") {
  if (ctx.arm()) return ctx.skip("%s", kArm);
  if (!ctx.probe().hmx_present()) return ctx.skip("%s", kNoBlock);
  ctx.req("HMX-DISC-002");
  unsigned blocks = 0;
  for (uint64_t b = HMX_CPUID_SCAN_FIRST; b <= HMX_CPUID_SCAN_LAST; b += HMX_CPUID_SCAN_STEP) {
    const hmx::cpuid_regs r = ctx.plat().cpuid(0, static_cast<uint32_t>(b), 0);
    if (r.ebx != HMX_CPUID_SIGNATURE_EBX || r.ecx != HMX_CPUID_SIGNATURE_ECX || r.edx != HMX_CPUID_SIGNATURE_EDX)
      continue;
    ++blocks;
    ctx.check(r.eax >= b + HMX_CPUID_LEAF_MSR && r.eax < b + HMX_CPUID_SCAN_STEP,
              "block at %#lx: highest leaf %#x is not in [base+3, base+0xff]", static_cast<unsigned long>(b), r.eax);
  }
  ctx.expect_eq(blocks, 1, "HMX leaf blocks in 0x40000000-0x4000FF00");
  ctx.expect_eq(ctx.probe().cpuid_base % HMX_CPUID_SCAN_STEP, 0, "block base alignment");

  ctx.req("HMX-DISC-003");
  ctx.expect_eq(ctx.probe().cpuid_base, HMX_CPUID_DEFAULT_BASE, "leaf block base (SHOULD: the default)");
  if (ctx.msr_conduit())
    ctx.expect_eq(ctx.probe().msr_base, HMX_MSR_DEFAULT_BASE, "MSR block base (SHOULD: the default)");
}

// covers: HMX-DISC-004
HMX_GUEST_TEST(disc_version_leaf, "HMX-DISC-004") {
  if (ctx.arm()) return ctx.skip("%s", kArm);
  if (!ctx.probe().hmx_present()) return ctx.skip("%s", kNoBlock);
  const hmx::cpuid_regs r = leaf(ctx, HMX_CPUID_LEAF_VERSION);
  ctx.expect_eq(r.eax >> 16, HMX_VERSION_MAJOR, "VERSION EAX major");
  ctx.info("interface version %u.%u", r.eax >> 16, r.eax & 0xffffu);
  // The caller's id, checked against the id the hypervisor writes as a message's source.
  ring* self = ctx.make_ring(0x10001, ctx.domid(), 256);
  if (self != nullptr) {
    ctx.expect_rc(ctx.send_pattern(ctx.domid(), 0x10001, 8, 1), 8, "self sendv");
    const hmx::result<hmx::message_view> m = self->reader.peek();
    ctx.check(m.ok() && m->source.domain_id == r.ebx, "VERSION EBX %#x is not the source.domain_id %u of our own message",
              r.ebx, m.ok() ? m->source.domain_id : 0xffffu);
  }
  for (unsigned v = 0; v < ctx.vcpus(); ++v)
    ctx.expect_eq(leaf(ctx, HMX_CPUID_LEAF_VERSION, v).ecx, v, "VERSION ECX (vCPU index) on vCPU %u", v);
}

// covers: HMX-DISC-010 HMX-DISC-011 HMX-DISC-012
HMX_GUEST_TEST(disc_mechanisms_leaf, "HMX-DISC-010 HMX-DISC-011 HMX-DISC-012") {
  if (ctx.arm()) return ctx.skip("%s", kArm);
  if (!ctx.probe().hmx_present()) return ctx.skip("%s", kNoBlock);
  const hmx::cpuid_regs r = leaf(ctx, HMX_CPUID_LEAF_MECHANISMS);
  ctx.check((r.eax & ~kKnownMechanisms) == 0, "mechanism bitmap %#x has undefined bits", r.eax);
  ctx.check((r.eax & (HMX_MECH_ARM_SMCCC_HVC_BIT | HMX_MECH_ARM_PPI_BIT)) == 0,
            "an x86 domain is offered Arm mechanisms (%#x)", r.eax);
  ctx.check((r.ebx & ~kKnownFeatures) == 0, "feature bitmap %#x has undefined bits", r.ebx);
  const bool batch = (r.ebx & HMX_FEATURE_BATCH_BIT) != 0;
  ctx.expect_eq(r.ecx, batch ? HMX_MAX_BATCH_ENTRIES : 0, "MECHANISMS ECX (max batch)");
  ctx.check(((r.eax & HMX_MECH_X86_VECTOR_BIT) != 0) == ((r.ebx & HMX_FEATURE_VECTOR_BIT) != 0),
            "x86_vector (%#x) and feature VECTOR (%#x) disagree", r.eax, r.ebx);
  // "Exactly when": an offered feature works, one not offered is EOPNOTSUPP (HMX-MECH-031 HMX-MECH-032).
  const int64_t null_rc = ctx.call(HMX_OP_NULL);
  ctx.expect_rc(null_rc, (r.ebx & HMX_FEATURE_NULL_OP_BIT) ? 0 : -HMX_EOPNOTSUPP, "null");
  ctx.expect_rc(ctx.call(HMX_OP_BATCH, 0, 0, 0), batch ? -HMX_EINVAL : -HMX_EOPNOTSUPP, "batch with count 0");
  ctx.expect_rc(ctx.call(HMX_OP_SET_EVENT_PAGE, 0), (r.ebx & HMX_FEATURE_EVENT_PAGE_BIT) ? 0 : -HMX_EOPNOTSUPP,
                "set_event_page(0)");
  ctx.expect_rc(ctx.call(HMX_OP_SET_VECTOR, 0, HMX_MSR_VECTOR_RESET),
                (r.ebx & HMX_FEATURE_VECTOR_BIT) ? 0 : -HMX_EOPNOTSUPP, "set_vector(0, masked)");
  ring* ring_vcpu = ctx.new_ring(0x10002, ctx.domid(), 256);
  if (ring_vcpu != nullptr)
    ctx.expect_rc(ctx.register_ring(ring_vcpu, HMX_REGISTER_FLAG_NOTIFY_VCPU),
                  (r.ebx & HMX_FEATURE_RING_VCPU_BIT) ? 0 : -HMX_EINVAL, "register_ring with NOTIFY_VCPU, vCPU 0");
}

// covers: HMX-DISC-013 HMX-DISC-014 HMX-DISC-015 HMX-DISC-016
HMX_GUEST_TEST(disc_msr_leaf, "HMX-DISC-013 HMX-DISC-014 HMX-DISC-015 HMX-DISC-016") {
  if (ctx.arm()) return ctx.skip("%s", kArm);
  if (!ctx.probe().hmx_present()) return ctx.skip("%s", kNoBlock);
  const hmx::cpuid_regs r = leaf(ctx, HMX_CPUID_LEAF_MSR);
  ctx.req("HMX-DISC-013 HMX-DISC-014");
  if (ctx.msr_conduit()) {
    const uint64_t first = r.eax, last = uint64_t{r.eax} + HMX_MSR_COUNT - 1;
    ctx.expect_eq(r.eax % HMX_MSR_ALIGNMENT, 0, "MSR base alignment");
    ctx.check(first >= 0x40000000 && last <= 0x4fffffff, "MSR block %#x.. outside 0x40000000-0x4FFFFFFF", r.eax);
    ctx.check(last < 0x40000000 || first > 0x400002ff, "MSR block %#x overlaps 0x40000000-0x400002FF", r.eax);
    ctx.check(last < 0x4b564d00 || first > 0x4b564dff, "MSR block %#x overlaps KVM's 0x4B564D00-0x4B564DFF", r.eax);
    ctx.expect_eq(r.ebx, HMX_MSR_COUNT, "MSR leaf EBX (count)");
  } else {
    ctx.expect_eq(r.eax, 0, "MSR leaf EAX without x86_msr");
    ctx.expect_eq(r.ebx, 0, "MSR leaf EBX without x86_msr");
  }
  ctx.req("HMX-DISC-015 HMX-DISC-016");
  if (ctx.has_mech(HMX_MECH_X86_VMCALL) || ctx.has_mech(HMX_MECH_X86_VMMCALL)) {
    ctx.check(r.ecx != 0, "vmcall/vmmcall offered with hypercall number 0");
    // KVM's own hypercall numbers are small; HMX's must not collide with the host's interface.
    ctx.info("hypercall number %#x", r.ecx);
  } else {
    ctx.expect_eq(r.ecx, 0, "MSR leaf ECX without vmcall/vmmcall");
  }
}

// covers: HMX-DISC-008
HMX_GUEST_TEST(disc_reserved_zero, "HMX-DISC-008") {
  if (ctx.arm()) return ctx.skip("%s", kArm);
  if (!ctx.probe().hmx_present()) return ctx.skip("%s", kNoBlock);
  ctx.expect_eq(leaf(ctx, HMX_CPUID_LEAF_VERSION).edx, 0, "VERSION EDX");
  ctx.expect_eq(leaf(ctx, HMX_CPUID_LEAF_MECHANISMS).edx, 0, "MECHANISMS EDX");
  ctx.expect_eq(leaf(ctx, HMX_CPUID_LEAF_MSR).edx, 0, "MSR EDX");
  const uint32_t base = ctx.probe().cpuid_base;
  for (uint32_t l = base + HMX_CPUID_LEAF_MSR + 1; l <= ctx.probe().max_leaf && l < base + 0x100; ++l) {
    const hmx::cpuid_regs r = ctx.plat().cpuid(0, l, 0);
    ctx.check((r.eax | r.ebx | r.ecx | r.edx) == 0, "leaf %#x is not all zero (%#x %#x %#x %#x)", l, r.eax,
              r.ebx, r.ecx, r.edx);
  }
}

namespace {

// One SMCCC call with X4..X7 set to markers, which must come back unchanged: results are X0..X3
// only (SMCCC 1.1, spec "rationale-smccc"). False when the platform cannot make the call.
bool smccc_call(context& ctx, unsigned vcpu, bool smc, uint32_t fid, hmx::smccc_regs& r, uint64_t x1 = 0) {
  r = hmx::smccc_regs{};
  r.x[0] = fid;
  r.x[1] = x1;
  for (unsigned i = 4; i < 8; ++i) r.x[i] = 0x484d580000000000ull | i;
  if (!ctx.plat().smccc(vcpu, r, smc)) return false;
  for (unsigned i = 4; i < 8; ++i)
    ctx.check(r.x[i] == (0x484d580000000000ull | i), "%s %#x: X%u changed to %#lx", smc ? "SMC" : "HVC", fid, i,
              static_cast<unsigned long>(r.x[i]));
  return true;
}

// The HMX functions the SMCCC function table lists (spec/hmx.textproto `smccc`).
constexpr uint64_t kHmxFunctionCount = 6;

}  // namespace

// covers: HMX-DISC-017 HMX-DISC-018 HMX-DISC-019 HMX-DISC-020
HMX_GUEST_TEST(disc_arm_smccc, "HMX-DISC-017 HMX-DISC-018 HMX-DISC-019 HMX-DISC-020") {
  if (!ctx.has_mech(HMX_MECH_ARM_SMCCC_HVC)) return ctx.skip("arm_smccc_hvc is not offered");
  hmx::smccc_regs r;
  if (!smccc_call(ctx, 0, false, 0x80000000u, r))
    return ctx.untestable("HMX-DISC-017 HMX-DISC-018 HMX-DISC-019 HMX-DISC-020", "this platform cannot issue an SMCCC call");
  const hmx::probe_result& p = ctx.probe();
  for (bool smc : {false, true}) {
    const char* how = smc ? "SMC #0" : "HVC #0";
    ctx.check(smccc_call(ctx, 0, smc, 0x8400000Au, r, 0x80000000u) && r.x[0] == 0,
              "%s: PSCI_FEATURES(SMCCC_VERSION) = %#lx, want 0", how, static_cast<unsigned long>(r.x[0]));
    ctx.check(smccc_call(ctx, 0, smc, 0x80000000u, r) && static_cast<int32_t>(r.x[0]) >= 0x10001,
              "%s: SMCCC_VERSION %#lx, want 1.1 or later", how, static_cast<unsigned long>(r.x[0]));
    // HMX's CALL_UID, also with the SVE hint (bit 16) set: the same function.
    for (uint32_t fid : {HMX_SMCCC_FN_CALL_UID, HMX_SMCCC_FN_CALL_UID | HMX_SMCCC_SVE_HINT}) {
      ctx.check(smccc_call(ctx, 0, smc, fid, r) && static_cast<uint32_t>(r.x[0]) == HMX_SMCCC_UID_W0 &&
                    static_cast<uint32_t>(r.x[1]) == HMX_SMCCC_UID_W1 && static_cast<uint32_t>(r.x[2]) == HMX_SMCCC_UID_W2 &&
                    static_cast<uint32_t>(r.x[3]) == HMX_SMCCC_UID_W3,
                "%s: CALL_UID %#x answered %#lx %#lx %#lx %#lx, not the HMX UID", how, fid,
                static_cast<unsigned long>(r.x[0]), static_cast<unsigned long>(r.x[1]),
                static_cast<unsigned long>(r.x[2]), static_cast<unsigned long>(r.x[3]));
    }
    ctx.check(smccc_call(ctx, 0, smc, HMX_SMCCC_FN_REVISION, r) && r.x[0] == HMX_SMCCC_REVISION_MAJOR &&
                  r.x[1] == HMX_SMCCC_REVISION_MINOR,
              "%s: REVISION %lu.%lu", how, static_cast<unsigned long>(r.x[0]), static_cast<unsigned long>(r.x[1]));
    ctx.check(smccc_call(ctx, 0, smc, HMX_SMCCC_FN_CALL_COUNT, r) && r.x[0] == kHmxFunctionCount,
              "%s: CALL_COUNT %lu", how, static_cast<unsigned long>(r.x[0]));
    ctx.check(smccc_call(ctx, 0, smc, HMX_SMCCC_FN_VERSION, r) && r.x[0] == HMX_VERSION && r.x[1] == 0 &&
                  r.x[2] == ctx.domid(),
              "%s: VERSION %#lx vCPU %lu domain %lu, want %#x, 0, %u", how, static_cast<unsigned long>(r.x[0]),
              static_cast<unsigned long>(r.x[1]), static_cast<unsigned long>(r.x[2]), HMX_VERSION, ctx.domid());
    ctx.check(smccc_call(ctx, 0, smc, HMX_SMCCC_FN_FEATURES, r) && r.x[0] == 0 && r.x[1] == p.mechanisms &&
                  r.x[2] == p.features && r.x[3] == p.max_batch,
              "%s: FEATURES %#lx %#lx %#lx %#lx", how, static_cast<unsigned long>(r.x[0]),
              static_cast<unsigned long>(r.x[1]), static_cast<unsigned long>(r.x[2]), static_cast<unsigned long>(r.x[3]));
    ctx.check((r.x[1] & HMX_MECH_ARM_SMCCC_HVC_BIT) != 0, "%s: FEATURES X1 lacks arm_smccc_hvc", how);
  }
  // VERSION X1 is the index of the vCPU that calls.
  for (unsigned v = 1; v < ctx.vcpus(); ++v)
    ctx.check(smccc_call(ctx, v, false, HMX_SMCCC_FN_VERSION, r) && r.x[1] == v, "vCPU %u: VERSION X1 = %lu", v,
              static_cast<unsigned long>(r.x[1]));
}
