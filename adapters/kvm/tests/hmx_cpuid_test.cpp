// SPDX-License-Identifier: Apache-2.0
// The HMX CPUID leaf builder (hmx_cpuid.h) against spec 03-discovery and the generated table.
#include <gtest/gtest.h>

#include "hmx/kvm/hmx_cpuid.h"
#include "hmx/kvm/hmx_service.h"

namespace hmx::kvm {
namespace {

hmx_cpuid_params kvm_params(uint16_t domid) {
  hmx_cpuid_params p;
  p.domain_id = domid;
  p.mechanisms = kKvmMechanisms;
  p.features = HMX_FEATURE_BATCH_BIT | HMX_FEATURE_EVENT_PAGE_BIT | HMX_FEATURE_VECTOR_BIT |
               HMX_FEATURE_RING_VCPU_BIT | HMX_FEATURE_NULL_OP_BIT;
  p.max_batch = HMX_MAX_BATCH_ENTRIES;
  return p;
}

const cpuid_leaf& leaf(const std::vector<cpuid_leaf>& leaves, uint32_t function) {
  for (const auto& l : leaves)
    if (l.function == function) return l;
  ADD_FAILURE() << "no leaf " << std::hex << function;
  static cpuid_leaf none;
  return none;
}

// covers: HMX-DISC-002, HMX-DISC-003
TEST(HmxCpuidTest, IdentityLeafAtTheDefaultBaseHasSignatureAndMaxLeaf) {
  auto leaves = hmx_cpuid_leaves(kvm_params(1), 0);
  ASSERT_EQ(leaves.size(), 4u);
  const cpuid_leaf& id = leaf(leaves, 0x40000f00);
  EXPECT_EQ(id.eax, 0x40000f03u);
  // "HMXHMXHMXHMX" as EBX, ECX, EDX little-endian words.
  char sig[13] = {};
  memcpy(sig, &id.ebx, 4);
  memcpy(sig + 4, &id.ecx, 4);
  memcpy(sig + 8, &id.edx, 4);
  EXPECT_STREQ(sig, "HMXHMXHMXHMX");
  for (const auto& l : leaves) {
    EXPECT_FALSE(l.indexed);
    EXPECT_GE(l.function, 0x40000f00u);
    EXPECT_LE(l.function, 0x40000f03u);
  }
}

// covers: HMX-DISC-004
TEST(HmxCpuidTest, VersionLeafCarriesVersionDomainAndThisVcpu) {
  for (uint32_t vcpu : {0u, 1u, 7u}) {
    const cpuid_leaf v = leaf(hmx_cpuid_leaves(kvm_params(42), vcpu), 0x40000f01);
    EXPECT_EQ(v.eax, (HMX_VERSION_MAJOR << 16) | HMX_VERSION_MINOR);
    EXPECT_EQ(v.ebx, 42u);
    EXPECT_EQ(v.ecx, vcpu);
    EXPECT_EQ(v.edx, 0u);  // reserved (HMX-DISC-008)
  }
}

// covers: HMX-DISC-010 HMX-DISC-011 HMX-DISC-012, HMX-DISC-008
TEST(HmxCpuidTest, MechanismsLeafOffersMsrAndVectorButNoHypercall) {
  const cpuid_leaf m = leaf(hmx_cpuid_leaves(kvm_params(1), 0), 0x40000f02);
  EXPECT_EQ(m.eax, HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VECTOR_BIT);
  EXPECT_EQ(m.eax & (HMX_MECH_X86_VMCALL_BIT | HMX_MECH_X86_VMMCALL_BIT), 0u);
  EXPECT_EQ(m.ebx, 0x1fu);
  EXPECT_EQ(m.ecx, HMX_MAX_BATCH_ENTRIES);
  EXPECT_EQ(m.edx, 0u);
  hmx_cpuid_params no_batch = kvm_params(1);
  no_batch.features &= ~HMX_FEATURE_BATCH_BIT;
  EXPECT_EQ(leaf(hmx_cpuid_leaves(no_batch, 0), 0x40000f02).ecx, 0u);  // max batch only with BATCH
}

// covers: HMX-DISC-013 HMX-DISC-014, HMX-DISC-015 HMX-DISC-016
TEST(HmxCpuidTest, MsrLeafGivesTheBlockAndNoHypercallNumber) {
  const cpuid_leaf m = leaf(hmx_cpuid_leaves(kvm_params(1), 0), 0x40000f03);
  EXPECT_EQ(m.eax, 0x484d5800u);
  EXPECT_EQ(m.eax % HMX_MSR_ALIGNMENT, 0u);
  EXPECT_EQ(m.ebx, HMX_MSR_COUNT);
  EXPECT_EQ(m.ecx, 0u);  // neither x86_vmcall nor x86_vmmcall offered
  EXPECT_EQ(m.edx, 0u);
  // Outside Hyper-V's/Xen's 0x40000000-0x400002FF and KVM's 0x4B564D00-0x4B564DFF.
  EXPECT_TRUE(m.eax >= 0x40000000u && m.eax + m.ebx - 1 <= 0x4fffffffu);
  EXPECT_TRUE(m.eax > 0x400002ffu);
  EXPECT_TRUE(m.eax + m.ebx - 1 < 0x4b564d00u || m.eax > 0x4b564dffu);

  hmx_cpuid_params no_msr = kvm_params(1);
  no_msr.mechanisms = HMX_MECH_X86_VECTOR_BIT;
  no_msr.hypercall_nr = 77;
  const cpuid_leaf n = leaf(hmx_cpuid_leaves(no_msr, 0), 0x40000f03);
  EXPECT_EQ(n.eax, 0u);
  EXPECT_EQ(n.ebx, 0u);
  EXPECT_EQ(n.ecx, 0u);  // hypercall number only with a hypercall conduit
  no_msr.mechanisms |= HMX_MECH_X86_VMCALL_BIT;
  EXPECT_EQ(leaf(hmx_cpuid_leaves(no_msr, 0), 0x40000f03).ecx, 77u);
}

// covers: HMX-DISC-001, HMX-DISC-004
TEST(HmxCpuidTest, PerVcpuTablesKeepTheHypervisorBitAndDifferInVersionEcx) {
  auto leaf1 = kvm_cpuid_entry2{};
  leaf1.function = 1;
  std::vector<kvm_cpuid_entry2> supported{leaf1};
  for (uint32_t vcpu : {0u, 3u}) {
    auto table = build_cpuid(supported, hmx_cpuid_leaves(kvm_params(5), vcpu), vcpu);
    bool saw_version = false;
    for (const auto& e : table) {
      if (e.function == 1) {
        EXPECT_NE(e.ecx & (1u << 31), 0u);
      }
      if (e.function == 0x40000f01) {
        saw_version = true;
        EXPECT_EQ(e.ecx, vcpu);
      }
    }
    EXPECT_TRUE(saw_version);
  }
}

}  // namespace
}  // namespace hmx::kvm
