// SPDX-License-Identifier: MIT
// hmx::probe() on x86 over fake CPUID tables (spec `cpuid`; Intel SDM Vol. 2A CPUID; Linux arch/x86/kernel/cpu/hypervisor.c).
#include "test_support.h"

namespace hmx {
namespace {

using test::hmx_block;
using test::hv_leaf;
using test::install_hmx;
using test::install_xen;
using test::set_hypervisor_bit;
using test::test_env;
using test::vendor_leaf;

// covers: HMX-LIB-015 HMX-LIB-016 HMX-LIB-006
TEST(CpuidProbe, BareMetalWithoutHypervisorBitIsNotPresentAndScansNothing) {
  test_env t;
  t.env.set_cpuid(0, vendor_leaf("GenuineIntel"));
  set_hypervisor_bit(t.env, false);
  // Even a signature at the default base must be ignored: without the bit, leaves 0x4000xxxx
  // are undefined (Intel returns the highest basic leaf).
  install_hmx(t.env, hmx_block{});
  const probe_result p = probe_x86(t.env);
  EXPECT_FALSE(p.present());
  EXPECT_EQ(p.hmx_status, probe_status::no_hypervisor);
  EXPECT_EQ(p.vendor, cpu_vendor::intel);
  EXPECT_LE(t.env.cpuid_calls(), 2u);  // leaf 0 (vendor) and leaf 1
  EXPECT_STREQ(describe(p.hmx_status),
               "HMX not present: no hypervisor (CPUID.1:ECX[31] clear)");
}

// covers: HMX-LIB-002 HMX-LIB-006
TEST(CpuidProbe, HypervisorWithoutHmxScansTheWholeRangeOnce) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  t.env.set_cpuid(0x40000000, hv_leaf(0x40000001, "KVMKVMKVM\0\0\0"));
  const probe_result p = probe_x86(t.env);
  EXPECT_FALSE(p.present());
  EXPECT_EQ(p.hmx_status, probe_status::no_signature);
  EXPECT_FALSE(p.xen.present);
  // vendor + leaf 1 + one CPUID per base 0x40000000..0x4000FF00.
  EXPECT_EQ(t.env.cpuid_calls(), 2u + 256u);
  // Nothing found, so nothing is called: no WRMSR, no hypercall instruction, no conduit.
  EXPECT_EQ(t.env.wrmsr_calls(), 0u);
  EXPECT_EQ(select_conduit(p).error(), errc::nodev);
}

// covers: HMX-LIB-002 HMX-LIB-003
TEST(CpuidProbe, FindsHmxAtDefaultBaseBehindOtherHypervisors) {
  test_env t;
  t.env.set_cpuid(0, vendor_leaf("AuthenticAMD"));
  set_hypervisor_bit(t.env, true);
  t.env.set_cpuid(0x40000000, hv_leaf(0x40000005, "Microsoft Hv"));
  t.env.set_cpuid(0x40000100, hv_leaf(0x40000101, "KVMKVMKVM\0\0\0"));
  hmx_block b;
  b.base = 0x40000F00;
  b.domain_ebx = 0xABCD0007;  // only bits 15:0 are the domain id
  b.vcpu = 3;
  b.mechanisms = HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VMMCALL_BIT | HMX_MECH_X86_VECTOR_BIT;
  b.features = HMX_FEATURE_BATCH_BIT | HMX_FEATURE_NULL_OP_BIT;
  b.max_batch = 32;
  b.msr_base = 0x484D5810;
  b.hypercall_nr = 0x484D;
  install_hmx(t.env, b);

  const probe_result p = probe_x86(t.env);
  ASSERT_TRUE(p.hmx_present()) << describe(p.hmx_status);
  EXPECT_TRUE(p.present());
  EXPECT_EQ(p.arch, arch_kind::x86_64);
  EXPECT_EQ(p.vendor, cpu_vendor::amd);
  EXPECT_EQ(p.cpuid_base, 0x40000F00u);
  EXPECT_EQ(p.max_leaf, 0x40000F03u);
  EXPECT_EQ(p.version_major, HMX_VERSION_MAJOR);
  EXPECT_EQ(p.version_minor, HMX_VERSION_MINOR);
  EXPECT_EQ(p.domain_id, 7);
  EXPECT_EQ(p.vcpu_index, 3u);
  EXPECT_EQ(p.mechanisms, b.mechanisms);
  EXPECT_TRUE(p.has_mechanism(HMX_MECH_X86_VMMCALL));
  EXPECT_FALSE(p.has_mechanism(HMX_MECH_X86_VMCALL));
  EXPECT_FALSE(p.has_mechanism(99));
  EXPECT_TRUE(p.has_feature(HMX_FEATURE_NULL_OP));
  EXPECT_FALSE(p.has_feature(HMX_FEATURE_EVENT_PAGE));
  EXPECT_EQ(p.max_batch, 32u);
  EXPECT_EQ(p.msr_base, 0x484D5810u);
  EXPECT_EQ(p.msr_count, HMX_MSR_COUNT);
  EXPECT_EQ(p.hypercall_nr, 0x484Du);
  EXPECT_FALSE(p.xen.present);
}

// covers: HMX-LIB-002 HMX-LIB-003
TEST(CpuidProbe, FindsHmxAt0x40000100BehindHyperV) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  t.env.set_cpuid(0x40000000, hv_leaf(0x4000000A, "Microsoft Hv"));
  hmx_block b;
  b.base = 0x40000100;
  install_hmx(t.env, b);
  const probe_result p = probe_x86(t.env);
  ASSERT_TRUE(p.hmx_present());
  EXPECT_EQ(p.cpuid_base, 0x40000100u);
}

