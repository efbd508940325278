// SPDX-License-Identifier: Apache-2.0
// The driver's split virtqueue against the device-side ring engine (virtio 1.2 2.7).
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "hmx/virtio_argo/driver/virtqueue.h"
#include "hmx/virtio_argo/vring_engine.h"

namespace hmx::virtio_argo {
namespace {

struct Virtqueue : ::testing::Test {
  static constexpr uint16_t kSize = 8;
  void SetUp() override { make(false, false); }
  void make(bool indirect, bool event_idx) {
    std::free(mem);
    mem = std::aligned_alloc(16, (split_virtqueue::ring_bytes(kSize) + 15) & ~size_t{15});
    slots.assign(kSize, {});
    ASSERT_EQ(vq.init(0, kSize, mem, slots.data()), result::ok);
    vq.negotiate(indirect, event_idx);
    dev.init(vq.ring(), indirect, event_idx, address_space::identity());
  }
  void TearDown() override { std::free(mem); }

  // Device side: takes the next chain and returns its segments.
  std::vector<chain_segment> take(uint16_t& head) {
    std::vector<chain_segment> segs;
    EXPECT_EQ(dev.peek(head), result::ok);
    EXPECT_EQ(dev.walk(head, [&](const chain_segment& s) {
      segs.push_back(s);
      return true;
    }),
              result::ok);
    dev.consume();
    return segs;
  }

  void* mem = nullptr;
  std::vector<split_virtqueue::slot> slots;
  split_virtqueue vq;
  vring_engine dev;
  uint8_t a[16], b[32], c[8];
};

// covers: HMX-VTA-096 HMX-VTA-097
TEST_F(Virtqueue, ChainRoundTrip) {
  const split_virtqueue::buf out[2] = {{a, sizeof a}, {b, sizeof b}};
  const split_virtqueue::buf in[1] = {{c, sizeof c}};
  ASSERT_EQ(vq.add(out, 2, in, 1, &a), result::ok);
  EXPECT_EQ(vq.num_free(), kSize - 3);
  uint16_t head = 0;
  const auto segs = take(head);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].ptr, a);
  EXPECT_FALSE(segs[1].writable);
  EXPECT_TRUE(segs[2].writable);
  EXPECT_EQ(segs[2].len, sizeof c);
  chain_info info;
  ASSERT_EQ(dev.measure(head, info), result::ok);
  EXPECT_EQ(info.readable, 48u);
  EXPECT_EQ(info.writable, 8u);
  dev.push_used(head, 5);
  uint32_t len = 0;
  EXPECT_EQ(vq.get_used(len), &a);
  EXPECT_EQ(len, 5u);
  EXPECT_EQ(vq.num_free(), kSize);
  EXPECT_EQ(vq.get_used(len), nullptr);
}

// covers: HMX-VTA-096 HMX-VTA-097
TEST_F(Virtqueue, FreeListSurvivesOutOfOrderCompletionAndExhaustion) {
  int tokens[kSize];
  const split_virtqueue::buf one[1] = {{a, 1}};
  const split_virtqueue::buf two[2] = {{a, 1}, {b, 1}};
  std::vector<uint16_t> heads;
  for (int round = 0; round < 20; ++round) {
    heads.clear();
    while (vq.num_free() >= 2) {
      ASSERT_EQ(vq.add(two, 1, two + 1, 1, &tokens[heads.size()]), result::ok);
      uint16_t h = 0;
      take(h);
      heads.push_back(h);
    }
    EXPECT_EQ(vq.add(two, 2, two, 1, &tokens[0]), result::no_space);
    if (vq.num_free() == 1) {
      ASSERT_EQ(vq.add(one, 1, nullptr, 0, &tokens[heads.size()]), result::ok);
      uint16_t h = 0;
      take(h);
      heads.push_back(h);
    }
    EXPECT_EQ(vq.num_free(), 0);
    // Complete in an order that differs each round.
    for (size_t i = 0; i < heads.size(); ++i) dev.push_used(heads[(i * 3 + round) % heads.size()], 0);
    uint32_t len = 0;
    size_t got = 0;
    while (vq.get_used(len) != nullptr) ++got;
    EXPECT_EQ(got, heads.size());
    EXPECT_EQ(vq.num_free(), kSize);
  }
}

// covers: HMX-VTA-040
TEST_F(Virtqueue, IndirectChainTakesOneDescriptor) {
  make(true, false);
  vring_desc table[5];
  const split_virtqueue::buf out[3] = {{a, 1}, {a + 1, 2}, {a + 3, 3}};
  const split_virtqueue::buf in[2] = {{c, 4}, {c + 4, 4}};
  ASSERT_EQ(vq.add(out, 3, in, 2, &a, table), result::ok);
  EXPECT_EQ(vq.num_free(), kSize - 1);
  uint16_t head = 0;
  const auto segs = take(head);
  ASSERT_EQ(segs.size(), 5u);
  EXPECT_EQ(segs[2].ptr, a + 3);
  EXPECT_TRUE(segs[3].writable);
  dev.push_used(head, 8);
  uint32_t len = 0;
  EXPECT_EQ(vq.get_used(len), &a);
  EXPECT_EQ(vq.num_free(), kSize);
  // Without the feature the same call builds a direct chain.
  make(false, false);
  ASSERT_EQ(vq.add(out, 3, in, 2, &a, table), result::ok);
  EXPECT_EQ(vq.num_free(), kSize - 5);
}

