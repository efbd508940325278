// SPDX-License-Identifier: MIT
// Event-page bits, ring event indices and the SINT-layout vector register (spec struct
// event_page, msrs VECTOR / EVENT_PAGE).
#include <atomic>
#include <thread>

#include "test_support.h"

namespace hmx {
namespace {

// covers: HMX-EVENT-030 HMX-EVENT-031
TEST(Events, TestAndClearRingPending) {
  hmx_event_page_t page{};
  page.ring_pending[0] = 1ull << 5 | 1ull << 63;
  page.ring_pending[1] = 1ull << 0;
  EXPECT_TRUE(test_and_clear_ring_pending(&page, 5));
  EXPECT_FALSE(test_and_clear_ring_pending(&page, 5));
  EXPECT_TRUE(test_and_clear_ring_pending(&page, 63));
  EXPECT_TRUE(test_and_clear_ring_pending(&page, 64));
  EXPECT_FALSE(test_and_clear_ring_pending(&page, 127));
  EXPECT_FALSE(test_and_clear_ring_pending(&page, 128));   // beyond the bitmap
  EXPECT_FALSE(test_and_clear_ring_pending(&page, ~0u));
  EXPECT_EQ(page.ring_pending[0] | page.ring_pending[1], 0u);
  static_assert(event_page_ring_bits == HMX_MAX_RINGS_PER_DOMAIN);
}

// covers: HMX-EVENT-030 HMX-EVENT-031
TEST(Events, TakeRingPendingVisitsEachBitOnce) {
  hmx_event_page_t page{};
  page.ring_pending[0] = 1ull << 1 | 1ull << 40;
  page.ring_pending[1] = 1ull << 63;
  page.status = HMX_EVENT_SPACE_AVAILABLE;
  std::vector<uint32_t> seen;
  EXPECT_EQ(take_ring_pending(&page, [&](uint32_t i) { seen.push_back(i); }), 3u);
  EXPECT_EQ(seen, (std::vector<uint32_t>{1, 40, 127}));
  EXPECT_EQ(take_ring_pending(&page, [&](uint32_t) { ADD_FAILURE(); }), 0u);
  EXPECT_EQ(page.status, HMX_EVENT_SPACE_AVAILABLE);  // status bits are separate
  EXPECT_EQ(test_and_clear_status(&page, HMX_EVENT_SPACE_AVAILABLE), HMX_EVENT_SPACE_AVAILABLE);
  EXPECT_EQ(test_and_clear_status(&page, HMX_EVENT_SPACE_AVAILABLE), 0u);
}

// A "hypervisor" thread ORs bits in while the guest clears them: no bit is lost or seen twice.
// covers: HMX-EVENT-030 HMX-EVENT-031
TEST(Events, ConcurrentSetAndClearLosesNothing) {
  hmx_event_page_t page{};
  constexpr int kRounds = 50000;
  std::atomic<int> produced{0};
  std::atomic<bool> done{false};
  std::thread hv([&] {
    for (int i = 0; i < kRounds; ++i) {
      const uint32_t idx = static_cast<uint32_t>(i % 128);
      // Only set a bit the guest has taken, so each set is one event.
      while (__atomic_load_n(&page.ring_pending[idx / 64], __ATOMIC_ACQUIRE) >> (idx % 64) & 1)
        std::this_thread::yield();
      __atomic_fetch_or(&page.ring_pending[idx / 64], 1ull << (idx % 64), __ATOMIC_RELEASE);
      produced.fetch_add(1);
    }
    done = true;
  });
  int taken = 0;
  while (!done || taken < produced.load())
    taken += static_cast<int>(take_ring_pending(&page, [](uint32_t) {}));
  hv.join();
  EXPECT_EQ(taken, kRounds);
}

// covers: HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029
TEST(Events, ClearEventPageZeroesEverything) {
  hmx_event_page_t page;
  std::memset(&page, 0xFF, sizeof page);
  clear_event_page(&page);
  const auto* b = reinterpret_cast<const unsigned char*>(&page);
  for (size_t i = 0; i < sizeof page; ++i) ASSERT_EQ(b[i], 0) << i;
}

TEST(Events, RingEventIndexIsReadFromTheHeader) {
  hmx_ring_t ring{};
  ring.event_index = 42;
  EXPECT_EQ(ring_event_index(&ring), 42u);
}

TEST(VectorReg, SintLayout) {
  EXPECT_EQ(vector_reg::unmasked(0x40).encode(), 0x40u);
  EXPECT_EQ((vector_reg{0x40, true, false}.encode()), 0x10040u);
  const vector_reg r = vector_reg::decode(0x100F3);
  EXPECT_EQ(r.vector, 0xF3);
  EXPECT_TRUE(r.masked);
  EXPECT_FALSE(r.reserved_bits);
  EXPECT_TRUE(r.valid());
  EXPECT_TRUE(vector_reg::decode(1ull << 17).reserved_bits);  // AutoEOI is not HMX's
  EXPECT_TRUE(vector_reg::decode(0xFF00).reserved_bits);
  EXPECT_FALSE(vector_reg::decode(1ull << 40).valid());
}

TEST(VectorReg, ResetIsMaskedAndVectorsBelowSixteenAreInvalidUnmasked) {
  const vector_reg reset = vector_reg::reset();
  EXPECT_TRUE(reset.masked);
  EXPECT_EQ(reset.vector, 0);
  EXPECT_TRUE(reset.valid());  // masked: the vector does not matter
  EXPECT_EQ(reset.encode(), HMX_MSR_VECTOR_RESET);
  EXPECT_FALSE(vector_reg::unmasked(HMX_VECTOR_MIN - 1).valid());
  EXPECT_TRUE(vector_reg::unmasked(HMX_VECTOR_MIN).valid());
  EXPECT_TRUE(vector_reg::unmasked(255).valid());
}

TEST(EventPageValue, EnableBitAndGpa) {
  EXPECT_EQ(event_page_value(0x12345000, true), 0x12345001u);
  EXPECT_EQ(event_page_value(0x12345000, false), 0u);
}

}  // namespace
}  // namespace hmx
