// SPDX-License-Identifier: Apache-2.0
// The driver's exposure window against the device host over the loopback link (spec transport
// "Exposure windows"): requests whose buffers lie in the window name it by (handle, offset, len)
// with no expose or revoke of their own, the device copies exactly those bytes, a request the
// window cannot serve fails alone and the window is exposed again, and the window ends with a
// reset, a queue reset, a teardown or a broken link (HMX-VTA-170).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "hmx/virtio_argo/protocol_exposed.h"
#include "support/console_helpers.h"
#include "support/rig.h"

namespace hmx::virtio_argo::test {
namespace {

struct WindowDriver : ::testing::Test {
  void SetUp() override { start(VTA_TRANSPORT_F_EXPOSURES); }
  void start(uint32_t features) {
    drv.reset();
    rig.reset();
    std::memset(win, 0xEE, sizeof win);
    rig_options o;
    o.transport_features = features;
    o.device_exposures = features != 0;
    o.exposure_window = {win, sizeof win};
    rig = std::make_unique<argo_rig>(con, o);
    drv = std::make_unique<console_driver<argo_driver>>(rig->transport);
    ASSERT_EQ(drv->init(), result::ok);
  }
  // Transmits win[off, off + len) (the console's transmitq, 1).
  void tx(uint32_t off, const std::string& s) {
    std::memcpy(win + off, s.data(), s.size());
    add(1, off, static_cast<uint32_t>(s.size()), false);
  }
  // Posts win[off, off + len) as a receive buffer (receiveq, 0).
  void rx(uint32_t off, uint32_t len) { add(0, off, len, true); }
  void add(uint16_t q, uint32_t off, uint32_t len, bool writable) {
    const split_virtqueue::buf b{win + off, len};
    ASSERT_EQ(writable ? drv->vq[q].add(nullptr, 0, &b, 1, win + off) : drv->vq[q].add(&b, 1, nullptr, 0, win + off),
              result::ok);
    if (drv->vq[q].kick_prepare()) {
      ASSERT_EQ(rig->transport.notify(q), result::ok);
    }
  }
  // Waits for the next used element of queue q.
  bool used(uint16_t q, uint32_t& len, void** token = nullptr) {
    void* t = nullptr;
    const bool ok = drive_until(rig->transport, [&] { return (t = drv->vq[q].get_used(len)) != nullptr; });
    if (token != nullptr) *token = t;
    return ok;
  }
  size_t untouched() const {
    return static_cast<size_t>(std::count(win, win + sizeof win, static_cast<uint8_t>(0xEE)));
  }
  const proxy_stats& qs(uint16_t q) const { return rig->transport.queue_stats(q); }
  const window_stats& ws() const { return rig->transport.exposure_window_stats(); }
  loopback_endpoint& driver_end() { return rig->link().driver(); }

  device::console_device con{false};
  std::unique_ptr<argo_rig> rig;
  std::unique_ptr<console_driver<argo_driver>> drv;
  alignas(64) uint8_t win[4096];
};

// The device fetches the window at the segment's offset: exactly the request's bytes.
// covers: HMX-VTA-166 HMX-VTA-171
TEST_F(WindowDriver, ATransmitFromTheWindowIsFetchedAtItsOffset) {
  tx(1000, "window");
  uint32_t len = 0;
  ASSERT_TRUE(used(1, len));
  EXPECT_EQ(con.output(), "window");
  EXPECT_EQ(qs(1).window_requests, 1u);
  EXPECT_EQ(qs(1).exposed_requests, 1u);
  EXPECT_EQ(qs(1).exposure_calls, 0u) << "no per-request expose or revoke";
  EXPECT_EQ(ws().exposes, 1u);
  EXPECT_EQ(ws().revokes, 0u);
  EXPECT_EQ(driver_end().live_exposures(), 1u) << "the window stays";
  EXPECT_EQ(rig->host().stats().bytes_fetched, 6u);
}

// The device deposits at the segment's offset and nowhere else of the window.
// covers: HMX-VTA-167 HMX-VTA-171
TEST_F(WindowDriver, AReceiveIsDepositedAtItsOffsetAndNowhereElse) {
  rx(2000, 8);
  con.input("abc");
  uint32_t len = 0;
  void* token = nullptr;
  ASSERT_TRUE(used(0, len, &token));
  EXPECT_EQ(token, win + 2000);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(win + 2000), 3), "abc");
  EXPECT_EQ(untouched(), sizeof win - 3);
  EXPECT_EQ(qs(0).used_copy_bytes, 0u);
  EXPECT_EQ(qs(0).exposure_calls, 0u);
}

// Many requests, one expose, no revoke: the calls per request after the window are 0.
// covers: HMX-VTA-166
TEST_F(WindowDriver, ManyRequestsShareOneExposure) {
  std::string want;
  for (uint32_t i = 0; i < 40; ++i) {
    const std::string s = "r" + std::to_string(i) + ";";
    tx(i * 64, s);
    want += s;
    uint32_t len = 0;
    ASSERT_TRUE(used(1, len));
  }
  EXPECT_EQ(con.output(), want);
  EXPECT_EQ(qs(1).window_requests, 40u);
  EXPECT_EQ(qs(1).exposure_calls, 0u);
  EXPECT_EQ(ws().exposes, 1u);
  EXPECT_EQ(ws().revokes, 0u);
  EXPECT_EQ(ws().requests, 40u);
}