// covers: HMX-LIB-002
TEST(CpuidProbe, FindsHmxAtTheLastScannedBase) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  hmx_block b;
  b.base = HMX_CPUID_SCAN_LAST;
  install_hmx(t.env, b);
  const probe_result p = probe_x86(t.env);
  ASSERT_TRUE(p.hmx_present());
  EXPECT_EQ(p.cpuid_base, 0x4000FF00u);
}

// covers: HMX-LIB-002
TEST(CpuidProbe, IgnoresSignaturesOffTheScanGrid) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  hmx_block b;
  b.base = 0x40000F80;  // not a multiple of the scan step
  install_hmx(t.env, b);
  EXPECT_EQ(probe_x86(t.env).hmx_status, probe_status::no_signature);
}

// covers: HMX-LIB-002
TEST(CpuidProbe, TruncatedMaxLeafIsNotPresent) {
  for (uint32_t max_offset : {0u, 1u, 2u}) {
    test_env t;
    set_hypervisor_bit(t.env, true);
    hmx_block b;
    b.max_leaf_offset = max_offset;  // needs at least base + 3 (the MSR leaf)
    install_hmx(t.env, b);
    const probe_result p = probe_x86(t.env);
    EXPECT_EQ(p.hmx_status, probe_status::truncated) << max_offset;
    EXPECT_FALSE(p.present());
    EXPECT_EQ(p.cpuid_base, HMX_CPUID_DEFAULT_BASE);
  }
}

// covers: HMX-LIB-002
TEST(CpuidProbe, MaxLeafBelowBaseIsTruncated) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  install_hmx(t.env, hmx_block{});
  t.env.set_cpuid(HMX_CPUID_DEFAULT_BASE, cpuid_regs{0, HMX_CPUID_SIGNATURE_EBX,
                                                     HMX_CPUID_SIGNATURE_ECX,
                                                     HMX_CPUID_SIGNATURE_EDX});
  EXPECT_EQ(probe_x86(t.env).hmx_status, probe_status::truncated);
}

// covers: HMX-LIB-002
TEST(CpuidProbe, CompleteBlockAfterTruncatedOneWins) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  hmx_block bad;
  bad.base = 0x40000100;
  bad.max_leaf_offset = 1;
  install_hmx(t.env, bad);
  hmx_block good;
  good.base = 0x40000F00;
  install_hmx(t.env, good);
  const probe_result p = probe_x86(t.env);
  ASSERT_TRUE(p.hmx_present());
  EXPECT_EQ(p.cpuid_base, 0x40000F00u);
}

// covers: HMX-LIB-002
TEST(CpuidProbe, NearMissSignatureIsNotHmx) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  t.env.set_cpuid(0x40000F00, hv_leaf(0x40000F03, "HMXHMXHMXHMY"));
  EXPECT_EQ(probe_x86(t.env).hmx_status, probe_status::no_signature);
  // The right words in the wrong registers are not the signature either.
  t.env.set_cpuid(0x40000F00, cpuid_regs{0x40000F03, HMX_CPUID_SIGNATURE_ECX,
                                         HMX_CPUID_SIGNATURE_EBX, HMX_CPUID_SIGNATURE_EDX});
  EXPECT_EQ(probe_x86(t.env).hmx_status, probe_status::no_signature);
}

// covers: HMX-LIB-008
TEST(CpuidProbe, OtherMajorVersionIsNotPresent) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  hmx_block b;
  b.major = HMX_VERSION_MAJOR + 1;
  install_hmx(t.env, b);
  const probe_result p = probe_x86(t.env);
  EXPECT_EQ(p.hmx_status, probe_status::version_mismatch);
  EXPECT_FALSE(p.present());
  EXPECT_EQ(p.version_major, HMX_VERSION_MAJOR + 1);
}

