// SPDX-License-Identifier: Apache-2.0
// The in-process channel keeps the HMX ring semantics the transport relies on.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "hmx/virtio_argo/loopback.h"

namespace hmx::virtio_argo {
namespace {

result send_bytes(loopback_endpoint& e, std::vector<uint8_t> v) {
  const chan_iov iov{v.data(), static_cast<uint32_t>(v.size())};
  return e.send(&iov, 1);
}

// covers: HMX-VTA-080 HMX-VTA-081 HMX-VTA-082
TEST(Loopback, OrderSizeAndSpaceAvailable) {
  loopback_link link(256, 256);
  auto& drv = link.driver();
  auto& dev = link.device();
  EXPECT_EQ(drv.max_message_size(), 224u);  // ring length less a header and a slot
  EXPECT_EQ(send_bytes(drv, std::vector<uint8_t>(225)), result::msg_size);
  // 70-byte messages take 96 bytes each; with one slot kept free, two fit in 256 bytes.
  EXPECT_EQ(send_bytes(drv, std::vector<uint8_t>(70, 1)), result::ok);
  EXPECT_EQ(send_bytes(drv, std::vector<uint8_t>(70, 2)), result::ok);
  EXPECT_EQ(send_bytes(drv, std::vector<uint8_t>(70, 3)), result::again);
  EXPECT_EQ(drv.wait(1000), result::timed_out) << "no space yet";
  uint8_t buf[256];
  recv_result r = dev.receive(buf, sizeof buf);
  ASSERT_EQ(r.status, result::ok);
  EXPECT_EQ(buf[0], 1);
  EXPECT_EQ(drv.wait(1000), result::ok) << "space-available event";
  EXPECT_EQ(send_bytes(drv, std::vector<uint8_t>(70, 3)), result::ok);
  r = dev.receive(buf, sizeof buf);
  EXPECT_EQ(buf[0], 2);
  r = dev.receive(buf, sizeof buf);
  EXPECT_EQ(buf[0], 3);
  EXPECT_EQ(dev.receive(buf, sizeof buf).status, result::again);
}

// covers: HMX-VTA-080 HMX-VTA-081 HMX-VTA-082
TEST(Loopback, GatherAndTooSmallReceiveBuffer) {
  loopback_link link(4096, 4096);
  uint8_t a[3] = {1, 2, 3}, b[2] = {4, 5};
  const chan_iov iov[2] = {{a, 3}, {b, 2}};
  ASSERT_EQ(link.driver().send(iov, 2), result::ok);
  ASSERT_EQ(link.driver().send(iov, 2), result::ok);
  uint8_t small[4];
  EXPECT_EQ(link.device().receive(small, sizeof small).status, result::msg_size) << "dropped, not truncated";
  uint8_t big[8];
  const recv_result r = link.device().receive(big, sizeof big);
  ASSERT_EQ(r.status, result::ok);
  EXPECT_EQ(r.size, 5u);
  EXPECT_EQ(big[4], 5);
}

// covers: HMX-VTA-102 HMX-VTA-103 HMX-VTA-104 HMX-VTA-035
TEST(Loopback, KilledPeerRefusesAndIsReported) {
  loopback_link link(4096, 4096);
  ASSERT_EQ(send_bytes(link.device(), {9}), result::ok);
  link.kill_device();
  EXPECT_EQ(send_bytes(link.driver(), {1}), result::conn_refused);
  EXPECT_EQ(link.driver().wait(0), result::ok) << "a message is still in the driver's own ring";
  uint8_t buf[8];
  EXPECT_EQ(link.driver().receive(buf, sizeof buf).status, result::ok);
  EXPECT_EQ(link.driver().wait(1000), result::conn_refused);
}

// covers: HMX-VTA-080 HMX-VTA-081 HMX-VTA-082
TEST(Loopback, InjectedEagainStillRaisesSpaceAvailable) {
  loopback_link link(4096, 4096);
  link.driver().inject_eagain(2);
  EXPECT_EQ(send_bytes(link.driver(), {1}), result::again);
  EXPECT_EQ(link.driver().wait(1000), result::ok);
  EXPECT_EQ(send_bytes(link.driver(), {1}), result::again);
  EXPECT_EQ(send_bytes(link.driver(), {1}), result::ok);
  EXPECT_EQ(link.driver().stats().eagain, 2u);
}

// covers: HMX-VTA-022
TEST(Loopback, WaitWakesAcrossThreads) {
  loopback_link link(4096, 4096);
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    (void)send_bytes(link.device(), {7});
  });
  EXPECT_EQ(link.driver().wait(5'000'000'000ull), result::ok);
  uint8_t buf[4];
  EXPECT_EQ(link.driver().receive(buf, sizeof buf).status, result::ok);
  t.join();
}

}  // namespace
}  // namespace hmx::virtio_argo
