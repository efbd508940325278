// SPDX-License-Identifier: Apache-2.0
// Ring-layout features over virtio-argo: the driver transport implements indirect descriptors
// and event-index suppression on the driver's own rings; the device never sees either.
#include <gtest/gtest.h>

#include "support/blk_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;

// covers: HMX-VTA-076 HMX-VTA-077 HMX-VTA-040
TEST(RingFeatures, IndirectDescriptorsCarryManySegments) {
  blk_fixture f(1 << 20);
  argo_rig rig(*f.dev);
  queue_set qs(1, 16);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 16, qs.mem.data(), v::bit(v::F_INDIRECT_DESC)), result::ok);
  ASSERT_TRUE(drv.queue(0).indirect());
  // 40 segments of 1 KiB: more than the 16-entry ring could hold as a direct chain.
  constexpr uint16_t kSegs = 40;
  std::vector<uint8_t> data(kSegs * 1024);
  fill_pattern(data.data(), data.size(), 5);
  std::vector<split_virtqueue::buf> segs;
  for (uint16_t i = 0; i < kSegs; ++i) segs.push_back({data.data() + i * 1024, 1024});
  std::vector<vring_desc> table(kSegs + 2);
  blk_request w{};
  ASSERT_EQ(drv.submit(0, w, v::BLK_T_OUT, 8, segs.data(), kSegs, table.data()), result::ok);
  EXPECT_EQ(drv.queue(0).num_free(), 15) << "one ring descriptor for the whole chain";
  ASSERT_EQ(drv.kick(0), result::ok);
  ASSERT_TRUE(drive_until(rig.transport, [&] { return drv.reap(0) != nullptr; }));
  EXPECT_EQ(w.outcome, result::ok);

  std::vector<uint8_t> back(kSegs * 1024, 0);
  std::vector<split_virtqueue::buf> rsegs;
  for (uint16_t i = 0; i < kSegs; ++i) rsegs.push_back({back.data() + i * 1024, 1024});
  blk_request r{};
  ASSERT_EQ(drv.submit(0, r, v::BLK_T_IN, 8, rsegs.data(), kSegs, table.data()), result::ok);
  ASSERT_EQ(drv.kick(0), result::ok);
  ASSERT_TRUE(drive_until(rig.transport, [&] { return drv.reap(0) != nullptr; }));
  EXPECT_EQ(r.outcome, result::ok);
  EXPECT_EQ(back, data);
  EXPECT_EQ(rig.host().core().negotiated() & v::bit(v::F_INDIRECT_DESC), 0u) << "never forwarded";
}

// covers: HMX-VTA-040 HMX-VTA-023
TEST(RingFeatures, EventIndexSuppressesKicksWhileTheTransportIsStalled) {
  blk_fixture f(1 << 20);
  rig_options o;
  o.limits.max_in_flight = 4;
  argo_rig rig(*f.dev, o);
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), v::bit(v::F_EVENT_IDX)), result::ok);
  ASSERT_TRUE(drv.queue(0).event_idx());
  constexpr int kReqs = 20;  // 3 descriptors each: 60 of the 64
  std::vector<blk_request> reqs(kReqs);
  std::vector<std::vector<uint8_t>> bufs(kReqs, std::vector<uint8_t>(512));
  for (int i = 0; i < kReqs; ++i) {
    const split_virtqueue::buf b{bufs[i].data(), 512};
    ASSERT_EQ(drv.submit(0, reqs[i], v::BLK_T_IN, static_cast<uint64_t>(i), &b, 1), result::ok);
    ASSERT_EQ(drv.kick(0), result::ok);  // a kick per request, as a naive driver would
  }
  // The transport consumed 4 entries and then waited for credits: it left avail_event there,
  // so the driver's later kicks were suppressed, and it still serves them all on its own.
  EXPECT_GT(drv.suppressed_kicks(), 0u);
  EXPECT_LT(drv.kicks(), static_cast<uint64_t>(kReqs));
  int done = 0;
  ASSERT_TRUE(drive_until(rig.transport, [&] {
    while (drv.reap(0) != nullptr) ++done;
    return done == kReqs;
  }));
  for (auto& r : reqs) EXPECT_EQ(r.outcome, result::ok);
}

// covers: HMX-VTA-040
TEST(RingFeatures, EventIndexSuppressesUsedNotifications) {
  blk_fixture f(1 << 20);
  argo_rig rig(*f.dev);
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), v::bit(v::F_EVENT_IDX)), result::ok);
  auto run = [&](int n) {
    std::vector<blk_request> reqs(static_cast<size_t>(n));
    std::vector<uint8_t> buf(512 * static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      const split_virtqueue::buf b{buf.data() + 512 * i, 512};
      EXPECT_EQ(drv.submit(0, reqs[static_cast<size_t>(i)], v::BLK_T_IN, 0, &b, 1), result::ok);
    }
    EXPECT_EQ(drv.kick(0), result::ok);
    // Let the device finish everything before the driver looks at the used ring.
    EXPECT_TRUE(drive_until(rig.transport, [&] { return rig.transport.in_flight() == 0; }));
    (void)rig.transport.poll();
    int got = 0;
    while (drv.reap(0) != nullptr) ++got;
    EXPECT_EQ(got, n);
  };
  drv.queue(0).disable_cb();
  const uint32_t before = rig.cb.used;
  run(8);
  EXPECT_EQ(rig.cb.used, before) << "no used-buffer notification while disabled";
  drv.queue(0).enable_cb_after(4);
  run(8);
  EXPECT_EQ(rig.cb.used, before + 1) << "exactly one, after the 4th completion";
}

}  // namespace
}  // namespace hmx::virtio_argo::test
