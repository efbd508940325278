// SPDX-License-Identifier: Apache-2.0
// Device and queue reset over virtio-argo: requests the device holds or has half-sent are
// forgotten on both sides, the driver gets every buffer back as failed, and nothing stale is
// written into a buffer afterwards (HMX-VTA-029..032).
#include <gtest/gtest.h>

#include "support/blk_helpers.h"
#include "support/console_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;

// covers: HMX-VTA-098 HMX-VTA-099 HMX-VTA-100 HMX-VTA-101 HMX-VTA-094 HMX-VTA-095
TEST(Reset, RequestsHeldByTheDeviceComeBackAsFailed) {
  device::console_device con;
  argo_rig rig(con);
  console_driver<argo_driver> drv(rig.transport);
  ASSERT_EQ(drv.init(), result::ok);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(drv.post_rx(64), result::ok);
  ASSERT_TRUE(drive_until(rig.transport, [&] { return con.waiting_rx() == 4; }));
  EXPECT_EQ(rig.host().in_flight(0), 4u) << "held receive buffers keep their credits";

  ASSERT_EQ(rig.transport.reset(), result::ok);
  EXPECT_EQ(con.waiting_rx(), 0u) << "the device forgot them before answering";
  EXPECT_EQ(rig.host().in_flight(0), 0u);
  int failed = 0;
  while (void* p = drv.vq[0].detach_unused()) {
    auto* buf = static_cast<std::vector<uint8_t>*>(p);
    EXPECT_EQ(std::count(buf->begin(), buf->end(), 0xCC), 64) << "never written";
    ++failed;
  }
  EXPECT_EQ(failed, 4);

  // The same memory serves a new session.
  drv.vq[0].reset();
  drv.vq[1].reset();
  ASSERT_EQ(drv.init(), result::ok);
  ASSERT_EQ(drv.post_rx(64), result::ok);
  ASSERT_EQ(drv.send("again"), result::ok);
  std::string got;
  ASSERT_TRUE(drive_until(rig.transport, [&] {
    got += drv.received();
    return got == "again";
  }));
}

// covers: HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093 HMX-VTA-098 HMX-VTA-099 HMX-VTA-100 HMX-VTA-101
TEST(Reset, HalfSentCompletionsAreDroppedNotApplied) {
  blk_fixture f(4 << 20);
  rig_options o;
  o.driver_ring = 8192;  // a 64 KiB completion needs many fills of the driver's ring
  argo_rig rig(*f.dev, o);
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  std::vector<uint8_t> data(64 * 1024);
  fill_pattern(data.data(), data.size(), 8);
  ASSERT_EQ(blk_write(rig.transport, drv, 0, 0, data), result::ok);

  std::vector<std::vector<uint8_t>> bufs(4, std::vector<uint8_t>(64 * 1024, 0xCC));
  std::vector<blk_request> reqs(4);
  for (size_t i = 0; i < 4; ++i) {
    const split_virtqueue::buf b{bufs[i].data(), 64 * 1024};
    ASSERT_EQ(drv.submit(0, reqs[i], v::BLK_T_IN, 0, &b, 1), result::ok);
  }
  ASSERT_EQ(drv.kick(0), result::ok);
  // The device serves all four and starts sending; the driver's ring fills up after a few
  // fragments, and the rest waits in the device's outbox.
  ASSERT_EQ(rig.host().poll(), result::ok);
  EXPECT_GT(rig.host().outbox_size(), 0u);
  EXPECT_GT(rig.link().driver().pending(), 0u);

  ASSERT_EQ(rig.transport.reset(), result::ok);
  EXPECT_EQ(rig.host().outbox_size(), 0u);
  EXPECT_GT(rig.transport.stats().dropped_foreign, 0u) << "fragments that were in the ring";
  uint32_t failed = drv.fail_outstanding([&](blk_request& r) { EXPECT_EQ(r.outcome, result::no_device); });
  EXPECT_EQ(failed, 4u);
  for (auto& b : bufs) EXPECT_EQ(std::count(b.begin(), b.end(), 0xCC), 64 * 1024) << "no stale byte landed";

  // A fresh session reads the data correctly.
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  std::vector<uint8_t> back(64 * 1024);
  ASSERT_EQ(blk_read(rig.transport, drv, 0, 0, back), result::ok);
  EXPECT_EQ(back, data);
}

// covers: HMX-VTA-032
TEST(Reset, QueueResetReturnsThatQueuesBuffersOnly) {
  device::console_device con;
  argo_rig rig(con);
  console_driver<argo_driver> drv(rig.transport);
  ASSERT_EQ(drv.init(), result::ok);
  ASSERT_NE(rig.transport.driver_features() & v::bit(v::F_RING_RESET), 0u);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(drv.post_rx(32), result::ok);
  ASSERT_TRUE(drive_until(rig.transport, [&] { return con.waiting_rx() == 3; }));
  ASSERT_EQ(rig.transport.reset_queue(0), result::ok);
  EXPECT_EQ(con.waiting_rx(), 0u);
  int failed = 0;
  while (drv.vq[0].detach_unused() != nullptr) ++failed;
  EXPECT_EQ(failed, 3);
  // Re-enable queue 0; queue 1 kept working all along.
  drv.vq[0].reset();
  ASSERT_EQ(rig.transport.setup_queue(drv.vq[0], drv.qs.mem[0].inflight), result::ok);
  ASSERT_EQ(drv.post_rx(32), result::ok);
  ASSERT_EQ(drv.send("xyz"), result::ok);
  std::string got;
  ASSERT_TRUE(drive_until(rig.transport, [&] {
    got += drv.received();
    return got == "xyz";
  }));
}

// covers: HMX-VTA-100 HMX-VTA-101
TEST(Reset, WithoutRingResetQueueResetIsRefused) {
  device::console_device con;
  argo_rig rig(con);
  uint64_t f = 0;
  ASSERT_EQ(negotiate(rig.transport, 0, f), result::ok);
  EXPECT_EQ(rig.transport.reset_queue(0), result::not_supported);
}

}  // namespace
}  // namespace hmx::virtio_argo::test
