// SPDX-License-Identifier: Apache-2.0
// The driver transport's exposure path against a scripted device (spec transport "Requests with
// exposures"): one exposed AVAIL per chain, a data-less USED publishes written_total, an
// exposure error publishes 0, and no exposure outlives its request, its reset or a broken link.
#include <gtest/gtest.h>

#include <cstring>

#include "hmx/virtio_argo/protocol_exposed.h"
#include "support/scripted_console.h"

namespace hmx::virtio_argo::test {
namespace {

struct ExposedDriver : ScriptedConsole {
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start(VTA_TRANSPORT_F_EXPOSURES));
    ASSERT_TRUE(is_exposed_avail(first));
    ASSERT_EQ(decode(first, avail), result::ok);
    tag = first.hdr.token;
    ASSERT_EQ(avail.count, 1u);
    ASSERT_EQ(avail.readable, 0u);
    ASSERT_EQ(avail.f.writable_total, 64u);
    handle = segment_at(avail, 0).handle;
    ASSERT_EQ(segment_at(avail, 0).len, 64u);
    ASSERT_EQ(segment_at(avail, 0).offset, 0u);  // a per-request exposure: all of it (HMX-VTA-168)
    ASSERT_EQ(rig->link().driver().live_exposures(), 1u);
  }
  void send_used(uint32_t written, uint32_t flags) {
    uint8_t p[VTA_USED_PREFIX];
    encode_exposed_used(p, 1, tag, 0, avail.f.head, written, flags);
    const chan_iov iov{p, sizeof p};
    ASSERT_EQ(dev().send(&iov, 1), result::ok);
  }

  exposed_avail avail;
  uint32_t tag = 0;
  uint64_t handle = 0;
};

// covers: HMX-VTA-157 HMX-VTA-160 HMX-VTA-163 HMX-VTA-168
TEST_F(ExposedDriver, ADepositedRequestCompletesWithItsLengthAndNoCopy) {
  const uint8_t data[40] = {1, 2, 3};
  ASSERT_EQ(dev().deposit(handle, 0, data, sizeof data), result::ok);
  // A second deposit into the used-up exposure fails: one use (HMX-VTA-159 from the other side).
  EXPECT_NE(dev().deposit(handle, 0, data, sizeof data), result::ok);
  send_used(40, 0);
  ASSERT_EQ(rig->transport.poll(), result::ok);
  uint32_t len = 0;
  EXPECT_EQ(drv->vq[0].get_used(len), mem);
  EXPECT_EQ(len, 40u);
  EXPECT_EQ(touched(), 40u);
  EXPECT_EQ(std::memcmp(mem + 16, data, sizeof data), 0);
  EXPECT_EQ(rig->transport.queue_stats(0).used_copy_bytes, 0u);
  EXPECT_EQ(rig->transport.queue_stats(0).exposed_requests, 1u);
  EXPECT_EQ(rig->link().driver().live_exposures(), 0u);
}

// covers: HMX-VTA-163 HMX-VTA-165
TEST_F(ExposedDriver, AnExposureErrorPublishesLengthZeroAndRevokesWhatIsLeft) {
  send_used(0, VTA_USED_F_EXPOSURE_ERROR);
  ASSERT_EQ(rig->transport.poll(), result::ok);
  uint32_t len = 1;
  EXPECT_EQ(drv->vq[0].get_used(len), mem);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(touched(), 0u);
  EXPECT_EQ(rig->transport.queue_stats(0).exposure_errors, 1u);
  EXPECT_EQ(rig->transport.queue_stats(0).revokes, 1u);  // never used: the driver ended it
  EXPECT_EQ(rig->link().driver().live_exposures(), 0u);
  uint8_t late[4] = {};
  EXPECT_NE(dev().deposit(handle, 0, late, sizeof late), result::ok);
  EXPECT_EQ(touched(), 0u);
}

// covers: HMX-VTA-164
TEST_F(ExposedDriver, AResetRevokesTheExposuresOfOutstandingRequests) {
  (void)rig->transport.reset();  // the scripted device never answers: the handshake times out
  EXPECT_EQ(rig->link().driver().live_exposures(), 0u);
  uint8_t late[4] = {9, 9, 9, 9};
  EXPECT_NE(dev().deposit(handle, 0, late, sizeof late), result::ok);
  EXPECT_EQ(touched(), 0u);
}

// An exposed request's USED must carry no data (HMX-VTA-160): one with data breaks the link, and
// the exposures end with it (HMX-VTA-164).
// covers: HMX-VTA-160 HMX-VTA-164
TEST_F(ExposedDriver, AUsedWithDataForAnExposedRequestBreaksTheLinkAndRevokes) {
  uint8_t p[VTA_USED_PREFIX];
  encode_used_prefix(p, 1, tag, {0, avail.f.head, 0, 8, 0}, 8);
  uint8_t msg[VTA_USED_PREFIX + 8];
  std::memcpy(msg, p, sizeof p);
  std::memset(msg + sizeof p, 'x', 8);
  const chan_iov iov{msg, sizeof msg};
  ASSERT_EQ(dev().send(&iov, 1), result::ok);
  (void)rig->transport.poll();
  EXPECT_TRUE(rig->transport.broken());
  EXPECT_EQ(touched(), 0u);
  EXPECT_EQ(rig->link().driver().live_exposures(), 0u);
}

// Without the feature negotiated the same driver keeps the data path (HMX-VTA-153).
// covers: HMX-VTA-153
TEST(ExposedDriverNotNegotiated, SendsDataAvails) {
  device::console_device con;
  argo_rig rig(con);
  console_driver<argo_driver> drv(rig.transport);
  ASSERT_EQ(drv.init(), result::ok);
  rig.stop_device();
  uint8_t mem[64];
  const split_virtqueue::buf b{mem, 64};
  ASSERT_EQ(drv.vq[0].add(nullptr, 0, &b, 1, mem), result::ok);
  ASSERT_EQ(drv.vq[0].kick_prepare(), true);
  ASSERT_EQ(rig.transport.notify(0), result::ok);
  uint8_t buf[4096];
  const recv_result rr = rig.link().device().receive(buf, sizeof buf);
  ASSERT_EQ(rr.status, result::ok);
  message m;
  ASSERT_EQ(decode_message(buf, rr.size, role::device, m), result::ok);
  EXPECT_FALSE(is_exposed_avail(m));
  EXPECT_EQ(rig.link().driver().live_exposures(), 0u);
}

}  // namespace
}  // namespace hmx::virtio_argo::test
