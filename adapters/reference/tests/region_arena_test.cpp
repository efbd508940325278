// SPDX-License-Identifier: Apache-2.0
// RegionArena (include/hmx/reference/region_arena.h): the allocator a bare-metal monitor gives the
// portable core. Alignment, exhaustion, and that freeing in any order coalesces everything back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "hmx/reference/region_arena.h"

namespace hmx::ref {
namespace {

struct region {
  alignas(4096) unsigned char bytes[1 << 20];
};

TEST(RegionArena, AlignsAndKeepsAllocationsApart) {
  static region r;
  RegionArena a(r.bytes, sizeof r.bytes);
  const size_t total = a.bytes_free();
  EXPECT_EQ(total, sizeof r.bytes);
  std::vector<std::pair<unsigned char*, size_t>> live;
  for (size_t align : {16u, 64u, 4096u, 8u, 1u}) {
    for (size_t bytes : {1u, 24u, 4096u, 5000u}) {
      auto* p = static_cast<unsigned char*>(a.allocate(bytes, align));
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % std::max<size_t>(align, 16), 0u);
      EXPECT_GE(p, r.bytes);
      EXPECT_LE(p + bytes, r.bytes + sizeof r.bytes);
      std::fill(p, p + bytes, static_cast<unsigned char>(live.size()));
      live.push_back({p, bytes});
    }
  }
  // No allocation overwrote another.
  for (size_t i = 0; i < live.size(); ++i)
    for (size_t k = 0; k < live[i].second; ++k) ASSERT_EQ(live[i].first[k], static_cast<unsigned char>(i));
  for (auto& [p, n] : live) a.deallocate(p);
  EXPECT_EQ(a.bytes_free(), total);
  EXPECT_EQ(a.free_blocks(), 1u);
}

TEST(RegionArena, ExhaustionIsANullNotAnOverrun) {
  static region r;
  RegionArena a(r.bytes, 64 * 1024);
  std::vector<void*> got;
  while (void* p = a.allocate(1000, 16)) got.push_back(p);
  EXPECT_GT(got.size(), 50u);
  EXPECT_EQ(a.allocate(1000, 16), nullptr);
  EXPECT_EQ(a.allocate(0, 16), nullptr);
  EXPECT_EQ(a.allocate(16, 3), nullptr);          // not a power of two
  EXPECT_EQ(a.allocate(SIZE_MAX - 8, 16), nullptr);  // would wrap
  a.deallocate(got.back());
  got.pop_back();
  EXPECT_NE(a.allocate(1000, 16), nullptr);
}

TEST(RegionArena, RandomChurnCoalescesBackToOneBlock) {
  static region r;
  RegionArena a(r.bytes, sizeof r.bytes);
  std::mt19937 rng(7);
  std::vector<void*> live;
  for (int step = 0; step < 20000; ++step) {
    if (!live.empty() && (rng() % 2 == 0 || live.size() > 300)) {
      const size_t i = rng() % live.size();
      a.deallocate(live[i]);
      live[i] = live.back();
      live.pop_back();
    } else if (void* p = a.allocate(1 + rng() % 9000, size_t{1} << (rng() % 13))) {
      live.push_back(p);
    }
  }
  for (void* p : live) a.deallocate(p);
  EXPECT_EQ(a.bytes_free(), a.bytes_total());
  EXPECT_EQ(a.free_blocks(), 1u);
}

TEST(RegionArena, TooSmallARegionHasNothing) {
  static region r;
  RegionArena a(r.bytes + 1, 20);
  EXPECT_EQ(a.bytes_total(), 0u);
  EXPECT_EQ(a.allocate(1, 16), nullptr);
  RegionArena none(nullptr, 4096);
  EXPECT_EQ(none.allocate(1, 16), nullptr);
}

}  // namespace
}  // namespace hmx::ref