// covers: HMX-LIB-008
TEST(CpuidProbe, NewerMinorVersionIsFine) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  hmx_block b;
  b.minor = HMX_VERSION_MINOR + 5;
  install_hmx(t.env, b);
  EXPECT_TRUE(probe_x86(t.env).hmx_present());
}

TEST(CpuidProbe, DetectsXenAndItsHypercallMsr) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  install_xen(t.env, 0x40000000, 0x40000000);
  const probe_result p = probe_x86(t.env);
  EXPECT_EQ(p.hmx_status, probe_status::no_signature);
  ASSERT_TRUE(p.xen.present);
  EXPECT_EQ(p.xen.cpuid_base, 0x40000000u);
  EXPECT_EQ(p.xen.version, 4u << 16 | 17u);
  EXPECT_EQ(p.xen.hypercall_msr, 0x40000000u);
  EXPECT_FALSE(p.xen.argo);     // not confirmed yet
  EXPECT_FALSE(p.present());    // Xen alone is not a conduit until Argo answers
}

TEST(CpuidProbe, DetectsXenWithViridianAt0x40000100AlongsideHmx) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  t.env.set_cpuid(0x40000000, hv_leaf(0x40000005, "Microsoft Hv"));
  install_xen(t.env, 0x40000100, 0x40000200);
  install_hmx(t.env, hmx_block{});
  const probe_result p = probe_x86(t.env);
  EXPECT_TRUE(p.hmx_present());
  EXPECT_TRUE(p.xen.present);
  EXPECT_EQ(p.xen.cpuid_base, 0x40000100u);
  EXPECT_EQ(p.xen.hypercall_msr, 0x40000200u);
}

TEST(CpuidProbe, XenBlockNeedsBasePlusTwo) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  t.env.set_cpuid(0x40000000, hv_leaf(0x40000001, "XenVMMXenVMM"));
  EXPECT_FALSE(probe_x86(t.env).xen.present);
}

// covers: HMX-LIB-002
TEST(CpuidProbe, StopsScanningOnceBothAreFound) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  install_xen(t.env, 0x40000000, 0x40000000);
  hmx_block b;
  b.base = 0x40000100;
  install_hmx(t.env, b);
  (void)probe_x86(t.env);
  // vendor, leaf 1, two scan leaves, Xen base+1 and base+2, three HMX leaves.
  EXPECT_EQ(t.env.cpuid_calls(), 2u + 2u + 2u + 3u);
}

TEST(CpuidVendor, DecodesLeafZeroInEbxEdxEcxOrder) {
  EXPECT_EQ(decode_vendor(vendor_leaf("GenuineIntel")), cpu_vendor::intel);
  EXPECT_EQ(decode_vendor(vendor_leaf("AuthenticAMD")), cpu_vendor::amd);
  EXPECT_EQ(decode_vendor(vendor_leaf("HygonGenuine")), cpu_vendor::hygon);
  EXPECT_EQ(decode_vendor(vendor_leaf("CentaurHauls")), cpu_vendor::unknown);
  // "GenuineIntel" read in EBX, ECX, EDX order is not Intel.
  const signature12 s = signature12::from("GenuineIntel");
  EXPECT_EQ(decode_vendor(cpuid_regs{0, s.w0, s.w1, s.w2}), cpu_vendor::unknown);
  EXPECT_EQ(decode_vendor(cpuid_regs{0, 0x756e6547, 0x6c65746e, 0x49656e69}), cpu_vendor::intel);
}

TEST(CpuidVendor, SignatureWordsMatchTheGeneratedOnes) {
  static_assert(signature12::from("HMXHMXHMXHMX").w0 == HMX_CPUID_SIGNATURE_EBX);
  static_assert(signature12::from("HMXHMXHMXHMX").w1 == HMX_CPUID_SIGNATURE_ECX);
  static_assert(signature12::from("HMXHMXHMXHMX").w2 == HMX_CPUID_SIGNATURE_EDX);
  static_assert(xen_signature.w0 == 0x566e6558 && xen_signature.w1 == 0x65584d4d &&
                xen_signature.w2 == 0x4d4d566e);  // Linux arch/x86/kernel/cpu/hypervisor.c (signatures)
  SUCCEED();
}

// --- Xen's Argo confirmation -----------------------------------------------------------------

struct xen_hook_state {
  int64_t answer = -HMX_EINVAL;
  int calls = 0;
  const void* entry = nullptr;
  uint64_t cmd = 0, a[4] = {};
  hmx_register_ring_t reg{};
};

