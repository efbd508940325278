// SPDX-License-Identifier: Apache-2.0
// Bounds checks of guest memory against hostile guest-physical addresses and lengths.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>

#include "hmx/kvm/error.h"
#include "hmx/kvm/guest_memory.h"

namespace hmx::kvm {
namespace {

constexpr uint64_t kSize = 1 << 20;
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST(GuestMemoryTest, RejectsSizesThatAreNotPositivePageMultiples) {
  EXPECT_THROW(guest_memory(0), kvm_error);
  EXPECT_THROW(guest_memory(4095), kvm_error);
  EXPECT_NO_THROW(guest_memory(4096));
}

TEST(GuestMemoryTest, ContainsAcceptsExactlyTheRangesInside) {
  guest_memory m(kSize);
  EXPECT_TRUE(m.contains(0, kSize));
  EXPECT_TRUE(m.contains(kSize - 1, 1));
  EXPECT_TRUE(m.contains(kSize, 0));
  EXPECT_FALSE(m.contains(kSize, 1));
  EXPECT_FALSE(m.contains(kSize - 1, 2));
  EXPECT_FALSE(m.contains(kSize + 1, 0));
  EXPECT_FALSE(m.contains(0, kSize + 1));
}

TEST(GuestMemoryTest, HostileAddressAndLengthNeverOverflow) {
  guest_memory m(kSize);
  // gpa + len wraps to a small number: must still be rejected.
  EXPECT_FALSE(m.contains(kMax, 2));
  EXPECT_FALSE(m.contains(1, kMax));
  EXPECT_FALSE(m.contains(kMax, kMax));
  EXPECT_FALSE(m.contains(kSize - 1, kMax));
  EXPECT_FALSE(m.contains(kMax - kSize + 2, kSize));
  EXPECT_FALSE(m.translate(kMax, 1).has_value());
  EXPECT_FALSE(m.translate(16, kMax - 15).has_value());
  std::array<std::byte, 8> buf{};
  EXPECT_FALSE(m.read(kMax - 3, buf));
  EXPECT_FALSE(m.write(kMax - 3, buf));
  EXPECT_FALSE(m.read(kSize - 4, buf));
  EXPECT_FALSE(m.write(kSize - 4, buf));
}

TEST(GuestMemoryTest, ReadWriteRoundTripAtTheEdges) {
  guest_memory m(kSize);
  std::array<std::byte, 4> in{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}}, out{};
  ASSERT_TRUE(m.write(kSize - 4, in));
  ASSERT_TRUE(m.read(kSize - 4, out));
  EXPECT_EQ(in, out);
  ASSERT_TRUE(m.write(0, in));
  auto view = m.translate(0, 4);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->size(), 4u);
  EXPECT_EQ((*view)[3], std::byte{4});
  EXPECT_TRUE(m.read(kSize, std::span<std::byte>{}));  // empty access at the end is fine
}

TEST(GuestMemoryTest, FailedWriteLeavesMemoryUntouched) {
  guest_memory m(kSize);
  std::array<std::byte, 8> ones;
  ones.fill(std::byte{0xff});
  ASSERT_FALSE(m.write(kSize - 4, ones));
  std::array<std::byte, 4> tail{};
  ASSERT_TRUE(m.read(kSize - 4, tail));
  for (auto b : tail) EXPECT_EQ(b, std::byte{0});
}

}  // namespace
}  // namespace hmx::kvm
