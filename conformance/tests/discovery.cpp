// SPDX-License-Identifier: Apache-2.0
// Discovery on x86 (spec 03-discovery: the CPUID leaf block; HMX-DISC-*). CPUID is read through
// the platform on each vCPU (on the guest images at CPL0: a CPL3 CPUID does not reach the
// monitor on every hypervisor).
#include "util.h"

namespace {

using namespace conformance;

constexpr uint32_t kKnownMechanisms = HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VMCALL_BIT |
                                      HMX_MECH_X86_VMMCALL_BIT | HMX_MECH_XEN_HYPERCALL_BIT |
                                      HMX_MECH_ARM_SMCCC_HVC_BIT | HMX_MECH_X86_VECTOR_BIT |
                                      HMX_MECH_ARM_PPI_BIT | HMX_MECH_XEN_VIRQ_BIT;
constexpr uint32_t kKnownFeatures = HMX_FEATURE_BATCH_BIT | HMX_FEATURE_EVENT_PAGE_BIT |
                                    HMX_FEATURE_VECTOR_BIT | HMX_FEATURE_RING_VCPU_BIT |
                                    HMX_FEATURE_NULL_OP_BIT;

// Xen offers Argo without an HMX leaf block: discovery there is the Argo probe (spec 3.2).
constexpr const char* kNoBlock = "no HMX CPUID leaf block: HMX is reached through Xen's Argo (spec 3.2)";

hmx::cpuid_regs leaf(context& ctx, uint32_t offset, unsigned vcpu = 0) {
  return ctx.plat().cpuid(vcpu, ctx.probe().cpuid_base + offset, 0);
}

}  // namespace

// covers: HMX-DISC-001
HMX_GUEST_TEST(disc_hypervisor_bit, "HMX-DISC-001") {
  for (unsigned v = 0; v < ctx.vcpus(); ++v) {
    const hmx::cpuid_regs r = ctx.plat().cpuid(v, 1, 0);
    ctx.check((r.ecx & hmx::cpuid1_ecx_hypervisor_bit) != 0, "vCPU %u: CPUID.1:ECX[31] is 0", v);
  }
}

// covers: HMX-DISC-002 HMX-DISC-003
HMX_GUEST_TEST(disc_leaf_block, "HMX-DISC-002 HMX-DISC-003") {
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

// covers: HMX-DISC-005
HMX_GUEST_TEST(disc_mechanisms_leaf, "HMX-DISC-005") {
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
  // "Exactly when": an offered feature works, one not offered is EOPNOTSUPP (HMX-MECH-006).
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

// covers: HMX-DISC-006 HMX-DISC-007
HMX_GUEST_TEST(disc_msr_leaf, "HMX-DISC-006 HMX-DISC-007") {
  if (!ctx.probe().hmx_present()) return ctx.skip("%s", kNoBlock);
  const hmx::cpuid_regs r = leaf(ctx, HMX_CPUID_LEAF_MSR);
  ctx.req("HMX-DISC-006");
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
  ctx.req("HMX-DISC-007");
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

// covers: HMX-DISC-009
HMX_GUEST_TEST(disc_arm_smccc, "HMX-DISC-009") {
  // The SMCCC service is Arm's; this suite's images are x86 (an aarch64 port would test it).
  if (!ctx.has_mech(HMX_MECH_ARM_SMCCC_HVC)) return ctx.skip("arm_smccc_hvc is not offered (x86 guest)");
  ctx.untestable("HMX-DISC-009", "arm_smccc_hvc advertised to an x86 guest");
}