int64_t xen_hook(void* ctx, const void* entry, uint64_t cmd, uint64_t a1, uint64_t a2,
                 uint64_t a3, uint64_t a4) {
  auto* s = static_cast<xen_hook_state*>(ctx);
  ++s->calls;
  s->entry = entry;
  s->cmd = cmd;
  s->a[0] = a1;
  s->a[1] = a2;
  s->a[2] = a3;
  s->a[3] = a4;
  // Xen's handles are pointers into the guest's address space.
  std::memcpy(&s->reg, reinterpret_cast<const void*>(a1), sizeof s->reg);
  return s->answer;
}

// covers: HMX-LIB-017 HMX-LIB-018
TEST(XenArgoProbe, InvalidRegisterMeansArgoIsThere) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  install_xen(t.env, 0x40000000, 0x40000000);
  xen_hook_state st;
  t.env.set_xen_hook(xen_hook, &st);
  void* page = t.env.alloc_pages(1);

  const probe_result p = probe_with_xen(t.env, page);
  // The hypercall page was installed through Xen's MSR with the page's GPA.
  EXPECT_EQ(t.env.last_wrmsr_index(), 0x40000000u);
  EXPECT_EQ(t.env.last_wrmsr_value(), t.env.to_gpa(page));
  // register_ring(len 1) through entry 39 of the page.
  ASSERT_EQ(st.calls, 1);
  EXPECT_EQ(st.entry, static_cast<unsigned char*>(page) + 39 * 32);
  EXPECT_EQ(st.cmd, HMX_OP_REGISTER_RING);
  // A structure that is zero except len 1, a null frame list, npages 0, flags 0.
  EXPECT_EQ(st.reg.len, 1u);
  EXPECT_EQ(st.reg.aport, 0u);
  EXPECT_EQ(st.reg.partner_id, 0);
  EXPECT_EQ(st.reg.pad, 0);
  EXPECT_EQ(st.a[1], 0u);
  EXPECT_EQ(st.a[2], 0u);
  EXPECT_EQ(st.a[3], 0u);
  EXPECT_TRUE(p.xen.argo);
  EXPECT_EQ(p.xen.argo_status, argo_state::present);
  EXPECT_TRUE(p.present());
  EXPECT_EQ(p.xen.argo_probe_result, -HMX_EINVAL);
}

// covers: HMX-LIB-017 HMX-LIB-018 HMX-LIB-006
TEST(XenArgoProbe, OtherAnswersMeanNoUsableArgo) {
  // -ENODEV, -EPERM, -EACCES: present but not enabled for this domain; -ENOSYS (not built),
  // -EOPNOTSUPP (disabled at boot) and anything else: absent.
  const std::pair<int64_t, argo_state> cases[] = {
      {-HMX_ENODEV, argo_state::not_enabled}, {-HMX_EPERM, argo_state::not_enabled},
      {-HMX_EACCES, argo_state::not_enabled}, {-HMX_ENOSYS, argo_state::absent},
      {-HMX_EOPNOTSUPP, argo_state::absent},  {0, argo_state::absent},
      {-HMX_EFAULT, argo_state::absent},      {12345, argo_state::absent}};
  for (const auto& [answer, state] : cases) {
    test_env t;
    set_hypervisor_bit(t.env, true);
    install_xen(t.env, 0x40000000, 0x40000000);
    xen_hook_state st;
    st.answer = answer;
    t.env.set_xen_hook(xen_hook, &st);
    const probe_result p = probe_with_xen(t.env, t.env.alloc_pages(1));
    EXPECT_FALSE(p.xen.argo) << answer;
    EXPECT_EQ(p.xen.argo_status, state) << answer;
    EXPECT_FALSE(p.present()) << answer;
    EXPECT_EQ(p.xen.argo_probe_result, answer);
    EXPECT_FALSE(select_conduit(p).ok()) << answer;
  }
}

// covers: HMX-LIB-017 HMX-LIB-018
TEST(XenArgoProbe, NotAttemptedWhenHmxIsPresentOrWithoutPage) {
  test_env t;
  set_hypervisor_bit(t.env, true);
  install_xen(t.env, 0x40000000, 0x40000000);
  xen_hook_state st;
  t.env.set_xen_hook(xen_hook, &st);
  (void)probe_with_xen(t.env, nullptr);
  EXPECT_EQ(st.calls, 0);
  install_hmx(t.env, hmx_block{});
  (void)probe_with_xen(t.env, t.env.alloc_pages(1));
  EXPECT_EQ(st.calls, 0);
}

}  // namespace
}  // namespace hmx