// covers: HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093
TEST_F(Virtqueue, UsedIdOfNoOutstandingChainBreaksTheQueue) {
  const split_virtqueue::buf out[1] = {{a, 1}};
  ASSERT_EQ(vq.add(out, 1, nullptr, 0, &a), result::ok);
  dev.push_used(5, 0);  // a head the driver never made available
  uint32_t len = 0;
  EXPECT_EQ(vq.get_used(len), nullptr);
  EXPECT_TRUE(vq.broken());
  EXPECT_EQ(vq.num_free(), kSize - 1) << "the free list was not touched";
  EXPECT_EQ(vq.add(out, 1, nullptr, 0, &a), result::io);
}

// covers: HMX-VTA-100 HMX-VTA-101
TEST_F(Virtqueue, DetachUnusedReturnsEachOutstandingTokenOnce) {
  int t[3];
  const split_virtqueue::buf out[1] = {{a, 1}};
  for (int& x : t) ASSERT_EQ(vq.add(out, 1, nullptr, 0, &x), result::ok);
  std::vector<void*> got;
  while (void* p = vq.detach_unused()) got.push_back(p);
  EXPECT_EQ(got.size(), 3u);
  EXPECT_EQ(vq.num_free(), kSize);
  vq.reset();
  EXPECT_EQ(vq.outstanding(), 0);
}

// covers: HMX-VTA-040
TEST_F(Virtqueue, KickAndInterruptSuppressionWithFlags) {
  const split_virtqueue::buf out[1] = {{a, 1}};
  ASSERT_EQ(vq.add(out, 1, nullptr, 0, &a), result::ok);
  EXPECT_TRUE(vq.kick_prepare());
  EXPECT_FALSE(vq.kick_prepare()) << "nothing new since the last kick";
  dev.disable_kicks();
  ASSERT_EQ(vq.add(out, 1, nullptr, 0, &b), result::ok);
  EXPECT_FALSE(vq.kick_prepare());
  uint16_t h = 0;
  take(h);
  take(h);
  EXPECT_FALSE(dev.enable_kicks());
  ASSERT_EQ(vq.add(out, 1, nullptr, 0, &c), result::ok);
  EXPECT_TRUE(vq.kick_prepare());

  vq.disable_cb();
  dev.push_used(h, 0);
  EXPECT_FALSE(dev.should_interrupt());
  EXPECT_TRUE(vq.enable_cb()) << "a used buffer is already pending";
  dev.push_used(0, 0);
  EXPECT_TRUE(dev.should_interrupt());
}

// covers: HMX-VTA-040
TEST_F(Virtqueue, EventIndexSuppressesKicksAndInterrupts) {
  make(false, true);
  const split_virtqueue::buf out[1] = {{a, 1}};
  int t[6];
  ASSERT_EQ(vq.add(out, 1, nullptr, 0, &t[0]), result::ok);
  EXPECT_TRUE(vq.kick_prepare()) << "avail_event 0: the first entry notifies";
  ASSERT_EQ(vq.add(out, 1, nullptr, 0, &t[1]), result::ok);
  EXPECT_FALSE(vq.kick_prepare()) << "the device has not consumed entry 0 yet";
  uint16_t h[6];
  take(h[0]);
  take(h[1]);
  EXPECT_FALSE(dev.enable_kicks());  // avail_event = 2
  ASSERT_EQ(vq.add(out, 1, nullptr, 0, &t[2]), result::ok);
  EXPECT_TRUE(vq.kick_prepare());

  // Ask for one interrupt after three completions.
  take(h[2]);
  vq.enable_cb_after(3);
  dev.push_used(h[0], 0);
  EXPECT_FALSE(dev.should_interrupt());
  dev.push_used(h[1], 0);
  EXPECT_FALSE(dev.should_interrupt());
  dev.push_used(h[2], 0);
  EXPECT_TRUE(dev.should_interrupt());
  uint32_t len = 0;
  for (int i = 0; i < 3; ++i) EXPECT_NE(vq.get_used(len), nullptr);
  // Disabled: no interrupt at all.
  vq.disable_cb();
  ASSERT_EQ(vq.add(out, 1, nullptr, 0, &t[3]), result::ok);
  take(h[3]);
  dev.push_used(h[3], 0);
  EXPECT_FALSE(dev.should_interrupt());
}

}  // namespace
}  // namespace hmx::virtio_argo
