// SPDX-License-Identifier: Apache-2.0
// A peer that dies, hangs or is removed mid-request: the driver sees the ring vanish
// (ECONNREFUSED) or a time-out, reports DEVICE_NEEDS_RESET, and gets every outstanding
// request back as failed, with no byte written into a buffer after that (HMX-VTA-033..035).
#include <gtest/gtest.h>

#include "support/blk_helpers.h"
#include "support/console_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

namespace v = virtio;

// covers: HMX-VTA-102 HMX-VTA-103 HMX-VTA-104 HMX-VTA-034
TEST(Failure, DeviceDiesWhileHoldingRequests) {
  device::console_device con;
  argo_rig rig(con);
  console_driver<argo_driver> drv(rig.transport);
  ASSERT_EQ(drv.init(), result::ok);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(drv.post_rx(16), result::ok);
  ASSERT_TRUE(drive_until(rig.transport, [&] { return con.waiting_rx() == 5; }));
  const uint32_t config_events = rig.cb.config;

  rig.kill_device();
  EXPECT_EQ(rig.transport.wait(1'000'000), result::no_device);
  EXPECT_TRUE(rig.transport.broken());
  EXPECT_EQ(rig.transport.reason(), broken_reason::peer_gone);
  EXPECT_GT(rig.cb.config, config_events) << "told through the config callback";
  uint8_t status = 0;
  ASSERT_EQ(rig.transport.get_status(status), result::ok);
  EXPECT_NE(status & v::STATUS_DEVICE_NEEDS_RESET, 0);
  EXPECT_EQ(drv.send("lost"), result::no_device);

  EXPECT_EQ(rig.transport.reset(), result::no_device) << "no handshake without a peer";
  int failed = 0;
  while (void* p = drv.vq[0].detach_unused()) {
    auto* buf = static_cast<std::vector<uint8_t>*>(p);
    EXPECT_EQ(std::count(buf->begin(), buf->end(), 0xCC), 16);
    ++failed;
  }
  EXPECT_EQ(failed, 5);
}

// covers: HMX-VTA-090 HMX-VTA-091 HMX-VTA-092 HMX-VTA-093 HMX-VTA-102 HMX-VTA-103 HMX-VTA-104 HMX-VTA-034
TEST(Failure, DeviceDiesHalfwayThroughACompletion) {
  blk_fixture f(4 << 20);
  rig_options o;
  o.driver_ring = 8192;
  argo_rig rig(*f.dev, o);
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  std::vector<uint8_t> data(64 * 1024);
  fill_pattern(data.data(), data.size(), 4);
  ASSERT_EQ(blk_write(rig.transport, drv, 0, 0, data), result::ok);

  std::vector<uint8_t> buf(64 * 1024, 0xCC);
  std::vector<uint8_t> neighbour(4096, 0xDD);  // another request's buffer, never completed
  blk_request r{}, n{};
  const split_virtqueue::buf b{buf.data(), 64 * 1024};
  const split_virtqueue::buf nb{neighbour.data(), 4096};
  ASSERT_EQ(drv.submit(0, r, v::BLK_T_IN, 0, &b, 1), result::ok);
  ASSERT_EQ(drv.kick(0), result::ok);
  ASSERT_EQ(rig.host().poll(), result::ok);  // serves r; its completion is partly sent
  ASSERT_EQ(drv.submit(0, n, v::BLK_T_IN, 0, &nb, 1), result::ok);
  ASSERT_EQ(drv.kick(0), result::ok);
  ASSERT_EQ(rig.transport.poll(), result::ok);  // the driver takes the first fragment
  const auto written = static_cast<size_t>(std::count_if(buf.begin(), buf.end(), [](uint8_t x) { return x != 0xCC; }));
  EXPECT_GT(written, 0u);
  EXPECT_LT(written, buf.size());

  rig.kill_device();
  ASSERT_TRUE(drive_until(rig.transport, [&] { return rig.transport.broken(); }));
  EXPECT_EQ(rig.transport.reason(), broken_reason::peer_gone);
  EXPECT_EQ(drv.reap(0), nullptr) << "a partial completion is never published";
  std::vector<blk_request*> failed;
  drv.fail_outstanding([&](blk_request& x) { failed.push_back(&x); });
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(r.outcome, result::no_device);
  EXPECT_EQ(r.status, 0xFF) << "the status byte was never written";
  EXPECT_EQ(std::count(neighbour.begin(), neighbour.end(), 0xDD), 4096);
  // What was written is a prefix of the true data: no byte from elsewhere.
  EXPECT_TRUE(std::equal(buf.begin(), buf.begin() + static_cast<long>(written), data.begin()));
}