// Pieces that follow each other in the window, in one direction, share one segment: one fetch.
// covers: HMX-VTA-166
TEST_F(WindowDriver, AdjacentPiecesShareOneSegment) {
  std::memcpy(win + 300, "headdata", 8);
  const split_virtqueue::buf b[3] = {{win + 300, 4}, {win + 304, 4}, {win + 400, 2}};
  std::memcpy(win + 400, "!!", 2);
  ASSERT_EQ(drv->vq[1].add(b, 3, nullptr, 0, win), result::ok);
  ASSERT_EQ(rig->transport.notify(1), result::ok);
  uint32_t len = 0;
  ASSERT_TRUE(used(1, len));
  EXPECT_EQ(con.output(), "headdata!!");
  EXPECT_EQ(ws().requests, 1u);
  EXPECT_EQ(ws().segments, 2u) << "[300, 308) and [400, 402)";
}

// A buffer outside the window keeps the per-request path: its own expose, offset 0.
TEST_F(WindowDriver, ABufferOutsideTheWindowTakesAPerRequestExposure) {
  std::string outside = "outside";
  const split_virtqueue::buf b{reinterpret_cast<uint8_t*>(outside.data()), 7};
  ASSERT_EQ(drv->vq[1].add(&b, 1, nullptr, 0, outside.data()), result::ok);
  ASSERT_EQ(rig->transport.notify(1), result::ok);
  uint32_t len = 0;
  ASSERT_TRUE(used(1, len));
  EXPECT_EQ(con.output(), "outside");
  EXPECT_EQ(qs(1).window_requests, 0u);
  EXPECT_EQ(qs(1).exposed_requests, 1u);
  EXPECT_EQ(qs(1).exposure_calls, 2u) << "its expose, and the revoke after the USED";
  EXPECT_EQ(driver_end().live_exposures(), 1u) << "only the window";
}

// A window the device cannot use (here: ended behind the driver's back, as when its uses run
// out) fails only that request (len 0, HMX-VTA-161 HMX-VTA-165); the driver exposes it again
// and the next request is served.
// covers: HMX-VTA-161 HMX-VTA-162 HMX-VTA-165
TEST_F(WindowDriver, AWindowThatEndedFailsOneRequestAndIsExposedAgain) {
  tx(0, "a");
  uint32_t len = 0;
  ASSERT_TRUE(used(1, len));
  ASSERT_EQ(driver_end().revoke(rig->transport.exposure_window_handle()), result::ok);
  tx(64, "b");
  ASSERT_TRUE(used(1, len));
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(qs(1).exposure_errors, 1u);
  EXPECT_EQ(ws().errors, 1u);
  tx(128, "c");
  ASSERT_TRUE(used(1, len));
  EXPECT_EQ(con.output(), "ac");
  EXPECT_EQ(ws().exposes, 2u);
  EXPECT_EQ(driver_end().live_exposures(), 1u);
  EXPECT_FALSE(rig->transport.broken());
}

// A device reset ends the window before reset() returns (HMX-VTA-170).
// covers: HMX-VTA-170
TEST_F(WindowDriver, AResetRevokesTheWindow) {
  tx(0, "x");
  uint32_t len = 0;
  ASSERT_TRUE(used(1, len));
  const uint64_t h = rig->transport.exposure_window_handle();
  ASSERT_NE(h, 0u);
  ASSERT_EQ(rig->transport.reset(), result::ok);
  EXPECT_EQ(driver_end().live_exposures(), 0u);
  EXPECT_EQ(ws().revokes, 1u);
  uint8_t late[4] = {1, 2, 3, 4};
  EXPECT_NE(rig->link().device().deposit(h, 0, late, sizeof late), result::ok);
}

// Teardown ends it too (HMX-VTA-170), and so does a broken link.
// covers: HMX-VTA-170
TEST_F(WindowDriver, CloseAndABrokenLinkRevokeTheWindow) {
  tx(0, "x");
  uint32_t len = 0;
  ASSERT_TRUE(used(1, len));
  rig->transport.close();
  EXPECT_EQ(driver_end().live_exposures(), 0u);

  start(VTA_TRANSPORT_F_EXPOSURES);
  tx(0, "y");
  ASSERT_TRUE(used(1, len));
  ASSERT_EQ(driver_end().live_exposures(), 1u);
  rig->kill_device();
  (void)drive_until(rig->transport, [&] { return rig->transport.broken(); });
  ASSERT_TRUE(rig->transport.broken());
  EXPECT_EQ(driver_end().live_exposures(), 0u);
}

// A queue reset ends the window once no request names it; the next request exposes it again.
TEST_F(WindowDriver, AQueueResetRevokesTheWindow) {
  if ((drv->features & virtio::bit(virtio::F_RING_RESET)) == 0) GTEST_SKIP() << "no RING_RESET";
  tx(0, "x");
  uint32_t len = 0;
  ASSERT_TRUE(used(1, len));
  ASSERT_EQ(rig->transport.reset_queue(0), result::ok);
  EXPECT_EQ(driver_end().live_exposures(), 0u);
  tx(64, "y");
  ASSERT_TRUE(used(1, len));
  EXPECT_EQ(con.output(), "xy");
  EXPECT_EQ(ws().exposes, 2u);
}

// Without VTA_TRANSPORT_F_EXPOSURES the window is never exposed: the data path (HMX-VTA-153).
// covers: HMX-VTA-153
TEST_F(WindowDriver, NoWindowWithoutTheFeature) {
  start(0);
  tx(0, "plain");
  uint32_t len = 0;
  ASSERT_TRUE(used(1, len));
  EXPECT_EQ(con.output(), "plain");
  EXPECT_EQ(driver_end().live_exposures(), 0u);
  EXPECT_EQ(ws().exposes, 0u);
  EXPECT_EQ(qs(1).exposed_requests, 0u);
}

}  // namespace
}  // namespace hmx::virtio_argo::test
