// SPDX-License-Identifier: Apache-2.0
// CPUID table building: caller leaves (the HMX hook) and the per-vCPU fix-ups.
#include <gtest/gtest.h>

#include <vector>

#include "hmx/kvm/cpuid.h"

namespace hmx::kvm {
namespace {

kvm_cpuid_entry2 entry(uint32_t function, uint32_t index = 0, uint32_t flags = 0) {
  kvm_cpuid_entry2 e{};
  e.function = function;
  e.index = index;
  e.flags = flags;
  return e;
}

const kvm_cpuid_entry2* find(const std::vector<kvm_cpuid_entry2>& t, uint32_t function, uint32_t index = 0) {
  for (const auto& e : t)
    if (e.function == function && e.index == index) return &e;
  return nullptr;
}

TEST(CpuidTest, SetsTheHypervisorBitAndThePerVcpuApicId) {
  auto leaf1 = entry(1);
  leaf1.ebx = 0xff00ff00;
  std::vector<kvm_cpuid_entry2> supported{entry(0), leaf1, entry(0xb, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX),
                                          entry(0xb, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX)};
  auto t = build_cpuid(supported, {}, 3);
  ASSERT_NE(find(t, 1), nullptr);
  EXPECT_NE(find(t, 1)->ecx & (1u << 31), 0u);
  EXPECT_EQ(find(t, 1)->ebx, 0x0300ff00u);
  EXPECT_EQ(find(t, 0xb, 0)->edx, 3u);
  EXPECT_EQ(find(t, 0xb, 1)->edx, 3u);
}

TEST(CpuidTest, CallerLeavesAreAppendedOrReplaceExistingOnes) {
  std::vector<kvm_cpuid_entry2> supported{entry(0), entry(1), entry(0x40000000)};
  std::vector<cpuid_leaf> extra{{0x40000f00, 0, false, 1, 2, 3, 4}, {0x40000000, 0, false, 9, 9, 9, 9}};
  auto t = build_cpuid(supported, extra, 0);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(find(t, 0x40000f00)->eax, 1u);
  EXPECT_EQ(find(t, 0x40000f00)->edx, 4u);
  EXPECT_EQ(find(t, 0x40000000)->ebx, 9u);
}

TEST(CpuidTest, IndexedLeavesMatchOnTheirSubleaf) {
  std::vector<kvm_cpuid_entry2> supported{entry(7, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX),
                                          entry(7, 1, KVM_CPUID_FLAG_SIGNIFCANT_INDEX)};
  std::vector<cpuid_leaf> extra{{7, 1, true, 0x11, 0, 0, 0}, {7, 2, true, 0x22, 0, 0, 0}};
  auto t = build_cpuid(supported, extra, 0);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(find(t, 7, 0)->eax, 0u);
  EXPECT_EQ(find(t, 7, 1)->eax, 0x11u);
  EXPECT_EQ(find(t, 7, 2)->eax, 0x22u);
  EXPECT_NE(find(t, 7, 2)->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0u);
}

TEST(CpuidTest, RejectsTablesLargerThanKvmAccepts) {
  std::vector<kvm_cpuid_entry2> supported;
  for (uint32_t i = 0; i < 256; ++i) supported.push_back(entry(0x80000000 + i));
  std::vector<cpuid_leaf> extra{{0x40000f00, 0, false, 0, 0, 0, 0}};
  EXPECT_THROW(build_cpuid(supported, extra, 0), std::length_error);
}

}  // namespace
}  // namespace hmx::kvm