// covers: HMX-VTA-102 HMX-VTA-103 HMX-VTA-104
TEST(Failure, HungDeviceTimesOut) {
  blk_fixture f(1 << 20);
  rig_options o;
  o.request_timeout_ns = 100'000'000;
  argo_rig rig(*f.dev, o);
  queue_set qs(1, 64);
  blk_driver<argo_driver> drv;
  ASSERT_EQ(drv.init(rig.transport, 1, 64, qs.mem.data(), 0), result::ok);
  rig.stop_device();  // alive (its ring exists) but it never answers again
  uint32_t gen = 0;
  EXPECT_EQ(rig.transport.config_generation(gen), result::timed_out);
  EXPECT_TRUE(rig.transport.broken());
  EXPECT_EQ(rig.transport.reason(), broken_reason::timed_out);
  EXPECT_EQ(rig.transport.config_generation(gen), result::no_device);
}

// covers: HMX-VTA-102 HMX-VTA-103 HMX-VTA-104
TEST(Failure, SilentDeviceWithRequestsInFlightIsProbed) {
  device::console_device con;
  rig_options o;
  o.request_timeout_ns = 100'000'000;
  o.liveness_timeout_ns = 50'000'000;
  argo_rig rig(con, o);
  console_driver<argo_driver> drv(rig.transport);
  ASSERT_EQ(drv.init(), result::ok);
  ASSERT_EQ(drv.post_rx(16), result::ok);
  ASSERT_TRUE(drive_until(rig.transport, [&] { return con.waiting_rx() == 1; }));
  rig.stop_device();
  ASSERT_TRUE(drive_until(rig.transport, [&] { return rig.transport.broken(); }, 3'000'000'000ull));
  EXPECT_GE(rig.transport.stats().probes, 1u);
  EXPECT_EQ(rig.transport.reason(), broken_reason::timed_out);
}

// covers: HMX-VTA-034
TEST(Failure, RemovalFailsOutstandingRequests) {
  device::console_device con;
  argo_rig rig(con);
  console_driver<argo_driver> drv(rig.transport);
  ASSERT_EQ(drv.init(), result::ok);
  ASSERT_EQ(drv.post_rx(16), result::ok);
  ASSERT_TRUE(drive_until(rig.transport, [&] { return con.waiting_rx() == 1; }));
  rig.transport.mark_removed();  // what the bus client does on EVENT_DEVICE REMOVED
  EXPECT_EQ(rig.transport.poll(), result::no_device);
  EXPECT_EQ(rig.transport.reset(), result::no_device);
  EXPECT_NE(drv.vq[0].detach_unused(), nullptr);
}

// covers: HMX-VTA-035
TEST(Failure, DriverGoneResetsTheDevice) {
  device::console_device con;
  argo_rig rig(con);
  console_driver<argo_driver> drv(rig.transport);
  ASSERT_EQ(drv.init(), result::ok);
  ASSERT_EQ(drv.post_rx(16), result::ok);
  ASSERT_TRUE(drive_until(rig.transport, [&] { return con.waiting_rx() == 1; }));
  rig.stop_device();
  rig.link().kill_driver();
  std::atomic<bool> stop{false};
  EXPECT_EQ(rig.host().serve(stop), result::conn_refused);
  EXPECT_EQ(rig.host().poll(), result::conn_refused);
  EXPECT_EQ(rig.host().core().status(), 0);
  EXPECT_EQ(con.waiting_rx(), 0u);
  EXPECT_EQ(rig.host().in_flight(0), 0u);
}

}  // namespace
}  // namespace hmx::virtio_argo::test
