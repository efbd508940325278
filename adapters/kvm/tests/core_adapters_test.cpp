// SPDX-License-Identifier: Apache-2.0
// The reference core's view of a KVM domain's memory (core_adapters.h): hostile ranges.
#include <gtest/gtest.h>

#include <cstdint>

#include "hmx/kvm/core_adapters.h"

namespace hmx::kvm {
namespace {

// covers: HMX-SEC-007 HMX-SEC-008
TEST(CoreGuestMemoryTest, MapsOnlyRangesInsideGuestRam) {
  guest_memory ram(1 << 20);
  core_guest_memory mem(ram);
  auto whole = mem.map(0, 1 << 20);
  ASSERT_EQ(whole.size(), 1u << 20);
  EXPECT_EQ(whole.data(), ram.host_base());
  EXPECT_EQ(mem.map(0x1000, 48).data(), ram.host_base() + 0x1000);
  EXPECT_TRUE(mem.map(0, 0).empty());
  EXPECT_TRUE(mem.map((1 << 20) - 1, 2).empty());
  EXPECT_TRUE(mem.map(1 << 20, 1).empty());
  EXPECT_TRUE(mem.map(~uint64_t{0}, 2).empty());      // gpa + len overflows
  EXPECT_TRUE(mem.map(16, ~uint64_t{0} - 8).empty());
  EXPECT_TRUE(mem.contains(0xff000, 0x1000));
  EXPECT_FALSE(mem.contains(0xff000, 0x1001));
  uint64_t v = 0x1122334455667788ull;
  ASSERT_TRUE(mem.write(0x3000, v));
  uint64_t back = 0;
  ASSERT_TRUE(mem.read_once(0x3000, back));
  EXPECT_EQ(back, v);
  EXPECT_FALSE(mem.read_once((1 << 20) - 4, back));
}

}  // namespace
}  // namespace hmx::kvm
