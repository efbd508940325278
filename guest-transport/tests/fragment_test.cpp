// SPDX-License-Identifier: Apache-2.0
// Buffers larger than one message: split into fragments that fit the receiver's ring and the
// iov limit, sent back to back in offset order, and reassembled (HMX-VTA-027).
#include <gtest/gtest.h>

#include "support/blk_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;

class Fragments : public ::testing::TestWithParam<bool> {};

// covers: HMX-VTA-027 HMX-VTA-088 HMX-VTA-089 HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093
TEST_P(Fragments, OneMiBThroughFourKiBRings) {
  blk_fixture f(4 << 20);
  rig_options o;
  o.threaded = GetParam();
  o.driver_ring = 4096;
  o.device_ring = 4096;
  argo_rig rig(*f.dev, o);
  queue_set qs(1, 16);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 16, qs.mem.data(), 0), result::ok);
  std::vector<uint8_t> data(1 << 20);
  fill_pattern(data.data(), data.size(), 11);
  ASSERT_EQ(blk_write(rig.transport, drv, 0, 64, data), result::ok);
  std::vector<uint8_t> back(1 << 20, 0);
  ASSERT_EQ(blk_read(rig.transport, drv, 0, 64, back), result::ok);
  EXPECT_EQ(checksum(back.data(), back.size()), checksum(data.data(), data.size()));
  // Each message carries at most 4064 - 40 bytes of a request: 1 MiB needs >= 260 of them.
  const uint32_t payload = 4064 - VTA_AVAIL_PREFIX;
  EXPECT_GE(rig.transport.queue_stats(0).avail_messages, (1u << 20) / payload);
  EXPECT_GE(rig.transport.queue_stats(0).used_messages, (1u << 20) / (4064 - VTA_USED_PREFIX));
}

// covers: HMX-VTA-027 HMX-VTA-038
TEST_P(Fragments, ManySegmentsSplitByTheIovLimit) {
  blk_fixture f(1 << 20);
  rig_options o;
  o.threaded = GetParam();
  argo_rig rig(*f.dev, o);
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  // Header + 20 data segments = 21 readable pieces: sendv takes 8 iovs, one is the prefix,
  // so the request needs ceil(21 / 7) = 3 AVAIL messages although its bytes would fit one.
  std::vector<uint8_t> data(20 * 512);
  fill_pattern(data.data(), data.size(), 3);
  std::vector<split_virtqueue::buf> segs;
  for (int i = 0; i < 20; ++i) segs.push_back({data.data() + 512 * i, 512});
  blk_request w{};
  const uint64_t before = rig.transport.queue_stats(0).avail_messages;
  ASSERT_EQ(drv.submit(0, w, v::BLK_T_OUT, 0, segs.data(), 20), result::ok);
  ASSERT_EQ(drv.kick(0), result::ok);
  ASSERT_TRUE(drive_until(rig.transport, [&] { return drv.reap(0) != nullptr; }));
  ASSERT_EQ(w.outcome, result::ok);
  EXPECT_EQ(rig.transport.queue_stats(0).avail_messages - before, 3u);
  std::vector<uint8_t> back(data.size());
  ASSERT_EQ(blk_read(rig.transport, drv, 0, 0, back), result::ok);
  EXPECT_EQ(back, data);
}

// covers: HMX-VTA-027
TEST_P(Fragments, ExactlyOneMessageUpToTheBoundary) {
  blk_fixture f(1 << 20);
  rig_options o;
  o.threaded = GetParam();
  o.device_ring = 4096 + 32;  // the device's ring takes messages of exactly 4096 bytes
  argo_rig rig(*f.dev, o);
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  // A write carries a 16-byte header: 4096 - 40 - 16 = 4040 data bytes fill one message.
  const uint32_t fit = 4096 - VTA_AVAIL_PREFIX - v::BLK_REQ_HEADER;
  for (uint32_t extra : {0u, 1u}) {
    std::vector<uint8_t> a(fit + extra, 1);
    blk_request r{};
    // Not whole sectors, so the device answers IOERR; what matters is the message count.
    const split_virtqueue::buf b{a.data(), static_cast<uint32_t>(a.size())};
    const uint64_t before = rig.transport.queue_stats(0).avail_messages;
    ASSERT_EQ(drv.submit(0, r, v::BLK_T_OUT, 0, &b, 1), result::ok);
    ASSERT_EQ(drv.kick(0), result::ok);
    ASSERT_TRUE(drive_until(rig.transport, [&] { return drv.reap(0) != nullptr; }));
    EXPECT_EQ(rig.transport.queue_stats(0).avail_messages - before, 1u + extra) << "extra " << extra;
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, Fragments, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Threaded" : "Inline"; });

}  // namespace
}  // namespace hmx::virtio_argo::test
