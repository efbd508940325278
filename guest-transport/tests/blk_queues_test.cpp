// SPDX-License-Identifier: Apache-2.0
// Several queues (VIRTIO_BLK_F_MQ) with many requests in flight on each, completions reaped in
// whatever order they arrive, and the data checked afterwards.
#include <gtest/gtest.h>

#include <random>

#include "support/blk_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;

struct pending_io {
  blk_request req{};
  std::vector<uint8_t> buf;
  uint64_t sector = 0;
  bool write = false;
};

// Keeps `depth` requests in flight on each queue until `total` have completed per queue; each
// queue owns a disjoint region of the disk, and a queue's requests are served in the order
// they were made available, so `shadow` (updated at issue time) is what the disk must hold at
// the end. Returns false on a timeout.
template <class T>
bool run_mixed(T& t, blk_driver<T>& drv, uint16_t queues, int depth, int total, uint32_t size,
               std::vector<std::vector<uint8_t>>& shadow, std::mt19937& rng) {
  const uint64_t region = shadow[0].size() / 512;
  std::vector<std::vector<pending_io>> ios(queues, std::vector<pending_io>(static_cast<size_t>(depth)));
  std::vector<int> issued(queues, 0), done(queues, 0);
  auto issue = [&](uint16_t q, pending_io& io) {
    io.write = rng() % 2 == 0;
    io.sector = q * region + (rng() % (region - size / 512 + 1));
    io.buf.assign(size, 0);
    if (io.write) {
      fill_pattern(io.buf.data(), size, rng());
      std::copy(io.buf.begin(), io.buf.end(), shadow[q].begin() + static_cast<long>((io.sector - q * region) * 512));
    }
    const split_virtqueue::buf b{io.buf.data(), size};
    EXPECT_EQ(drv.submit(q, io.req, io.write ? v::BLK_T_OUT : v::BLK_T_IN, io.sector, &b, 1), result::ok);
    io.req.user = &io;
    ++issued[q];
  };
  for (uint16_t q = 0; q < queues; ++q) {
    for (auto& io : ios[q]) issue(q, io);
    EXPECT_EQ(drv.kick(q), result::ok);
  }
  auto finished = [&] {
    for (uint16_t q = 0; q < queues; ++q)
      if (done[q] < total) return false;
    return true;
  };
  return drive_until(t, [&] {
    for (uint16_t q = 0; q < queues; ++q) {
      bool again = false;
      while (blk_request* r = drv.reap(q)) {
        auto& io = *static_cast<pending_io*>(r->user);
        EXPECT_EQ(r->outcome, result::ok);
        ++done[q];
        if (issued[q] < total) {
          issue(q, io);
          again = true;
        }
      }
      if (again) {
        EXPECT_EQ(drv.kick(q), result::ok);
      }
    }
    return finished();
  }, 60'000'000'000ull);
}

class BlkQueues : public ::testing::TestWithParam<bool> {};

// covers: HMX-VTA-023 HMX-VTA-026 HMX-VTA-088 HMX-VTA-089 HMX-VTA-094 HMX-VTA-095
TEST_P(BlkQueues, ConcurrentRequestsOnFourQueues) {
  constexpr uint16_t kQueues = 4;
  constexpr uint64_t kRegion = 2 << 20;
  blk_fixture f(kQueues * kRegion, kQueues, 64);
  rig_options o;
  o.threaded = GetParam();
  o.limits.max_in_flight = 16;
  argo_rig rig(*f.dev, o);
  queue_set qs(kQueues, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, kQueues, 64, qs.mem.data(), 0), result::ok);
  ASSERT_EQ(drv.queues(), kQueues);
  std::vector<std::vector<uint8_t>> shadow(kQueues, std::vector<uint8_t>(kRegion, 0));
  std::mt19937 rng(99);
  // 20 in flight per queue (60 of 64 descriptors) against a credit of 16: the transport
  // holds the rest back.
  ASSERT_TRUE(run_mixed(rig.transport, drv, kQueues, 20, 200, 16 * 1024, shadow, rng));
  // Every region now reads back as the shadow copy.
  for (uint16_t q = 0; q < kQueues; ++q) {
    std::vector<uint8_t> back(kRegion);
    ASSERT_EQ(blk_read(rig.transport, drv, q, q * kRegion / 512, back), result::ok);
    EXPECT_EQ(checksum(back.data(), back.size()), checksum(shadow[q].data(), shadow[q].size())) << "queue " << q;
    EXPECT_GT(rig.transport.queue_stats(q).credit_stalls, 0u);
  }
  rig.stop_device();
  EXPECT_EQ(rig.host().stats().protocol_errors, 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, BlkQueues, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Threaded" : "Inline"; });

}  // namespace
}  // namespace hmx::virtio_argo::test
